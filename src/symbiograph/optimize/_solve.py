"""The one solver seam: every call to HiGHS in symbiograph goes through this module.

A :class:`LoadedModel` is a :class:`DesignModel` handed to the solver once; it is run, and
run again with other column bounds (a warm-started re-solve, as coalition values and branch
and bound need). Each run returns a checked :class:`SolveResult`: the status in plain words,
the objective, primal and dual values and the time it took. A status that carries no
solution is an error (:class:`~symbiograph.errors.SolverError`), except infeasible and
unbounded, which the caller explains (the design names the culprit constraints; a branch
and bound prunes the node). :func:`solve_model` solves a model once and, for a MIP, the LP
with its binaries fixed for shadow prices; :func:`solve_dense_lp` solves the small dense
LPs of the cooperative games.

The solver is a parameter (``solver="highs"``, the only one shipped); nothing commercial is
imported. HiGHS prints nothing: its banner and log are off before a model is loaded.
"""

from __future__ import annotations

import contextlib
import dataclasses
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, get_args

import highspy
import numpy as np
from highspy import _core

from symbiograph.errors import InputError, SolverError
from symbiograph.optimize._builder import DesignModel

__all__ = [
    "SOLVERS",
    "LoadedModel",
    "SolveResult",
    "Solver",
    "SolverOption",
    "solve_dense_lp",
    "solve_model",
    "solve_rows",
]

#: The solvers symbiograph can call.
Solver = Literal["highs"]
SOLVERS: tuple[str, ...] = get_args(Solver)
#: A solver option's value (HiGHS option names, e.g. ``mip_heuristic_run_rins``).
SolverOption = bool | int | float | str

_INF = highspy.kHighsInf
_STATUS = {
    highspy.HighsModelStatus.kOptimal: "optimal",
    highspy.HighsModelStatus.kInfeasible: "infeasible",
    highspy.HighsModelStatus.kUnbounded: "unbounded",
    highspy.HighsModelStatus.kUnboundedOrInfeasible: "infeasible",
    highspy.HighsModelStatus.kTimeLimit: "time_limit",
    highspy.HighsModelStatus.kIterationLimit: "iteration_limit",
    highspy.HighsModelStatus.kSolutionLimit: "solution_limit",
    highspy.HighsModelStatus.kObjectiveBound: "objective_bound",
    highspy.HighsModelStatus.kObjectiveTarget: "objective_target",
    highspy.HighsModelStatus.kInterrupt: "interrupted",
    highspy.HighsModelStatus.kMemoryLimit: "memory_limit",
}
#: Statuses that explain themselves: the caller diagnoses them, they are not solver faults.
NO_SOLUTION = ("infeasible", "unbounded")


@dataclass
class SolveResult:
    """One run of the solver: ``status`` (optimal, infeasible, unbounded, time_limit,
    iteration_limit, solution_limit, ...), column values ``x``, row activities, row duals
    (shadow prices: objective change per unit of right-hand side), the ``objective``, the
    relative MIP gap reached (0 for an LP or a proven optimum), the solve time (s) and the
    time of the LP re-solve for duals (s). Without a solution (infeasible or unbounded) the
    values are NaN. ``col_dual``: reduced costs (NaN for a MIP)."""

    status: str
    x: np.ndarray
    row_activity: np.ndarray
    row_dual: np.ndarray
    objective: float
    mip_gap: float
    solve_s: float
    dual_s: float
    col_dual: np.ndarray = field(default_factory=lambda: np.zeros(0))

    @property
    def has_solution(self) -> bool:
        """Whether ``x`` holds a feasible solution (optimal, or the best found at a limit)."""
        return self.status not in NO_SOLUTION

    @property
    def optimal(self) -> bool:
        """Whether the solution is proven optimal (within the MIP gap asked for)."""
        return self.status == "optimal"


def _check(status: highspy.HighsStatus, what: str) -> None:
    if status == highspy.HighsStatus.kError:
        raise SolverError(f"{what}: HiGHS refused the call")


def _new_highs(
    solver: str,
    time_limit_s: float,
    mip_gap: float,
    threads: int,
    seed: int,
    options: Mapping[str, SolverOption] | None,
) -> _core._Highs:
    """A quiet solver instance with the given limits and extra options."""
    if solver not in SOLVERS:
        raise InputError(f"unknown solver {solver!r}: symbiograph can call {', '.join(SOLVERS)}")
    # the core object, not highspy.Highs: its constructor installs Python callbacks and
    # prints the banner on stdout before any option can be set
    h = _core._Highs()
    settings: dict[str, SolverOption] = {
        "output_flag": False,
        "time_limit": float(time_limit_s),
        "mip_rel_gap": float(mip_gap),
        "threads": int(threads),
        "random_seed": int(seed),
    }
    settings.update(options or {})
    for name, value in settings.items():
        if h.setOptionValue(name, value) == highspy.HighsStatus.kError:
            raise InputError(f"solver option {name}={value!r} is not a valid HiGHS option")
    return h


def _highs_lp(model: DesignModel, integer: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> Any:
    """``model`` as a HiGHS LP (column-wise sparse matrix, maximised) with the given column
    bounds and integrality."""
    lp = highspy.HighsLp()
    nr, nc = model.shape
    lp.num_col_ = nc
    lp.num_row_ = nr
    lp.sense_ = highspy.ObjSense.kMaximize
    lp.col_cost_ = model.cost.astype(float)
    lp.col_lower_ = np.asarray(lower, dtype=float)
    lp.col_upper_ = np.asarray(upper, dtype=float)
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
    return lp


class LoadedModel:
    """A model loaded into the solver once and run as often as needed.

    ``relax`` drops integrality (the LP relaxation); ``lower`` / ``upper`` replace the
    model's column bounds; ``time_limit_s`` (s), ``mip_gap`` (relative), ``threads`` and
    ``seed`` bound and fix each run; ``options`` are further solver options by name.
    ``what`` names the model in errors. Raises InputError on an unknown solver or option,
    SolverError when the solver refuses the model (a NaN bound, a bad index).
    """

    def __init__(
        self,
        model: DesignModel,
        *,
        relax: bool = False,
        lower: np.ndarray | None = None,
        upper: np.ndarray | None = None,
        time_limit_s: float = 120.0,
        mip_gap: float = 1e-4,
        threads: int = 1,
        seed: int = 0,
        options: Mapping[str, SolverOption] | None = None,
        solver: Solver = "highs",
        what: str = "the model",
    ) -> None:
        self.model = model
        self.what = what
        self.integer = np.zeros(len(model.integer), dtype=bool) if relax else model.integer
        lower = model.col_lower if lower is None else lower
        upper = model.col_upper if upper is None else upper
        for name, values in (("lower", lower), ("upper", upper)):
            if np.isnan(values).any():
                raise SolverError(f"{what}: a column {name} bound is NaN")
        for name, values in (
            ("lower", model.row_lower),
            ("upper", model.row_upper),
            ("cost", model.cost),
        ):
            if np.isnan(values).any():
                raise SolverError(f"{what}: a row {name} bound or a cost is NaN")
        self._cols = np.arange(model.shape[1], dtype=np.int32)
        self._h = _new_highs(solver, time_limit_s, mip_gap, threads, seed, options)
        if model.shape[1]:
            _check(self._h.passModel(_highs_lp(model, self.integer, lower, upper)), what)

    def run(
        self,
        lower: np.ndarray | None = None,
        upper: np.ndarray | None = None,
        *,
        start: np.ndarray | None = None,
        cost: np.ndarray | None = None,
    ) -> SolveResult:
        """Solve (warm-started from the last run), with new column bounds if given,
        ``start`` as a first incumbent (column values) and ``cost`` as the objective of
        this and later runs (read ``x``; ``objective`` may be of the model's cost) if given. Returns the checked
        result; raises SolverError when the solver stops without a solution for another
        reason than infeasibility or unboundedness (a time limit before any incumbent, a
        numerical failure)."""
        nr, nc = self.model.shape
        if nc == 0:
            return self._empty()
        h = self._h
        if lower is not None or upper is not None:
            lo = self.model.col_lower if lower is None else lower
            hi = self.model.col_upper if upper is None else upper
            _check(h.changeColsBounds(nc, self._cols, lo, hi), self.what)
        if cost is not None:
            _check(h.changeColsCost(nc, self._cols, np.asarray(cost, dtype=float)), self.what)
        if start is not None:
            sol = highspy.HighsSolution()
            sol.col_value = np.asarray(start, dtype=float)
            sol.value_valid = True
            _check(h.setSolution(sol), self.what)
        began = time.perf_counter()
        run_status = h.run()
        seconds = time.perf_counter() - began
        model_status = h.getModelStatus()
        status = _STATUS.get(model_status)
        info = h.getInfo()
        found = info.primal_solution_status == int(highspy.SolutionStatus.kSolutionStatusFeasible)
        if status == "optimal" and run_status != highspy.HighsStatus.kError:
            pass
        elif status in NO_SOLUTION:
            return SolveResult(
                status,
                np.full(nc, np.nan),
                np.full(nr, np.nan),
                np.full(nr, np.nan),
                np.nan,
                np.inf,
                seconds,
                0.0,
                np.full(nc, np.nan),
            )
        elif status is None or not found or run_status == highspy.HighsStatus.kError:
            label = status or h.modelStatusToString(model_status)
            raise SolverError(
                f"{self.what}: the solver stopped ({label}) after {seconds:.3g} s without a "
                "solution; raise the time limit or simplify the model"
            )
        solution = h.getSolution()
        mip = bool(self.integer.any())
        gap = float(info.mip_gap) if mip else 0.0
        x = np.asarray(solution.col_value, dtype=float)
        # stopped at a limit, the reported objective may belong to another point than the
        # solution handed back: the objective of the returned values is the one to trust
        objective = (
            float(info.objective_function_value)
            if status == "optimal"
            else float(self.model.cost @ x)
        )
        return SolveResult(
            status,
            x,
            np.asarray(solution.row_value, dtype=float),
            np.full(nr, np.nan) if mip else np.asarray(solution.row_dual, dtype=float),
            objective,
            max(gap, 0.0) if status == "optimal" or np.isfinite(gap) else np.inf,
            seconds,
            0.0,
            np.full(nc, np.nan) if mip else np.asarray(solution.col_dual, dtype=float),
        )

    def _empty(self) -> SolveResult:
        """A model without columns: optimal at 0 when every row admits 0, else infeasible."""
        nr = self.model.shape[0]
        fits = bool(np.all(self.model.row_lower <= 0) and np.all(self.model.row_upper >= 0))
        if not fits:
            nan = np.full(nr, np.nan)
            return SolveResult("infeasible", np.zeros(0), nan, nan, np.nan, np.inf, 0.0, 0.0)
        return SolveResult("optimal", np.zeros(0), np.zeros(nr), np.zeros(nr), 0.0, 0.0, 0.0, 0.0)


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
    return dataclasses.replace(model, row_upper=upper)


def solve_model(
    model: DesignModel,
    time_limit_s: float = 120.0,
    mip_gap: float = 0.01,
    threads: int = 1,
    seed: int = 0,
    duals: bool = True,
    *,
    solver: Solver = "highs",
    options: Mapping[str, SolverOption] | None = None,
    start: np.ndarray | None = None,
    what: str = "the model",
) -> SolveResult:
    """Solve ``model`` once (see :class:`LoadedModel` for the arguments and errors); with
    ``duals``, also solve the LP with the binaries fixed and the flows' own bounds lifted to
    get row duals (shadow prices: objective change per unit of right-hand side). An infeasible or unbounded model
    comes back with that status and NaN values, for the caller to explain."""
    limits: dict[str, Any] = {
        "time_limit_s": time_limit_s,
        "mip_gap": mip_gap,
        "threads": threads,
        "seed": seed,
        "options": options,
        "solver": solver,
    }
    result = LoadedModel(model, what=what, **limits).run(start=start)
    if not result.has_solution or not duals:
        return result
    began = time.perf_counter()
    x = result.x
    fixed = np.round(x[model.integer])
    lower, upper = model.col_lower.copy(), model.col_upper.copy()
    lower[model.integer] = fixed
    upper[model.integer] = fixed
    # with the switches fixed, a built link no longer limits its flow: drop its row and the
    # flow's own upper bound, so the shadow price lands on the supply or demand that binds
    # (not on a link row that merely repeats that limit)
    relaxed = _relax_built_links(model, np.round(x))
    upper[model.col_group == "flow"] = np.inf
    loaded = LoadedModel(
        relaxed, relax=True, lower=lower, upper=upper, what=f"{what} (shadow prices)", **limits
    )
    with contextlib.suppress(SolverError):  # no shadow prices (NaN), the design stands
        lp = loaded.run()
        if lp.optimal:
            result.row_dual = lp.row_dual
    result.dual_s = time.perf_counter() - began
    return result


def solve_dense_lp(
    cost: np.ndarray,
    a_ub: np.ndarray | None = None,
    b_ub: np.ndarray | None = None,
    a_eq: np.ndarray | None = None,
    b_eq: np.ndarray | None = None,
    bounds: Sequence[tuple[float | None, float | None]] | None = None,
    *,
    solver: Solver = "highs",
    what: str = "the LP",
) -> SolveResult:
    """min ``cost @ x`` s.t. ``a_ub x <= b_ub``, ``a_eq x == b_eq`` and ``bounds`` (pairs,
    None = unbounded; default x >= 0), for the small dense LPs of the cooperative games.
    ``row_dual`` holds the marginals of the inequality rows, then of the equality rows
    (d objective / d right-hand side); infeasible or unbounded comes back with that status,
    any other stop raises SolverError."""
    from scipy.optimize import linprog

    if solver not in SOLVERS:
        raise InputError(f"unknown solver {solver!r}: symbiograph can call {', '.join(SOLVERS)}")
    began = time.perf_counter()
    res = linprog(cost, A_ub=a_ub, b_ub=b_ub, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
    seconds = time.perf_counter() - began
    n = len(cost)
    n_rows = (0 if b_ub is None else len(b_ub)) + (0 if b_eq is None else len(b_eq))
    status = {0: "optimal", 2: "infeasible", 3: "unbounded"}.get(int(res.status))
    if status is None:
        raise SolverError(f"{what}: the solver stopped without a solution ({res.message})")
    if status != "optimal":
        nan = np.full(n_rows, np.nan)
        return SolveResult(status, np.full(n, np.nan), nan, nan, np.nan, np.inf, seconds, 0.0)
    marginals = [
        np.asarray(part.marginals, dtype=float)
        for part in (res.ineqlin, res.eqlin)
        if part is not None and len(part.marginals)
    ]
    row_dual = np.concatenate(marginals) if marginals else np.zeros(0)
    x = np.asarray(res.x, dtype=float)
    activity = np.concatenate(
        [a @ x for a in (a_ub, a_eq) if a is not None and len(a)] or [np.zeros(0)]
    )
    return SolveResult("optimal", x, activity, row_dual, float(res.fun), 0.0, seconds, 0.0)


def solve_rows(
    cost: np.ndarray,
    col_lower: np.ndarray,
    col_upper: np.ndarray,
    rows: Sequence[tuple[float, float, np.ndarray, np.ndarray]],
    *,
    hessian_diagonal: np.ndarray | None = None,
    solver: Solver = "highs",
    time_limit_s: float = 60.0,
    what: str = "the LP",
) -> SolveResult:
    """min ``cost @ x`` (+ ``0.5 * sum(hessian_diagonal * x**2)`` when given: a convex QP)
    over ``col_lower <= x <= col_upper`` and the sparse ``rows`` (lower, upper, column
    indices, coefficients; +-inf for a free side), for the small models of the settlement.
    Infeasible or unbounded come back with that status; any other stop raises SolverError."""
    h = _new_highs(solver, time_limit_s, 0.0, 1, 0, None)
    n = len(cost)
    began = time.perf_counter()
    _check(h.addVars(n, np.asarray(col_lower, float), np.asarray(col_upper, float)), what)
    _check(h.changeColsCost(n, np.arange(n, dtype=np.int32), np.asarray(cost, float)), what)
    for lower, upper, index, value in rows:
        index = np.asarray(index, dtype=np.int32)
        _check(h.addRow(lower, upper, len(index), index, np.asarray(value, float)), what)
    if hessian_diagonal is not None:
        hessian = highspy.HighsHessian()
        hessian.dim_ = n
        hessian.format_ = highspy.HessianFormat.kTriangular
        diagonal = np.asarray(hessian_diagonal, float)
        nonzero = diagonal != 0.0
        hessian.start_ = np.r_[0, np.cumsum(nonzero)].astype(np.int32)
        hessian.index_ = np.flatnonzero(nonzero).astype(np.int32)
        hessian.value_ = diagonal[nonzero]
        _check(h.passHessian(hessian), what)
    h.run()
    seconds = time.perf_counter() - began
    status = _STATUS.get(h.getModelStatus())
    if status not in ("optimal", *NO_SOLUTION):
        said = status or h.modelStatusToString(h.getModelStatus())
        raise SolverError(f"{what}: the solver stopped without a solution ({said})")
    nan = np.full(len(rows), np.nan)
    if status != "optimal":
        return SolveResult(str(status), np.full(n, np.nan), nan, nan, np.nan, np.inf, seconds, 0.0)
    solution = h.getSolution()
    return SolveResult(
        "optimal",
        np.asarray(solution.col_value, dtype=float),
        np.asarray(solution.row_value, dtype=float),
        np.asarray(solution.row_dual, dtype=float),
        float(h.getInfo().objective_function_value),
        0.0,
        seconds,
        0.0,
        np.asarray(solution.col_dual, dtype=float),
    )
