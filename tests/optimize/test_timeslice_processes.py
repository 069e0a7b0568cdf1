"""Plant processes and shared duties per time slice: activity, ratios, capacity (scaled by
each slice's share of the year) and duties hold in every slice. Hand-computed parks of
tests/scenarios.py first, then a property of random seasons."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scenarios import boiler_duty_document, heat_pump_park_document, reclamation_park_document
from symbiograph.io import network_from_document
from symbiograph.match import find_candidates
from symbiograph.model import Network
from symbiograph.optimize import DesignSettings, DesignSolution, design_network

MONTHLY = DesignSettings(mip_gap=0.0, time_slices="monthly")
DAYS = np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=float)
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _design(network: Network, settings: DesignSettings = MONTHLY) -> DesignSolution:
    return design_network(network, find_candidates(network).candidates, settings)


def _seasonal(doc: dict[str, Any], stream: str, months: str) -> dict[str, Any]:
    for row in doc["streams"]:
        if row["id"] == stream:
            row["availability"] = "seasonal"
            row["months"] = months
    return doc


def _slice_flow(solution: DesignSolution, supply: str, demand: str) -> pd.Series:
    f = solution.flows
    ids = f.loc[(f["supply_id"] == supply) & (f["demand_id"] == demand), "candidate_id"]
    s = solution.flows_by_slice
    return s[s["candidate_id"].isin(ids)].groupby("slice")["flow"].sum().reindex(MONTHS).fillna(0)


def _activity(solution: DesignSolution, process: str) -> pd.Series:
    s = solution.processes_by_slice
    s = s[s["process_id"] == process]
    return s.set_index("slice")["activity"].reindex(MONTHS)


def test_continuous_streams_give_the_annual_figure() -> None:
    solution = _design(network_from_document(reclamation_park_document()))
    assert solution.optimal
    assert round(solution.net_benefit, 2) == 1_600_000.00
    assert round(solution.objective["process_operating_cost"], 2) == -240_000.00
    # each month carries its days' share of the year
    july = _activity(solution, "reclaim")["Jul"]
    assert july == pytest.approx(800_000 * 31 / 365)


def test_effluent_only_in_july_is_treated_only_in_july() -> None:
    """W's 800,000 m3 of effluent all come in July. The plant treats at most its capacity's
    July share, 1,000,000 x 31/365 = 84,931.51 m3 (and R's effluent demand allows as much);
    S wants 800,000 x 31/365 = 67,945.21 m3 in July. Each m3 treated earns W's 0.50 less R's
    0.30; each m3 sold 2.00: (0.20 x 1,000,000 + 2.00 x 800,000) x 31/365 = 152,876.71 EUR/yr
    (the annual model says 1,600,000: it cannot see that the effluent is seasonal)."""
    network = network_from_document(_seasonal(reclamation_park_document(), "w_effluent", "7"))
    solution = _design(network)
    assert round(solution.net_benefit, 2) == 152_876.71
    activity = _activity(solution, "reclaim")
    assert activity["Jul"] == pytest.approx(1_000_000 * 31 / 365)
    assert activity.drop("Jul").abs().max() < 1e-6
    sold = _slice_flow(solution, "r_reclaimed", "s_water")
    assert sold["Jul"] == pytest.approx(800_000 * 31 / 365)
    assert sold.drop("Jul").abs().max() < 1e-6
    received = _slice_flow(solution, "w_effluent", "r_effluent")
    assert np.allclose(received.to_numpy(), activity.to_numpy(), atol=1e-6)
    assert round(_design(network, DesignSettings(mip_gap=0.0)).net_benefit, 2) == 1_600_000.00


def test_the_boiler_duty_is_filled_once_in_every_month() -> None:
    """Steam only from May to September (153 days): in those months the refinery takes its
    steam demand's share, 80,000 x 153/365 MWh (45 EUR each), and gas fills the rest of the
    duty's share (20,000 x 153/365 / 0.9 MWh); from October to April gas fills the whole
    duty share (100,000 x 212/365 / 0.9), at 40 EUR/MWh: 45 x 80,000 x 153/365 + 40 x
    (20,000 x 153 + 100,000 x 212) / 365 / 0.9 = 4,463,074.58 EUR/yr."""
    assert round(_design(network_from_document(boiler_duty_document())).net_benefit, 2) == (
        4_488_888.89
    )
    network = network_from_document(_seasonal(boiler_duty_document(), "c_steam", "5-9"))
    solution = _design(network)
    expected = 45 * 80_000 * 153 / 365 + 40 * (20_000 * 153 + 100_000 * 212) / 365 / 0.9
    assert round(expected, 2) == 4_463_074.58
    assert round(solution.net_benefit, 2) == 4_463_074.58
    steam = _slice_flow(solution, "c_steam", "f_steam")
    gas = _slice_flow(solution, "g_gas", "f_gas")
    duty = steam + 0.9 * gas
    share = pd.Series(DAYS / 365, index=MONTHS)
    assert np.allclose(duty.to_numpy(), (100_000 * share).to_numpy(), rtol=1e-9)


def test_a_candidate_process_is_built_once_for_the_year() -> None:
    """The heat pump at 1,000,000 EUR, everything continuous: the annual figure, 218,147.79,
    one switch and one annuity for the twelve months."""
    network = network_from_document(heat_pump_park_document(1_000_000))
    solution = _design(network)
    assert round(solution.net_benefit, 2) == 218_147.79
    row = solution.processes.set_index("process_id").loc["heat_pump"]
    assert bool(row["built"]) and round(row["capex"], 2) == -101_852.21
    dear = _design(network_from_document(heat_pump_park_document(10_000_000)))
    assert dear.net_benefit == 0.0 and not dear.processes["built"].iloc[0]


def test_a_minimum_load_holds_in_every_month_it_runs() -> None:
    """Effluent only in July at min_load 0.5: the plant switched on must run at half its
    share in every month, with no effluent outside July: it stays off (0)."""
    doc = _seasonal(reclamation_park_document(), "w_effluent", "7")
    doc["processes"][0]["min_load"] = 0.5
    solution = _design(network_from_document(doc))
    assert solution.net_benefit == 0.0
    assert _activity(solution, "reclaim").abs().max() < 1e-6


_QUIET = settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.fixture(scope="module")
def candidates() -> pd.DataFrame:
    """The candidates of the reclamation park with 2 Mm3/yr everywhere (the same whatever its
    seasons, ratio and plant)."""
    return find_candidates(network_from_document(_big_park())).candidates


def _big_park() -> dict[str, Any]:
    doc = reclamation_park_document()
    for row in doc["streams"]:
        row["quantity"] = 2_000_000
    return doc


@_QUIET
@given(
    months=st.sets(st.integers(1, 12), min_size=1, max_size=12),
    demand_months=st.sets(st.integers(1, 12), min_size=1, max_size=12),
    ratio=st.floats(0.1, 1.5),
    capacity=st.floats(1e4, 2e6),
    cost=st.floats(0, 3),
)
def test_outputs_never_exceed_inputs_times_ratios_in_any_slice(
    candidates: pd.DataFrame,
    months: set[int],
    demand_months: set[int],
    ratio: float,
    capacity: float,
    cost: float,
) -> None:
    doc = _big_park()
    _seasonal(doc, "w_effluent", ",".join(str(m) for m in sorted(months)))
    _seasonal(doc, "s_water", ",".join(str(m) for m in sorted(demand_months)))
    doc["processes"][0]["capacity"] = capacity
    doc["processes"][0]["operating_cost"] = cost
    doc["process_ports"][1]["ratio"] = ratio
    network = network_from_document(doc)
    solution = design_network(network, candidates, MONTHLY)
    activity = _activity(solution, "reclaim")
    received = _slice_flow(solution, "w_effluent", "r_effluent")
    sold = _slice_flow(solution, "r_reclaimed", "s_water")
    tol = 1e-6 * max(1.0, capacity, 2e6)
    share = pd.Series(DAYS / 365, index=MONTHS)
    assert (activity <= capacity * share + tol).all()  # capacity by the slice's share
    assert np.allclose(activity.to_numpy(), received.to_numpy(), atol=tol)  # all treated
    assert (sold <= ratio * activity + tol).all()  # outputs within inputs x ratios
    assert (sold <= ratio * received + tol).all()
    money = solution.flows["net_benefit"].sum() + solution.processes["net_benefit"].sum()
    assert solution.net_benefit == pytest.approx(money, rel=1e-9, abs=1e-6)
    assert solution.net_benefit >= -1e-6
    annual = design_network(network, candidates, replace(MONTHLY, time_slices="none"))
    assert solution.net_benefit <= annual.net_benefit * (1 + 1e-9) + 1e-6  # seasons only cost
