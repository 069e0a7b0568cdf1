"""Hand-solvable designs: a link that pays, one the fixed cost kills, a shared corridor, a
policy lever at its break-even price, and infeasible requests named by their culprit; then
candidates that do not align, solver stops with and without an incumbent, the timed phases
and the money the solution carries."""

from __future__ import annotations

from functools import cache
from typing import Any

import numpy as np
import pandas as pd
import pytest

from scenarios import two_plants
from symbiograph.datasets import synthetic
from symbiograph.errors import InputError, SolverError
from symbiograph.io import network_from_document
from symbiograph.match import MatchSettings, find_candidates
from symbiograph.model import Network
from symbiograph.optimize import (
    TERMS,
    DesignSettings,
    InfeasibleDesign,
    build_design,
    design_network,
    extract_design,
    solve_design,
    solve_model,
)

PLAIN = MatchSettings(use_archetypes=False)


def _doc(capex_per_km: float = 0.0, cost_per_tkm: float = 0.1, **params: Any) -> dict[str, Any]:
    """Power station 10 km south of a board plant; 100 kt gypsum offered, 80 kt wanted."""
    return two_plants(
        {"discount_rate": 0.0, "lifetime_years": 20, **params},
        resource_id="g",
        cost_per_tkm=cost_per_tkm,
        co2e_kg_per_tkm=0.0,
        capex_per_km=capex_per_km,
    )


def _solve(
    doc: dict[str, Any],
    settings: DesignSettings | None = None,
    corridors: pd.DataFrame | None = None,
) -> Any:
    net = network_from_document(doc)
    candidates = find_candidates(net, PLAIN).candidates
    return design_network(net, candidates, settings, corridors)


def test_link_pays_off() -> None:
    # 49 EUR/t x 80,000 t = 3.92 MEUR/yr against 100 kEUR/km x 10 km / 20 yr = 50 kEUR/yr
    sol = _solve(_doc(capex_per_km=100_000))
    row = sol.flows.iloc[0]
    assert row["built"] and row["flow"] == pytest.approx(80_000)
    assert sol.objective["fixed_cost"] == pytest.approx(-50_000)
    assert sol.net_benefit == pytest.approx(49 * 80_000 - 50_000)
    # the supply has 20,000 t left over: one more tonne is worth nothing; one more tonne of
    # demand is worth its 49 EUR/t margin
    duals = sol.duals.set_index("stream_id")["shadow_price"]
    assert duals["s1"] == pytest.approx(0.0, abs=1e-6)
    assert duals["d1"] == pytest.approx(49.0)


def test_fixed_cost_kills_the_link() -> None:
    # 10 MEUR/km x 10 km / 20 yr = 5 MEUR/yr > 3.92 MEUR/yr of margin
    sol = _solve(_doc(capex_per_km=10_000_000))
    assert not sol.flows["built"].any()
    assert sol.flows["flow"].sum() == 0
    assert sol.net_benefit == pytest.approx(0.0)


def test_landfill_tax_flips_the_decision_at_break_even() -> None:
    # disposal free today, virgin 10 EUR/t, transport 3 EUR/t.km x 10 km = 30 EUR/t, fixed
    # 10 kEUR/km x 10 km / 20 yr = 5 kEUR/yr, 1,000 t: build iff 1000 (T - 20) > 5000: T > 25
    doc = _doc(capex_per_km=10_000, cost_per_tkm=3.0)
    doc["streams"][0].update(quantity=1000, price=0)
    doc["streams"][1].update(quantity=1000, price=10)
    below = _solve(doc, DesignSettings(landfill_tax=24.9))
    above = _solve(doc, DesignSettings(landfill_tax=25.1))
    assert not below.flows["built"].any()
    assert above.flows["built"].all() and above.flows["flow"].iloc[0] == pytest.approx(1000)
    assert above.net_benefit == pytest.approx(1000 * 5.1 - 5000)


def _two_pairs(members: tuple[str, ...]) -> tuple[Any, pd.DataFrame]:
    doc = _doc(cost_per_tkm=0.0)
    doc["resources"].append({"id": "h", "name": "Ash", "kind": "material", "unit": "t/yr"})
    doc["streams"] = [
        {
            "id": "s1",
            "facility_id": "power",
            "resource_id": "g",
            "direction": "supply",
            "quantity": 1000,
            "price": 5,
        },
        {
            "id": "d1",
            "facility_id": "board",
            "resource_id": "g",
            "direction": "demand",
            "quantity": 1000,
            "price": 5,
        },
        {
            "id": "s2",
            "facility_id": "power",
            "resource_id": "h",
            "direction": "supply",
            "quantity": 1000,
            "price": 5,
        },
        {
            "id": "d2",
            "facility_id": "board",
            "resource_id": "h",
            "direction": "demand",
            "quantity": 1000,
            "price": 5,
        },
    ]
    net = network_from_document(doc)
    candidates = find_candidates(net, PLAIN).candidates
    ids = candidates.set_index("supply_id")["candidate_id"]
    corridor = pd.DataFrame(
        {
            "corridor_id": ["conveyor"],
            "fixed_cost_per_yr": [15_000.0],
            "capacity": [5000.0],
            "candidate_ids": [tuple(ids[m] for m in members)],
        }
    )
    keep = candidates[candidates["supply_id"].isin(members)]
    return (net, keep), corridor


def test_shared_corridor_pays_only_when_shared() -> None:
    # each pair earns 10 EUR/t x 1000 t = 10 kEUR/yr; the corridor costs 15 kEUR/yr
    (net, both), corridor = _two_pairs(("s1", "s2"))
    sol = design_network(net, both, corridors=corridor)
    assert sol.flows["built"].all() and sol.flows["flow"].sum() == pytest.approx(2000)
    assert sol.net_benefit == pytest.approx(20_000 - 15_000)
    (net, one), corridor = _two_pairs(("s1",))
    alone = design_network(net, one, corridors=corridor)
    assert not alone.flows["built"].any() and alone.net_benefit == pytest.approx(0.0)


def test_infeasible_request_names_the_culprit() -> None:
    doc = _doc()
    doc["exchanges"] = [
        {
            "id": "x1",
            "supply_id": "s1",
            "demand_id": "d1",
            "quantity": 120_000,
            "status": "existing",
        }
    ]
    doc["streams"][1]["quantity"] = 150_000
    # the readers refuse an existing exchange above its supply (100,000 t/yr), so the network
    # handed to the optimiser through the Python API carries it after reading
    doc["exchanges"][0]["quantity"] = 100_000
    net = network_from_document(doc)
    net.exchanges.loc[0, "quantity"] = 120_000.0
    candidates = find_candidates(net, PLAIN).candidates
    with pytest.raises(InfeasibleDesign) as info:
        design_network(net, candidates, DesignSettings(keep_existing=True))
    culprit = info.value.culprits.iloc[0]
    assert culprit["group"] == "keep" and culprit["shortfall"] == pytest.approx(20_000)
    assert "s1 -> d1" in str(info.value)
    with pytest.raises(InfeasibleDesign, match="CO2e target cannot be reached"):
        _solve(_doc(), DesignSettings(min_co2e_t=1e9))


def test_individual_rationality_keeps_everyone_whole() -> None:
    # the taker pays transport 0.1 x 10 = 1 EUR/t and gains 30: fine; make the giver lose:
    # negative disposal price (it sells the gypsum today for 5 EUR/t)
    doc = _doc()
    doc["streams"][0]["price"] = -5
    free = _solve(doc)
    fair = _solve(doc, DesignSettings(individual_rationality=True))
    p = free.participants.set_index("organisation")["net_benefit"]
    assert p["P"] < 0 < p["B"]  # at zero transfer price the giver loses 5 EUR/t
    assert (fair.participants["net_benefit"] >= -1e-6).all()
    assert fair.flows["flow"].sum() == pytest.approx(0.0)


def test_shadow_prices_without_fixed_costs() -> None:
    # no binaries: a pure LP. Demand 80 kt binds: one more tonne wanted earns 49 EUR
    sol = _solve(_doc())
    duals = sol.duals.set_index("stream_id")["shadow_price"]
    assert duals["d1"] == pytest.approx(49.0) and duals["s1"] == pytest.approx(0.0, abs=1e-9)
    # make the supply the scarce side: now one more tonne supplied earns 49 EUR
    doc = _doc()
    doc["streams"][0]["quantity"] = 50_000
    duals = _solve(doc).duals.set_index("stream_id")["shadow_price"]
    assert duals["s1"] == pytest.approx(49.0) and duals["d1"] == pytest.approx(0.0, abs=1e-9)


def test_pareto_front_runs_from_money_best_to_co2_best() -> None:
    from symbiograph.datasets import kalundborg
    from symbiograph.optimize import pareto_front

    network = kalundborg()
    candidates = find_candidates(network).candidates
    front = pareto_front(network, candidates, points=5)
    assert len(front) == 5 and (front["status"] == "optimal").all()
    # along the front CO2e rises and money falls (each point maximises money at its epsilon)
    assert (front["co2e_avoided_t"].diff().dropna() >= -1e-6).all()
    assert (front["net_benefit"].diff().dropna() <= 1e-3).all()
    assert front["co2e_avoided_t"].iloc[-1] >= front["co2e_avoided_t"].iloc[0]
    assert not front["dominated"].any()


def test_optimize_cli_writes_tables_and_report(tmp_path: Any) -> None:
    from typer.testing import CliRunner

    from symbiograph.cli import app

    result = CliRunner().invoke(
        app,
        [
            "optimize",
            "--dataset",
            "kalundborg",
            "--out",
            str(tmp_path),
            "--pareto",
            "3",
            "--carbon-price",
            "80",
        ],
    )
    assert result.exit_code == 0, result.output
    for name in (
        "flows.csv",
        "objective.csv",
        "participants.csv",
        "duals.csv",
        "pareto.csv",
        "summary.json",
        "report.html",
    ):
        assert (tmp_path / name).is_file(), name
    flows = pd.read_csv(tmp_path / "flows.csv")
    objective = pd.read_csv(tmp_path / "objective.csv")
    # every figure in the report is reproducible from its own tables
    assert flows["net_benefit"].sum() == pytest.approx(objective["value"].sum(), rel=1e-9)
    html = (tmp_path / "report.html").read_text()
    assert "Chosen exchanges" in html and "Pareto" in html
    assert "<script src" not in html and "<link" not in html  # nothing fetched at view time


def test_blending_lets_an_off_spec_supply_in_with_a_better_one() -> None:
    # demand needs purity >= 90; supply A has 95 (100 t), supply B 80 (100 t); 150 t wanted.
    # Alone only A qualifies (100 t). Blended: (95 x 100 + 80 b) / (100 + b) >= 90 -> b <= 50
    doc = _doc()
    doc["facilities"].append(
        {
            "id": "mine",
            "name": "Mine",
            "organisation": "M",
            "nace_code": "08.11",
            "lat": 55.0,
            "lon": 11.01,
        }
    )
    doc["streams"] = [
        {
            "id": "a",
            "facility_id": "power",
            "resource_id": "g",
            "direction": "supply",
            "quantity": 100,
            "price": 20,
            "quality": {"purity_pct": 95},
        },
        {
            "id": "b",
            "facility_id": "mine",
            "resource_id": "g",
            "direction": "supply",
            "quantity": 100,
            "price": 20,
            "quality": {"purity_pct": 80},
        },
        {
            "id": "d1",
            "facility_id": "board",
            "resource_id": "g",
            "direction": "demand",
            "quantity": 150,
            "price": 30,
            "quality": {"purity_pct": [90, None]},
        },
    ]
    net = network_from_document(doc)
    strict = find_candidates(net, PLAIN).candidates
    assert list(strict["supply_id"]) == ["a"]
    blend = find_candidates(
        net, MatchSettings(use_archetypes=False, allow_blending=True)
    ).candidates
    assert dict(zip(blend["supply_id"], blend["needs_blend"], strict=True)) == {
        "a": False,
        "b": True,
    }
    assert "only in a blend" in blend.set_index("supply_id").loc["b", "explanation"]
    sol = design_network(net, blend)
    flows = sol.flows.set_index("supply_id")["flow"]
    assert flows["a"] == pytest.approx(100) and flows["b"] == pytest.approx(50)
    received = (95 * flows["a"] + 80 * flows["b"]) / (flows["a"] + flows["b"])
    assert received == pytest.approx(90)


def test_review_says_which_documented_exchanges_stay_and_why() -> None:
    from symbiograph.optimize import review_documented

    doc = _doc(capex_per_km=10_000_000)  # a fixed cost the margin cannot carry
    # an existing exchange whose link must be built anew (infrastructure: new)
    doc["exchanges"] = [
        {
            "id": "x1",
            "supply_id": "s1",
            "demand_id": "d1",
            "quantity": 80_000,
            "status": "existing",
            "infrastructure": "new",
        }
    ]
    net = network_from_document(doc)
    candidates = find_candidates(net, PLAIN).candidates
    review = review_documented(net.exchanges, candidates, design_network(net, candidates)).iloc[0]
    assert review["verdict"] == "dropped" and "fixed cost 5,000,000/yr exceeds" in review["reason"]
    # the same exchange over the link it runs on today: the capital is sunk, so it stays
    del doc["exchanges"][0]["infrastructure"]
    sunk = network_from_document(doc)
    candidates = find_candidates(sunk, PLAIN).candidates
    stays = review_documented(sunk.exchanges, candidates, design_network(sunk, candidates)).iloc[0]
    assert stays["verdict"] == "kept"
    cheap = network_from_document(_doc())
    cheap.exchanges = net.exchanges
    candidates = find_candidates(cheap, PLAIN).candidates
    kept = review_documented(cheap.exchanges, candidates, design_network(cheap, candidates)).iloc[0]
    assert kept["verdict"] == "kept" and kept["design_flow"] == pytest.approx(80_000)


# ----------------------------------------------------------------------------- alignment,
# solver statuses, phases: the design refuses what does not align and says how the solver
# ended (misaligned candidates are an InputError naming the row and field, a stop without a
# solution a SolverError, a stop with an incumbent is flagged with its gap); the three
# phases are timed; the money terms and giver/taker shares live in the solution


def _network() -> Network:
    """The gypsum link that pays (see test_link_pays_off): 49 EUR/t over 80 kt, 50 kEUR/yr."""
    return network_from_document(_doc(capex_per_km=100_000))


def _candidates(network: Network) -> pd.DataFrame:
    return find_candidates(network, PLAIN).candidates


def test_the_hand_checked_design_still_holds() -> None:
    net = _network()
    sol = design_network(net, _candidates(net))
    assert sol.net_benefit == pytest.approx(49 * 80_000 - 50_000)
    assert sol.status == "optimal" and sol.optimal


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("supply_id", "nowhere", "supply_id 'nowhere' is no stream of the network"),
        ("demand_id", "nowhere", "demand_id 'nowhere' is no stream of the network"),
        ("demand_id", "s1", "demand_id 's1' is a supply stream"),
        ("max_flow", np.nan, "max_flow must be a finite number >= 0"),
        ("transport_cost_per_unit", np.inf, "transport_cost_per_unit must be a finite number"),
        ("supply_organisation", None, "supply_organisation is missing"),
    ],
)
def test_a_misaligned_candidate_is_named_by_row_and_field(
    field: str, value: Any, words: str
) -> None:
    net = _network()
    candidates = _candidates(net)
    bad = pd.concat([candidates, candidates.assign(candidate_id="c2")], ignore_index=True)
    bad[field] = bad[field].astype(object)
    bad.loc[1, field] = value
    with pytest.raises(InputError) as caught:
        design_network(net, bad)
    assert str(caught.value).startswith("candidates row 1 (candidate 'c2')")
    assert words in str(caught.value)


def test_a_repeated_candidate_id_is_refused() -> None:
    net = _network()
    candidates = _candidates(net)
    twice = pd.concat([candidates, candidates], ignore_index=True)
    cid = candidates["candidate_id"].iloc[0]
    with pytest.raises(InputError, match=f"candidates row 1: candidate_id '{cid}' repeats row 0"):
        design_network(net, twice)


def test_a_missing_column_is_refused() -> None:
    net = _network()
    with pytest.raises(InputError, match=r"missing column.*'max_flow'"):
        design_network(net, _candidates(net).drop(columns="max_flow"))


def test_a_stream_without_a_quantity_is_refused() -> None:
    net = _network()
    candidates = _candidates(net)
    net.streams.loc[net.streams["id"] == "d1", "quantity"] = np.nan
    with pytest.raises(InputError, match="stream 'd1': quantity must be a finite number"):
        design_network(net, candidates)


def test_corridors_and_stores_must_name_what_exists() -> None:
    net = _network()
    candidates = _candidates(net)
    corridors = pd.DataFrame(
        {
            "corridor_id": ["pipe"],
            "fixed_cost_per_yr": [1000.0],
            "capacity": [1e6],
            "candidate_ids": [("no-such-candidate",)],
        }
    )
    with pytest.raises(InputError, match=r"corridor 'pipe'.*no-such-candidate"):
        design_network(net, candidates, corridors=corridors)
    stores = pd.DataFrame(
        {
            "store_id": ["tank"],
            "demand_id": ["s1"],
            "capacity": [10.0],
            "loss_per_slice": [0.0],
            "efficiency": [1.0],
            "fixed_cost_per_yr": [0.0],
        }
    )
    with pytest.raises(InputError, match=r"store 'tank'.*'s1' is not a demand stream"):
        design_network(net, candidates, DesignSettings(time_slices="monthly"), stores=stores)


def test_an_empty_candidate_table_is_a_valid_empty_design() -> None:
    # nothing matched is an answer (build nothing), not a failure: status optimal, zero
    net = _network()
    empty = _candidates(net).iloc[:0]
    sol = design_network(net, empty)
    assert sol.status == "optimal" and sol.parts == 0
    assert len(sol.flows) == 0 and sol.net_benefit == 0.0
    assert list(sol.objective.index) == list(TERMS)
    assert set(sol.timings) >= {"prepare_s", "build_s", "solve_s", "duals_s", "extract_s"}


def test_the_phases_are_timed_and_compose_to_design_network() -> None:
    net = _network()
    candidates = _candidates(net)
    build = build_design(net, candidates)
    assert len(build.batches) == 1 and build.batches[0].model.shape[1] == 2  # flow + switch
    sol = extract_design(build, solve_design(build))
    whole = design_network(net, candidates)
    pd.testing.assert_frame_equal(sol.flows, whole.flows)
    for phase in ("prepare_s", "build_s", "solve_s", "duals_s", "extract_s"):
        assert sol.timings[phase] >= 0.0


def test_the_flow_table_carries_the_money_and_the_shares_add_up() -> None:
    net = _network()
    sol = design_network(net, _candidates(net))
    row = sol.flows.iloc[0]
    # 80 kt at 20 EUR/t disposal avoided, 30 EUR/t virgin avoided, 1 EUR/t transport
    assert row["avoided_disposal"] == pytest.approx(20 * 80_000)
    assert row["avoided_virgin"] == pytest.approx(30 * 80_000)
    assert row["transport"] == pytest.approx(-1 * 80_000)
    assert row["fixed_cost"] == pytest.approx(-50_000)
    assert row["net_benefit"] == pytest.approx(row[list(TERMS)].sum())
    pd.testing.assert_series_equal(sol.flows[list(TERMS)].sum(), sol.objective, check_names=False)
    shares = sol.shares.groupby("candidate_id")[list(TERMS)].sum()
    np.testing.assert_allclose(shares.to_numpy(), sol.flows.set_index("candidate_id")[list(TERMS)])
    giver = sol.shares[sol.shares["side"] == "giver"].iloc[0]
    assert giver["organisation"] == "P" and giver["avoided_virgin"] == 0.0
    assert giver["fixed_cost"] == pytest.approx(-25_000)  # shared half and half
    by_org = sol.participants.set_index("organisation")
    assert by_org.loc["P", "as_giver"] == pytest.approx(20 * 80_000 - 25_000)
    assert by_org.loc["B", "as_taker"] == pytest.approx(29 * 80_000 - 25_000)


@cache
def _hard() -> tuple[Network, pd.DataFrame]:
    """A synthetic region whose design needs a real branch and bound (65 build switches)."""
    net = synthetic(60, seed=1)
    return net, find_candidates(net).candidates


def test_a_stop_without_a_solution_is_a_solver_error() -> None:
    net, candidates = _hard()
    with pytest.raises(SolverError, match=r"stopped \(time_limit\).*without a solution"):
        design_network(net, candidates, DesignSettings(time_limit_s=0.0, decompose=False))


def test_a_stop_with_an_incumbent_is_flagged_with_its_gap() -> None:
    net, candidates = _hard()
    best = design_network(net, candidates, DesignSettings(decompose=False))
    # stop at the first improving solution: a design, but not a proven optimum
    early = design_network(
        net,
        candidates,
        DesignSettings(decompose=False, solver_options={"mip_max_improving_sols": 1}),
    )
    assert best.optimal and best.mip_gap <= 1e-4
    assert early.status == "solution_limit" and not early.optimal
    assert early.mip_gap > 1e-4
    assert early.net_benefit <= best.net_benefit + 1e-6 * abs(best.net_benefit)
    # the incumbent is a real design: its own books balance
    assert early.flows["net_benefit"].sum() == pytest.approx(early.net_benefit)


def test_unknown_solvers_and_options_are_refused() -> None:
    net = _network()
    candidates = _candidates(net)
    with pytest.raises(InputError, match="unknown solver 'gurobi'"):
        design_network(net, candidates, DesignSettings(solver="gurobi"))  # type: ignore[arg-type]
    with pytest.raises(InputError, match="no_such_option"):
        design_network(net, candidates, DesignSettings(solver_options={"no_such_option": 1}))
    with pytest.raises(InputError, match="objective must be cost, co2, weighted"):
        DesignSettings(objective="money")  # type: ignore[arg-type]


def test_a_time_limit_with_an_incumbent_is_flagged_not_optimal() -> None:
    net, candidates = _hard()
    build = build_design(net, candidates, DesignSettings(decompose=False))
    model = build.batches[0].model
    # building nothing is a feasible design: handed over as the incumbent, then no time
    stopped = solve_model(model, time_limit_s=0.0, start=np.zeros(model.shape[1]))
    assert stopped.status == "time_limit" and stopped.has_solution and not stopped.optimal
    sol = extract_design(build, [stopped])
    assert sol.status == "time_limit" and not sol.optimal
    assert sol.mip_gap > 0  # no bound proven: the gap says how little is known
    assert sol.net_benefit == pytest.approx(stopped.objective)
