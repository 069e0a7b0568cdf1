"""Primal heuristics for the design MILP: a good design fast, handed to HiGHS as its start.

``slope_scaling_start`` is dynamic slope scaling (Kim and Pardalos, 1999) followed by LP
rounding: the fixed cost of each link is spread over the flow it carried in the previous
round (``fixed / flow`` per unit, ``fixed / bound`` at first, which is the LP relaxation of
the tight model), the linear programme is solved again, and every round's links that carry
flow are switched on and the flows re-optimised with the switches fixed. The best of these
designs is feasible for the MILP by construction (it is the MILP with its binaries fixed),
and it is returned with its objective (currency/yr) so HiGHS starts from it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import highspy
import numpy as np

from symbiograph.optimize._builder import DesignModel
from symbiograph.optimize._solve import new_highs, pass_model

__all__ = ["PrimalStart", "link_structure", "primal_start", "slope_scaling_start"]

_FLOW_TOL = 1e-7


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


def slope_scaling_start(
    model: DesignModel,
    time_limit_s: float = 30.0,
    max_rounds: int = 30,
    threads: int = 1,
    seed: int = 0,
    restricted_share: float = 1.0,
) -> PrimalStart | None:
    """A good feasible design of ``model`` by dynamic slope scaling and LP rounding (see the
    module), within about ``time_limit_s`` seconds; None when the model has no pure link
    structure (see :func:`link_structure`) or no round gives a feasible design."""
    start = time.perf_counter()
    structure = link_structure(model)
    if structure is None:
        return None
    flow_col, build_col, bound = structure
    fixed = -model.cost[build_col]  # what switching a link on costs (objective units)
    n_cols = model.shape[1]
    # the linearised problem: every switch on (its cost left out), the fixed cost charged
    # per unit of flow at the current slope
    lower, upper = model.col_lower.copy(), model.col_upper.copy()
    lower[build_col] = 1.0
    linear = new_highs(max(time_limit_s, 1.0), 0.0, threads, seed)
    pass_model(linear, model, np.zeros(n_cols, dtype=bool), upper, lower)
    cost = model.cost.copy()
    cost[build_col] = 0.0
    slope = fixed / np.maximum(bound, _FLOW_TOL)
    # the design with its switches fixed: the same LP, re-solved with original costs
    fixed_lp = new_highs(max(time_limit_s, 1.0), 0.0, threads, seed)
    pass_model(fixed_lp, model, np.zeros(n_cols, dtype=bool), model.col_upper, model.col_lower)
    best: np.ndarray | None = None
    best_obj = -np.inf
    seen: set[bytes] = set()
    kernel = np.zeros(len(build_col), dtype=bool)
    rounds = 0
    build_index = build_col.astype(np.int32)
    while rounds < max_rounds and time.perf_counter() - start <= time_limit_s:
        rounds += 1
        c = cost.copy()
        np.subtract.at(c, flow_col, slope)
        linear.changeColsCost(n_cols, np.arange(n_cols, dtype=np.int32), c.astype(float))
        linear.run()
        if linear.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            break
        x = np.asarray(linear.getSolution().col_value, dtype=float)
        used = np.zeros(n_cols, dtype=bool)
        used[build_col] = x[flow_col] > _FLOW_TOL
        on = used[build_col].astype(float)
        kernel |= on > 0
        key = np.packbits(on > 0).tobytes()
        if key not in seen:
            seen.add(key)
            fixed_lp.changeColsBounds(len(build_index), build_index, on, on)
            fixed_lp.run()
            if fixed_lp.getModelStatus() == highspy.HighsModelStatus.kOptimal:
                y = np.asarray(fixed_lp.getSolution().col_value, dtype=float)
                # a switch left on with no flow only costs: switch it off
                idle = (on > 0) & (y[flow_col] <= _FLOW_TOL)
                y[build_col[idle]] = 0.0
                y[flow_col[idle]] = 0.0
                obj = float(model.cost @ y)
                if obj > best_obj:
                    best, best_obj = y, obj
        else:
            # the same design again: slopes have settled
            flows_now = x[flow_col]
            if np.allclose(fixed / np.maximum(flows_now, bound * 1e-6), slope, rtol=1e-6):
                break
        carried = x[flow_col]
        slope = np.where(carried > _FLOW_TOL, fixed / np.maximum(carried, _FLOW_TOL), slope)
    if best is None:
        return None
    best[build_col] = np.round(best[build_col])
    left = restricted_share * time_limit_s - (time.perf_counter() - start)
    if left > 0.5 and kernel.any():
        # relax-and-fix on the kernel: the MILP with every link outside every round's
        # support switched off, solved by HiGHS from the best round
        upper = model.col_upper.copy()
        upper[build_col[~kernel]] = 0.0
        upper[flow_col[~kernel]] = 0.0
        mip = new_highs(left, 1e-4, threads, seed)
        pass_model(mip, model, model.integer, upper, model.col_lower)
        mip.setSolution(n_cols, np.arange(n_cols, dtype=np.int32), best.astype(float))
        mip.run()
        info = mip.getInfo()
        if info.primal_solution_status >= 2 and info.objective_function_value > best_obj:
            y = np.asarray(mip.getSolution().col_value, dtype=float)
            y[build_col] = np.round(y[build_col])
            best, best_obj = y, float(model.cost @ y)
    return PrimalStart(best, best_obj, rounds, time.perf_counter() - start)


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

    ``mode`` ``on`` always runs :func:`slope_scaling_start`, ``off`` never, ``auto`` when
    the model has at least ``min_binaries`` switches (small models HiGHS solves at once).
    The heuristic gets ``share`` of ``time_limit_s``; HiGHS the rest.
    """
    binaries = int(model.integer.sum())
    run = mode == "on" or (mode == "auto" and binaries >= min_binaries)
    if not run or binaries == 0:
        return None, time_limit_s
    result = slope_scaling_start(model, share * time_limit_s, threads=threads, seed=seed)
    spent = result.seconds if result is not None else 0.0
    return result, max(time_limit_s - spent, 1.0)
