"""Time slices: the year cut into slices (twelve months, or the 24 hours of a representative
day per season), stream profiles over them, and storage (heat stores, water tanks) that
shifts a surplus from one slice to another.

The time-sliced model is built from the same tables as the annual one: a flow column per
candidate and slice, one build switch per candidate for the whole year, and per store a
charge, a discharge and a level column per slice.

Plant processes and shared duties hold in every slice (:func:`add_sliced_processes`): a
process has an activity column per slice, at most its capacity times the slice's share of
the year; its outputs sent in a slice are at most its inputs received (or bought) in that
slice times its ratios; a priced input bought in a slice is at most the stream's quantity in
that slice (its profile); a minimum load holds in every slice while the process runs; a
candidate process has one build switch for the year and pays one annuity; a duty is filled
at most once in each slice, up to its amount times the slice's share. The rows are those of
the annual model (``_processes``) written once per slice: the plan and the candidate tables
are unrolled, process ``p`` in slice ``k`` standing as process ``p@k`` and stream ``s`` as
``s@k``, and the per-slice switches are merged back into one column per process.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp

from symbiograph.model import Network, months_available
from symbiograph.optimize._builder import DesignModel, DesignTables, RowBlocks, add_link_rows
from symbiograph.optimize._processes import ProcessPlan, add_processes

__all__ = [
    "TimeSlices",
    "add_sliced_processes",
    "build_timesliced_model",
    "monthly_slices",
    "process_slices",
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


def _at(ids: np.ndarray, names: np.ndarray) -> np.ndarray:
    """``id@slice`` for every id (id-major) and slice."""
    t = len(names)
    return np.repeat(np.asarray(ids, dtype=object), t) + "@" + np.tile(names, len(ids))


def sliced_plan(plan: ProcessPlan, network: Network, slices: TimeSlices) -> ProcessPlan:
    """``plan`` unrolled over ``slices``: process ``p`` in slice ``k`` as ``p@k`` (capacity
    and annuity times the slice's share of the year), its ports on streams ``s@k`` (a
    purchase bounded by the stream's quantity in the slice, from its profile), duty ``d``
    in slice ``k`` as ``d@k`` (amount times the share)."""
    t = len(slices)
    names = np.array(slices.names, dtype=object)
    share = slices.share
    procs = plan.processes
    k = len(procs)
    unrolled = procs.loc[np.repeat(np.arange(k), t)].reset_index(drop=True)
    unrolled["id"] = _at(procs["id"].to_numpy(), names)
    unrolled["capacity"] = np.repeat(procs["capacity"].to_numpy(dtype=float), t) * np.tile(share, k)
    unrolled["capex_per_yr"] = np.repeat(procs["capex_per_yr"].to_numpy(dtype=float), t) * np.tile(
        share, k
    )
    ports = plan.ports
    port_streams = ports["stream_id"].to_numpy(dtype=object)
    profile = (
        stream_profiles(network, pd.unique(port_streams), slices)
        if len(ports)
        else np.zeros((0, t))
    )
    profile_of = pd.Index(pd.unique(port_streams)).get_indexer(port_streams)
    port_rows = ports.loc[np.repeat(np.arange(len(ports)), t)].reset_index(drop=True)
    port_rows["process_pos"] = np.repeat(
        ports["process_pos"].to_numpy(dtype=np.int64), t
    ) * t + np.tile(np.arange(t), len(ports))
    port_rows["stream_id"] = _at(port_streams, names)
    port_rows["quantity"] = (
        ports["quantity"].to_numpy(dtype=float)[:, None] * profile[profile_of]
    ).ravel()
    duties = plan.duties
    nd = len(duties)
    duty_rows = pd.DataFrame(
        {
            "id": _at(duties["id"].to_numpy(), names),
            "amount": (duties["amount"].to_numpy(dtype=float)[:, None] * share).ravel(),
        }
    )
    members = plan.members
    member_rows = pd.DataFrame(
        {
            "duty_pos": np.repeat(members["duty_pos"].to_numpy(dtype=np.int64), t) * t
            + np.tile(np.arange(t), len(members)),
            "stream_id": _at(members["stream_id"].to_numpy(), names),
            "ratio": np.repeat(members["ratio"].to_numpy(dtype=float), t),
        }
    )
    assert len(duty_rows) == nd * t
    return ProcessPlan(unrolled, port_rows, duty_rows, member_rows)


def sliced_tables(tables: DesignTables, slices: TimeSlices) -> DesignTables:
    """``tables`` unrolled over ``slices`` in the time-sliced model's order: candidate ``c``
    in slice ``k`` (candidate-major, as the flow columns) from supply ``s@k`` to demand
    ``d@k``. Only what :func:`add_processes` reads is carried."""
    t = len(slices)
    names = np.array(slices.names, dtype=object)
    c = tables.candidates
    n = len(c)
    step = np.tile(np.arange(t), n)
    candidates = pd.DataFrame(
        {
            "supply_pos": np.repeat(c["supply_pos"].to_numpy(dtype=np.int64), t) * t + step,
            "demand_pos": np.repeat(c["demand_pos"].to_numpy(dtype=np.int64), t) * t + step,
            "demand_units_per_unit": np.repeat(c["demand_units_per_unit"].to_numpy(dtype=float), t),
        }
    )
    return DesignTables(
        candidates=candidates,
        supply_ids=_at(tables.supply_ids, names),
        supply_quantity=np.repeat(tables.supply_quantity, t),
        demand_ids=_at(tables.demand_ids, names),
        demand_quantity=np.repeat(tables.demand_quantity, t),
        organisations=tables.organisations,
    )


def add_sliced_processes(
    plan: ProcessPlan,
    model: DesignModel,
    tables: DesignTables,
    slices: TimeSlices,
    network: Network,
    objective: str = "cost",
) -> DesignModel:
    """``model`` (from :func:`build_timesliced_model` over ``tables``) with the processes and
    duties of ``plan`` holding in every slice (see the module): activity columns
    ``process_activity`` per process and slice (ref ``p@slice``), one ``process_switch``
    per switched process for the year, and the annual model's process and duty rows per
    slice (refs ``stream@slice``, ``p@slice``, ``d@slice``). The model itself when none of
    its candidates touch a process or a duty."""
    if plan.empty:
        return model
    n0 = model.shape[1]
    model = add_processes(
        sliced_plan(plan, network, slices), model, sliced_tables(tables, slices), objective
    )
    switch = model.columns("process_switch")
    if not len(switch):
        return model
    # one switch per process for the year: the slices' copies summed into the first
    base = pd.Series(model.col_ref[switch]).str.rsplit("@", n=1).str[0].to_numpy(dtype=object)
    _, first, label = np.unique(base, return_index=True, return_inverse=True)
    n_cols = model.shape[1]
    keep = np.ones(n_cols, dtype=bool)
    keep[switch] = False
    keep[switch[first]] = True
    new_pos = np.cumsum(keep) - 1
    target = np.arange(n_cols)
    target[switch] = switch[first][label]
    merge = sp.csc_matrix(
        (np.ones(n_cols), (np.arange(n_cols), new_pos[target])), shape=(n_cols, int(keep.sum()))
    )
    cost = model.cost @ merge
    ref = model.col_ref[keep].copy()
    ref[new_pos[switch[first]]] = base[first]
    assert n0 <= int(new_pos[switch[first]].min())
    return dataclasses.replace(
        model,
        cost=cost,
        col_lower=model.col_lower[keep],
        col_upper=model.col_upper[keep],
        integer=model.integer[keep],
        col_group=model.col_group[keep],
        col_ref=ref,
        matrix=(model.matrix @ merge).tocsc(),
    )


def process_slices(models: list[DesignModel], xs: list[np.ndarray]) -> pd.DataFrame:
    """The activity of each process in each slice (process_id, slice, activity in the
    process's unit) from the solved time-sliced ``models`` and their solutions ``xs``."""
    parts = []
    for model, x in zip(models, xs, strict=True):
        cols = model.columns("process_activity")
        ref = pd.Series(model.col_ref[cols], dtype=object).str.rsplit("@", n=1)
        level = x[cols]
        parts.append(
            pd.DataFrame(
                {
                    "process_id": ref.str[0].to_numpy(dtype=object),
                    "slice": ref.str[1].to_numpy(dtype=object),
                    "activity": np.where(np.abs(level) < 1e-9, 0.0, level),
                }
            )
        )
    if not parts:
        return pd.DataFrame({"process_id": [], "slice": [], "activity": []})
    table = pd.concat(parts, ignore_index=True)
    return table.drop_duplicates(["process_id", "slice"]).reset_index(drop=True)
