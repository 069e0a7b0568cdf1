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
    "format_documentation",
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
    "archetypes",
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
    "archetypes": ("id",),
}


@dataclass(frozen=True)
class Attribute:
    """One field of an entity: its type, canonical unit, default and meaning.

    ``type`` is one of str, code, float, int, bool, quantity (a float in the canonical
    unit of the row's resource, given in files as a number or a string with a unit) or price
    (currency per canonical unit, given as a number or a string such as "45 EUR/t").
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
        return self.type in ("float", "int", "quantity", "price")


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


def format_documentation() -> str:
    """The scenario file format as Markdown, derived from the attribute table."""
    lines = [
        "# Scenario file format",
        "",
        "Generated from `src/symbiograph/model/attributes.csv` by",
        "`symbiograph.model.format_documentation()`; do not edit by hand.",
        "",
        "A scenario is one YAML file (top-level keys are the table names, each a list of",
        "records; `parameters` is a mapping; a stream may nest its quality as",
        "`quality: {attribute: value}` or `quality: {attribute: [min, max]}`), a folder of CSV",
        "files (`<table>.csv`, and `parameters.csv` with columns key,value) or an XLSX workbook",
        "(one sheet per table, and a `parameters` sheet with columns key, value).",
        "",
        "Quantity fields accept a number in the canonical unit or a string with a unit",
        "(`12 kt/yr`, `3.5 MW`, `150 m3/h`); canonical units are material t/yr, energy MWh/yr,",
        "water m3/yr, and a year is 8760 h.",
    ]
    for table in ("parameters", *TABLES):
        lines += [
            "",
            f"## {table}",
            "",
            "| field | type | unit | default | required | choices | description |",
        ]
        lines.append("|---|---|---|---|---|---|---|")
        for a in attributes(table):
            lines.append(
                f"| {a.name} | {a.type} | {a.unit} | {a.default} | {'yes' if a.required else ''} "
                f"| {' '.join(a.choices)} | {a.description} |"
            )
    return "\n".join(lines) + "\n"
