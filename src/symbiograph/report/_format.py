"""How every number of a report reads: money in plain thousands (``113,900,000``, never
``1.139e+08``), optionally compact (``113.9 M``), quantities with their unit, percentages,
and readable names for streams (``"Ørsted Asnæs: fly ash"``) instead of their ids.

One module so that the network, design and allocation reports cannot drift apart. A text
value (a confidential figure's band, ``"10,000 to 20,000"``) is passed through unchanged;
NaN and None read as ``""``.
"""

from __future__ import annotations

import math
import re
from typing import Any

import pandas as pd

from symbiograph.model import Network

__all__ = [
    "cell",
    "facility_labels",
    "labelled",
    "money",
    "number",
    "percent",
    "quantity",
    "stream_labels",
    "value_for_unit",
]

_COMPACT = ((1e9, "bn"), (1e6, "M"), (1e3, "k"))
#: Units whose values are counts (shown as whole numbers) or shares (shown as %).
_COUNT_UNITS = frozenset({"exchanges", "organisations", "resource types", "FTE"})
_SHARE_UNITS = frozenset({"share"})


def _missing(value: Any) -> bool:
    if value is None or value is pd.NA:
        return True
    try:
        return not math.isfinite(float(value))
    except (TypeError, ValueError):
        return False


def number(value: Any, decimals: int | None = None) -> str:
    """A plain number with thousands separators and no exponent.

    ``decimals`` fixes the decimals; by default values of 100 or more are whole numbers,
    smaller ones keep three significant digits (``12.3``, ``0.00123``); ``-0`` reads ``0``.
    Infinite values read ``∞``/``-∞``; text passes through."""
    if isinstance(value, str):
        return value
    if value is None or value is pd.NA:
        return ""
    v = float(value)
    if math.isnan(v):
        return ""
    if math.isinf(v):
        return "∞" if v > 0 else "-∞"
    auto = decimals is None
    if decimals is None:
        size = abs(v)
        decimals = 0 if size >= 100 or size == 0 else max(0, 2 - math.floor(math.log10(size)))
    text = f"{v:,.{decimals}f}"
    if auto and "." in text:
        text = text.rstrip("0").rstrip(".")
    if text.lstrip("-").strip("0.,") == "":
        text = text.lstrip("-")
    return text


def money(value: Any, compact: bool = False) -> str:
    """Money as whole units with thousands separators (``61,930,974``); ``compact`` gives
    ``61.9 M`` (k, M, bn) for values of a thousand or more. Text (a band) passes through."""
    if isinstance(value, str) or _missing(value):
        return number(value)
    v = float(value)
    if compact:
        for size, suffix in _COMPACT:
            if abs(v) >= size:
                return f"{v / size:,.1f} {suffix}"
    return number(v, 0)


def percent(value: Any, decimals: int = 1) -> str:
    """A share (0.136) as a percentage (``13.6%``)."""
    if isinstance(value, str) or _missing(value):
        return number(value)
    return f"{float(value) * 100:,.{decimals}f}%"


def quantity(value: Any, unit: str = "") -> str:
    """A quantity with its unit (``150,000 t/yr``); text (a band) keeps the unit too."""
    text = number(value)
    return f"{text} {unit}".rstrip() if text and unit else text


def value_for_unit(value: Any, unit: str, currency: str = "") -> str:
    """A value formatted for its unit: money (the currency, currency/yr) in whole units,
    counts whole, shares as percentages, years with one decimal, the rest plain."""
    if isinstance(value, str):
        return value
    unit = str(unit or "")
    if unit in _SHARE_UNITS:
        return percent(value)
    if unit in _COUNT_UNITS:
        return number(value, 0) if abs(float(value)) >= 10 or float(value) == 0 else number(value)
    if unit == "yr":
        return number(value, 1)
    if currency and unit.split("/")[0] == currency:
        return money(value)
    return number(value)


def cell(value: Any, decimals: int | None = None) -> str:
    """A table cell: text (a band, a label) unchanged, a number by :func:`number`."""
    return value if isinstance(value, str) else number(value, decimals)


def facility_labels(network: Network) -> dict[str, str]:
    """A readable name of each facility id: ``"organisation, facility"`` (``"Ørsted, Asnæs
    Power Station"``; a parenthesised alias in the name is left out, and the organisation
    is not repeated when the name already starts with it)."""
    labels: dict[str, str] = {}
    for fid, name, org in zip(
        network.facilities["id"],
        network.facilities["name"],
        network.facilities["organisation"],
        strict=True,
    ):
        short = re.sub(r"\s*\([^)]*\)", "", str(name or "")).strip() or str(fid)
        org = str(org or "").strip()
        labels[str(fid)] = (
            f"{org}, {short}" if org and not short.lower().startswith(org.lower()) else short
        )
    return labels


def stream_labels(network: Network) -> dict[str, str]:
    """A readable name of each stream id: ``"organisation, facility: resource"`` (see
    :func:`facility_labels`; the resource's name in lower case unless it reads as a proper
    name), e.g. ``"Ørsted, Asnæs Power Station: coal fly ash"``. Ids not in the network are
    absent."""
    streams = network.streams
    if not len(streams):
        return {}
    places = facility_labels(network)
    resources = network.resources.drop_duplicates("id").set_index("id")["name"]
    labels: dict[str, str] = {}
    for sid, fid, rid in zip(
        streams["id"], streams["facility_id"], streams["resource_id"], strict=True
    ):
        what = re.sub(r"\s*\([^)]*\)", "", str(resources.get(rid, "") or rid)).strip()
        if what[:1].isupper() and not what[1:2].isupper():
            what = what[0].lower() + what[1:]
        labels[str(sid)] = f"{places.get(str(fid), str(fid))}: {what}"
    return labels


def labelled(ids: Any, labels: dict[str, str]) -> list[str]:
    """Each id's label; an id without one is kept as it is."""
    return [labels.get(str(i), str(i)) if not _missing(i) else "" for i in ids]
