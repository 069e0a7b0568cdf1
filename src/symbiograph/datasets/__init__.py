"""Example networks shipped inside the package: Kalundborg and seeded synthetic regions."""

from __future__ import annotations

from importlib import resources

from symbiograph.datasets._synthetic import fixed_charge_region, synthetic
from symbiograph.model import Network

__all__ = ["available", "fixed_charge_region", "kalundborg", "load_dataset", "synthetic"]

_DESCRIPTIONS = {
    "kalundborg": "The Kalundborg Symbiosis (Denmark) as documented in public sources",
    "synthetic-100": "A seeded synthetic region of 100 facilities (seed 0)",
    "synthetic-1000": "A seeded synthetic region of 1,000 facilities (seed 0)",
}


def kalundborg() -> Network:
    """The Kalundborg Symbiosis: facilities, supplies, demands and documented exchanges.

    Quantities in canonical units (t/yr, MWh/yr, m3/yr); every figure names its source.
    """
    from symbiograph.io import build_network, read_yaml

    with resources.as_file(resources.files(__package__).joinpath("kalundborg.yaml")) as path:
        return build_network(read_yaml(path))


def available() -> dict[str, str]:
    """Names of the shipped datasets with a one-line description."""
    return dict(_DESCRIPTIONS)


def load_dataset(name: str) -> Network:
    """A shipped dataset by name: ``kalundborg`` or ``synthetic-N`` (N facilities, seed 0)."""
    if name == "kalundborg":
        return kalundborg()
    if name.startswith("synthetic-"):
        size = name.removeprefix("synthetic-")
        seed = 0
        if ":" in size:
            size, seed_text = size.split(":", 1)
            seed = int(seed_text)
        if size.isdigit():
            return synthetic(int(size), seed=seed)
    raise KeyError(f"unknown dataset {name!r} (available: {', '.join(available())})")
