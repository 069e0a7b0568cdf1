"""The schema as data: one attribute table per entity, read from ``attributes.csv``.

Validation, defaults, the file-format documentation and the API models are all derived
from this table, so they cannot drift apart.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import pandas as pd

__all__ = [
    "CANONICAL_UNITS",
    "TABLES",
    "Attribute",
    "attributes",
    "id_column",
    "schema_table",
]

#: The tables of a Network, in the order files list them.
TABLES: tuple[str, ...] = (
    "sources",
    "resources",
    "facilities",
    "streams",
    "stream_quality",
    "exchanges",
    "transport_modes",
    "timeseries",
    "published_figures",
)

#: Canonical unit of quantities by resource kind (a utility takes any of the three).
CANONICAL_UNITS: dict[str, str] = {
    "material": "t/yr",
    "energy": "MWh/yr",
    "water": "m3/yr",
}

#: The key column(s) of each table.
_KEYS: dict[str, tuple[str, ...]] = {
    "sources": ("id",),
    "resources": ("id",),
    "facilities": ("id",),
    "streams": ("id",),
    "stream_quality": ("stream_id", "attribute"),
    "exchanges": ("id",),
    "transport_modes": ("mode",),
    "timeseries": ("id", "step"),
    "published_figures": ("id",),
}


@dataclass(frozen=True)
class Attribute:
    """One field of an entity: its type, canonical unit, default and meaning.

    ``type`` is one of str, code, float, int, bool or quantity (a float in the canonical
    unit of the row's resource, given in files as a number or a string with a unit).
    """

    table: str
    name: str
    type: str
    unit: str
    default: str
    required: bool
    choices: tuple[str, ...]
    description: str

    @property
    def is_numeric(self) -> bool:
        """True for float, int and quantity fields."""
        return self.type in ("float", "int", "quantity")


@lru_cache(maxsize=1)
def _load() -> tuple[Attribute, ...]:
    text = resources.files(__package__).joinpath("attributes.csv").read_text(encoding="utf-8")
    rows = csv.DictReader(io.StringIO(text))
    out = []
    for row in rows:
        out.append(
            Attribute(
                table=row["table"],
                name=row["name"],
                type=row["type"],
                unit=row["unit"],
                default=row["default"],
                required=row["required"].strip().lower() == "true",
                choices=tuple(c for c in row["choices"].split("|") if c),
                description=row["description"],
            )
        )
    return tuple(out)


def attributes(table: str) -> tuple[Attribute, ...]:
    """The attributes of ``table`` (``parameters`` or one of :data:`TABLES`), in file order."""
    found = tuple(a for a in _load() if a.table == table)
    if not found:
        raise KeyError(f"unknown table {table!r}")
    return found


def id_column(table: str) -> tuple[str, ...]:
    """The key columns of ``table``."""
    return _KEYS[table]


def schema_table() -> pd.DataFrame:
    """The whole attribute table (one row per table and field), for documentation and APIs."""
    return pd.DataFrame([a.__dict__ for a in _load()]).assign(
        choices=lambda d: d["choices"].map("|".join)
    )
