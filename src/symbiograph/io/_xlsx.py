"""A scenario as an XLSX workbook, one sheet per table, as facilitators collect data."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import openpyxl
import pandas as pd
from openpyxl.cell import WriteOnlyCell
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from symbiograph.io._build import RawScenario
from symbiograph.io._limits import MAX_XLSX_BYTES, MAX_XLSX_UNZIPPED_BYTES, check_size
from symbiograph.io._problems import Problem, ScenarioError, TableOrigin
from symbiograph.io._tables import cell_records, parameter_rows
from symbiograph.io._technologies import authored
from symbiograph.model import TABLES, Network, attributes

__all__ = ["read_xlsx", "write_xlsx"]


_FORMULA_OR_MERGE = re.compile(rb"<(?:\w+:)?(?:f|mergeCell)[\s>/]")


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _column_index(letters: str) -> int:
    number = 0
    for ch in letters:
        number = number * 26 + (ord(ch.upper()) - 64)
    return number - 1


def _cell_place(ref: str) -> tuple[int | None, int | None]:
    """Row number and 0-based column of an A1 reference ("B3" -> (3, 1))."""
    match = re.fullmatch(r"\$?([A-Za-z]{1,3})\$?(\d+)", ref.strip())
    if not match:
        return None, None
    return int(match.group(2)), _column_index(match.group(1))


def _hidden_cells(
    archive: zipfile.ZipFile, member: str, name: str, sheet: str, header: list[str]
) -> list[Problem]:
    """Merged cells and formulas without a computed value in one sheet's XML: read as
    empty by any reader, so each is reported with its place instead."""
    with archive.open(member) as handle:
        found = False
        tail = b""
        while chunk := handle.read(1 << 20):
            if _FORMULA_OR_MERGE.search(tail + chunk):
                found = True
                break
            tail = chunk[-32:]
    if not found:
        return []

    def field(column: int | None) -> str | None:
        if column is not None and 0 <= column < len(header):
            return header[column] or None
        return None

    problems: list[Problem] = []
    with archive.open(member) as handle:
        for _, element in ElementTree.iterparse(handle, events=("end",)):
            tag = _local(element.tag)
            if tag == "c":
                children = {_local(child.tag): child for child in element}
                value = children.get("v")
                if "f" in children and (value is None or not (value.text or "").strip()):
                    ref = element.get("r", "")
                    row, column = _cell_place(ref)
                    problems.append(
                        Problem(
                            name,
                            f"cell {ref} holds a formula without a computed value (read as "
                            "empty): open and save the workbook in a spreadsheet program, or "
                            "write the value",
                            sheet,
                            row,
                            field(column),
                        )
                    )
                element.clear()
            elif tag == "row":
                element.clear()
            elif tag == "mergeCell":
                ref = element.get("ref", "")
                row, column = _cell_place(ref.split(":")[0])
                problems.append(
                    Problem(
                        name,
                        f"cells {ref} are merged (only the first holds the value, the others "
                        "read as empty): unmerge them and fill each cell",
                        sheet,
                        row,
                        field(column),
                    )
                )
    return problems


def _check_archive(path: Path) -> None:
    """Refuse a workbook over the size limits, stored or unzipped (a zip bomb)."""
    check_size(path, MAX_XLSX_BYTES, "workbook")
    try:
        with zipfile.ZipFile(path) as archive:
            unzipped = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise ScenarioError(
            [Problem(str(path), f"cannot open workbook: not an .xlsx file ({error})")]
        ) from None
    if unzipped > MAX_XLSX_UNZIPPED_BYTES:
        raise ScenarioError(
            [
                Problem(
                    str(path),
                    f"the workbook unzips to {unzipped:,} bytes, over the limit of "
                    f"{MAX_XLSX_UNZIPPED_BYTES:,} bytes",
                )
            ]
        )


def _header(cells: tuple[Any, ...]) -> list[str]:
    header = [str(h).strip() if h is not None else "" for h in cells]
    while header and header[-1] == "":
        header.pop()
    return header


def _parameters_sheet(
    rows: list[tuple[Any, ...]], name: str, raw: RawScenario, problems: list[Problem]
) -> None:
    if rows and list(rows[0][:2]) == ["key", "value"]:
        first_row: dict[str, int] = {}
        for number, row in enumerate(rows[1:], start=2):
            if not row or row[0] is None:
                continue
            key = str(row[0]).strip()
            if key in first_row:
                problems.append(
                    Problem(
                        name,
                        f"parameter {key!r} is given twice (first at row {first_row[key]})",
                        "parameters",
                        number,
                        key[:100],
                    )
                )
                continue
            first_row[key] = number
            raw.parameters[key] = row[1] if len(row) > 1 else None
        raw.parameters_rows = first_row
    elif rows:
        problems.append(
            Problem(name, "the parameters sheet needs the columns key, value", "parameters", 1)
        )
    raw.parameters_origin = TableOrigin(name, "parameters")


def read_xlsx(path: str | Path) -> RawScenario:
    """Read a workbook whose sheets are named after the tables (and ``parameters``).

    Merged cells and formulas without a computed value are reported, not read as empty.
    """
    path = Path(path)
    name = str(path)
    _check_archive(path)
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as err:  # openpyxl raises many types for a bad file
        raise ScenarioError([Problem(name, f"cannot open workbook: {err}")]) from None
    problems: list[Problem] = []
    raw = RawScenario()
    known = set(TABLES) | {"parameters"}
    archive = zipfile.ZipFile(path)
    try:
        for sheet in book.sheetnames:
            if sheet not in known:
                problems.append(Problem(name, _unknown_sheet(sheet, known), sheet))
        if "parameters" in book.sheetnames:
            rows = list(book["parameters"].iter_rows(values_only=True))
            _parameters_sheet(rows, name, raw, problems)
            problems += _hidden_in(book, archive, "parameters", name, ["key", "value"])
        for table in TABLES:
            if table not in book.sheetnames:
                continue
            rows = list(book[table].iter_rows(values_only=True))
            if not rows:
                continue
            header = _header(rows[0])
            problems += _hidden_in(book, archive, table, name, header)
            body: list[list[Any]] = []
            numbers: list[int] = []
            for i, row in enumerate(rows[1:], start=2):
                cells = list(row[: len(header)]) + [None] * (len(header) - len(row))
                if all(c is None or (isinstance(c, str) and not c.strip()) for c in cells):
                    continue
                body.append(cells)
                numbers.append(i)
            raw.tables[table] = pd.DataFrame(body, columns=header, dtype=object)
            raw.origins[table] = TableOrigin(name, table, row_numbers=pd.Series(numbers).to_numpy())
    except ScenarioError:
        raise
    except Exception as err:  # a damaged part of the workbook
        raise ScenarioError([Problem(name, f"cannot read workbook: {err}")]) from None
    finally:
        book.close()
        archive.close()
    if problems:
        raise ScenarioError(problems)
    return raw


def _unknown_sheet(sheet: str, known: set[str]) -> str:
    """Why a sheet is refused, with the table it resembles ("Stream quality" -> stream_quality)."""
    folded = re.sub(r"[\s\-]+", "_", sheet.strip().lower())
    folded = re.sub(r"\d+$", "", folded)
    close = [t for t in sorted(known) if folded in (t, t.rstrip("s"), t + "s")]
    if close:
        return (
            f"unknown sheet {sheet!r}: did you mean {close[0]!r}? (sheet names are the table "
            "names, lower case with underscores)"
        )
    return f"unknown sheet {sheet!r} (a scenario's sheets: {', '.join(sorted(known))})"


def _hidden_in(
    book: Any, archive: zipfile.ZipFile, sheet: str, name: str, header: list[str]
) -> list[Problem]:
    member = getattr(book[sheet], "_worksheet_path", None)
    if not isinstance(member, str) or member not in archive.namelist():
        return []
    return _hidden_cells(archive, member, name, sheet, header)


def _cell(sheet: WriteOnlyWorksheet, value: Any) -> Any:
    """A cell that keeps text as text and every bit of a float.

    openpyxl writes floats with 16 significant digits ("%.16g"), which is not lossless;
    the shortest round-trip repr is written instead, still as a numeric cell.
    """
    if isinstance(value, str) and value.startswith("="):
        cell = WriteOnlyCell(sheet, value=value)
        cell.data_type = "s"
        return cell
    if isinstance(value, float) and value == value and abs(value) != float("inf"):
        cell = WriteOnlyCell(sheet, value=value)
        cell._value = repr(value)
        return cell
    return value


def write_xlsx(network: Network, path: str | Path) -> Path:
    """Write ``network`` as a workbook with a ``parameters`` sheet and one sheet per table."""
    network = authored(network)  # the technology sites, not what they expand to
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("parameters")
    sheet.append(["key", "value"])
    for key, value in parameter_rows(network.parameters):
        sheet.append([key, _cell(sheet, value)])
    for table in TABLES:
        sheet = book.create_sheet(table)
        sheet.append([a.name for a in attributes(table)])
        for row in cell_records(table, network.table(table)):
            sheet.append([_cell(sheet, v) for v in row])
    book.save(path)
    return path
