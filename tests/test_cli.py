"""The command line: validate, import, export, datasets, summary, report and demo."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from symbiograph.cli import EXIT_INVALID, app
from symbiograph.io import read_network
from symbiograph.store import Store

# a wide terminal so rich tables print each problem on one line
runner = CliRunner(env={"COLUMNS": "400", "NO_COLOR": "1"})

GOOD = """\
parameters:
  name: gypsum
sources:
  - {id: S1, citation: "Hand-made test scenario", year: 2024}
resources:
  - {id: gypsum, name: FGD gypsum, kind: material, unit: t/yr, ewc_code: "10 01 05"}
facilities:
  - {id: power, name: Power plant, organisation: Power Co, nace_code: "35.11",
     lat: 55.68, lon: 11.09}
  - {id: board, name: Plasterboard plant, organisation: Board Co, nace_code: "23.62",
     lat: 55.66, lon: 11.12}
streams:
  - {id: s1, facility_id: power, resource_id: gypsum, direction: supply, quantity: 200 kt/yr}
  - {id: d1, facility_id: board, resource_id: gypsum, direction: demand, quantity: 150000}
exchanges:
  - {id: x1, supply_id: s1, demand_id: d1, quantity: 150 kt/yr, mode: truck,
     status: existing, source_id: S1}
"""

# a duplicate facility id, a wrong unit dimension (MW for a material), an unknown facility
# and a negative quantity
BAD = """\
resources:
  - {id: gypsum, name: FGD gypsum, kind: material, unit: t/yr, ewc_code: "10 01 05"}
facilities:
  - {id: power, name: Power plant, organisation: Power Co, nace_code: "35.11",
     lat: 55.68, lon: 11.09}
  - {id: power, name: Plasterboard plant, organisation: Board Co, nace_code: "23.62",
     lat: 55.66, lon: 11.12}
streams:
  - {id: s1, facility_id: power, resource_id: gypsum, direction: supply, quantity: 5 MW}
  - {id: d1, facility_id: nowhere, resource_id: gypsum, direction: demand, quantity: -3}
"""


@pytest.fixture
def good(tmp_path: Path) -> Path:
    path = tmp_path / "good.yaml"
    path.write_text(GOOD, encoding="utf-8")
    return path


@pytest.fixture
def bad(tmp_path: Path) -> Path:
    path = tmp_path / "bad.yaml"
    path.write_text(BAD, encoding="utf-8")
    return path


def test_validate_good(good: Path) -> None:
    result = runner.invoke(app, ["validate", str(good)])
    assert result.exit_code == 0, result.output
    assert "valid" in result.output
    assert "2 facilities" in result.output
    assert "1 exchange" in result.output


def test_validate_bad_lists_every_problem(bad: Path) -> None:
    result = runner.invoke(app, ["validate", str(bad)])
    assert result.exit_code == EXIT_INVALID, result.output
    lines = result.output.splitlines()
    expected = [
        ("facilities", 2, "id", "duplicate id 'power'"),
        ("streams", 1, "quantity", "wrong dimension for 't/yr' ([mass]"),
        ("streams", 2, "facility_id", "unknown facility 'nowhere'"),
        ("streams", 2, "quantity", "negative quantity"),
    ]
    for sheet, row, field, message in expected:
        hits = [
            line
            for line in lines
            if str(bad) in line
            and f" {sheet} " in line
            and f" {row} " in line
            and f" {field} " in line
            and message in line
        ]
        assert hits, f"no line names {bad}, {sheet}, row {row}, {field}: {message}\n{result.output}"
    assert "4 problem(s)" in result.output


def test_validate_missing_file(tmp_path: Path) -> None:
    result = runner.invoke(app, ["validate", str(tmp_path / "nope.yaml")])
    assert result.exit_code == EXIT_INVALID
    assert "no such file" in result.output


def test_import_bad_input_leaves_store_unchanged(good: Path, bad: Path, tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'store.db'}"
    assert runner.invoke(app, ["import", str(good), "--db", db]).exit_code == 0
    with Store(db) as store:
        before = store.names()
        stored = store.load("gypsum")
    assert before == ["gypsum"]
    # same name, so a save would replace it: nothing may change
    result = runner.invoke(app, ["import", str(bad), "--db", db, "--name", "gypsum"])
    assert result.exit_code == EXIT_INVALID
    result = runner.invoke(app, ["import", str(bad), "--db", db, "--name", "other"])
    assert result.exit_code == EXIT_INVALID
    with Store(db) as store:
        assert store.names() == before
        assert store.load("gypsum").equals(stored)


def test_import_bad_input_creates_no_database(bad: Path, tmp_path: Path) -> None:
    db_file = tmp_path / "never.db"
    result = runner.invoke(app, ["import", str(bad), "--db", f"sqlite:///{db_file}"])
    assert result.exit_code == EXIT_INVALID
    assert not db_file.exists()


@pytest.mark.parametrize(("fmt", "out"), [("yaml", "x.yaml"), ("csv", "x"), ("xlsx", "x.xlsx")])
def test_import_export_round_trip(good: Path, tmp_path: Path, fmt: str, out: str) -> None:
    db = f"sqlite:///{tmp_path / 'store.db'}"
    result = runner.invoke(app, ["import", str(good), "--db", db, "--name", "trip"])
    assert result.exit_code == 0, result.output
    target = tmp_path / "export" / out
    result = runner.invoke(
        app, ["export", "--db", db, "--name", "trip", "--format", fmt, str(target)]
    )
    assert result.exit_code == 0, result.output
    original = read_network(good)
    again = read_network(target)
    assert again.differences(original) == []


def test_export_geojson_and_unknown_name(good: Path, tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'store.db'}"
    runner.invoke(app, ["import", str(good), "--db", db])
    target = tmp_path / "net.geojson"
    result = runner.invoke(
        app, ["export", "--db", db, "--name", "gypsum", "--format", "geojson", str(target)]
    )
    assert result.exit_code == 0, result.output
    features = json.loads(target.read_text(encoding="utf-8"))["features"]
    assert len(features) == 3  # two facilities and one exchange
    result = runner.invoke(app, ["export", "--db", db, "--name", "nope", str(target)])
    assert result.exit_code != 0
    assert "nope" in result.output


def test_export_needs_one_source(tmp_path: Path) -> None:
    result = runner.invoke(app, ["export", str(tmp_path / "x.yaml")])
    assert result.exit_code != 0


def test_summary_json_of_a_file(good: Path) -> None:
    result = runner.invoke(app, ["summary", str(good), "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["counts"]["streams"] == 2
    assert summary["supplied"] == {"material": 200000.0}
    assert summary["exchanged"] == {"material": 150000.0}
    result = runner.invoke(app, ["summary", str(good)])
    assert result.exit_code == 0, result.output
    assert "150,000 t/yr" in result.output


def test_report_of_a_file(good: Path, tmp_path: Path) -> None:
    out = tmp_path / "rep" / "report.html"
    result = runner.invoke(app, ["report", str(good), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "Plasterboard plant" in out.read_text(encoding="utf-8")
    assert (out.parent / "summary.json").exists()


def test_datasets_lists_kalundborg() -> None:
    result = runner.invoke(app, ["datasets"])
    assert result.exit_code == 0, result.output
    assert "kalundborg" in result.output


def test_demo_writes_report(tmp_path: Path) -> None:
    out = tmp_path / "out" / "kalundborg"
    db_file = tmp_path / "db" / "demo.db"
    db_file.parent.mkdir()
    db_file.write_bytes(b"stale, not a database")  # the demo starts from a fresh store
    result = runner.invoke(app, ["demo", "--out", str(out), "--db", f"sqlite:///{db_file}"])
    assert result.exit_code == 0, result.output
    report = out / "report.html"
    assert report.exists()
    assert str(report) in result.output.replace("\n", "")
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["counts"]["facilities"] > 0
    with Store(f"sqlite:///{db_file}") as store:
        assert store.names() == ["kalundborg"]
    # the demo goes on to share the designed network's gain
    shares = pd.read_csv(out / "allocation" / "allocation.csv").set_index("participant")
    assert {"shapley", "nucleolus", "dual"} <= set(shares.columns)
    design = pd.read_csv(out / "design" / "participants.csv")
    assert shares["shapley"].sum() == pytest.approx(design["net_benefit"].sum(), rel=1e-4)
    assert "in the core: shapley no, nucleolus yes" in " ".join(result.output.split())


def test_python_dash_m() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "symbiograph", "--help"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert "validate" in result.stdout
