"""Properties of matching: the k-d tree search finds exactly what all-pairs finds, and more."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from symbiograph.datasets import synthetic
from symbiograph.match import MatchSettings, find_candidates, find_candidates_all_pairs


@settings(max_examples=20, deadline=None)
@given(
    n=st.integers(5, 250),
    seed=st.integers(0, 10_000),
    max_km=st.floats(0.2, 80.0),
    archetypes=st.booleans(),
)
def test_spatial_index_equals_all_pairs(n: int, seed: int, max_km: float, archetypes: bool) -> None:
    net = synthetic(n, seed=seed)
    config = MatchSettings(max_km=max_km, use_archetypes=archetypes)
    fast = find_candidates(net, config).candidates
    slow = find_candidates_all_pairs(net, config, block=37).candidates
    assert list(fast["supply_id"] + ">" + fast["demand_id"]) == list(
        slow["supply_id"] + ">" + slow["demand_id"]
    )
    assert np.allclose(fast["score"].to_numpy(), slow["score"].to_numpy())


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10_000), a=st.floats(0.5, 40.0), b=st.floats(0.5, 40.0))
def test_a_longer_reach_never_loses_candidates(seed: int, a: float, b: float) -> None:
    net = synthetic(120, seed=seed)
    near, far = sorted((a, b))
    small = find_candidates(net, MatchSettings(max_km=near, use_archetypes=False)).candidates
    large = find_candidates(net, MatchSettings(max_km=far, use_archetypes=False)).candidates
    assert set(small["supply_id"] + ">" + small["demand_id"]) <= set(
        large["supply_id"] + ">" + large["demand_id"]
    )
    assert (large["route_km"] <= far + 1e-9).all()


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 10_000), top=st.integers(1, 3))
def test_top_n_keeps_the_best_per_supply(seed: int, top: int) -> None:
    net = synthetic(150, seed=seed)
    every = find_candidates(net, MatchSettings(use_archetypes=False)).candidates
    best = find_candidates(net, MatchSettings(use_archetypes=False, top=top)).candidates
    assert (best.groupby("supply_id").size() <= top).all()
    expected = every[every["rank_in_supply"] <= top]
    assert sorted(best["supply_id"] + ">" + best["demand_id"]) == sorted(
        expected["supply_id"] + ">" + expected["demand_id"]
    )
    # ranks follow the score within each supply
    for _, group in every.groupby("supply_id"):
        assert (np.diff(group.sort_values("rank_in_supply")["score"].to_numpy()) <= 1e-9).all()
