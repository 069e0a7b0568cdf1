"""Issue 9 item 2: no silent misread. A date, a time, a list, a mapping, a boolean, an
infinity or a decimal comma in a number field is a problem naming file, row and field, in
YAML, a CSV folder and XLSX; ids that differ only by case are duplicates; a key given twice
in the parameters is refused; semicolon-separated European Excel CSV is refused with that
reason; merged cells and formulas without a computed value are reported."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
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
    wide_network,
)

# (table, first row position, field): a quantity, a price, a float, an int and an optional
# quantity; the wide scenario's streams start with its one supply, hence position 1.
NUMBER_FIELDS = [
    ("streams", 1, "quantity"),
    ("streams", 1, "price"),
    ("facilities", 0, "lat"),
    ("exchanges", 0, "start_year"),
    ("streams", 1, "quantity_min"),
]

# Raw cells written as YAML text (unquoted), CSV text and XLSX values, with a word the
# message must hold.
YAML_CELLS = [
    ("2024-01-05", "date"),
    ("2024-01-05T10:30:00", "date"),
    ("1:30", "time"),
    ("true", "true/false"),
    ("[1, 2]", "list"),
    ("{a: 1}", "mapping"),
    (".inf", "finite"),
    ("-.inf", "finite"),
    ("Infinity", "finite"),
    ("1e309", "finite"),
    (".nan", "not a number"),
    ("12,5", "comma"),
    ("'1,000'", "comma"),
    ("0x1F", "x1F"),
]
CSV_CELLS = [
    ("2024-01-05", "date"),
    ("05/01/2024", "date"),
    ("1:30", "time"),
    ("true", "'true'"),
    ("inf", "finite"),
    ("-Infinity", "finite"),
    ("1e309", "finite"),
    ("nan", "'nan'"),
    ("12,5", "comma"),
    ("1.000,5", "comma"),
]
XLSX_CELLS = [
    (dt.datetime(2024, 1, 5), "date"),
    (dt.date(2024, 1, 5), "date"),
    (dt.time(1, 30), "time"),
    (True, "true/false"),
    ("inf", "finite"),
    ("1e309", "finite"),
    ("12,5", "comma"),
]


def _refused(tmp_path: Path, fmt: str, table: str, pos: int, field: str, value: object, word: str):
    path = scenario_path(tmp_path, fmt)
    set_cell(path, fmt, table, pos, field, value)
    file, sheet, row = place(path, fmt, table, pos)
    return path, located(problems_of(path), file, sheet=sheet, row=row, field=field, words=(word,))


CELLS = {"yaml": YAML_CELLS, "csv": CSV_CELLS, "xlsx": XLSX_CELLS}


@pytest.mark.parametrize(("table", "first", "field"), NUMBER_FIELDS)
@pytest.mark.parametrize("fmt", ["yaml", "csv", "xlsx"])
def test_number_field_refuses_every_hostile_cell(
    tmp_path: Path, fmt: str, table: str, first: int, field: str
) -> None:
    """One hostile value per row of a wide scenario; each row gets its own located problem."""
    cells = CELLS[fmt]
    path = scenario_path(tmp_path, fmt, wide_network(len(cells)))
    set_cells(path, fmt, [(table, first + k, field, v) for k, (v, _) in enumerate(cells)])
    problems = problems_of(path)
    for k, (_value, word) in enumerate(cells):
        file, sheet, row = place(path, fmt, table, first + k)
        located(problems, file, sheet=sheet, row=row, field=field, words=(word,))


@pytest.mark.parametrize("fmt", ["yaml", "csv", "xlsx"])
def test_cli_refuses_a_date_quantity_and_stores_nothing(tmp_path: Path, fmt: str) -> None:
    value = {"yaml": "2024-01-05", "csv": "2024-01-05", "xlsx": dt.datetime(2024, 1, 5)}[fmt]
    path = scenario_path(tmp_path, fmt)
    set_cell(path, fmt, "streams", 1, "quantity", value)
    result = validate_cli(path)
    assert "quantity" in result.output and "date" in result.output
    import_changes_nothing(path, tmp_path)


@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    day=st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 12, 31)),
    fmt=st.sampled_from(["yaml", "csv", "xlsx"]),
    where=st.sampled_from(NUMBER_FIELDS),
)
def test_any_date_in_a_number_field_is_refused(
    tmp_path_factory: pytest.TempPathFactory, day: dt.date, fmt: str, where: tuple
) -> None:
    tmp = tmp_path_factory.mktemp("date")
    table, pos, field = where
    _refused(tmp, fmt, table, pos, field, day if fmt == "xlsx" else day.isoformat(), "date")


@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    whole=st.integers(0, 10**6),
    decimals=st.integers(1, 999),
    fmt=st.sampled_from(["yaml", "csv", "xlsx"]),
)
def test_any_decimal_comma_says_so(
    tmp_path_factory: pytest.TempPathFactory, whole: int, decimals: int, fmt: str
) -> None:
    tmp = tmp_path_factory.mktemp("comma")
    text = f"{whole},{decimals}"
    _refused(tmp, fmt, "streams", 1, "quantity", f"'{text}'" if fmt == "yaml" else text, "comma")


@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    hours=st.integers(0, 99),
    minutes=st.integers(0, 59),
    fmt=st.sampled_from(["yaml", "csv"]),
)
def test_any_clock_time_is_refused(
    tmp_path_factory: pytest.TempPathFactory, hours: int, minutes: int, fmt: str
) -> None:
    # YAML 1.1 reads 1:30 as the base-60 number 90; here it is a time, and refused
    tmp = tmp_path_factory.mktemp("time")
    _refused(tmp, fmt, "facilities", 0, "lat", f"{hours}:{minutes:02d}", "time")


def test_yaml_text_fields_keep_what_was_written(tmp_path: Path) -> None:
    # 0123 (octal in YAML 1.1), 35.30 (a float), no (a boolean) and a date stay as written
    path = scenario_path(tmp_path, "yaml")
    set_cells(
        path,
        "yaml",
        [
            ("facilities", 0, "address", "0123"),
            ("facilities", 1, "address", "no"),
            ("resources", 0, "description", "2024-01-05"),
            ("facilities", 0, "region", "35.30"),
        ],
    )
    from symbiograph.io import read_network

    net = read_network(path)
    assert list(net.facilities["address"]) == ["0123", "no"]
    assert net.facilities["region"].iloc[0] == "35.30"
    assert net.resources["description"].iloc[0] == "2024-01-05"


@pytest.mark.parametrize("fmt", ["yaml", "csv", "xlsx"])
@pytest.mark.parametrize(
    ("table", "field", "pos"), [("facilities", "id", 1), ("resources", "id", 1)]
)
def test_ids_differing_only_by_case_are_duplicates(
    tmp_path: Path, fmt: str, table: str, field: str, pos: int
) -> None:
    path = scenario_path(tmp_path, fmt)
    from symbiograph.io import read_network

    first = read_network(path).table(table)["id"].iloc[0]
    set_cell(path, fmt, table, pos, field, first.upper())
    file, sheet, row = place(path, fmt, table, pos)
    p = located(problems_of(path), file, sheet=sheet, row=row, field="id", words=("duplicate",))
    assert "case" in p.message and repr(first) in p.message


def test_yaml_parameter_given_twice(tmp_path: Path) -> None:
    path = scenario_path(tmp_path, "yaml")
    text = path.read_text().replace("  year: 2024\n", "  year: 2024\n  year: 2025\n", 1)
    path.write_text(text)
    p = located(problems_of(path), str(path), words=("'year' is given twice",))
    assert "line" in p.message
    validate_cli(path)


def test_yaml_record_key_given_twice(tmp_path: Path) -> None:
    path = scenario_path(tmp_path, "yaml")
    set_cell(path, "yaml", "facilities", 0, "lat", "55.0\n  lat: 56.0")
    located(problems_of(path), str(path), words=("'lat' is given twice",))


def test_csv_parameter_given_twice(tmp_path: Path) -> None:
    path = scenario_path(tmp_path, "csv")
    with (path / "parameters.csv").open("a") as handle:
        handle.write("discount_rate,0.1\n")
    p = located(
        problems_of(path), str(path / "parameters.csv"), field="discount_rate", words=("twice",)
    )
    assert p.row == 12


def test_xlsx_parameter_given_twice(tmp_path: Path) -> None:
    path = scenario_path(tmp_path, "xlsx")
    book = openpyxl.load_workbook(path)
    book["parameters"].append(["currency", "DKK"])
    book.save(path)
    located(
        problems_of(path), str(path), sheet="parameters", row=12, field="currency", words=("twice",)
    )


@pytest.mark.parametrize("table", ["streams", "parameters", "facilities"])
def test_semicolon_csv_from_european_excel_is_refused_with_the_reason(
    tmp_path: Path, table: str
) -> None:
    path = scenario_path(tmp_path, "csv")
    file = path / f"{table}.csv"
    text = file.read_text().replace(",", ";").replace("0.08", "0,08").replace("55.66", "55,66")
    file.write_text(text)
    located(problems_of(path), str(file), row=1, words=("semicolons", "European Excel"))
    validate_cli(path)


def test_european_parameters_with_a_comma_in_a_value(tmp_path: Path) -> None:
    # the case that used to end in a pandas tokenizing traceback
    path = scenario_path(tmp_path, "csv")
    (path / "parameters.csv").write_text(
        "key;value\nname;Kalundborg, Denmark\ndiscount_rate;0,08\n"
    )
    located(problems_of(path), str(path / "parameters.csv"), words=("semicolons",))
    validate_cli(path)


def test_merged_cells_are_reported(tmp_path: Path) -> None:
    path = scenario_path(tmp_path, "xlsx")
    book = openpyxl.load_workbook(path)
    book["facilities"].merge_cells("C2:C3")  # organisation of both facilities
    book.save(path)
    located(
        problems_of(path),
        str(path),
        sheet="facilities",
        row=2,
        field="organisation",
        words=("C2:C3", "merged"),
    )
    validate_cli(path)


def test_formula_without_a_computed_value_is_reported(tmp_path: Path) -> None:
    path = scenario_path(tmp_path, "xlsx")
    book = openpyxl.load_workbook(path)
    sheet = book["streams"]
    column = [c.value for c in sheet[1]].index("quantity") + 1
    sheet.cell(3, column).value = "=100*1200"  # openpyxl saves no cached value
    book.save(path)
    located(
        problems_of(path), str(path), sheet="streams", row=3, field="quantity", words=("formula",)
    )
    validate_cli(path)
