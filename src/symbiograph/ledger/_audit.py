"""The audit of a replayed log: every recorded delivery against its contract (shortfall,
take-or-pay, excess, off-spec, unmeasured quality), every period of an active contract
without a delivery, and every waste delivery the receiver has not countersigned."""

from __future__ import annotations

from dataclasses import dataclass

from symbiograph.ledger._contracts import assess_period
from symbiograph.ledger._lifecycle import LedgerView, terms_from_record

__all__ = ["Breach", "audit"]


@dataclass(frozen=True)
class Breach:
    """One breach: the ``contract``, ``period``, the delivery's ``entry`` (None for a
    missing delivery) and what was broken, in words."""

    contract: str
    period: str
    entry: int | None
    breach: str


def _months(first: str, last: str) -> list[str]:
    year, month = int(first[:4]), int(first[5:7])
    out: list[str] = []
    while f"{year}-{month:02d}" <= last:
        out.append(f"{year}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def audit(view: LedgerView, through: str | None = None) -> list[Breach]:
    """Every breach the log shows, by contract and period. Periods without a delivery are
    counted from a contract's first period to ``through`` (YYYY-MM; default the latest
    period with a delivery in the log), skipping the months it was suspended."""
    out: list[Breach] = []
    latest = through or max((p for _, p in view.deliveries), default=None)
    for (name, period), (index, delivery) in sorted(view.deliveries.items()):
        state = view.contracts[name]
        terms = terms_from_record(name, state.terms)
        value = view.indices.get((terms.price_index, period)) if terms.price_index else None
        outcome = assess_period(terms, delivery, value)
        out.extend(Breach(name, period, index, b) for b in outcome.breaches())
        _, record = view.records[index]
        if record.get("transfer") is not None and index not in view.countersigned:
            out.append(
                Breach(name, period, index, "waste transfer note lacks the receiver's signature")
            )
    if latest is None:
        return out
    for name, state in sorted(view.contracts.items()):
        if state.first_period is None:
            continue
        last = min(latest, state.last_period or latest)
        for period in _months(state.first_period, last):
            if (name, period) in view.deliveries:
                continue
            if state.paused(period):
                continue
            out.append(Breach(name, period, None, "no delivery recorded"))
    return out
