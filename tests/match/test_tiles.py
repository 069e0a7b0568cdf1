"""Partitioned matching: supplies split into spatial tiles with a halo of the links' reach,
each tile matched as a task, merged; the candidates equal single-process matching exactly."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from symbiograph.datasets import synthetic
from symbiograph.errors import InputError
from symbiograph.match import (
    MatchResult,
    MatchSettings,
    find_candidates,
    find_candidates_tiled,
    largest_reach_km,
    spatial_tiles,
)
from symbiograph.model import Network
from symbiograph.tasks import InProcess


@lru_cache(maxsize=4)
def _region(n: int, seed: int) -> tuple[Network, MatchResult]:
    network = synthetic(n, seed=seed)
    return network, find_candidates(network)


def _assert_same(tiled: MatchResult, single: MatchResult) -> None:
    pd.testing.assert_frame_equal(tiled.candidates, single.candidates, check_exact=True)
    pd.testing.assert_series_equal(
        tiled.rejected.sort_index(), single.rejected.sort_index(), check_exact=True
    )
    pd.testing.assert_frame_equal(tiled.links, single.links, check_exact=True)
    pd.testing.assert_frame_equal(tiled.inferred, single.inferred, check_exact=True)


def _line(lons: list[float], max_km: float | None = None) -> Network:
    """Gypsum givers (odd) and takers (even) on the 55th parallel at ``lons``: one degree of
    longitude there is 63.8 km."""
    from symbiograph.io import network_from_document

    doc: dict[str, Any] = {
        "resources": [{"id": "g", "name": "Gypsum", "kind": "material", "unit": "t/yr"}],
        "facilities": [
            {
                "id": f"f{k}",
                "name": f"f{k}",
                "organisation": f"O{k}",
                "nace_code": "35.11",
                "lat": 55.0,
                "lon": lon,
            }
            for k, lon in enumerate(lons)
        ],
        "streams": [
            {
                "id": f"s{k}",
                "facility_id": f"f{k}",
                "resource_id": "g",
                "direction": "supply" if k % 2 == 0 else "demand",
                "quantity": 100,
                "price": 20 if k % 2 == 0 else 30,
            }
            for k in range(len(lons))
        ],
    }
    return network_from_document(doc)


def test_a_pair_across_a_tile_border_is_found_through_the_halo() -> None:
    """Giver s0 at 11.00 E and taker s1 at 11.05 E (3.2 km apart) fall in different 2 km
    tiles; the taker is in the giver's halo, so the pair is found once, as in one process."""
    network = _line([11.0, 11.05])
    single = find_candidates(network)
    assert single.candidates[["supply_id", "demand_id"]].values.tolist() == [["s0", "s1"]]
    tiles = spatial_tiles(network, 2.0, largest_reach_km(network))
    assert len(tiles) == 1  # one supply, one tile
    assert tiles[0].supplies.tolist() == [0] and tiles[0].demands.tolist() == [1]
    # with no halo the taker is left out of the giver's tile, and the pair is lost
    assert spatial_tiles(network, 2.0, 0.0)[0].demands.tolist() == []
    _assert_same(find_candidates_tiled(network, tile_km=2.0), single)


def test_the_halo_reaches_exactly_as_far_as_asked() -> None:
    """Takers 1.0 and 3.0 degrees east of the giver (63.8 and 191.5 km): a halo of 100 km
    holds the first only, one of 200 km both."""
    network = _line([11.0, 12.0, 50.0, 14.0])
    (tile,) = [t for t in spatial_tiles(network, 10.0, 100.0) if t.supplies.tolist() == [0]]
    assert tile.demands.tolist() == [1]
    (tile,) = [t for t in spatial_tiles(network, 10.0, 200.0) if t.supplies.tolist() == [0]]
    assert tile.demands.tolist() == [1, 3]


def test_bad_tile_sizes_are_input_errors() -> None:
    network = _line([11.0, 11.05])
    for size in (0.0, -5.0, float("nan"), float("inf")):
        with pytest.raises(InputError, match="tile_km"):
            find_candidates_tiled(network, tile_km=size)


def test_every_supply_is_in_exactly_one_tile_with_every_demand_it_matches() -> None:
    network, single = _region(150, 4)
    tiles = spatial_tiles(network, 8.0, largest_reach_km(network))
    owned = np.concatenate([t.supplies for t in tiles])
    supplies = np.flatnonzero(network.streams["direction"].to_numpy() == "supply")
    assert np.array_equal(np.sort(owned), supplies)  # each once
    index = pd.Index(network.streams["id"])
    tile_of = {int(s): t for t in tiles for s in t.supplies}
    for s, d in zip(
        index.get_indexer(single.candidates["supply_id"]),
        index.get_indexer(single.candidates["demand_id"]),
        strict=True,
    ):
        assert d in set(tile_of[int(s)].demands.tolist())


@settings(max_examples=6)
@given(tile_km=st.floats(min_value=3.0, max_value=120.0), seed=st.sampled_from([1, 5]))
def test_tiled_matching_equals_single_process_matching(tile_km: float, seed: int) -> None:
    network, single = _region(150, seed)
    assert len(single.candidates) > 50
    tiled = find_candidates_tiled(network, tile_km=tile_km, executor=InProcess())
    _assert_same(tiled, single)
    assert tiled.timings["tiles"] >= 1


@pytest.mark.parametrize(
    "match_settings",
    [MatchSettings(top=2), MatchSettings(max_km=5.0, allow_blending=True)],
    ids=["top-2", "5km-blending"],
)
def test_tiled_matching_equals_single_process_under_other_settings(
    match_settings: MatchSettings,
) -> None:
    network, _ = _region(150, 5)
    single = find_candidates(network, match_settings)
    tiled = find_candidates_tiled(network, match_settings, tile_km=6.0)
    _assert_same(tiled, single)
