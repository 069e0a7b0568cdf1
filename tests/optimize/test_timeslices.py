"""Time slices and storage: a heat store shifts the summer surplus into winter."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from symbiograph.io import network_from_document
from symbiograph.match import MatchSettings, find_candidates
from symbiograph.optimize import DesignSettings, design_network
from symbiograph.optimize._timeslices import monthly_slices, stream_profiles

SUMMER_DAYS = 31 + 30 + 31 + 31 + 30  # May to September


def _heat_network() -> Any:
    """1,000 MWh of surplus heat from May to September; 1,000 MWh/yr wanted all year at
    40 EUR/MWh; the pipe costs nothing, so only timing limits the exchange."""
    doc: dict[str, Any] = {
        "resources": [{"id": "heat", "name": "Heat", "kind": "energy", "unit": "MWh/yr"}],
        "facilities": [
            {
                "id": "a",
                "name": "Plant",
                "organisation": "A",
                "nace_code": "35.11",
                "lat": 55.0,
                "lon": 11.0,
            },
            {
                "id": "b",
                "name": "Greenhouse",
                "organisation": "B",
                "nace_code": "01.13",
                "lat": 55.005,
                "lon": 11.0,
            },
        ],
        "streams": [
            {
                "id": "s",
                "facility_id": "a",
                "resource_id": "heat",
                "direction": "supply",
                "quantity": 1000,
                "price": 0,
                "availability": "seasonal",
                "months": "5-9",
            },
            {
                "id": "d",
                "facility_id": "b",
                "resource_id": "heat",
                "direction": "demand",
                "quantity": 1000,
                "price": 40,
            },
        ],
        "transport_modes": [
            {
                "mode": "pipeline",
                "cost_per_tkm": 0.0,
                "co2e_kg_per_tkm": 0.0,
                "detour_factor": 1.0,
                "pipeline_capex_per_km": 0.0,
            }
        ],
    }
    network = network_from_document(doc)
    settings = MatchSettings(
        use_archetypes=False, heat_loss_share_per_km=0.0, heat_loss_C_per_km=0.0
    )
    return network, find_candidates(network, settings).candidates


def _store(capacity: float, efficiency: float = 1.0) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "store_id": ["tank"],
            "demand_id": ["d"],
            "capacity": [capacity],
            "loss_per_slice": [0.0],
            "efficiency": [efficiency],
            "fixed_cost_per_yr": [0.0],
        }
    )


def test_profiles_follow_the_seasons() -> None:
    network, _ = _heat_network()
    profile = stream_profiles(network, np.array(["s", "d"]), monthly_slices())
    assert profile.sum(axis=1) == pytest.approx([1.0, 1.0])
    assert profile[0, :4].sum() == 0 and profile[0, 9:].sum() == 0
    assert profile[0, 4] == pytest.approx(31 / SUMMER_DAYS)
    assert profile[1, 0] == pytest.approx(31 / 365)


def test_annual_mode_sees_no_timing_problem() -> None:
    network, candidates = _heat_network()
    sol = design_network(network, candidates)
    assert sol.flows["flow"].sum() == pytest.approx(1000)


def test_without_a_store_only_the_summer_overlap_is_used() -> None:
    network, candidates = _heat_network()
    sol = design_network(network, candidates, DesignSettings(time_slices="monthly"))
    overlap = 1000 * SUMMER_DAYS / 365
    assert sol.flows["flow"].sum() == pytest.approx(overlap)
    assert sol.net_benefit == pytest.approx(40 * overlap)
    by_month = sol.flows_by_slice.set_index("slice")["flow"]
    assert by_month["Jan"] == pytest.approx(0) and by_month["Jul"] == pytest.approx(1000 * 31 / 365)


def test_a_heat_store_shifts_the_summer_surplus() -> None:
    network, candidates = _heat_network()
    monthly = DesignSettings(time_slices="monthly")
    big = design_network(network, candidates, monthly, stores=_store(1000))
    assert big.flows["flow"].sum() == pytest.approx(1000)  # everything is used
    assert big.net_benefit == pytest.approx(40 * 1000)
    levels = big.storage.set_index("slice")["level"]
    assert levels["Sep"] > levels["Apr"] - 1e-9  # full after summer, empty after winter
    small = design_network(network, candidates, monthly, stores=_store(200))
    overlap = 1000 * SUMMER_DAYS / 365
    assert small.net_benefit == pytest.approx(40 * (overlap + 200))
    # a lossy store (90 % of a charge arrives) still serves 200 MWh but needs more heat sent
    lossy = design_network(network, candidates, monthly, stores=_store(200, efficiency=0.9))
    assert lossy.net_benefit == pytest.approx(40 * (overlap + 200))
    assert lossy.flows["flow"].sum() == pytest.approx(overlap + 200 / 0.9)


def test_representative_days_profiles_follow_the_seasons() -> None:
    from symbiograph.optimize import representative_days

    days = representative_days()
    assert len(days) == 96 and days.share.sum() == pytest.approx(1.0)
    assert days.repeats.sum() == pytest.approx(24 * 365)
    network, _ = _heat_network()
    profile = stream_profiles(network, np.array(["s", "d"]), days)
    assert profile.sum(axis=1) == pytest.approx([1.0, 1.0])
    by_slice = dict(zip(days.names, profile[0], strict=True))
    assert by_slice["winter-12"] == 0
    # May to September: an hour of summer stands for 92 available days, one of spring for
    # May's 31 (of 92), one of autumn for September's 30 (of 91)
    assert by_slice["spring-12"] / by_slice["summer-12"] == pytest.approx(31 / 92)
    assert by_slice["autumn-03"] / by_slice["summer-03"] == pytest.approx(30 / 92)


def _solar_network() -> Any:
    """8,760 MWh/yr of daytime heat (08:00-16:00, 3 MWh/h on every day), a demand of
    8,760 MWh/yr (1 MWh/h round the clock) at 40 EUR/MWh, a free pipe."""
    network, _ = _heat_network()
    doc_streams = network.streams.copy()
    doc_streams.loc[doc_streams["id"] == "s", ["availability", "months", "timeseries_id"]] = [
        "timeseries",
        "",
        "sun",
    ]
    doc_streams["quantity"] = 8760.0
    steps = np.arange(1, 97)
    level = np.where(((steps - 1) % 24 >= 8) & ((steps - 1) % 24 < 16), 3.0, 0.0)
    series = pd.DataFrame({"id": ["sun"] * 96, "step": steps, "value": level})
    from dataclasses import replace

    network = replace(network, streams=doc_streams, timeseries=series)
    settings = MatchSettings(
        use_archetypes=False, heat_loss_share_per_km=0.0, heat_loss_C_per_km=0.0
    )
    return network, find_candidates(network, settings).candidates


@pytest.mark.parametrize(("capacity", "served"), [(0.0, 2920.0), (10.0, 6570.0), (100.0, 8760.0)])
def test_a_daily_store_shifts_daytime_heat_into_the_night(capacity: float, served: float) -> None:
    """By hand: without a store only the 8 daytime hours are served (8,760 x 8/24 = 2,920
    MWh); a store of C MWh carries C MWh a day into the night (2,920 + 365 C) up to the 16
    MWh a night needs, after which the whole 8,760 MWh is served."""
    network, candidates = _solar_network()
    days = DesignSettings(time_slices="days")
    stores = _store(capacity) if capacity else None
    sol = design_network(network, candidates, days, stores=stores)
    assert sol.flows["flow"].sum() == pytest.approx(served, rel=1e-6)
    assert sol.net_benefit == pytest.approx(40 * served, rel=1e-6)
    by_slice = sol.flows_by_slice.set_index("slice")["flow"]
    assert by_slice["summer-03"] == pytest.approx(0.0, abs=1e-6)  # no sun at night
    if capacity:
        level = sol.storage.set_index("slice")["level"]
        # the store is full at the end of the sunny hours and empty before sunrise; the
        # level is summed over the season's days (92 in summer)
        assert level["summer-15"] == pytest.approx(min(capacity, 16.0) * 92, rel=1e-6)
        assert level["summer-07"] == pytest.approx(0.0, abs=1e-6)
