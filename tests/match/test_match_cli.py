"""`symbiograph match` writes the candidate table; `symbiograph explain` names the failing rule."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from typer.testing import CliRunner

from symbiograph.cli import app

runner = CliRunner()
DATA = Path(__file__).parent.parent / "data" / "two_plants.yaml"


def test_match_writes_csv_and_parquet(tmp_path: Path) -> None:
    for name in ("c.csv", "c.parquet"):
        out = tmp_path / name
        result = runner.invoke(app, ["match", str(DATA), "--out", str(out), "--top", "1"])
        assert result.exit_code == 0, result.output
        table = pd.read_csv(out) if name.endswith("csv") else pd.read_parquet(out)
        assert list(table["supply_id"]) == ["s_gypsum"]
        assert list(table["demand_id"]) == ["d_gypsum"]
        assert table["explanation"].iloc[0].startswith("FGD gypsum from Power station")


def test_match_rejects_unknown_extension(tmp_path: Path) -> None:
    result = runner.invoke(app, ["match", str(DATA), "--out", str(tmp_path / "c.txt")])
    assert result.exit_code == 2


def test_explain_names_the_failing_rule() -> None:
    result = runner.invoke(app, ["explain", str(DATA), "s_heat", "d_gypsum"])
    assert result.exit_code == 1
    assert "not a candidate: rule 'resource_link' fails" in " ".join(result.output.split())
    ok = runner.invoke(app, ["explain", str(DATA), "s_gypsum", "d_gypsum"])
    assert ok.exit_code == 0 and "a candidate" in ok.output
    missing = runner.invoke(app, ["explain", str(DATA), "nope", "d_gypsum"])
    assert missing.exit_code == 3
