"""The one model builder: a design MILP assembled from tables with array operations.

Columns: ``flow`` (one per candidate, t/yr, MWh/yr or m3/yr of supply), ``build`` (binary,
one per candidate whose link has a fixed cost or a minimum contract volume) and ``corridor``
(binary, one per shared pipeline corridor). Rows, by group: ``supply`` (what a supply gives
is at most its quantity), ``demand`` (what a demand receives, in its own units, is at most
its quantity), ``link`` / ``contract`` (flow only on a built link, and at least the minimum
contract once built), ``corridor_link`` / ``corridor_capacity``, ``budget``,
``individual_rationality`` (per organisation), ``co2_floor``, ``keep`` (existing
exchanges that must stay) and ``blend`` (the flow-weighted quality a demand receives stays
in its accepted range, linear because supply qualities are data). Every row and column has a group and the id it stands for, so
results and diagnostics speak of the network, not of matrix indices.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

__all__ = [
    "DesignModel",
    "DesignTables",
    "RowBlocks",
    "add_link_rows",
    "build_model",
    "tight_flow_bounds",
]


@dataclass
class DesignTables:
    """What the builder needs, as aligned arrays (positions, not ids, inside).

    ``candidates`` columns: candidate_id, supply_pos, demand_pos, max_flow,
    demand_units_per_unit, money_per_unit, co2e_t_per_unit, fixed_cost_per_yr, min_flow,
    corridor_pos (-1 = none), giver_pos, taker_pos, giver_per_unit, taker_per_unit, keep.
    """

    candidates: pd.DataFrame
    supply_ids: np.ndarray
    supply_quantity: np.ndarray
    demand_ids: np.ndarray
    demand_quantity: np.ndarray
    organisations: np.ndarray
    corridors: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(
            {"corridor_id": [], "fixed_cost_per_yr": [], "capacity": []}
        )
    )
    #: blend rows (row, ref, lower, upper) and their terms (row, candidate_pos, coef): the
    #: flow-weighted quality a demand receives stays inside its accepted range
    blend_rows: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame({"row": [], "ref": [], "lower": [], "upper": []})
    )
    blend_terms: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame({"row": [], "candidate_pos": [], "coef": []})
    )


@dataclass
class DesignModel:
    """A MILP in matrix form: maximise ``cost @ x`` s.t. ``row_lower <= A x <= row_upper``."""

    cost: np.ndarray
    col_lower: np.ndarray
    col_upper: np.ndarray
    integer: np.ndarray
    col_group: np.ndarray
    col_ref: np.ndarray
    matrix: sp.csc_matrix
    row_lower: np.ndarray
    row_upper: np.ndarray
    row_group: np.ndarray
    row_ref: np.ndarray

    @property
    def shape(self) -> tuple[int, int]:
        """(rows, columns)."""
        return int(self.matrix.shape[0]), int(self.matrix.shape[1])

    def columns(self, group: str) -> np.ndarray:
        """Positions of the columns of ``group``."""
        return np.flatnonzero(self.col_group == group)

    def rows(self, group: str) -> np.ndarray:
        """Positions of the rows of ``group``."""
        return np.flatnonzero(self.row_group == group)

    def with_rows(self, matrix: Any, lower: Any, upper: Any, group: str, refs: Any) -> DesignModel:
        """A copy with rows appended: their coefficients (rows x this model's columns),
        bounds, one group name and the id each stands for."""
        return dataclasses.replace(
            self,
            matrix=sp.vstack([self.matrix, sp.csc_matrix(matrix)]).tocsc(),
            row_lower=np.concatenate([self.row_lower, np.asarray(lower, dtype=float)]),
            row_upper=np.concatenate([self.row_upper, np.asarray(upper, dtype=float)]),
            row_group=np.concatenate([self.row_group, np.full(len(lower), group, dtype=object)]),
            row_ref=np.concatenate([self.row_ref, np.asarray(refs, dtype=object)]),
        )

    def with_columns(
        self, matrix: Any, cost: Any, lower: Any, upper: Any, group: str
    ) -> DesignModel:
        """A copy with continuous columns appended: their coefficients (this model's rows x
        new columns), objective, bounds and one group name (no ids)."""
        k = len(cost)
        return dataclasses.replace(
            self,
            cost=np.concatenate([self.cost, np.asarray(cost, dtype=float)]),
            col_lower=np.concatenate([self.col_lower, np.asarray(lower, dtype=float)]),
            col_upper=np.concatenate([self.col_upper, np.asarray(upper, dtype=float)]),
            integer=np.concatenate([self.integer, np.zeros(k, dtype=bool)]),
            col_group=np.concatenate([self.col_group, np.full(k, group, dtype=object)]),
            col_ref=np.concatenate([self.col_ref, np.full(k, "", dtype=object)]),
            matrix=sp.hstack([self.matrix, sp.csc_matrix(matrix)]).tocsc(),
        )


class RowBlocks:
    """Constraint rows collected block by block (one group at a time), then assembled into
    one sparse matrix with the rows' bounds, groups and the ids they stand for."""

    def __init__(self) -> None:
        self._entries: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        self._lower: list[np.ndarray] = []
        self._upper: list[np.ndarray] = []
        self._group: list[np.ndarray] = []
        self._ref: list[np.ndarray] = []
        self.count = 0

    def add(
        self,
        r: np.ndarray,
        j: np.ndarray,
        v: np.ndarray,
        lo: np.ndarray,
        hi: np.ndarray,
        name: str,
        refs: np.ndarray,
    ) -> None:
        """A block of rows: entries (row within the block, column, value), row bounds, the
        block's group name and the id each row stands for."""
        self._entries.append((np.asarray(r) + self.count, np.asarray(j), np.asarray(v)))
        self._lower.append(np.asarray(lo, dtype=float))
        self._upper.append(np.asarray(hi, dtype=float))
        self._group.append(np.full(len(lo), name, dtype=object))
        self._ref.append(np.asarray(refs, dtype=object))
        self.count += len(lo)

    def model(
        self,
        cost: np.ndarray,
        col_lower: np.ndarray,
        col_upper: np.ndarray,
        integer: np.ndarray,
        col_group: np.ndarray,
        col_ref: np.ndarray,
    ) -> DesignModel:
        """The DesignModel of these rows over columns with the given objective (maximised),
        bounds, integrality, groups and the ids they stand for."""
        n_cols = len(cost)
        if self._entries:
            rows = np.concatenate([r for r, _, _ in self._entries])
            cols = np.concatenate([j for _, j, _ in self._entries])
            values = np.concatenate([v for _, _, v in self._entries])
        else:
            rows = cols = np.zeros(0, dtype=np.int64)
            values = np.zeros(0)
        empty = np.zeros(0)
        return DesignModel(
            cost=np.asarray(cost, dtype=float),
            col_lower=np.asarray(col_lower, dtype=float),
            col_upper=np.asarray(col_upper, dtype=float),
            integer=np.asarray(integer, dtype=bool),
            col_group=np.asarray(col_group, dtype=object),
            col_ref=np.asarray(col_ref, dtype=object),
            matrix=sp.csc_matrix((values, (rows, cols)), shape=(self.count, n_cols)),
            row_lower=np.concatenate([empty, *self._lower]),
            row_upper=np.concatenate([empty, *self._upper]),
            row_group=np.concatenate([np.zeros(0, dtype=object), *self._group]),
            row_ref=np.concatenate([np.zeros(0, dtype=object), *self._ref]),
        )


def add_link_rows(
    rows: RowBlocks,
    flow_cols: np.ndarray,
    build_col: np.ndarray,
    max_flow: np.ndarray,
    min_flow: np.ndarray,
    ids: np.ndarray,
    switched: np.ndarray,
) -> None:
    """The ``link`` rows (a candidate's flow, summed over the columns of its row of
    ``flow_cols``, is at most ``max_flow`` times its build switch) and the ``contract`` rows
    (at least ``min_flow`` times the switch, where that is > 0) of the candidates marked in
    ``switched``; ``build_col`` is each candidate's switch column."""
    pos = np.flatnonzero(switched)
    t = flow_cols.shape[1]
    for group, factor, lower, upper in (
        ("link", max_flow, -np.inf, 0.0),
        ("contract", min_flow, 0.0, np.inf),
    ):
        chosen = pos if group == "link" else pos[min_flow[pos] > 0]
        if not len(chosen):
            continue
        r = np.arange(len(chosen))
        rows.add(
            np.concatenate([np.repeat(r, t), r]),
            np.concatenate([flow_cols[chosen].ravel(), build_col[chosen]]),
            np.concatenate([np.ones(len(chosen) * t), -factor[chosen]]),
            np.full(len(chosen), lower),
            np.full(len(chosen), upper),
            group,
            ids[chosen],
        )


def tight_flow_bounds(tables: DesignTables) -> np.ndarray:
    """Per candidate, min(capacity, its supply's quantity, its demand's quantity / demand
    units per unit) in supply units; a missing or infinite quantity does not bound."""
    c = tables.candidates
    capacity = c["max_flow"].to_numpy(dtype=float)
    supply = tables.supply_quantity.astype(float)[c["supply_pos"].to_numpy(dtype=np.int64)]
    demand = tables.demand_quantity.astype(float)[c["demand_pos"].to_numpy(dtype=np.int64)]
    ratio = c["demand_units_per_unit"].to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        by_demand = np.where(ratio > 0, demand / ratio, np.nan)
    return np.fmin(capacity, np.fmin(np.maximum(supply, 0.0), np.maximum(by_demand, 0.0)))


def build_model(
    tables: DesignTables,
    objective: str = "cost",
    co2_weight: float = 0.0,
    budget: float | None = None,
    individual_rationality: bool = False,
    min_co2e_t: float | None = None,
    tight: bool = True,
) -> DesignModel:
    """Assemble the design MILP from ``tables`` (no per-variable Python loops).

    ``tight`` bounds each flow, and each link row's big-M, by the smallest of its capacity,
    its supply and its demand (in supply units): ``flow <= min(capacity, supply, demand /
    ratio) * build``. Supply and demand rows already imply these bounds for integer
    switches, so the optimum is the same; the LP relaxation (and HiGHS's bound) is tighter.
    """
    c = tables.candidates
    n = len(c)
    flow_upper = c["max_flow"].to_numpy(dtype=float)
    if tight:
        flow_upper = tight_flow_bounds(tables)
    fixed = c["fixed_cost_per_yr"].to_numpy(dtype=float)
    min_flow = c["min_flow"].to_numpy(dtype=float)
    corridor = c["corridor_pos"].to_numpy(dtype=np.int64)
    money = c["money_per_unit"].to_numpy(dtype=float)
    co2 = c["co2e_t_per_unit"].to_numpy(dtype=float)
    # a candidate in a corridor is built with it; otherwise it needs its own switch when it
    # has a fixed cost or a minimum contract
    own = (corridor < 0) & ((fixed > 0) | (min_flow > 0))
    build_of = np.full(n, -1, dtype=np.int64)
    build_of[own] = n + np.arange(int(own.sum()))
    n_build = int(own.sum())
    k = len(tables.corridors)
    n_cols = n + n_build + k
    corridor_col = n + n_build + np.arange(k)
    corridor_fixed = tables.corridors["fixed_cost_per_yr"].to_numpy(dtype=float)
    corridor_cap = tables.corridors["capacity"].to_numpy(dtype=float)

    if objective == "cost":
        flow_obj, fixed_scale = money, 1.0
    elif objective == "co2":
        # CO2e first; money breaks ties (a millionth of a tonne per currency unit)
        flow_obj, fixed_scale = co2 + 1e-6 * money, 1e-6
    else:
        flow_obj, fixed_scale = money + co2_weight * co2, 1.0
    cost = np.concatenate([flow_obj, -fixed_scale * fixed[own], -fixed_scale * corridor_fixed])
    col_lower = np.zeros(n_cols)
    col_upper = np.concatenate([flow_upper, np.ones(n_build + k)])
    integer = np.concatenate([np.zeros(n, dtype=bool), np.ones(n_build + k, dtype=bool)])
    col_group = np.concatenate(
        [np.full(n, "flow"), np.full(n_build, "build"), np.full(k, "corridor")]
    ).astype(object)
    ids = c["candidate_id"].to_numpy(dtype=object)
    col_ref = np.concatenate(
        [ids, ids[own], tables.corridors["corridor_id"].to_numpy(dtype=object)]
    ).astype(object)

    rows = RowBlocks()
    block = rows.add

    flows = np.arange(n)
    ns, nd = len(tables.supply_ids), len(tables.demand_ids)
    block(
        c["supply_pos"].to_numpy(dtype=np.int64),
        flows,
        np.ones(n),
        np.full(ns, -np.inf),
        tables.supply_quantity.astype(float),
        "supply",
        tables.supply_ids,
    )
    block(
        c["demand_pos"].to_numpy(dtype=np.int64),
        flows,
        c["demand_units_per_unit"].to_numpy(dtype=float),
        np.full(nd, -np.inf),
        tables.demand_quantity.astype(float),
        "demand",
        tables.demand_ids,
    )
    if n_build:
        add_link_rows(rows, flows.reshape(-1, 1), build_of, flow_upper, min_flow, ids, own)
    if k:
        pos = np.flatnonzero(corridor >= 0)
        r = np.arange(len(pos))
        block(
            np.concatenate([r, r]),
            np.concatenate([pos, corridor_col[corridor[pos]]]),
            np.concatenate([np.ones(len(pos)), -flow_upper[pos]]),
            np.full(len(pos), -np.inf),
            np.zeros(len(pos)),
            "corridor_link",
            ids[pos],
        )
        block(
            np.concatenate([corridor[pos], np.arange(k)]),
            np.concatenate([pos, corridor_col]),
            np.concatenate([np.ones(len(pos)), -corridor_cap]),
            np.full(k, -np.inf),
            np.zeros(k),
            "corridor_capacity",
            tables.corridors["corridor_id"].to_numpy(dtype=object),
        )
        if "choice_group" in tables.corridors.columns:
            # shared facilities offered at several sites: build at most one site per group
            groups = tables.corridors["choice_group"].fillna("").astype(str).to_numpy()
            named = np.flatnonzero(groups != "")
            if len(named):
                labels, row = np.unique(groups[named], return_inverse=True)
                block(
                    row,
                    corridor_col[named],
                    np.ones(len(named)),
                    np.full(len(labels), -np.inf),
                    np.ones(len(labels)),
                    "site_choice",
                    labels.astype(object),
                )
    if budget is not None:
        js = np.concatenate([build_of[own], corridor_col])
        block(
            np.zeros(len(js), dtype=np.int64),
            js,
            np.concatenate([fixed[own], corridor_fixed]),
            np.array([-np.inf]),
            np.array([float(budget)]),
            "budget",
            np.array(["budget"], dtype=object),
        )
    if individual_rationality:
        no = len(tables.organisations)
        giver = c["giver_pos"].to_numpy(dtype=np.int64)
        taker = c["taker_pos"].to_numpy(dtype=np.int64)
        # fixed costs are shared half and half by giver and taker until prices settle them
        pos = np.flatnonzero(own)
        block(
            np.concatenate([giver, taker, giver[pos], taker[pos]]),
            np.concatenate([flows, flows, build_of[pos], build_of[pos]]),
            np.concatenate(
                [
                    c["giver_per_unit"].to_numpy(dtype=float),
                    c["taker_per_unit"].to_numpy(dtype=float),
                    -fixed[pos] / 2,
                    -fixed[pos] / 2,
                ]
            ),
            np.zeros(no),
            np.full(no, np.inf),
            "individual_rationality",
            tables.organisations,
        )
    if min_co2e_t is not None:
        block(
            np.zeros(n, dtype=np.int64),
            flows,
            co2,
            np.array([float(min_co2e_t)]),
            np.array([np.inf]),
            "co2_floor",
            np.array(["co2e_avoided"], dtype=object),
        )
    if len(tables.blend_rows):
        block(
            tables.blend_terms["row"].to_numpy(dtype=np.int64),
            tables.blend_terms["candidate_pos"].to_numpy(dtype=np.int64),
            tables.blend_terms["coef"].to_numpy(dtype=float),
            tables.blend_rows["lower"].to_numpy(dtype=float),
            tables.blend_rows["upper"].to_numpy(dtype=float),
            "blend",
            tables.blend_rows["ref"].to_numpy(dtype=object),
        )
    keep = c["keep"].to_numpy(dtype=bool)
    if keep.any():
        pos = np.flatnonzero(keep)
        block(
            np.arange(len(pos)),
            pos,
            np.ones(len(pos)),
            c["keep_flow"].to_numpy(dtype=float)[pos],
            np.full(len(pos), np.inf),
            "keep",
            ids[pos],
        )
    return rows.model(cost, col_lower, col_upper, integer, col_group, col_ref)
