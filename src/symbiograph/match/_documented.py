"""Documented exchanges in matching: a pair that already trades keeps its documented mode
and route, and a link that is built carries no new capital cost (sunk), only its running
cost and the renewal of the years beyond its remaining life."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

__all__ = ["apply_documented_routes", "documented", "documented_link_costs"]

#: Order in which a pair's documented exchanges speak for it (the first wins).
_STATUS_ORDER = {"existing": 0, "planned": 1, "candidate": 2, "ended": 3}


def documented(exchanges: pd.DataFrame) -> pd.DataFrame:
    """One row per documented (supply_id, demand_id) pair: the exchange that speaks for it
    (existing before planned before ended), its status, mode and route_km (km, NaN when not
    documented), link_status (``built``: sunk, ``new``: charged as new-build; an existing
    exchange's link is built unless it says otherwise), remaining_life_years (yr, NaN: the
    whole lifetime) and operating_cost_per_yr (currency/yr, 0 when not given)."""
    columns = [
        "supply_id",
        "demand_id",
        "exchange_id",
        "exchange_status",
        "mode",
        "route_km",
        "link_status",
        "remaining_life_years",
        "operating_cost_per_yr",
    ]
    if exchanges is None or not len(exchanges):
        return pd.DataFrame({c: [] for c in columns})
    ex = exchanges.reset_index(drop=True)

    def col(name: str, default: Any) -> pd.Series:
        return ex[name] if name in ex.columns else pd.Series([default] * len(ex), index=ex.index)

    status = col("status", "existing").fillna("existing").astype(str)
    infrastructure = col("infrastructure", None)
    given = infrastructure.notna() & (infrastructure.astype(str).str.strip() != "")
    link_status = np.where(
        given, infrastructure.astype(str), np.where(status == "existing", "built", "new")
    )
    mode = col("mode", None)
    table = pd.DataFrame(
        {
            "supply_id": ex["supply_id"].astype(str).to_numpy(dtype=object),
            "demand_id": ex["demand_id"].astype(str).to_numpy(dtype=object),
            "exchange_id": ex["id"].astype(str).to_numpy(dtype=object),
            "exchange_status": status.to_numpy(dtype=object),
            "mode": mode.where(mode.notna() & (mode.astype(str) != ""), None).to_numpy(
                dtype=object
            ),
            "route_km": pd.to_numeric(col("route_km", np.nan), errors="coerce").to_numpy(float),
            "link_status": link_status.astype(object),
            "remaining_life_years": pd.to_numeric(
                col("remaining_life_years", np.nan), errors="coerce"
            ).to_numpy(float),
            "operating_cost_per_yr": np.nan_to_num(
                pd.to_numeric(col("operating_cost_per_yr", np.nan), errors="coerce").to_numpy(float)
            ),
        }
    )
    order = table["exchange_status"].map(_STATUS_ORDER).fillna(9).to_numpy()
    table = table.iloc[np.lexsort((np.arange(len(table)), order))]
    return table.drop_duplicates(["supply_id", "demand_id"], keep="first").reset_index(drop=True)


def _aligned(pairs: pd.DataFrame, doc: pd.DataFrame) -> pd.DataFrame:
    """``doc``'s row for each row of ``pairs`` (NaN/None where the pair is not documented)."""
    key = pd.MultiIndex.from_arrays([doc["supply_id"], doc["demand_id"]])
    where = key.get_indexer(pd.MultiIndex.from_arrays([pairs["supply_id"], pairs["demand_id"]]))
    out = doc.reindex(np.where(where >= 0, where, len(doc))).reset_index(drop=True)
    out["_documented"] = where >= 0
    return out


def apply_documented_routes(
    table: pd.DataFrame, doc: pd.DataFrame, modes: pd.DataFrame
) -> tuple[pd.DataFrame, np.ndarray]:
    """Give each pair of ``table`` (supply_id, demand_id, distance_km, mode, route_km) that
    is a documented exchange its documented mode and route (km; without a documented route:
    the distance times the documented mode's detour factor). Returns the table and a mask of
    the pairs that run today (an existing exchange), which no reach limit may refuse."""
    if not len(doc) or not len(table):
        return table, np.zeros(len(table), dtype=bool)
    d = _aligned(table, doc)
    has_mode = d["_documented"].to_numpy() & d["mode"].notna().to_numpy()
    mode = np.where(
        has_mode, d["mode"].to_numpy(dtype=object), table["mode"].to_numpy(dtype=object)
    )
    detour = modes["detour_factor"].reindex(mode).to_numpy(dtype=float)
    detour = np.where(np.isfinite(detour) & (detour > 0), detour, 1.0)
    distance = table["distance_km"].to_numpy(dtype=float)
    route = np.where(has_mode, distance * detour, table["route_km"].to_numpy(dtype=float))
    doc_route = d["route_km"].to_numpy(dtype=float)
    route = np.where(d["_documented"].to_numpy() & np.isfinite(doc_route), doc_route, route)
    out = table.copy()
    out["mode"] = pd.Series(mode, dtype=object, index=out.index)
    out["route_km"] = route
    running = d["_documented"].to_numpy() & (d["exchange_status"] == "existing").to_numpy()
    return out, running


def documented_link_costs(
    table: pd.DataFrame, doc: pd.DataFrame, parameters: dict[str, Any]
) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """For each pair of ``table`` (supply_id, demand_id): its exchange_id, exchange_status
    and link_status (built|new; ``new`` for an undocumented pair) as columns, the share of
    the new-build capex its link is charged and its running cost (currency/yr), for
    ``price_pairs``. A built link's capital is sunk: it is charged the share of the lifetime
    beyond its remaining life (0 when it lasts the whole lifetime) and its operating cost."""
    n = len(table)
    columns = pd.DataFrame(
        {
            "exchange_id": pd.Series([None] * n, dtype=object),
            "exchange_status": pd.Series([None] * n, dtype=object),
            "link_status": pd.Series(["new"] * n, dtype=object),
        },
        index=table.index,
    )
    if not len(doc) or not n:
        return columns, np.ones(n), np.zeros(n)
    d = _aligned(table, doc)
    known = d["_documented"].to_numpy()
    columns["exchange_id"] = np.where(known, d["exchange_id"].to_numpy(dtype=object), None)
    columns["exchange_status"] = np.where(known, d["exchange_status"].to_numpy(dtype=object), None)
    built = known & (d["link_status"] == "built").to_numpy()
    columns["link_status"] = np.where(built, "built", "new")
    operating = np.where(built, np.nan_to_num(d["operating_cost_per_yr"].to_numpy(float)), 0.0)
    years = float(parameters.get("lifetime_years", 20.0))
    remaining = d["remaining_life_years"].to_numpy(dtype=float)
    beyond = np.where(np.isfinite(remaining), np.clip((years - remaining) / years, 0.0, 1.0), 0.0)
    return columns, np.where(built, beyond, 1.0), operating
