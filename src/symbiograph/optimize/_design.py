"""Network design: which candidate exchanges to build and how much to send, by MILP.

``design_network`` runs three phases, each timed (as PyPSA's create_model / solve_model /
assign_solution): :func:`build_design` checks the candidates against the network, prices
them under the policy levers, splits the candidate graph into independent parts and builds
each batch of parts with the one model builder; :func:`solve_design` solves each batch
through the solver seam; :func:`extract_design` reads the solutions back into tables.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from symbiograph.errors import InputError
from symbiograph.model import Network, output_columns
from symbiograph.optimize._align import check_candidates, check_corridors, check_stores
from symbiograph.optimize._builder import DesignModel, DesignTables, build_model
from symbiograph.optimize._diagnose import InfeasibleDesign, diagnose_infeasibility
from symbiograph.optimize._heuristics import primal_start
from symbiograph.optimize._processes import add_processes, join_parts, process_plan, process_results
from symbiograph.optimize._settings import DesignSettings
from symbiograph.optimize._solve import SolveResult, solve_model
from symbiograph.optimize._timeslices import (
    TimeSlices,
    add_sliced_processes,
    build_timesliced_model,
    process_slices,
    stream_profiles,
    time_slices,
)

__all__ = [
    "FIXED_TERMS",
    "FLOW_COLUMNS",
    "GIVER_TERMS",
    "SHARED_TERMS",
    "TAKER_TERMS",
    "TERMS",
    "VARIABLE_TERMS",
    "DesignBatch",
    "DesignBuild",
    "DesignProblem",
    "DesignSolution",
    "blend_constraints",
    "build_design",
    "design_network",
    "design_problem",
    "extract_design",
    "independent_parts",
    "money_terms",
    "part_tables",
    "policy_parameters",
    "price_candidates",
    "solve_design",
    "term_shares",
]

#: The columns of ``DesignSolution.flows``, in order: the schema's ``flows`` output rows.
FLOW_COLUMNS = output_columns("flows")
#: The money terms earned per unit of flow (currency per unit sent; currency/yr once
#: multiplied by the flow), in the order of ``DesignSolution.objective``.
VARIABLE_TERMS = (
    "avoided_disposal",
    "landfill_tax_avoided",
    "subsidy",
    "avoided_virgin",
    "transport",
    "treatment",
    "carbon_value",
)
#: The money terms paid once a link is built (currency/yr): the annualised capex after
#: grants, and the running cost of a link that is built today (its capital is sunk).
FIXED_TERMS = ("fixed_cost", "operating_cost")
#: All money terms of the objective, per candidate and year.
TERMS = VARIABLE_TERMS + FIXED_TERMS
#: Terms that go to the giver (supply side) at zero transfer price.
GIVER_TERMS = ("avoided_disposal", "landfill_tax_avoided", "subsidy", "treatment")
#: Terms that go to the taker (demand side).
TAKER_TERMS = ("avoided_virgin", "transport")
#: Terms shared half and half by giver and taker until prices settle them.
SHARED_TERMS = ("carbon_value", "fixed_cost", "operating_cost")
assert sorted(GIVER_TERMS + TAKER_TERMS + SHARED_TERMS) == sorted(TERMS)


def money_terms(terms: pd.DataFrame, flow: np.ndarray, fixed_paid: np.ndarray) -> pd.DataFrame:
    """Money per candidate and term (currency/yr): the per-unit terms of ``terms`` (from
    :func:`price_candidates`) times ``flow`` (units/yr), and ``fixed_paid`` (currency/yr)
    as the negative fixed costs, split into the capex annuity (fixed_cost) and a built
    link's running cost (operating_cost) in the proportions of the candidate's own."""
    money = terms[list(VARIABLE_TERMS)].mul(np.asarray(flow, dtype=float), axis=0)
    paid = np.asarray(fixed_paid, dtype=float)
    total = terms["fixed_cost_per_yr"].to_numpy(dtype=float)
    operating = (
        terms["operating_cost_per_yr"].to_numpy(dtype=float)
        if "operating_cost_per_yr" in terms.columns
        else np.zeros(len(terms))
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(total > 0, operating / total, 0.0)
    money["fixed_cost"] = -(paid * (1.0 - share)) + 0.0
    money["operating_cost"] = -(paid * share) + 0.0
    return money


def term_shares(flows: pd.DataFrame) -> pd.DataFrame:
    """Who keeps which money at zero transfer price: two rows per candidate of ``flows``
    (a table with candidate_id, supply_organisation, demand_organisation and the TERMS
    columns in currency/yr), side ``giver`` with the giver terms and half the shared ones,
    side ``taker`` with the taker terms and half the shared ones, and their net_benefit.
    The two rows of a candidate add up to its money, term by term."""
    sides = []
    for side, own, organisation in (
        ("giver", GIVER_TERMS, "supply_organisation"),
        ("taker", TAKER_TERMS, "demand_organisation"),
    ):
        share = pd.DataFrame(
            {
                "candidate_id": flows["candidate_id"].to_numpy(dtype=object),
                "organisation": flows[organisation].to_numpy(dtype=object),
                "side": side,
            }
        )
        for term in TERMS:
            values = flows[term].to_numpy(dtype=float)
            share[term] = values if term in own else values / 2 if term in SHARED_TERMS else 0.0
        share["net_benefit"] = share[list(TERMS)].sum(axis=1)
        sides.append(share)
    return pd.concat(sides, ignore_index=True)


@dataclass
class DesignSolution:
    """The design as tables.

    ``flows``: one row per candidate with its flow (canonical units/yr), whether its link is
    built, its money per term (the TERMS columns, currency/yr), net_benefit and co2e_t per
    year. ``objective``: the total by term (currency/yr; carbon value at the carbon price;
    shared corridors' cost in fixed_cost). ``shares``: the money of each candidate split
    between giver and taker, term by term (see :func:`term_shares`). ``participants``: per organisation, its gain at zero
    transfer price (giver keeps avoided disposal less treatment, taker avoided virgin less
    transport, carbon value and fixed costs shared half and half). ``duals``: shadow prices
    of supplies and demands (currency per unit) from the LP with the binaries fixed.
    ``status`` (optimal, time_limit, ...), ``mip_gap`` (largest over the parts) and
    ``timings`` (s) of the phases: prepare_s and build_s, solve_s and duals_s, extract_s. ``infrastructure``: shared
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
    shares: pd.DataFrame = field(default_factory=pd.DataFrame)
    processes: pd.DataFrame = field(default_factory=pd.DataFrame)  # see process_results
    #: time-sliced mode: each process's activity per slice (process_id, slice, activity)
    processes_by_slice: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def optimal(self) -> bool:
        """Whether every part was solved to optimality (within ``mip_gap`` asked for); a
        design stopped at a limit says so in ``status`` and its achieved ``mip_gap``."""
        return self.status == "optimal"

    @property
    def net_benefit(self) -> float:
        """Total annual net benefit, currency/yr (carbon valued at the carbon price)."""
        return float(self.objective.sum())

    @property
    def co2e_avoided_t(self) -> float:
        """CO2e avoided per year by the chosen flows, less what the design's processes emit
        through what they buy outside the park (their ``co2e_t``), t/yr."""
        emitted = 0.0
        if len(self.processes) and "co2e_t" in self.processes.columns:
            emitted = float(self.processes["co2e_t"].sum())
        return float(self.flows["co2e_t"].sum()) - emitted


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
    carbon price times the CO2e avoided; fixed cost is the annualised capex less the grant,
    plus the running cost of a link built today (``operating_cost_per_yr``, currency/yr).
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
    operating = (
        c["operating_cost_per_yr"].to_numpy(dtype=float)
        if "operating_cost_per_yr" in c.columns
        else np.zeros(len(c))
    )
    terms["operating_cost_per_yr"] = operating
    terms["fixed_cost_per_yr"] = (
        c["capex_per_yr"].to_numpy(dtype=float)
        * (1.0 - float(params.get("capex_grant_share", 0.0)))
        + operating
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
    money = terms[list(VARIABLE_TERMS)].sum(axis=1).to_numpy()
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


@dataclass
class DesignBatch:
    """Whole independent parts solved together: the candidates at ``members`` (sorted
    positions in the problem), their renumbered tables, the positions of the supplies,
    demands and corridors they use, the stores at their demands (time-sliced mode) and
    the model built from them."""

    members: np.ndarray
    tables: DesignTables
    supply_used: np.ndarray
    demand_used: np.ndarray
    corridor_used: np.ndarray
    stores: pd.DataFrame
    model: DesignModel


@dataclass
class DesignBuild:
    """The build phase's result: the priced and aligned problem, its models batch by batch,
    and what the extract phase needs to read the solutions back into tables. ``timings``:
    prepare_s (pricing, alignment, parts) and build_s (model assembly), s."""

    network: Network
    settings: DesignSettings
    problem: DesignProblem
    batches: list[DesignBatch]
    slices: TimeSlices | None
    stores: pd.DataFrame
    demand_price: np.ndarray
    timings: dict[str, float] = field(default_factory=dict)


def _store_table(stores: pd.DataFrame | None) -> pd.DataFrame:
    if stores is not None:
        return stores.reset_index(drop=True)
    return pd.DataFrame(
        {
            "store_id": [],
            "demand_id": [],
            "capacity": [],
            "loss_per_slice": [],
            "efficiency": [],
            "fixed_cost_per_yr": [],
        }
    )


def _batches(part: np.ndarray, batch_columns: int) -> list[np.ndarray]:
    """Candidate positions grouped into batches of whole parts, up to ``batch_columns``
    flows each (small parts solved together), each sorted."""
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
        if size and size + len(members) > batch_columns:
            batches.append(np.sort(np.concatenate(current)))
            current, size = [], 0
        current.append(members)
        size += len(members)
    if current:
        batches.append(np.sort(np.concatenate(current)))
    return batches


def build_design(
    network: Network,
    candidates: pd.DataFrame,
    settings: DesignSettings | None = None,
    corridors: pd.DataFrame | None = None,
    stores: pd.DataFrame | None = None,
) -> DesignBuild:
    """The build phase of :func:`design_network`: check and price the candidates, split
    them into independent parts and build one model per batch of parts. Raises InputError
    on candidates, corridors or stores that do not align with the network, or on options
    that do not combine."""
    settings = settings or DesignSettings()
    t0 = time.perf_counter()
    check_candidates(network, candidates)
    check_corridors(candidates, corridors)
    if stores is not None:
        check_stores(network, stores)
    problem = design_problem(network, candidates, settings, corridors)
    cand, keep = problem.cand, problem.keep
    supply_ids, demand_ids = problem.tables.supply_ids, problem.tables.demand_ids
    sliced = settings.time_slices != "none"
    slices = time_slices(settings.time_slices) if sliced else None
    store_table = _store_table(stores)
    plan = process_plan(network, problem.params)
    combined = (
        len(problem.corridor_table)
        or settings.budget is not None
        or settings.individual_rationality
        or settings.min_co2e_t is not None
        or keep.any()
        or ("needs_blend" in cand.columns and bool(cand["needs_blend"].any()))
    )
    if sliced and combined:
        raise InputError(
            "time slices do not yet combine with corridors, budget, individual rationality, "
            "a CO2e floor, kept exchanges or blends"
        )
    if len(store_table) and not sliced:
        raise InputError("storage needs time slices (time_slices='monthly' or 'days')")
    streams = network.streams.set_index("id")
    demand_price = np.nan_to_num(streams["price"].reindex(demand_ids).to_numpy(dtype=float))
    coupled = (
        settings.budget is not None
        or settings.individual_rationality
        or settings.min_co2e_t is not None
    )
    part = (
        independent_parts(problem)
        if settings.decompose and not coupled
        else np.zeros(len(problem.tables.candidates), dtype=np.int64)
    )
    part = join_parts(plan, problem, part)
    t1 = time.perf_counter()
    batches = []
    for members in _batches(part, settings.batch_columns):
        tables, s_used, d_used, c_used = part_tables(problem, members)
        sub_stores = store_table
        if slices is not None:
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
            model = add_sliced_processes(plan, model, tables, slices, network, settings.objective)
        else:
            model = build_model(
                tables,
                objective=settings.objective,
                co2_weight=settings.co2_weight,
                budget=settings.budget,
                individual_rationality=settings.individual_rationality,
                min_co2e_t=settings.min_co2e_t,
                tight=settings.tight,
            )
            model = add_processes(plan, model, tables, settings.objective)
        batches.append(DesignBatch(members, tables, s_used, d_used, c_used, sub_stores, model))
    return DesignBuild(
        network=network,
        settings=settings,
        problem=problem,
        batches=batches,
        slices=slices,
        stores=store_table,
        demand_price=demand_price,
        timings={"prepare_s": t1 - t0, "build_s": time.perf_counter() - t1},
    )


def solve_design(build: DesignBuild) -> list[SolveResult]:
    """The solve phase of :func:`design_network`: solve each batch's model (with shadow
    prices from the LP with its binaries fixed). Raises InfeasibleDesign naming the culprit
    constraints when a batch has no design, SolverError when the solver stops without one
    (a time limit before any incumbent). A batch stopped at a limit with an incumbent comes
    back with its status (time_limit, ...) and its gap."""
    settings = build.settings
    cand = build.problem.cand
    results = []
    heuristic_s = 0.0
    for k, batch in enumerate(build.batches):
        # a heuristic start for large parts (annual model), within the part's time limit
        first, limit_s = primal_start(
            batch.model,
            settings.heuristic if build.slices is None else "off",
            settings.time_limit_s,
            settings.heuristic_share,
            settings.heuristic_min_binaries,
            settings.threads,
            settings.seed,
        )
        heuristic_s += first.seconds if first is not None else 0.0
        result = solve_model(
            batch.model,
            limit_s,
            settings.mip_gap,
            settings.threads,
            settings.seed,
            solver=settings.solver,
            options=settings.solver_options,
            what=f"the design (part {k + 1} of {len(build.batches)})",
            start=first.x if first is not None else None,
        )
        if not result.has_solution:
            culprits = diagnose_infeasibility(batch.model)
            pair = (cand["supply_id"] + " -> " + cand["demand_id"]).set_axis(cand["candidate_id"])
            culprits["message"] = [
                f"{m} ({pair[r]})" if r in pair.index else m
                for m, r in zip(culprits["message"], culprits["ref"], strict=True)
            ]
            raise InfeasibleDesign(culprits)
        results.append(result)
    build.timings["heuristic_s"] = heuristic_s
    return results


def _switched_on(model: DesignModel, x: np.ndarray, group: str) -> pd.Series:
    """Whether each binary column of ``group`` is on, by the id it stands for."""
    cols = model.columns(group)
    return pd.Series(x[cols] > 0.5, index=model.col_ref[cols])


def extract_design(build: DesignBuild, results: list[SolveResult]) -> DesignSolution:
    """The extract phase of :func:`design_network`: the solved batches read back into the
    solution's tables (flows with their money terms, objective, participants, duals,
    infrastructure, and per slice flows and storage in time-sliced mode)."""
    t0 = time.perf_counter()
    problem, network, slices = build.problem, build.network, build.slices
    cand, terms, table = problem.cand, problem.terms, problem.tables.candidates
    supply_ids, demand_ids = problem.tables.supply_ids, problem.tables.demand_ids
    corridor_table, corridor_pos = problem.corridor_table, problem.corridor_pos
    flow = np.zeros(len(table))
    built = np.zeros(len(table), dtype=bool)
    supply_dual = np.full(len(supply_ids), np.nan)
    demand_dual = np.full(len(demand_ids), np.nan)
    corridor_built = np.zeros(len(corridor_table), dtype=bool)
    slice_flows: list[pd.DataFrame] = []
    storage_rows: list[pd.DataFrame] = []
    status, gap = "optimal", 0.0
    for batch, result in zip(build.batches, results, strict=True):
        members, model, sub = batch.members, batch.model, batch.tables.candidates
        if result.status != "optimal":
            status = result.status
        gap = max(gap, result.mip_gap)
        flow_x = result.x[model.columns("flow")]
        if slices is not None:
            t = len(slices)
            names = np.array(slices.names, dtype=object)
            per_slice = flow_x.reshape(len(sub), t)
            flow[members] = per_slice.sum(axis=1)
            slice_flows.append(
                pd.DataFrame(
                    {
                        "candidate_id": np.repeat(sub["candidate_id"].to_numpy(dtype=object), t),
                        "slice": np.tile(names, len(sub)),
                        "flow": per_slice.ravel(),
                    }
                )
            )
            if len(batch.stores):
                st = batch.stores
                price = build.demand_price[batch.demand_used][st["demand_pos"].to_numpy()]
                storage_rows.append(
                    pd.DataFrame(
                        {
                            "store_id": np.repeat(st["store_id"].to_numpy(dtype=object), t),
                            "slice": np.tile(names, len(st)),
                            "charge": result.x[model.columns("charge")],
                            "discharge": result.x[model.columns("discharge")],
                            "level": result.x[model.columns("level")],
                            "demand_id": np.repeat(st["demand_id"].to_numpy(dtype=object), t),
                            "price": np.repeat(price, t),
                        }
                    )
                )
        else:
            flow[members] = flow_x
        # a link is built when its switch is on, or (no switch: no fixed cost) when it
        # carries flow
        built_sub = flow[members] > 1e-9
        switched = _switched_on(model, result.x, "build")
        if len(switched):
            has_switch = sub["candidate_id"].isin(switched.index).to_numpy()
            on = sub["candidate_id"].map(switched).fillna(False).to_numpy(dtype=bool)
            built_sub = np.where(has_switch, on, built_sub)
        built[members] = built_sub
        if len(model.columns("corridor")):
            corridor_built[batch.corridor_used] = result.x[model.columns("corridor")] > 0.5
        supply_rows, demand_rows = model.rows("supply"), model.rows("demand")
        if slices is not None:  # the value of one more unit over the year, spread like the stream
            t = len(slices)
            supply_dual[batch.supply_used] = result.row_dual[supply_rows].reshape(-1, t).max(axis=1)
            demand_dual[batch.demand_used] = result.row_dual[demand_rows].reshape(-1, t).max(axis=1)
        else:
            supply_dual[batch.supply_used] = result.row_dual[supply_rows]
            demand_dual[batch.demand_used] = result.row_dual[demand_rows]
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
    flows["link_status"] = (
        cand["link_status"].to_numpy(dtype=object)
        if "link_status" in cand.columns
        else np.full(len(cand), "new", dtype=object)
    )
    flows["exchange_id"] = (
        cand["exchange_id"].to_numpy(dtype=object)
        if "exchange_id" in cand.columns
        else np.full(len(cand), None, dtype=object)
    )
    flows["flow"] = np.where(np.abs(flow) < 1e-9, 0.0, flow)
    flows["built"] = built
    fixed_paid = np.where(built & (corridor_pos < 0), terms["fixed_cost_per_yr"].to_numpy(), 0.0)
    money = money_terms(terms, flows["flow"].to_numpy(), fixed_paid)
    for term in TERMS:
        flows[term] = money[term].to_numpy()
    flows["net_benefit"] = money.sum(axis=1).to_numpy()
    flows["co2e_t"] = cand["co2e_t_per_unit"].to_numpy(dtype=float) * flows["flow"].to_numpy()
    objective = money.sum(axis=0)
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
        streams = network.streams.set_index("id")
        owner = streams["facility_id"].reindex(storage["demand_id"]).to_numpy()
        organisation = network.facilities.set_index("id")["organisation"].reindex(owner).to_numpy()
        store_value = (
            pd.Series(storage["value"].to_numpy(), index=organisation).groupby(level=0).sum()
        )
    objective.name = "currency_per_yr"
    shares = term_shares(flows)
    participants = pd.DataFrame(
        {
            f"as_{side}": shares[shares["side"] == side]
            .groupby("organisation", sort=True)["net_benefit"]
            .sum()
            for side in ("giver", "taker")
        }
    ).fillna(0.0)
    participants.index.name = "organisation"
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
    timings = {
        **build.timings,
        "solve_s": float(sum(r.solve_s for r in results)),
        "duals_s": float(sum(r.dual_s for r in results)),
    }
    solution = DesignSolution(
        flows=flows,
        objective=objective,
        participants=participants.reset_index(),
        duals=duals,
        status=status,
        mip_gap=gap,
        parts=len(build.batches),
        timings=timings,
        parameters=problem.params,
        flows_by_slice=pd.concat(slice_flows, ignore_index=True) if slice_flows else pd.DataFrame(),
        storage=storage,
        infrastructure=_infrastructure(corridor_table, corridor_built, corridor_pos, flow),
        settings=build.settings,
        shares=shares,
    )
    process_results(solution, build, results)
    if slices is not None and not solution.processes.empty:
        solution.processes_by_slice = process_slices(
            [b.model for b in build.batches], [r.x for r in results]
        )
    solution.timings["extract_s"] = time.perf_counter() - t0
    return solution


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
    capacity (units of the demand), loss_per_slice, efficiency, fixed_cost_per_yr.

    Three phases, each timed in ``solution.timings``: :func:`build_design` (prepare_s,
    build_s), :func:`solve_design` (solve_s, duals_s) and :func:`extract_design`
    (extract_s). An empty candidate table is a valid empty design (nothing to build, net
    benefit 0, status optimal). Raises InputError on candidates that do not align with the
    network (an unknown supply or demand id, a NaN number, a repeated candidate id: the
    message names the row and field), InfeasibleDesign naming the culprit constraints when
    no design exists, SolverError when the solver stops without a design. A design stopped
    at the time limit with an incumbent has status ``time_limit`` and its ``mip_gap``.
    """
    build = build_design(network, candidates, settings, corridors, stores)
    return extract_design(build, solve_design(build))


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
