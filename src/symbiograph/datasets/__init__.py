"""Example networks shipped inside the package: Kalundborg, Kwinana and seeded synthetic regions."""

from __future__ import annotations

from importlib import resources

from symbiograph.datasets._synthetic import fixed_charge_region, synthetic
from symbiograph.model import Network

__all__ = [
    "available",
    "fixed_charge_region",
    "kalundborg",
    "kwinana",
    "load_dataset",
    "synthetic",
]

_DESCRIPTIONS = {
    "kalundborg": "The Kalundborg Symbiosis (Denmark) as documented in public sources",
    "kwinana": "The Kwinana Industrial Area (Western Australia) as documented in public sources",
    "synthetic-100": "A seeded synthetic region of 100 facilities (seed 0)",
    "synthetic-1000": "A seeded synthetic region of 1,000 facilities (seed 0)",
}


def _shipped(file_name: str) -> Network:
    """A scenario file shipped in this package, read and validated."""
    from symbiograph.io import build_network, read_yaml

    with resources.as_file(resources.files(__package__).joinpath(file_name)) as path:
        return build_network(read_yaml(path))


def kalundborg() -> Network:
    """The Kalundborg Symbiosis: facilities, supplies, demands and documented exchanges.

    Quantities in canonical units (t/yr, MWh/yr, m3/yr); every figure names its source.
    """
    return _shipped("kalundborg.yaml")


def kwinana() -> Network:
    """The Kwinana Industrial Area (Western Australia) in 2010, money in AUD of 2010.

    Facilities, supplies, demands, the documented exchanges (running in 2010 or ended) and the
    park-level figures the literature publishes; quantities in canonical units (t/yr, MWh/yr,
    m3/yr). Every figure names its source or is marked ESTIMATE or PLACEHOLDER in its note.
    """
    return _shipped("kwinana.yaml")


def available() -> dict[str, str]:
    """Names of the shipped datasets with a one-line description."""
    return dict(_DESCRIPTIONS)


def load_dataset(name: str) -> Network:
    """A shipped dataset by name: ``kalundborg``, ``kwinana`` or ``synthetic-N`` (N
    facilities, seed 0)."""
    if name == "kalundborg":
        return kalundborg()
    if name == "kwinana":
        return kwinana()
    if name.startswith("synthetic-"):
        size = name.removeprefix("synthetic-")
        seed = 0
        if ":" in size:
            size, seed_text = size.split(":", 1)
            seed = int(seed_text)
        if size.isdigit():
            return synthetic(int(size), seed=seed)
    raise KeyError(f"unknown dataset {name!r} (available: {', '.join(available())})")
