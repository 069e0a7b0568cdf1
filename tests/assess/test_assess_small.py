"""Hand-checkable assessments: one gypsum exchange between two plants, worked on paper."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from scenarios import two_plants
from symbiograph.assess import assess_design, co2e_lines, employment_ratios, job_lines
from symbiograph.io import network_from_document
from symbiograph.match import MatchSettings, find_candidates
from symbiograph.optimize import DesignSettings, design_network

SHORT_TON_T = 0.90718474


def _doc(capex_per_km: float = 100_000.0, **params: Any) -> dict[str, Any]:
    """Power station (P) 10 km south of a board plant (B); 100 kt FGD gypsum offered (landfilled
    today at 20 EUR/t), 80 kt wanted (natural gypsum at 30 EUR/t); ship 0.1 EUR and 0.1 kg
    CO2e per t.km, no detour."""
    return two_plants(
        {"discount_rate": 0.0, "lifetime_years": 20, **params},
        ewc_code="10 01 05",
        modes=("ship", "truck"),
        capex_per_km=capex_per_km,
    )


def _assess(doc: dict[str, Any], settings: DesignSettings | None = None) -> Any:
    net = network_from_document(doc)
    candidates = find_candidates(net, MatchSettings()).candidates
    solution = design_network(net, candidates, settings)
    return net, candidates, solution, assess_design(net, candidates, solution)


def test_money_on_paper() -> None:
    # 80 kt: disposal 20 x 80k = 1.6 M, virgin 30 x 80k = 2.4 M, transport 0.1 x 10 km x 80k
    # = 80 k, fixed cost 100 k/km x 10 km / 20 yr = 50 k/yr; net 3.87 M/yr
    _, cand, sol, a = _assess(_doc())
    assert cand["archetype_id"].iloc[0] == "fgd_gypsum_to_plasterboard"
    t = a.totals
    assert t["avoided_disposal"] == pytest.approx(1_600_000)
    assert t["avoided_virgin"] == pytest.approx(2_400_000)
    assert t["transport"] == pytest.approx(-80_000)
    assert t["fixed_cost"] == pytest.approx(-50_000)
    assert t["net_benefit"] == pytest.approx(3_870_000) == pytest.approx(sol.net_benefit)
    # capex 1 MEUR; at 0 % NPV is 20 years of net benefit; payback 1 M / 3.92 M per year
    assert t["capex"] == pytest.approx(1_000_000)
    assert t["npv"] == pytest.approx(20 * 3_870_000)
    assert t["payback_years"] == pytest.approx(1_000_000 / 3_920_000)
    p = a.participants.set_index("organisation")
    # the giver keeps avoided disposal, the taker avoided virgin less transport; fixed half-half
    assert p.loc["P", "net_benefit"] == pytest.approx(1_600_000 - 25_000)
    assert p.loc["B", "net_benefit"] == pytest.approx(2_400_000 - 80_000 - 25_000)
    assert p.loc["P", "capex"] == pytest.approx(500_000)
    assert p.loc["P", "npv"] == pytest.approx(20 * 1_575_000)
    for org in ("P", "B"):
        assert p.loc[org, "net_benefit"] == pytest.approx(
            sol.participants.set_index("organisation").loc[org, "net_benefit"]
        )


def test_npv_with_a_discount_rate() -> None:
    # 6 % over 20 years: annuity 0.0871846; fixed cost 1 MEUR x annuity per year
    _, _, sol, a = _assess(_doc(discount_rate=0.06))
    annuity = 0.06 / (1 - 1.06**-20)
    t = a.totals
    assert t["capex"] == pytest.approx(1_000_000)
    assert t["fixed_cost"] == pytest.approx(-1_000_000 * annuity)
    assert t["npv"] == pytest.approx(sol.net_benefit / annuity)
    assert a.parameters["annuity_factor"] == pytest.approx(annuity)


def test_co2e_lines_on_paper() -> None:
    # per t: virgin natural gypsum 5.2 kg x ratio 0.9 + landfill (inert) 1.2 kg - ship 0.1 kg x
    # 10 km = 4.88 kg; x 80 kt = 390.4 t/yr
    _, _, sol, a = _assess(_doc())
    lines = a.co2e_lines.set_index("component")
    assert lines.loc["virgin_production", "factor_id"] == "gypsum_natural_virgin"
    assert lines.loc["virgin_production", "t_per_yr"] == pytest.approx(80_000 * 5.2 * 0.9 / 1000)
    assert lines.loc["disposal", "factor_id"] == "landfill_inert"
    assert lines.loc["disposal", "t_per_yr"] == pytest.approx(80_000 * 1.2 / 1000)
    assert lines.loc["transport", "t_per_yr"] == pytest.approx(-80_000 * 0.1 * 10 / 1000)
    assert "unreconciled" not in lines.index
    assert (lines["source"] != "").all()
    assert a.totals["co2e_avoided"] == pytest.approx(390.4)
    assert a.co2e_lines["t_per_yr"].sum() == pytest.approx(sol.co2e_avoided_t)


def test_physical_indicators_and_jobs() -> None:
    _, _, _, a = _assess(_doc())
    t = a.totals
    assert t["landfill_diverted"] == pytest.approx(80_000)
    assert t["virgin_material_avoided"] == pytest.approx(80_000)
    assert t["materials_exchanged"] == pytest.approx(80_000)
    assert t["water_saved"] == 0 and t["energy_recovered"] == 0
    # 28 jobs per 10 kt recycled (FoE 2010: 322,000 jobs / 115 Mt) less landfill jobs
    # (Tellus 2011: 0.1 per 1,000 short tons)
    created = 80_000 * 322_000 / 115e6
    displaced = 80_000 * 0.1 / (1000 * SHORT_TON_T)
    assert t["jobs"] == pytest.approx(created - displaced)
    jobs = a.jobs.set_index("activity")
    assert jobs.loc["recycling_eu", "source"] == "foee2010"
    assert jobs.loc["landfill", "source"] == "tellus2011"
    assert "More Jobs, Less Pollution" in jobs.loc["landfill", "source_title"]
    assert "tellus2011" in a.summary.set_index("indicator").loc["jobs", "note"]


def test_policy_levers_reach_the_right_participant() -> None:
    # landfill tax 10 and subsidy 5 per t go to the giver; carbon value is shared half-half
    settings = DesignSettings(landfill_tax=10, subsidy_per_t_diverted=5, carbon_price=100)
    _, _, sol, a = _assess(_doc(), settings)
    t = a.totals
    assert t["landfill_tax_avoided"] == pytest.approx(10 * 80_000)
    assert t["subsidy"] == pytest.approx(5 * 80_000)
    assert t["carbon_value"] == pytest.approx(100 * 390.4)
    for term in sol.objective.index:
        assert t[term] == pytest.approx(sol.objective[term])
    p = a.participants.set_index("organisation")
    assert p.loc["P", "landfill_tax_avoided"] == pytest.approx(800_000)
    assert p.loc["B", "landfill_tax_avoided"] == 0
    assert p.loc["P", "carbon_value"] == pytest.approx(p.loc["B", "carbon_value"])


def test_no_exchange_is_all_zero() -> None:
    _, _, sol, a = _assess(_doc(capex_per_km=10_000_000))  # 5 MEUR/yr kills the link
    assert sol.flows["flow"].sum() == 0
    assert len(a.exchanges) == 0 and len(a.co2e_lines) == 0 and len(a.jobs) == 0
    assert a.totals["net_benefit"] == 0 and a.totals["payback_years"] == 0


def test_unknown_candidate_is_an_error() -> None:
    net, cand, sol, _ = _assess(_doc())
    with pytest.raises(KeyError, match="not in the table"):
        assess_design(net, cand.iloc[0:0], sol)


def test_treatment_and_unreconciled_lines() -> None:
    # one hand-made candidate: fly ash to concrete after drying (3 kg CO2e/t pre-treatment,
    # 4 EUR/t), 20 km by truck; its candidate CO2e is 1 kg/t higher than the factors explain
    from symbiograph.taxonomy import emission_factors, synergy_archetypes

    arch = synergy_archetypes().set_index("id").loc["fly_ash_to_concrete"]
    ef = emission_factors().set_index("id")["kg_co2e_per_unit"]
    explained = (
        ef[arch["virgin_factor_id"]] * arch["substitution_ratio"]
        + ef[arch["disposal_factor_id"]]
        - 0.1 * 20
        - arch["pretreatment_co2e_kg_per_unit"]
    )
    cand = pd.DataFrame(
        {
            "candidate_id": ["C1"],
            "archetype_id": ["fly_ash_to_concrete"],
            "delivered_share": [1.0],
            "route_km": [20.0],
            "mode": ["truck"],
            "treatment_cost_per_unit": [4.0],
            "co2e_t_per_unit": [(explained + 1.0) / 1000],
        }
    ).set_index("candidate_id", drop=False)
    exchanges = pd.DataFrame(
        {
            "candidate_id": ["C1"],
            "supply_id": ["s"],
            "demand_id": ["d"],
            "supply_organisation": ["P"],
            "demand_organisation": ["C"],
            "flow": [1000.0],
            "unit": ["t/yr"],
        }
    )
    modes = pd.DataFrame(
        {"co2e_kg_per_tkm": [0.1], "source": ["test"], "year": [2020]}, index=["truck"]
    )
    lines = co2e_lines(exchanges, cand, emission_factors(), synergy_archetypes(), modes).set_index(
        "component"
    )
    assert lines.loc["treatment", "t_per_yr"] == pytest.approx(-1000 * 3.0 / 1000)
    assert lines.loc["treatment", "factor_id"] == "pretreatment:fly_ash_to_concrete"
    assert lines.loc["unreconciled", "t_per_yr"] == pytest.approx(1.0)
    assert lines["t_per_yr"].sum() == pytest.approx(1000 * (explained + 1.0) / 1000)


def test_employment_ratios_name_their_sources() -> None:
    ratios = employment_ratios()
    assert ratios["activity"].is_unique
    assert {"landfill", "incineration", "recycling_eu"} <= set(ratios["activity"])
    assert (ratios["source_title"] != "").all() and (ratios["year"] > 2000).all()
    recycling = ratios.set_index("activity").loc["recycling_eu", "jobs_per_10kt"]
    assert recycling == pytest.approx(28.0, abs=0.01)
    # incineration displaced too, and a resource can be handled by another activity
    exchanges = pd.DataFrame(
        {
            "candidate_id": ["C1", "C2"],
            "supply_id": ["s1", "s2"],
            "demand_id": ["d1", "d2"],
            "supply_organisation": ["A", "A"],
            "demand_organisation": ["B", "B"],
            "supply_resource": ["food", "heat"],
            "kind": ["material", "energy"],
            "flow": [10_000.0, 5_000.0],
        }
    )
    route = pd.Series({"s1": "incineration", "s2": "discharge"})
    lines = job_lines(exchanges, route, activities={"food": "composting"})
    assert list(lines["activity"]) == ["composting", "incineration"]
    assert lines["jobs"].sum() == pytest.approx(7 - 10_000 * 0.1 / (1000 * SHORT_TON_T))
    with pytest.raises(KeyError, match="no employment ratio"):
        job_lines(exchanges, route, reuse_activity="juggling")
    assert np.isfinite(lines["jobs_per_10kt"]).all()
