"""Redaction of the Network tables and of the result tables for a viewer.

Which columns are confidential is schema data: an attribute whose ``redact`` field is set
(``quantity``, ``price``, ``quality`` or ``derived``) in ``model/attributes.csv``. A row is
hidden from a viewer when it belongs to, or (a candidate, flow or exchange) involves, a
confidential stream the viewer may not see.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import replace

import numpy as np
import pandas as pd

from symbiograph.access._disclosure import SHARED, Viewer, band, band_label
from symbiograph.model import Network, attributes

__all__ = [
    "hidden_rows",
    "hidden_streams",
    "redact_columns",
    "redact_network",
    "redact_table",
    "redact_text",
    "redacted_columns",
    "total_label",
]

_NUMBER = re.compile(r"(?<![\w.])-?\d[\d,]*(?:\.\d+)?(?:[eE][+-]?\d+)?")


def hidden_streams(network: Network, viewer: Viewer = SHARED) -> frozenset[str]:
    """Ids of the confidential streams whose figures ``viewer`` may not see."""
    if viewer.full or not len(network.streams):
        return frozenset()
    streams = network.streams
    confidential = streams["confidential"].fillna(False).to_numpy(dtype=bool)
    if not confidential.any():
        return frozenset()
    owner = streams["facility_id"].map(
        network.facilities.drop_duplicates("id").set_index("id")["organisation"]
    )
    seen = owner.map(lambda o: viewer.sees(str(o))).fillna(False).to_numpy(dtype=bool)
    return frozenset(streams["id"].to_numpy(dtype=object)[confidential & ~seen].tolist())


def hidden_rows(
    table: pd.DataFrame,
    hidden: Iterable[str],
    columns: Sequence[str] = ("supply_id", "demand_id"),
) -> np.ndarray:
    """Boolean mask of the rows of ``table`` naming a hidden stream in any of ``columns``."""
    hidden = frozenset(hidden)
    mask = np.zeros(len(table), dtype=bool)
    if not hidden:
        return mask
    for col in columns:
        if col in table.columns:
            mask |= table[col].isin(hidden).to_numpy(dtype=bool)
    return mask


def redacted_columns(table: str) -> list[str]:
    """The columns of schema table ``table`` that are confidential for a hidden stream."""
    return [a.name for a in attributes(table) if a.redact]


def redact_text(text: str) -> str:
    """``text`` with every number replaced by its band (``"up to 12500 t/yr"`` becomes
    ``"up to 10,000 to 20,000 t/yr"``)."""

    def banded(match: re.Match[str]) -> str:
        try:
            value = float(match.group(0).replace(",", ""))
        except ValueError:
            return match.group(0)
        return f"[{band_label(value)}]"

    return _NUMBER.sub(banded, str(text))


def redact_columns(
    table: pd.DataFrame, rows: np.ndarray, columns: Iterable[str], unit: str = ""
) -> pd.DataFrame:
    """A copy of ``table`` whose ``columns`` show, on the ``rows`` (boolean mask), the band of
    each number instead of the number (text: every number in it banded); other cells keep
    their values. A redacted column holds text on the hidden rows (object dtype)."""
    out = table.copy()
    if not rows.any():
        return out
    for col in columns:
        if col not in out.columns:
            continue
        values = out[col].astype(object).to_numpy(copy=True)
        for pos in np.flatnonzero(rows):
            v = values[pos]
            if isinstance(v, bool | np.bool_) or v is None or v is pd.NA:
                continue
            if isinstance(v, str):
                values[pos] = redact_text(v)
            else:
                f = float(v)
                values[pos] = band_label(f, unit) if np.isfinite(f) else v
        out[col] = pd.Series(values, index=out.index, dtype=object)
    return out


def redact_table(
    table: pd.DataFrame, schema: str, network: Network, viewer: Viewer = SHARED
) -> pd.DataFrame:
    """``table`` (a result table described by schema table ``schema``: candidates, flows or
    exchange_assessment) as ``viewer`` may see it: the confidential columns of every row
    whose supply or demand is a hidden stream show bands."""
    rows = hidden_rows(table, hidden_streams(network, viewer))
    return redact_columns(table, rows, redacted_columns(schema))


def total_label(values: pd.Series | np.ndarray, hidden: np.ndarray, unit: str = "") -> str:
    """The sum of ``values`` as text: exact (``"12,345"``) when no hidden row contributes a
    non-zero figure, else its band, so the hidden part cannot be got back by subtraction."""
    arr = np.asarray(values, dtype=float)
    total = float(np.nansum(arr))
    tainted = bool((hidden & (np.nan_to_num(arr) != 0)).any())
    if tainted:
        return band_label(total, unit)
    text = f"{total:,.0f}"
    return f"{text} {unit}".rstrip() if unit else text


def _note(existing: object, addition: str) -> str:
    text = "" if existing is None or existing is pd.NA or str(existing) == "nan" else str(existing)
    return f"{text}; {addition}" if text else addition


def redact_network(network: Network, viewer: Viewer = SHARED) -> Network:
    """A copy of ``network`` as ``viewer`` may see it, for exports (YAML, CSV, XLSX, GeoJSON).

    For each hidden stream: ``quantity`` and ``price`` are left empty, ``quantity_min`` and
    ``quantity_max`` become the low and high edge of the quantity's band, its quality values
    are left empty with ``min``/``max`` widened to band edges, and its ``note`` says so (with
    the price's band). An exchange with a hidden end loses its quantity, and its note gives
    the band. Nothing else changes; with nothing hidden the network is returned as is.
    """
    hidden = hidden_streams(network, viewer)
    if not hidden:
        return network
    streams = network.streams.copy()
    rows = streams["id"].isin(hidden).to_numpy()
    currency = str(network.parameters.get("currency", "EUR"))
    units = streams["resource_id"].map(
        network.resources.drop_duplicates("id").set_index("id")["unit"]
    )
    note = streams["note"].astype(object).to_numpy(copy=True)
    qmin = streams["quantity_min"].to_numpy(dtype=float, copy=True)
    qmax = streams["quantity_max"].to_numpy(dtype=float, copy=True)
    quantity = streams["quantity"].to_numpy(dtype=float)
    price = streams["price"].to_numpy(dtype=float)
    for pos in np.flatnonzero(rows):
        low = qmin[pos] if np.isfinite(qmin[pos]) else quantity[pos]
        high = qmax[pos] if np.isfinite(qmax[pos]) else quantity[pos]
        qmin[pos] = band(low)[0]
        qmax[pos] = band(high)[1] if band(high)[1] != 0 else 0.0
        said = "confidential: quantity shown as the band quantity_min..quantity_max"
        if np.isfinite(price[pos]):
            unit = str(units.iloc[pos]).split("/")[0]
            said += f"; price {band_label(price[pos])} {currency}/{unit}"
        note[pos] = _note(note[pos], said)
    streams["quantity_min"] = qmin
    streams["quantity_max"] = qmax
    streams.loc[rows, ["quantity", "price"]] = np.nan
    streams["note"] = note

    quality = network.stream_quality.copy()
    qrows = quality["stream_id"].isin(hidden).to_numpy()
    if qrows.any():
        value = quality["value"].to_numpy(dtype=float)
        lo = quality["min"].to_numpy(dtype=float, copy=True)
        hi = quality["max"].to_numpy(dtype=float, copy=True)
        for pos in np.flatnonzero(qrows):
            a = lo[pos] if np.isfinite(lo[pos]) else value[pos]
            b = hi[pos] if np.isfinite(hi[pos]) else value[pos]
            lo[pos] = min(band(a)) if np.isfinite(a) else np.nan
            hi[pos] = max(band(b)) if np.isfinite(b) else np.nan
        quality["min"], quality["max"] = lo, hi
        quality.loc[qrows, "value"] = np.nan

    exchanges = network.exchanges.copy()
    erows = hidden_rows(exchanges, hidden)
    if erows.any():
        enote = exchanges["note"].astype(object).to_numpy(copy=True)
        eq = exchanges["quantity"].to_numpy(dtype=float)
        for pos in np.flatnonzero(erows):
            if np.isfinite(eq[pos]):
                enote[pos] = _note(enote[pos], f"confidential: quantity {band_label(eq[pos])}")
        exchanges["note"] = enote
        exchanges.loc[erows, "quantity"] = np.nan
    return replace(network, streams=streams, stream_quality=quality, exchanges=exchanges)
