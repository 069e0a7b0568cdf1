"""Water allocation with fixed flow rates: the sources-and-sinks form of water reuse.

Many water-using processes are not mass-transfer operations with a fixed contaminant load
but units that need a fixed inlet flow (a boiler, a cooling tower make-up, a reactor) and
release a fixed outlet flow (a condensate, a blowdown, an effluent) whose flows differ.
Process integration writes them as *sinks* (flow in t/h, maximum inlet concentration in ppm)
and *sources* (flow in t/h, concentration in ppm); a sink takes freshwater and any sources'
water, a source's water not reused goes to wastewater (Hallale 2002; Manan, Tan & Foo 2004;
Foo 2012, *Process Integration for Resource Conservation*). For one contaminant the least
freshwater network is a linear programme over the transfers (t/h):

* ``sink_flow`` per sink: freshwater + reuse in = its flow;
* ``sink_quality`` per sink: sum of (C_source - Cmax_sink) x transfer <= 0;
* ``source_flow`` per source: reuse out + wastewater = its flow.

:func:`water_cascade_targets` is the independent pinch-analysis target of the same problem
(the water cascade analysis of Manan, Tan & Foo 2004): the least freshwater and wastewater
and the pinch concentration, from a cascade over the concentration levels, without any
network. The two agree for every problem (a property test checks it).
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from symbiograph.optimize._builder import RowBlocks
from symbiograph.optimize._water import (
    HOURS_PER_YEAR,
    WaterTotals,
    solve_least_piping,
    t_per_h_to_m3_per_yr,
)

__all__ = [
    "WaterAllocation",
    "WaterTargets",
    "design_water_allocation",
    "water_cascade_targets",
    "water_sources_sinks",
]

_WORDS = {
    "sink_flow": "sink {ref} cannot get its flow",
    "sink_quality": "sink {ref} cannot get water clean enough for its maximum concentration",
    "source_flow": "the flow of source {ref} cannot be placed",
}


def water_sources_sinks(
    table: pd.DataFrame | Iterable[Mapping[str, Any]],
    what: str,
    default_plant: str = "plant",
    hours_per_year: float = HOURS_PER_YEAR,
) -> pd.DataFrame:
    """A checked table of water sinks or sources (``what`` names it in errors): id, plant,
    flow_t_per_h, ppm (a sink's maximum inlet concentration, a source's concentration).
    The flow may be given in the Network's canonical unit instead, ``flow_m3_per_yr``
    (1 m3 of water ~ 1 t, over ``hours_per_year`` of operation). Raises ValueError naming
    the row and field on a missing or duplicate id or a missing or negative number."""
    out = table.copy() if isinstance(table, pd.DataFrame) else pd.DataFrame(list(table))
    out = out.reset_index(drop=True)
    if out.empty and not len(out.columns):
        out = pd.DataFrame({"id": [], "flow_t_per_h": [], "ppm": []})
    if "flow_t_per_h" not in out.columns and "flow_m3_per_yr" in out.columns:
        out["flow_t_per_h"] = pd.to_numeric(out["flow_m3_per_yr"], errors="coerce") / float(
            hours_per_year
        )
    if "plant" not in out.columns:
        out["plant"] = default_plant
    for name in ("id", "flow_t_per_h", "ppm"):
        if name not in out.columns:
            raise ValueError(f"water {what}: missing column {name!r}")
    if out["id"].isna().any():
        raise ValueError(f"water {what}: row {int(np.flatnonzero(out['id'].isna())[0])}: no id")
    out["id"] = out["id"].astype(str)
    out["plant"] = out["plant"].astype(str)
    duplicated = out["id"].duplicated()
    if duplicated.any():
        raise ValueError(f"water {what}: duplicate id {out['id'][duplicated].iloc[0]!r}")
    for name in ("flow_t_per_h", "ppm"):
        values = pd.to_numeric(out[name], errors="coerce").astype(float)
        bad = ~np.isfinite(values.to_numpy()) | (values.to_numpy() < 0)
        if bad.any():
            row = int(np.flatnonzero(bad)[0])
            raise ValueError(
                f"water {what}: {out['id'][row]!r}: {name} must be a finite number >= 0, "
                f"got {out[name][row]!r}"
            )
        out[name] = values
    extra = [c for c in out.columns if c not in ("id", "plant", "flow_t_per_h", "ppm")]
    return out[["id", "plant", "flow_t_per_h", "ppm", *extra]]


@dataclass(frozen=True)
class WaterTargets:
    """Pinch targets of a fixed-flow-rate water problem: least freshwater and wastewater
    (t/h) and the pinch concentration (ppm; None when no freshwater is needed), with the
    cascade table (level ppm, net flow, cumulative flow, interval and cumulative load kg/h)."""

    freshwater_t_per_h: float
    wastewater_t_per_h: float
    pinch_ppm: float | None
    cascade: pd.DataFrame


def water_cascade_targets(
    sinks: pd.DataFrame | Iterable[Mapping[str, Any]],
    sources: pd.DataFrame | Iterable[Mapping[str, Any]],
    freshwater_ppm: float = 0.0,
) -> WaterTargets:
    """Least freshwater and wastewater (t/h) of a fixed-flow-rate water problem by water
    cascade analysis (Manan, Tan & Foo 2004): net flows cascaded down the concentration
    levels, the mass load of each interval, and the freshwater that keeps every cumulative
    load non-negative and the wastewater flow non-negative (the pinch is None when no
    freshwater is needed or the flow balance, not a concentration, sets it). Raises
    ValueError when sinks need water cleaner than freshwater that the sources cannot give."""
    k = water_sources_sinks(sinks, "sinks")
    s = water_sources_sinks(sources, "sources")
    fw = float(freshwater_ppm)
    levels = np.unique(np.r_[fw, k["ppm"], s["ppm"]])
    net = np.zeros(len(levels))
    np.add.at(net, np.searchsorted(levels, k["ppm"].to_numpy()), -k["flow_t_per_h"].to_numpy())
    np.add.at(net, np.searchsorted(levels, s["ppm"].to_numpy()), s["flow_t_per_h"].to_numpy())
    gap = np.diff(levels)
    fresh_from = levels >= fw  # freshwater enters the cascade at its own level

    def loads(fresh: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        cumulative_flow = np.cumsum(net) + fresh * fresh_from
        interval = cumulative_flow[:-1] * gap / 1000.0
        return cumulative_flow, interval, np.r_[0.0, np.cumsum(interval)]

    _, _, cumulative = loads(0.0)
    scale = 1e-9 * max(1.0, float(np.abs(net).sum()) * float(levels[-1]) / 1000.0)
    short = (levels <= fw) & (cumulative < -scale)
    if short.any():
        needy = k.loc[k["ppm"] < levels[short].max(), "id"].tolist() or k["id"].tolist()[:1]
        raise ValueError(
            f"sinks {', '.join(map(repr, needy))} need water cleaner than freshwater "
            f"({fw} ppm) and the cleaner sources are too few"
        )
    # freshwater needed so that the cumulative load at each level above it is >= 0
    need = np.zeros(len(levels))
    above = levels > fw
    need[above] = -cumulative[above] * 1000.0 / (levels[above] - fw)
    by_load = float(need.max(initial=0.0))
    # and enough that the sinks' flow is met at all (no negative wastewater)
    by_flow = float(k["flow_t_per_h"].sum() - s["flow_t_per_h"].sum())
    fresh = max(0.0, by_load, by_flow)
    pinch = float(levels[int(np.argmax(need))]) if fresh > 0 and by_load >= by_flow else None
    flow, interval, cumulative = loads(fresh)
    waste = fresh + float(s["flow_t_per_h"].sum() - k["flow_t_per_h"].sum())
    cascade = pd.DataFrame(
        {
            "level_ppm": levels,
            "net_flow_t_per_h": net,
            "cumulative_flow_t_per_h": flow,
            "interval_load_kg_per_h": np.r_[interval, np.nan],
            "cumulative_load_kg_per_h": cumulative,
        }
    )
    return WaterTargets(fresh, waste, pinch, cascade)


@dataclass
class WaterAllocation(WaterTotals):
    """A fixed-flow-rate water network as tables (t/h, ppm).

    ``sinks``: per sink its freshwater, reused water, flow and inlet concentration.
    ``sources``: per source its reused flow and wastewater. ``transfers``: source-to-sink
    flows (with plants and ``inter_plant``). ``totals``: freshwater_t_per_h,
    wastewater_t_per_h, reused_t_per_h, inter_plant_t_per_h, freshwater_m3_per_yr and
    wastewater_m3_per_yr.
    """

    sinks: pd.DataFrame = field(default_factory=pd.DataFrame)
    sources: pd.DataFrame = field(default_factory=pd.DataFrame)
    transfers: pd.DataFrame = field(default_factory=pd.DataFrame)


def design_water_allocation(
    sinks: pd.DataFrame | Iterable[Mapping[str, Any]],
    sources: pd.DataFrame | Iterable[Mapping[str, Any]],
    freshwater_ppm: float = 0.0,
    inter_plant: bool = True,
    inter_plant_penalty: float = 0.0,
    time_limit_s: float = 60.0,
) -> WaterAllocation:
    """The least-freshwater allocation of ``sources`` to ``sinks`` (tables of id, plant,
    flow_t_per_h, ppm; see :func:`water_sources_sinks`). With ``inter_plant`` False water
    stays in its plant; otherwise a t/h piped between plants costs ``inter_plant_penalty``
    freshwater-equivalent t/h. A second pass keeps the optimum and minimises the piped flow.
    Raises InfeasibleDesign naming the sinks whose limits cannot be met."""
    started = time.perf_counter()
    k = water_sources_sinks(sinks, "sinks")
    s = water_sources_sinks(sources, "sources")
    if not (np.isfinite(freshwater_ppm) and freshwater_ppm >= 0):
        raise ValueError(f"freshwater_ppm must be >= 0, got {freshwater_ppm}")
    nk, ns = len(k), len(s)
    src, dst = (a.ravel() for a in np.meshgrid(np.arange(ns), np.arange(nk), indexing="ij"))
    crossing = s["plant"].to_numpy(dtype=object)[src] != k["plant"].to_numpy(dtype=object)[dst]
    keep = np.ones(len(src), dtype=bool) if inter_plant else ~crossing
    src, dst, crossing = src[keep], dst[keep], crossing[keep]
    nt = len(src)
    # columns: freshwater to each sink, transfers, each source to wastewater
    group = np.r_[
        np.full(nk, "freshwater", dtype=object),
        np.full(nt, "reuse", dtype=object),
        np.full(ns, "wastewater", dtype=object),
    ]
    fresh_cols, transfer_cols = np.arange(nk), nk + np.arange(nt)
    waste_cols = nk + nt + np.arange(ns)
    cmax = k["ppm"].to_numpy(dtype=float)
    csrc = s["ppm"].to_numpy(dtype=float)
    m = nk + nt + ns
    flows_k, flows_s = k["flow_t_per_h"].to_numpy(float), s["flow_t_per_h"].to_numpy(float)
    ids_k, ids_s = k["id"].to_numpy(dtype=object), s["id"].to_numpy(dtype=object)
    rows = RowBlocks()
    # a sink gets exactly its flow, from freshwater and the sources' transfers
    rows.add(
        np.r_[np.arange(nk), dst], np.r_[fresh_cols, transfer_cols], np.ones(nk + nt),
        flows_k, flows_k, "sink_flow", ids_k,
    )  # fmt: skip
    # the contaminant a sink receives stays under its limit: sum (C - Cmax) x flow <= 0
    rows.add(
        np.r_[np.arange(nk), dst],
        np.r_[fresh_cols, transfer_cols],
        np.r_[(freshwater_ppm - cmax) / 1000.0, (csrc[src] - cmax[dst]) / 1000.0],
        np.full(nk, -np.inf),
        np.zeros(nk),
        "sink_quality",
        ids_k,
    )
    # a source's water is all placed: reused or sent to wastewater
    rows.add(
        np.r_[src, np.arange(ns)], np.r_[transfer_cols, waste_cols], np.ones(nt + ns),
        flows_s, flows_s, "source_flow", ids_s,
    )  # fmt: skip
    weight = np.zeros(m)
    weight[fresh_cols] = 1.0
    weight[transfer_cols[crossing]] += float(inter_plant_penalty)
    label = np.r_[
        "freshwater -> " + ids_k,
        ids_s[src] + " -> " + ids_k[dst],
        ids_s + " -> wastewater",
    ]
    model = rows.model(
        -weight, np.zeros(m), np.full(m, np.inf), np.zeros(m, dtype=bool), group, label
    )
    built = time.perf_counter()
    x, first, second = solve_least_piping(model, _WORDS, "water allocation", time_limit_s)
    fresh, transfer, waste = x[fresh_cols], x[transfer_cols], x[waste_cols]
    reused_in = np.bincount(dst, weights=transfer, minlength=nk)
    inlet_load = fresh * freshwater_ppm + np.bincount(
        dst, weights=transfer * csrc[src], minlength=nk
    )
    sink_table = k.assign(
        freshwater_t_per_h=fresh,
        reused_t_per_h=reused_in,
        inlet_ppm=np.divide(inlet_load, flows_k, out=np.zeros(nk), where=flows_k > 0),
    )
    source_table = s.assign(
        reused_t_per_h=np.bincount(src, weights=transfer, minlength=ns), wastewater_t_per_h=waste
    )
    used = transfer > 0
    transfers = pd.DataFrame(
        {
            "source": ids_s[src[used]],
            "sink": ids_k[dst[used]],
            "source_plant": s["plant"].to_numpy(dtype=object)[src[used]],
            "sink_plant": k["plant"].to_numpy(dtype=object)[dst[used]],
            "flow_t_per_h": transfer[used],
            "ppm": csrc[src[used]],
            "inter_plant": crossing[used],
        }
    )
    totals = pd.Series(
        {
            "freshwater_t_per_h": float(fresh.sum()),
            "wastewater_t_per_h": float(waste.sum()),
            "reused_t_per_h": float(transfer.sum()),
            "inter_plant_t_per_h": float(transfer[crossing].sum()),
            "freshwater_m3_per_yr": t_per_h_to_m3_per_yr(float(fresh.sum())),
            "wastewater_m3_per_yr": t_per_h_to_m3_per_yr(float(waste.sum())),
        }
    )
    return WaterAllocation(
        totals=totals,
        status="optimal",
        timings={"build_s": built - started, "solve_s": first.solve_s + second.solve_s},
        sinks=sink_table,
        sources=source_table,
        transfers=transfers,
    )
