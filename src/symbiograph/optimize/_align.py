"""Strict alignment of the design's inputs: every candidate names a supply and a demand of
the network, carries finite numbers where the model needs them, and has its own id; every
corridor and store names what exists. A misaligned row is an InputError naming the row, the
candidate and the field, never an empty or NaN design."""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np
import pandas as pd

from symbiograph.errors import InputError
from symbiograph.model import Network

__all__ = ["check_candidates", "check_corridors", "check_stores"]

#: Candidate columns the design reads; numbers must be finite (>= 0 where marked).
_IDS = ("candidate_id", "supply_id", "demand_id", "supply_organisation", "demand_organisation")
_NUMBERS = {
    "max_flow": True,
    "demand_units_per_unit": True,
    "disposal_price_per_unit": False,
    "avoided_virgin_per_unit": False,
    "transport_cost_per_unit": False,
    "treatment_cost_per_unit": False,
    "co2e_t_per_unit": False,
    "capex_per_yr": True,
}
_OTHER = ("kind", "unit", "mode", "route_km", "landfill_diverted")


def _where(candidates: pd.DataFrame, row: int) -> str:
    cid = candidates["candidate_id"].iloc[row] if "candidate_id" in candidates else None
    named = f" (candidate {cid!r})" if isinstance(cid, str) and cid else ""
    return f"candidates row {row}{named}"


def _first(mask: np.ndarray) -> int | None:
    hits = np.flatnonzero(mask)
    return int(hits[0]) if len(hits) else None


def _numbers(
    table: pd.DataFrame, columns: Iterable[tuple[str, bool]], where: Callable[[int], str]
) -> None:
    """Each of ``columns`` (name, must be >= 0) holds finite numbers; else an InputError at
    the first bad row."""
    for name, non_negative in columns:
        values = pd.to_numeric(table[name], errors="coerce").to_numpy(dtype=float)
        bad = ~np.isfinite(values) | ((values < 0) if non_negative else False)
        row = _first(np.asarray(bad, dtype=bool))
        if row is not None:
            need = "a finite number >= 0" if non_negative else "a finite number"
            raise InputError(f"{where(row)}: {name} must be {need}, got {table[name].iloc[row]!r}")


def _site_rows(candidates: pd.DataFrame) -> np.ndarray:
    """Rows whose demand is a shared facility's site (limited by its corridor, not a
    stream of the network)."""
    if "demand_is_site" not in candidates.columns:
        return np.zeros(len(candidates), dtype=bool)
    return candidates["demand_is_site"].fillna(False).to_numpy(dtype=bool)


def check_candidates(network: Network, candidates: pd.DataFrame) -> None:
    """Refuse candidates that do not align with ``network``: a missing column, a missing or
    repeated candidate id, a supply (demand) id that is not a supply (demand) stream of the
    network, a missing organisation, or a NaN, infinite or (where it must not be) negative
    number. Also refuses supplies and demands used whose quantity is not a finite number
    >= 0. Raises InputError naming the row, the candidate and the field."""
    missing = [c for c in (*_IDS, *_NUMBERS, *_OTHER) if c not in candidates.columns]
    if missing:
        raise InputError(f"candidates: missing column(s) {', '.join(map(repr, missing))}")
    c = candidates.reset_index(drop=True)
    for name in _IDS:
        values = c[name]
        row = _first((values.isna() | (values.astype(str) == "")).to_numpy())
        if row is not None:
            raise InputError(f"{_where(c, row)}: {name} is missing")
    repeated = c["candidate_id"].duplicated(keep="first").to_numpy()
    row = _first(repeated)
    if row is not None:
        cid = c["candidate_id"].iloc[row]
        earlier = int(np.flatnonzero((c["candidate_id"] == cid).to_numpy())[0])
        raise InputError(
            f"candidates row {row}: candidate_id {cid!r} repeats row {earlier}; every "
            "candidate needs its own id"
        )
    streams = network.streams
    direction = pd.Series(streams["direction"].to_numpy(dtype=object), index=streams["id"])
    site = _site_rows(c)
    for name, side in (("supply_id", "supply"), ("demand_id", "demand")):
        found = c[name].map(direction)
        row = _first((found != side).to_numpy() & ~(site if side == "demand" else False))
        if row is not None:
            sid = c[name].iloc[row]
            what = "no stream" if pd.isna(found.iloc[row]) else f"a {found.iloc[row]} stream"
            raise InputError(
                f"{_where(c, row)}: {name} {sid!r} is {what} of the network, not a {side}"
            )
    _numbers(c, _NUMBERS.items(), lambda r: _where(c, r))
    used = pd.unique(np.concatenate([c["supply_id"].to_numpy(), c["demand_id"][~site].to_numpy()]))
    quantity = streams.set_index("id")["quantity"].reindex(used)
    values = pd.to_numeric(quantity, errors="coerce").to_numpy(dtype=float)
    row = _first(~np.isfinite(values) | (values < 0))
    if row is not None:
        raise InputError(
            f"stream {used[row]!r}: quantity must be a finite number >= 0, got "
            f"{quantity.iloc[row]!r} (used by the candidates)"
        )


def check_corridors(candidates: pd.DataFrame, corridors: pd.DataFrame | None) -> None:
    """Refuse corridors with a missing or repeated id, a NaN or negative cost or capacity,
    or a member that is not a candidate, and candidates to a shared facility's site
    (``demand_is_site``) that no corridor carries. Raises InputError naming the corridor
    (candidate) and field."""
    c = candidates.reset_index(drop=True)
    members = {
        m
        for ids in (corridors.get("candidate_ids", []) if corridors is not None else [])
        for m in ids
    }
    row = _first(_site_rows(c) & ~c["candidate_id"].isin(members).to_numpy())
    if row is not None:
        raise InputError(
            f"{_where(c, row)}: demand_id {c['demand_id'].iloc[row]!r} is a shared site "
            "(demand_is_site) but no corridor carries the candidate"
        )
    if corridors is None:
        return
    for name in ("corridor_id", "fixed_cost_per_yr", "capacity"):
        if name not in corridors.columns:
            raise InputError(f"corridors: missing column {name!r}")
    table = corridors.reset_index(drop=True)
    row = _first(table["corridor_id"].duplicated().to_numpy())
    if row is not None:
        raise InputError(f"corridors row {row}: corridor_id {table['corridor_id'][row]!r} repeats")
    _numbers(
        table,
        (("fixed_cost_per_yr", True), ("capacity", True)),
        lambda r: f"corridors row {r} (corridor {table['corridor_id'][r]!r})",
    )
    known = set(candidates["candidate_id"])
    for k, members in enumerate(table.get("candidate_ids", [])):
        unknown = [m for m in members if m not in known]
        if unknown:
            raise InputError(
                f"corridors row {k} (corridor {table['corridor_id'][k]!r}): candidate_ids "
                f"name no candidate: {unknown[:5]}"
            )


def check_stores(network: Network, stores: pd.DataFrame) -> None:
    """Refuse stores with a missing column, a demand_id that is not a demand stream, or a
    NaN or negative number. Raises InputError naming the store and field."""
    numbers = ("capacity", "loss_per_slice", "efficiency", "fixed_cost_per_yr")
    for name in ("store_id", "demand_id", *numbers):
        if name not in stores.columns:
            raise InputError(f"stores: missing column {name!r}")
    table = stores.reset_index(drop=True)
    streams = network.streams
    demands = set(streams.loc[streams["direction"] == "demand", "id"])
    row = _first(~table["demand_id"].isin(demands).to_numpy())
    if row is not None:
        raise InputError(
            f"stores row {row} (store {table['store_id'][row]!r}): demand_id "
            f"{table['demand_id'][row]!r} is not a demand stream of the network"
        )
    _numbers(
        table,
        ((name, True) for name in numbers),
        lambda r: f"stores row {r} (store {table['store_id'][r]!r})",
    )
