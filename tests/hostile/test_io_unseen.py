"""Hostile edits of a workbook the developers did not write (tests/data/unseen/ulsan.xlsx, the
Ulsan Mipo and Onsan eco-industrial park as a facilitator would fill it in): each is refused
with its sheet, row and field and exit 1, or read with the normalisation the docs describe."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from openpyxl.worksheet.worksheet import Worksheet
from typer.testing import CliRunner

from symbiograph.cli import app
from symbiograph.errors import EXIT_INVALID
from symbiograph.io import Problem, ScenarioError, read_network

ULSAN = Path(__file__).parent.parent / "data" / "unseen" / "ulsan.xlsx"
runner = CliRunner(env={"COLUMNS": "500", "NO_COLOR": "1"})


def _column(ws: Worksheet, name: str) -> int:
    return next(int(c.column) for c in ws[1] if c.value == name)


def _row_of(ws: Worksheet, stream_id: str) -> int:
    return next(int(c.row) for c in ws["A"] if c.value == stream_id)


def _edited(tmp_path: Path, edit: Callable[[openpyxl.Workbook], Any]) -> Path:
    wb = openpyxl.load_workbook(ULSAN)
    edit(wb)
    path = tmp_path / "edited.xlsx"
    wb.save(path)
    return path


def _set(sheet: str, row_id: str, field: str, value: Any) -> Callable[[openpyxl.Workbook], None]:
    def edit(wb: openpyxl.Workbook) -> None:
        ws = wb[sheet]
        ws.cell(_row_of(ws, row_id), _column(ws, field)).value = value

    return edit


def _problems(path: Path) -> list[Problem]:
    with pytest.raises(ScenarioError) as caught:
        read_network(path)
    return caught.value.problems


def test_the_workbook_as_shipped_is_valid() -> None:
    net = read_network(ULSAN)
    assert len(net.facilities) == 12 and len(net.streams) == 26 and len(net.exchanges) == 5


@pytest.mark.parametrize(
    ("text", "expected"),
    [("6 kt/y", 6000.0), ("6000 t/a", 6000.0), ("6000 t/yr ", 6000.0), (" 6 kt/annum", 6000.0)],
)
def test_spellings_of_per_year_are_read(tmp_path: Path, text: str, expected: float) -> None:
    path = _edited(tmp_path, _set("streams", "sungam_flyash_supply", "quantity", text))
    streams = read_network(path).streams.set_index("id")
    assert streams.loc["sungam_flyash_supply", "quantity"] == pytest.approx(expected)


def test_trailing_space_after_an_energy_unit_is_read(tmp_path: Path) -> None:
    path = _edited(tmp_path, _set("streams", "hyosung_steam_demand", "quantity", "180 GWh/yr "))
    streams = read_network(path).streams.set_index("id")
    assert streams.loc["hyosung_steam_demand", "quantity"] == pytest.approx(180_000.0)


def test_a_unit_of_the_wrong_kind_says_so_in_words(tmp_path: Path) -> None:
    path = _edited(tmp_path, _set("streams", "sungam_flyash_supply", "quantity", "6 MWh/yr"))
    (problem,) = _problems(path)
    assert (problem.sheet, problem.row, problem.field) == ("streams", 3, "quantity")
    assert "energy" in problem.message and "t/yr" in problem.message
    assert "[mass]" not in problem.message


def test_a_thousands_separator_is_named(tmp_path: Path) -> None:
    path = _edited(tmp_path, _set("streams", "sungam_flyash_supply", "quantity", "6 000"))
    (problem,) = _problems(path)
    assert problem.field == "quantity" and "thousands separator" in problem.message


def test_an_existing_exchange_larger_than_its_supply_is_refused(tmp_path: Path) -> None:
    path = _edited(tmp_path, _set("exchanges", "ex_sungam_hyosung", "quantity", "1000 GWh/yr"))
    problems = _problems(path)
    assert {(p.sheet, p.row, p.field) for p in problems} == {("exchanges", 2, "quantity")}
    (supply,) = [p for p in problems if "sungam_steam_supply" in p.message]
    assert "1,000,000 MWh/yr" in supply.message and "140,000 MWh/yr" in supply.message


def test_an_existing_exchange_larger_than_its_demand_is_refused(tmp_path: Path) -> None:
    # SK Energy offers 6,000 t/yr of hydrogen, Deokyang needs 4,000 t/yr
    path = _edited(tmp_path, _set("exchanges", "ex_ske_deokyang", "quantity", "5000 t/yr"))
    (problem,) = _problems(path)
    assert (problem.sheet, problem.row, problem.field) == ("exchanges", 5, "quantity")
    assert "deokyang_h2_demand" in problem.message and "4,000 t/yr" in problem.message


def test_a_substitute_exchange_is_not_held_to_the_demand_of_another_resource(
    tmp_path: Path,
) -> None:
    # copper slag replaces blasting abrasive: its tonnes are not the abrasive's tonnes
    path = _edited(tmp_path, _set("exchanges", "ex_lsn_hhi", "quantity", "300 kt/yr"))
    assert read_network(path).exchanges.set_index("id").loc["ex_lsn_hhi", "quantity"] == 300_000


@pytest.mark.parametrize("sheet", ["resources", "streams"])
def test_a_missing_core_sheet_is_named(tmp_path: Path, sheet: str) -> None:
    def drop(wb: openpyxl.Workbook) -> None:
        del wb[sheet]

    problems = _problems(_edited(tmp_path, drop))
    assert any(p.sheet == sheet and "missing" in p.message for p in problems), problems


def test_an_unknown_sheet_suggests_the_table_it_resembles(tmp_path: Path) -> None:
    def rename(wb: openpyxl.Workbook) -> None:
        wb["stream_quality"].title = "Stream quality"

    problems = _problems(_edited(tmp_path, rename))
    assert any("'stream_quality'" in p.message for p in problems if p.sheet == "Stream quality")


def test_an_empty_row_in_the_middle_is_skipped(tmp_path: Path) -> None:
    path = _edited(tmp_path, lambda wb: wb["streams"].insert_rows(6))
    assert len(read_network(path).streams) == 26


def _merge(wb: openpyxl.Workbook) -> None:
    wb["streams"].merge_cells("H4:H5")


HOSTILE: dict[str, tuple[Callable[[openpyxl.Workbook], Any], str, str]] = {
    "unit typo": (_set("streams", "sungam_flyash_supply", "quantity", "6 kt/yy"), "streams", "3"),
    "decimal comma": (
        _set("streams", "sungam_flyash_supply", "quantity", "6000,5"),
        "streams",
        "3",
    ),
    "merged cell": (_merge, "streams", "4"),
    "formula": (_set("streams", "sungam_flyash_supply", "quantity", "=2*3000"), "streams", "3"),
    "date": (
        _set("streams", "sungam_flyash_supply", "quantity", datetime.datetime(2024, 1, 5)),
        "streams",
        "3",
    ),
    "duplicate id": (
        _set("streams", "sungam_flyash_supply", "id", "sungam_steam_supply"),
        "streams",
        "3",
    ),
    "unknown stream": (
        _set("exchanges", "ex_kz_hankook", "supply_id", "kz_steam"),
        "exchanges",
        "3",
    ),
    "negative": (_set("streams", "kz_slag_supply", "quantity", "-300 kt/yr"), "streams", "15"),
    "renamed column": (
        lambda wb: setattr(wb["streams"].cell(1, 5), "value", "qty"),
        "streams",
        "quantity",
    ),
}


@pytest.mark.parametrize("case", list(HOSTILE))
def test_hostile_edit_is_exit_1_naming_sheet_and_row(tmp_path: Path, case: str) -> None:
    edit, sheet, where = HOSTILE[case]
    path = _edited(tmp_path, edit)
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == EXIT_INVALID, result.output
    assert "Traceback" not in result.output and "internal error" not in result.output
    line = next(line for line in result.output.splitlines() if f"│ {sheet} " in line)
    assert where in line, result.output


@pytest.mark.parametrize(
    "content",
    [b"id,name\nfoo,bar\n", b"", b"PK\x03\x04 truncated zip"],
    ids=["text", "empty", "truncated"],
)
def test_a_file_that_is_not_a_workbook_is_exit_1(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "park.xlsx"
    path.write_bytes(content)
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == EXIT_INVALID, result.output
    assert "not an .xlsx" in result.output
