"""Who may see what: disclosure levels, viewers and the bands confidential figures are shown as.

The rule, in one place. A stream marked ``confidential`` may be seen in full only by its
owner (the organisation running its facility), the facilitator and the analyst working on
their own machine. Every other viewer sees, instead of any figure that is or is computed
from the stream's quantity, price or quality, the *band* the figure falls in:

* Bands follow the 1-2-5 series of each power of ten (..., 1 to 2, 2 to 5, 5 to 10, 10 to
  20, ...), on the absolute value with the sign kept: 12,500 t/yr is shown as
  ``10,000 to 20,000 t/yr`` and a price of 37.4 EUR/t as ``20 to 50``. The upper edge is at
  most 2.5 times the lower one, so a band keeps the order of magnitude (what a partner needs
  to judge an exchange) and hides the value (what a competitor could use). Zero stays 0.
  A value exactly on an edge shows that edge as the lower end of its band.
* Bands rather than "summed with k others": a sum shown exactly next to the other streams'
  exact values gives the confidential one away by subtraction, so a total to which a hidden
  figure contributes is banded too (see :func:`total_label`).

Nothing here reads files or a database: it takes tables and returns tables.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import IntEnum
from itertools import pairwise

import numpy as np
import pandas as pd

__all__ = [
    "FULL",
    "SHARED",
    "Disclosure",
    "Viewer",
    "band",
    "band_label",
    "band_middle",
    "number_label",
]


class Disclosure(IntEnum):
    """How much of the confidential streams a viewer may see, least first.

    ``PUBLIC`` (anyone) and ``PARTNERS`` (the park's participants) see every confidential
    stream of another organisation as bands; ``FACILITATOR`` (who runs the park's platform)
    and ``ANALYST`` (the modeller's own output, ``--full``) see every value.
    """

    PUBLIC = 0
    PARTNERS = 1
    FACILITATOR = 2
    ANALYST = 3


@dataclass(frozen=True)
class Viewer:
    """Who looks at an output: a disclosure level and the organisations they speak for.

    A viewer sees a confidential stream in full when their level is ``FACILITATOR`` or
    above, or when the stream's facility belongs to one of ``organisations`` (its owner).
    The web platform maps its roles to viewers; reports and exports default to
    :data:`SHARED`.
    """

    disclosure: Disclosure = Disclosure.PARTNERS
    organisations: frozenset[str] = field(default_factory=frozenset)

    @property
    def full(self) -> bool:
        """True if this viewer sees every confidential value."""
        return self.disclosure >= Disclosure.FACILITATOR

    def sees(self, organisation: str) -> bool:
        """True if this viewer may see the confidential streams of ``organisation``."""
        return self.full or organisation in self.organisations

    @classmethod
    def owner(cls, organisations: Iterable[str]) -> Viewer:
        """A participant who sees their own confidential streams and others' as bands."""
        return cls(Disclosure.PARTNERS, frozenset(organisations))


#: The default viewer of every report and export: a participant of no particular organisation.
SHARED = Viewer(Disclosure.PARTNERS)
#: The analyst's own output (``--full``): every value, confidential or not.
FULL = Viewer(Disclosure.ANALYST)

_STEPS = (1.0, 2.0, 5.0, 10.0)


def band(value: float) -> tuple[float, float]:
    """The 1-2-5 band ``(low, high)`` holding ``value`` (low <= value < high for value > 0;
    mirrored for negatives; (0, 0) for zero, (nan, nan) for NaN)."""
    if value is None or not math.isfinite(value):
        return (math.nan, math.nan)
    if value == 0:
        return (0.0, 0.0)
    size = abs(float(value))
    exponent = math.floor(math.log10(size))
    decade = 10.0**exponent
    if size < decade:  # log10 rounding just below a power of ten
        exponent -= 1
        decade = 10.0**exponent
    elif size >= 10 * decade:
        exponent += 1
        decade = 10.0**exponent
    low = high = decade
    for a, b in pairwise(_STEPS):
        if a * decade <= size < b * decade:
            low, high = _tidy(a * decade, exponent), _tidy(b * decade, exponent)
            break
    if value < 0:
        return (-high, -low)
    return (low, high)


def _tidy(edge: float, exponent: int) -> float:
    """A band edge without binary noise (0.2 not 0.20000000000000001)."""
    return round(edge, max(0, -exponent + 1))


def number_label(value: float) -> str:
    """A band edge or an exact figure as text: thousands separated, no needless decimals."""
    if value is None or not math.isfinite(value):
        return ""
    if abs(value) >= 1 or value == 0:
        return f"{value:,.0f}"
    decimals = -math.floor(math.log10(abs(value))) + 1
    return f"{value:.{decimals}f}".rstrip("0").rstrip(".")


def band_label(value: float, unit: str = "") -> str:
    """``value``'s band as text, e.g. ``"10,000 to 20,000 t/yr"`` ("0" for zero, "" for NaN)."""
    low, high = band(value)
    if not math.isfinite(low):
        return ""
    text = "0" if low == high == 0 else f"{number_label(low)} to {number_label(high)}"
    return f"{text} {unit}".rstrip() if unit else text


def band_middle(values: np.ndarray | pd.Series | float) -> np.ndarray:
    """The geometric middle of each value's band (sign kept; 0 and NaN unchanged): a stand-in
    for drawing (line widths, Sankey links) that says no more than the band."""
    arr = np.atleast_1d(np.asarray(values, dtype=float))
    out = arr.copy()
    for i, v in enumerate(arr):
        low, high = band(float(v))
        if math.isfinite(low) and low != 0:
            out[i] = math.copysign(math.sqrt(low * high), low)
    return out
