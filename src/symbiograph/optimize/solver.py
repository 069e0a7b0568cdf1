"""The solver seam, for library stages that re-solve the design model (allocate today;
resilience and the twin next): load a model once, change bounds, run, get a checked result.

This is an internal interface between symbiograph's packages, not part of the user API in
``symbiograph.optimize``: a user designs a network with ``design_network``; a stage that
values thousands of coalitions or outages reuses the loaded model through these names.
Every HiGHS call of symbiograph goes through ``optimize/_solve.py``, behind them.
"""

from symbiograph.optimize._design import part_tables
from symbiograph.optimize._processes import (
    add_processes,
    join_parts,
    process_owners,
    process_plan,
)
from symbiograph.optimize._solve import (
    SOLVERS,
    LoadedModel,
    Solver,
    SolveResult,
    SolverOption,
    solve_dense_lp,
    solve_model,
    solve_rows,
)
from symbiograph.optimize._stochastic import ExtensiveForm, extensive_form

__all__ = [
    "SOLVERS",
    "ExtensiveForm",
    "LoadedModel",
    "SolveResult",
    "Solver",
    "SolverOption",
    "add_processes",
    "extensive_form",
    "join_parts",
    "part_tables",
    "process_owners",
    "process_plan",
    "solve_dense_lp",
    "solve_model",
    "solve_rows",
]
