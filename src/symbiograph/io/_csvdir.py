"""A scenario as a folder of CSV files: one file per table, plus parameters.csv (key,value)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from symbiograph.io._build import RawScenario
from symbiograph.io._limits import (
    MAX_CSV_BYTES,
    MAX_TEXT_CHARS,
    check_size,
    decode_utf8,
    read_text,
)
from symbiograph.io._problems import Problem, ScenarioError, TableOrigin
from symbiograph.io._technologies import authored
from symbiograph.model import TABLES, Network, attributes

__all__ = ["read_csv_folder", "write_csv_folder"]


_EUROPEAN = (
    "the file is separated by semicolons, as European Excel saves CSV; it is not read that "
    "way (its decimal commas would be ambiguous): save it as 'CSV UTF-8 (comma delimited)' "
    "with decimal points, or give the scenario as an .xlsx workbook"
)


def _header_problems(path: Path, header: list[str]) -> list[Problem]:
    """A header split by semicolons (European Excel) or with a column given twice."""
    if any(";" in cell for cell in header):
        return [Problem(str(path), _EUROPEAN, None, 1)]
    names = [cell.strip() for cell in header]
    twice = sorted({n for n in names if names.count(n) > 1})
    return [
        Problem(str(path), f"column {name!r} appears more than once in the header", None, 1, name)
        for name in twice
    ]


def _locate_parse_error(path: Path, width: int) -> Problem:
    """The first row whose number of cells differs from the header's, found with csv."""
    with path.open("r", encoding="utf-8-sig", newline="") as handle:
        for number, row in enumerate(csv.reader(handle), start=1):
            if row and len(row) != width:
                return Problem(
                    str(path),
                    f"this row has {len(row)} cells but the header has {width} "
                    "(a comma inside a value needs quotes)",
                    None,
                    number,
                )
    return Problem(str(path), "cannot read CSV: unbalanced quotes")


def _locate_long_cell(path: Path, header: list[str]) -> Problem:
    """The first cell longer than MAX_TEXT_CHARS (pyarrow cannot hold a cell larger than
    its block), found with csv."""
    limit = csv.field_size_limit()
    csv.field_size_limit(MAX_CSV_BYTES)
    try:
        with path.open("r", encoding="utf-8-sig", newline="") as handle:
            for number, row in enumerate(csv.reader(handle), start=1):
                for column, cell in enumerate(row):
                    if len(cell) > MAX_TEXT_CHARS:
                        name = header[column].strip() if column < len(header) else None
                        return Problem(
                            str(path),
                            f"text of {len(cell):,} characters is over the limit of "
                            f"{MAX_TEXT_CHARS:,} characters",
                            None,
                            number,
                            name,
                        )
    finally:
        csv.field_size_limit(limit)
    return Problem(str(path), "cannot read CSV: a cell is too large")


def _read_header(path: Path) -> list[str]:
    try:
        with path.open("r", encoding="utf-8-sig", newline="") as handle:
            return next(csv.reader(handle), [])
    except UnicodeDecodeError:
        decode_utf8(str(path), path.read_bytes())  # raises with the line of the bad byte
        raise
    except csv.Error as error:
        problem = Problem(str(path), f"cannot read the header: {error}", None, 1)
        raise ScenarioError([problem]) from None


def _read_text_table(path: Path, numeric: frozenset[str] = frozenset()) -> pd.DataFrame:
    """Read one table with pyarrow (multi-threaded): text columns as strings ("" when
    empty); ``numeric`` columns parsed as float64 directly when every cell is a plain finite
    number (the common case, ten times faster than parsing text), else read as text so
    validation can name the cell that is wrong."""
    check_size(path, MAX_CSV_BYTES, "CSV file")
    header = _read_header(path)
    if not header:
        return pd.DataFrame()
    problems = _header_problems(path, header)
    if problems:
        raise ScenarioError(problems)

    def read(types: dict[str, pa.DataType]) -> pd.DataFrame:
        options = pacsv.ConvertOptions(
            column_types=types,
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
            null_values=[""],
        )
        table = pacsv.read_csv(
            path,
            parse_options=pacsv.ParseOptions(newlines_in_values=True),
            convert_options=options,
        )
        for name in table.column_names:
            column = table.column(name)
            if pa.types.is_floating(column.type) and (
                pc.any(pc.is_nan(column)).as_py() or pc.any(pc.is_inf(column)).as_py()
            ):
                raise pa.ArrowInvalid("nan or inf among the numbers")
        return table.to_pandas()

    text = {name: pa.string() for name in header}
    fast = {**text, **{name: pa.float64() for name in header if name in numeric}}
    try:
        if fast != text:
            try:
                return read(fast)
            except pa.ArrowInvalid:
                pass  # some cell is not a plain number: read as text, validation names it
        return read(text)
    except pa.ArrowInvalid as error:
        if "UTF8" in str(error) or "UTF-8" in str(error):
            decode_utf8(str(path), path.read_bytes())
        if "CSV parse error" in str(error):
            raise ScenarioError([_locate_parse_error(path, len(header))]) from None
        if "straddl" in str(error) or "block size" in str(error):
            raise ScenarioError([_locate_long_cell(path, header)]) from None
        raise ScenarioError([Problem(str(path), f"cannot read CSV: {error}")]) from None


def _read_parameters(path: Path, raw: RawScenario, problems: list[Problem]) -> None:
    """parameters.csv: a header key,value and one row per parameter, each key once."""
    try:
        text = read_text(path, MAX_CSV_BYTES, "CSV file")
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except ScenarioError as error:
        problems.extend(error.problems)
        return
    except csv.Error as error:
        problems.append(Problem(str(path), f"cannot read CSV: {error}"))
        return
    name = str(path)
    header = [cell.strip() for cell in rows[0]] if rows else []
    if any(";" in cell for cell in header):
        problems.append(Problem(name, _EUROPEAN, None, 1))
        return
    if header[:2] != ["key", "value"]:
        problems.append(Problem(name, "parameters.csv needs the columns key,value", None, 1))
        return
    first_row: dict[str, int] = {}
    for number, row in enumerate(rows[1:], start=2):
        if not row or all(not cell.strip() for cell in row):
            continue
        key = row[0].strip()
        if len(row) > len(header) and any(cell.strip() for cell in row[len(header) :]):
            problems.append(
                Problem(
                    name,
                    f"this row has {len(row)} cells but the header has {len(header)} "
                    "(a comma inside a value needs quotes)",
                    None,
                    number,
                    key[:100],
                )
            )
            continue
        if key in first_row:
            problems.append(
                Problem(
                    name,
                    f"parameter {key!r} is given twice (first at row {first_row[key]})",
                    None,
                    number,
                    key[:100],
                )
            )
            continue
        first_row[key] = number
        raw.parameters[key] = row[1] if len(row) > 1 else ""
    raw.parameters_rows = first_row
    raw.parameters_origin = TableOrigin(name)


def read_csv_folder(folder: str | Path) -> RawScenario:
    """Read a folder of CSVs (``streams.csv``, ``facilities.csv``...) into raw tables."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ScenarioError([Problem(str(folder), "not a folder of CSV files")])
    raw = RawScenario()
    problems: list[Problem] = []
    known = set(TABLES) | {"parameters"}
    for path in sorted(folder.glob("*.csv")):
        if path.stem not in known:
            problems.append(
                Problem(
                    str(path),
                    f"unknown table file {path.name!r} (tables: {', '.join(sorted(known))})",
                )
            )
    params_path = folder / "parameters.csv"
    if params_path.exists():
        _read_parameters(params_path, raw, problems)
    for name in TABLES:
        path = folder / f"{name}.csv"
        if not path.exists():
            continue
        try:
            numeric = frozenset(a.name for a in attributes(name) if a.is_numeric)
            raw.tables[name] = _read_text_table(path, numeric)
        except ScenarioError as error:
            problems.extend(error.problems)
            continue
        except (OSError, pa.ArrowInvalid, ValueError) as err:
            problems.append(Problem(str(path), f"cannot read CSV: {err}"))
            continue
        raw.origins[name] = TableOrigin(str(path), first_row=2)
    if problems:
        raise ScenarioError(problems)
    return raw


def write_csv_folder(network: Network, folder: str | Path) -> Path:
    """Write every table of ``network`` as ``<table>.csv`` in ``folder`` (created if needed)."""
    network = authored(network)  # the technology sites, not what they expand to
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    params = pd.DataFrame(
        [(a.name, network.parameters[a.name]) for a in attributes("parameters")],
        columns=["key", "value"],
    )
    params.to_csv(folder / "parameters.csv", index=False)
    for name in TABLES:
        frame = network.table(name).copy()
        for attr in attributes(name):
            if attr.type == "bool":
                frame[attr.name] = frame[attr.name].map({True: "true", False: "false"})
        frame.to_csv(folder / f"{name}.csv", index=False)
    return folder
