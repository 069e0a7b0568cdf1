"""The solver seam: a model loaded once and re-solved with other bounds, statuses in plain
words, a refused model or a stop without a solution as an error, nothing on stdout."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
import scipy.sparse as sp

from symbiograph.errors import InputError, SolverError
from symbiograph.optimize import DesignModel, solve_model
from symbiograph.optimize._solve import LoadedModel, solve_dense_lp


def _model(row_lower: float = -np.inf, integer: bool = False) -> DesignModel:
    """max x1 + 2 x2 s.t. row_lower <= x1 + x2 <= 4, 0 <= x <= 3 (optimum 7 at (1, 3))."""
    return DesignModel(
        cost=np.array([1.0, 2.0]),
        col_lower=np.zeros(2),
        col_upper=np.full(2, 3.0),
        integer=np.array([False, integer]),
        col_group=np.array(["flow", "flow"], dtype=object),
        col_ref=np.array(["a", "b"], dtype=object),
        matrix=sp.csc_matrix(np.ones((1, 2))),
        row_lower=np.array([row_lower]),
        row_upper=np.array([4.0]),
        row_group=np.array(["supply"], dtype=object),
        row_ref=np.array(["s"], dtype=object),
    )


def test_a_loaded_model_is_re_solved_with_new_bounds() -> None:
    loaded = LoadedModel(_model())
    first = loaded.run()
    assert first.optimal and first.objective == pytest.approx(7.0)
    np.testing.assert_allclose(first.x, [1.0, 3.0])
    assert first.row_dual == pytest.approx([1.0])  # one more unit of the row earns x1's 1
    second = loaded.run(upper=np.array([3.0, 0.0]))
    assert second.objective == pytest.approx(3.0) and second.x == pytest.approx([3.0, 0.0])
    assert loaded.run().objective == pytest.approx(3.0)  # bounds stay until changed
    assert loaded.run(upper=np.full(2, 3.0)).objective == pytest.approx(7.0)


def test_infeasible_comes_back_with_its_status() -> None:
    result = solve_model(_model(row_lower=10.0))
    assert result.status == "infeasible" and not result.has_solution
    assert np.isnan(result.x).all() and np.isnan(result.objective)


def test_a_mip_reports_its_gap_and_fixed_lp_duals() -> None:
    result = solve_model(_model(integer=True), mip_gap=0.0)
    assert result.optimal and result.objective == pytest.approx(7.0) and result.mip_gap == 0.0
    assert np.isfinite(result.row_dual).all()


def test_a_nan_bound_is_refused_before_the_solver_sees_it() -> None:
    bad = _model()
    bad.row_upper = np.array([np.nan])
    with pytest.raises(SolverError, match="NaN"):
        solve_model(bad)


def test_unknown_solver_and_option_are_input_errors() -> None:
    with pytest.raises(InputError, match="unknown solver 'cplex'"):
        solve_model(_model(), solver="cplex")  # type: ignore[arg-type]
    with pytest.raises(InputError, match="not_an_option"):
        solve_model(_model(), options={"not_an_option": True})


def test_dense_lps_of_the_games() -> None:
    # min -x - y s.t. x + y <= 1, x - y == 0: x = y = 1/2; the row's marginal is -1
    result = solve_dense_lp(
        np.array([-1.0, -1.0]), np.array([[1.0, 1.0]]), np.array([1.0]),
        np.array([[1.0, -1.0]]), np.array([0.0]),
    )  # fmt: skip
    assert result.optimal and result.x == pytest.approx([0.5, 0.5])
    assert result.row_dual[0] == pytest.approx(-1.0)
    infeasible = solve_dense_lp(np.array([1.0]), np.array([[1.0]]), np.array([-1.0]))
    assert infeasible.status == "infeasible"


def test_the_solver_prints_nothing_on_stdout() -> None:
    code = (
        "from symbiograph.datasets import kalundborg\n"
        "from symbiograph.match import find_candidates\n"
        "from symbiograph.optimize import design_network\n"
        "n = kalundborg()\n"
        "design_network(n, find_candidates(n).candidates)\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert run.stdout == ""
    assert "HiGHS" not in run.stderr
