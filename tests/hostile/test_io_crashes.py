"""Issue 9 item 5 (files) and item 1 (empty scenarios): inputs that used to end in a
traceback (non-UTF-8 bytes, a duplicate header column, a European-Excel parameters file,
``lifetime_years: 0``, ``months: May-Sep``, an Excel date in months) and empty scenarios
are problems naming the file, row and field; ``validate`` exits 1 without a traceback."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hostile._cases import (
    import_changes_nothing,
    located,
    place,
    problems_of,
    scenario_path,
    set_cell,
    set_cells,
    validate_cli,
)
from symbiograph.io import network_from_document, read_network


def _not_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return True
    return False


@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    data=st.binary(min_size=1, max_size=2_000).filter(_not_utf8),
    target=st.sampled_from(["yaml", "streams.csv", "parameters.csv", "facilities.csv"]),
)
def test_random_bytes_are_refused_with_the_line(
    tmp_path_factory: pytest.TempPathFactory, data: bytes, target: str
) -> None:
    tmp = tmp_path_factory.mktemp("bytes")
    if target == "yaml":
        path = file = tmp / "s.yaml"
        file.write_bytes(data)
    else:
        path = scenario_path(tmp, "csv")
        file = path / target
        file.write_bytes(data)
    p = located(problems_of(path), str(file), words=("not UTF-8",))
    try:
        data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        assert p.message.startswith(f"line {line}: byte 0x{data[error.start]:02x}")


@pytest.mark.parametrize("fmt", ["yaml", "csv"])
@pytest.mark.parametrize("encoding", ["latin-1", "cp1252", "utf-16", "utf-16-le", "utf-32"])
def test_other_encodings_are_refused_with_a_hint(tmp_path: Path, fmt: str, encoding: str) -> None:
    path = scenario_path(tmp_path, fmt)
    file = path / "facilities.csv" if fmt == "csv" else path
    text = file.read_text(encoding="utf-8").replace("Power station", "Kraftværk Åbenrå")
    file.write_bytes(text.encode(encoding))
    p = located(problems_of(path), str(file), words=("not UTF-8",))
    assert ("UTF-16" in p.message) == encoding.startswith("utf-16") or encoding == "utf-32"
    validate_cli(path)


def test_utf8_with_a_byte_order_mark_is_read(tmp_path: Path) -> None:
    for fmt in ("yaml", "csv"):
        path = scenario_path(tmp_path / fmt, fmt)
        file = path / "facilities.csv" if fmt == "csv" else path
        file.write_bytes(b"\xef\xbb\xbf" + file.read_bytes())
        assert len(read_network(path).facilities) == 2


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize(("table", "column"), [("streams", "quantity"), ("facilities", "id")])
def test_duplicate_header_column(tmp_path: Path, fmt: str, table: str, column: str) -> None:
    path = scenario_path(tmp_path, fmt)
    if fmt == "csv":
        file = path / f"{table}.csv"
        lines = file.read_text().splitlines(keepends=True)
        lines[0] = lines[0].rstrip("\r\n") + f",{column}\r\n"
        file.write_text("".join(lines))
        located(problems_of(path), str(file), row=1, field=column, words=("more than once",))
    else:
        import openpyxl

        book = openpyxl.load_workbook(path)
        sheet = book[table]
        sheet.cell(1, sheet.max_column + 1).value = column
        book.save(path)
        located(problems_of(path), str(path), sheet=table, field=column, words=("more than once",))
    validate_cli(path)


@pytest.mark.parametrize("fmt", ["yaml", "csv", "xlsx"])
@pytest.mark.parametrize("value", ["0", "-5", "0.0"])
def test_lifetime_years_must_be_positive(tmp_path: Path, fmt: str, value: str) -> None:
    path = scenario_path(tmp_path, fmt)
    if fmt == "yaml":
        text = path.read_text().replace("lifetime_years: 20.0", f"lifetime_years: {value}")
        path.write_text(text)
        file, row = str(path), None
    elif fmt == "csv":
        file = str(path / "parameters.csv")
        text = (path / "parameters.csv").read_text()
        (path / "parameters.csv").write_text(
            text.replace("lifetime_years,20.0", f"lifetime_years,{value}")
        )
        row = 6
    else:
        import openpyxl

        book = openpyxl.load_workbook(path)
        for cells in book["parameters"].iter_rows(min_row=2):
            if cells[0].value == "lifetime_years":
                cells[1].value = float(value)
        book.save(path)
        file, row = str(path), 6
    located(problems_of(path), file, row=row, field="lifetime_years", words=("more than 0",))
    validate_cli(path)


MONTHS_BAD = ["May-Sep", "13", "0-3", "5-9-11", "5..9", "summer", "5;6", "2024-05-09", "1e3"]


@pytest.mark.parametrize("fmt", ["yaml", "csv", "xlsx"])
def test_months_that_are_not_months(tmp_path: Path, fmt: str) -> None:
    for k, months in enumerate(MONTHS_BAD):
        path = scenario_path(tmp_path / str(k), fmt)
        set_cell(path, fmt, "streams", 2, "months", f"'{months}'" if fmt == "yaml" else months)
        file, sheet, row = place(path, fmt, "streams", 2)
        located(problems_of(path), file, sheet=sheet, row=row, field="months")


@pytest.mark.parametrize("value", [dt.datetime(2024, 5, 9), dt.date(2024, 9, 5), dt.time(5, 9)])
def test_excel_date_in_months(tmp_path: Path, value: object) -> None:
    # Excel turns "5-9" typed into a cell into the date 9 May (or 5 September)
    path = scenario_path(tmp_path, "xlsx")
    set_cell(path, "xlsx", "streams", 2, "months", value)
    located(problems_of(path), str(path), sheet="streams", row=4, field="months", words=("date",))
    validate_cli(path)


@pytest.mark.parametrize("months", ["5-9", "11-2", "11,12,1,2", "1", " 6 - 8 ", "1-12"])
def test_months_that_are_months_are_read(tmp_path: Path, months: str) -> None:
    path = scenario_path(tmp_path, "csv")
    set_cell(path, "csv", "streams", 2, "months", months)
    assert read_network(path).streams["months"].iloc[2] == months.strip()


EMPTY_YAML = ["", "\n", "# nothing\n", "parameters:\n", "parameters:\n  name: cut\n", "---\n"]


@pytest.mark.parametrize("text", EMPTY_YAML)
def test_empty_or_cut_off_yaml_is_refused_as_empty(tmp_path: Path, text: str) -> None:
    path = tmp_path / "empty.yaml"
    path.write_text(text)
    located(problems_of(path), str(path), words=("no facilities",))
    result = validate_cli(path)
    assert "no facilities" in result.output
    import_changes_nothing(path, tmp_path)
    assert len(read_network(path, allow_empty=True).facilities) == 0


def test_a_yaml_cut_off_mid_table_is_refused(tmp_path: Path) -> None:
    full = scenario_path(tmp_path, "yaml").read_text()
    cut = full[: full.index("facilities:")] + "facilities:\n"
    path = tmp_path / "cut.yaml"
    path.write_text(cut)
    located(problems_of(path), str(path), words=("no facilities",))


@pytest.mark.parametrize("case", ["empty folder", "no csv", "header only", "parameters only"])
def test_empty_folders_are_refused_as_empty(tmp_path: Path, case: str) -> None:
    folder = tmp_path / "scenario"
    folder.mkdir()
    if case == "no csv":
        (folder / "readme.txt").write_text("data comes later\n")
        (folder / "facilities.xlsx").write_bytes(b"")
    elif case == "header only":
        full = scenario_path(tmp_path / "full", "csv")
        header = (full / "facilities.csv").read_text().splitlines()[0]
        (folder / "facilities.csv").write_text(header + "\n")
    elif case == "parameters only":
        full = scenario_path(tmp_path / "full", "csv")
        shutil.copy(full / "parameters.csv", folder / "parameters.csv")
    p = located(problems_of(folder), str(folder))
    assert "no CSV files" in p.message or "no facilities" in p.message
    validate_cli(folder)
    assert len(read_network(folder, allow_empty=True).facilities) == 0


def test_zero_byte_files_are_refused(tmp_path: Path) -> None:
    yaml_file = tmp_path / "zero.yaml"
    yaml_file.write_bytes(b"")
    located(problems_of(yaml_file), str(yaml_file), words=("no facilities",))
    xlsx_file = tmp_path / "zero.xlsx"
    xlsx_file.write_bytes(b"")
    located(problems_of(xlsx_file), str(xlsx_file), words=("workbook",))
    validate_cli(xlsx_file)


def test_network_from_document_refuses_empty_unless_allowed() -> None:
    from symbiograph.io import ScenarioError

    with pytest.raises(ScenarioError, match="no facilities"):
        network_from_document({}, "api")
    assert len(network_from_document({}, "api", allow_empty=True).streams) == 0


@pytest.mark.parametrize("fmt", ["yaml", "csv", "xlsx"])
def test_quantity_with_a_unit_on_an_unknown_reference(tmp_path: Path, fmt: str) -> None:
    # found by make fuzz: a quantity with a unit whose row has no canonical unit (its
    # resource or supply unknown) ended in an IndexError
    path = scenario_path(tmp_path, fmt)
    quoted = "'120 kt/yr'" if fmt == "yaml" else "120 kt/yr"
    set_cells(
        path,
        fmt,
        [
            ("exchanges", 0, "supply_id", "nowhere"),
            ("exchanges", 0, "quantity", quoted),
        ],
    )
    file, sheet, row = place(path, fmt, "exchanges", 0)
    problems = problems_of(path)
    located(problems, file, sheet=sheet, row=row, field="supply_id", words=("unknown stream",))
    located(problems, file, sheet=sheet, row=row, field="quantity", words=("canonical unit",))
    validate_cli(path)
