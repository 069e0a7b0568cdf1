"""Shared helpers for the hostile-input suites: a valid scenario in each format, one cell of
it replaced by a hostile value, and checks that the refusal names its place, that the CLI
exits 1 without a traceback and that nothing stored changes."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import openpyxl
import yaml
from typer.testing import CliRunner, Result

from symbiograph.cli import app
from symbiograph.errors import EXIT_INVALID
from symbiograph.io import Problem, ScenarioError, read_network, write_network
from symbiograph.model import Network

DATA = Path(__file__).parent.parent / "data"
FORMATS = ("yaml", "csv", "xlsx")
runner = CliRunner(env={"COLUMNS": "500", "NO_COLOR": "1"})


def base_network() -> Network:
    """The two-plant scenario (three streams, one exchange) as a validated Network."""
    return read_network(DATA / "two_plants.yaml")


def wide_network(rows: int) -> Network:
    """``rows`` facilities, each with a gypsum demand fed by one exchange from one supply
    (so every number field has ``rows`` rows to spoil, one hostile value per row)."""
    from symbiograph.io import network_from_document

    doc: dict[str, Any] = {
        "parameters": {"name": "wide", "currency": "EUR"},
        "resources": [{"id": "gypsum", "name": "FGD gypsum", "kind": "material", "unit": "t/yr"}],
        "facilities": [
            {
                "id": f"f{i}",
                "name": f"Plant {i}",
                "organisation": f"Org{i}",
                "nace_code": "23.62",
                "lat": 55.0 + i / 100,
                "lon": 11.0,
            }
            for i in range(rows)
        ],
        "streams": [
            {
                "id": "supply",
                "facility_id": "f0",
                "resource_id": "gypsum",
                "direction": "supply",
                "quantity": 1e6,
            }
        ]
        + [
            {
                "id": f"d{i}",
                "facility_id": f"f{i}",
                "resource_id": "gypsum",
                "direction": "demand",
                "quantity": 100.0 + i,
                "quantity_min": 0.0,
                "price": 30.0,
            }
            for i in range(rows)
        ],
        "exchanges": [
            {"id": f"x{i}", "supply_id": "supply", "demand_id": f"d{i}", "start_year": 2000 + i}
            for i in range(rows)
        ],
    }
    return network_from_document(doc)


def scenario_path(folder: Path, fmt: str, network: Network | None = None) -> Path:
    """Write ``network`` (default: the two-plant scenario) in ``fmt`` under ``folder``."""
    net = network if network is not None else base_network()
    target = {"yaml": folder / "s.yaml", "csv": folder / "s", "xlsx": folder / "s.xlsx"}[fmt]
    return write_network(net, target, fmt)


def place(path: Path, fmt: str, table: str, position: int) -> tuple[str, str | None, int]:
    """(file, sheet, row) a problem about row ``position`` (0-based) of ``table`` names."""
    if fmt == "csv":
        return str(path / f"{table}.csv"), None, position + 2
    if fmt == "xlsx":
        return str(path), table, position + 2
    return str(path), table, position + 1


_MARK = "HOSTILECELLMARK"


def set_cell(path: Path, fmt: str, table: str, position: int, field: str, value: Any) -> None:
    """Replace one cell of a written scenario in place.

    ``value`` is raw YAML text for yaml (written unquoted: ``2024-01-05``, ``1:30``), text
    for csv, and a Python value (a datetime, a bool, a string...) for xlsx.
    """
    set_cells(path, fmt, [(table, position, field, value)])


def set_cells(path: Path, fmt: str, cells: list[tuple[str, int, str, Any]]) -> None:
    """Replace several cells (table, row position, field, value) at once, as set_cell."""
    if fmt == "yaml":
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        for k, (table, position, field, _) in enumerate(cells):
            doc[table][position][field] = f"{_MARK}{k}X"
        text = yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=10_000)
        for k, (*_, value) in enumerate(cells):
            text = text.replace(f"{_MARK}{k}X", str(value))
        path.write_text(text, encoding="utf-8")
    elif fmt == "csv":
        for table, position, field, value in cells:
            file = path / f"{table}.csv"
            with file.open(encoding="utf-8", newline="") as handle:
                rows = list(csv.reader(handle))
            if field not in rows[0]:
                rows[0].append(field)
                for row in rows[1:]:
                    row.append("")
            rows[position + 1][rows[0].index(field)] = str(value)
            with file.open("w", encoding="utf-8", newline="") as handle:
                csv.writer(handle).writerows(rows)
    else:
        book = openpyxl.load_workbook(path)
        for table, position, field, value in cells:
            sheet = book[table]
            header = [c.value for c in sheet[1]]
            sheet.cell(position + 2, header.index(field) + 1).value = value
        book.save(path)


def problems_of(path: Path, **options: Any) -> list[Problem]:
    """The problems ``read_network`` raises for ``path`` (fails when it accepts it or raises
    anything other than ScenarioError)."""
    try:
        read_network(path, **options)
    except ScenarioError as error:
        assert error.problems, "a ScenarioError without problems"
        return error.problems
    raise AssertionError(f"{path} was accepted")


def located(
    problems: list[Problem],
    file: str,
    *,
    sheet: str | None = None,
    row: int | None = None,
    field: str | None = None,
    words: tuple[str, ...] = (),
) -> Problem:
    """The problem naming this file (and sheet, row, field when given) whose message holds
    every one of ``words`` (case-insensitive); fails with the problems listed otherwise."""
    for p in problems:
        if p.file != file:
            continue
        if sheet is not None and p.sheet != sheet:
            continue
        if row is not None and p.row != row:
            continue
        if field is not None and p.field != field:
            continue
        if all(w.lower() in p.message.lower() for w in words):
            return p
    shown = "\n".join(str(p) for p in problems)
    raise AssertionError(
        f"no problem at {file} sheet={sheet} row={row} field={field} saying {words}:\n{shown}"
    )


def validate_cli(path: Path) -> Result:
    """``symbiograph validate PATH``, asserted to exit 1 with no traceback printed."""
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == EXIT_INVALID, result.output
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    return result


def import_changes_nothing(path: Path, tmp_path: Path) -> None:
    """``symbiograph import PATH`` into a store holding a network under the same name: it
    exits 1, prints no traceback, and the stored network and the list of names stay."""
    from symbiograph.store import Store

    db = f"sqlite:///{tmp_path / 'hostile-store.db'}"
    kept = base_network()
    with Store(db) as store:
        store.save(kept, "kept")
        names = store.names()
    result = runner.invoke(app, ["import", str(path), "--db", db, "--name", "kept"])
    assert result.exit_code == EXIT_INVALID, result.output
    assert "Traceback" not in result.output
    with Store(db) as store:
        assert store.names() == names
        assert store.load("kept").differences(kept) == []
