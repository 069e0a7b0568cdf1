"""Plant processes and shared duties in the design MILP.

A process ``p`` (table ``processes``) has an activity column ``a_p`` in [0, capacity]
(its own unit per year) that costs its operating cost per unit, charged to the process's
facility. Its ports (table ``process_ports``) tie the exchanges of its streams to it:

- out-port stream ``s`` (a supply): what the candidates send from ``s`` is at most
  ``sum_p ratio_ps * a_p`` (row group ``process_output``), so an output is only sold as far
  as the process makes it;
- in-port stream ``s`` (a demand): what the candidates deliver into ``s`` (in its own
  units) goes through the process, so it equals ``sum_p ratio_ps * a_p``
  (``process_input``): the input is received, and nothing received is wasted (a delivery
  the process does not take would be waste again, while its giver's disposal saving were
  counted). When the demand stream has a price its input can also be bought: then the
  delivery is at most ``sum_p ratio_ps * a_p``, which is at most the stream's quantity
  (``process_purchase``). Today's purchase is the stream's quantity when an existing process
  takes the stream (it is bought today, already in the baseline, so a process run below
  today's level saves nothing here) and nothing when only candidate processes do: their
  input is then paid at the stream's price per unit used (``input_purchase``, term
  ``process_input_purchase``), and what exchanges deliver into it earns that price back as
  the purchase it avoids (avoided_virgin), so the design pays the price of the quantity
  bought, ``sum_p ratio_ps * a_p`` less the deliveries.

A candidate process (status ``candidate``) gets a binary ``process_switch`` column with the
annuity of its capex (after the capex grant) as a fixed cost and ``a_p <= capacity *
switch`` (``process_build``); a process with a ``min_load`` gets the same switch (no cost
when it exists) and ``a_p >= min_load * capacity * switch`` (``process_min_load``).

A sized candidate (one with ``capex_per_capacity``, ``fixed_cost_per_capacity`` or
``min_capacity``: the green technologies of ``technology_sites``) also gets a capacity
column ``k_p`` in [0, capacity] (activity per year it can make), paying per unit of it the
annuity of ``capex_per_capacity`` (after the grant) plus ``fixed_cost_per_capacity``, with
``a_p <= k_p`` (``process_capacity``), ``k_p <= capacity * switch`` (``process_size``) and
``k_p >= min_capacity * switch`` (``process_min_size``); its ``capex`` is the fixed part of
its capital cost, and a ``min_load`` is then a share of ``k_p``.

A duty ``d`` (table ``duties``) with member demand streams ``m`` (``duty_members``, ratio
``r_m``) is filled at most once: ``sum_m r_m * (what the candidates deliver into m, in m's
units) <= amount_d`` (``duty``), so alternative resources are not counted twice.

The streams of one process or duty are kept in one independent part of the design
(:func:`join_parts`), so each part's model holds every row of its processes and duties.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from symbiograph.match import annuity_factor
from symbiograph.model import Network
from symbiograph.optimize._builder import DesignModel, DesignTables

if TYPE_CHECKING:
    from symbiograph.optimize._design import DesignBuild, DesignProblem, DesignSolution
    from symbiograph.optimize._solve import SolveResult

__all__ = [
    "PROCESS_TERMS",
    "ProcessPlan",
    "add_processes",
    "join_parts",
    "process_owners",
    "process_plan",
    "process_results",
]

#: The objective terms processes add (currency/yr, negative: costs), when a design has any.
PROCESS_TERMS = ("process_operating_cost", "process_capex", "process_input_purchase")


@dataclass
class ProcessPlan:
    """The processes and duties of a network as aligned tables for the model builder.

    ``processes``: id, facility_id, organisation, status, capacity, operating_cost,
    min_load (0 when none), switch (needs a binary), capex_per_yr (annuity after grant),
    sized (gets a capacity column), capex_per_capacity_per_yr (annuity after grant, per
    unit of capacity), fixed_cost_per_capacity (per unit of capacity per year),
    min_capacity (0 when none), technology_id, investment_fixed and
    investment_per_capacity (capital before grant), co2e_t_per_unit (of what it buys),
    purchase_per_unit (currency per unit of activity: its inputs bought beyond today's).
    ``ports``: process_pos, stream_id, direction, ratio, priced (the input can be bought),
    quantity (of the stream). ``duties``: id, amount. ``members``: duty_pos, stream_id,
    ratio.
    """

    processes: pd.DataFrame
    ports: pd.DataFrame
    duties: pd.DataFrame
    members: pd.DataFrame

    @property
    def empty(self) -> bool:
        """True when the network has neither processes nor duties."""
        return not len(self.processes) and not len(self.duties)


def process_plan(network: Network, params: dict[str, Any]) -> ProcessPlan:
    """The processes and duties of ``network`` priced under ``params`` (discount rate,
    lifetime, capex grant)."""
    pr, ports, du, dm = (
        network.processes.reset_index(drop=True),
        network.process_ports,
        network.duties.reset_index(drop=True),
        network.duty_members,
    )
    organisation = network.facilities.drop_duplicates("id").set_index("id")["organisation"]
    rate = float(params.get("discount_rate", 0.08))
    default_life = float(params.get("lifetime_years", 20.0))
    life = pr["lifetime_years"].to_numpy(dtype=float)
    life = np.where(np.isnan(life), default_life, life)
    annuity = np.array([annuity_factor(rate, y) for y in life]) if len(pr) else np.zeros(0)
    candidate = (pr["status"] == "candidate").to_numpy()
    min_load = np.nan_to_num(pr["min_load"].to_numpy(dtype=float))
    grant = 1.0 - float(params.get("capex_grant_share", 0.0))
    per_capacity = pr["capex_per_capacity"].to_numpy(dtype=float)
    fixed_per_capacity = pr["fixed_cost_per_capacity"].to_numpy(dtype=float)
    min_capacity = pr["min_capacity"].to_numpy(dtype=float)
    sized = candidate & ~(
        np.isnan(per_capacity) & np.isnan(fixed_per_capacity) & np.isnan(min_capacity)
    )
    processes = pd.DataFrame(
        {
            "id": pr["id"].to_numpy(dtype=object),
            "facility_id": pr["facility_id"].to_numpy(dtype=object),
            "organisation": pr["facility_id"].map(organisation).to_numpy(dtype=object),
            "status": pr["status"].to_numpy(dtype=object),
            "capacity": pr["capacity"].to_numpy(dtype=float),
            "operating_cost": np.nan_to_num(pr["operating_cost"].to_numpy(dtype=float)),
            "min_load": min_load,
            "switch": candidate | (min_load > 0),
            "capex_per_yr": np.where(
                candidate, np.nan_to_num(pr["capex"].to_numpy(dtype=float)) * annuity * grant, 0.0
            ),
            "sized": sized,
            "capex_per_capacity_per_yr": np.where(
                sized, np.nan_to_num(per_capacity) * annuity * grant, 0.0
            ),
            "fixed_cost_per_capacity": np.where(sized, np.nan_to_num(fixed_per_capacity), 0.0),
            "min_capacity": np.where(sized, np.nan_to_num(min_capacity), 0.0),
            "technology_id": pr["technology_id"].to_numpy(dtype=object),
            "investment_fixed": np.where(
                candidate, np.nan_to_num(pr["capex"].to_numpy(dtype=float)), 0.0
            ),
            "investment_per_capacity": np.where(sized, np.nan_to_num(per_capacity), 0.0),
            "co2e_t_per_unit": np.nan_to_num(pr["co2e_t_per_unit"].to_numpy(dtype=float)),
        }
    )
    streams = network.streams.drop_duplicates("id").set_index("id")
    price = streams["price"].reindex(ports["stream_id"]).to_numpy(dtype=float)
    port_table = pd.DataFrame(
        {
            "process_pos": pd.Index(processes["id"]).get_indexer(ports["process_id"]),
            "stream_id": ports["stream_id"].to_numpy(dtype=object),
            "direction": ports["direction"].to_numpy(dtype=object),
            "ratio": ports["ratio"].to_numpy(dtype=float),
            "priced": (ports["direction"] == "in").to_numpy() & ~np.isnan(price),
            "quantity": streams["quantity"].reindex(ports["stream_id"]).to_numpy(dtype=float),
        }
    )
    duties = pd.DataFrame(
        {"id": du["id"].to_numpy(dtype=object), "amount": du["amount"].to_numpy(dtype=float)}
    )
    members = pd.DataFrame(
        {
            "duty_pos": pd.Index(duties["id"]).get_indexer(dm["duty_id"]),
            "stream_id": dm["stream_id"].to_numpy(dtype=object),
            "ratio": dm["ratio"].to_numpy(dtype=float),
        }
    )
    # inputs bought beyond today's purchase: priced inputs no existing process takes today
    existing_in = set(
        port_table.loc[
            (port_table["direction"] == "in").to_numpy()
            & (processes["status"].to_numpy()[port_table["process_pos"]] == "existing"),
            "stream_id",
        ]
    )
    new_buy = port_table["priced"].to_numpy() & ~port_table["stream_id"].isin(existing_in)
    per_unit = np.zeros(len(processes))
    np.add.at(
        per_unit,
        port_table["process_pos"].to_numpy()[new_buy],
        (price * port_table["ratio"].to_numpy(dtype=float))[new_buy],
    )
    processes["purchase_per_unit"] = per_unit
    return ProcessPlan(processes, port_table, duties, members)


def join_parts(plan: ProcessPlan, problem: DesignProblem, part: np.ndarray) -> np.ndarray:
    """``part`` (a label per candidate) with the parts that share a process or a duty
    merged, so that each process's and duty's streams lie in one part."""
    if plan.empty or not len(part):
        return part
    cand = problem.cand
    n = len(cand)
    groups = pd.concat(
        [
            pd.DataFrame(
                {"stream_id": plan.ports["stream_id"], "group": plan.ports["process_pos"]}
            ),
            pd.DataFrame(
                {
                    "stream_id": plan.members["stream_id"],
                    "group": len(plan.processes) + plan.members["duty_pos"],
                }
            ),
        ],
        ignore_index=True,
    )
    ends = pd.DataFrame(
        {
            "pos": np.concatenate([np.arange(n), np.arange(n)]),
            "stream_id": np.concatenate(
                [cand["supply_id"].to_numpy(dtype=object), cand["demand_id"].to_numpy(dtype=object)]
            ),
        }
    )
    touch = ends.merge(groups, on="stream_id")
    if not len(touch):
        return part
    _, label = np.unique(part, return_inverse=True)
    n_parts = int(label.max()) + 1
    n_nodes = n_parts + len(plan.processes) + len(plan.duties)
    a = label[touch["pos"].to_numpy(dtype=np.int64)]
    b = n_parts + touch["group"].to_numpy(dtype=np.int64)
    graph = sp.coo_matrix((np.ones(len(a)), (a, b)), shape=(n_nodes, n_nodes))
    _, component = connected_components(graph, directed=False)
    joined: np.ndarray = component[label]
    return joined


def _scale(objective: str) -> float:
    """Weight of money in the objective (the CO2e objective breaks ties on money)."""
    return 1e-6 if objective == "co2" else 1.0


def add_processes(
    plan: ProcessPlan,
    model: DesignModel,
    tables: DesignTables,
    objective: str = "cost",
) -> DesignModel:
    """``model`` (built from ``tables``, one batch of parts) with the activity and switch
    columns of the processes whose output streams its candidates supply from, and the rows
    of those processes and of the duties whose members its candidates deliver to (see the
    module). The model itself when there are none."""
    if plan.empty:
        return model
    supply_index, demand_index = pd.Index(tables.supply_ids), pd.Index(tables.demand_ids)
    ports = plan.ports
    out_local = np.where(
        ports["direction"].to_numpy() == "out", supply_index.get_indexer(ports["stream_id"]), -1
    )
    chosen = np.unique(ports["process_pos"].to_numpy()[out_local >= 0])
    members = plan.members
    member_local = demand_index.get_indexer(members["stream_id"])
    duty_used = np.unique(members["duty_pos"].to_numpy()[member_local >= 0])
    if not len(chosen) and not len(duty_used):
        return model
    c = tables.candidates
    n0 = model.shape[1]
    flow_cols = model.columns("flow")
    supply_pos = c["supply_pos"].to_numpy(dtype=np.int64)
    demand_pos = c["demand_pos"].to_numpy(dtype=np.int64)
    units = c["demand_units_per_unit"].to_numpy(dtype=float)
    money = _scale(objective)

    procs = plan.processes.iloc[chosen].reset_index(drop=True)
    k = len(procs)
    switched = np.flatnonzero(procs["switch"].to_numpy(dtype=bool))
    sized = np.flatnonzero(procs["sized"].to_numpy(dtype=bool))  # all switched too
    n_new = k + len(switched) + len(sized)
    activity_col = n0 + np.arange(k)
    switch_col = n0 + k + np.arange(len(switched))
    size_col = n0 + k + len(switched) + np.arange(len(sized))
    capex = procs["capex_per_yr"].to_numpy(dtype=float)[switched]
    opcost = procs["operating_cost"].to_numpy(dtype=float) + procs["purchase_per_unit"].to_numpy(
        dtype=float
    )
    capacity = procs["capacity"].to_numpy(dtype=float)
    size_capex = procs["capex_per_capacity_per_yr"].to_numpy(dtype=float)[sized]
    size_cost = size_capex + procs["fixed_cost_per_capacity"].to_numpy(dtype=float)[sized]
    switch_of = np.full(k, -1)
    switch_of[switched] = np.arange(len(switched))

    # the new columns' entries in existing rows: budget, individual rationality
    r_old: list[np.ndarray] = []
    j_old: list[np.ndarray] = []
    v_old: list[np.ndarray] = []
    budget = model.rows("budget")
    if len(budget) and len(switched):
        r_old.append(np.full(len(switched), budget[0]))
        j_old.append(k + np.arange(len(switched)))
        v_old.append(capex)
        r_old.append(np.full(len(sized), budget[0]))
        j_old.append(k + len(switched) + np.arange(len(sized)))
        v_old.append(size_capex)
    ir = model.rows("individual_rationality")
    if len(ir):
        ir_of = pd.Index(model.row_ref[ir]).get_indexer(procs["organisation"])
        on = np.flatnonzero(ir_of >= 0)
        r_old.append(ir[ir_of[on]])
        j_old.append(on)
        v_old.append(-opcost[on])
        sw_on = np.flatnonzero(ir_of[switched] >= 0)
        r_old.append(ir[ir_of[switched[sw_on]]])
        j_old.append(k + sw_on)
        v_old.append(-capex[sw_on])
        sz_on = np.flatnonzero(ir_of[sized] >= 0)
        r_old.append(ir[ir_of[sized[sz_on]]])
        j_old.append(k + len(switched) + sz_on)
        v_old.append(-size_cost[sz_on])
    old = sp.csc_matrix(
        (
            np.concatenate([np.zeros(0), *v_old]),
            (
                np.concatenate([np.zeros(0, dtype=np.int64), *r_old]),
                np.concatenate([np.zeros(0, dtype=np.int64), *j_old]),
            ),
        ),
        shape=(model.shape[0], n_new),
    )
    # the CO2e objective also counts what a process buys outside the park (t per unit)
    emitted = procs["co2e_t_per_unit"].to_numpy(dtype=float) if objective == "co2" else 0.0
    model = model.with_columns(
        old,
        np.concatenate([-money * opcost - emitted, -money * capex, -money * size_cost]),
        np.zeros(n_new),
        np.concatenate([capacity, np.ones(len(switched)), capacity[sized]]),
        "process_activity",
    )
    ids = procs["id"].to_numpy(dtype=object)
    group = model.col_group.copy()
    group[switch_col] = "process_switch"
    group[size_col] = "process_capacity"
    ref = model.col_ref.copy()
    ref[activity_col] = ids
    ref[switch_col] = ids[switched]
    ref[size_col] = ids[sized]
    integer = model.integer.copy()
    integer[switch_col] = True
    model = dataclasses.replace(model, col_group=group, col_ref=ref, integer=integer)
    n_cols = model.shape[1]

    def rows(
        r: np.ndarray, j: np.ndarray, v: np.ndarray, lo: Any, hi: Any, name: str, refs: Any
    ) -> None:
        nonlocal model
        if not len(lo):
            return
        matrix = sp.csr_matrix((v, (r, j)), shape=(len(lo), n_cols))
        model = model.with_rows(matrix, lo, hi, name, refs)

    # ports of the chosen processes, by stream
    local = pd.Index(procs["id"]).get_indexer(plan.processes["id"].to_numpy()[ports["process_pos"]])
    mine = ports[local >= 0].assign(local=local[local >= 0])
    for direction in ("out", "in"):
        side = mine[mine["direction"] == direction]
        if not len(side):
            continue
        stream_ids, row = np.unique(side["stream_id"].to_numpy(dtype=object), return_inverse=True)
        r = [row]
        j = [activity_col[side["local"].to_numpy()]]
        v = [(1.0 if direction == "in" else -1.0) * side["ratio"].to_numpy(dtype=float)]
        lower, upper = np.full(len(stream_ids), -np.inf), np.zeros(len(stream_ids))
        if direction == "out":
            at = supply_index.get_indexer(stream_ids)
            stream_row = np.full(len(supply_index), -1)
            stream_row[at[at >= 0]] = np.flatnonzero(at >= 0)
            feeds = np.flatnonzero(stream_row[supply_pos] >= 0)
            r.append(stream_row[supply_pos[feeds]])
            j.append(flow_cols[feeds])
            v.append(np.ones(len(feeds)))
        else:
            # what arrives goes through the process (none of it is wasted): equal to the
            # input for an input without a market; at most the input for one also bought,
            # whose input is then bounded by the stream's quantity (process_purchase)
            first = side.drop_duplicates("stream_id").set_index("stream_id")
            priced = first["priced"].reindex(stream_ids).to_numpy(dtype=bool)
            quantity = first["quantity"].reindex(stream_ids).to_numpy(dtype=float)
            lower, upper = np.zeros(len(stream_ids)), np.where(priced, np.inf, 0.0)
            at = demand_index.get_indexer(stream_ids)
            stream_row = np.full(len(demand_index), -1)
            stream_row[at[at >= 0]] = np.flatnonzero(at >= 0)
            feeds = np.flatnonzero(stream_row[demand_pos] >= 0)
            r.append(stream_row[demand_pos[feeds]])
            j.append(flow_cols[feeds])
            v.append(-units[feeds])
            bought = np.flatnonzero(priced)
            in_bought = np.flatnonzero(np.isin(row, bought))
            rows(
                np.searchsorted(bought, row[in_bought]),
                activity_col[side["local"].to_numpy()[in_bought]],
                side["ratio"].to_numpy(dtype=float)[in_bought],
                np.full(len(bought), -np.inf),
                quantity[bought],
                "process_purchase",
                stream_ids[bought],
            )
        rows(
            np.concatenate(r),
            np.concatenate(j),
            np.concatenate(v),
            lower,
            upper,
            f"process_{'output' if direction == 'out' else 'input'}",
            stream_ids,
        )
    if len(switched):
        s = np.arange(len(switched))
        rows(
            np.concatenate([s, s]),
            np.concatenate([activity_col[switched], switch_col]),
            np.concatenate([np.ones(len(switched)), -capacity[switched]]),
            np.full(len(switched), -np.inf),
            np.zeros(len(switched)),
            "process_build",
            ids[switched],
        )
        loads = procs["min_load"].to_numpy(dtype=float)[switched]
        least = np.flatnonzero((loads > 0) & ~procs["sized"].to_numpy(dtype=bool)[switched])
        s = np.arange(len(least))
        rows(
            np.concatenate([s, s]),
            np.concatenate([activity_col[switched[least]], switch_col[least]]),
            np.concatenate([np.ones(len(least)), -(loads * capacity[switched])[least]]),
            np.zeros(len(least)),
            np.full(len(least), np.inf),
            "process_min_load",
            ids[switched[least]],
        )
    if len(sized):
        # a sized candidate: activity within the capacity built, built between its sizes
        s = np.arange(len(sized))
        one = np.ones(len(sized))
        rows(
            np.concatenate([s, s]),
            np.concatenate([activity_col[sized], size_col]),
            np.concatenate([one, -one]),
            np.full(len(sized), -np.inf),
            np.zeros(len(sized)),
            "process_capacity",
            ids[sized],
        )
        rows(
            np.concatenate([s, s]),
            np.concatenate([size_col, switch_col[switch_of[sized]]]),
            np.concatenate([one, -capacity[sized]]),
            np.full(len(sized), -np.inf),
            np.zeros(len(sized)),
            "process_size",
            ids[sized],
        )
        smallest = procs["min_capacity"].to_numpy(dtype=float)[sized]
        least = np.flatnonzero(smallest > 0)
        s = np.arange(len(least))
        rows(
            np.concatenate([s, s]),
            np.concatenate([size_col[least], switch_col[switch_of[sized[least]]]]),
            np.concatenate([np.ones(len(least)), -smallest[least]]),
            np.zeros(len(least)),
            np.full(len(least), np.inf),
            "process_min_size",
            ids[sized[least]],
        )
        loads = procs["min_load"].to_numpy(dtype=float)[sized]
        least = np.flatnonzero(loads > 0)
        s = np.arange(len(least))
        rows(
            np.concatenate([s, s]),
            np.concatenate([activity_col[sized[least]], size_col[least]]),
            np.concatenate([np.ones(len(least)), -loads[least]]),
            np.zeros(len(least)),
            np.full(len(least), np.inf),
            "process_min_load",
            ids[sized[least]],
        )
    if len(duty_used):
        into = members[member_local >= 0]
        duty_row = np.full(len(plan.duties), -1)
        duty_row[duty_used] = np.arange(len(duty_used))
        ratio_of = np.zeros(len(demand_index))
        row_of = np.full(len(demand_index), -1)
        at = demand_index.get_indexer(into["stream_id"])
        ratio_of[at] = into["ratio"].to_numpy(dtype=float)
        row_of[at] = duty_row[into["duty_pos"].to_numpy()]
        feeds = np.flatnonzero(row_of[demand_pos] >= 0)
        rows(
            row_of[demand_pos[feeds]],
            flow_cols[feeds],
            ratio_of[demand_pos[feeds]] * units[feeds],
            np.full(len(duty_used), -np.inf),
            plan.duties["amount"].to_numpy(dtype=float)[duty_used],
            "duty",
            plan.duties["id"].to_numpy(dtype=object)[duty_used],
        )
    return model


def process_results(
    solution: DesignSolution, build: DesignBuild, results: list[SolveResult]
) -> None:
    """Add the processes of a solved design to ``solution`` in place: its ``processes``
    table (process_id, technology_id, facility_id, organisation, status, capacity (the
    largest), capacity_built (activity per year it can make as built; 0 when not built),
    activity per year (summed over the slices in time-sliced mode), capacity_use (activity
    / capacity_built), built, and the fixed_cost (fixed O&M of a sized candidate),
    operating_cost (variable and fixed), capex and input_purchase paid, currency/yr,
    negative), net_benefit, the investment (capital of a candidate built, before any grant,
    currency) and co2e_t (t/yr emitted by what it buys outside the park), the PROCESS_TERMS of its
    objective and each organisation's ``as_process`` (its processes' costs) in
    ``participants``, whose net_benefit then includes them. Nothing changes when the
    network has no processes."""
    plan = process_plan(build.network, build.problem.params)
    if not len(plan.processes):
        return
    procs = plan.processes
    activity = pd.Series(0.0, index=procs["id"].to_numpy(dtype=object))
    switch = pd.Series(False, index=procs["id"].to_numpy(dtype=object))
    size = pd.Series(0.0, index=procs["id"].to_numpy(dtype=object))
    for batch, result in zip(build.batches, results, strict=True):
        cols = batch.model.columns("process_activity")
        ref = batch.model.col_ref[cols]
        if build.slices is not None:  # one column per slice, p@slice
            ref = pd.Series(ref, dtype=object).str.rsplit("@", n=1).str[0].to_numpy()
        level_of = pd.Series(result.x[cols], index=ref).groupby(level=0).sum()
        activity[level_of.index] = level_of.to_numpy()
        cols = batch.model.columns("process_switch")
        switch[batch.model.col_ref[cols]] = result.x[cols] > 0.5
        cols = batch.model.columns("process_capacity")
        size[batch.model.col_ref[cols]] = result.x[cols]
    level = activity.to_numpy(dtype=float)
    level = np.where(np.abs(level) < 1e-9, 0.0, level)
    candidate = (procs["status"] == "candidate").to_numpy()
    built = np.where(candidate, switch.to_numpy(dtype=bool), True)
    capacity = procs["capacity"].to_numpy(dtype=float)
    sized = procs["sized"].to_numpy(dtype=bool)
    built_size = np.where(
        sized, np.where(built, size.to_numpy(dtype=float), 0.0), np.where(built, capacity, 0.0)
    )
    built_size = np.where(np.abs(built_size) < 1e-9, 0.0, built_size)
    fixed = procs["fixed_cost_per_capacity"].to_numpy(dtype=float) * np.where(sized, built_size, 0)
    table = procs[["id", "technology_id", "facility_id", "organisation", "status"]].copy()
    table["capacity"] = capacity
    table["capacity_built"] = built_size
    table["activity"] = level
    table["capacity_use"] = np.divide(
        level, built_size, out=np.zeros(len(level)), where=built_size > 0
    )
    table["built"] = built
    table["fixed_cost"] = 0.0 - fixed
    table["operating_cost"] = 0.0 - procs["operating_cost"].to_numpy(dtype=float) * level - fixed
    table["capex"] = 0.0 - np.where(
        built,
        procs["capex_per_yr"].to_numpy(dtype=float)
        + procs["capex_per_capacity_per_yr"].to_numpy(dtype=float) * built_size,
        0.0,
    )
    table["input_purchase"] = 0.0 - procs["purchase_per_unit"].to_numpy(dtype=float) * level
    table["net_benefit"] = table["operating_cost"] + table["capex"] + table["input_purchase"]
    table["investment"] = np.where(
        built & candidate,
        procs["investment_fixed"].to_numpy(dtype=float)
        + procs["investment_per_capacity"].to_numpy(dtype=float) * built_size,
        0.0,
    )
    table["co2e_t"] = procs["co2e_t_per_unit"].to_numpy(dtype=float) * level
    solution.processes = table.rename(columns={"id": "process_id"})
    solution.objective["process_operating_cost"] = float(table["operating_cost"].sum())
    solution.objective["process_capex"] = float(table["capex"].sum())
    solution.objective["process_input_purchase"] = float(table["input_purchase"].sum())
    own = table.groupby("organisation", sort=True)["net_benefit"].sum()
    participants = solution.participants.set_index("organisation")
    participants = participants.reindex(participants.index.union(own.index)).fillna(0.0)
    participants["as_process"] = own.reindex(participants.index).fillna(0.0)
    participants["net_benefit"] = (
        participants["as_giver"] + participants["as_taker"] + participants["as_process"]
    )
    participants.index.name = "organisation"
    solution.participants = participants.reset_index()


def process_owners(
    plan: ProcessPlan, network: Network, model: DesignModel
) -> tuple[np.ndarray, np.ndarray]:
    """The organisation owning each row and each column of ``model`` that
    :func:`add_processes` added ("" for the others): a process's rows and columns belong to
    its facility's organisation, a duty's row to the duty's, a purchase row to the buying
    facility's. For sharing shadow values (dual allocation) by participant."""
    rows = np.full(model.shape[0], "", dtype=object)
    cols = np.full(model.shape[1], "", dtype=object)
    if plan.empty:
        return rows, cols
    organisation = network.facilities.drop_duplicates("id").set_index("id")["organisation"]
    streams = network.streams.drop_duplicates("id").set_index("id")["facility_id"]
    by_stream = streams.map(organisation)
    by_process = pd.Series(
        plan.processes["organisation"].to_numpy(), index=plan.processes["id"].to_numpy()
    )
    by_duty = network.duties.drop_duplicates("id").set_index("id")["facility_id"].map(organisation)
    for group, owner in (
        ("process_output", by_stream),
        ("process_input", by_stream),
        ("process_purchase", by_stream),
        ("process_build", by_process),
        ("process_min_load", by_process),
        ("process_capacity", by_process),
        ("process_size", by_process),
        ("process_min_size", by_process),
        ("duty", by_duty),
    ):
        at = model.rows(group)
        rows[at] = owner.reindex(model.row_ref[at]).fillna("").to_numpy(dtype=object)
    for group in ("process_activity", "process_switch", "process_capacity"):
        at = model.columns(group)
        cols[at] = by_process.reindex(model.col_ref[at]).fillna("").to_numpy(dtype=object)
    return rows, cols
