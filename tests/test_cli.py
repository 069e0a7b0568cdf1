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
from symbiograph.errors import EXIT_NOT_FOUND, EXIT_USAGE
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
        ("streams", 1, "quantity", "wrong dimension for 't/yr': it is an energy"),
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
    assert result.exit_code == EXIT_NOT_FOUND
    assert "nope" in result.output


def test_export_needs_one_source(tmp_path: Path) -> None:
    result = runner.invoke(app, ["export", str(tmp_path / "x.yaml")])
    assert result.exit_code == EXIT_USAGE, result.output


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
    # the demo goes on to share what the design adds to today's network
    shares = pd.read_csv(out / "allocation" / "allocation.csv").set_index("participant")
    assert {"shapley", "nucleolus", "dual"} <= set(shares.columns)
    design = pd.read_csv(out / "design" / "participants.csv")
    three = pd.read_csv(out / "design" / "today_design_added.csv").set_index("indicator")
    today, added = three.loc["net_benefit", "today"], three.loc["net_benefit", "added"]
    assert today > 0 and added > 0
    assert design["net_benefit"].sum() == pytest.approx(today + added, rel=1e-6)
    assert shares["shapley"].sum() == pytest.approx(added, rel=1e-4)
    assert "the design adds" in " ".join(result.output.split())
    assert "in the core: shapley no, nucleolus yes" in " ".join(result.output.split())


def test_demo_runs_another_dataset(tmp_path: Path) -> None:
    out = tmp_path / "kwinana"
    result = runner.invoke(
        app, ["demo", "--dataset", "kwinana", "--out", str(out), "--db", f"sqlite:///{out}.db"]
    )
    assert result.exit_code == 0, result.output
    assert "AUD/yr" in result.output
    with Store(f"sqlite:///{out}.db") as store:
        assert store.names() == ["kwinana"]
    assert (out / "design" / "report.html").exists()
    assert (out / "allocation" / "allocation.csv").exists()
    unknown = runner.invoke(app, ["demo", "--dataset", "atlantis", "--out", str(tmp_path / "x")])
    assert unknown.exit_code == 3, unknown.output


def test_python_dash_m() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "symbiograph", "--help"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert "validate" in result.stdout


def _dump(path: Path) -> dict[str, list[tuple[object, ...]]]:
    import sqlite3

    connection = sqlite3.connect(path)
    try:
        names = [
            r[0] for r in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")
        ]
        return {
            n: sorted(connection.execute(f'SELECT * FROM "{n}"').fetchall(), key=repr)
            for n in names
        }
    finally:
        connection.close()


def test_import_again_keeps_the_earlier_version_and_says_so(good: Path, tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'store.db'}"
    first = runner.invoke(app, ["import", str(good), "--db", db])
    assert first.exit_code == 0, first.output
    assert "saved 'gypsum' version 1" in first.output
    assert "'gypsum' is a new network" in first.output
    again = runner.invoke(app, ["import", str(good), "--db", db])
    assert again.exit_code == 0, again.output
    text = " ".join(again.output.split())
    assert "saved 'gypsum' version 2" in text
    assert "it replaces version 1 (2 facilities, 2 streams, 1 exchanges, saved " in text
    assert "networks restore gypsum 1" in text
    with Store(db) as store:
        assert list(store.versions("gypsum")["version"]) == [1, 2]
    refused = runner.invoke(app, ["import", str(good), "--db", db, "--no-replace"])
    assert refused.exit_code == 4
    assert "already stored (use --replace)" in refused.stderr


@pytest.mark.parametrize("kind", ["truncated", "zero-byte", "empty folder", "folder without CSVs"])
def test_import_of_an_empty_scenario_is_refused(good: Path, tmp_path: Path, kind: str) -> None:
    """A cut-off, empty or unrelated input never replaces the stored network."""
    db_file = tmp_path / "store.db"
    db = f"sqlite:///{db_file}"
    assert runner.invoke(app, ["import", str(good), "--db", db]).exit_code == 0
    before = _dump(db_file)
    if kind == "truncated":
        bad = tmp_path / "cut.yaml"
        bad.write_text(GOOD.split("sources:")[0], encoding="utf-8")
    elif kind == "zero-byte":
        bad = tmp_path / "zero.yaml"
        bad.write_bytes(b"")
    else:
        bad = tmp_path / "folder"
        bad.mkdir()
        if kind == "folder without CSVs":
            (bad / "notes.txt").write_text("hello", encoding="utf-8")
    result = runner.invoke(app, ["import", str(bad), "--db", db, "--name", "gypsum"])
    assert result.exit_code == EXIT_INVALID, result.output
    assert _dump(db_file) == before
    assert "no facilities" in result.output + result.stderr or "no CSV" in result.output
    # on request, the empty scenario is stored as a new version and the old one comes back
    allowed = runner.invoke(
        app, ["import", str(bad), "--db", db, "--name", "gypsum", "--allow-empty"]
    )
    assert allowed.exit_code == 0, allowed.output
    assert "it replaces version 1 (2 facilities, 2 streams" in " ".join(allowed.output.split())
    restored = runner.invoke(app, ["networks", "restore", "gypsum", "1", "--db", db])
    assert restored.exit_code == 0, restored.output
    with Store(db) as store:
        assert store.load("gypsum").equals(store.load("gypsum", version=1))
        assert list(store.versions("gypsum")["n_streams"]) == [2, 0, 2]


def test_networks_commands(good: Path, tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'store.db'}"
    for name in ("gypsum", "gypsum", "gypsum", "copy"):
        assert runner.invoke(app, ["import", str(good), "--db", db, "--name", name]).exit_code == 0
    listed = runner.invoke(app, ["networks", "list", "--db", db])
    assert listed.exit_code == 0, listed.output
    rows = [line for line in listed.output.splitlines() if "gypsum" in line or "copy" in line]
    assert len(rows) == 2 and "│       3 │        3 │" in rows[1]
    shown = runner.invoke(app, ["networks", "show", "gypsum", "--db", db, "--version", "2"])
    assert shown.exit_code == 0, shown.output
    assert "version 2:" in shown.output and "2 facilities" in shown.output
    versions = runner.invoke(app, ["networks", "versions", "gypsum", "--db", db])
    assert versions.output.count("import of") == 3
    pruned = runner.invoke(app, ["networks", "prune", "gypsum", "--keep", "2", "--db", db])
    assert pruned.exit_code == 0 and "removed 1 old version(s)" in pruned.output
    renamed = runner.invoke(app, ["networks", "rename", "copy", "board", "--db", db])
    assert renamed.exit_code == 0, renamed.output
    missing = runner.invoke(app, ["networks", "rename", "copy", "x", "--db", db])
    assert missing.exit_code == 3 and "no network named 'copy'" in missing.stderr
    not_confirmed = runner.invoke(app, ["networks", "delete", "board", "--db", db], input="n\n")
    assert not_confirmed.exit_code == 2
    deleted = runner.invoke(app, ["networks", "delete", "board", "--db", db, "--yes"])
    assert deleted.exit_code == 0, deleted.output
    with Store(db) as store:
        assert store.names() == ["gypsum"]
        assert list(store.versions("gypsum")["version"]) == [2, 3]
    bad_version = runner.invoke(app, ["networks", "restore", "gypsum", "1", "--db", db])
    assert bad_version.exit_code == 3
    assert "has no version 1 (kept: 2, 3)" in bad_version.stderr


def test_reading_commands_take_a_stored_network(good: Path, tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'store.db'}"
    assert runner.invoke(app, ["import", str(good), "--db", db]).exit_code == 0
    stored = ["--db", db, "--name", "gypsum"]
    summary = runner.invoke(app, ["summary", *stored, "--json"])
    assert summary.exit_code == 0, summary.output
    assert json.loads(summary.output)["counts"]["streams"] == 2
    out = tmp_path / "c.csv"
    match = runner.invoke(app, ["match", *stored, "--out", str(out)])
    assert match.exit_code == 0, match.output
    assert list(pd.read_csv(out)["supply_id"]) == ["s1"]
    explain = runner.invoke(app, ["explain", "s1", "d1", *stored])
    assert explain.exit_code == 0, explain.output
    assert "a candidate" in explain.output
    design = runner.invoke(app, ["optimize", *stored, "--out", str(tmp_path / "design")])
    assert design.exit_code == 0, design.output
    assert (tmp_path / "design" / "report.html").exists()
    report = runner.invoke(app, ["report", *stored, "--out", str(tmp_path / "r" / "r.html")])
    assert report.exit_code == 0, report.output
    unknown = runner.invoke(app, ["match", "--db", db, "--name", "nope"])
    assert unknown.exit_code == 3
    assert "no network named 'nope'" in unknown.stderr and "stored: gypsum" in unknown.stderr
    both = runner.invoke(app, ["match", str(good), *stored])
    assert both.exit_code == 2


def test_an_unexpected_failure_is_a_message_and_exit_code_9(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A bug (an exception that is not a SymbiographError) never reaches the user as a
    traceback: one line and exit code 9; --debug adds the traceback."""
    from typer.testing import CliRunner

    import symbiograph.cli as cli
    from symbiograph.cli import EXIT_INTERNAL, app

    def broken(name: str) -> None:
        raise ValueError("Cannot mask with non-boolean array")

    monkeypatch.setattr(cli, "_load_dataset", broken)
    result = CliRunner().invoke(app, ["summary", "--dataset", "kalundborg"])
    assert result.exit_code == EXIT_INTERNAL == 9, result.output
    assert "internal error (ValueError: Cannot mask" in " ".join(result.output.split())
    assert "Traceback" not in result.output
    debug = CliRunner().invoke(app, ["--debug", "summary", "--dataset", "kalundborg"])
    assert debug.exit_code == 9 and "Traceback" in debug.output


@pytest.mark.parametrize(
    "args",
    [["optimize", "--bogus"], ["validate"], ["export", "a.yaml", "b.yaml", "c.yaml"]],
    ids=["unknown-option", "missing-argument", "extra-argument"],
)
def test_command_line_mistakes_are_usage_errors_not_bugs(args: list[str]) -> None:
    """A mistyped command line is exit 2 with click's message, never the internal error 9
    (typer >= 0.2x vendors click, so its UsageError is not click's)."""
    result = runner.invoke(app, args)
    assert result.exit_code == EXIT_USAGE, result.output
    assert "internal error" not in result.output


def test_optimize_says_when_a_documented_exchange_is_left_out_of_today(tmp_path: Path) -> None:
    """Seen on the Ulsan workbook: a running exchange that fails a matching rule silently left
    today's figures ('4 running exchanges' of 5 documented); optimize must name it."""
    far = GOOD.replace("lat: 55.66, lon: 11.12", "lat: 35.5, lon: 129.3")  # board in Korea
    path = tmp_path / "far.yaml"
    path.write_text(far, encoding="utf-8")
    result = runner.invoke(app, ["optimize", str(path), "--out", str(tmp_path / "design")])
    assert result.exit_code == 0, result.output
    assert "x1" in result.output and "not in today's figures" in result.output


@pytest.mark.parametrize(("fmt", "out"), [("csv", "park-csv"), ("yaml", "park.yaml")])
def test_export_converts_a_scenario_file(good: Path, tmp_path: Path, fmt: str, out: str) -> None:
    """README: every command that reads a network takes a FILE, export too (XLSX -> CSV)."""
    workbook = tmp_path / "park.xlsx"
    from symbiograph.io import write_network

    write_network(read_network(good), workbook)
    target = tmp_path / out
    result = runner.invoke(app, ["export", str(workbook), str(target), "--format", fmt])
    assert result.exit_code == 0, result.output
    assert read_network(target).equals(read_network(good))
    both = runner.invoke(app, ["export", str(workbook), str(target), "--dataset", "kalundborg"])
    assert both.exit_code == EXIT_USAGE
