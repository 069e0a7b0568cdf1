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
from dataclasses import dataclass, field

from symbiograph.errors import InputError, NotFoundError

__all__ = [
    "PRICE_BASES",
    "ContractTerms",
    "Delivery",
    "Payment",
    "PeriodOutcome",
    "assess_period",
    "settle",
]

#: How a contract's unit price is set.
PRICE_BASES = ("fixed", "indexed", "settlement")

QualityRange = tuple[str, float | None, float | None]


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
    quality: tuple[QualityRange, ...] = ()
    off_spec_factor: float = 0.0
    price_basis: str = "fixed"
    price_index: str = ""
    index_base: float = 0.0

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
        _finite("off_spec_factor", self.off_spec_factor, where, 0.0)
        if self.off_spec_factor > 1:
            raise InputError(
                f"{where}: off_spec_factor must be at most 1, not {self.off_spec_factor}"
            )
        for spec in self.quality:
            if len(spec) != 3 or not isinstance(spec[0], str) or not spec[0]:
                raise InputError(f"{where}: a quality range is (attribute, min, max), not {spec!r}")
            attribute, lo, hi = spec
            for bound, value in (("min", lo), ("max", hi)):
                if value is not None:
                    _finite(f"quality {attribute} {bound}", value, where)
            if lo is not None and hi is not None and hi < lo:
                raise InputError(f"{where}: quality {attribute} max {hi} is below min {lo}")
        if self.price_basis not in PRICE_BASES:
            raise InputError(
                f"{where}: price_basis {self.price_basis!r} is not one of {', '.join(PRICE_BASES)}"
            )
        if self.price_basis == "indexed":
            if not self.price_index:
                raise InputError(f"{where}: an indexed price names its price_index")
            _finite("index_base", self.index_base, where)
            if self.index_base <= 0:
                raise InputError(f"{where}: index_base must be positive, not {self.index_base}")

    def unit_price(self, index_value: float | None = None) -> float:
        """The period's price per unit: ``price``, or for an indexed price
        ``price * index_value / index_base`` (``index_value`` then required)."""
        if self.price_basis != "indexed":
            return self.price
        where = f"contract {self.contract!r}"
        if index_value is None:
            raise InputError(f"{where}: no published value of index {self.price_index!r}")
        _finite(f"index {self.price_index} value", index_value, where, 0.0)
        return self.price * index_value / self.index_base

    def off_spec(self, measured: Mapping[str, float]) -> tuple[list[str], list[str]]:
        """The attributes measured outside their accepted range (each as ``"attr=value
        outside [min, max]"``) and the specified attributes not measured."""
        outside: list[str] = []
        unmeasured: list[str] = []
        for attribute, lo, hi in self.quality:
            value = measured.get(attribute)
            if value is None:
                unmeasured.append(attribute)
                continue
            _finite(f"quality {attribute}", value, f"contract {self.contract!r}")
            if (lo is not None and value < lo) or (hi is not None and value > hi):
                low = "-inf" if lo is None else f"{lo:g}"
                high = "inf" if hi is None else f"{hi:g}"
                outside.append(f"{attribute}={value:g} outside [{low}, {high}]")
        return outside, unmeasured


@dataclass(frozen=True)
class Delivery:
    """What happened in one ``period`` of a contract: the buyer's ``nominated`` quantity,
    the ``delivered`` (metered or declared) quantity, in the contract's unit, and the
    ``quality`` measured (attribute -> value, in the attribute's unit)."""

    contract: str
    period: str
    nominated: float
    delivered: float
    quality: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Payment:
    """``payer`` owes ``payee`` ``cents`` (positive) for ``reason``."""

    payer: str
    payee: str
    cents: int
    reason: str


@dataclass(frozen=True)
class PeriodOutcome:
    """One contract's period: quantities (contract unit), the unit price applied, the
    quality found off-spec or not measured, and the payments due. ``rejected`` is the
    quantity refused as off-spec (with ``off_spec_factor`` 0)."""

    contract: str
    period: str
    paid_quantity: float
    buyer_shortfall: float
    supplier_shortfall: float
    excess: float
    payments: tuple[Payment, ...]
    unit_price: float = 0.0
    off_spec: tuple[str, ...] = ()
    unmeasured: tuple[str, ...] = ()
    rejected: float = 0.0

    def breaches(self) -> list[str]:
        """The period's breaches of the contract, in words (empty when it was kept)."""
        out: list[str] = []
        if self.supplier_shortfall > 0:
            out.append(f"shortfall: {self.supplier_shortfall:g} short of the nomination")
        if self.buyer_shortfall > 0:
            out.append(f"take-or-pay: nominated {self.buyer_shortfall:g} below min_take")
        if self.excess > 0:
            out.append(f"excess: {self.excess:g} above max_take")
        out.extend(f"off-spec: {x}" for x in self.off_spec)
        if self.rejected > 0:
            out.append(f"rejected: {self.rejected:g} off-spec")
        out.extend(f"quality not measured: {x}" for x in self.unmeasured)
        return out


def _cents(amount: float) -> int:
    return round(amount * 100)


def _pay(frm: str, to: str, amount: float, reason: str) -> Payment | None:
    cents = _cents(amount)
    if cents == 0:
        return None
    if cents < 0:  # a negative price turns the payment round
        return Payment(to, frm, -cents, reason)
    return Payment(frm, to, cents, reason)


def assess_period(
    terms: ContractTerms, delivery: Delivery, index_value: float | None = None
) -> PeriodOutcome:
    """Shortfalls, excess, quality and payments of one delivery against its contract
    (``index_value``: the period's published value of an indexed price's index)."""
    where = f"delivery {delivery.contract!r} {delivery.period!r}"
    if delivery.contract != terms.contract:
        raise InputError(f"{where} is not under contract {terms.contract!r}")
    _finite("nominated", delivery.nominated, where, 0.0)
    _finite("delivered", delivery.delivered, where, 0.0)
    unit = terms.unit_price(index_value)
    outside, unmeasured = terms.off_spec(delivery.quality)
    factor = terms.off_spec_factor if outside else 1.0
    rejected = delivery.delivered if outside and factor == 0 else 0.0
    accepted = delivery.delivered - rejected
    owed = min(delivery.nominated, terms.max_take)  # what the supplier must deliver
    buyer_short = max(0.0, terms.min_take - delivery.nominated)
    supplier_short = max(0.0, owed - accepted)
    excess = max(0.0, accepted - terms.max_take)
    paid = min(accepted, terms.max_take)
    b, s = terms.buyer, terms.supplier
    within = "delivered within the band" if not outside else f"off-spec, paid at {factor:g}"
    candidates = [
        _pay(b, s, unit * factor * paid, within),
        _pay(b, s, unit * factor * terms.excess_factor * excess, "delivered above max_take"),
        _pay(
            b,
            s,
            abs(unit) * terms.take_or_pay * buyer_short,
            "take-or-pay: nominated below min_take",
        ),
        _pay(s, b, abs(unit) * terms.deliver_or_pay * supplier_short, "deliver-or-pay: short"),
    ]
    return PeriodOutcome(
        terms.contract,
        delivery.period,
        paid,
        buyer_short,
        supplier_short,
        excess,
        tuple(x for x in candidates if x is not None),
        unit,
        tuple(outside),
        tuple(unmeasured),
        rejected,
    )


def settle(
    contracts: Iterable[ContractTerms],
    deliveries: Iterable[Delivery],
    indices: Mapping[tuple[str, str], float] | None = None,
) -> tuple[list[PeriodOutcome], dict[str, int]]:
    """Every delivery assessed, and each organisation's net position in cents (received
    minus paid; the positions sum to zero). ``indices`` maps (index name, period) to the
    published value for indexed prices. An unknown contract or a period recorded twice for
    a contract is refused."""
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
        c = terms[d.contract]
        value = (indices or {}).get((c.price_index, d.period)) if c.price_index else None
        outcome = assess_period(c, d, value)
        outcomes.append(outcome)
        for pay in outcome.payments:
            net[pay.payer] -= pay.cents
            net[pay.payee] += pay.cents
    return outcomes, net
