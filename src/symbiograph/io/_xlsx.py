"""A scenario as an XLSX workbook, one sheet per table, as facilitators collect data."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
from openpyxl.cell import WriteOnlyCell
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from symbiograph.io._build import RawScenario
from symbiograph.io._problems import Problem, ScenarioError, TableOrigin
from symbiograph.io._tables import cell_records, parameter_rows
from symbiograph.model import TABLES, Network, attributes

__all__ = ["read_xlsx", "write_xlsx"]


def read_xlsx(path: str | Path) -> RawScenario:
    """Read a workbook whose sheets are named after the tables (and ``parameters``)."""
    path = Path(path)
    name = str(path)
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as err:  # openpyxl raises many types for a bad file
        raise ScenarioError([Problem(name, f"cannot open workbook: {err}")]) from err
    problems: list[Problem] = []
    raw = RawScenario()
    known = set(TABLES) | {"parameters"}
    try:
        for sheet in book.sheetnames:
            if sheet not in known:
                problems.append(Problem(name, f"unknown sheet {sheet!r}", sheet))
        if "parameters" in book.sheetnames:
            rows = list(book["parameters"].iter_rows(values_only=True))
            if rows and list(rows[0][:2]) == ["key", "value"]:
                raw.parameters = {
                    str(r[0]).strip(): r[1] for r in rows[1:] if r and r[0] is not None
                }
            elif rows:
                problems.append(
                    Problem(
                        name, "the parameters sheet needs the columns key, value", "parameters", 1
                    )
                )
            raw.parameters_origin = TableOrigin(name, "parameters")
        for table in TABLES:
            if table not in book.sheetnames:
                continue
            rows = list(book[table].iter_rows(values_only=True))
            if not rows:
                continue
            header = [str(h).strip() if h is not None else "" for h in rows[0]]
            while header and header[-1] == "":
                header.pop()
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
    finally:
        book.close()
    if problems:
        raise ScenarioError(problems)
    return raw


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
