"""Properties of the allocations of design games on random small networks (hypothesis):
efficiency against an independent fresh design, symmetry of twin organisations, null
players, additivity over disconnected parts, and the coverage of sampled Shapley's
confidence intervals."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from symbiograph.allocate import CoalitionGame, shapley_exact
from symbiograph.io import network_from_document
from symbiograph.match import MatchSettings, find_candidates
from symbiograph.optimize import DesignSettings, design_network

EXACT = DesignSettings(mip_gap=1e-9)
MATCH = MatchSettings(use_archetypes=False)
RESOURCES = {
    "g": {"id": "g", "name": "Gypsum", "kind": "material", "unit": "t/yr"},
    "a": {"id": "a", "name": "Fly ash", "kind": "material", "unit": "t/yr"},
    "w": {"id": "w", "name": "Cooling water", "kind": "water", "unit": "m3/yr"},
}
TRUCK = {"mode": "truck", "cost_per_tkm": 0.5, "co2e_kg_per_tkm": 0.1, "detour_factor": 1.0}

# one stream: (resource, direction, quantity, price)
stream_st = st.tuples(
    st.sampled_from(["g", "g", "w"]),
    st.sampled_from(["supply", "demand"]),
    st.integers(10, 1000),
    st.integers(0, 50),
)
# an organisation: its position east of the park's origin (metres) and its streams
org_st = st.tuples(st.integers(0, 3000), st.lists(stream_st, min_size=1, max_size=2))
park_st = st.lists(org_st, min_size=3, max_size=5)


def _doc(park: list[Any], prefix: str = "O", lon: float = 11.0, rename: str = "") -> dict:
    """A network document of organisations ``prefix``0.. with one plant each."""
    facilities, streams, used = [], [], set()
    for k, (metres, flows) in enumerate(park):
        fid = f"{prefix.lower()}{k}"
        facilities.append(
            {
                "id": fid,
                "name": fid,
                "organisation": f"{prefix}{k}",
                "nace_code": "23.62",
                "lat": 55.0,
                "lon": lon + metres / 63_800,  # ~63.8 km per degree of longitude at 55 N
            }
        )
        for j, (resource, direction, quantity, price) in enumerate(flows):
            resource = rename or resource
            used.add(resource)
            streams.append(
                {
                    "id": f"{fid}_{j}",
                    "facility_id": fid,
                    "resource_id": resource,
                    "direction": direction,
                    "quantity": quantity,
                    "price": price,
                }
            )
    return {
        "resources": [RESOURCES[r] for r in sorted(used)],
        "facilities": facilities,
        "streams": streams,
        "transport_modes": [TRUCK],
    }


def _merge(*docs: dict) -> dict:
    merged: dict[str, list[Any]] = {"resources": [], "facilities": [], "streams": []}
    for doc in docs:
        for key in merged:
            merged[key] += [row for row in doc[key] if row not in merged[key]]
    return {**merged, "transport_modes": [TRUCK]}


def _game(doc: dict) -> tuple[Any, Any, CoalitionGame]:
    network = network_from_document(doc)
    candidates = find_candidates(network, MATCH).candidates
    return network, candidates, CoalitionGame(network, candidates, EXACT)


def _shares(game: CoalitionGame) -> dict[str, float]:
    return dict(zip(game.players, game.shapley(), strict=True))


SLOW = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True
)


@pytest.mark.slow
@SLOW
@given(park_st)
def test_efficiency_against_an_independent_design(park: list[Any]) -> None:
    """Shares add up to v(N), and v(N) is what a fresh design of the whole network earns."""
    network, candidates, game = _game(_doc(park))
    assume(game.n > 0)
    phi = game.shapley().to_numpy()
    fresh = design_network(network, candidates, EXACT).net_benefit
    assert phi.sum() == pytest.approx(max(fresh, 0.0), rel=1e-6, abs=1e-3)
    # the part-by-part Shapley value is the one of the whole 2**n table
    assert phi == pytest.approx(shapley_exact(game.values()), rel=1e-9, abs=1e-6)


@pytest.mark.slow
@SLOW
@given(park_st, st.data())
def test_twin_organisations_get_the_same(park: list[Any], data: st.DataObject) -> None:
    """An organisation and an exact copy of it (same place, same streams) are symmetric
    players: they get the same share."""
    k = data.draw(st.integers(0, len(park) - 1), label="twinned")
    _, _, game = _game(_doc([*park, park[k]]))
    shares = _shares(game)
    original, twin = f"O{k}", f"O{len(park)}"
    if original in shares:
        assert shares[original] == pytest.approx(shares[twin], rel=1e-7, abs=1e-4)


@pytest.mark.slow
@SLOW
@given(park_st)
def test_an_organisation_nobody_gains_from_gets_nothing(park: list[Any]) -> None:
    """A null player: a gypsum supplier at least 9.7 km from everyone, with free disposal,
    so every exchange from it loses money (at least 4.8 EUR/t of trucking against virgin
    prices of at most 2 EUR/t), gets 0 and changes nobody's share."""
    cheap = [(m, [(r, d, q, min(p, 2)) for r, d, q, p in flows]) for m, flows in park]
    base = _doc(cheap)
    far = _doc([(0, [("g", "supply", 500, 0)])], prefix="Z", lon=11.2)
    _, candidates, game = _game(_merge(base, far))
    shares = _shares(game)
    assume("Z0" in shares)  # some demand for gypsum in this park
    assert (candidates.loc[candidates["supply_organisation"] == "Z0", "route_km"] > 9.6).all()
    assert shares["Z0"] == pytest.approx(0.0, abs=1e-6)
    without = _shares(_game(base)[2])
    assert {p: s for p, s in shares.items() if p != "Z0"} == pytest.approx(
        {p: without.get(p, 0.0) for p in shares if p != "Z0"}, rel=1e-7, abs=1e-4
    )


@pytest.mark.slow
@SLOW
@given(park_st, park_st)
def test_additivity_over_disconnected_parts(first: list[Any], second: list[Any]) -> None:
    """Two parks with no candidate between them (different resources): the joint game's
    shares are each park's own shares."""
    one = _doc(first, prefix="A", rename="g")
    two = _doc(second, prefix="B", rename="a")
    joint = _shares(_game(_merge(one, two))[2])
    apart = {**_shares(_game(one)[2]), **_shares(_game(two)[2])}
    assert joint == pytest.approx(apart, rel=1e-7, abs=1e-4)


def test_sampled_intervals_cover_the_exact_shares_at_about_the_nominal_rate() -> None:
    """Over 60 independent runs of 12 antithetic permutations on one network game, the 95%
    intervals of the players with sampling noise cover the exact Shapley value about 95% of
    the time."""
    rng = np.random.default_rng(5)
    park = [
        (
            int(rng.integers(0, 2000)),
            [
                ("g", "supply" if k % 2 else "demand", int(rng.integers(50, 500)), int(p))
                for p in rng.integers(5, 50, size=1)
            ],
        )
        for k in range(7)
    ]
    _, _, game = _game(_doc(park))
    exact = game.shapley()
    hits = trials = 0
    for seed in range(60):
        estimate, halfwidth, used = game.shapley_sampled(
            seed=seed, target_halfwidth=0.0, exact_up_to=0, max_permutations=24, batch=24
        )
        assert used == 24
        noisy = halfwidth > 1e-9
        hits += int((np.abs(estimate - exact)[noisy] <= halfwidth[noisy]).sum())
        trials += int(noisy.sum())
    assert trials >= 100
    assert 0.88 <= hits / trials <= 0.995
