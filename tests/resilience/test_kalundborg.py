"""Backtest on Kalundborg: the coal phase-out at Asnæs ended the power station's (Ørsted) FGD
gypsum and fly ash supplies; the outage of those two supplies must break exactly the
documented exchanges that use them, and the rewired network has no other source to turn to."""

from __future__ import annotations

from typing import Any

import pytest

from symbiograph.datasets import kalundborg
from symbiograph.match import find_candidates
from symbiograph.optimize import design_network
from symbiograph.resilience import outage_analysis

COAL = [("stream", "asnaes_gypsum_supply"), ("stream", "asnaes_fly_ash_supply")]


@pytest.fixture(scope="module")
def backtest() -> tuple[Any, Any, Any]:
    network = kalundborg()
    candidates = find_candidates(network).candidates
    design = design_network(network, candidates)
    result = outage_analysis(
        network, candidates, design, elements=[("organisation", "Ørsted")], scenarios=[COAL]
    )
    return network, design, result


def test_coal_phase_out_breaks_exactly_the_documented_exchanges(backtest: Any) -> None:
    network, _, result = backtest
    ex = network.exchanges
    documented = set(ex.loc[ex["supply_id"].isin([i for _, i in COAL]), "id"])
    assert documented == {"ex_gypsum", "ex_fly_ash_cement"}
    assert set(ex.loc[ex["id"].isin(documented), "status"]) == {"ended"}
    f = result.failures
    scenario = " + ".join(f"{k}:{i}" for k, i in COAL)
    frozen = f[(f["scenario"] == scenario) & (f["reading"] == "frozen")]
    assert set(frozen["exchange_id"]) == documented
    assert (frozen["round"] == 0).all()
    # rewired: no other gypsum or fly ash source, so nothing takes over and the loss stays
    rewired = f[(f["scenario"] == scenario) & (f["reading"] == "rewired")]
    assert set(rewired["exchange_id"]) == documented and (rewired["flow_after"] == 0).all()
    losses = result.losses.set_index(["scenario", "reading"])
    lost = losses.loc[(scenario, "frozen")]
    assert lost["tonnes_loss"] == pytest.approx(150_000 + 170_000)
    assert losses.loc[(scenario, "rewired"), "net_benefit_loss"] == pytest.approx(
        lost["net_benefit_loss"], rel=1e-6
    )


def test_the_power_station_is_the_most_critical_organisation_here(backtest: Any) -> None:
    _, design, result = backtest
    row = result.losses.set_index(["scenario", "reading"]).loc[("organisation:Ørsted", "frozen")]
    assert 0 < row["net_benefit_loss"] <= design.net_benefit + 1e-6
