"""Every archetype linking a resource pair is heard, and the best passing one is kept.

A power station's fly ash can go to a cement works (as a cement constituent) or to a concrete
plant (as a concrete addition): the shipped knowledge base has both archetypes for the same
pair of resources (fly ash -> cement, CPA 23.51), each with its own receiver sectors.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from match.kb_parks import KM_PER_DEG, fly_ash_park
from symbiograph.io import network_from_document
from symbiograph.match import MatchSettings, find_candidates


def _pair(candidates: pd.DataFrame, supply: str, demand: str) -> pd.DataFrame:
    return candidates[(candidates["supply_id"] == supply) & (candidates["demand_id"] == demand)]


def test_fly_ash_to_a_cement_works_is_matched_by_the_cement_archetype() -> None:
    """The concrete archetype (receivers 23.61/23.63) refuses a cement works (23.51); the
    cement archetype for the same resource pair accepts it and must be heard."""
    result = find_candidates(network_from_document(fly_ash_park()))
    cement = _pair(result.candidates, "ash", "clinker_at_cement_works")
    assert list(cement["archetype_id"]) == ["fly_ash_to_cement_constituent"]
    assert cement["substitution_ratio"].iloc[0] == pytest.approx(0.9)
    concrete = _pair(result.candidates, "ash", "cement_at_concrete_plant")
    assert list(concrete["archetype_id"]) == ["fly_ash_to_concrete"]
    assert concrete["substitution_ratio"].iloc[0] == pytest.approx(0.8)
    # a stream pair is one candidate however many archetypes link it
    assert not result.candidates.duplicated(["supply_id", "demand_id"]).any()
    assert "receiver_sector" not in result.rejected.index


def _sawdust_park() -> Any:
    doc = fly_ash_park()
    doc["resources"] = [
        {
            "id": "sawdust",
            "name": "Sawdust",
            "kind": "material",
            "unit": "t/yr",
            "ewc_code": "03 01 05",
        },
        {
            "id": "woodfuel",
            "name": "Wood fuel",
            "kind": "material",
            "unit": "t/yr",
            "cpa_code": "02.20",
        },
    ]
    doc["facilities"] = doc["facilities"][:2]
    doc["facilities"][1]["nace_code"] = "35.30"
    doc["facilities"][1]["lat"] = 55.0 + 10.0 / KM_PER_DEG
    doc["streams"] = [
        {
            "id": "s",
            "facility_id": "power",
            "resource_id": "sawdust",
            "direction": "supply",
            "quantity": 100_000,
            "price": 15,
            "disposal_route": "landfill",
            "quality": {"moisture_pct": 45},
        },
        {
            "id": "d",
            "facility_id": "cement_works",
            "resource_id": "woodfuel",
            "direction": "demand",
            "quantity": 80_000,
            "price": 50,
        },
    ]
    return network_from_document(doc)


SAWDUST_PARK = _sawdust_park()


def archetype(aid: str, ratio: float, cost: float = 12.0, **changes: Any) -> dict[str, Any]:
    """A sawdust -> wood fuel archetype; the 45 % moist sawdust needs its drying (``cost``
    per t), and 10 km by truck at 0.1 per t.km cost 1 per t."""
    row: dict[str, Any] = {
        "id": aid,
        "name": f"sawdust to wood fuel ({aid})",
        "supply_kind": "material",
        "supply_ewc": "03 01 05",
        "supply_cpa": "",
        "supply_keywords": "sawdust",
        "demand_cpa": "02.20",
        "demand_keywords": "fuel wood",
        "giver_nace": "",
        "receiver_nace": "35",
        "substitution_ratio": ratio,
        "quality_requirements": "moisture_pct<=20",
        "pretreatment": "drying",
        "pretreatment_cost_per_unit": cost,
        "pretreatment_co2e_kg_per_unit": 0.0,
        "pretreatment_fixes": "moisture_pct",
        "typical_mode": "truck",
        "max_distance_km": 100.0,
        "virgin_factor_id": "",
        "disposal_factor_id": "",
        "source": "test",
        "year": 2026,
    }
    row.update(changes)
    return row


def test_the_best_passing_archetype_is_kept() -> None:
    """Best = highest score; a failing archetype never wins, however good its figures."""
    net = _sawdust_park()
    table = pd.DataFrame(
        [
            archetype("low", 0.5),  # 15 + 25 - 1 - 12 = 27 per t, 100,000 t: 2.7 M
            archetype("high", 0.9),  # 15 + 45 - 1 - 12 = 47 per t, 88,889 t: 4.18 M
            archetype("refused", 1.0, cost=0.0, receiver_nace="23"),  # best figures, wrong sector
        ]
    )
    c = find_candidates(net, MatchSettings(), archetypes=table).candidates
    assert len(c) == 1
    row = c.iloc[0]
    assert row.archetype_id == "high"
    assert row.net_benefit_per_unit == pytest.approx(47.0)
    assert row.max_flow == pytest.approx(80_000 / 0.9)
    assert row.annual_net_benefit == pytest.approx(47.0 * 80_000 / 0.9)


def test_the_choice_does_not_depend_on_the_order_of_the_archetypes() -> None:
    net = _sawdust_park()
    rows = [archetype("b", 0.7), archetype("a", 0.7), archetype("c", 0.6)]
    first = find_candidates(net, MatchSettings(), archetypes=pd.DataFrame(rows)).candidates
    again = find_candidates(net, MatchSettings(), archetypes=pd.DataFrame(rows[::-1])).candidates
    pd.testing.assert_frame_equal(first, again)
    # "a" and "b" tie on score: the archetype id decides (alphabetical)
    assert list(first["archetype_id"]) == ["a"]


@settings(max_examples=12, deadline=None)
@given(
    st.lists(
        st.tuples(st.floats(0.2, 1.5), st.floats(0.0, 40.0), st.booleans()),
        min_size=1,
        max_size=4,
    )
)
def test_kept_candidate_is_the_best_of_each_archetype_alone(
    specs: list[tuple[float, float, bool]],
) -> None:
    """Matching with several archetypes gives exactly the best of matching with each alone."""
    net = SAWDUST_PARK
    rows = [
        archetype(f"a{k}", ratio, cost, receiver_nace="35" if fits else "23")
        for k, (ratio, cost, fits) in enumerate(specs)
    ]
    alone = [
        find_candidates(net, MatchSettings(), archetypes=pd.DataFrame([row])).candidates
        for row in rows
    ]
    passing = [c for c in alone if len(c)]
    together = find_candidates(net, MatchSettings(), archetypes=pd.DataFrame(rows)).candidates
    if not passing:
        assert together.empty
        return
    best = min(passing, key=lambda c: (-c["score"].iloc[0], c["archetype_id"].iloc[0]))
    pd.testing.assert_frame_equal(together, best)


def test_the_giver_sector_of_an_archetype_is_heard_too() -> None:
    """An archetype documents exchanges from its giver sectors: a pulp mill's (17) rule does
    not speak for a power station (35.11)."""
    net = _sawdust_park()
    only_pulp_mills = pd.DataFrame([archetype("pulp", 0.9, giver_nace="17")])
    result = find_candidates(net, MatchSettings(), archetypes=only_pulp_mills)
    assert result.candidates.empty and result.rejected.to_dict() == {"giver_sector": 1}
    power_stations = pd.DataFrame([archetype("power", 0.9, giver_nace="35.11;17")])
    assert len(find_candidates(net, MatchSettings(), archetypes=power_stations).candidates) == 1
