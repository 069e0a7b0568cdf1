"""The design refuses what does not align, and says how the solver ended: misaligned
candidates are an InputError naming the row and field, a stop without a solution is a
SolverError, a stop with an incumbent is flagged with its gap; the three phases are timed
and the money terms and giver/taker shares live in the solution."""

from __future__ import annotations

from functools import cache
from typing import Any

import numpy as np
import pandas as pd
import pytest

from symbiograph.datasets import synthetic
from symbiograph.errors import InputError, SolverError
from symbiograph.io import network_from_document
from symbiograph.match import MatchSettings, find_candidates
from symbiograph.model import Network
from symbiograph.optimize import (
    TERMS,
    DesignSettings,
    build_design,
    design_network,
    extract_design,
    solve_design,
    solve_model,
)

KM_PER_DEG = 6371.0088 * 3.141592653589793 / 180.0


def _network() -> Network:
    """A power station 10 km from a board plant: 100 kt gypsum offered, 80 kt wanted, and
    a second, idle demand of another organisation (hand-checkable: 49 EUR/t margin)."""

    def facility(fid: str, org: str, km: float) -> dict[str, Any]:
        return {
            "id": fid,
            "name": fid,
            "organisation": org,
            "nace_code": "23.62",
            "lat": 55.0 + km / KM_PER_DEG,
            "lon": 11.0,
        }

    return network_from_document(
        {
            "parameters": {"discount_rate": 0.0, "lifetime_years": 20},
            "resources": [{"id": "g", "name": "Gypsum", "kind": "material", "unit": "t/yr"}],
            "facilities": [facility("power", "P", 0), facility("board", "B", 10)],
            "streams": [
                {
                    "id": "s1",
                    "facility_id": "power",
                    "resource_id": "g",
                    "direction": "supply",
                    "quantity": 100_000,
                    "price": 20,
                    "disposal_route": "landfill",
                },
                {
                    "id": "d1",
                    "facility_id": "board",
                    "resource_id": "g",
                    "direction": "demand",
                    "quantity": 80_000,
                    "price": 30,
                },
            ],
            "transport_modes": [
                {
                    "mode": "truck",
                    "cost_per_tkm": 0.1,
                    "co2e_kg_per_tkm": 0.0,
                    "detour_factor": 1.0,
                    "pipeline_capex_per_km": 100_000,
                }
            ],
        }
    )


def _candidates(network: Network) -> pd.DataFrame:
    return find_candidates(network, MatchSettings(use_archetypes=False)).candidates


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
