"""Solve a DesignModel with HiGHS (highspy), and re-solve the LP with the binaries fixed for
shadow prices. Only this module talks to the solver."""

from __future__ import annotations

import time
from dataclasses import dataclass

import highspy
import numpy as np

from symbiograph.optimize._builder import DesignModel

__all__ = ["SolveResult", "new_highs", "pass_model", "solve_model"]

_INF = highspy.kHighsInf


@dataclass
class SolveResult:
    """Column values, row activities and duals, the status and the achieved MIP gap."""

    status: str
    x: np.ndarray
    row_activity: np.ndarray
    row_dual: np.ndarray
    objective: float
    mip_gap: float
    solve_s: float
    dual_s: float


def new_highs(time_limit_s: float, mip_gap: float, threads: int, seed: int) -> highspy.Highs:
    """A quiet HiGHS instance with the time limit (s), relative MIP gap, threads and seed."""
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("time_limit", float(time_limit_s))
    h.setOptionValue("mip_rel_gap", float(mip_gap))
    h.setOptionValue("threads", int(threads))
    h.setOptionValue("random_seed", int(seed))
    return h


def pass_model(
    h: highspy.Highs, model: DesignModel, integer: np.ndarray, upper: np.ndarray, lower: np.ndarray
) -> None:
    """Hand ``model`` to ``h`` in one call (column-wise sparse matrix), with the given column
    bounds and integrality (so bounds can differ from the model's, e.g. binaries fixed)."""
    lp = highspy.HighsLp()
    nr, nc = model.shape
    lp.num_col_ = nc
    lp.num_row_ = nr
    lp.sense_ = highspy.ObjSense.kMaximize
    lp.col_cost_ = model.cost.astype(float)
    lp.col_lower_ = lower.astype(float)
    lp.col_upper_ = upper.astype(float)
    lp.row_lower_ = np.where(np.isinf(model.row_lower), -_INF, model.row_lower).astype(float)
    lp.row_upper_ = np.where(np.isinf(model.row_upper), _INF, model.row_upper).astype(float)
    a = model.matrix.tocsc()
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = a.indptr.astype(np.int32)
    lp.a_matrix_.index_ = a.indices.astype(np.int32)
    lp.a_matrix_.value_ = a.data.astype(float)
    if integer.any():
        lp.integrality_ = [
            highspy.HighsVarType.kInteger if flag else highspy.HighsVarType.kContinuous
            for flag in integer
        ]
    h.passModel(lp)


def _relax_built_links(model: DesignModel, x: np.ndarray) -> DesignModel:
    """A copy of ``model`` whose link rows of built links (switch at 1) are unbounded."""
    link_rows = np.flatnonzero(np.isin(model.row_group, ["link", "corridor_link"]))
    if not len(link_rows):
        return model
    integer_cols = np.flatnonzero(model.integer)
    part = model.matrix.tocsr()[link_rows][:, integer_cols]
    switch_on = (part @ x[integer_cols]) < 0  # entry -M times a switch at 1
    upper = model.row_upper.copy()
    upper[link_rows[switch_on]] = np.inf
    return DesignModel(
        cost=model.cost,
        col_lower=model.col_lower,
        col_upper=model.col_upper,
        integer=model.integer,
        col_group=model.col_group,
        col_ref=model.col_ref,
        matrix=model.matrix,
        row_lower=model.row_lower,
        row_upper=upper,
        row_group=model.row_group,
        row_ref=model.row_ref,
    )


def solve_model(
    model: DesignModel,
    time_limit_s: float = 120.0,
    mip_gap: float = 0.01,
    threads: int = 1,
    seed: int = 0,
    duals: bool = True,
    start: np.ndarray | None = None,
) -> SolveResult:
    """Solve ``model``; with binaries, also solve the LP with them fixed to get row duals
    (shadow prices: objective change per unit of right-hand side). ``start`` (column
    values of a feasible point) is handed to HiGHS as its first incumbent."""
    nr, nc = model.shape
    if nc == 0:
        return SolveResult("optimal", np.zeros(0), np.zeros(nr), np.zeros(nr), 0.0, 0.0, 0.0, 0.0)
    h = new_highs(time_limit_s, mip_gap, threads, seed)
    pass_model(h, model, model.integer, model.col_upper, model.col_lower)
    if start is not None:
        h.setSolution(nc, np.arange(nc, dtype=np.int32), np.asarray(start, dtype=float))
    began = time.perf_counter()
    h.run()
    solve_s = time.perf_counter() - began
    status = h.getModelStatus()
    name = {
        highspy.HighsModelStatus.kOptimal: "optimal",
        highspy.HighsModelStatus.kInfeasible: "infeasible",
        highspy.HighsModelStatus.kUnbounded: "unbounded",
        highspy.HighsModelStatus.kUnboundedOrInfeasible: "infeasible",
        highspy.HighsModelStatus.kTimeLimit: "time_limit",
    }.get(status, str(status))
    info = h.getInfo()
    solution = h.getSolution()
    has_solution = name == "optimal" or (name == "time_limit" and info.primal_solution_status >= 2)
    if not has_solution:
        return SolveResult(
            name,
            np.full(nc, np.nan),
            np.full(nr, np.nan),
            np.full(nr, np.nan),
            np.nan,
            np.inf,
            solve_s,
            0.0,
        )
    x = np.asarray(solution.col_value, dtype=float)
    activity = np.asarray(solution.row_value, dtype=float)
    objective = float(info.objective_function_value)
    gap = float(info.mip_gap) if model.integer.any() else 0.0
    row_dual = (
        np.asarray(solution.row_dual, dtype=float)
        if not model.integer.any()
        else np.full(nr, np.nan)
    )
    dual_s = 0.0
    if duals:
        began = time.perf_counter()
        fixed = np.round(x[model.integer])
        lower, upper = model.col_lower.copy(), model.col_upper.copy()
        lower[model.integer] = fixed
        upper[model.integer] = fixed
        # with the switches fixed, a built link no longer limits its flow: drop its row and the
        # flow's own upper bound, so the shadow price lands on the supply or demand that binds
        # (not on a link row that merely repeats that limit)
        relaxed = _relax_built_links(model, np.round(x))
        upper[model.col_group == "flow"] = np.inf
        lp = new_highs(time_limit_s, mip_gap, threads, seed)
        pass_model(lp, relaxed, np.zeros(nc, dtype=bool), upper, lower)
        lp.run()
        if lp.getModelStatus() == highspy.HighsModelStatus.kOptimal:
            row_dual = np.asarray(lp.getSolution().row_dual, dtype=float)
        dual_s = time.perf_counter() - began
    return SolveResult(name, x, activity, row_dual, objective, max(gap, 0.0), solve_s, dual_s)
