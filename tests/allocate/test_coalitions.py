"""Coalition values from the design model, on a network whose values are worked out by hand."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from scenarios import gypsum_trio as _network
from scenarios import plant as _plant
from symbiograph.allocate import CoalitionGame, dual_allocation, in_core, shapley_exact
from symbiograph.io import network_document, network_from_document
from symbiograph.match import MatchSettings, find_candidates
from symbiograph.parallel import ProcessPool


def _game(pairs: int = 1) -> CoalitionGame:
    network = _network(pairs)
    candidates = find_candidates(network, MatchSettings(use_archetypes=False)).candidates
    return CoalitionGame(network, candidates)


def test_values_by_hand() -> None:
    game = _game()
    mask = {name: 1 << i for i, name in enumerate(game.players)}
    v = game.value
    assert v(mask["A"]) == 0 and v(mask["B"] | mask["C"]) == 0
    assert v(mask["A"] | mask["B"]) == pytest.approx(100 * 50)  # 20 + 30 per tonne
    assert v(mask["A"] | mask["C"]) == pytest.approx(100 * 45)
    assert v(mask["A"] | mask["B"] | mask["C"]) == pytest.approx(5000)
    # Shapley over the six orders: A adds 5000 (after B), 4500 (after C), 5000 (last, twice):
    # 19500 / 6 = 3250; C adds 4500 only right after A: 750; B gets the rest, 1000
    values = game.values()
    shapley = dict(zip(game.players, shapley_exact(values), strict=True))
    assert shapley["A"] == pytest.approx(3250)
    assert shapley["C"] == pytest.approx(750)
    assert shapley["B"] == pytest.approx(1000)


def test_separate_parts_add_up_with_fewer_solves() -> None:
    game = _game(pairs=2)
    full = (1 << game.n) - 1
    d_e = sum(1 << game.players.index(p) for p in ("D", "E"))
    assert game.value(full) == pytest.approx(5000 + 10 * 20)
    assert game.value(d_e) == pytest.approx(200)
    game.values()
    assert game.solves < 2**game.n / 4  # parts are solved once and reused


def test_dual_allocation_is_efficient_for_the_lp_and_in_the_core_without_fixed_costs() -> None:
    game = _game()
    dual = dual_allocation(game)
    assert dual.sum() == pytest.approx(5000)
    # B's demand binds: A gets its 20 + 25 (C's willingness sets the price), B keeps 5
    assert in_core(game.values(), dual.to_numpy(), tol=1e-6)
    assert np.isclose(dual["C"], 0.0)


def test_settlement_delivers_the_allocation() -> None:
    from symbiograph.allocate import settle
    from symbiograph.optimize import design_network

    network = _network()
    candidates = find_candidates(network, MatchSettings(use_archetypes=False)).candidates
    game = CoalitionGame(network, candidates)
    share = pd.Series(shapley_exact(game.values()), index=game.players)
    design = design_network(network, candidates)
    table = settle(design.flows, design.participants, share)
    # at zero price A gets its 20 EUR/t disposal saving (2000) and B its 30 EUR/t (3000);
    # Shapley gives A 3250 and B 1000 (C gets 750 but trades nothing: not reachable)
    row = table.iloc[0]
    assert (row["giver"], row["taker"]) == ("A", "B")
    # A needs +1250, B -2000, C +750 (unreachable): least squares on the one exchange pays
    # A (1250 + 2000) / 2 = 1625, leaving each of A and B 375 short of its Shapley share
    assert row["payment_per_yr"] == pytest.approx(1625)
    assert row["residual_giver"] == pytest.approx(-375)
    assert row["residual_taker"] == pytest.approx(-375)
    result = design.participants.set_index("organisation")["net_benefit"]
    after_a = result["A"] + row["payment_per_yr"]
    after_b = result["B"] - row["payment_per_yr"]
    assert after_a + after_b == pytest.approx(5000)


def test_settlement_is_exact_when_shares_match_each_part() -> None:
    from symbiograph.allocate import settle
    from symbiograph.optimize import design_network

    network = _network()
    candidates = find_candidates(network, MatchSettings(use_archetypes=False)).candidates
    design = design_network(network, candidates)
    wanted = pd.Series({"A": 2500.0, "B": 2500.0, "C": 0.0})
    table = settle(design.flows, design.participants, wanted)
    row = table.iloc[0]
    assert row["payment_per_yr"] == pytest.approx(500)  # B pays A 5 EUR/t on 100 t
    assert row["price_per_unit"] == pytest.approx(5.0)
    assert row["residual_giver"] == pytest.approx(0) and row["residual_taker"] == pytest.approx(0)


def test_allocate_cli_writes_shares_stability_and_settlement(tmp_path: Any) -> None:
    import yaml
    from typer.testing import CliRunner

    from symbiograph.cli import app
    from symbiograph.io import network_document

    path = tmp_path / "park.yaml"
    path.write_text(yaml.safe_dump(network_document(_network())))
    out = tmp_path / "alloc"
    result = CliRunner().invoke(app, ["allocate", str(path), "--out", str(out)])
    assert result.exit_code == 0, result.output
    shares = pd.read_csv(out / "allocation.csv").set_index("participant")
    assert shares["shapley"].to_dict() == pytest.approx({"A": 3250, "B": 1000, "C": 750})
    assert shares.sum().to_dict() == pytest.approx({c: 5000 for c in shares.columns})
    stability = pd.read_csv(out / "stability.csv")
    assert set(stability["method"]) >= {"shapley", "nucleolus"}
    nucleolus_row = stability[stability["method"] == "nucleolus"].iloc[0]
    assert bool(nucleolus_row["in_core"])
    assert (out / "settlement.csv").is_file() and "Fair shares" in (out / "report.html").read_text()


def test_all_values_agree_with_one_by_one() -> None:
    game = _game(pairs=2)
    every = game.values()
    fresh = _game(pairs=2)
    assert every == pytest.approx([fresh.value(mask) for mask in range(1 << fresh.n)])


@pytest.mark.parametrize("seed", [1, 7])
def test_coalition_values_equal_a_fresh_design_of_each_coalition(seed: int) -> None:
    """The branch and bound on the shared model gives what a fresh MILP of the coalition's
    own candidates gives (the straightforward way), on parks with fixed-cost links."""
    from symbiograph.datasets import synthetic
    from symbiograph.optimize import DesignSettings, design_network

    network = synthetic(60, seed=seed, region_km=6)
    candidates = find_candidates(network).candidates
    candidates = candidates[candidates["supply_organisation"] != candidates["demand_organisation"]]
    top = (
        pd.concat([candidates["supply_organisation"], candidates["demand_organisation"]])
        .value_counts()
        .index[:6]
    )
    inside = candidates["supply_organisation"].isin(top) & candidates["demand_organisation"].isin(
        top
    )
    candidates = candidates[inside].reset_index(drop=True)
    game = CoalitionGame(network, candidates)
    values = game.values()
    index = {p: i for i, p in enumerate(game.players)}
    giver = candidates["supply_organisation"].map(index).to_numpy(dtype=np.int64)
    taker = candidates["demand_organisation"].map(index).to_numpy(dtype=np.int64)
    exact = DesignSettings(mip_gap=1e-9, decompose=False)
    for mask in range(1, 1 << game.n):
        chosen = ((mask >> giver) & 1).astype(bool) & ((mask >> taker) & 1).astype(bool)
        fresh = (
            design_network(network, candidates[chosen], exact).net_benefit if chosen.any() else 0.0
        )
        assert values[mask] == pytest.approx(max(fresh, 0.0), rel=1e-6, abs=1e-3)


def test_allocate_cli_sampled_shapley_writes_intervals(tmp_path: Any) -> None:
    import yaml
    from typer.testing import CliRunner

    from symbiograph.cli import app
    from symbiograph.io import network_document

    path = tmp_path / "park.yaml"
    path.write_text(yaml.safe_dump(network_document(_network())))
    out = tmp_path / "alloc"
    args = ["allocate", str(path), "--out", str(out), "--method", "sampled-shapley"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    shares = pd.read_csv(out / "allocation.csv").set_index("participant")
    # parts of up to 12 organisations are valued exactly: no sampling noise here
    assert shares["sampled-shapley"].to_dict() == pytest.approx({"A": 3250, "B": 1000, "C": 750})
    intervals = pd.read_csv(out / "sampled_intervals.csv").set_index("participant")
    assert (intervals["halfwidth95"] == 0).all()
    report = (out / "report.html").read_text()
    assert "Methods side by side" in report and "widest 95% interval" in report


def test_small_coalition_check_for_large_games() -> None:
    from symbiograph.allocate import defecting_pairs

    game = _game()
    index = {p: i for i, p in enumerate(game.players)}
    fair = np.zeros(game.n)
    fair[index["A"]] = 5000
    assert defecting_pairs(game, fair).empty  # A alone has 0, A+B 5000
    unfair = np.zeros(game.n)
    unfair[index["B"]] = unfair[index["C"]] = 2500
    worst = defecting_pairs(game, unfair).iloc[0]
    assert sorted(worst["members"]) == ["A", "B"] and worst["gain"] == pytest.approx(2500)


@pytest.mark.parametrize("seed", [1, 7, 11])
def test_dual_allocation_no_coalition_gets_less_than_it_can_reach(seed: int) -> None:
    """Owen: the dual allocation lies in the core of the LP relaxation's game, whose values
    are at least the design game's, so every coalition S gets x(S) >= v(S) (also with fixed
    costs, whose unbuilt switches are worth nothing); the total is the LP optimum >= v(N)."""
    from symbiograph.datasets import synthetic

    network = synthetic(60, seed=seed, region_km=6)
    candidates = find_candidates(network).candidates
    game = CoalitionGame(network, candidates)
    if game.n > 14:
        keep = set(game.players[:14])
        inside = candidates["supply_organisation"].isin(keep) & candidates[
            "demand_organisation"
        ].isin(keep)
        game = CoalitionGame(network, candidates[inside].reset_index(drop=True))
    assert int(game.problem.tables.candidates["fixed_cost_per_yr"].gt(0).sum()) > 0
    values = game.values()
    dual = dual_allocation(game).to_numpy()
    masks = np.arange(1 << game.n)
    bits = (masks[:, None] >> np.arange(game.n)) & 1
    allocated = bits @ dual
    scale = max(1.0, abs(values[-1]))
    assert (allocated >= values - 1e-6 * scale).all()
    assert dual.sum() >= values[-1] - 1e-6 * scale


def test_a_link_too_dear_to_build_costs_its_organisations_nothing() -> None:
    """D could pipe 100 m3 of water to E, but the pipe's fixed cost is far above the 200
    EUR/yr it would save: the link stays unbuilt and its (negative) reduced cost must not
    be charged to D and E, who get 0 like everyone who gains nothing."""
    doc = network_document(_network())
    doc["resources"].append({"id": "w", "name": "Water", "kind": "water", "unit": "m3/yr"})
    doc["facilities"] += [_plant("d", "D", 11.0), _plant("e", "E", 11.01)]
    doc["streams"] += [
        {"id": "sd", "facility_id": "d", "resource_id": "w", "direction": "supply",
         "quantity": 100, "price": 1},
        {"id": "de", "facility_id": "e", "resource_id": "w", "direction": "demand",
         "quantity": 100, "price": 1},
    ]  # fmt: skip
    doc["transport_modes"].append(
        {"mode": "pipeline", "cost_per_tkm": 0.0, "co2e_kg_per_tkm": 0.0, "detour_factor": 1.0,
         "pipeline_capex_per_km": 1_000_000.0}
    )  # fmt: skip
    network = network_from_document(doc)
    candidates = find_candidates(network, MatchSettings(use_archetypes=False)).candidates
    game = CoalitionGame(network, candidates)
    assert {"D", "E"} <= set(game.players)
    dual = dual_allocation(game)
    assert dual["D"] == pytest.approx(0.0, abs=1e-6) and dual["E"] == pytest.approx(0.0, abs=1e-6)
    assert dual.sum() == pytest.approx(5000)
    assert in_core(game.values(), dual.to_numpy(), tol=1e-6)


def test_values_shared_among_processes_are_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    from symbiograph.allocate import _coalitions
    from symbiograph.datasets import synthetic

    network = synthetic(60, seed=7, region_km=6)
    candidates = find_candidates(network).candidates
    keep = set(
        pd.concat([candidates["supply_organisation"], candidates["demand_organisation"]])
        .value_counts()
        .index[:9]
    )
    inside = candidates["supply_organisation"].isin(keep) & candidates["demand_organisation"].isin(
        keep
    )
    candidates = candidates[inside].reset_index(drop=True)
    alone = CoalitionGame(network, candidates).values()
    monkeypatch.setattr(_coalitions, "PARALLEL_FROM", 1)
    monkeypatch.setattr(_coalitions, "CHUNK_MASKS", 50)
    with ProcessPool(2) as pool:
        shared = CoalitionGame(network, candidates, executor=pool)
        assert shared.values() == pytest.approx(alone, rel=1e-9, abs=1e-6)
    assert shared.solves > 0  # the workers' solves are counted
    # chunks solved in this process give the same values, bit for bit, as in the pool
    here = CoalitionGame(network, candidates)
    assert np.array_equal(here.values(), shared.values())


def test_allocate_cli_values_coalitions_under_the_policy_levers(tmp_path: Any) -> None:
    """A landfill tax of 10 EUR/t on A's landfilled gypsum adds 10 EUR/t to every exchange
    from A: the grand coalition's gain becomes 100 t x (20 + 10 + 30) = 6,000 EUR/yr and
    every method shares that, not the 5,000 without the tax."""
    import yaml
    from typer.testing import CliRunner

    from symbiograph.cli import app

    doc = network_document(_network())
    for stream in doc["streams"]:
        if stream["id"] == "sa":
            stream["disposal_route"] = "landfill"
    path = tmp_path / "park.yaml"
    path.write_text(yaml.safe_dump(doc))
    out = tmp_path / "alloc"
    args = ["allocate", str(path), "--out", str(out), "--landfill-tax", "10"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    shares = pd.read_csv(out / "allocation.csv").set_index("participant")
    assert shares["shapley"].sum() == pytest.approx(6000)
    assert shares["nucleolus"].sum() == pytest.approx(6000)
    bad = CliRunner().invoke(app, ["allocate", str(path), "--out", str(out), "--ci-share", "2"])
    assert bad.exit_code == 2 and "--ci-share" in bad.output
