"""Bad input gets a clear error naming the file, sheet, row and field; all problems at once."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml

from symbiograph.io import Problem, ScenarioError, read_network, write_network

DATA = Path(__file__).parent.parent / "data"


def _scenario() -> dict:
    return yaml.safe_load((DATA / "two_plants.yaml").read_text())


def _problems(doc: dict, tmp_path: Path) -> tuple[Path, list[Problem]]:
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    with pytest.raises(ScenarioError) as info:
        read_network(path)
    return path, info.value.problems


def _one(problems: list[Problem], field: str) -> Problem:
    found = [p for p in problems if p.field == field]
    assert found, f"no problem on field {field!r} in {[str(p) for p in problems]}"
    return found[0]


def test_duplicate_id(tmp_path: Path) -> None:
    doc = _scenario()
    doc["facilities"].append(dict(doc["facilities"][0]))
    path, problems = _problems(doc, tmp_path)
    p = _one(problems, "id")
    assert p.file == str(path) and p.sheet == "facilities" and p.row == 3
    assert "duplicate id 'power'" in p.message and "first at row 1" in p.message


def test_stream_with_missing_facility_and_resource(tmp_path: Path) -> None:
    doc = _scenario()
    doc["streams"][1]["facility_id"] = "nowhere"
    doc["streams"][2]["resource_id"] = "unobtainium"
    _, problems = _problems(doc, tmp_path)
    fac = _one(problems, "facility_id")
    assert (fac.sheet, fac.row) == ("streams", 2) and "unknown facility 'nowhere'" in fac.message
    res = _one(problems, "resource_id")
    assert res.row == 3 and "unknown resource 'unobtainium'" in res.message


def test_exchange_with_unknown_stream(tmp_path: Path) -> None:
    doc = _scenario()
    doc["exchanges"][0]["demand_id"] = "s_heat"  # a supply, not a demand
    _, problems = _problems(doc, tmp_path)
    p = _one(problems, "demand_id")
    assert p.sheet == "exchanges" and "is not a demand" in p.message


@pytest.mark.parametrize("bad", [-5, ".nan", "-3 kt/yr", "lots"])
def test_negative_or_nan_quantity(tmp_path: Path, bad: object) -> None:
    doc = _scenario()
    doc["streams"][0]["quantity"] = float("nan") if bad == ".nan" else bad
    _, problems = _problems(doc, tmp_path)
    p = _one(problems, "quantity")
    assert p.row == 1
    assert any(w in p.message for w in ("negative", "missing", "cannot read", "not a number"))


def test_coordinates_out_of_range(tmp_path: Path) -> None:
    doc = _scenario()
    doc["facilities"][1]["lat"] = 95.0
    doc["facilities"][0]["lon"] = -200
    _, problems = _problems(doc, tmp_path)
    assert "outside -90..90" in _one(problems, "lat").message
    assert _one(problems, "lon").row == 1


def test_unit_of_wrong_dimension(tmp_path: Path) -> None:
    doc = _scenario()
    doc["streams"][0]["quantity"] = "5 MW"  # energy for a material
    _, problems = _problems(doc, tmp_path)
    p = _one(problems, "quantity")
    assert "wrong dimension" in p.message and "t/yr" in p.message


def test_quality_range_min_above_max(tmp_path: Path) -> None:
    doc = _scenario()
    doc["streams"][1]["quality"]["moisture_pct"] = [12, 10]
    _, problems = _problems(doc, tmp_path)
    p = _one(problems, "min")
    assert "min 12 > max 10" in p.message and p.row == 2  # the stream's item in the YAML


def test_unknown_ewc_and_nace(tmp_path: Path) -> None:
    doc = _scenario()
    doc["resources"][0]["ewc_code"] = "10 01 99 99"
    doc["facilities"][0]["nace_code"] = "99.99"
    _, problems = _problems(doc, tmp_path)
    assert "European Waste Catalogue" in _one(problems, "ewc_code").message
    assert "NACE" in _one(problems, "nace_code").message


def test_ewc_and_nace_are_normalised(tmp_path: Path) -> None:
    doc = _scenario()
    doc["resources"][0]["ewc_code"] = "100105"
    doc["facilities"][0]["nace_code"] = "3511"
    path = tmp_path / "ok.yaml"
    path.write_text(yaml.safe_dump(doc))
    net = read_network(path)
    assert net.resources.loc[0, "ewc_code"] == "10 01 05"
    assert net.facilities.loc[0, "nace_code"] == "35.11"


def test_all_problems_reported_at_once(tmp_path: Path) -> None:
    doc = _scenario()
    doc["facilities"][0]["lat"] = 100
    doc["streams"][0]["quantity"] = -1
    doc["streams"][1]["direction"] = "sideways"
    doc["resources"][1]["kind"] = "plasma"
    doc["facilities"][1]["colour"] = "red"
    _, problems = _problems(doc, tmp_path)
    fields = {p.field for p in problems}
    assert {"lat", "quantity", "direction", "kind", "colour"} <= fields


def test_wrong_unit_for_kind_and_price_currency(tmp_path: Path) -> None:
    doc = _scenario()
    doc["resources"][0]["unit"] = "MWh/yr"
    doc["streams"][1]["price"] = "35 USD/t"
    _, problems = _problems(doc, tmp_path)
    assert "measured in t/yr" in _one(problems, "unit").message
    assert "scenario currency is EUR" in _one(problems, "price").message


def test_csv_rows_are_file_lines(tmp_path: Path) -> None:
    net = read_network(DATA / "two_plants.yaml")
    folder = write_network(net, tmp_path / "csv", "csv")
    streams = pd.read_csv(folder / "streams.csv", dtype=str, keep_default_na=False)
    streams.loc[2, "quantity"] = "-7"
    streams.to_csv(folder / "streams.csv", index=False)
    with pytest.raises(ScenarioError) as info:
        read_network(folder)
    p = _one(info.value.problems, "quantity")
    assert p.file == str(folder / "streams.csv") and p.row == 4  # header is line 1
    assert "streams.csv, row 4, field 'quantity'" in str(p)


def test_xlsx_names_sheet_and_row(tmp_path: Path) -> None:
    import openpyxl

    net = read_network(DATA / "two_plants.yaml")
    path = write_network(net, tmp_path / "net.xlsx")
    book = openpyxl.load_workbook(path)
    sheet = book["facilities"]
    header = [c.value for c in sheet[1]]
    sheet.cell(row=3, column=header.index("lat") + 1, value=-91)
    book.save(path)
    with pytest.raises(ScenarioError) as info:
        read_network(path)
    p = _one(info.value.problems, "lat")
    assert (p.sheet, p.row) == ("facilities", 3)


def test_unknown_table_file_in_csv_folder(tmp_path: Path) -> None:
    net = read_network(DATA / "two_plants.yaml")
    folder = write_network(net, tmp_path / "csv", "csv")
    (folder / "facility.csv").write_text("id\nx\n")
    with pytest.raises(ScenarioError, match=r"unknown table file 'facility\.csv'"):
        read_network(folder)


def test_bad_exchange_rate_is_named(tmp_path: Path) -> None:
    doc = _scenario()
    doc.setdefault("parameters", {})["exchange_rates"] = "DKK=0.134 USD=cheap"
    path, problems = _problems(doc, tmp_path)
    problem = _one(problems, "exchange_rates")
    assert "USD=cheap" in problem.message and problem.file == str(path)
