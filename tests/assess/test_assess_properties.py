"""Properties: per-participant money adds up to the total, which is the solution's objective;
the CO2e lines add up to the solution's CO2e; shared corridors keep the books balanced."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from symbiograph.assess import MONEY_TERMS, assess_design
from symbiograph.io import network_from_document
from symbiograph.match import MatchSettings, find_candidates
from symbiograph.optimize import DesignSettings, design_network

KM_PER_DEG = 6371.0088 * 3.141592653589793 / 180.0
RESOURCES = [
    {"id": "gypsum", "name": "Gypsum", "kind": "material", "unit": "t/yr", "ewc_code": "10 01 05"},
    {"id": "ash", "name": "Ash", "kind": "material", "unit": "t/yr"},
    {"id": "heat", "name": "Heat", "kind": "energy", "unit": "MWh/yr"},
    {"id": "water", "name": "Water", "kind": "water", "unit": "m3/yr"},
]
ROUTES = ["landfill", "incineration", "discharge", "none"]


@st.composite
def documents(draw: st.DrawFn) -> dict[str, Any]:
    """Two to four plants of one to three organisations, a few supplies and demands."""
    n_fac = draw(st.integers(2, 4))
    facilities = [
        {
            "id": f"f{k}",
            "name": f"Plant {k}",
            "organisation": f"O{draw(st.integers(0, 2))}",
            "nace_code": draw(st.sampled_from(["35.11", "23.62", "19.20", "01.11"])),
            "lat": 55.0 + draw(st.floats(0, 20)) / KM_PER_DEG,
            "lon": 11.0,
        }
        for k in range(n_fac)
    ]
    streams = []
    for k in range(draw(st.integers(2, 7))):
        direction = draw(st.sampled_from(["supply", "demand"]))
        stream = {
            "id": f"st{k}",
            "facility_id": draw(st.sampled_from([f["id"] for f in facilities])),
            "resource_id": draw(st.sampled_from([r["id"] for r in RESOURCES])),
            "direction": direction,
            "quantity": draw(st.floats(1, 100_000)),
            "price": draw(st.floats(-5, 60)),
        }
        if direction == "supply":
            stream["disposal_route"] = draw(st.sampled_from(ROUTES))
        streams.append(stream)
    modes = [
        {
            "mode": mode,
            "cost_per_tkm": draw(st.floats(0, 1)),
            "co2e_kg_per_tkm": draw(st.floats(0, 0.2)),
            "detour_factor": 1.0,
            "pipeline_capex_per_km": draw(st.sampled_from([0.0, 1e4, 1e6])),
        }
        for mode in ("truck", "ship", "pipeline", "grid")
    ]
    return {
        "parameters": {
            "discount_rate": draw(st.sampled_from([0.0, 0.04, 0.08])),
            "lifetime_years": draw(st.sampled_from([10, 20])),
        },
        "resources": RESOURCES,
        "facilities": facilities,
        "streams": streams,
        "transport_modes": modes,
    }


levers = st.builds(
    DesignSettings,
    carbon_price=st.sampled_from([None, 0.0, 80.0]),
    landfill_tax=st.sampled_from([None, 0.0, 30.0]),
    subsidy_per_t_diverted=st.sampled_from([None, 5.0]),
    capex_grant_share=st.sampled_from([None, 0.0, 0.4]),
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(doc=documents(), design=levers, archetypes=st.booleans())
def test_money_adds_up(doc: dict[str, Any], design: DesignSettings, archetypes: bool) -> None:
    net = network_from_document(doc)
    cand = find_candidates(net, MatchSettings(use_archetypes=archetypes)).candidates
    sol = design_network(net, cand, design)
    a = assess_design(net, cand, sol)
    scale = max(1.0, float(a.exchanges[list(MONEY_TERMS)].abs().sum().sum()))
    tol = 1e-7 * scale
    participants = a.participants.set_index("organisation")
    totals = a.totals
    for term in MONEY_TERMS:
        # per participant sums to the total, which is the solution's objective term
        assert participants[term].sum() == pytest.approx(totals[term], abs=tol)
        assert totals[term] == pytest.approx(float(sol.objective.get(term, 0.0)), abs=tol)
    assert participants["net_benefit"].sum() == pytest.approx(sol.net_benefit, abs=tol)
    assert totals["net_benefit"] == pytest.approx(sol.net_benefit, abs=tol)
    theirs = sol.participants.set_index("organisation")["net_benefit"]
    for org, value in theirs.items():
        # the solution lists every candidate's organisations; ours only those in an exchange
        ours = float(participants["net_benefit"].get(org, 0.0))
        assert ours == pytest.approx(value, abs=tol)
    # CO2e: the traceable lines add up to the solution's figure, per exchange too
    assert a.co2e_lines["t_per_yr"].sum() == pytest.approx(
        sol.co2e_avoided_t, abs=1e-6 * max(1.0, abs(sol.co2e_avoided_t))
    )
    per_exchange = a.co2e_lines.groupby("candidate_id")["t_per_yr"].sum()
    expected = a.exchanges.set_index("candidate_id")["co2e_avoided_t"]
    assert per_exchange.reindex(expected.index).fillna(0.0).to_numpy() == pytest.approx(
        expected.to_numpy(), abs=1e-6
    )
    assert participants["co2e_avoided_t"].sum() == pytest.approx(totals["co2e_avoided"])
    assert participants["jobs"].sum() == pytest.approx(totals["jobs"])


def test_shared_corridor_cost_has_its_own_row() -> None:
    # two gypsum/ash pairs 10 km apart earn 10 EUR/t x 1000 t each; a shared conveyor costs
    # 15 kEUR/yr and is not any one participant's
    doc: dict[str, Any] = {
        "parameters": {"discount_rate": 0.0, "lifetime_years": 20},
        "resources": RESOURCES[:2],
        "facilities": [
            {"id": "p", "name": "P", "organisation": "P", "nace_code": "35.11", "lat": 55.0,
             "lon": 11.0},
            {"id": "b", "name": "B", "organisation": "B", "nace_code": "23.62",
             "lat": 55.0 + 10 / KM_PER_DEG, "lon": 11.0},
        ],
        "streams": [
            {"id": sid, "facility_id": fac, "resource_id": res, "direction": d,
             "quantity": 1000, "price": 5}
            for sid, fac, res, d in (
                ("s1", "p", "gypsum", "supply"),
                ("s2", "p", "ash", "supply"),
                ("d1", "b", "gypsum", "demand"),
                ("d2", "b", "ash", "demand"),
            )
        ],
        "transport_modes": [
            {"mode": "truck", "cost_per_tkm": 0.0, "co2e_kg_per_tkm": 0.0,
             "detour_factor": 1.0, "pipeline_capex_per_km": 0.0}
        ],
    }  # fmt: skip
    net = network_from_document(doc)
    cand = find_candidates(net, MatchSettings(use_archetypes=False)).candidates
    corridor = pd.DataFrame(
        {
            "corridor_id": ["conveyor"],
            "fixed_cost_per_yr": [15_000.0],
            "capacity": [5000.0],
            "candidate_ids": [tuple(cand["candidate_id"])],
        }
    )
    sol = design_network(net, cand, corridors=corridor)
    a = assess_design(net, cand, sol)
    p = a.participants.set_index("organisation")
    assert p.loc["(shared corridors)", "fixed_cost"] == pytest.approx(-15_000)
    assert a.totals["net_benefit"] == pytest.approx(sol.net_benefit) == pytest.approx(5_000)
    assert a.totals["capex"] == pytest.approx(15_000 * 20)
