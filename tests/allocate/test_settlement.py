"""Settlement prices a company can accept: every price between the giver's alternative
(disposal) and the taker's alternative (virgin input less the transport it bears), worked
out by hand on flow tables; the nearest reachable allocation when a share is out of reach;
one price for the exchanges of one resource between one pair; properties on random designs."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from symbiograph.allocate import price_range, settle, settle_allocation
from symbiograph.errors import InputError
from symbiograph.optimize import TERMS


def _exchange(
    cid: str,
    giver: str,
    taker: str,
    flow: float,
    *,
    disposal: float = 0.0,
    virgin: float = 0.0,
    transport: float = 0.0,
    treatment: float = 0.0,
    subsidy: float = 0.0,
    resource: str = "steam",
) -> dict[str, Any]:
    """One row of a flow table: per-unit terms (currency per unit) turned into currency/yr
    as DesignSolution.flows carries them (costs negative)."""
    row: dict[str, Any] = {term: 0.0 for term in TERMS}
    row.update(
        candidate_id=cid,
        supply_organisation=giver,
        demand_organisation=taker,
        kind="material",
        unit="t/yr",
        resource=resource,
        flow=flow,
        avoided_disposal=disposal * flow,
        subsidy=subsidy * flow,
        avoided_virgin=virgin * flow,
        transport=-transport * flow,
        treatment=-treatment * flow,
    )
    return row


def _at_zero_price(flows: pd.DataFrame) -> pd.DataFrame:
    """Each organisation's result at zero price (giver terms to the giver, taker terms to
    the taker; no shared terms in these tables)."""
    giver = flows[["avoided_disposal", "landfill_tax_avoided", "subsidy", "treatment"]].sum(axis=1)
    taker = flows[["avoided_virgin", "transport"]].sum(axis=1)
    result = pd.concat(
        [
            pd.Series(giver.to_numpy(), index=flows["supply_organisation"]),
            pd.Series(taker.to_numpy(), index=flows["demand_organisation"]),
        ]
    )
    total = result.groupby(level=0).sum()
    return pd.DataFrame({"organisation": total.index, "net_benefit": total.to_numpy()})


def _two_plants() -> pd.DataFrame:
    # A disposes of its by-product at 30/t; B buys the virgin product at 50/t and would
    # truck the by-product at 8/t: B never pays more than 50 - 8 = 42/t, A never pays a gate
    # fee above 30/t, so the price lies in [-30, 42] per tonne
    return pd.DataFrame([_exchange("X1", "A", "B", 100.0, disposal=30, virgin=50, transport=8)])


def test_price_range_by_hand() -> None:
    span = price_range(_two_plants())
    assert span["price_lo"].iloc[0] == pytest.approx(-30)
    assert span["price_hi"].iloc[0] == pytest.approx(42)
    # treatment borne by the giver narrows its side, a subsidy widens it
    treated = pd.DataFrame([_exchange("X", "A", "B", 10.0, disposal=30, treatment=5, subsidy=2)])
    assert price_range(treated)["price_lo"].iloc[0] == pytest.approx(-(30 + 2 - 5))


def test_reachable_share_is_met_with_a_price_in_range() -> None:
    flows = _two_plants()
    # at zero price A keeps 3000 (disposal avoided), B 4200 (virgin 5000 - transport 800)
    result = settle_allocation(flows, _at_zero_price(flows), pd.Series({"A": 5000.0, "B": 2200.0}))
    assert result.reachable
    row = result.exchanges.iloc[0]
    assert row["price_per_unit"] == pytest.approx(20)  # B pays A 2000 on 100 t
    assert row["payment_per_yr"] == pytest.approx(2000)
    assert row["at_bound"] == ""
    assert result.participants["gap"].abs().max() == pytest.approx(0, abs=1e-6)
    assert result.out_of_reach().empty


def test_gate_fee_is_a_negative_price() -> None:
    flows = _two_plants()
    # A asked 1000 of the 7200: it pays B a gate fee of 20/t (2000)
    row = settle(flows, _at_zero_price(flows), pd.Series({"A": 1000.0, "B": 6200.0})).iloc[0]
    assert row["price_per_unit"] == pytest.approx(-20)
    assert row["payment_per_yr"] == pytest.approx(-2000)


def test_share_beyond_the_takers_alternative_is_clipped_and_named() -> None:
    flows = _two_plants()
    # A asks 8000: B would have to pay 50/t, above its alternative of 42/t. The price stops
    # at 42 (4200 paid): A reaches 7200 (800 short), B 0 (800 more than the -800 asked)
    asked = pd.Series({"A": 8000.0, "B": -800.0})
    result = settle_allocation(flows, _at_zero_price(flows), asked)
    assert not result.reachable
    row = result.exchanges.iloc[0]
    assert row["price_per_unit"] == pytest.approx(42)
    assert row["at_bound"] == "taker's alternative"
    reach = result.participants
    assert reach.loc["A", "reachable"] == pytest.approx(7200)
    assert reach.loc["B", "reachable"] == pytest.approx(0)
    assert reach.loc["A", "gap"] == pytest.approx(800)
    assert reach.loc["B", "gap"] == pytest.approx(-800)
    assert reach["reachable"].sum() == pytest.approx(asked.sum())  # same total
    far = result.out_of_reach()
    assert list(far.index) == ["A", "B"]
    assert row["residual_giver"] == pytest.approx(800)


def test_share_below_the_givers_alternative_stops_at_landfill() -> None:
    flows = _two_plants()
    # B asks everything: A would pay a gate fee of 42/t, above its disposal cost of 30/t
    result = settle_allocation(flows, _at_zero_price(flows), pd.Series({"A": -1200.0, "B": 8400.0}))
    row = result.exchanges.iloc[0]
    assert row["price_per_unit"] == pytest.approx(-30)
    assert row["at_bound"] == "giver's alternative"
    assert result.participants.loc["B", "gap"] == pytest.approx(1200)


def test_nobody_pays_more_than_the_virgin_price() -> None:
    # a refinery's ammonium sulphate to farmers: virgin 320/t, transport 15/t, no disposal
    # cost at the refinery. Asking the farmers to hand over 435/t (as least squares did)
    # cannot be met: they pay at most 320 - 15 = 305/t
    flows = pd.DataFrame(
        [
            _exchange("AS", "Refinery", "Farmers", 1000.0, virgin=320, transport=15),
            _exchange("W", "Refinery", "Mill", 500.0, disposal=4, virgin=6, resource="water"),
        ]
    )
    now = _at_zero_price(flows)
    asked = pd.Series({"Refinery": 2000.0 + 435_000.0 + 500.0, "Farmers": -130_000.0, "Mill": 2500})
    result = settle_allocation(flows, now, asked)
    prices = result.exchanges.set_index("candidate_id")["price_per_unit"]
    assert prices["AS"] == pytest.approx(305)
    assert prices["AS"] + 15 <= 320 + 1e-9
    assert result.participants.loc["Farmers", "gap"] == pytest.approx(-130_000 - 0)
    assert not result.reachable


def test_two_exchanges_of_one_resource_between_one_pair_share_a_price() -> None:
    # two steam lines from A to B: ranges [0, 40] on 100 MWh and [0, 30] on 300 MWh. B is to
    # pay A 4000 in all: one price, 10 per MWh, on both (not 9.61 on one and 86.49 on the
    # other)
    flows = pd.DataFrame(
        [
            _exchange("S1", "A", "B", 100.0, virgin=40),
            _exchange("S2", "A", "B", 300.0, virgin=30),
        ]
    )
    now = _at_zero_price(flows)  # A 0, B 4000 + 9000
    table = settle(flows, now, pd.Series({"A": 4000.0, "B": 9000.0}))
    assert table["price_per_unit"].to_list() == pytest.approx([10, 10], abs=1e-6)
    # 12500 needs 31.25 on both, above S2's 30: S2 stops at 30 (9000) and S1 takes 35
    # (3500), the smallest spread that reaches the shares (125 - 4 * p2, p2 <= 30)
    result = settle_allocation(flows, now, pd.Series({"A": 12500.0, "B": 500.0}))
    assert result.reachable
    prices = result.exchanges.set_index("candidate_id")["price_per_unit"]
    assert prices["S1"] == pytest.approx(35, abs=1e-5)
    assert prices["S2"] == pytest.approx(30, abs=1e-5)


def test_different_resources_keep_their_own_price_near_the_middle_of_the_range() -> None:
    flows = pd.DataFrame(
        [
            _exchange("S", "A", "B", 100.0, virgin=40, resource="steam"),
            _exchange("W", "A", "B", 100.0, virgin=20, resource="water"),
        ]
    )
    now = _at_zero_price(flows)
    # 3000 to pay: nearest the middle of each range is the middle itself (20 and 10);
    # one resource would have been one price, 15
    prices = settle(flows, now, pd.Series({"A": 3000.0, "B": 3000.0}))["price_per_unit"]
    assert prices.to_list() == pytest.approx([20, 10], abs=1e-5)
    same = flows.assign(resource="steam")
    prices = settle(same, now, pd.Series({"A": 3000.0, "B": 3000.0}))["price_per_unit"]
    assert prices.to_list() == pytest.approx([15, 15], abs=1e-5)


def test_a_participant_without_exchanges_is_out_of_reach() -> None:
    flows = _two_plants()
    asked = pd.Series({"A": 4000.0, "B": 2700.0, "C": 500.0})
    result = settle_allocation(flows, _at_zero_price(flows), asked)
    reach = result.participants
    # C trades nothing: it stays at 0; A and B share the other 500 of the gap equally
    assert reach.loc["C", "reachable"] == pytest.approx(0)
    assert reach.loc["C", "gap"] == pytest.approx(500)
    assert reach.loc["A", "gap"] == pytest.approx(-250)
    assert reach.loc["B", "gap"] == pytest.approx(-250)
    assert result.out_of_reach().index[0] == "C"


def test_internal_exchange_and_losing_exchange() -> None:
    flows = pd.DataFrame(
        [
            _exchange("I", "A", "A", 10.0, disposal=5, virgin=5),
            # disposal 2/t, virgin 3/t but transport 9/t: no price satisfies both sides
            _exchange("L", "A", "B", 10.0, disposal=2, virgin=3, transport=9),
        ]
    )
    table = settle(flows, _at_zero_price(flows), pd.Series({"A": 0.0, "B": 0.0}))
    rows = table.set_index("candidate_id")
    assert rows.loc["I", "at_bound"] == "internal" and rows.loc["I", "payment_per_yr"] == 0
    # range [-2, -6] is empty: both lose the same per unit, price -4
    assert rows.loc["L", "at_bound"] == "no range"
    assert rows.loc["L", "price_per_unit"] == pytest.approx(-4)


def test_bad_tables_are_named() -> None:
    flows = _two_plants()
    now = _at_zero_price(flows)
    with pytest.raises(InputError, match="avoided_virgin"):
        settle(flows.drop(columns="avoided_virgin"), now, pd.Series({"A": 0.0, "B": 0.0}))
    with pytest.raises(InputError, match=r"X1.*transport"):
        settle(flows.assign(transport=np.nan), now, pd.Series({"A": 0.0, "B": 0.0}))
    with pytest.raises(InputError, match=r"'B'.*no share"):
        settle(flows, now, pd.Series({"A": 0.0}))
    with pytest.raises(InputError, match="no share"):
        settle(flows, now, pd.Series({"A": 0.0, "B": np.nan}))


@st.composite
def _designs(draw: Any) -> tuple[pd.DataFrame, np.ndarray]:
    """A random small design (2-5 organisations, 1-6 exchanges between distinct ones, some
    between the same pair and of the same resource) and a price drawn in each range."""
    orgs = [f"O{i}" for i in range(draw(st.integers(2, 5)))]
    rows, prices = [], []
    for k in range(draw(st.integers(1, 6))):
        giver = draw(st.sampled_from(orgs))
        taker = draw(st.sampled_from([o for o in orgs if o != giver]))
        money = st.floats(0, 100, allow_nan=False)
        row = _exchange(
            f"E{k}",
            giver,
            taker,
            draw(st.floats(1, 1e5)),
            disposal=draw(money),
            virgin=draw(money),
            transport=draw(st.floats(0, 20)),
            resource=draw(st.sampled_from(["steam", "gypsum"])),
        )
        rows.append(row)
        lo, hi = (
            -row["avoided_disposal"] / row["flow"],
            (row["avoided_virgin"] + row["transport"]) / row["flow"],
        )
        prices.append(draw(st.floats(0, 1)) * (hi - lo) + lo if hi >= lo else (lo + hi) / 2)
    return pd.DataFrame(rows), np.array(prices)


def _effect(flows: pd.DataFrame, payment: np.ndarray) -> pd.Series:
    """Payments received - paid per organisation."""
    return (
        pd.concat(
            [
                pd.Series(payment, index=flows["supply_organisation"].to_numpy()),
                pd.Series(-payment, index=flows["demand_organisation"].to_numpy()),
            ]
        )
        .groupby(level=0)
        .sum()
    )


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_designs(), st.lists(st.floats(-1e6, 1e6), min_size=5, max_size=5))
def test_prices_stay_in_range_and_reachable_shares_are_reached(
    design: tuple[pd.DataFrame, np.ndarray], noise: list[float]
) -> None:
    flows, drawn = design
    now = _at_zero_price(flows).set_index("organisation")["net_benefit"]
    span = price_range(flows)
    # shares reached by prices in range: the settlement reaches them, within the ranges
    reachable = now.add(_effect(flows, drawn * flows["flow"].to_numpy()), fill_value=0.0)
    result = settle_allocation(flows, now.rename("net_benefit").reset_index(), reachable)
    table = result.exchanges
    scale = max(1.0, float(reachable.abs().max()))
    assert result.reachable
    assert result.participants["gap"].abs().max() <= 1e-6 * scale
    width = (span["price_hi"] - span["price_lo"]).abs().to_numpy()
    slack = 1e-7 * np.maximum(1.0, width)
    lo = np.minimum(span["price_lo"], span["price_hi"]).to_numpy()
    hi = np.maximum(span["price_lo"], span["price_hi"]).to_numpy()
    assert (table["price_per_unit"].to_numpy() >= lo - slack).all()
    assert (table["price_per_unit"].to_numpy() <= hi + slack).all()
    # payments sum to zero across organisations
    effect = _effect(flows, table["payment_per_yr"].to_numpy())
    assert abs(effect.sum()) <= 1e-9 * max(1.0, float(table["payment_per_yr"].abs().sum()))
    # any asked shares with the same total: prices still in range, and the nearest
    # reachable shares are no farther from them than the ones just reached
    shift = pd.Series(noise[: len(now)], index=now.index)
    asked = reachable + shift - shift.mean()
    other = settle_allocation(flows, now.rename("net_benefit").reset_index(), asked)
    prices = other.exchanges["price_per_unit"].to_numpy()
    assert (prices >= lo - slack).all() and (prices <= hi + slack).all()
    nearest = other.participants["reachable"]
    assert nearest.sum() == pytest.approx(asked.sum(), rel=1e-9, abs=1e-6 * scale)
    assert np.linalg.norm(asked - nearest) <= np.linalg.norm(asked - reachable) + 1e-6 * scale
