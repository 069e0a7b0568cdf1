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
    "OUTPUT_TABLES",
    "TABLES",
    "Attribute",
    "attributes",
    "format_documentation",
    "id_column",
    "out_of_range",
    "output_columns",
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
    "infrastructure",
    "processes",
    "process_ports",
    "technology_sites",
    "duties",
    "duty_members",
    "transport_modes",
    "timeseries",
    "published_figures",
    "archetypes",
)

#: The result tables the stages return (match: candidates; optimize: flows; assess: one row
#: per exchange), whose columns are described here like the inputs (role ``output``).
OUTPUT_TABLES: tuple[str, ...] = ("candidates", "flows", "exchange_assessment")

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
    "infrastructure": ("id",),
    "processes": ("id",),
    "process_ports": ("process_id", "stream_id"),
    "technology_sites": ("id",),
    "duties": ("id",),
    "duty_members": ("duty_id", "stream_id"),
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
    role: str = "input"
    min: float | None = None
    max: float | None = None
    redact: str = ""

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
                role=row["role"],
                min=float(row["min"]) if row["min"] else None,
                max=float(row["max"]) if row["max"] else None,
                redact=row["redact"],
            )
        )
    return tuple(out)


def attributes(table: str) -> tuple[Attribute, ...]:
    """The attributes of ``table`` (``parameters`` or one of :data:`TABLES`), in file order."""
    found = tuple(a for a in _load() if a.table == table)
    if not found:
        raise KeyError(f"unknown table {table!r}")
    return found


def output_columns(table: str) -> list[str]:
    """The columns of the result table ``table`` (one of :data:`OUTPUT_TABLES`), in order."""
    if table not in OUTPUT_TABLES:
        raise KeyError(f"{table!r} is not a result table (choose from {', '.join(OUTPUT_TABLES)})")
    return [a.name for a in attributes(table)]


def out_of_range(table: str, frame: pd.DataFrame) -> list[tuple[int, str, str]]:
    """Values of ``frame`` outside their field's schema ``min``/``max``: (row position, field,
    reason) for every numeric column of ``table`` that ``frame`` has; NaN is not checked here
    (missing values are the required-field check's business)."""
    found: list[tuple[int, str, str]] = []
    for a in attributes(table):
        if a.name not in frame.columns or (a.min is None and a.max is None):
            continue
        values = pd.to_numeric(frame[a.name], errors="coerce").to_numpy(dtype=float)
        never = values < -float("inf")  # all False: NaN is not checked here
        low = values < a.min if a.min is not None else never
        high = values > a.max if a.max is not None else never
        for pos in (low | high).nonzero()[0]:
            bound = f"at least {a.min:g}" if low[pos] else f"at most {a.max:g}"
            found.append((int(pos), a.name, f"{a.name} must be {bound}, not {values[pos]:g}"))
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
        "water m3/yr, and a year is 8760 h. A year may be written `yr`, `y`, `a` or `annum`",
        "(`6 kt/y`, `6000 t/a`), `kt` is a kilotonne (not a knot), `tpa` is t/yr, and spaces",
        "around the number and the unit are ignored (`180000 MWh/yr ` is read). A unit of the",
        "wrong kind (`MWh/yr` on a material) is refused, naming both kinds.",
    ]
    for table in ("parameters", *TABLES):
        lines += [
            "",
            f"## {table}",
            "",
            "| field | type | unit | default | required | choices | range | description |",
        ]
        lines.append("|---|---|---|---|---|---|---|---|")
        for a in attributes(table):
            lines.append(
                f"| {a.name} | {a.type} | {a.unit} | {a.default} | {'yes' if a.required else ''} "
                f"| {' '.join(a.choices)} | {_range_text(a)} | {a.description} |"
            )
    lines += _reading_rules()
    lines += [
        "",
        "# Result tables",
        "",
        "The tables the stages write (`match`: candidates.csv; `optimize`: flows.csv; the",
        "assessment: one row per exchange), column by column and in this order. `unit`",
        "`resource` is the canonical unit of the row's resource (the `unit` column).",
        "",
        "A column marked `confidential` is, or is computed from, a stream's quantity, price or",
        "quality. In shared output (every report and export unless `--full`) the cells of a",
        "row that involves a confidential stream show a band such as `10,000 to 20,000`",
        "instead of the value (see `symbiograph.access`).",
    ]
    for table in OUTPUT_TABLES:
        lines += [
            "",
            f"## {table}",
            "",
            "| column | type | unit | range | confidential | description |",
            "|---|---|---|---|---|---|",
        ]
        for a in attributes(table):
            lines.append(
                f"| {a.name} | {a.type} | {a.unit} | {_range_text(a)} | {a.redact} "
                f"| {a.description} |"
            )
    return "\n".join(lines) + "\n"


def _size(limit: int) -> str:
    for unit, scale in (("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if limit >= scale and limit % scale == 0:
            return f"{limit // scale} {unit}"
    return f"{limit:,} bytes"


def _reading_rules() -> list[str]:
    """The rules and limits every reader applies, with the limits io enforces."""
    from symbiograph.model import _limits as limit

    return [
        "",
        "## Rules every reader applies",
        "",
        "A file that breaks one of these rules is refused: `symbiograph validate` lists each",
        "problem with its file, sheet, row and field and exits 1; nothing is stored.",
        "",
        "- **Text is UTF-8** (a leading byte-order mark is allowed). Latin-1, Windows-1252 or",
        "  UTF-16 bytes are refused with the line and byte offset of the first one.",
        "- **A number field holds a number**, or for quantities and prices a number with a",
        "  unit. Refused: a date (`2024-01-05`, an Excel date cell), a time of day (`1:30`),",
        "  `true`/`false`, a list, a mapping, an infinity (`inf`, `Infinity`, `.inf`, `1e309`),",
        "  NaN, a decimal comma (`12,5`: write `12.5`) and a thousands separator (`6 000`,",
        "  `6,000`: write `6000`). A",
        "  whole-number field also refuses fractions and magnitudes beyond 2^53.",
        "- **YAML is read literally**: only `true`/`false` are booleans, only decimal numbers",
        "  are numbers (`0123`, `0x1F` and `1:30` are text, not octal, hex or base 60), and",
        "  dates stay text. A text field keeps what was written (`35.30` stays `35.30`).",
        "- **CSV is comma-separated with a decimal point.** A semicolon-separated file, as",
        "  European Excel saves CSV, is refused with that reason rather than guessed (its",
        "  `1,250` could be a thousand or one and a quarter): save it as",
        '  "CSV UTF-8 (comma delimited)" with decimal points, or give an XLSX workbook.',
        "- **XLSX cells are read as last computed.** Merged cells and formulas without a",
        "  computed value (a workbook written by a program that does not calculate) are",
        "  reported with their cell, not read as empty. No field takes a date cell. Empty",
        "  rows are skipped (row numbers in messages stay those of the sheet). A sheet whose",
        "  name is not a table (`Notes`, `Streams`) is refused, with the table it resembles.",
        "- **A scenario has its three core tables**: a file with any of `resources`,",
        "  `facilities` and `streams` but not all three (a sheet deleted, a CSV file",
        "  missing) is refused naming the missing one.",
        "- **Today's exchanges fit their streams**: the `existing` exchanges from one supply",
        "  (the first record of each supply-demand pair, which speaks for it) may not add up",
        "  to more than its `quantity_max` (else its `quantity`), nor those into",
        "  a demand of the same resource to more than the demand's; a documented quantity",
        "  above the stream it rests on is refused with both figures.",
        "- **Ids are case-sensitive in references, and unique regardless of case**: two",
        "  keys that differ only by case (`Power`, `power`) are refused as duplicates, in",
        "  every table (ids, stream_id/attribute, time-series id/step, transport mode).",
        "- **Nothing is given twice**: a YAML key repeated in one mapping, a parameter",
        "  repeated in `parameters.csv` or the parameters sheet, a header column repeated.",
        "- **Hazardous waste follows the List of Waste.** A resource whose `ewc_code` is a",
        "  hazardous entry (an asterisk entry of Decision 2000/532/EC; the asterisk is",
        "  optional) is hazardous: an empty `hazardous` is set true from the code, and",
        "  `hazardous: false` on it is refused. Matching reads the code too, so a receiver",
        "  without a hazardous-waste permit never gets it.",
        "- **months** are month numbers 1-12, ranges (`5-9`, `11-2` across the year end) and",
        "  lists (`11,12,1,2`); `May-Sep` or a date is refused. `lifetime_years` is above 0.",
        "- **An empty scenario is refused** (no facilities: an empty or cut-off file, an",
        "  empty folder, a folder without CSV files) unless it is read with",
        "  `read_network(path, allow_empty=True)`.",
        "- **No text field holds a NUL character.**",
        "",
        "### Limits",
        "",
        "| what | limit |",
        "|---|---|",
        f"| YAML file | {_size(limit.MAX_YAML_BYTES)} |",
        f"| each CSV file of a folder | {_size(limit.MAX_CSV_BYTES)} |",
        f"| XLSX workbook, as stored | {_size(limit.MAX_XLSX_BYTES)} |",
        f"| XLSX workbook, unzipped | {_size(limit.MAX_XLSX_UNZIPPED_BYTES)} |",
        f"| text in one field | {limit.MAX_TEXT_CHARS:,} characters |",
        f"| YAML nodes repeated by aliases (`*name`) | {limit.YAML_MAX_ALIAS_NODES:,} |",
        f"| YAML nesting of lists and mappings | {limit.YAML_MAX_DEPTH} levels |",
    ]


def _range_text(a: Attribute) -> str:
    """``min..max`` of a bounded field for the documentation (``>= 0``, ``0..1``)."""
    if a.min is not None and a.max is not None:
        return f"{a.min:g}..{a.max:g}"
    if a.min is not None:
        return f">= {a.min:g}"
    if a.max is not None:
        return f"<= {a.max:g}"
    return ""
