"""Settlement on designed networks: share_gain carries the nearest reachable allocation, the
report and the command line name the share that is out of reach, and Kalundborg's Shapley
shares are settled with every price inside its bargaining range."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml

from scenarios import gypsum_trio
from symbiograph.allocate import CoalitionGame, share_gain
from symbiograph.io import network_document
from symbiograph.match import MatchSettings, find_candidates
from symbiograph.optimize import design_network
from symbiograph.report import write_allocation_report


@pytest.fixture(scope="module")
def trio() -> tuple[Any, pd.DataFrame, Any]:
    network = gypsum_trio()
    candidates = find_candidates(network, MatchSettings(use_archetypes=False)).candidates
    return network, candidates, design_network(network, candidates)


def test_share_gain_says_which_share_is_out_of_reach(
    trio: tuple[Any, Any, Any], tmp_path: Path
) -> None:
    network, candidates, design = trio
    game = CoalitionGame.from_solution(network, candidates, design)
    # A gives 100 t of gypsum to B: A's disposal 20/t, B's virgin 30/t, no transport, so the
    # price lies in [-20, 30]. Shapley gives C 750 but C trades nothing: out of reach; the
    # nearest reachable allocation gives A and B 375 each more than asked (price 16.25)
    allocation = share_gain(game, design, ["shapley", "nucleolus"])
    row = allocation.settlement.iloc[0]
    assert (row["price_lo"], row["price_hi"]) == pytest.approx((-20, 30))
    assert row["price_per_unit"] == pytest.approx(16.25)
    assert not allocation.reachable
    reach = allocation.reach
    assert reach.loc["C", "gap"] == pytest.approx(750)
    assert reach.loc["A", "reachable"] == pytest.approx(3625)
    assert reach["reachable"].sum() == pytest.approx(5000)
    assert allocation.out_of_reach().index[0] == "C"
    paths = write_allocation_report(allocation, tmp_path, scenario="trio")
    html = paths["report"].read_text(encoding="utf-8")
    assert "nearest reachable" in html and "3,625" in html
    assert pd.read_csv(paths["reach"]).set_index("participant").loc["C", "gap"] == pytest.approx(
        750
    )
    # the nucleolus (A 4750, B 250, C 0) is reached: B pays 27.5/t, inside the range
    settled = share_gain(game, design, ["nucleolus"])
    assert settled.reachable and settled.out_of_reach().empty
    assert settled.settlement["price_per_unit"].iloc[0] == pytest.approx(27.5)
    assert "Every share is reached" in write_allocation_report(settled, tmp_path / "n")[
        "report"
    ].read_text(encoding="utf-8")


def test_the_cli_names_the_share_out_of_reach(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from symbiograph.cli import app

    path = tmp_path / "park.yaml"
    path.write_text(yaml.safe_dump(network_document(gypsum_trio())))
    out = tmp_path / "alloc"
    result = CliRunner().invoke(app, ["allocate", str(path), "--out", str(out)])
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert "C's shapley share (750) is out of reach" in text and "by 750 EUR/yr" in text
    assert "gives it 0 (short; 3 of 3 participants off" in text
    result = CliRunner().invoke(
        app, ["allocate", str(path), "--out", str(out), "--method", "nucleolus"]
    )
    assert result.exit_code == 0, result.output
    assert "out of reach" not in result.output


@pytest.mark.slow
def test_kalundborg_shapley_is_settled_inside_every_range() -> None:
    from symbiograph.datasets import kalundborg

    network = kalundborg()
    candidates = find_candidates(network).candidates
    design = design_network(network, candidates)
    game = CoalitionGame.from_solution(network, candidates, design)
    allocation = share_gain(game, design, ["shapley"])
    table = allocation.settlement
    assert allocation.reachable, allocation.out_of_reach()
    slack = 1e-6 * (1 + table[["price_lo", "price_hi"]].abs().max(axis=1))
    assert (table["price_per_unit"] >= table["price_lo"] - slack).all()
    assert (table["price_per_unit"] <= table["price_hi"] + slack).all()
    # no taker pays more for the by-product, with its transport, than for the virgin input
    money = design.flows.set_index("candidate_id")
    virgin = money["avoided_virgin"] / money["flow"]
    transport = -money["transport"] / money["flow"]
    rows = table.set_index("candidate_id")
    paid = rows["price_per_unit"] + transport.reindex(rows.index)
    assert (paid <= virgin.reindex(rows.index) + 1e-6).all()
    # the shares themselves are Shapley's, reached exactly
    reached = allocation.reach["reachable"].reindex(allocation.shares.index)
    assert reached.to_numpy() == pytest.approx(allocation.shares["shapley"].to_numpy(), abs=1.0)
