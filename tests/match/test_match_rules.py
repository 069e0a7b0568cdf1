"""Hand-checkable matching: two plants and one by-product, quality, heat, pre-treatment."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

from scenarios import two_plants
from symbiograph.io import network_from_document
from symbiograph.match import MatchSettings, explain_pair, find_candidates
from symbiograph.match._geo import EARTH_RADIUS_KM

KM_PER_DEG = EARTH_RADIUS_KM * 3.141592653589793 / 180.0
NO_ARCHETYPES = MatchSettings(use_archetypes=False)


def _two_plants(**changes: Any) -> dict[str, Any]:
    """A power station 10 km south of a plasterboard plant, FGD gypsum between them."""
    return two_plants(
        {"carbon_price": 0.0, "discount_rate": 0.05, "lifetime_years": 20, **changes},
        resource_name="FGD gypsum",
        ewc_code="10 01 05",
        supply_quality={"purity_pct": 96},
        demand_quality={"purity_pct": [90, None]},
    )


def test_two_plants_known_answer() -> None:
    net = network_from_document(_two_plants())
    result = find_candidates(net, NO_ARCHETYPES)
    assert len(result.candidates) == 1
    c = result.candidates.iloc[0]
    assert (c.supply_id, c.demand_id) == ("s1", "d1")
    assert c.distance_km == pytest.approx(10.0, rel=1e-9)
    # 20 EUR/t disposal avoided + 30 EUR/t virgin avoided - 0.1 EUR/t.km x 10 km
    assert c.net_benefit_per_unit == pytest.approx(49.0)
    assert c.max_flow == pytest.approx(80_000)
    assert c.annual_net_benefit == pytest.approx(49.0 * 80_000)
    # no factors without archetypes: only the truck's 0.1 kg/t.km x 10 km
    assert c.co2e_t_per_unit == pytest.approx(-0.001)
    assert c.rank_in_supply == 1
    assert "Power to Board" in c.explanation and "10.0 km by truck" in c.explanation
    assert "net 49.00 per t" in c.explanation and "up to 80000 t/yr" in c.explanation


def test_landfill_tax_and_carbon_price_enter_the_score() -> None:
    net = network_from_document(_two_plants(landfill_tax=15.0, carbon_price=100.0))
    c = find_candidates(net, NO_ARCHETYPES).candidates.iloc[0]
    assert c.net_benefit_per_unit == pytest.approx(64.0)
    assert c.score == pytest.approx(64.0 * 80_000 + 100.0 * (-0.001) * 80_000)


def test_too_far_no_candidate() -> None:
    net = network_from_document(_two_plants())
    assert (
        len(find_candidates(net, MatchSettings(use_archetypes=False, max_km=9.9)).candidates) == 0
    )
    assert (
        len(find_candidates(net, MatchSettings(use_archetypes=False, max_km=10.1)).candidates) == 1
    )


def test_quality_out_of_range_gives_no_candidate_and_the_reason() -> None:
    doc = _two_plants()
    doc["streams"][0]["quality"] = {"purity_pct": 85}
    net = network_from_document(doc)
    result = find_candidates(net, NO_ARCHETYPES)
    assert result.candidates.empty
    assert result.rejected.to_dict() == {"quality:purity_pct": 1}
    why = explain_pair(net, "s1", "d1", NO_ARCHETYPES).set_index("rule")
    assert not why.loc["quality", "passed"]
    assert "purity_pct=85 needs [90, nan]" in why.loc["quality", "detail"]
    assert why.drop(index="quality")["passed"].all()


def _heat(supply_temp: float, demand_min: float, km: float) -> dict[str, Any]:
    return {
        "resources": [{"id": "heat", "name": "Heat", "kind": "energy", "unit": "MWh/yr"}],
        "facilities": [
            {
                "id": "a",
                "name": "A",
                "organisation": "A",
                "nace_code": "35.11",
                "lat": 55.0,
                "lon": 11.0,
            },
            {
                "id": "b",
                "name": "B",
                "organisation": "B",
                "nace_code": "35.30",
                "lat": 55.0 + km / KM_PER_DEG,
                "lon": 11.0,
            },
        ],
        "streams": [
            {
                "id": "s",
                "facility_id": "a",
                "resource_id": "heat",
                "direction": "supply",
                "quantity": "1 MW",
                "quality": {"temperature_C": supply_temp},
            },
            {
                "id": "d",
                "facility_id": "b",
                "resource_id": "heat",
                "direction": "demand",
                "quantity": 5000,
                "price": 40,
                "quality": {"temperature_C": [demand_min, 90]},
            },
        ],
        "transport_modes": [
            {"mode": "pipeline", "cost_per_tkm": 0.0, "co2e_kg_per_tkm": 0.0, "detour_factor": 1.0},
        ],
    }


def test_heat_only_flows_downhill() -> None:
    settings = MatchSettings(use_archetypes=False, heat_loss_C_per_km=1.0)
    uphill = network_from_document(_heat(60, 80, 2))
    result = find_candidates(uphill, settings)
    assert result.candidates.empty and result.rejected.to_dict() == {"heat_uphill": 1}
    # 95 degC at the source is 93 degC after 2 km: enough for 80
    assert len(find_candidates(network_from_document(_heat(95, 80, 2)), settings).candidates) == 1
    # 81 degC cools to 79 degC over 2 km: not enough, the losses matter
    assert find_candidates(network_from_document(_heat(81, 80, 2)), settings).candidates.empty
    # hotter than the demand's upper bound is fine for heat (it can be mixed down)
    assert len(find_candidates(network_from_document(_heat(150, 80, 2)), settings).candidates) == 1


def test_heat_losses_reduce_what_is_delivered() -> None:
    settings = MatchSettings(use_archetypes=False, heat_loss_share_per_km=0.01)
    c = find_candidates(network_from_document(_heat(95, 80, 2)), settings).candidates.iloc[0]
    # 2 % lost over 2 km: each MWh sent replaces 0.98 MWh bought at 40
    assert c.avoided_virgin_per_unit == pytest.approx(40 * 0.98)


def _archetypes(fixes: str) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "id": "A1",
                "name": "wet sawdust to wood fuel",
                "supply_kind": "material",
                "supply_ewc": "03 01 05",
                "supply_cpa": "",
                "supply_keywords": "sawdust",
                "demand_cpa": "02.20",
                "demand_keywords": "fuel wood",
                "giver_nace": "",
                "receiver_nace": "35",
                "substitution_ratio": 0.8,
                "quality_requirements": "moisture_pct<=20",
                "pretreatment": "drying",
                "pretreatment_cost_per_unit": 12.0,
                "pretreatment_co2e_kg_per_unit": 5.0,
                "pretreatment_fixes": fixes,
                "typical_mode": "truck",
                "max_distance_km": 100.0,
                "virgin_factor_id": "wood_chips_virgin",
                "disposal_factor_id": "",
                "source": "test",
                "year": 2026,
            }
        ]
    )


def _sawdust() -> Any:
    doc = _two_plants()
    doc["resources"] = [
        {
            "id": "sawdust",
            "name": "Wet sawdust",
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
    doc["facilities"][1]["nace_code"] = "35.30"
    doc["streams"][0].update(resource_id="sawdust", price=15, quality={"moisture_pct": 45})
    doc["streams"][1].update(resource_id="woodfuel", price=50, quality={})
    return network_from_document(doc)


def test_pretreatment_bridges_quality_gap_and_adds_its_cost() -> None:
    net = _sawdust()
    c = find_candidates(net, MatchSettings(), archetypes=_archetypes("moisture_pct")).candidates
    assert len(c) == 1
    row = c.iloc[0]
    assert row.link == "archetype" and row.archetype_id == "A1"
    assert row.treatment_cost_per_unit == pytest.approx(12.0)
    # 15 disposal + 50 x 0.8 virgin - 1 transport - 12 drying
    assert row.net_benefit_per_unit == pytest.approx(42.0)
    # 80,000 t of wood fuel wanted / 0.8 = 100,000 t of sawdust, all that is supplied
    assert row.max_flow == pytest.approx(100_000)
    assert "after drying" in row.explanation


def test_without_pretreatment_the_gap_rejects() -> None:
    result = find_candidates(_sawdust(), MatchSettings(), archetypes=_archetypes(""))
    assert result.candidates.empty
    assert result.rejected.to_dict() == {"quality:moisture_pct": 1}


def test_receiver_sector_of_archetype() -> None:
    doc_net = _sawdust()
    doc_net.facilities.loc[1, "nace_code"] = "23.62"
    result = find_candidates(doc_net, MatchSettings(), archetypes=_archetypes("moisture_pct"))
    assert result.candidates.empty and result.rejected.to_dict() == {"receiver_sector": 1}


def test_hazardous_needs_a_permitted_receiver() -> None:
    doc = _two_plants()
    doc["resources"][0]["hazardous"] = True
    result = find_candidates(network_from_document(doc), NO_ARCHETYPES)
    assert result.rejected.to_dict() == {"hazardous_not_accepted": 1}
    doc["facilities"][1]["nace_code"] = "38.22"
    assert len(find_candidates(network_from_document(doc), NO_ARCHETYPES).candidates) == 1


def test_seasons_must_overlap() -> None:
    doc = _two_plants()
    doc["streams"][0].update(availability="seasonal", months="5-9")
    doc["streams"][1].update(availability="seasonal", months="11-3")
    result = find_candidates(network_from_document(doc), NO_ARCHETYPES)
    assert result.rejected.to_dict() == {"no_time_overlap": 1}
    doc["streams"][1]["months"] = "9-3"
    assert len(find_candidates(network_from_document(doc), NO_ARCHETYPES).candidates) == 1


def test_explain_names_the_missing_link() -> None:
    net = _sawdust()
    why = explain_pair(net, "s1", "d1", NO_ARCHETYPES).set_index("rule")
    assert not why.loc["resource_link", "passed"]
    assert "'sawdust' (material) cannot replace 'woodfuel'" in why.loc["resource_link", "detail"]
    with pytest.raises(ValueError, match="is a demand"):
        explain_pair(net, "d1", "s1")


def test_uncoded_listing_gets_a_code_from_its_text() -> None:
    doc = _two_plants()
    doc["resources"] = [
        {
            "id": "shavings",
            "name": "wet wood shavings",
            "kind": "material",
            "unit": "t/yr",
            "description": "sawdust and shavings from our joinery, 30% moisture",
        },
    ]
    doc["streams"][0].update(resource_id="shavings", quality={})
    doc["streams"][1].update(resource_id="shavings", quality={})
    net = network_from_document(doc)
    result = find_candidates(net)
    assert set(result.inferred["resource_id"]) == {"shavings"}
    supply = result.inferred.set_index("side").loc["supply"]
    assert supply["code"] == "03 01 05" and supply["confidence"] >= 0.3
    assert len(result.candidates) == 1  # same resource, now described by a wood archetype
    assert result.candidates.iloc[0]["archetype_id"] == supply["archetype_id"]
