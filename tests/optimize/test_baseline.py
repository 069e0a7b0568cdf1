"""Today's network is the baseline: existing links are sunk, the documented mode and route are
used, ended exchanges are history, and every figure comes as today / design / added.

The two-plant scenario (tests/scenarios.py): P offers 100 kt/yr of gypsum landfilled at
20 EUR/t, B wants 80 kt/yr at 30 EUR/t, 10 km apart; at 0.1 EUR/tkm the margin is
20 + 30 - 1 = 49 EUR/t. A new pipeline costs 10 MEUR/km: 100 MEUR over 20 years at 0 %,
5 MEUR/yr, more than the 3.92 MEUR/yr the exchange earns (a same-resource trade of a
material goes by truck; the link's capex is the mode's pipeline_capex_per_km).
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scenarios import two_plants
from symbiograph.allocate import CoalitionGame, share_gain
from symbiograph.assess import assess_baseline
from symbiograph.io import network_from_document
from symbiograph.match import MatchSettings, find_candidates
from symbiograph.optimize import compare_with_today, design_network, design_today

PLAIN = MatchSettings(use_archetypes=False)


def _doc(exchange: dict[str, Any] | None = None, **kwargs: Any) -> dict[str, Any]:
    kwargs.setdefault("capex_per_km", 10_000_000)
    doc = two_plants(
        {"discount_rate": 0.0, "lifetime_years": 20}, resource_id="g", co2e_kg_per_tkm=0.0, **kwargs
    )
    if exchange is not None:
        doc["exchanges"] = [{"id": "x1", "supply_id": "s1", "demand_id": "d1", **exchange}]
    return doc


def _run(doc: dict[str, Any]) -> tuple[Any, Any, Any, Any]:
    net = network_from_document(doc)
    candidates = find_candidates(net, PLAIN).candidates
    design = design_network(net, candidates)
    today = design_today(net, candidates)
    return net, candidates, design, today


def test_a_new_pipeline_the_margin_cannot_carry_is_not_built() -> None:
    _, candidates, design, _ = _run(_doc())
    assert candidates.iloc[0]["link_status"] == "new"
    assert candidates.iloc[0]["capex_per_yr"] == pytest.approx(5_000_000)
    assert not design.flows.iloc[0]["built"] and design.net_benefit == 0


def test_an_existing_pipeline_is_sunk_and_pays_only_its_running_cost() -> None:
    exchange = {"quantity": 60_000, "status": "existing", "operating_cost_per_yr": 100_000}
    net, candidates, design, today = _run(_doc(exchange))
    row = candidates.iloc[0]
    assert (row["link_status"], row["exchange_id"], row["exchange_status"]) == (
        "built",
        "x1",
        "existing",
    )
    assert row["capex_per_yr"] == 0 and row["fixed_cost_per_yr"] == pytest.approx(100_000)
    # today: the documented 60 kt; the design fills the demand: 80 kt
    assert today.flows.iloc[0]["flow"] == pytest.approx(60_000)
    assert today.net_benefit == pytest.approx(49 * 60_000 - 100_000)
    assert design.net_benefit == pytest.approx(49 * 80_000 - 100_000)
    assert design.objective["operating_cost"] == pytest.approx(-100_000)
    assert design.objective["fixed_cost"] == pytest.approx(0.0)
    baseline = compare_with_today(net, candidates, today, design)
    assert baseline.added_net_benefit == pytest.approx(49 * 20_000)
    assert baseline.objective.loc["avoided_virgin", "added"] == pytest.approx(30 * 20_000)
    per = baseline.participants.set_index("organisation")
    assert per["added"].sum() == pytest.approx(49 * 20_000)
    assert baseline.exchanges.iloc[0]["added_flow"] == pytest.approx(20_000)
    # no new capital: the addition's capex is 0, so it pays back at once
    assessed = assess_baseline(net, candidates, baseline).summary.set_index("indicator")
    assert assessed.loc["capex", "added"] == pytest.approx(0.0)
    assert assessed.loc["net_benefit", "today"] == pytest.approx(49 * 60_000 - 100_000)
    assert assessed.loc["npv", "added"] == pytest.approx(49 * 20_000 * 20)
    assert assessed.loc["payback_years", "added"] == 0


def test_a_link_near_the_end_of_its_life_pays_for_its_renewal_pro_rata() -> None:
    # 10 of the 20 years left: half the new-build annuity, 2.5 MEUR/yr
    exchange = {"quantity": 60_000, "status": "existing", "remaining_life_years": 10}
    _, candidates, design, today = _run(_doc(exchange))
    assert candidates.iloc[0]["capex_per_yr"] == pytest.approx(2_500_000)
    assert design.net_benefit == pytest.approx(49 * 80_000 - 2_500_000)
    assert today.net_benefit == pytest.approx(49 * 60_000 - 2_500_000)


def test_the_documented_mode_and_route_are_used() -> None:
    # a material traded as itself goes by truck, unless the exchange says how it goes
    doc = _doc(modes=("truck", "ship"), capex_per_km=None)
    doc["transport_modes"][1]["cost_per_tkm"] = 0.01
    free = find_candidates(network_from_document(doc), PLAIN).candidates
    assert set(free["mode"]) == {"truck"}
    doc["exchanges"] = [
        {
            "id": "x1",
            "supply_id": "s1",
            "demand_id": "d1",
            "quantity": 80_000,
            "mode": "ship",
            "route_km": 14.0,
        }
    ]
    candidates = find_candidates(network_from_document(doc), PLAIN).candidates
    assert len(candidates) == 1
    row = candidates.iloc[0]
    assert (row["mode"], row["route_km"]) == ("ship", 14.0)
    assert row["transport_cost_per_unit"] == pytest.approx(0.14)


def test_an_ended_exchange_is_history_not_today() -> None:
    exchange = {"quantity": 60_000, "status": "ended", "end_year": 2015}
    net, candidates, design, today = _run(_doc(exchange))
    assert candidates.iloc[0]["link_status"] == "new"  # its link would be built anew
    assert today.net_benefit == 0 and len(today.flows) == 0
    assert compare_with_today(net, candidates, today, design).unmatched.empty


def test_allocation_shares_what_the_design_adds() -> None:
    exchange = {"quantity": 60_000, "status": "existing"}
    net, candidates, design, today = _run(_doc(exchange))
    game = CoalitionGame.from_solution(net, candidates, design, today=today)
    # today: 2.94 MEUR/yr held half and half; the design 3.92 MEUR/yr; two symmetric players
    assert game.baseline_total == pytest.approx(49 * 60_000)
    assert game.value(game.grand_coalition) == pytest.approx(49 * 20_000)
    assert game.value(0b01) == pytest.approx(-49 * 30_000)  # alone: nothing, less today's half
    allocation = share_gain(game, design, ["shapley", "nucleolus"])
    assert allocation.total == pytest.approx(49 * 20_000)
    assert allocation.shares["shapley"].to_dict() == pytest.approx(
        {"P": 49 * 10_000, "B": 49 * 10_000}
    )
    assert allocation.shares["nucleolus"].sum() == pytest.approx(49 * 20_000)
    # settled: each keeps today's half plus its share of the addition
    reach = allocation.reach
    assert reach["asked"].sum() == pytest.approx(49 * 80_000)


def test_one_documented_exchange_speaks_for_a_pair_and_unmatched_candidates_are_refused() -> None:
    from symbiograph.errors import InputError

    doc = _doc({"quantity": 60_000, "status": "existing"})
    doc["exchanges"].append(
        {"id": "x2", "supply_id": "s1", "demand_id": "d1", "quantity": 50_000, "status": "existing"}
    )
    net = network_from_document(doc)
    candidates = find_candidates(net, PLAIN).candidates
    # one pair, two documented exchanges: the existing one that speaks for it is the first
    today = design_today(net, candidates)
    assert today.flows.iloc[0]["flow"] == pytest.approx(60_000)
    with pytest.raises(InputError):
        bad = candidates.copy()
        bad["exchange_status"] = None
        design_today(net, bad.drop(columns=["exchange_status"]))


@settings(max_examples=20, deadline=None)
@given(
    quantity=st.floats(min_value=0, max_value=80_000),
    operating=st.floats(min_value=0, max_value=5_000_000),
    price=st.floats(min_value=0, max_value=60),
    remaining=st.one_of(st.none(), st.floats(min_value=0, max_value=30)),
)
def test_a_design_is_never_worse_than_today(
    quantity: float, operating: float, price: float, remaining: float | None
) -> None:
    exchange: dict[str, Any] = {
        "quantity": quantity,
        "status": "existing",
        "operating_cost_per_yr": operating,
    }
    if remaining is not None:
        exchange["remaining_life_years"] = remaining
    doc = _doc(exchange)
    doc["streams"][1]["price"] = price
    net, candidates, design, today = _run(doc)
    assert design.net_benefit >= today.net_benefit - 1e-6 * max(1.0, abs(today.net_benefit))
    baseline = compare_with_today(net, candidates, today, design)
    assert baseline.added_net_benefit == pytest.approx(design.net_benefit - today.net_benefit)
    assert today.flows["flow"].sum() == pytest.approx(quantity, abs=1e-6)
