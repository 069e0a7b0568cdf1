"""Primal heuristics for the design MILP: a good design fast, handed to HiGHS as its start.

``design_start`` runs, within a time budget:

1. dynamic slope scaling (Kim and Pardalos, 1999) with LP rounding: the fixed cost of each
   link is spread over the flow it carried in the previous round (``fixed / flow`` per
   unit; ``fixed / bound`` at first, which is the LP relaxation of the tight model), the
   LP is solved again, and each round's links that carry flow are switched on and the
   flows re-optimised with the switches fixed;
2. relax-and-fix by region (a large-neighbourhood search): the supplies and demands are
   ordered so that linked ones sit close (reverse Cuthill-McKee on the candidate graph)
   and cut into regions; region by region, every link inside it is freed and the MILP of
   that region solved by HiGHS with everything outside fixed at the best design so far
   (supplies and demands shared with the outside keep what the fixed flows use); passes
   shift the cut so no border stays fixed.

Every design kept is the MILP with its switches fixed, so it is feasible by construction.
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import reverse_cuthill_mckee

from symbiograph.errors import SolverError
from symbiograph.optimize._builder import DesignModel
from symbiograph.optimize._solve import LoadedModel

__all__ = ["PrimalStart", "design_start", "link_structure", "primal_start"]

_FLOW_TOL = 1e-7
#: supplies and demands per region of the relax-and-fix search
REGION_NODES = 800


@dataclass
class PrimalStart:
    """A feasible point of the MILP: column values ``x``, its objective (the model's units,
    currency/yr for the cost objective), the rounds run, and the time it took (s)."""

    x: np.ndarray
    objective: float
    rounds: int
    seconds: float


def link_structure(model: DesignModel) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """(flow column, build column, bound) of every link row ``flow - bound * build <= 0``,
    or None when the binaries appear in rows other than link rows (contracts, corridors,
    budgets...), where rounding the switches alone may not give a feasible design."""
    binaries = np.flatnonzero(model.integer)
    if not len(binaries):
        return None
    links = model.rows("link")
    a = model.matrix.tocsc()
    rows_of_binaries = a[:, binaries].tocoo().row
    if not np.isin(rows_of_binaries, links).all():
        return None
    sub = model.matrix.tocsr()[links].tocoo()
    if len(sub.data) != 2 * len(links):
        return None
    order = np.lexsort((sub.col, sub.row))
    row, col, val = sub.row[order], sub.col[order], sub.data[order]
    flow_col, build_col = col[0::2], col[1::2]
    if not (model.integer[build_col].all() and not model.integer[flow_col].any()):
        return None
    if not np.array_equal(row[0::2], row[1::2]):
        return None
    return flow_col, build_col, -val[1::2]


def _fixed_switch_lp(model: DesignModel, threads: int, seed: int, limit: float) -> LoadedModel:
    """The LP relaxation of ``model`` loaded once; its switch bounds are then set to fix a
    design."""
    return LoadedModel(
        model,
        relax=True,
        time_limit_s=max(limit, 1.0),
        mip_gap=0.0,
        threads=threads,
        seed=seed,
        what="the heuristic's LP",
    )


def _evaluate(
    model: DesignModel,
    lp: LoadedModel,
    build_col: np.ndarray,
    flow_col: np.ndarray,
    on: np.ndarray,
) -> tuple[np.ndarray, float] | None:
    """The best flows with the switches fixed at ``on`` (idle switches then turned off), and
    the objective; None when that design is infeasible."""
    lower, upper = model.col_lower.copy(), model.col_upper.copy()
    lower[build_col] = upper[build_col] = on.astype(float)
    try:
        result = lp.run(lower, upper)
    except SolverError:
        return None
    if not result.optimal:
        return None
    y = result.x.copy()
    idle = on & (y[flow_col] <= _FLOW_TOL)
    y[build_col] = on & ~idle
    y[flow_col[idle]] = 0.0
    return y, float(model.cost @ y)


def _slope_scaling(
    model: DesignModel,
    structure: tuple[np.ndarray, np.ndarray, np.ndarray],
    deadline: float,
    max_rounds: int,
    threads: int,
    seed: int,
    fixed_lp: LoadedModel,
) -> tuple[np.ndarray | None, float, np.ndarray, int]:
    """Dynamic slope scaling: the best design of its rounds, its objective, every round's
    support (the kernel) and the rounds run."""
    flow_col, build_col, bound = structure
    fixed = -model.cost[build_col]  # what switching a link on costs (objective units)
    # the linearised problem: every switch on (its cost left out), the fixed cost charged
    # per unit of flow at the current slope
    lower = model.col_lower.copy()
    lower[build_col] = 1.0
    linear = LoadedModel(
        model,
        relax=True,
        lower=lower,
        time_limit_s=max(deadline - time.perf_counter(), 1.0),
        mip_gap=0.0,
        threads=threads,
        seed=seed,
        what="the heuristic's linearised LP",
    )
    cost = model.cost.copy()
    cost[build_col] = 0.0
    slope = fixed / np.maximum(bound, _FLOW_TOL)
    best: np.ndarray | None = None
    best_obj = -np.inf
    seen: set[bytes] = set()
    kernel = np.zeros(len(build_col), dtype=bool)
    rounds = 0
    while rounds < max_rounds and time.perf_counter() < deadline:
        rounds += 1
        c = cost.copy()
        np.subtract.at(c, flow_col, slope)
        try:
            result = linear.run(lower, model.col_upper, cost=c)
        except SolverError:
            break
        if not result.optimal:
            break
        x = result.x
        carried = x[flow_col]
        on = carried > _FLOW_TOL
        kernel |= on
        key = np.packbits(on).tobytes()
        if key in seen:
            break  # the same design again: the slopes have settled
        seen.add(key)
        found = _evaluate(model, fixed_lp, build_col, flow_col, on)
        if found is not None and found[1] > best_obj:
            best, best_obj = found
        slope = np.where(on, fixed / np.maximum(carried, _FLOW_TOL), slope)
    return best, best_obj, kernel, rounds


def _sub_model(model: DesignModel, rows: np.ndarray, cols: np.ndarray) -> DesignModel:
    """The rows and columns ``rows`` x ``cols`` of ``model`` as a model of their own."""
    return DesignModel(
        cost=model.cost[cols],
        col_lower=model.col_lower[cols],
        col_upper=model.col_upper[cols],
        integer=model.integer[cols],
        col_group=model.col_group[cols],
        col_ref=model.col_ref[cols],
        matrix=model.matrix.tocsr()[rows][:, cols].tocsc(),
        row_lower=model.row_lower[rows],
        row_upper=model.row_upper[rows],
        row_group=model.row_group[rows],
        row_ref=model.row_ref[rows],
    )


def _regions(model: DesignModel, flow_cols: np.ndarray, size: int, offset: int) -> list[np.ndarray]:
    """Supply and demand rows cut into regions of about ``size`` along an ordering that
    keeps linked rows close; ``offset`` shifts the cuts (a different border per pass)."""
    nodes = np.flatnonzero(np.isin(model.row_group, ["supply", "demand"]))
    a = model.matrix.tocsc()[:, flow_cols].tocoo()
    keep = np.isin(a.row, nodes)
    rows, cols = a.row[keep], a.col[keep]
    position = np.full(model.shape[0], -1, dtype=np.int64)
    position[nodes] = np.arange(len(nodes))
    # two node ends per flow: join them
    order = np.argsort(cols, kind="stable")
    rows, cols = rows[order], cols[order]
    first = np.flatnonzero(np.r_[True, cols[1:] != cols[:-1]])
    pairs = first[(first + 1 < len(cols)) & (np.r_[cols[1:], -1][first] == cols[first])]
    u, v = position[rows[pairs]], position[rows[pairs + 1]]
    n = len(nodes)
    graph = sp.csr_matrix((np.ones(2 * len(u)), (np.r_[u, v], np.r_[v, u])), shape=(n, n))
    ranked = nodes[reverse_cuthill_mckee(graph, symmetric_mode=True)]
    cuts = list(range(offset % size, len(ranked), size))
    bounds = [0, *[c for c in cuts if c > 0], len(ranked)]
    return [ranked[b0:b1] for b0, b1 in itertools.pairwise(bounds) if b1 > b0]


def _improve_region(
    model: DesignModel,
    csc: sp.csc_matrix,
    best: np.ndarray,
    free: np.ndarray,
    limit_s: float,
) -> np.ndarray | None:
    """The region's MILP: columns ``free`` open, the others fixed at ``best`` (their row
    activity taken off the bounds); HiGHS's design if better than ``best``, else None."""
    cols = np.flatnonzero(free)
    part = csc[:, cols]
    rows = np.unique(part.indices)
    fixed_cols = np.flatnonzero(~free)
    activity = csc[rows][:, fixed_cols] @ best[fixed_cols]
    sub = _sub_model(model, rows, cols)
    sub.row_lower = sub.row_lower - activity
    sub.row_upper = sub.row_upper - activity
    try:
        result = LoadedModel(
            sub, time_limit_s=max(limit_s, 0.2), mip_gap=1e-4, what="a region of the design"
        ).run(start=best[cols])
    except SolverError:
        return None
    if not result.has_solution:
        return None
    x = result.x.copy()
    x[sub.integer] = np.round(x[sub.integer])
    if float(sub.cost @ x) <= float(sub.cost @ best[cols]) + 1e-9 * max(1.0, abs(sub.cost @ x)):
        return None
    out = best.copy()
    out[cols] = x
    return out


def design_start(
    model: DesignModel,
    time_limit_s: float = 30.0,
    max_rounds: int = 30,
    threads: int = 1,
    seed: int = 0,
    region_nodes: int = REGION_NODES,
) -> PrimalStart | None:
    """A good feasible design of ``model`` within about ``time_limit_s`` seconds (see the
    module); None when the model has no pure link structure (see :func:`link_structure`)
    or no design is feasible."""
    start = time.perf_counter()
    deadline = start + time_limit_s
    structure = link_structure(model)
    if structure is None:
        return None
    flow_col, build_col, _ = structure
    fixed_lp = _fixed_switch_lp(model, threads, seed, time_limit_s)
    best, best_obj, support, rounds = _slope_scaling(
        model, structure, start + 0.3 * time_limit_s, max_rounds, threads, seed, fixed_lp
    )
    if best is None:
        return None
    best[build_col] = np.round(best[build_col])

    # the kernel: links some round's LP used, or the best design uses; links with no
    # switch (no fixed cost) are always open to the search
    kernel = np.ones(model.shape[1], dtype=bool)
    closed = ~(support | (best[build_col] > 0.5))
    kernel[flow_col[closed]] = False
    kernel[build_col[closed]] = False
    csc = model.matrix.tocsc()
    flows = np.flatnonzero(model.col_group == "flow")
    build_of = np.full(model.shape[1], -1, dtype=np.int64)
    build_of[flow_col] = build_col
    supply_demand = np.isin(model.row_group, ["supply", "demand"])
    # the supply/demand rows of each flow, as a (flows x rows) incidence
    incidence = csc[:, flows].T.tocsr()[:, np.flatnonzero(supply_demand)]
    node_index = np.full(model.shape[0], -1, dtype=np.int64)
    node_index[np.flatnonzero(supply_demand)] = np.arange(int(supply_demand.sum()))
    ends = np.diff(incidence.indptr)
    offsets = [0, region_nodes // 2, region_nodes // 4, 3 * region_nodes // 4]
    passes = 0
    while time.perf_counter() < deadline:
        regions = _regions(model, flows, region_nodes, offsets[passes % len(offsets)])
        passes += 1
        improved = False
        for k, region in enumerate(regions):
            now = time.perf_counter()
            if now >= deadline:
                break
            inside = np.zeros(incidence.shape[1], dtype=bool)
            inside[node_index[region]] = True
            hits = np.asarray(incidence @ inside.astype(np.int64)).ravel()
            free_flows = flows[(hits == ends) & (ends > 0)]
            free = np.zeros(model.shape[1], dtype=bool)
            free[free_flows] = True
            linked = build_of[free_flows]
            free[linked[linked >= 0]] = True
            free &= kernel
            share = (deadline - now) / max(len(regions) - k, 1)
            found = _improve_region(model, csc, best, free, share)
            if found is not None:
                best, improved = found, True

        if not improved:
            break
    best_obj = float(model.cost @ best)
    return PrimalStart(best, best_obj, rounds + passes, time.perf_counter() - start)


def primal_start(
    model: DesignModel,
    mode: str,
    time_limit_s: float,
    share: float,
    min_binaries: int,
    threads: int = 1,
    seed: int = 0,
) -> tuple[PrimalStart | None, float]:
    """The heuristic start for ``model`` and the time left for HiGHS (s).

    ``mode`` ``on`` always runs :func:`design_start`, ``off`` never, ``auto`` when
    the model has at least ``min_binaries`` switches (small models HiGHS solves at once).
    The heuristic gets ``share`` of ``time_limit_s``; HiGHS the rest.
    """
    binaries = int(model.integer.sum())
    run = mode == "on" or (mode == "auto" and binaries >= min_binaries)
    if not run or binaries == 0:
        return None, time_limit_s
    result = design_start(model, share * time_limit_s, threads=threads, seed=seed)
    spent = result.seconds if result is not None else 0.0
    return result, max(time_limit_s - spent, 1.0)
