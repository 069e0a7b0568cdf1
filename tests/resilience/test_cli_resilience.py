"""The resilience command: tables and report written, exit codes per errors.py."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from typer.testing import CliRunner

from symbiograph.cli import app


def test_resilience_writes_tables_and_report(tmp_path: Path) -> None:
    inputs = tmp_path / "inputs.csv"
    pd.DataFrame(
        {
            "name": ["gypsum", "carbon"],
            "quantity": ["price", "carbon_price"],
            "ids": ["gypsum", ""],
            "distribution": ["triangular", "normal"],
            "params": ["0.5 1 1.2", "1 0.3"],
            "mode": ["factor", "factor"],
        }
    ).to_csv(inputs, index=False)
    out = tmp_path / "out"
    args = ["resilience", "--dataset", "kalundborg", "--out", str(out), "--outages"]
    args += ["--monte-carlo", "30", "--uncertainty", str(inputs), "--seed", "4"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    for name in ("outage_losses", "criticality", "mc_summary", "mc_sensitivity"):
        assert (out / f"{name}.csv").stat().st_size > 0
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "Criticality" in html and "over the draws" in html
    crit = pd.read_csv(out / "criticality.csv")
    assert {"frozen_loss", "rewired_loss", "degree", "betweenness"} <= set(crit.columns)
    assert set(pd.read_csv(out / "mc_sensitivity.csv")["input"]) == {"gypsum", "carbon"}


def test_resilience_exit_codes(tmp_path: Path) -> None:
    runner = CliRunner()
    bad_level = ["resilience", "--dataset", "kalundborg", "--level", "1.5"]
    assert runner.invoke(app, [*bad_level, "--out", str(tmp_path)]).exit_code == 2
    unknown = ["resilience", "--dataset", "atlantis", "--out", str(tmp_path)]
    assert runner.invoke(app, unknown).exit_code == 3
    assert runner.invoke(app, ["resilience", "--out", str(tmp_path)]).exit_code == 2


def test_a_confidential_stream_bands_every_figure() -> None:
    from dataclasses import replace

    from scenarios import three_plant_chain
    from symbiograph.access import FULL
    from symbiograph.match import find_candidates
    from symbiograph.optimize import design_network
    from symbiograph.report import shared_resilience_tables
    from symbiograph.resilience import outage_analysis

    network = three_plant_chain()
    streams = network.streams.copy()
    streams["confidential"] = streams["id"] == "sb_h"
    network = replace(network, streams=streams)
    candidates = find_candidates(network).candidates
    design = design_network(network, candidates)
    result = outage_analysis(network, candidates, design, elements=[("organisation", "B")])
    tables = {"outage_losses": result.losses, "criticality": result.criticality}
    shared, banded = shared_resilience_tables(network, design.flows, tables)
    assert banded
    losses = shared["outage_losses"]
    assert not any(isinstance(v, float) for v in losses["net_benefit_loss"])
    assert (losses["failed_exchanges"] == result.losses["failed_exchanges"]).all()
    full, banded_full = shared_resilience_tables(network, design.flows, tables, FULL)
    assert not banded_full and full["outage_losses"].equals(result.losses)


def test_resilience_stochastic_design(tmp_path: Path) -> None:
    out = tmp_path / "out"
    args = ["resilience", "tests/data/two_plants.yaml", "--out", str(out)]
    args += ["--stochastic", "3", "--seed", "1", "--evaluate", "2"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "VSS" in result.output and "EVPI" in result.output
    summary = pd.read_csv(out / "stochastic_summary.csv")
    assert summary["scenarios"].iloc[0] == 3
    assert summary["vss"].iloc[0] >= -1e-6 and summary["evpi"].iloc[0] >= -1e-6
    assert len(pd.read_csv(out / "stochastic_values.csv")) == 3
    assert not (out / "outage_losses.csv").exists()  # only what was asked
    bad = CliRunner().invoke(app, [*args, "--scenarios", str(tmp_path / "none.csv")])
    assert bad.exit_code == 3
