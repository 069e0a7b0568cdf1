"""The hard-instance options of the design: tight flow bounds and the heuristic start
change how fast the optimum is found, never the optimum; the heuristic's designs are
feasible."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from symbiograph.datasets import fixed_charge_region
from symbiograph.optimize import DesignSettings, DesignTables, build_model, design_network
from symbiograph.optimize._builder import tight_flow_bounds
from symbiograph.optimize._design import design_problem
from symbiograph.optimize._heuristics import (
    _neighbourhood,
    design_start,
    link_structure,
    primal_start,
)

EXACT = {"mip_gap": 1e-9, "time_limit_s": 60.0}


def _tables(capacity: float, supply: float, demand: float, ratio: float) -> DesignTables:
    candidates = pd.DataFrame(
        {
            "candidate_id": ["c"],
            "supply_pos": [0],
            "demand_pos": [0],
            "max_flow": [capacity],
            "demand_units_per_unit": [ratio],
            "money_per_unit": [1.0],
            "co2e_t_per_unit": [0.0],
            "fixed_cost_per_yr": [10.0],
            "min_flow": [0.0],
            "corridor_pos": [-1],
            "giver_pos": [0],
            "taker_pos": [1],
            "giver_per_unit": [0.5],
            "taker_per_unit": [0.5],
            "keep": [False],
            "keep_flow": [0.0],
        }
    )
    return DesignTables(
        candidates=candidates,
        supply_ids=np.array(["s"], dtype=object),
        supply_quantity=np.array([supply]),
        demand_ids=np.array(["d"], dtype=object),
        demand_quantity=np.array([demand]),
        organisations=np.array(["A", "B"], dtype=object),
    )


@pytest.mark.parametrize(
    ("capacity", "supply", "demand", "ratio", "expected"),
    [
        (100.0, 30.0, 50.0, 2.0, 25.0),  # the demand binds: 50 units there = 25 sent
        (100.0, 20.0, 50.0, 2.0, 20.0),  # the supply binds
        (10.0, 30.0, 50.0, 1.0, 10.0),  # the pipe binds
        (100.0, 30.0, np.inf, 1.0, 30.0),  # a site without a demand limit
        (100.0, 30.0, 50.0, 0.0, 30.0),  # nothing counted at the demand
    ],
)
def test_tight_bound_is_the_smallest_limit(
    capacity: float, supply: float, demand: float, ratio: float, expected: float
) -> None:
    tables = _tables(capacity, supply, demand, ratio)
    assert tight_flow_bounds(tables) == pytest.approx([expected])
    tight, plain = build_model(tables, tight=True), build_model(tables, tight=False)
    link = tight.rows("link")[0]
    build = tight.columns("build")[0]
    assert -tight.matrix[link, build] == pytest.approx(expected)
    assert -plain.matrix[link, build] == pytest.approx(capacity)
    assert tight.col_upper[tight.columns("flow")[0]] == pytest.approx(expected)


def _region(seed: int, ns: int, nd: int, share: float, fixed: float) -> tuple:
    links = max(nd, int(share * ns * nd))
    return fixed_charge_region(ns, nd, links, fixed_share=fixed, seed=seed)


regions = st.tuples(
    st.integers(0, 10_000),
    st.integers(2, 7),
    st.integers(2, 7),
    st.floats(0.3, 1.0),
    st.floats(0.5, 1.0),
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(spec=regions)
def test_tight_model_has_the_plain_optimum(spec: tuple) -> None:
    network, candidates = _region(*spec)
    tight = design_network(
        network, candidates, DesignSettings(tight=True, heuristic="off", **EXACT)
    )
    plain = design_network(
        network, candidates, DesignSettings(tight=False, heuristic="off", **EXACT)
    )
    assert tight.status == plain.status == "optimal"
    assert tight.net_benefit == pytest.approx(plain.net_benefit, rel=1e-6, abs=1e-6)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(spec=regions)
def test_heuristic_start_keeps_the_optimum(spec: tuple) -> None:
    network, candidates = _region(*spec)
    started = design_network(network, candidates, DesignSettings(heuristic="on", **EXACT))
    plain = design_network(
        network, candidates, DesignSettings(tight=False, heuristic="off", **EXACT)
    )
    assert started.status == "optimal"
    assert started.net_benefit == pytest.approx(plain.net_benefit, rel=1e-6, abs=1e-6)
    if (candidates["fixed_cost_per_yr"] > 0).any():
        assert started.timings["heuristic_s"] > 0.0


def _assert_feasible(model, x: np.ndarray) -> None:  # type: ignore[no-untyped-def]
    tol = 1e-6
    assert np.all(x >= model.col_lower - tol)
    assert np.all(x <= model.col_upper + tol)
    assert np.allclose(x[model.integer], np.round(x[model.integer]))
    activity = model.matrix @ x
    scale = 1.0 + np.abs(activity)
    assert np.all(activity >= model.row_lower - tol * scale)
    assert np.all(activity <= model.row_upper + tol * scale)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(spec=regions, tight=st.booleans())
def test_heuristic_design_is_feasible_and_no_better_than_the_optimum(
    spec: tuple, tight: bool
) -> None:
    network, candidates = _region(*spec)
    problem = design_problem(network, candidates, DesignSettings())
    model = build_model(problem.tables, tight=tight)
    start = design_start(model, time_limit_s=5.0)
    if not model.integer.any():  # no switch to set: nothing for the heuristic to do
        assert start is None
        return
    assert start is not None
    _assert_feasible(model, start.x)
    assert float(model.cost @ start.x) == pytest.approx(start.objective, rel=1e-9, abs=1e-6)
    optimum = design_network(network, candidates, DesignSettings(heuristic="off", **EXACT))
    assert start.objective <= optimum.net_benefit * (1 + 1e-6) + 1e-6


def test_heuristic_on_a_mid_size_region_is_feasible_and_close() -> None:
    network, candidates = fixed_charge_region(40, 40, 600, seed=3)
    problem = design_problem(network, candidates, DesignSettings())
    model = build_model(problem.tables)
    start = design_start(model, time_limit_s=10.0)
    assert start is not None
    _assert_feasible(model, start.x)
    optimum = design_network(network, candidates, DesignSettings(heuristic="off", **EXACT))
    assert optimum.status == "optimal"
    assert start.objective <= optimum.net_benefit * (1 + 1e-9)
    # a start worth handing over: within a tenth of the optimum
    assert start.objective >= 0.9 * optimum.net_benefit


def test_heuristic_skips_models_whose_switches_do_more_than_link() -> None:
    network, candidates = fixed_charge_region(4, 4, 12, seed=1)
    contracts = DesignSettings(min_contract_share=0.5)
    problem = design_problem(network, candidates, contracts)
    model = build_model(problem.tables)
    assert len(model.rows("contract"))
    assert link_structure(model) is None
    start, left = primal_start(model, "on", 10.0, 0.25, 0)
    assert start is None and left == 10.0
    solved = design_network(network, candidates, DesignSettings(heuristic="on", **EXACT))
    with_contracts = design_network(
        network, candidates, DesignSettings(heuristic="on", min_contract_share=0.5, **EXACT)
    )
    assert with_contracts.status == solved.status == "optimal"
    assert with_contracts.net_benefit <= solved.net_benefit + 1e-6


def test_auto_runs_the_heuristic_only_on_large_parts() -> None:
    network, candidates = fixed_charge_region(5, 5, 15, seed=2)
    problem = design_problem(network, candidates, DesignSettings())
    model = build_model(problem.tables)
    binaries = int(model.integer.sum())
    assert primal_start(model, "auto", 10.0, 0.25, binaries + 1)[0] is None
    assert primal_start(model, "auto", 10.0, 0.25, binaries)[0] is not None
    assert primal_start(model, "off", 10.0, 0.25, 0)[0] is None


def test_settings_reject_unknown_heuristic() -> None:
    with pytest.raises(ValueError, match="heuristic"):
        DesignSettings(heuristic="sometimes")
    with pytest.raises(ValueError, match="heuristic_share"):
        DesignSettings(heuristic_share=1.0)


def test_neighbourhood_is_breadth_first_around_its_centre() -> None:
    # a path 0 - 1 - 2 - 3 - 4: three nodes around 2 are 1, 2, 3; around 0 they are 0, 1, 2
    edges = np.array([[0, 1], [1, 2], [2, 3], [3, 4]])
    path = sp.csr_matrix(
        (np.ones(8), (np.r_[edges[:, 0], edges[:, 1]], np.r_[edges[:, 1], edges[:, 0]])),
        shape=(5, 5),
    )
    rng = np.random.default_rng(0)
    assert sorted(_neighbourhood(path, 2, 3, rng)) == [1, 2, 3]
    assert sorted(_neighbourhood(path, 0, 3, rng)) == [0, 1, 2]
    assert sorted(_neighbourhood(path, 4, 99, rng)) == [0, 1, 2, 3, 4]
    # the last ring is cut to the size asked for
    assert len(_neighbourhood(path, 2, 2, rng)) == 2


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(spec=regions)
def test_local_search_over_one_region_reaches_the_optimum(spec: tuple) -> None:
    # a region as large as the whole model is the whole MILP: the search ends at its optimum
    network, candidates = _region(*spec)
    problem = design_problem(network, candidates, DesignSettings())
    model = build_model(problem.tables)
    assume(model.integer.any())
    start = design_start(model, time_limit_s=20.0, region_nodes=10_000, region_s=10.0)
    assert start is not None
    _assert_feasible(model, start.x)
    optimum = design_network(network, candidates, DesignSettings(heuristic="off", **EXACT))
    assert optimum.status == "optimal"
    assert start.objective == pytest.approx(optimum.net_benefit, rel=1e-6, abs=1e-6)
