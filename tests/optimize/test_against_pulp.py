"""An independent check of the model: the same optimum from a second formulation written
with PuLP and solved by CBC, on small random networks (property test)."""

from __future__ import annotations

import pandas as pd
import pulp
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from symbiograph.datasets import synthetic
from symbiograph.match import MatchSettings, find_candidates
from symbiograph.model import Network
from symbiograph.optimize import DesignSettings, design_network


def _pulp_optimum(network: Network, candidates: pd.DataFrame, carbon_price: float) -> float:
    """Max sum((net + carbon price x CO2e) x) - sum(fixed y), flows within supplies/demands."""
    problem = pulp.LpProblem("design", pulp.LpMaximize)
    quantity = network.streams.set_index("id")["quantity"]
    flows, terms = {}, []
    for row in candidates.itertuples(index=False):
        x = pulp.LpVariable(f"x_{row.candidate_id}", lowBound=0, upBound=row.max_flow)
        flows[row.candidate_id] = x
        unit = row.net_benefit_per_unit + carbon_price * row.co2e_t_per_unit
        terms.append(unit * x)
        if row.fixed_cost_per_yr > 0:
            y = pulp.LpVariable(f"y_{row.candidate_id}", cat="Binary")
            problem += x <= row.max_flow * y
            terms.append(-row.fixed_cost_per_yr * y)
    problem += pulp.lpSum(terms)
    for supply, group in candidates.groupby("supply_id"):
        problem += pulp.lpSum(flows[c] for c in group["candidate_id"]) <= quantity[supply]
    for demand, group in candidates.groupby("demand_id"):
        problem += (
            pulp.lpSum(
                r * flows[c]
                for c, r in zip(group["candidate_id"], group["demand_units_per_unit"], strict=True)
            )
            <= quantity[demand]
        )
    problem.solve(pulp.PULP_CBC_CMD(msg=False, gapRel=1e-9))
    assert pulp.LpStatus[problem.status] == "Optimal"
    return float(pulp.value(problem.objective) or 0.0)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    n=st.integers(8, 60),
    seed=st.integers(0, 100_000),
    carbon_price=st.sampled_from([0.0, 50.0, 150.0]),
)
def test_same_optimum_as_pulp(n: int, seed: int, carbon_price: float) -> None:
    network = synthetic(n, seed=seed)
    network.parameters["carbon_price"] = carbon_price
    candidates = find_candidates(network, MatchSettings(max_km=30)).candidates
    ours = design_network(network, candidates, DesignSettings(mip_gap=1e-9))
    theirs = _pulp_optimum(network, candidates, carbon_price)
    assert ours.status == "optimal"
    assert ours.net_benefit == pytest.approx(theirs, rel=1e-6, abs=1e-3)
