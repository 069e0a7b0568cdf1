"""The extensive form of a two-stage stochastic design, assembled with the one row-block
builder (:class:`~symbiograph.optimize._builder.RowBlocks`).

Every scenario ``s`` (probability ``p_s``) has its own design model ``M_s`` built by the
design's builder from that scenario's prices and volumes; the models share one column
layout. The integer columns (link switches ``build``, shared ``corridor`` and
``process_switch`` columns: what is built) are the *first stage*, decided once before the
scenario is known; the continuous columns (flows, process activity) are the *second stage*,
one copy per scenario. The extensive form has the first-stage columns once and the
second-stage columns of every scenario, every row of every ``M_s`` (its first-stage entries
on the shared columns), and maximises

    sum_s p_s c_s x_s  +  lambda * CVaR_alpha(net benefit)

where ``c_s x_s`` is scenario s's objective (its fixed costs included) and the conditional
value at risk of the lower tail is linearised as Rockafellar and Uryasev (2000):
``CVaR = max_eta eta - 1/(1 - alpha) sum_s p_s u_s`` with ``u_s >= eta - c_s x_s``,
``u_s >= 0`` (rows ``cvar``; columns ``cvar_eta`` and ``cvar_shortfall``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from symbiograph.errors import InputError
from symbiograph.optimize._builder import DesignModel, RowBlocks

__all__ = ["ExtensiveForm", "extensive_form"]


@dataclass
class ExtensiveForm:
    """The extensive form's model and where the scenario models' columns went: ``first``
    (positions of the first-stage columns in a scenario model), ``second`` (positions of
    its second-stage columns) and ``columns[s]`` (for scenario s, the extensive form's
    column of each column of the scenario model, in the scenario model's order)."""

    model: DesignModel
    scenarios: list[DesignModel]
    probabilities: np.ndarray
    first: np.ndarray
    second: np.ndarray
    columns: list[np.ndarray]
    cvar_weight: float
    cvar_level: float

    def scenario_x(self, x: np.ndarray, s: int) -> np.ndarray:
        """Scenario ``s``'s column values (in its model's order) from the extensive form's."""
        return x[self.columns[s]]

    def scenario_values(self, x: np.ndarray) -> np.ndarray:
        """Each scenario's objective at the extensive form's solution ``x`` (currency/yr
        for the cost objective): ``c_s x_s``."""
        return np.array(
            [m.cost @ self.scenario_x(x, s) for s, m in enumerate(self.scenarios)], dtype=float
        )

    def fixed_first_stage(self, first_values: np.ndarray) -> DesignModel:
        """A copy of the model with the first-stage columns fixed at ``first_values`` (in
        the order of ``first``): what is left is the recourse, an LP over the scenarios."""
        lower, upper = self.model.col_lower.copy(), self.model.col_upper.copy()
        values = np.round(np.asarray(first_values, dtype=float))
        lower[: len(self.first)] = values
        upper[: len(self.first)] = values
        return DesignModel(
            cost=self.model.cost,
            col_lower=lower,
            col_upper=upper,
            integer=np.zeros(len(self.model.integer), dtype=bool),
            col_group=self.model.col_group,
            col_ref=self.model.col_ref,
            matrix=self.model.matrix,
            row_lower=self.model.row_lower,
            row_upper=self.model.row_upper,
            row_group=self.model.row_group,
            row_ref=self.model.row_ref,
        )


def _same_layout(models: Sequence[DesignModel]) -> None:
    base = models[0]
    for s, m in enumerate(models[1:], start=1):
        if (
            m.shape[1] != base.shape[1]
            or not np.array_equal(m.col_group, base.col_group)
            or not np.array_equal(m.col_ref, base.col_ref)
            or not np.array_equal(m.integer, base.integer)
        ):
            raise InputError(
                f"scenario {s + 1}'s design model has other columns than scenario 1's: the "
                "scenarios must share the candidates, links, corridors and processes"
            )


def extensive_form(
    models: Sequence[DesignModel],
    probabilities: Sequence[float] | np.ndarray,
    *,
    cvar_weight: float = 0.0,
    cvar_level: float = 0.95,
) -> ExtensiveForm:
    """The extensive form of the two-stage design over the scenario ``models`` (one design
    model per scenario, one column layout) with the given ``probabilities`` (>= 0, summing
    to 1): see the module's note. ``cvar_weight`` (>= 0, per currency unit of expected
    value) adds the conditional value at risk of the net benefit at ``cvar_level`` (the mean
    of the worst 1 - level share of the scenarios) to the objective. Raises InputError on
    scenarios of other layouts, bad probabilities or a bad weight or level."""
    if not len(models):
        raise InputError("a stochastic design needs at least one scenario")
    p = np.asarray(probabilities, dtype=float)
    if p.shape != (len(models),):
        raise InputError(f"{len(models)} scenarios need {len(models)} probabilities, not {p.size}")
    if not np.all(np.isfinite(p)) or (p < 0).any() or abs(float(p.sum()) - 1.0) > 1e-9:
        raise InputError("scenario probabilities must be finite, >= 0 and sum to 1")
    if not np.isfinite(cvar_weight) or cvar_weight < 0:
        raise InputError(f"the CVaR weight must be >= 0, not {cvar_weight}")
    if not 0.0 <= cvar_level < 1.0:
        raise InputError(f"the CVaR level must lie in [0, 1), not {cvar_level}")
    _same_layout(models)
    base = models[0]
    first = np.flatnonzero(base.integer)
    second = np.flatnonzero(~base.integer)
    n1, n2, k = len(first), len(second), len(models)
    where = np.empty(base.shape[1], dtype=np.int64)
    columns: list[np.ndarray] = []
    for s in range(k):
        where[first] = np.arange(n1)
        where[second] = n1 + s * n2 + np.arange(n2)
        columns.append(where.copy())
    n_cols = n1 + k * n2
    risk = cvar_weight > 0
    eta = n_cols
    shortfall = n_cols + 1 + np.arange(k)
    total_cols = n_cols + (1 + k if risk else 0)

    cost = np.zeros(total_cols)
    lower = np.zeros(total_cols)
    upper = np.zeros(total_cols)
    integer = np.zeros(total_cols, dtype=bool)
    group = np.empty(total_cols, dtype=object)
    ref = np.empty(total_cols, dtype=object)
    integer[:n1] = True
    group[:n1], ref[:n1] = base.col_group[first], base.col_ref[first]
    lower[:n1], upper[:n1] = base.col_lower[first], base.col_upper[first]
    rows = RowBlocks()
    for s, m in enumerate(models):
        cols = columns[s]
        np.add.at(cost, cols, p[s] * m.cost)
        lower[cols[second]] = m.col_lower[second]
        upper[cols[second]] = m.col_upper[second]
        group[cols[second]] = m.col_group[second]
        ref[cols[second]] = [f"s{s + 1}:{r}" for r in m.col_ref[second]]
        coo = m.matrix.tocoo()
        for name in dict.fromkeys(m.row_group):
            at = np.flatnonzero(m.row_group == name)
            position = np.full(m.shape[0], -1, dtype=np.int64)
            position[at] = np.arange(len(at))
            keep = position[coo.row] >= 0
            rows.add(
                position[coo.row[keep]],
                cols[coo.col[keep]],
                coo.data[keep],
                m.row_lower[at],
                m.row_upper[at],
                str(name),
                np.array([f"s{s + 1}:{r}" for r in m.row_ref[at]], dtype=object),
            )
    if risk:
        scale = cvar_weight / (1.0 - cvar_level)
        cost[eta] = cvar_weight
        cost[shortfall] = -scale * p
        lower[eta], upper[eta] = -np.inf, np.inf
        lower[shortfall], upper[shortfall] = 0.0, np.inf
        group[eta], ref[eta] = "cvar_eta", "eta"
        group[shortfall] = "cvar_shortfall"
        ref[shortfall] = [f"s{s + 1}" for s in range(k)]
        # c_s x_s - eta + u_s >= 0
        r_parts, j_parts, v_parts = [], [], []
        for s, m in enumerate(models):
            nz = np.flatnonzero(m.cost)
            r_parts += [np.full(len(nz) + 2, s)]
            j_parts += [np.concatenate([columns[s][nz], [eta, shortfall[s]]])]
            v_parts += [np.concatenate([m.cost[nz], [-1.0, 1.0]])]
        rows.add(
            np.concatenate(r_parts),
            np.concatenate(j_parts),
            np.concatenate(v_parts),
            np.zeros(k),
            np.full(k, np.inf),
            "cvar",
            np.array([f"s{s + 1}" for s in range(k)], dtype=object),
        )
    model = rows.model(cost, lower, upper, integer, group, ref)
    return ExtensiveForm(
        model=model,
        scenarios=list(models),
        probabilities=p,
        first=first,
        second=second,
        columns=columns,
        cvar_weight=float(cvar_weight),
        cvar_level=float(cvar_level),
    )
