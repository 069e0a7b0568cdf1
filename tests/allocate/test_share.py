"""share_gain: the whole allocation of a design as one library call, on the gypsum trio whose
values are worked out by hand (A gives 100 t; B pays 30 EUR/t for virgin gypsum, C 25; A's
disposal costs 20 EUR/t: v(AB) = 5,000, v(AC) = 4,500, v(ABC) = 5,000 EUR/yr)."""

from __future__ import annotations

import ast
import dataclasses
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from scenarios import gypsum_trio
from symbiograph.allocate import (
    Allocation,
    CoalitionGame,
    default_methods,
    dual_allocation,
    share_gain,
)
from symbiograph.errors import AllocationError, InputError
from symbiograph.match import MatchSettings, find_candidates
from symbiograph.optimize import DesignSettings, design_network
from symbiograph.report import write_allocation_report

CLI = Path(__file__).parents[2] / "src" / "symbiograph" / "cli.py"


@pytest.fixture(scope="module")
def trio() -> tuple[Any, pd.DataFrame, Any]:
    network = gypsum_trio()
    candidates = find_candidates(network, MatchSettings(use_archetypes=False)).candidates
    return network, candidates, design_network(network, candidates)


def test_a_game_from_the_design_has_its_net_benefit(trio: tuple[Any, Any, Any]) -> None:
    network, candidates, design = trio
    game = CoalitionGame.from_solution(network, candidates, design)
    assert game.value(game.grand_coalition) == pytest.approx(design.net_benefit)
    assert design.net_benefit == pytest.approx(5000)
    # shapley, nucleolus and the dual allocation: one Series indexed by participant each
    for shares in (game.shapley(), game.nucleolus(), dual_allocation(game)):
        assert isinstance(shares, pd.Series)
        assert list(shares.index) == game.players and shares.index.name == "participant"
    assert game.shapley().to_dict() == pytest.approx({"A": 3250, "B": 1000, "C": 750})


def test_the_game_takes_the_designs_policy_levers(trio: tuple[Any, Any, Any]) -> None:
    network, candidates, _ = trio
    priced = design_network(network, candidates, DesignSettings(carbon_price=100.0))
    game = CoalitionGame.from_solution(network, candidates, priced)
    assert game.settings.carbon_price == 100.0
    assert game.value(game.grand_coalition) == pytest.approx(priced.net_benefit)


def test_a_design_with_a_network_wide_limit_is_refused(trio: tuple[Any, Any, Any]) -> None:
    network, candidates, _ = trio
    limited = design_network(network, candidates, DesignSettings(individual_rationality=True))
    with pytest.raises(AllocationError, match="individual rationality"):
        CoalitionGame.from_solution(network, candidates, limited)


def test_share_gain_by_hand(trio: tuple[Any, Any, Any]) -> None:
    network, candidates, design = trio
    game = CoalitionGame.from_solution(network, candidates, design)
    allocation = share_gain(game, design, ["shapley", "nucleolus", "equal"])
    assert isinstance(allocation, Allocation)
    assert allocation.total == pytest.approx(5000)
    assert allocation.methods == ["shapley", "nucleolus", "equal"]
    assert allocation.method == "shapley"  # the first method is settled
    shares = allocation.shares
    assert shares.index.name == "participant"
    assert shares["shapley"].to_dict() == pytest.approx({"A": 3250, "B": 1000, "C": 750})
    # the core is {x_A + x_B >= 5000, x_A + x_C >= 4500, sum 5000}: x_C = 0, x_B <= 500;
    # the nucleolus maximises the smallest surplus: A 4750, B 250
    assert shares["nucleolus"].to_dict() == pytest.approx({"A": 4750, "B": 250, "C": 0}, abs=1e-6)
    summary = allocation.summary()
    assert summary.loc["nucleolus", "in_core"]
    assert summary.loc["shapley", "in_core"] is not None
    assert not summary.loc["shapley", "in_core"]  # A and B get 4250 < 5000
    assert summary.loc["shapley", "worst_gain"] == pytest.approx(750)
    assert summary["efficient"].all()
    assert allocation.intervals is None
    # the settlement delivers the Shapley shares where the exchange can (see test_coalitions)
    assert allocation.settlement["payment_per_yr"].iloc[0] == pytest.approx(1625)


def test_only_the_methods_asked_for_are_computed(
    trio: tuple[Any, Any, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    from symbiograph.allocate import _share

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("the nucleolus was computed without being asked for")

    monkeypatch.setattr(_share, "nucleolus", refuse)
    network, candidates, design = trio
    game = CoalitionGame.from_solution(network, candidates, design)
    allocation = share_gain(game, design, ["dual"], settle_by="equal")
    assert allocation.methods == ["dual", "equal"] and allocation.method == "equal"
    # unnamed methods: the default set, the nucleolus among them at this size
    assert "nucleolus" in default_methods(game)
    assert "stand-alone" not in default_methods(game)  # nobody earns anything alone


def test_methods_that_cannot_be_computed_say_why(
    trio: tuple[Any, Any, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    from symbiograph.allocate import _share

    network, candidates, design = trio
    game = CoalitionGame.from_solution(network, candidates, design)
    with pytest.raises(AllocationError, match=r"^stand-alone: no participant earns"):
        share_gain(game, design, ["stand-alone"])
    with pytest.raises(InputError, match="unknown allocation method 'banzhaf'"):
        share_gain(game, design, ["banzhaf"])
    with pytest.raises(InputError, match="ci_share"):
        share_gain(game, design, ["shapley"], ci_share=1.5)
    monkeypatch.setattr(_share, "TABLE_MAX_PLAYERS", 2)
    with pytest.raises(AllocationError, match=r"^nucleolus: .*3 participants"):
        share_gain(game, design, ["nucleolus"])
    # without the whole table the stability check covers single participants and pairs
    allocation = share_gain(game, design, ["shapley"])
    assert set(allocation.stability["checked"]) == {"single participants and linked pairs"}


def test_a_game_of_another_design_is_refused(trio: tuple[Any, Any, Any]) -> None:
    network, candidates, design = trio
    game = CoalitionGame.from_solution(network, candidates, design)
    other = dataclasses.replace(design, objective=design.objective * 2)  # 10,000 EUR/yr
    with pytest.raises(AllocationError, match=r"v\(N\) = 5,000.00 but the design's net benefit"):
        share_gain(game, other, ["shapley"])


def test_the_report_writes_every_table(trio: tuple[Any, Any, Any], tmp_path: Path) -> None:
    network, candidates, design = trio
    game = CoalitionGame.from_solution(network, candidates, design)
    allocation = share_gain(game, design, ["sampled-shapley", "nucleolus"], seed=3)
    paths = write_allocation_report(allocation, tmp_path, scenario="trio", currency="EUR")
    assert set(paths) == {
        "allocation",
        "sampled_intervals",
        "stability",
        "settlement",
        "reach",
        "report",
    }
    shares = pd.read_csv(paths["allocation"]).set_index("participant")
    assert np.allclose(shares.to_numpy(), allocation.shares.to_numpy())
    intervals = pd.read_csv(paths["sampled_intervals"]).set_index("participant")
    assert (intervals["halfwidth95"] == 0).all()  # parts this small are valued exactly
    html = paths["report"].read_text(encoding="utf-8")
    assert "Fair shares" in html and "trio" in html and "5,000" in html


def test_the_cli_imports_no_private_name_of_another_package() -> None:
    """cli.py is a thin adapter: it uses the packages' public API only."""
    private = []
    for node in ast.walk(ast.parse(CLI.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module != "__future__":
            parts = node.module.split(".")
            names = [alias.name for alias in node.names]
            if any(p.startswith("_") for p in parts) or any(n.startswith("_") for n in names):
                private.append(f"from {node.module} import {', '.join(names)}")
        elif isinstance(node, ast.Import):
            private += [
                a.name for a in node.names if any(p.startswith("_") for p in a.name.split("."))
            ]
    assert private == []


def _park(tmp_path: Path) -> Path:
    import yaml

    from symbiograph.io import network_document

    path = tmp_path / "park.yaml"
    path.write_text(yaml.safe_dump(network_document(gypsum_trio())))
    return path


def test_the_cli_exits_7_with_one_line_when_a_method_cannot_be_computed(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from symbiograph.cli import app
    from symbiograph.errors import EXIT_ALLOCATION, EXIT_USAGE

    path, out = _park(tmp_path), tmp_path / "alloc"
    args = ["allocate", str(path), "--out", str(out), "--methods", "shapley,stand-alone"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == EXIT_ALLOCATION, result.output
    assert "error: stand-alone: no participant earns anything alone" in " ".join(
        result.output.split()
    )
    assert "Traceback" not in result.output and not (out / "allocation.csv").exists()
    args = ["allocate", str(path), "--out", str(out), "--methods", "shapley,banzhaf"]
    assert CliRunner().invoke(app, args).exit_code == EXIT_USAGE
    # --method is settled and computed with the --methods asked for
    args = ["allocate", str(path), "--out", str(out), "--methods", "dual", "--method", "equal"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert list(pd.read_csv(out / "allocation.csv").columns) == ["participant", "equal", "dual"]


@pytest.mark.slow
def test_the_cli_shares_kalundborg_under_a_high_carbon_price(tmp_path: Path) -> None:
    """At 500 EUR/t CO2e the coalition values reach 1.6e8 EUR/yr (what the design adds to
    today's network, 8.8e7): the nucleolus and the core check still solve (they work on the
    game scaled to 1) and every method shares v(N)."""
    from typer.testing import CliRunner

    from symbiograph.cli import app

    out = tmp_path / "alloc"
    args = ["allocate", "--dataset", "kalundborg", "--carbon-price", "500", "--out", str(out)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    shares = pd.read_csv(out / "allocation.csv").set_index("participant")
    total = shares["shapley"].sum()
    assert total > 5e7
    assert shares["nucleolus"].sum() == pytest.approx(total, rel=1e-9)
    stability = pd.read_csv(out / "stability.csv")
    assert bool(stability.loc[stability["method"] == "nucleolus", "in_core"].iloc[0])


@pytest.mark.slow
def test_the_readme_runs_the_whole_chain(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The README's Python example (the block that calls share_gain) runs as written."""
    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    blocks = [b.split("```", 1)[0] for b in readme.split("```python\n")[1:]]
    chain = next(b for b in blocks if "share_gain" in b)
    assert len(chain.strip().splitlines()) <= 16
    monkeypatch.chdir(tmp_path)
    exec(compile(chain, "README.md", "exec"), {})
    shares = pd.read_csv(tmp_path / "out" / "allocation" / "allocation.csv")
    design = pd.read_csv(tmp_path / "out" / "design" / "participants.csv")
    assert list(shares.columns) == ["participant", "shapley", "nucleolus", "dual"]
    assert shares["shapley"].sum() == pytest.approx(design["net_benefit"].sum(), rel=1e-6)
    assert "in_core" in capsys.readouterr().out
