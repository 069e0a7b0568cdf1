"""Explain an infeasible design in terms of the network: which supply, demand, contract or
policy constraint cannot be met, and by how much (elastic relaxation of every row)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import scipy.sparse as sp

from symbiograph.errors import InfeasibleError, SolverError
from symbiograph.optimize._builder import DesignModel
from symbiograph.optimize._solve import solve_model

__all__ = ["InfeasibleDesign", "diagnose_infeasibility"]

_WORDS = {
    "supply": "supply {ref} cannot give what is asked of it",
    "demand": "demand {ref} would receive more than it needs",
    "contract": "the minimum contract volume of candidate {ref} cannot be met",
    "keep": "existing exchange on candidate {ref} cannot keep its quantity",
    "budget": "the budget is too small",
    "individual_rationality": "organisation {ref} would be worse off than today",
    "co2_floor": "the CO2e target cannot be reached",
    "corridor_capacity": "corridor {ref} is too small",
}


class InfeasibleDesign(InfeasibleError, ValueError):
    """No design meets every constraint; ``culprits`` names the rows that must give way."""

    def __init__(self, culprits: pd.DataFrame):
        self.culprits = culprits
        lines = [
            f"  - {row.message} (short by {row.shortfall:,.6g})" for row in culprits.itertuples()
        ]
        super().__init__("the design is infeasible:\n" + "\n".join(lines))


def diagnose_infeasibility(model: DesignModel) -> pd.DataFrame:
    """Rows (group, ref, shortfall, message) whose bounds must be relaxed for a solution.

    Every row gets elastic slack on each finite side at unit penalty, integrality is
    dropped, and the LP minimises the total slack: the rows left with slack are to blame.
    """
    nr, nc = model.shape
    finite_low = np.flatnonzero(np.isfinite(model.row_lower))
    finite_up = np.flatnonzero(np.isfinite(model.row_upper))
    n_low, n_up = len(finite_low), len(finite_up)
    slack = sp.csc_matrix(
        (
            np.concatenate([np.ones(n_low), -np.ones(n_up)]),
            (np.concatenate([finite_low, finite_up]), np.arange(n_low + n_up)),
        ),
        shape=(nr, n_low + n_up),
    )
    # physical limits (what a supply has, what a demand needs) are facts; requirements the
    # user set (contracts, kept exchanges, targets, budget) are what should give way first
    physical = np.isin(model.row_group, ["supply", "demand"])
    penalty = np.where(physical[np.concatenate([finite_low, finite_up])], 2.0, 1.0)
    # only the slack counts: no objective, no integrality
    plain = dataclasses.replace(
        model, cost=np.zeros(nc), col_lower=np.zeros(nc), integer=np.zeros(nc, dtype=bool)
    )
    k = n_low + n_up
    elastic = plain.with_columns(slack, -penalty, np.zeros(k), np.full(k, np.inf), "slack")
    result = solve_model(elastic, duals=False, what="the infeasibility diagnosis")
    if not result.optimal:  # elastic rows always admit a solution: anything else is a fault
        raise SolverError(f"the infeasibility diagnosis ended {result.status}")
    values = result.x[nc:]
    rows = np.concatenate([finite_low, finite_up])
    used = values > 1e-7
    out = pd.DataFrame(
        {
            "group": model.row_group[rows[used]],
            "ref": model.row_ref[rows[used]],
            "shortfall": values[used],
        }
    )
    out["message"] = [
        _WORDS.get(g, "constraint {ref} of " + g).format(ref=r)
        for g, r in zip(out["group"], out["ref"], strict=True)
    ]
    return out.sort_values("shortfall", ascending=False).reset_index(drop=True)
