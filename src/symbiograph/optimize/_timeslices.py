"""Time slices: the year cut into slices (twelve months, or the 24 hours of a representative
day per season), stream profiles over them, and storage (heat stores, water tanks) that
shifts a surplus from one slice to another.

The time-sliced model is built from the same tables as the annual one: a flow column per
candidate and slice, one build switch per candidate for the whole year, and per store a
charge, a discharge and a level column per slice.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from symbiograph.model import Network, months_available
from symbiograph.optimize._builder import DesignModel, DesignTables, RowBlocks, add_link_rows

__all__ = [
    "TimeSlices",
    "build_timesliced_model",
    "monthly_slices",
    "representative_days",
    "stream_profiles",
]

_DAYS = np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=float)
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


_SEASONS = {  # meteorological seasons: their months (0 = January)
    "winter": (11, 0, 1),
    "spring": (2, 3, 4),
    "summer": (5, 6, 7),
    "autumn": (8, 9, 10),
}


@dataclass(frozen=True)
class TimeSlices:
    """Slices of the year: their names, the share of the year each covers (sums to 1), how
    many consecutive slices make one storage cycle (``cycle``; the store level after the
    last slice of a cycle carries into its first), how many times each slice's cycle repeats
    in the year (``repeats``: a store holds at most its capacity in each repeat, so the
    level summed over the repeats is capped at capacity x repeats), and the share of each
    slice falling in each calendar month (``month_weight``, slices x 12)."""

    names: tuple[str, ...]
    share: np.ndarray
    cycle: int
    repeats: np.ndarray
    month_weight: np.ndarray

    def __len__(self) -> int:
        return len(self.names)


def monthly_slices() -> TimeSlices:
    """Twelve months weighted by their days (a 365-day year), one storage cycle a year."""
    return TimeSlices(_MONTHS, _DAYS / _DAYS.sum(), 12, np.ones(12), np.eye(12))


def representative_days() -> TimeSlices:
    """The 24 hours of one representative day per season (winter Dec-Feb, spring, summer,
    autumn): 96 slices, each standing for its hour on every day of its season (weighted by
    the season's days), with storage cycling within the day (a daily heat store or tank)."""
    names, share, repeats, weight = [], [], [], []
    for season, months in _SEASONS.items():
        days = float(_DAYS[list(months)].sum())
        month_share = np.zeros(12)
        month_share[list(months)] = _DAYS[list(months)] / days
        for hour in range(24):
            names.append(f"{season}-{hour:02d}")
            share.append(days / _DAYS.sum() / 24.0)
            repeats.append(days)
            weight.append(month_share)
    return TimeSlices(tuple(names), np.array(share), 24, np.array(repeats), np.array(weight))


def time_slices(name: str) -> TimeSlices:
    """The slices called ``name``: "monthly" or "days" (representative days)."""
    if name == "monthly":
        return monthly_slices()
    if name == "days":
        return representative_days()
    raise ValueError(f"time slices must be monthly or days, not {name!r}")


def stream_profiles(network: Network, stream_ids: np.ndarray, slices: TimeSlices) -> np.ndarray:
    """Share of each stream's annual quantity in each slice, shape (streams, slices).

    Continuous streams follow the slice lengths; seasonal ones are spread over their months
    only (a slice covering several months gets the share of its days that are available); a
    time series gives relative levels per step (step k = slice k, e.g. 96 hourly levels of
    four representative days).
    """
    streams = network.streams.set_index("id").loc[list(stream_ids)]
    n, t = len(streams), len(slices)
    out = np.tile(slices.share, (n, 1))
    seasonal = (streams["availability"] == "seasonal").to_numpy()
    if seasonal.any():
        for i in np.flatnonzero(seasonal):
            available = months_available(streams["months"].iloc[i]).astype(float)
            out[i] = slices.share * (slices.month_weight @ available)
    series = (streams["availability"] == "timeseries").to_numpy()
    if series.any():
        ts = network.timeseries
        for i in np.flatnonzero(series):
            rows = ts[ts["id"] == streams["timeseries_id"].iloc[i]]
            level = np.ones(t)
            steps = rows["step"].to_numpy(dtype=int) - 1
            keep = (steps >= 0) & (steps < t)
            level[steps[keep]] = rows["value"].to_numpy(dtype=float)[keep]
            out[i] = level * slices.share
    total = out.sum(axis=1, keepdims=True)
    return np.divide(out, total, out=np.zeros_like(out), where=total > 0)


def build_timesliced_model(
    tables: DesignTables,
    slices: TimeSlices,
    supply_profile: np.ndarray,
    demand_profile: np.ndarray,
    stores: pd.DataFrame,
    demand_price: np.ndarray,
    objective: str = "cost",
    co2_weight: float = 0.0,
) -> DesignModel:
    """The design MILP over time slices, with storage.

    ``stores`` (positions into the demands): store_id, demand_pos, capacity (units of the
    demand), loss_per_slice (share of the level lost each slice), efficiency (share of a
    charge that reaches the store), fixed_cost_per_yr (a build switch when > 0). Charging
    takes delivered supply away from today's use and discharging serves the demand later,
    so charge costs and discharge earns the demand's virgin price (``demand_price``,
    currency per unit). The store level is cyclic over each cycle of slices (the year for
    months, the day for representative days); a slice that stands for several days holds
    the level summed over them, at most capacity x repeats.
    """
    c = tables.candidates
    n, t = len(c), len(slices)
    ns, nd, nk = len(tables.supply_ids), len(tables.demand_ids), len(stores)
    money = c["money_per_unit"].to_numpy(dtype=float)
    co2 = c["co2e_t_per_unit"].to_numpy(dtype=float)
    flow_obj = {"cost": money, "co2": co2 + 1e-6 * money, "weighted": money + co2_weight * co2}[
        objective
    ]
    fixed = c["fixed_cost_per_yr"].to_numpy(dtype=float)
    min_flow = c["min_flow"].to_numpy(dtype=float)
    max_flow = c["max_flow"].to_numpy(dtype=float)
    own = (fixed > 0) | (min_flow > 0)
    n_build = int(own.sum())
    store_fixed = stores["fixed_cost_per_yr"].to_numpy(dtype=float) if nk else np.zeros(0)
    store_switch = store_fixed > 0
    n_store_build = int(store_switch.sum())
    price = demand_price[stores["demand_pos"].to_numpy(dtype=np.int64)] if nk else np.zeros(0)
    scale = 1e-6 if objective == "co2" else 1.0
    # column layout: flows (n*t, candidate-major), builds, then per store charge, discharge,
    # level (t each), then store builds
    flow_col = np.arange(n * t).reshape(n, t)
    build_col = np.full(n, -1, dtype=np.int64)
    build_col[own] = n * t + np.arange(n_build)
    base = n * t + n_build
    charge_col = base + np.arange(nk * t).reshape(nk, t)
    discharge_col = base + nk * t + np.arange(nk * t).reshape(nk, t)
    level_col = base + 2 * nk * t + np.arange(nk * t).reshape(nk, t)
    store_build_col = np.full(nk, -1, dtype=np.int64)
    store_build_col[store_switch] = base + 3 * nk * t + np.arange(n_store_build)
    n_cols = base + 3 * nk * t + n_store_build
    cost = np.concatenate(
        [
            np.repeat(flow_obj, t),
            -scale * fixed[own],
            -scale * np.repeat(price, t),
            scale * np.repeat(price, t),
            np.zeros(nk * t),
            -scale * store_fixed[store_switch],
        ]
    )
    capacity = stores["capacity"].to_numpy(dtype=float) if nk else np.zeros(0)
    col_upper = np.concatenate(
        [
            np.repeat(max_flow, t),
            np.ones(n_build),
            np.full(2 * nk * t, np.inf),
            np.outer(capacity, slices.repeats).ravel(),
            np.ones(n_store_build),
        ]
    )
    integer = np.zeros(n_cols, dtype=bool)
    integer[build_col[own]] = True
    integer[store_build_col[store_switch]] = True
    ids = c["candidate_id"].to_numpy(dtype=object)
    slice_names = np.array(slices.names, dtype=object)
    store_ids = stores["store_id"].to_numpy(dtype=object) if nk else np.zeros(0, dtype=object)
    col_group = np.empty(n_cols, dtype=object)
    col_ref = np.empty(n_cols, dtype=object)
    col_group[flow_col.ravel()] = "flow"
    col_ref[flow_col.ravel()] = np.repeat(ids, t) + "@" + np.tile(slice_names, n)
    col_group[build_col[own]] = "build"
    col_ref[build_col[own]] = ids[own]
    for name, cols in (("charge", charge_col), ("discharge", discharge_col), ("level", level_col)):
        col_group[cols.ravel()] = name
        col_ref[cols.ravel()] = np.repeat(store_ids, t) + "@" + np.tile(slice_names, nk)
    col_group[store_build_col[store_switch]] = "store_build"
    col_ref[store_build_col[store_switch]] = store_ids[store_switch]

    rows = RowBlocks()
    block = rows.add

    slice_of = np.tile(np.arange(t), n)
    sp_pos = np.repeat(c["supply_pos"].to_numpy(dtype=np.int64), t)
    dp_pos = np.repeat(c["demand_pos"].to_numpy(dtype=np.int64), t)
    ratio = np.repeat(c["demand_units_per_unit"].to_numpy(dtype=float), t)
    supply_cap = (tables.supply_quantity[:, None] * supply_profile).ravel()
    demand_cap = (tables.demand_quantity[:, None] * demand_profile).ravel()
    block(
        sp_pos * t + slice_of,
        flow_col.ravel(),
        np.ones(n * t),
        np.full(ns * t, -np.inf),
        supply_cap,
        "supply",
        np.repeat(tables.supply_ids, t) + "@" + np.tile(slice_names, ns),
    )
    demand_r = [dp_pos * t + slice_of]
    demand_j = [flow_col.ravel()]
    demand_v = [ratio]
    if nk:
        store_d = np.repeat(stores["demand_pos"].to_numpy(dtype=np.int64), t) * t + np.tile(
            np.arange(t), nk
        )
        demand_r += [store_d, store_d]
        demand_j += [charge_col.ravel(), discharge_col.ravel()]
        demand_v += [-np.ones(nk * t), np.ones(nk * t)]
    block(
        np.concatenate(demand_r),
        np.concatenate(demand_j),
        np.concatenate(demand_v),
        np.full(nd * t, -np.inf),
        demand_cap,
        "demand",
        np.repeat(tables.demand_ids, t) + "@" + np.tile(slice_names, nd),
    )
    if n_build:
        add_link_rows(rows, flow_col, build_col, max_flow, min_flow, ids, own)
    if nk:
        loss = stores["loss_per_slice"].to_numpy(dtype=float)
        efficiency = stores["efficiency"].to_numpy(dtype=float)
        # cyclic: the first slice of each cycle follows its last one
        previous = np.roll(level_col.reshape(nk, -1, slices.cycle), 1, axis=2).reshape(nk, t)
        r = np.arange(nk * t)
        block(
            np.concatenate([r, r, r, r]),
            np.concatenate(
                [level_col.ravel(), previous.ravel(), charge_col.ravel(), discharge_col.ravel()]
            ),
            np.concatenate(
                [
                    np.ones(nk * t),
                    -np.repeat(1.0 - loss, t),
                    -np.repeat(efficiency, t),
                    np.ones(nk * t),
                ]
            ),
            np.zeros(nk * t),
            np.zeros(nk * t),
            "store_balance",
            np.repeat(store_ids, t) + "@" + np.tile(slice_names, nk),
        )
        if n_store_build:
            ks = np.flatnonzero(store_switch)
            r = np.arange(len(ks) * t)
            block(
                np.concatenate([r, r]),
                np.concatenate([level_col[ks].ravel(), np.repeat(store_build_col[ks], t)]),
                np.concatenate(
                    [np.ones(len(ks) * t), -np.outer(capacity[ks], slices.repeats).ravel()]
                ),
                np.full(len(ks) * t, -np.inf),
                np.zeros(len(ks) * t),
                "store_capacity",
                np.repeat(store_ids[ks], t) + "@" + np.tile(slice_names, len(ks)),
            )
    return rows.model(cost, np.zeros(n_cols), col_upper, integer, col_group, col_ref)
