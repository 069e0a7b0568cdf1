"""Exchange rates between currencies, as the scenario parameter ``exchange_rates`` gives them."""

from __future__ import annotations

import math

__all__ = ["exchange_rates"]


def exchange_rates(text: str) -> dict[str, float]:
    """Parse ``exchange_rates`` ("DKK=0.134 USD=0.92", also comma-separated): units of the
    scenario currency per unit of each currency, keyed by upper-case code. Raises ValueError
    naming the first bad entry."""
    rates: dict[str, float] = {}
    for item in str(text or "").replace(",", " ").split():
        code, _, value = item.partition("=")
        try:
            rate = float(value)
        except ValueError:
            rate = math.nan
        if not code or not math.isfinite(rate) or rate <= 0:
            raise ValueError(f"exchange rate {item!r} is not CODE=positive number (e.g. DKK=0.134)")
        rates[code.upper()] = rate
    return rates
