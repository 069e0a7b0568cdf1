"""Network design: which candidate exchanges to build and how much to send, by MILP.

``design_network`` prices the candidates under the policy levers, splits the candidate
graph into independent parts, builds each part with the one model builder, solves it with
HiGHS and returns the solution as tables.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from symbiograph.model import Network, output_columns
from symbiograph.optimize._builder import DesignTables, build_model
from symbiograph.optimize._diagnose import InfeasibleDesign, diagnose_infeasibility
from symbiograph.optimize._settings import DesignSettings
from symbiograph.optimize._solve import solve_model
from symbiograph.optimize._timeslices import (
    build_timesliced_model,
    stream_profiles,
    time_slices,
)

__all__ = [
    "FLOW_COLUMNS",
    "GIVER_TERMS",
    "TAKER_TERMS",
    "TERMS",
    "DesignProblem",
    "DesignSolution",
    "blend_constraints",
    "design_network",
    "design_problem",
    "independent_parts",
    "part_tables",
    "policy_parameters",
    "price_candidates",
]

#: The columns of ``DesignSolution.flows``, in order: the schema's ``flows`` output rows.
FLOW_COLUMNS = output_columns("flows")
#: The money terms of the objective, per candidate and year.
TERMS = (
    "avoided_disposal",
    "landfill_tax_avoided",
    "subsidy",
    "avoided_virgin",
    "transport",
    "treatment",
    "carbon_value",
    "fixed_cost",
)
#: Terms that go to the giver (supply side) at zero transfer price; carbon value and fixed
#: cost are shared half and half until prices settle them.
GIVER_TERMS = ("avoided_disposal", "landfill_tax_avoided", "subsidy", "treatment")
#: Terms that go to the taker (demand side).
TAKER_TERMS = ("avoided_virgin", "transport")


@dataclass
class DesignSolution:
    """The design as tables.

    ``flows``: one row per candidate with its flow (canonical units/yr), whether its link is
    built, and its money and CO2e per year. ``objective``: the total by term (currency/yr;
    carbon value at the carbon price). ``participants``: per organisation, its gain at zero
    transfer price (giver keeps avoided disposal less treatment, taker avoided virgin less
    transport, carbon value and fixed costs shared half and half). ``duals``: shadow prices
    of supplies and demands (currency per unit) from the LP with the binaries fixed.
    ``status`` (optimal, time_limit, ...), ``mip_gap`` (largest over the parts) and
    ``timings`` (s) for build, solve, duals and post-processing. ``infrastructure``: shared
    corridors and treatment sites with whether they are built, their annual cost, capacity
    and the flow they carry; ``storage`` and ``flows_by_slice`` in time-sliced mode;
    ``settings``: the DesignSettings the design was made with.
    """

    flows: pd.DataFrame
    objective: pd.Series
    participants: pd.DataFrame
    duals: pd.DataFrame
    status: str
    mip_gap: float
    parts: int
    timings: dict[str, float] = field(default_factory=dict)
    parameters: dict[str, Any] = field(default_factory=dict)
    flows_by_slice: pd.DataFrame = field(default_factory=pd.DataFrame)
    storage: pd.DataFrame = field(default_factory=pd.DataFrame)
    infrastructure: pd.DataFrame = field(default_factory=pd.DataFrame)
    settings: DesignSettings = field(default_factory=DesignSettings)

    @property
    def net_benefit(self) -> float:
        """Total annual net benefit, currency/yr (carbon valued at the carbon price)."""
        return float(self.objective.sum())

    @property
    def co2e_avoided_t(self) -> float:
        """CO2e avoided per year by the chosen flows, t/yr."""
        return float(self.flows["co2e_t"].sum())


def policy_parameters(network: Network, settings: DesignSettings) -> dict[str, Any]:
    """The scenario parameters with the settings' policy levers applied."""
    params = dict(network.parameters)
    for lever in ("carbon_price", "landfill_tax", "subsidy_per_t_diverted", "capex_grant_share"):
        value = getattr(settings, lever)
        if value is not None:
            params[lever] = float(value)
    return params


def price_candidates(candidates: pd.DataFrame, params: dict[str, Any]) -> pd.DataFrame:
    """Per-unit money terms of every candidate under ``params`` (currency per unit of supply).

    Disposal avoided is today's disposal price plus the landfill tax where the by-product
    goes to landfill today; material diverted earns the subsidy; the carbon value is the
    carbon price times the CO2e avoided; fixed cost is the annualised capex less the grant.
    """
    c = candidates
    material = (c["kind"] == "material").to_numpy()
    landfill = c["landfill_diverted"].to_numpy(dtype=bool)
    terms = pd.DataFrame(
        {
            "avoided_disposal": c["disposal_price_per_unit"].to_numpy(dtype=float),
            "landfill_tax_avoided": np.where(landfill, float(params.get("landfill_tax", 0.0)), 0.0),
            "subsidy": np.where(material, float(params.get("subsidy_per_t_diverted", 0.0)), 0.0),
            "avoided_virgin": c["avoided_virgin_per_unit"].to_numpy(dtype=float),
            "transport": -c["transport_cost_per_unit"].to_numpy(dtype=float),
            "treatment": -c["treatment_cost_per_unit"].to_numpy(dtype=float),
            "carbon_value": float(params.get("carbon_price", 0.0))
            * c["co2e_t_per_unit"].to_numpy(dtype=float),
        },
        index=c.index,
    )
    terms["fixed_cost_per_yr"] = c["capex_per_yr"].to_numpy(dtype=float) * (
        1.0 - float(params.get("capex_grant_share", 0.0))
    )
    return terms


def blend_constraints(
    network: Network, candidates: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Blend rows for every demand that receives a candidate marked ``needs_blend``.

    For an accepted range [lo, hi] of attribute a at demand d, with supply values v_c:
    sum_c (v_c - hi) r_c x_c <= 0 and sum_c (v_c - lo) r_c x_c >= 0 (r_c = demand units per
    unit sent). A supply without a measured value counts as in range (coefficient 0).
    """
    empty_rows = pd.DataFrame({"row": [], "ref": [], "lower": [], "upper": []})
    empty_terms = pd.DataFrame({"row": [], "candidate_pos": [], "coef": []})
    if "needs_blend" not in candidates.columns or not candidates["needs_blend"].any():
        return empty_rows, empty_terms
    demands = set(candidates.loc[candidates["needs_blend"].astype(bool), "demand_id"])
    sq = network.stream_quality
    ranges = sq[sq["stream_id"].isin(demands) & (sq["min"].notna() | sq["max"].notna())]
    value = sq["value"].where(sq["value"].notna(), (sq["min"] + sq["max"]) / 2)
    supply_value = pd.Series(
        value.to_numpy(dtype=float),
        index=pd.MultiIndex.from_arrays([sq["stream_id"], sq["attribute"]]),
    )
    supply_value = supply_value[~supply_value.index.duplicated()]
    into = candidates.reset_index(drop=True).assign(candidate_pos=lambda f: np.arange(len(f)))
    rows: list[tuple[int, str, float, float]] = []
    terms: list[pd.DataFrame] = []
    for r in ranges.itertuples(index=False):
        feeding = into[into["demand_id"] == r.stream_id]
        v = supply_value.reindex(
            pd.MultiIndex.from_arrays([feeding["supply_id"], [r.attribute] * len(feeding)])
        )
        v = v.to_numpy(dtype=float)
        ratio = feeding["demand_units_per_unit"].to_numpy(dtype=float)
        for bound, lower, upper in ((r.max, -np.inf, 0.0), (r.min, 0.0, np.inf)):
            if np.isnan(bound):
                continue
            k = len(rows)
            rows.append((k, f"{r.stream_id}:{r.attribute}", lower, upper))
            coef = np.where(np.isnan(v), 0.0, (v - bound) * ratio)
            terms.append(
                pd.DataFrame(
                    {"row": k, "candidate_pos": feeding["candidate_pos"].to_numpy(), "coef": coef}
                )
            )
    if not rows:
        return empty_rows, empty_terms
    return (
        pd.DataFrame(rows, columns=["row", "ref", "lower", "upper"]),
        pd.concat(terms, ignore_index=True),
    )


def _parts(
    supply_pos: np.ndarray, demand_pos: np.ndarray, ns: int, nd: int, corridor: np.ndarray
) -> np.ndarray:
    """Connected part of each candidate in the supply-demand graph (corridors join too)."""
    n = len(supply_pos)
    k = int(corridor.max()) + 1 if len(corridor) and corridor.max() >= 0 else 0
    nodes = ns + nd + k
    edges_a = [supply_pos, supply_pos]
    edges_b = [ns + demand_pos, ns + demand_pos]
    with_corridor = np.flatnonzero(corridor >= 0)
    edges_a.append(supply_pos[with_corridor])
    edges_b.append(ns + nd + corridor[with_corridor])
    a, b = np.concatenate(edges_a), np.concatenate(edges_b)
    graph = sp.coo_matrix((np.ones(len(a)), (a, b)), shape=(nodes, nodes))
    _, labels = connected_components(graph, directed=False)
    return labels[supply_pos] if n else np.zeros(0, dtype=np.int64)


@dataclass
class DesignProblem:
    """The priced candidate tables a design is built from (positions aligned for the
    builder): the filtered candidates, their money terms, and the DesignTables of all of
    them at once."""

    params: dict[str, Any]
    cand: pd.DataFrame
    terms: pd.DataFrame
    tables: DesignTables
    corridor_table: pd.DataFrame
    corridor_pos: np.ndarray
    keep: np.ndarray


def design_problem(
    network: Network,
    candidates: pd.DataFrame,
    settings: DesignSettings | None = None,
    corridors: pd.DataFrame | None = None,
) -> DesignProblem:
    """Price ``candidates`` under the settings' policy levers and align them with the
    supplies, demands, organisations and corridors they use (see :func:`design_network`)."""
    settings = settings or DesignSettings()
    params = policy_parameters(network, settings)
    cand = candidates.reset_index(drop=True)
    if settings.max_km is not None:
        cand = cand[cand["route_km"] <= settings.max_km].reset_index(drop=True)
    terms = price_candidates(cand, params)
    money = terms[list(TERMS[:-1])].sum(axis=1).to_numpy()
    streams = network.streams.set_index("id")
    supply_ids = pd.unique(cand["supply_id"].to_numpy(dtype=object))
    demand_ids = pd.unique(cand["demand_id"].to_numpy(dtype=object))
    orgs = pd.unique(
        np.concatenate(
            [
                cand["supply_organisation"].to_numpy(dtype=object),
                cand["demand_organisation"].to_numpy(dtype=object),
            ]
        )
    )
    supply_index, demand_index, org_index = (
        pd.Index(supply_ids),
        pd.Index(demand_ids),
        pd.Index(orgs),
    )
    corridor_table = (
        corridors.reset_index(drop=True)
        if corridors is not None
        else pd.DataFrame(
            {"corridor_id": [], "fixed_cost_per_yr": [], "capacity": [], "candidate_ids": []}
        )
    )
    corridor_pos = np.full(len(cand), -1, dtype=np.int64)
    cand_index = pd.Index(cand["candidate_id"])
    for k, members in enumerate(corridor_table.get("candidate_ids", [])):
        where = cand_index.get_indexer(list(members))
        corridor_pos[where[where >= 0]] = k
    fixed = terms["fixed_cost_per_yr"].to_numpy()
    fixed = np.where(corridor_pos >= 0, 0.0, fixed)  # the corridor carries the pipe's cost
    half_carbon = terms["carbon_value"].to_numpy() / 2
    keep = np.zeros(len(cand), dtype=bool)
    keep_flow = np.zeros(len(cand))
    if settings.keep_existing and len(network.exchanges):
        existing = network.exchanges[network.exchanges["status"] == "existing"]
        key = cand["supply_id"] + "\x00" + cand["demand_id"]
        ex_key = existing["supply_id"] + "\x00" + existing["demand_id"]
        quantity = pd.Series(existing["quantity"].to_numpy(dtype=float), index=ex_key.to_numpy())
        quantity = quantity[~quantity.index.duplicated()]
        keep = key.isin(set(ex_key)).to_numpy()
        keep_flow = np.nan_to_num(key.map(quantity).to_numpy(dtype=float))
    table = pd.DataFrame(
        {
            "candidate_id": cand["candidate_id"].to_numpy(dtype=object),
            "supply_pos": supply_index.get_indexer(cand["supply_id"]),
            "demand_pos": demand_index.get_indexer(cand["demand_id"]),
            "max_flow": cand["max_flow"].to_numpy(dtype=float),
            "demand_units_per_unit": cand["demand_units_per_unit"].to_numpy(dtype=float),
            "money_per_unit": money,
            "co2e_t_per_unit": cand["co2e_t_per_unit"].to_numpy(dtype=float),
            "fixed_cost_per_yr": fixed,
            "min_flow": settings.min_contract_share * cand["max_flow"].to_numpy(dtype=float),
            "corridor_pos": corridor_pos,
            "giver_pos": org_index.get_indexer(cand["supply_organisation"]),
            "taker_pos": org_index.get_indexer(cand["demand_organisation"]),
            "giver_per_unit": terms[list(GIVER_TERMS)].sum(axis=1).to_numpy() + half_carbon,
            "taker_per_unit": terms[list(TAKER_TERMS)].sum(axis=1).to_numpy() + half_carbon,
            "keep": keep,
            "keep_flow": keep_flow,
        }
    )
    blend_rows, blend_terms = blend_constraints(network, cand)
    supply_q = streams["quantity"].reindex(supply_ids).to_numpy(dtype=float)
    demand_q = streams["quantity"].reindex(demand_ids).to_numpy(dtype=float)
    if "demand_is_site" in cand.columns:
        # a shared facility's intake is limited by its capacity (its corridor), not a demand
        sites = set(cand.loc[cand["demand_is_site"].fillna(False).astype(bool), "demand_id"])
        demand_q = np.where(np.isin(demand_ids, list(sites)), np.inf, demand_q)
    corridor_columns = [
        col
        for col in ("corridor_id", "fixed_cost_per_yr", "capacity", "choice_group")
        if col in corridor_table.columns
    ]
    tables = DesignTables(
        candidates=table,
        supply_ids=supply_ids,
        supply_quantity=supply_q,
        demand_ids=demand_ids,
        demand_quantity=demand_q,
        organisations=orgs,
        corridors=corridor_table[corridor_columns].reset_index(drop=True),
        blend_rows=blend_rows,
        blend_terms=blend_terms,
    )
    return DesignProblem(params, cand, terms, tables, corridor_table, corridor_pos, keep)


def independent_parts(problem: DesignProblem) -> np.ndarray:
    """Label of the independent part of each candidate: candidates sharing a supply, a
    demand or a corridor (or corridors offered as alternatives, one ``choice_group``) are in
    one part; parts share no constraint, so each can be solved (or valued) on its own when
    no network-wide limit (budget, individual rationality, CO2e floor) couples them."""
    table = problem.tables.candidates
    if not len(table):
        return np.zeros(0, dtype=np.int64)
    corridor_table, corridor_pos = problem.corridor_table, problem.corridor_pos
    grouped = corridor_pos.copy()
    if "choice_group" in corridor_table.columns and len(corridor_table):
        leader = corridor_table.groupby("choice_group", sort=False)["corridor_id"].transform(
            "first"
        )
        leader_pos = pd.Index(corridor_table["corridor_id"]).get_indexer(leader)
        leader_pos = np.where(
            corridor_table["choice_group"].fillna("").to_numpy() == "",
            np.arange(len(corridor_table)),
            leader_pos,
        )
        grouped = np.where(corridor_pos >= 0, leader_pos[np.maximum(corridor_pos, 0)], -1)
    return _parts(
        table["supply_pos"].to_numpy(),
        table["demand_pos"].to_numpy(),
        len(problem.tables.supply_ids),
        len(problem.tables.demand_ids),
        grouped,
    )


def part_tables(
    problem: DesignProblem, members: np.ndarray
) -> tuple[DesignTables, np.ndarray, np.ndarray, np.ndarray]:
    """The DesignTables of the candidates at positions ``members`` (sorted) alone, with the
    supplies, demands, corridors and blend rows they use renumbered; also returns the
    positions of the used supplies, demands and corridors in the whole problem."""
    whole = problem.tables
    corridor_table = problem.corridor_table
    sub = whole.candidates.iloc[members].reset_index(drop=True)
    s_used = np.unique(sub["supply_pos"].to_numpy())
    d_used = np.unique(sub["demand_pos"].to_numpy())
    sub["supply_pos"] = np.searchsorted(s_used, sub["supply_pos"].to_numpy())
    sub["demand_pos"] = np.searchsorted(d_used, sub["demand_pos"].to_numpy())
    c_used = np.unique(sub["corridor_pos"].to_numpy()[sub["corridor_pos"].to_numpy() >= 0])
    sub.loc[sub["corridor_pos"] >= 0, "corridor_pos"] = np.searchsorted(
        c_used, sub.loc[sub["corridor_pos"] >= 0, "corridor_pos"].to_numpy()
    )
    blend_rows, blend_terms = whole.blend_rows, whole.blend_terms
    sub_terms = blend_terms[np.isin(blend_terms["candidate_pos"].to_numpy(), members)]
    used_rows = np.unique(sub_terms["row"].to_numpy(dtype=np.int64))
    sub_terms = sub_terms.assign(
        row=np.searchsorted(used_rows, sub_terms["row"].to_numpy(dtype=np.int64)),
        candidate_pos=np.searchsorted(members, sub_terms["candidate_pos"].to_numpy(dtype=np.int64)),
    )
    sub_rows = (
        blend_rows.set_index("row").loc[used_rows].reset_index() if len(used_rows) else blend_rows
    )
    tables = DesignTables(
        blend_rows=sub_rows,
        blend_terms=sub_terms,
        candidates=sub,
        supply_ids=whole.supply_ids[s_used],
        supply_quantity=whole.supply_quantity[s_used],
        demand_ids=whole.demand_ids[d_used],
        demand_quantity=whole.demand_quantity[d_used],
        organisations=whole.organisations,
        corridors=corridor_table.iloc[c_used][
            [
                col
                for col in ("corridor_id", "fixed_cost_per_yr", "capacity", "choice_group")
                if col in corridor_table.columns
            ]
        ].reset_index(drop=True),
    )
    return tables, s_used, d_used, c_used


def design_network(
    network: Network,
    candidates: pd.DataFrame,
    settings: DesignSettings | None = None,
    corridors: pd.DataFrame | None = None,
    stores: pd.DataFrame | None = None,
) -> DesignSolution:
    """Choose exchanges, flows and shared infrastructure that maximise the objective.

    ``candidates`` is the table from ``symbiograph.match.find_candidates``. ``corridors``
    (optional) lists shared pipeline corridors: corridor_id, fixed_cost_per_yr, capacity,
    and candidate_ids (a tuple of the candidates that may use it, whose own pipeline cost it
    replaces). ``stores`` (time-sliced mode) lists storage at demands: store_id, demand_id,
    capacity (units of the demand), loss_per_slice, efficiency, fixed_cost_per_yr. Raises
    InfeasibleDesign naming the culprit constraints when no design exists.
    """
    settings = settings or DesignSettings()
    t0 = time.perf_counter()
    problem = design_problem(network, candidates, settings, corridors)
    params, cand, terms = problem.params, problem.cand, problem.terms
    table = problem.tables.candidates
    supply_ids, demand_ids = problem.tables.supply_ids, problem.tables.demand_ids
    corridor_table, corridor_pos, keep = (
        problem.corridor_table,
        problem.corridor_pos,
        problem.keep,
    )
    streams = network.streams.set_index("id")
    sliced = settings.time_slices != "none"
    slices = time_slices(settings.time_slices if sliced else "monthly")
    store_table = (
        stores.reset_index(drop=True)
        if stores is not None
        else pd.DataFrame(
            {
                "store_id": [],
                "demand_id": [],
                "capacity": [],
                "loss_per_slice": [],
                "efficiency": [],
                "fixed_cost_per_yr": [],
            }
        )
    )
    combined = (
        len(corridor_table)
        or settings.budget is not None
        or settings.individual_rationality
        or settings.min_co2e_t is not None
        or keep.any()
        or ("needs_blend" in cand.columns and bool(cand["needs_blend"].any()))
    )
    if sliced and combined:
        raise ValueError(
            "time slices do not yet combine with corridors, budget, individual rationality, "
            "a CO2e floor, kept exchanges or blends"
        )
    if len(store_table) and not sliced:
        raise ValueError("storage needs time slices (time_slices='monthly' or 'days')")
    demand_price = np.nan_to_num(streams["price"].reindex(demand_ids).to_numpy(dtype=float))
    slice_flows: list[pd.DataFrame] = []
    storage_rows: list[pd.DataFrame] = []
    sub_stores = store_table
    coupled = (
        settings.budget is not None
        or settings.individual_rationality
        or settings.min_co2e_t is not None
    )
    part = (
        independent_parts(problem)
        if settings.decompose and not coupled
        else np.zeros(len(table), dtype=np.int64)
    )
    # batches of whole parts, up to batch_columns flows each (small parts solved together)
    order = np.argsort(part, kind="stable")
    part_sorted = part[order]
    boundaries = (
        np.flatnonzero(np.r_[True, part_sorted[1:] != part_sorted[:-1]])
        if len(order)
        else np.zeros(0, dtype=np.int64)
    )
    batches: list[np.ndarray] = []
    current: list[np.ndarray] = []
    size = 0
    for b, start in enumerate(boundaries):
        stop = boundaries[b + 1] if b + 1 < len(boundaries) else len(order)
        members = order[start:stop]
        if size and size + len(members) > settings.batch_columns:
            batches.append(np.concatenate(current))
            current, size = [], 0
        current.append(members)
        size += len(members)
    if current:
        batches.append(np.concatenate(current))
    t1 = time.perf_counter()
    flow = np.zeros(len(table))
    built = np.zeros(len(table), dtype=bool)
    supply_dual = np.full(len(supply_ids), np.nan)
    demand_dual = np.full(len(demand_ids), np.nan)
    build_s = solve_s = dual_s = 0.0
    status, gap = "optimal", 0.0
    corridor_built = np.zeros(len(corridor_table), dtype=bool)
    for members in batches:
        members = np.sort(members)
        tables, s_used, d_used, c_used = part_tables(problem, members)
        sub = tables.candidates
        tb = time.perf_counter()
        if sliced:
            sub_stores = store_table[store_table["demand_id"].isin(demand_ids[d_used])].reset_index(
                drop=True
            )
            sub_stores["demand_pos"] = pd.Index(demand_ids[d_used]).get_indexer(
                sub_stores["demand_id"]
            )
            model = build_timesliced_model(
                tables,
                slices,
                stream_profiles(network, supply_ids[s_used], slices),
                stream_profiles(network, demand_ids[d_used], slices),
                sub_stores,
                demand_price[d_used],
                objective=settings.objective,
                co2_weight=settings.co2_weight,
            )
        else:
            model = build_model(
                tables,
                objective=settings.objective,
                co2_weight=settings.co2_weight,
                budget=settings.budget,
                individual_rationality=settings.individual_rationality,
                min_co2e_t=settings.min_co2e_t,
            )
        build_s += time.perf_counter() - tb
        result = solve_model(
            model, settings.time_limit_s, settings.mip_gap, settings.threads, settings.seed
        )
        solve_s += result.solve_s
        dual_s += result.dual_s
        if result.status in ("infeasible", "unbounded"):
            culprits = diagnose_infeasibility(model)
            pair = (cand["supply_id"] + " -> " + cand["demand_id"]).set_axis(cand["candidate_id"])
            culprits["message"] = [
                f"{m} ({pair[r]})" if r in pair.index else m
                for m, r in zip(culprits["message"], culprits["ref"], strict=True)
            ]
            raise InfeasibleDesign(culprits)
        if result.status != "optimal":
            status = result.status
        gap = max(gap, result.mip_gap)
        if sliced:
            t = len(slices)
            per_slice = result.x[model.columns("flow")].reshape(len(sub), t)
            flow[members] = per_slice.sum(axis=1)
            slice_flows.append(
                pd.DataFrame(
                    {
                        "candidate_id": np.repeat(sub["candidate_id"].to_numpy(dtype=object), t),
                        "slice": np.tile(np.array(slices.names, dtype=object), len(sub)),
                        "flow": per_slice.ravel(),
                    }
                )
            )
            if len(sub_stores):
                k = len(sub_stores)
                storage_rows.append(
                    pd.DataFrame(
                        {
                            "store_id": np.repeat(sub_stores["store_id"].to_numpy(dtype=object), t),
                            "slice": np.tile(np.array(slices.names, dtype=object), k),
                            "charge": result.x[model.columns("charge")],
                            "discharge": result.x[model.columns("discharge")],
                            "level": result.x[model.columns("level")],
                            "demand_id": np.repeat(
                                sub_stores["demand_id"].to_numpy(dtype=object), t
                            ),
                            "price": np.repeat(
                                demand_price[d_used][sub_stores["demand_pos"].to_numpy()], t
                            ),
                        }
                    )
                )
        else:
            flow[members] = result.x[model.columns("flow")]
        # a link is built when its switch is on, or (no switch: no fixed cost) when it carries flow
        built_sub = flow[members] > 1e-9
        build_cols = model.columns("build")
        if len(build_cols):
            switched = pd.Series(result.x[build_cols] > 0.5, index=model.col_ref[build_cols])
            has_switch = sub["candidate_id"].isin(switched.index).to_numpy()
            on = sub["candidate_id"].map(switched).fillna(False).to_numpy(dtype=bool)
            built_sub = np.where(has_switch, on, built_sub)
        built[members] = built_sub
        corridor_cols = model.columns("corridor")
        if len(corridor_cols):
            corridor_built[c_used] = result.x[corridor_cols] > 0.5
        supply_rows, demand_rows = model.rows("supply"), model.rows("demand")
        if sliced:  # the value of one more unit over the year, spread like the stream
            t = len(slices)
            supply_dual[s_used] = result.row_dual[supply_rows].reshape(-1, t).max(axis=1)
            demand_dual[d_used] = result.row_dual[demand_rows].reshape(-1, t).max(axis=1)
        else:
            supply_dual[s_used] = result.row_dual[supply_rows]
            demand_dual[d_used] = result.row_dual[demand_rows]
    t2 = time.perf_counter()
    flows = cand[
        [
            "candidate_id",
            "supply_id",
            "demand_id",
            "supply_organisation",
            "demand_organisation",
            "kind",
            "unit",
            "mode",
            "route_km",
        ]
    ].copy()
    flows["flow"] = np.where(np.abs(flow) < 1e-9, 0.0, flow)
    flows["built"] = built
    per_unit_terms = terms[list(TERMS[:-1])]
    money_terms = per_unit_terms.mul(flows["flow"].to_numpy(), axis=0)
    fixed_paid = np.where(built & (corridor_pos < 0), terms["fixed_cost_per_yr"].to_numpy(), 0.0)
    money_terms["fixed_cost"] = -fixed_paid
    flows["net_benefit"] = money_terms.sum(axis=1).to_numpy()
    flows["co2e_t"] = cand["co2e_t_per_unit"].to_numpy(dtype=float) * flows["flow"].to_numpy()
    objective = money_terms.sum(axis=0)
    if len(corridor_table):
        objective["fixed_cost"] -= float(
            corridor_table["fixed_cost_per_yr"].to_numpy(dtype=float)[corridor_built].sum()
        )
    storage = pd.concat(storage_rows, ignore_index=True) if storage_rows else pd.DataFrame()
    store_value = pd.Series(dtype=float)
    if len(storage):
        # heat charged is not used now and what is discharged serves later: the difference
        # (losses) is bought as virgin input after all
        storage["value"] = storage["price"] * (storage["discharge"] - storage["charge"])
        objective["storage_losses"] = float(storage["value"].sum())
        owner = streams["facility_id"].reindex(storage["demand_id"]).to_numpy()
        organisation = network.facilities.set_index("id")["organisation"].reindex(owner).to_numpy()
        store_value = (
            pd.Series(storage["value"].to_numpy(), index=organisation).groupby(level=0).sum()
        )
    objective.name = "currency_per_yr"
    giver = table["giver_per_unit"].to_numpy() * flow - fixed_paid / 2
    taker = table["taker_per_unit"].to_numpy() * flow - fixed_paid / 2
    participants = (
        pd.concat(
            [
                pd.DataFrame(
                    {
                        "organisation": cand["supply_organisation"].to_numpy(),
                        "as_giver": giver,
                        "as_taker": 0.0,
                    }
                ),
                pd.DataFrame(
                    {
                        "organisation": cand["demand_organisation"].to_numpy(),
                        "as_giver": 0.0,
                        "as_taker": taker,
                    }
                ),
            ]
        )
        .groupby("organisation", sort=True)[["as_giver", "as_taker"]]
        .sum()
    )
    if len(store_value):
        participants["as_taker"] = participants["as_taker"].add(store_value, fill_value=0.0)
    participants["net_benefit"] = participants["as_giver"] + participants["as_taker"]
    duals = pd.concat(
        [
            pd.DataFrame({"group": "supply", "stream_id": supply_ids, "shadow_price": supply_dual}),
            pd.DataFrame({"group": "demand", "stream_id": demand_ids, "shadow_price": demand_dual}),
        ],
        ignore_index=True,
    )
    t3 = time.perf_counter()
    return DesignSolution(
        flows=flows,
        objective=objective,
        participants=participants.reset_index(),
        duals=duals,
        status=status,
        mip_gap=gap,
        parts=len(batches),
        timings={
            "prepare_s": t1 - t0,
            "build_s": build_s,
            "solve_s": solve_s,
            "duals_s": dual_s,
            "post_s": t3 - t2,
        },
        parameters=params,
        flows_by_slice=pd.concat(slice_flows, ignore_index=True) if slice_flows else pd.DataFrame(),
        storage=storage,
        infrastructure=_infrastructure(corridor_table, corridor_built, corridor_pos, flow),
        settings=settings,
    )


def _infrastructure(
    corridors: pd.DataFrame, built: np.ndarray, corridor_pos: np.ndarray, flow: np.ndarray
) -> pd.DataFrame:
    """Shared corridors and sites: built or not, annual cost, capacity and the flow carried."""
    if not len(corridors):
        return pd.DataFrame(
            {"corridor_id": [], "built": [], "fixed_cost_per_yr": [], "capacity": [], "flow": []}
        )
    carried = np.zeros(len(corridors))
    used = corridor_pos >= 0
    np.add.at(carried, corridor_pos[used], flow[used])
    table = pd.DataFrame(
        {
            "corridor_id": corridors["corridor_id"].to_numpy(dtype=object),
            "built": built,
            "fixed_cost_per_yr": corridors["fixed_cost_per_yr"].to_numpy(dtype=float),
            "capacity": corridors["capacity"].to_numpy(dtype=float),
            "flow": carried,
        }
    )
    if "choice_group" in corridors.columns:
        table["choice_group"] = corridors["choice_group"].to_numpy(dtype=object)
    return table
