"""Primal heuristics for the design MILP: a good design fast, handed to HiGHS as its start.

``design_start`` runs, within a time budget:

1. dynamic slope scaling (Kim and Pardalos, 1999) with LP rounding: the fixed cost of each
   link is spread over the flow it carried in the previous round (``fixed / flow`` per
   unit; ``fixed / bound`` at first, which is the LP relaxation of the tight model), the
   LP is solved again, and each round's links that carry flow are switched on and the
   flows re-optimised with the switches fixed;
2. a large-neighbourhood search by region: round after round, a compact region of the
   candidate graph (a few dozen supplies and demands breadth first around a centre) is
   freed, every link inside it, and the MILP of that region solved by HiGHS with
   everything outside fixed at the best design so far (supplies and demands shared with
   the outside keep what the fixed flows use). Small regions are solved to optimality in
   a fraction of a second, so many of them fit in the budget; their size adapts to
   how fast HiGHS proves them. (Large bands of an ordering, 800 nodes, were tried first:
   their MILPs are as hard as the whole and a pass improved little.)

Every design kept is the MILP with its switches fixed, so it is feasible by construction.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from symbiograph.errors import SolverError
from symbiograph.optimize._builder import DesignModel
from symbiograph.optimize._solve import LoadedModel

__all__ = ["PrimalStart", "design_start", "link_structure", "primal_start"]

_FLOW_TOL = 1e-7
#: supplies and demands in the first region of the local search (it then adapts)
REGION_NODES = 60
#: the smallest region the local search shrinks to
MIN_REGION_NODES = 20
#: how long HiGHS may take on one region of the local search (s)
REGION_S = 1.0
#: how much a region shrinks after one HiGHS could not prove within REGION_S
_GROW = 1.1
#: how much regions widen after a pass that improved nothing
_WIDEN = 1.5
#: HiGHS's own primal heuristics off in a region: it starts from the best design, and its
#: sub-MIPs (RINS, RENS) took three quarters of the time of a region (0.24 s -> 0.065 s
#: for 60 supplies and demands, same optimum)
_REGION_OPTIONS: dict[str, bool | int | float | str] = {
    "mip_heuristic_run_rins": False,
    "mip_heuristic_run_rens": False,
    "mip_heuristic_run_root_reduced_cost": False,
    "mip_heuristic_run_feasibility_jump": False,
}


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


def _node_graph(model: DesignModel, flows: np.ndarray) -> tuple[sp.csc_matrix, sp.csr_matrix]:
    """The supply and demand rows as nodes: their incidence with the flow columns (nodes x
    flows, 1 where a flow leaves or enters) and which nodes a flow joins (nodes x nodes)."""
    nodes = np.flatnonzero(np.isin(model.row_group, ["supply", "demand"]))
    incidence = model.matrix.tocsr()[nodes][:, flows].tocsc()
    incidence.data[:] = 1.0
    return incidence, (incidence @ incidence.T).tocsr()


def _neighbourhood(
    adjacency: sp.csr_matrix, centre: int, size: int, rng: np.random.Generator
) -> np.ndarray:
    """About ``size`` nodes around ``centre``, breadth first (the last ring drawn at random):
    a compact piece of the region, whose border is short against what it holds."""
    seen = np.zeros(adjacency.shape[0], dtype=bool)
    seen[centre] = True
    ring = np.array([centre])
    picked = [ring]
    count = 1
    while count < size and len(ring):
        ring = np.unique(adjacency[ring].indices)
        ring = ring[~seen[ring]]
        if count + len(ring) > size:
            ring = rng.choice(ring, size - count, replace=False)
        seen[ring] = True
        picked.append(ring)
        count += len(ring)
    return np.concatenate(picked)


def _improve_region(
    model: DesignModel,
    csc: sp.csc_matrix,
    csr: sp.csr_matrix,
    best: np.ndarray,
    free: np.ndarray,
    limit_s: float,
    seed: int,
) -> tuple[np.ndarray | None, bool]:
    """The region's MILP: columns ``free`` open, the others fixed at ``best`` (their row
    activity taken off the bounds). Returns HiGHS's design if better than ``best`` (else
    None) and whether HiGHS proved the region's optimum within ``limit_s``."""
    cols = np.flatnonzero(free)
    rows = np.unique(csc[:, cols].indices)
    fixed_cols = np.flatnonzero(~free)
    inside = csr[rows]
    activity = inside[:, fixed_cols] @ best[fixed_cols]
    sub = DesignModel(
        cost=model.cost[cols],
        col_lower=model.col_lower[cols],
        col_upper=model.col_upper[cols],
        integer=model.integer[cols],
        col_group=model.col_group[cols],
        col_ref=model.col_ref[cols],
        matrix=inside[:, cols].tocsc(),
        row_lower=model.row_lower[rows] - activity,
        row_upper=model.row_upper[rows] - activity,
        row_group=model.row_group[rows],
        row_ref=model.row_ref[rows],
    )
    try:
        result = LoadedModel(
            sub,
            time_limit_s=max(limit_s, 0.05),
            mip_gap=1e-4,
            seed=seed,
            options=_REGION_OPTIONS,
            what="a region of the design",
        ).run(start=best[cols])
    except SolverError:
        return None, False
    if not result.has_solution:
        return None, False
    x = result.x.copy()
    x[sub.integer] = np.round(x[sub.integer])
    if float(sub.cost @ x) <= float(sub.cost @ best[cols]) + 1e-9 * max(1.0, abs(sub.cost @ x)):
        return None, result.optimal
    out = best.copy()
    out[cols] = x
    return out, result.optimal


def _local_search(
    model: DesignModel,
    structure: tuple[np.ndarray, np.ndarray, np.ndarray],
    best: np.ndarray,
    deadline: float,
    seed: int,
    size: int,
    region_s: float,
) -> tuple[np.ndarray, int]:
    """Large-neighbourhood search: round after round, a compact region of about ``size``
    supplies and demands around a centre is freed (every link inside it) and its MILP solved
    with everything outside fixed at the best design so far. Centres follow a seeded random
    order, skipping nodes an earlier region of the same pass held and nodes of a region
    proved optimal since the last gain next to them (their region would come out the
    same). Regions shrink when
    HiGHS cannot prove one within ``region_s`` (s) and widen after a pass that improved
    nothing (a local optimum for their size). Returns the best design and the regions
    solved."""
    flow_col, build_col, _ = structure
    flows = np.flatnonzero(model.col_group == "flow")
    incidence, adjacency = _node_graph(model, flows)
    n_nodes = incidence.shape[0]
    if n_nodes == 0:
        return best, 0
    ends = np.asarray(incidence.sum(axis=0)).ravel()
    build_of = np.full(model.shape[1], -1, dtype=np.int64)
    build_of[flow_col] = build_col
    csc, csr = model.matrix.tocsc(), model.matrix.tocsr()
    rng = np.random.default_rng(seed)
    grown = float(min(size, n_nodes))
    regions = 0
    covered = np.ones(n_nodes, dtype=bool)
    # settled: inside a region proved optimal with its surroundings as they are now; such a
    # node is no centre until a gain nearby changes what surrounds it
    settled = np.zeros(n_nodes, dtype=bool)
    centres: list[int] = []
    improved = proved_all = True
    while time.perf_counter() < deadline:
        if not centres:
            # a pass without a gain is a local optimum for regions this size: widen them
            if not improved:
                if proved_all and grown >= n_nodes:
                    break  # the whole model solved as one region
                grown = min(grown * _WIDEN, float(n_nodes))
                settled[:] = False
            centres = list(rng.permutation(n_nodes))
            covered[:] = False
            improved, proved_all = False, True
        centre = int(centres.pop())
        if covered[centre] or settled[centre]:
            continue
        region = _neighbourhood(adjacency, centre, int(grown), rng)
        covered[region] = True
        inside = np.zeros(n_nodes)
        inside[region] = 1.0
        free_flows = flows[(inside @ incidence == ends) & (ends > 0)]
        if not len(free_flows):
            continue
        free = np.zeros(model.shape[1], dtype=bool)
        free[free_flows] = True
        linked = build_of[free_flows]
        free[linked[linked >= 0]] = True
        limit = min(region_s, deadline - time.perf_counter())
        found, proved = _improve_region(model, csc, csr, best, free, limit, seed + regions)
        regions += 1
        proved_all = proved_all and proved
        if not proved:
            grown = max(grown / _GROW, float(MIN_REGION_NODES))
        if found is not None:
            best, improved = found, True
            settled[region] = False
            settled[np.unique(adjacency[region].indices)] = False
        elif proved:
            settled[region] = True
    return best, regions


def design_start(
    model: DesignModel,
    time_limit_s: float = 30.0,
    max_rounds: int = 30,
    threads: int = 1,
    seed: int = 0,
    region_nodes: int = REGION_NODES,
    region_s: float = REGION_S,
) -> PrimalStart | None:
    """A good feasible design of ``model`` within about ``time_limit_s`` seconds (see the
    module); None when the model has no pure link structure (see :func:`link_structure`)
    or no design is feasible."""
    start = time.perf_counter()
    deadline = start + time_limit_s
    structure = link_structure(model)
    if structure is None:
        return None
    _, build_col, _ = structure
    fixed_lp = _fixed_switch_lp(model, threads, seed, time_limit_s)
    best, _, _, rounds = _slope_scaling(
        model, structure, start + 0.3 * time_limit_s, max_rounds, threads, seed, fixed_lp
    )
    if best is None:
        return None
    best[build_col] = np.round(best[build_col])

    best, regions = _local_search(model, structure, best, deadline, seed, region_nodes, region_s)
    best_obj = float(model.cost @ best)
    return PrimalStart(best, best_obj, rounds + regions, time.perf_counter() - start)


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
