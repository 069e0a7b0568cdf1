"""Contract lifecycle, joint decisions, deliveries and their replay, by hand; off-spec and
indexed prices checked on paper; the period settlement sums to zero (hypothesis) with
quality ranges and indexed prices too."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger.ledgerkit import NOTE
from symbiograph.errors import InputError, NotFoundError
from symbiograph.ledger import (
    ContractTerms,
    Delivery,
    LedgerView,
    Payment,
    assess_period,
    audit,
    cost_shares,
    settle,
    terms_record,
)

# Ørsted's gypsum to Gyproc: 100 to 150 t a month at 20 EUR/t, purity at least 95 %,
# moisture at most 10 %; off-spec gypsum is paid at 60 % of the price
GYPSUM = ContractTerms(
    "K-gyp",
    "orsted",
    "gyproc",
    100,
    150,
    20.0,
    0.5,
    0.25,
    quality=(("moisture_pct", None, 10.0), ("purity_pct", 95.0, None)),
    off_spec_factor=0.6,
)
LEAF = bytes(range(32))


def test_off_spec_delivery_is_paid_at_the_factor() -> None:
    # 120 t at moisture 12 %: off-spec; 120 * 20 * 0.6 = 1,440 EUR
    out = assess_period(
        GYPSUM, Delivery("K-gyp", "2026-01", 120, 120, {"moisture_pct": 12.0, "purity_pct": 96})
    )
    assert out.off_spec == ("moisture_pct=12 outside [-inf, 10]",)
    assert out.payments == (Payment("gyproc", "orsted", 144_000, "off-spec, paid at 0.6"),)
    assert out.breaches() == ["off-spec: moisture_pct=12 outside [-inf, 10]"]


def test_off_spec_with_factor_zero_is_rejected_and_the_supplier_pays_deliver_or_pay() -> None:
    reject = ContractTerms(
        "K-r", "orsted", "gyproc", 100, 150, 20.0, 0.5, 0.25, quality=(("purity_pct", 95.0, None),)
    )
    # 120 nominated and delivered at purity 90: rejected, 120 t short at 5 EUR = 600 EUR
    out = assess_period(reject, Delivery("K-r", "2026-01", 120, 120, {"purity_pct": 90.0}))
    assert (out.rejected, out.paid_quantity, out.supplier_shortfall) == (120, 0, 120)
    assert out.payments == (Payment("orsted", "gyproc", 60_000, "deliver-or-pay: short"),)
    assert "rejected: 120 off-spec" in out.breaches()


def test_unmeasured_quality_is_reported_not_penalised() -> None:
    out = assess_period(GYPSUM, Delivery("K-gyp", "2026-01", 120, 120, {"purity_pct": 97.0}))
    assert out.unmeasured == ("moisture_pct",)
    assert out.payments == (Payment("gyproc", "orsted", 240_000, "delivered within the band"),)


def test_indexed_price_follows_the_published_index() -> None:
    # steam at 40 EUR/MWh when the index stands at its base 100; in March it is 110
    steam = ContractTerms(
        "K-st",
        "orsted",
        "novo",
        10_000,
        14_000,
        40.0,
        take_or_pay=0.5,
        price_basis="indexed",
        price_index="energy",
        index_base=100.0,
    )
    d = Delivery("K-st", "2026-03", 8_000, 8_000)
    out = assess_period(steam, d, 110.0)
    assert out.unit_price == pytest.approx(44.0)
    # 8,000 MWh at 44 = 352,000 EUR; 2,000 MWh short of min_take at 22 = 44,000 EUR
    assert [p.cents for p in out.payments] == [35_200_000, 4_400_000]
    assert settle([steam], [d], {("energy", "2026-03"): 110.0})[1]["orsted"] == 39_600_000
    with pytest.raises(InputError, match="no published value"):
        settle([steam], [d])
    with pytest.raises(InputError, match="index_base"):
        ContractTerms("K", "a", "b", 0, 1, 1.0, price_basis="indexed", price_index="e")
    with pytest.raises(InputError, match="price_basis"):
        ContractTerms("K", "a", "b", 0, 1, 1.0, price_basis="spot")


def _propose(view: LedgerView, terms: ContractTerms = GYPSUM, at: int = 0) -> None:
    record = {
        "type": "contract.propose",
        "contract": terms.contract,
        "terms": terms_record(terms, start="2026-01", months=12),
        "parties": [terms.supplier, terms.buyer],
    }
    view.apply(at, terms.supplier, record, LEAF)


def _active(view: LedgerView) -> None:
    _propose(view)
    for i, org in enumerate(("orsted", "gyproc"), start=1):
        view.apply(i, org, {"type": "contract.sign", "contract": "K-gyp", "terms_hash": LEAF.hex()})
    view.apply(3, "gyproc", {"type": "contract.activate", "contract": "K-gyp", "period": "2026-01"})


def _delivery(period: str, delivered: float = 120.0, **more: object) -> dict[str, object]:
    return {
        "type": "delivery",
        "contract": "K-gyp",
        "period": period,
        "nominated": 120.0,
        "delivered": delivered,
        "measured": "metered",
        "quality": {"purity_pct": 96.0, "moisture_pct": 9.0},
        **more,
    }


def test_lifecycle_draft_signed_active_suspended_terminated() -> None:
    view = LedgerView()
    _propose(view)
    state = view.contracts["K-gyp"]
    assert (state.status, state.terms_hash) == ("draft", LEAF.hex())
    sign = {"type": "contract.sign", "contract": "K-gyp", "terms_hash": LEAF.hex()}
    with pytest.raises(InputError, match="not a party"):
        view.apply(1, "kemira", sign)
    with pytest.raises(InputError, match="other terms"):
        view.apply(1, "gyproc", {**sign, "terms_hash": "00" * 32})
    with pytest.raises(InputError, match="needs it signed"):
        view.apply(
            1, "gyproc", {"type": "contract.activate", "contract": "K-gyp", "period": "2026-01"}
        )
    view.apply(1, "gyproc", sign)
    assert view.contracts["K-gyp"].status == "draft"  # one of two parties
    with pytest.raises(InputError, match="signed already"):
        view.apply(2, "gyproc", sign)
    view.apply(2, "orsted", sign)
    assert view.contracts["K-gyp"].status == "signed"
    view.apply(3, "gyproc", {"type": "contract.activate", "contract": "K-gyp", "period": "2026-01"})
    view.apply(4, "orsted", _delivery("2026-01"))
    with pytest.raises(InputError, match="reason"):
        view.apply(
            5, "orsted", {"type": "contract.suspend", "contract": "K-gyp", "period": "2026-02"}
        )
    view.apply(
        5,
        "orsted",
        {"type": "contract.suspend", "contract": "K-gyp", "period": "2026-02", "reason": "outage"},
    )
    with pytest.raises(InputError, match="does not cover 2026-02"):
        view.apply(6, "orsted", _delivery("2026-02"))
    view.apply(6, "orsted", {"type": "contract.resume", "contract": "K-gyp", "period": "2026-03"})
    view.apply(7, "orsted", _delivery("2026-03", 100.0))
    view.apply(
        8,
        "gyproc",
        {
            "type": "contract.terminate",
            "contract": "K-gyp",
            "period": "2026-03",
            "reason": "plant closes",
        },
    )
    state = view.contracts["K-gyp"]
    assert state.status == "terminated"
    assert [s for _, s, _ in state.history] == [
        "propose",
        "sign",
        "sign",
        "activate",
        "suspend",
        "resume",
        "terminate",
    ]
    assert state.pauses == (("2026-02", "2026-03"),)
    with pytest.raises(InputError, match="terminated"):
        view.apply(
            9, "orsted", {"type": "contract.resume", "contract": "K-gyp", "period": "2026-04"}
        )
    # the audit: the March shortfall (120 nominated, 100 delivered); February was suspended
    breaches = audit(view)
    assert [(b.period, b.breach) for b in breaches] == [
        ("2026-03", "shortfall: 20 short of the nomination")
    ]
    # a state survives its JSON
    assert type(state).from_json(state.json()) == state


def test_a_delivery_twice_in_a_period_or_by_a_stranger_is_refused() -> None:
    view = LedgerView()
    with pytest.raises(NotFoundError):
        view.apply(0, "orsted", _delivery("2026-01"))
    _active(view)
    view.apply(4, "orsted", _delivery("2026-01"))
    with pytest.raises(InputError, match="already"):
        view.apply(5, "orsted", _delivery("2026-01"))
    with pytest.raises(InputError, match="neither"):
        view.apply(5, "kemira", _delivery("2026-02"))
    with pytest.raises(InputError, match="finite number"):
        view.apply(5, "orsted", _delivery("2026-02", float("nan")))
    with pytest.raises(InputError, match="YYYY-MM"):
        view.apply(5, "orsted", _delivery("2026-13"))
    assert audit(view, through="2026-02")[-1].breach == "no delivery recorded"


def test_joint_decision_approved_by_all_or_rejected_by_one() -> None:
    view = LedgerView()
    proposal = {
        "type": "decision.propose",
        "decision": "D1",
        "title": "shared pipeline",
        "cost_cents": 1_000_00,
        "shares": {"orsted": 600_00, "gyproc": 400_00},
        "method": "shapley",
    }
    with pytest.raises(InputError, match="sum to"):
        view.apply(0, "orsted", {**proposal, "shares": {"orsted": 1, "gyproc": 2}})
    view.apply(0, "orsted", proposal, LEAF)
    vote = {
        "type": "decision.vote",
        "decision": "D1",
        "vote": "approve",
        "proposal_hash": LEAF.hex(),
    }
    with pytest.raises(InputError, match="no share"):
        view.apply(1, "kemira", vote)
    view.apply(1, "orsted", vote)
    assert view.decisions["D1"].status == "open"
    view.apply(2, "gyproc", vote)
    assert view.decisions["D1"].status == "approved"
    other = LedgerView()
    other.apply(0, "orsted", {**proposal}, LEAF)
    other.apply(1, "gyproc", {**vote, "vote": "reject"})
    assert other.decisions["D1"].status == "rejected"
    with pytest.raises(InputError, match="rejected already"):
        other.apply(2, "orsted", vote)


def test_waste_delivery_needs_a_complete_note_and_the_receivers_countersignature() -> None:
    view = LedgerView()
    _active(view)
    with pytest.raises(InputError, match=r"cannot be signed; it lacks .*carrier_registration"):
        view.apply(4, "orsted", _delivery("2026-01", transfer={"description": "FGD gypsum"}))
    view.apply(4, "orsted", _delivery("2026-01", transfer=NOTE), LEAF)
    assert audit(view)[-1].breach == "waste transfer note lacks the receiver's signature"
    countersign = {"type": "delivery.countersign", "delivery": 4, "leaf_hash": LEAF.hex()}
    with pytest.raises(InputError, match="not the other party"):
        view.apply(5, "orsted", countersign)
    with pytest.raises(InputError, match="another leaf"):
        view.apply(5, "gyproc", {**countersign, "leaf_hash": "11" * 32})
    view.apply(5, "gyproc", countersign)
    assert audit(view) == []


ORGS = ["a", "b", "c", "d"]
quantity = st.floats(0, 1000, allow_nan=False)


@st.composite
def park(
    draw: st.DrawFn,
) -> tuple[list[ContractTerms], list[Delivery], dict[tuple[str, str], float]]:
    contracts = []
    for i in range(draw(st.integers(1, 5))):
        supplier, buyer = draw(st.permutations(ORGS))[:2]
        low = draw(quantity)
        indexed = draw(st.booleans())
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
                quality=(("q", draw(st.floats(0, 5)), draw(st.floats(5, 10))),),
                off_spec_factor=draw(st.sampled_from([0.0, 0.5, 1.0])),
                price_basis="indexed" if indexed else "fixed",
                price_index="idx" if indexed else "",
                index_base=100.0 if indexed else 0.0,
            )
        )
    deliveries = [
        Delivery(
            c.contract,
            f"2026-{m:02d}",
            draw(quantity),
            draw(quantity),
            {"q": draw(st.floats(0, 12))},
        )
        for c in contracts
        for m in range(1, draw(st.integers(1, 4)))
    ]
    indices = {("idx", f"2026-{m:02d}"): draw(st.floats(50, 200)) for m in range(1, 4)}
    return contracts, deliveries, indices


@given(park())
def test_period_settlement_sums_to_zero_with_quality_and_indices(
    case: tuple[list[ContractTerms], list[Delivery], dict[tuple[str, str], float]],
) -> None:
    contracts, deliveries, indices = case
    outcomes, net = settle(contracts, deliveries, indices)
    assert sum(net.values()) == 0
    terms = {c.contract: c for c in contracts}
    for out, d in zip(outcomes, deliveries, strict=True):
        c = terms[d.contract]
        assert out.paid_quantity + out.excess + out.rejected == pytest.approx(d.delivered)
        assert all(
            p.cents > 0 and {p.payer, p.payee} == {c.supplier, c.buyer} for p in out.payments
        )
        _, lo, hi = c.quality[0]
        assert bool(out.off_spec) == (d.quality["q"] < lo or d.quality["q"] > hi)


def test_cost_shares_by_hand() -> None:
    # Shapley cost shares 1,050,000 and 1,350,000 of a 2,400,000 EUR pipeline
    assert cost_shares({"a": 1_050_000.0, "b": 1_350_000.0}, 240_000_000) == {
        "a": 105_000_000,
        "b": 135_000_000,
    }
    # a third each of 100 cents: the remainder cent goes to the first by name
    assert cost_shares({"c": 1, "b": 1, "a": 1}, 100) == {"a": 34, "b": 33, "c": 33}
    with pytest.raises(InputError, match="sum to 0"):
        cost_shares({"a": 0.0}, 10)
    with pytest.raises(InputError, match=">= 0"):
        cost_shares({"a": -1.0, "b": 2.0}, 10)


@given(
    st.dictionaries(st.sampled_from(ORGS), st.floats(0, 1e9), min_size=1),
    st.integers(0, 10**12),
)
def test_cost_shares_sum_exactly(shares: dict[str, float], cost: int) -> None:
    if sum(shares.values()) <= 0:
        return
    out = cost_shares(shares, cost)
    assert sum(out.values()) == cost
    total = sum(shares.values())
    assert all(abs(out[o] - cost * s / total) < 1 + 1e-6 * cost for o, s in shares.items())
