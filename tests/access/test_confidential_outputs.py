"""Confidential means confidential: one confidential stream, every output format and report
scanned for its quantity, price and quality written in several number formats; none may
appear in shared output, and with --full they do."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pandas as pd
import plotly.offline
import pytest
import yaml
from confidential_scenario import QUANTITY, _doc, _leaks
from typer.testing import CliRunner

from symbiograph.cli import app

runner = CliRunner(env={"COLUMNS": "200", "NO_COLOR": "1"})

_PLOTLY = plotly.offline.get_plotlyjs()


def _text(path: Path) -> str:
    """Everything a reader of ``path`` (a file or folder) can see, as text."""
    if path.is_dir():
        return "\n".join(_text(p) for p in sorted(path.rglob("*")) if p.is_file())
    if path.suffix == ".xlsx":
        book = openpyxl.load_workbook(path, read_only=True)
        cells = [str(v) for sheet in book for row in sheet.iter_rows(values_only=True) for v in row]
        return "\n".join(cells)
    if path.suffix == ".db":
        return ""
    return path.read_text(encoding="utf-8").replace(_PLOTLY, "")


def _run(*args: str) -> None:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output


@pytest.fixture(scope="module")
def outputs(tmp_path_factory: pytest.TempPathFactory) -> dict[bool, dict[str, Path]]:
    """Every output of the scenario, shared (False) and --full (True)."""
    root = tmp_path_factory.mktemp("confidential")
    scenario = root / "secret.yaml"
    scenario.write_text(yaml.safe_dump(_doc(), sort_keys=False), encoding="utf-8")
    db = f"sqlite:///{root / 'store.db'}"
    _run("import", str(scenario), "--db", db, "--name", "secret")
    found: dict[bool, dict[str, Path]] = {}
    for full in (False, True):
        flag = ["--full"] if full else []
        out = root / ("full" if full else "shared")
        paths = {
            "report": out / "report" / "report.html",
            "summary": out / "report" / "summary.json",
            "yaml": out / "export.yaml",
            "csv": out / "export_csv",
            "xlsx": out / "export.xlsx",
            "geojson": out / "export.geojson",
            "match": out / "candidates.csv",
            "optimize": out / "design",
        }
        _run("report", str(scenario), "--out", str(paths["report"]), *flag)
        for fmt in ("yaml", "csv", "xlsx", "geojson"):
            _run("export", str(paths[fmt]), "--db", db, "--name", "secret", "-f", fmt, *flag)
        _run("match", str(scenario), "--out", str(paths["match"]), *flag)
        _run("optimize", str(scenario), "--out", str(paths["optimize"]), "--pareto", "2", *flag)
        found[full] = paths
    allocation = root / "shared" / "allocation"
    _run("allocate", str(scenario), "--out", str(allocation))
    found[False]["allocate"] = allocation
    return found


@pytest.mark.parametrize(
    "name", ["report", "summary", "yaml", "csv", "xlsx", "geojson", "match", "optimize"]
)
def test_shared_output_hides_the_confidential_figures(
    outputs: dict[bool, dict[str, Path]], name: str
) -> None:
    text = _text(outputs[False][name])
    assert text.strip()
    assert _leaks(text) == {}, f"{name} shows a confidential figure"


def test_allocation_hides_the_confidential_figures(outputs: dict[bool, dict[str, Path]]) -> None:
    allocation = outputs[False]["allocate"]
    assert _leaks(_text(allocation)) == {}
    # proportional shares weigh participants by volume: all banded, the others exact
    shares = pd.read_csv(allocation / "allocation.csv", index_col="participant")
    assert shares["proportional"].str.contains(" to ").all()
    assert pd.to_numeric(shares["shapley"]).notna().all()
    settlement = pd.read_csv(allocation / "settlement.csv").set_index("candidate_id")
    assert settlement["flow"].astype(str).str.contains(" to ").sum() == 1


@pytest.mark.parametrize(
    ("name", "kinds"),
    [
        ("report", {"quantity"}),
        ("yaml", {"quantity", "price", "quality"}),
        ("csv", {"quantity", "price", "quality"}),
        ("xlsx", {"quantity", "price", "quality"}),
        ("geojson", {"quantity"}),
        ("match", {"quantity", "price"}),
        ("optimize", {"quantity"}),
    ],
)
def test_full_output_shows_them_and_says_so(
    outputs: dict[bool, dict[str, Path]], name: str, kinds: set[str]
) -> None:
    text = _text(outputs[True][name])
    assert kinds <= set(_leaks(text)), f"--full {name} lacks {kinds - set(_leaks(text))}"


def test_shared_output_shows_bands_and_says_it_is_shared(
    outputs: dict[bool, dict[str, Path]],
) -> None:
    shared, full = outputs[False], outputs[True]
    report = _text(shared["report"])
    assert "10,000 to 20,000 t/yr" in report  # the stream's band, not its value
    assert "shared: 1 confidential stream(s) shown as bands" in report
    assert "full: confidential values included" in _text(full["report"])
    assert "full: confidential values included" in _text(full["optimize"] / "summary.json")
    # totals a hidden stream adds to are bands in shared output, exact in full output
    shared_summary = json.loads(shared["summary"].read_text(encoding="utf-8"))
    full_summary = json.loads(full["summary"].read_text(encoding="utf-8"))
    assert shared_summary["supplied"]["material"] == "10,000 to 20,000"
    assert full_summary["supplied"]["material"] == QUANTITY + 4_000
    # the open supply keeps its exact figures
    assert "4,000" in report
    exported = yaml.safe_load((shared["yaml"]).read_text(encoding="utf-8"))
    s1 = next(s for s in exported["streams"] if s["id"] == "s1")
    assert (s1["quantity_min"], s1["quantity_max"]) == (10_000, 20_000)
    assert "quantity" not in s1 or s1["quantity"] is None
    assert "20 to 50 EUR/t" in s1["note"]


@pytest.mark.parametrize("command", ["report", "export", "match", "optimize", "demo"])
def test_every_sharing_command_takes_full(command: str) -> None:
    result = runner.invoke(app, [command, "--help"])
    assert result.exit_code == 0 and "--full" in result.output
