"""Contract obligations per period: the quantity band, take-or-pay, deliver-or-pay, excess,
and the period's settlement between the parties (in integer cents, summing to zero).

Each period the buyer nominates a quantity and the supplier delivers. Inside the band
``[min_take, max_take]`` the buyer pays ``price`` per unit delivered. If the buyer nominates
less than ``min_take`` it still pays ``take_or_pay`` times the price for each unit short
(take-or-pay). If the supplier delivers less than was nominated (up to ``max_take``) it pays
``deliver_or_pay`` times the price for each unit short (deliver-or-pay). Units delivered
above ``max_take`` are paid at ``excess_factor`` times the price (0: not paid). A negative
price is a gate fee: the supplier pays the buyer to take the material (the penalties keep
their direction: the party that falls short pays).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from symbiograph.errors import InputError, NotFoundError

__all__ = ["ContractTerms", "Delivery", "Payment", "PeriodOutcome", "assess_period", "settle"]


def _finite(name: str, value: float, where: str, low: float | None = None) -> None:
    if not isinstance(value, int | float) or not math.isfinite(value):
        raise InputError(f"{where}: {name} must be a finite number, not {value!r}")
    if low is not None and value < low:
        raise InputError(f"{where}: {name} must be at least {low}, not {value}")


@dataclass(frozen=True)
class ContractTerms:
    """A bilateral supply contract: quantities in the resource's unit per period, ``price``
    in currency per unit, penalty rates as fractions of the price."""

    contract: str
    supplier: str
    buyer: str
    min_take: float
    max_take: float
    price: float
    take_or_pay: float = 0.0
    deliver_or_pay: float = 0.0
    excess_factor: float = 0.0

    def __post_init__(self) -> None:
        where = f"contract {self.contract!r}"
        if self.supplier == self.buyer:
            raise InputError(f"{where}: supplier and buyer are both {self.supplier!r}")
        _finite("min_take", self.min_take, where, 0.0)
        _finite("max_take", self.max_take, where, 0.0)
        if self.max_take < self.min_take:
            raise InputError(f"{where}: max_take {self.max_take} is below min_take {self.min_take}")
        _finite("price", self.price, where)
        for name in ("take_or_pay", "deliver_or_pay", "excess_factor"):
            _finite(name, getattr(self, name), where, 0.0)


@dataclass(frozen=True)
class Delivery:
    """What happened in one ``period`` of a contract: the buyer's ``nominated`` quantity and
    the ``delivered`` (metered or declared) quantity, in the contract's unit."""

    contract: str
    period: str
    nominated: float
    delivered: float


@dataclass(frozen=True)
class Payment:
    """``payer`` owes ``payee`` ``cents`` (positive) for ``reason``."""

    payer: str
    payee: str
    cents: int
    reason: str


@dataclass(frozen=True)
class PeriodOutcome:
    """One contract's period: quantities (contract unit) and the payments due."""

    contract: str
    period: str
    paid_quantity: float
    buyer_shortfall: float
    supplier_shortfall: float
    excess: float
    payments: tuple[Payment, ...]


def _cents(amount: float) -> int:
    return round(amount * 100)


def _pay(frm: str, to: str, amount: float, reason: str) -> Payment | None:
    cents = _cents(amount)
    if cents == 0:
        return None
    if cents < 0:  # a negative price turns the payment round
        return Payment(to, frm, -cents, reason)
    return Payment(frm, to, cents, reason)


def assess_period(terms: ContractTerms, delivery: Delivery) -> PeriodOutcome:
    """Shortfalls, excess and payments of one delivery against its contract."""
    where = f"delivery {delivery.contract!r} {delivery.period!r}"
    if delivery.contract != terms.contract:
        raise InputError(f"{where} is not under contract {terms.contract!r}")
    _finite("nominated", delivery.nominated, where, 0.0)
    _finite("delivered", delivery.delivered, where, 0.0)
    owed = min(delivery.nominated, terms.max_take)  # what the supplier must deliver
    buyer_short = max(0.0, terms.min_take - delivery.nominated)
    supplier_short = max(0.0, owed - delivery.delivered)
    excess = max(0.0, delivery.delivered - terms.max_take)
    paid = min(delivery.delivered, terms.max_take)
    b, s, p = terms.buyer, terms.supplier, terms.price
    candidates = [
        _pay(b, s, p * paid, "delivered within the band"),
        _pay(b, s, p * terms.excess_factor * excess, "delivered above max_take"),
        _pay(
            b, s, abs(p) * terms.take_or_pay * buyer_short, "take-or-pay: nominated below min_take"
        ),
        _pay(s, b, abs(p) * terms.deliver_or_pay * supplier_short, "deliver-or-pay: short"),
    ]
    return PeriodOutcome(
        terms.contract,
        delivery.period,
        paid,
        buyer_short,
        supplier_short,
        excess,
        tuple(x for x in candidates if x is not None),
    )


def settle(
    contracts: Iterable[ContractTerms], deliveries: Iterable[Delivery]
) -> tuple[list[PeriodOutcome], dict[str, int]]:
    """Every delivery assessed, and each organisation's net position in cents (received
    minus paid; the positions sum to zero). An unknown contract or a period recorded twice
    for a contract is refused."""
    terms: Mapping[str, ContractTerms] = {c.contract: c for c in contracts}
    outcomes: list[PeriodOutcome] = []
    seen: set[tuple[str, str]] = set()
    net: dict[str, int] = {}
    for c in terms.values():
        net.setdefault(c.supplier, 0)
        net.setdefault(c.buyer, 0)
    for d in deliveries:
        if d.contract not in terms:
            raise NotFoundError(f"delivery for period {d.period!r}: no contract {d.contract!r}")
        if (d.contract, d.period) in seen:
            raise InputError(f"contract {d.contract!r} has two deliveries for period {d.period!r}")
        seen.add((d.contract, d.period))
        outcome = assess_period(terms[d.contract], d)
        outcomes.append(outcome)
        for pay in outcome.payments:
            net[pay.payer] -= pay.cents
            net[pay.payee] += pay.cents
    return outcomes, net
