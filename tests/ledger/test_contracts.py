"""Contract periods by hand: band, take-or-pay, deliver-or-pay, excess, gate fees;
settlement in cents that sums to zero."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from symbiograph.errors import InputError, NotFoundError
from symbiograph.ledger import ContractTerms, Delivery, Payment, assess_period, settle

# Ørsted's gypsum to Gyproc: 100 to 150 t a month at 20 EUR/t; take-or-pay at half the price,
# deliver-or-pay at a quarter; tonnes above the band are not paid
GYPSUM = ContractTerms("K-gyp", "orsted", "gyproc", 100, 150, 20.0, 0.5, 0.25, 0.0)


def _net(d: Delivery, terms: ContractTerms = GYPSUM) -> dict[str, int]:
    return settle([terms], [d])[1]


def test_inside_the_band_the_buyer_pays_the_price() -> None:
    out = assess_period(GYPSUM, Delivery("K-gyp", "2026-01", 120, 120))
    assert (out.paid_quantity, out.buyer_shortfall, out.supplier_shortfall, out.excess) == (
        120,
        0,
        0,
        0,
    )
    assert out.payments == (Payment("gyproc", "orsted", 240_000, "delivered within the band"),)


def test_take_or_pay_when_the_buyer_nominates_too_little() -> None:
    # 80 t at 20 = 1,600 EUR; 20 t short of the minimum at 10 EUR = 200 EUR
    d = Delivery("K-gyp", "2026-02", 80, 80)
    out = assess_period(GYPSUM, d)
    assert out.buyer_shortfall == 20
    assert [p.cents for p in out.payments] == [160_000, 20_000]
    assert _net(d) == {"orsted": 180_000, "gyproc": -180_000}


def test_deliver_or_pay_when_the_supplier_falls_short() -> None:
    # 140 nominated, 110 delivered: 2,200 EUR for the gypsum, 30 t short at 5 EUR = 150 EUR back
    d = Delivery("K-gyp", "2026-03", 140, 110)
    out = assess_period(GYPSUM, d)
    assert out.supplier_shortfall == 30
    assert out.payments[-1] == Payment("orsted", "gyproc", 15_000, "deliver-or-pay: short")
    assert _net(d) == {"orsted": 205_000, "gyproc": -205_000}


def test_excess_above_the_band_and_nominations_above_it() -> None:
    over = assess_period(GYPSUM, Delivery("K-gyp", "2026-04", 150, 170))
    assert (over.excess, over.paid_quantity) == (20, 150)
    assert [p.cents for p in over.payments] == [300_000]  # the 20 t extra are not paid
    paid_extra = ContractTerms("K2", "orsted", "gyproc", 100, 150, 20.0, excess_factor=0.5)
    assert _net(Delivery("K2", "2026-04", 150, 170), paid_extra)["orsted"] == 320_000
    # 200 nominated is capped at 150 owed; 140 delivered is 10 t short: 2,800 - 50 EUR
    big = assess_period(GYPSUM, Delivery("K-gyp", "2026-05", 200, 140))
    assert big.supplier_shortfall == 10
    assert _net(Delivery("K-gyp", "2026-05", 200, 140)) == {"orsted": 275_000, "gyproc": -275_000}


def test_gate_fee_turns_the_sale_round_but_not_the_penalty() -> None:
    # fly ash: the producer pays 30 EUR/t to the cement works, which must take 60 t a month
    ash = ContractTerms("K-ash", "power", "cement", 60, 100, -30.0, take_or_pay=0.5)
    out = assess_period(ash, Delivery("K-ash", "2026-01", 50, 50))
    assert out.payments == (
        Payment("power", "cement", 150_000, "delivered within the band"),
        Payment("cement", "power", 15_000, "take-or-pay: nominated below min_take"),
    )
    assert settle([ash], [Delivery("K-ash", "2026-01", 50, 50)])[1] == {
        "power": -135_000,
        "cement": 135_000,
    }


def test_bad_terms_and_deliveries_are_refused() -> None:
    with pytest.raises(InputError, match="max_take"):
        ContractTerms("K", "a", "b", 10, 5, 1.0)
    with pytest.raises(InputError, match="both"):
        ContractTerms("K", "a", "a", 0, 5, 1.0)
    with pytest.raises(InputError, match="price"):
        ContractTerms("K", "a", "b", 0, 5, float("nan"))
    with pytest.raises(InputError, match="delivered"):
        assess_period(GYPSUM, Delivery("K-gyp", "2026-01", 10, -1))
    with pytest.raises(NotFoundError, match="K-none"):
        settle([GYPSUM], [Delivery("K-none", "2026-01", 10, 10)])
    with pytest.raises(InputError, match="two deliveries"):
        settle([GYPSUM], [Delivery("K-gyp", "2026-01", 10, 10)] * 2)


ORGS = ["a", "b", "c", "d"]
quantity = st.floats(0, 1000, allow_nan=False)


@st.composite
def park(draw: st.DrawFn) -> tuple[list[ContractTerms], list[Delivery]]:
    contracts = []
    for i in range(draw(st.integers(1, 5))):
        supplier, buyer = draw(st.permutations(ORGS))[:2]
        low = draw(quantity)
        contracts.append(
            ContractTerms(
                f"K{i}",
                supplier,
                buyer,
                low,
                low + draw(quantity),
                draw(st.floats(-100, 100, allow_nan=False)),
                draw(st.floats(0, 2)),
                draw(st.floats(0, 2)),
                draw(st.floats(0, 1)),
            )
        )
    deliveries = [
        Delivery(c.contract, f"2026-{m:02d}", draw(quantity), draw(quantity))
        for c in contracts
        for m in range(1, draw(st.integers(1, 4)))
    ]
    return contracts, deliveries


@given(park())
def test_settlement_sums_to_zero(case: tuple[list[ContractTerms], list[Delivery]]) -> None:
    contracts, deliveries = case
    outcomes, net = settle(contracts, deliveries)
    assert sum(net.values()) == 0
    assert len(outcomes) == len(deliveries)
    terms = {c.contract: c for c in contracts}
    again = dict.fromkeys(net, 0)
    for out, d in zip(outcomes, deliveries, strict=True):
        c = terms[d.contract]
        assert all(
            p.cents > 0 and {p.payer, p.payee} == {c.supplier, c.buyer} for p in out.payments
        )
        assert out.paid_quantity + out.excess == pytest.approx(d.delivered)
        assert out.paid_quantity <= c.max_take
        for p in out.payments:
            again[p.payer] -= p.cents
            again[p.payee] += p.cents
    assert again == net
