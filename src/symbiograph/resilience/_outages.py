"""Outages: what a design loses when an organisation, a facility, a stream or an exchange
drops out, alone (N-1) or two at once (N-2), in money (currency/yr), tonnes (t/yr), CO2e
(t/yr) and jobs (FTE), per participant, in two readings.

*Frozen*: the rest of the network stays as built. Every flow of the design that touches an
outaged element fails; the others keep their flow and money. A failed flow's own capital is
sunk: its annualised capex is still paid, its variable money and its running cost are lost.
So the frozen loss of a failed flow is its net benefit less its capex annuity.

*Rewired*: the survivors re-optimise over the candidates that do not touch an outaged
element, with every link the design built kept as built (its capex annuity already paid, so
charged 0 in the re-optimisation and paid outside it). The frozen survivors are a feasible
answer of that problem, so the rewired loss is never above the frozen loss, and never below 0.

*Cascades* run in rounds until nothing more fails. A :data:`CascadeRule` says which supply
streams stop once some demand streams have lost their supply; :func:`dependency_rule` builds
the one shipped here from a table of documented dependencies (``supply_id`` is made from
``demand_id`` at the same facility): a supply stops when every one of its inputs that the
design fed has lost all its supply (frozen: all its flows failed; rewired: no candidate left
to feed it). Plant processes (inputs -> outputs) plug in as another rule.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from itertools import combinations
from typing import Any

import numpy as np
import pandas as pd

from symbiograph.errors import InputError
from symbiograph.model import Network
from symbiograph.optimize import DesignSettings, DesignSolution, design_network
from symbiograph.resilience._topology import betweenness, degree, diversity_resilience
from symbiograph.tasks import Executor, InProcess, Progress

__all__ = [
    "ELEMENT_KINDS",
    "CascadeRule",
    "Element",
    "OutageAnalysis",
    "dependency_rule",
    "design_elements",
    "outage_analysis",
    "partial_outage",
    "sunk_candidates",
]

#: What may drop out: an organisation, a facility, a stream (supply or demand id) or an
#: exchange (a candidate id of the design).
ELEMENT_KINDS = ("organisation", "facility", "stream", "exchange")
#: (kind, id) of one element.
Element = tuple[str, str]
#: ``rule(starved_demands) -> lost_supplies``: the supply stream ids that stop once the demand
#: stream ids ``starved_demands`` have lost their supply.
CascadeRule = Callable[[frozenset[str]], frozenset[str]]

_READINGS = ("frozen", "rewired")
#: One outage run: its elements, order, totals, participants' rows and failures.
_Row = tuple[Sequence[Element], "int | None", dict[str, Any], pd.DataFrame, pd.DataFrame]
#: The columns of ``OutageAnalysis.failures``.
FAILURE_COLUMNS = (
    "scenario",
    "reading",
    "round",
    "candidate_id",
    "exchange_id",
    "supply_organisation",
    "demand_organisation",
    "flow_design",
    "flow_after",
)


def dependency_rule(
    network: Network, dependencies: pd.DataFrame | None, fed: Iterable[str]
) -> CascadeRule:
    """The cascade rule of documented dependencies: ``dependencies`` has supply_id and
    demand_id (the supply is made from the demand, both streams of one facility); a supply
    stops when every one of its inputs in ``fed`` (the demands the design feeds) is starved,
    and at least one is. No table: nothing cascades. Raises InputError naming the row of an
    unknown stream or of a pair at two facilities."""
    if dependencies is None or not len(dependencies):
        return lambda starved: frozenset()
    missing = [c for c in ("supply_id", "demand_id") if c not in dependencies.columns]
    if missing:
        raise InputError(f"dependencies lack the columns {missing}")
    streams = network.streams.set_index("id")
    fed_set = set(fed)
    inputs: dict[str, set[str]] = {}
    for row, (s, d) in enumerate(
        zip(
            dependencies["supply_id"].astype(str),
            dependencies["demand_id"].astype(str),
            strict=True,
        )
    ):
        for sid, direction in ((s, "supply"), (d, "demand")):
            if sid not in streams.index or streams.at[sid, "direction"] != direction:
                raise InputError(f"dependencies row {row}: {sid!r} is not a {direction} stream")
        if streams.at[s, "facility_id"] != streams.at[d, "facility_id"]:
            raise InputError(
                f"dependencies row {row}: {s!r} and {d!r} belong to different facilities"
            )
        if d in fed_set:
            inputs.setdefault(s, set()).add(d)

    def rule(starved: frozenset[str]) -> frozenset[str]:
        return frozenset(s for s, needs in inputs.items() if needs <= starved)

    return rule


def _touching(table: pd.DataFrame, elements: Sequence[Element]) -> np.ndarray:
    """Rows of a flows or candidates table that touch any of ``elements``."""
    hit = np.zeros(len(table), dtype=bool)
    for kind, ident in elements:
        columns: tuple[str, ...]
        if kind == "organisation":
            columns = ("supply_organisation", "demand_organisation")
        elif kind == "facility":
            columns = ("supply_facility", "demand_facility")
        elif kind == "stream":
            columns = ("supply_id", "demand_id")
        elif kind == "exchange":
            columns = ("candidate_id",)
        else:
            raise InputError(f"an outage is one of {', '.join(ELEMENT_KINDS)}, not {kind!r}")
        for column in columns:
            hit |= (table[column].astype(str) == ident).to_numpy()
    return hit


def sunk_candidates(candidates: pd.DataFrame, built: Iterable[str]) -> pd.DataFrame:
    """``candidates`` with the links in ``built`` (candidate ids) kept as built: capital sunk
    (capex 0 per year, fixed cost = their running cost) and link_status ``built``."""
    out = candidates.copy()
    sunk = out["candidate_id"].isin(set(built)).to_numpy()
    out.loc[sunk, "capex_per_yr"] = 0.0
    operating = (
        out["operating_cost_per_yr"].to_numpy(dtype=float)
        if "operating_cost_per_yr" in out.columns
        else np.zeros(len(out))
    )
    if "fixed_cost_per_yr" in out.columns:
        out.loc[sunk, "fixed_cost_per_yr"] = operating[sunk]
    if "link_status" in out.columns:
        out.loc[sunk, "link_status"] = "built"
    return out


def design_elements(
    network: Network,
    design: DesignSolution,
    kinds: Sequence[str] = ("organisation", "facility", "exchange"),
) -> list[Element]:
    """Every organisation and facility of the network and every exchange that flows in the
    design (candidate id), for the kinds asked."""
    elements: list[Element] = []
    for kind in kinds:
        if kind == "organisation":
            ids = sorted(set(network.facilities["organisation"].astype(str)))
        elif kind == "facility":
            ids = sorted(network.facilities["id"].astype(str))
        elif kind == "exchange":
            ids = sorted(design.flows.loc[design.flows["flow"] > 0, "candidate_id"].astype(str))
        elif kind == "stream":
            ids = sorted(network.streams["id"].astype(str))
        else:
            raise InputError(f"an outage is one of {', '.join(ELEMENT_KINDS)}, not {kind!r}")
        elements.extend((kind, i) for i in ids)
    return elements


@dataclass
class OutageAnalysis:
    """Losses of a design under outages (money currency/yr, tonnes t/yr, CO2e t/yr, jobs FTE;
    a loss is design minus after, so positive is worse).

    ``losses``: one row per outage and reading (scenario, order 1 or 2, elements, reading,
    net_benefit_loss, tonnes_loss, co2e_loss_t, jobs_loss, failed_exchanges, cascade_rounds,
    status). ``participants``: the same losses per organisation (money as the design shares it;
    tonnes a participant gives or takes; CO2e and jobs half to each side). ``failures``: the
    design flows that fail in each outage (frozen: round 0 direct, k in the k-th cascade
    round) or that change when rewired (flow before and after). ``criticality``: the N-1
    outages ranked by frozen and rewired loss beside the degree, the betweenness and the
    diversity-based resilience index (:func:`diversity_resilience`, low is critical) of the
    element in the design's exchange graph and their ranks, and ``rank_gap`` (topological rank less
    money rank: large when topology misleads). ``design_net_benefit``: currency/yr.
    """

    losses: pd.DataFrame
    participants: pd.DataFrame
    failures: pd.DataFrame
    criticality: pd.DataFrame
    design_net_benefit: float
    timings: dict[str, float] = field(default_factory=dict)


@dataclass
class _Context:
    network: Network
    candidates: pd.DataFrame
    design: DesignSolution
    settings: DesignSettings
    flows: pd.DataFrame  # design rows that flow or are built, with facilities, tonnes, jobs
    shares: pd.DataFrame  # design shares of those rows
    jobs_per_unit: pd.Series  # by candidate id
    fed: frozenset[str]
    rule: CascadeRule
    design_org: pd.Series  # net benefit per organisation
    sunk_org: pd.Series  # capex annuity of built links per organisation (negative)
    sunk_total: float


def _jobs_per_unit(network: Network, candidates: pd.DataFrame) -> pd.Series:
    """Net jobs (FTE) per unit of flow of every candidate (the shipped employment ratios)."""
    from symbiograph.assess import job_lines

    one = candidates.assign(flow=1.0)
    route = network.streams.set_index("id")["disposal_route"]
    lines = job_lines(one, route)
    per = lines.groupby("candidate_id")["jobs"].sum()
    return per.reindex(candidates["candidate_id"].to_numpy()).fillna(0.0)


def _context(
    network: Network,
    candidates: pd.DataFrame,
    design: DesignSolution,
    settings: DesignSettings | None,
    dependencies: pd.DataFrame | None,
    cascade: CascadeRule | None = None,
) -> _Context:
    cand = candidates.set_index("candidate_id", drop=False)
    if cand.index.has_duplicates:
        raise InputError("candidate ids are not unique")
    flows = design.flows[(design.flows["flow"] > 0) | design.flows["built"].astype(bool)]
    unknown = sorted(set(flows["candidate_id"]) - set(cand.index))
    if unknown:
        raise InputError(f"the design's flows name candidates not in the table: {unknown[:5]}")
    flows = flows.reset_index(drop=True).copy()
    rows = cand.loc[flows["candidate_id"].to_numpy()]
    for column in ("supply_facility", "demand_facility", "supply_resource"):
        flows[column] = rows[column].to_numpy(dtype=object)
    jobs = _jobs_per_unit(network, candidates)
    flow = flows["flow"].to_numpy(dtype=float)
    flows["tonnes"] = np.where(flows["unit"].to_numpy() == "t/yr", flow, 0.0)
    flows["jobs"] = jobs.reindex(flows["candidate_id"].to_numpy()).to_numpy(dtype=float) * flow
    shares = design.shares[design.shares["candidate_id"].isin(set(flows["candidate_id"]))]
    fed_amount = flows[flows["flow"] > 0].groupby("demand_id")["flow"].sum()
    fed = frozenset(fed_amount.index[fed_amount > 0].astype(str))
    built = shares["candidate_id"].isin(set(flows.loc[flows["built"], "candidate_id"]))
    sunk_org = shares[built.to_numpy()].groupby("organisation")["fixed_cost"].sum()
    return _Context(
        network=network,
        candidates=candidates.reset_index(drop=True),
        design=design,
        settings=settings or design.settings,
        flows=flows,
        shares=shares.reset_index(drop=True),
        jobs_per_unit=jobs,
        fed=fed,
        rule=cascade if cascade is not None else dependency_rule(network, dependencies, fed),
        design_org=design.participants.set_index("organisation")["net_benefit"],
        sunk_org=sunk_org,
        sunk_total=float(sunk_org.sum()),
    )


def _frozen(ctx: _Context, elements: Sequence[Element]) -> tuple[np.ndarray, np.ndarray, int]:
    """(failed mask over ctx.flows, round of failure (-1 none), cascade rounds)."""
    flows = ctx.flows
    failed = _touching(flows, elements)
    rounds = np.where(failed, 0, -1)
    flowing = flows["flow"].to_numpy(dtype=float) > 0
    demand = flows["demand_id"].astype(str).to_numpy()
    supply = flows["supply_id"].astype(str).to_numpy()
    k = 0
    while True:
        alive = pd.Series(flowing & ~failed).groupby(demand).any()
        starved = frozenset(d for d in ctx.fed if not alive.get(d, False))
        lost = ctx.rule(starved)
        more = np.isin(supply, list(lost)) & ~failed if lost else np.zeros(len(flows), bool)
        if not more.any():
            return failed, rounds, k
        k += 1
        failed |= more
        rounds[more] = k


def _removed(ctx: _Context, elements: Sequence[Element]) -> tuple[np.ndarray, int]:
    """Candidates left out when rewiring (mask over ctx.candidates) and cascade rounds."""
    cand = ctx.candidates
    removed = _touching(cand, elements)
    demand = cand["demand_id"].astype(str).to_numpy()
    supply = cand["supply_id"].astype(str).to_numpy()
    k = 0
    while True:
        left = set(demand[~removed])
        starved = frozenset(d for d in ctx.fed if d not in left)
        lost = ctx.rule(starved)
        more = np.isin(supply, list(lost)) & ~removed if lost else np.zeros(len(cand), bool)
        if not more.any():
            return removed, k
        k += 1
        removed |= more


def _by_org(values: pd.Series, index: pd.Index) -> pd.Series:
    return values.groupby(level=0).sum().reindex(index).fillna(0.0)


def _physical_by_org(
    table: pd.DataFrame, weight: np.ndarray, orgs: pd.Index
) -> tuple[pd.Series, pd.Series, pd.Series]:
    """(tonnes given or taken, CO2e half per side, jobs half per side) per organisation of a
    flows-like table, each row weighted by ``weight`` (1 lost, 0 kept, or a flow change)."""
    out = []
    for column, share in (("tonnes", 1.0), ("co2e_t", 0.5), ("jobs", 0.5)):
        v = table[column].to_numpy(dtype=float) * weight * share
        both = pd.concat(
            [
                pd.Series(v, index=table["supply_organisation"].to_numpy()),
                pd.Series(v, index=table["demand_organisation"].to_numpy()),
            ]
        )
        out.append(_by_org(both, orgs))
    return out[0], out[1], out[2]


def _name(elements: Sequence[Element]) -> str:
    return " + ".join(f"{k}:{i}" for k, i in elements)


def _frozen_rows(
    ctx: _Context, elements: Sequence[Element]
) -> tuple[dict[str, Any], pd.DataFrame, pd.DataFrame]:
    flows = ctx.flows
    failed, rounds, k = _frozen(ctx, elements)
    lost_cand = set(flows.loc[failed, "candidate_id"])
    sh = ctx.shares[ctx.shares["candidate_id"].isin(lost_cand).to_numpy()]
    orgs = ctx.design_org.index
    money = _by_org(
        pd.Series((sh["net_benefit"] - sh["fixed_cost"]).to_numpy(), index=sh["organisation"]),
        orgs,
    )
    w = failed.astype(float)
    tonnes, co2e, jobs = _physical_by_org(flows, w, orgs)
    scenario = _name(elements)
    total = {
        "net_benefit_loss": float(
            (flows["net_benefit"] - flows["fixed_cost"]).to_numpy(dtype=float)[failed].sum()
        ),
        "tonnes_loss": float(flows["tonnes"].to_numpy()[failed].sum()),
        "co2e_loss_t": float(flows["co2e_t"].to_numpy(dtype=float)[failed].sum()),
        "jobs_loss": float(flows["jobs"].to_numpy()[failed].sum()),
        "failed_exchanges": int((failed & (flows["flow"].to_numpy() > 0)).sum()),
        "cascade_rounds": k,
        "reading": "frozen",
        "status": "as built",
    }
    part = pd.DataFrame(
        {
            "scenario": scenario,
            "reading": "frozen",
            "organisation": orgs.to_numpy(dtype=object),
            "net_benefit_design": ctx.design_org.to_numpy(dtype=float),
            "net_benefit_loss": money.to_numpy(),
            "tonnes_loss": tonnes.to_numpy(),
            "co2e_loss_t": co2e.to_numpy(),
            "jobs_loss": jobs.to_numpy(),
        }
    )
    fail = flows.loc[
        failed,
        ["candidate_id", "exchange_id", "supply_organisation", "demand_organisation", "flow"],
    ]
    fail = fail.rename(columns={"flow": "flow_design"}).assign(
        scenario=scenario, reading="frozen", round=rounds[failed], flow_after=0.0
    )
    return total, part, fail


def _rewire_task(task: tuple[Network, pd.DataFrame, DesignSettings]) -> DesignSolution:
    """Re-optimise the remaining candidates (one executor task)."""
    network, remaining, settings = task
    return design_network(network, remaining, settings)


def _rewired_rows(
    ctx: _Context, elements: Sequence[Element], solution: DesignSolution | None, k: int
) -> tuple[dict[str, Any], pd.DataFrame, pd.DataFrame]:
    flows = ctx.flows
    orgs = ctx.design_org.index
    scenario = _name(elements)
    if solution is None:  # no flow of the design touched: the design stays optimal
        after = flows.assign(flow_after=flows["flow"].to_numpy(dtype=float))
        money = pd.Series(0.0, index=orgs)
        net_after = float(ctx.design.net_benefit)
        status = "unchanged"
        new = flows.iloc[0:0].copy()
    else:
        got = solution.flows.set_index("candidate_id")["flow"]
        after = flows.assign(
            flow_after=got.reindex(flows["candidate_id"].to_numpy()).fillna(0.0).to_numpy()
        )
        value_org = (
            solution.participants.set_index("organisation")["net_benefit"]
            .reindex(orgs.union(solution.participants["organisation"]))
            .fillna(0.0)
            .add(ctx.sunk_org, fill_value=0.0)
        )
        money = ctx.design_org.reindex(value_org.index).fillna(0.0) - value_org
        net_after = solution.net_benefit + ctx.sunk_total
        status = solution.status
        new = solution.flows[
            (solution.flows["flow"] > 0)
            & ~solution.flows["candidate_id"].isin(set(flows["candidate_id"]))
        ].copy()
        new["tonnes"] = np.where(new["unit"].to_numpy() == "t/yr", new["flow"], 0.0)
        new["jobs"] = ctx.jobs_per_unit.reindex(new["candidate_id"].to_numpy()).fillna(
            0.0
        ).to_numpy() * new["flow"].to_numpy(dtype=float)
    flow0 = after["flow"].to_numpy(dtype=float)
    flow1 = after["flow_after"].to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        lost_share = np.where(flow0 > 0, 1.0 - flow1 / flow0, 0.0)
    all_orgs = money.index
    t0, c0, j0 = _physical_by_org(after, lost_share, all_orgs)
    if len(new):
        t1, c1, j1 = _physical_by_org(new, -np.ones(len(new)), all_orgs)
        t0, c0, j0 = t0 + t1, c0 + c1, j0 + j1
    design_org = ctx.design_org.reindex(all_orgs).fillna(0.0)
    part = pd.DataFrame(
        {
            "scenario": scenario,
            "reading": "rewired",
            "organisation": all_orgs.to_numpy(dtype=object),
            "net_benefit_design": design_org.to_numpy(dtype=float),
            "net_benefit_loss": money.to_numpy(dtype=float),
            "tonnes_loss": t0.to_numpy(),
            "co2e_loss_t": c0.to_numpy(),
            "jobs_loss": j0.to_numpy(),
        }
    )
    lost = after["flow"].to_numpy() * lost_share
    total = {
        "net_benefit_loss": float(ctx.design.net_benefit - net_after),
        "tonnes_loss": float(
            (after["tonnes"].to_numpy() * lost_share).sum()
            - new.get("tonnes", pd.Series(dtype=float)).sum()
        ),
        "co2e_loss_t": float(
            (after["co2e_t"].to_numpy() * lost_share).sum()
            - new.get("co2e_t", pd.Series(dtype=float)).sum()
        ),
        "jobs_loss": float(
            (after["jobs"].to_numpy() * lost_share).sum()
            - new.get("jobs", pd.Series(dtype=float)).sum()
        ),
        "failed_exchanges": int(((flow0 > 0) & (flow1 <= 0)).sum()),
        "cascade_rounds": k,
        "reading": "rewired",
        "status": status,
    }
    changed = np.abs(lost) > 1e-9
    cols = ["candidate_id", "exchange_id", "supply_organisation", "demand_organisation"]
    fail = after.loc[changed, [*cols, "flow", "flow_after"]].rename(columns={"flow": "flow_design"})
    if len(new):
        fail = pd.concat(
            [fail, new[cols].assign(flow_design=0.0, flow_after=new["flow"].to_numpy())],
            ignore_index=True,
        )
    fail = fail.assign(scenario=scenario, reading="rewired", round=-1)
    return total, part, fail


def _pairs(
    losses: pd.DataFrame, singles: Sequence[Element], max_pairs: int
) -> list[tuple[Element, Element]]:
    """The pairs of the same kind with the largest bound (sum of their two frozen N-1 net
    benefit losses), at most ``max_pairs`` per kind, worst first (ties in id order)."""
    frozen = losses[losses["reading"] == "frozen"].set_index("scenario")["net_benefit_loss"]
    chosen: list[tuple[Element, Element]] = []
    for kind in dict.fromkeys(k for k, _ in singles):
        own = [e for e in singles if e[0] == kind]
        scored = [
            (-(frozen[_name([a])] + frozen[_name([b])]), n, (a, b))
            for n, (a, b) in enumerate(combinations(own, 2))
        ]
        scored.sort(key=lambda s: (s[0], s[1]))
        chosen.extend(pair for _, _, pair in scored[:max_pairs])
    return chosen


def _makers_and_users(
    network: Network, kind: str
) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """Per resource, the organisations (or facilities) with a supply and with a demand of it."""
    streams = network.streams
    owner = streams["facility_id"].astype(str)
    if kind == "organisation":
        organisation = network.facilities.set_index("id")["organisation"].astype(str)
        owner = organisation.reindex(owner).fillna("").astype(str).set_axis(streams.index)
    out: tuple[dict[str, set[str]], dict[str, set[str]]] = ({}, {})
    for side, table in zip(("supply", "demand"), out, strict=True):
        at = (streams["direction"] == side).to_numpy()
        for resource, who in zip(streams["resource_id"].astype(str)[at], owner[at], strict=True):
            table.setdefault(resource, set()).add(who)
    return out


def _topology(ctx: _Context) -> pd.DataFrame:
    """Degree, betweenness and the diversity-based resilience index of organisations,
    facilities and exchanges in the design."""
    flowing = ctx.flows[ctx.flows["flow"] > 0]
    rows: list[tuple[str, object, float, float, float]] = []
    for kind, a_col, b_col in (
        ("organisation", "supply_organisation", "demand_organisation"),
        ("facility", "supply_facility", "demand_facility"),
    ):
        edges = list(zip(flowing[a_col].astype(str), flowing[b_col].astype(str), strict=True))
        deg = degree(edges)
        node_b, edge_b = betweenness(edges)
        makers, users = _makers_and_users(ctx.network, kind)
        node_r, edge_r = diversity_resilience(
            zip(
                flowing[a_col].astype(str),
                flowing[b_col].astype(str),
                flowing["supply_resource"].astype(str),
                flowing["candidate_id"].astype(str),
                strict=True,
            ),
            makers,
            users,
        )
        rows.extend((kind, n, float(deg[n]), node_b[n], node_r.get(n, 1.0)) for n in deg)
        if kind == "organisation":
            for cid, a, b in zip(
                flowing["candidate_id"], flowing[a_col], flowing[b_col], strict=True
            ):
                a, b = str(a), str(b)
                line_degree = deg[a] + deg[b] - 2 if a != b else deg[a]
                rows.append(
                    (
                        "exchange",
                        str(cid),
                        float(line_degree),
                        edge_b.get(frozenset((a, b)), 0.0),
                        edge_r.get(str(cid), 1.0),
                    )
                )
    return pd.DataFrame(
        rows, columns=["kind", "element_id", "degree", "betweenness", "diversity_index"]
    )


def _criticality(ctx: _Context, losses: pd.DataFrame) -> pd.DataFrame:
    single = losses[losses["order"] == 1]
    wide = single.pivot_table(
        index=["kind", "element_id"], columns="reading", values="net_benefit_loss", aggfunc="first"
    )
    table = pd.DataFrame(index=wide.index)
    for reading in _READINGS:
        table[f"{reading}_loss"] = wide[reading] if reading in wide.columns else np.nan
    frozen = single[single["reading"] == "frozen"].set_index(["kind", "element_id"])
    for column in ("tonnes_loss", "co2e_loss_t", "jobs_loss"):
        table[f"frozen_{column}"] = frozen[column].reindex(table.index)
    table = table.reset_index()
    topo = _topology(ctx)
    table = table.merge(topo, on=["kind", "element_id"], how="left")
    table[["degree", "betweenness"]] = table[["degree", "betweenness"]].fillna(0.0)
    # an element on no flowing exchange loses nothing when it goes
    table["diversity_index"] = table["diversity_index"].fillna(1.0)
    by_kind = table.groupby("kind")
    for column, rank in (
        ("frozen_loss", "rank_frozen"),
        ("rewired_loss", "rank_rewired"),
        ("degree", "rank_degree"),
        ("betweenness", "rank_betweenness"),
    ):
        table[rank] = by_kind[column].rank(ascending=False, method="min")
    # the lowest diversity-based resilience is the most critical
    table["rank_diversity"] = by_kind["diversity_index"].rank(ascending=True, method="min")
    table["rank_gap"] = table["rank_betweenness"] - table["rank_frozen"]
    return table.sort_values(["kind", "rank_frozen", "element_id"], kind="stable").reset_index(
        drop=True
    )


def outage_analysis(
    network: Network,
    candidates: pd.DataFrame,
    design: DesignSolution,
    settings: DesignSettings | None = None,
    *,
    elements: Sequence[Element] | None = None,
    scenarios: Sequence[Sequence[Element]] | None = None,
    max_pairs: int = 0,
    rewired: bool = True,
    dependencies: pd.DataFrame | None = None,
    cascade: CascadeRule | None = None,
    executor: Executor | None = None,
    progress: Progress | None = None,
) -> OutageAnalysis:
    """Outages of ``design`` (from ``design_network(network, candidates, settings)``).

    ``elements`` (default :func:`design_elements`: every organisation, facility and flowing
    exchange) each drop out alone (N-1); ``max_pairs`` > 0 adds, per kind, that many pairs
    (N-2), the ones whose two N-1 frozen losses add up to most (a screening bound: the pair
    may lose less when the two share exchanges, more when a cascade joins them). Extra
    ``scenarios`` (lists of elements that drop out together) are run as given. ``rewired``
    also re-optimises each outage (one task per outage on ``executor``, in process by
    default); ``settings`` default the design's. ``dependencies`` (supply_id, demand_id)
    drive the cascades (see :func:`dependency_rule`); ``cascade`` replaces that rule by
    another (e.g. one built from plant processes: inputs lost -> outputs lost). Money in currency/yr, see
    :class:`OutageAnalysis`.
    """
    import time

    t0 = time.perf_counter()
    ctx = _context(network, candidates, design, settings, dependencies, cascade)
    singles = list(elements) if elements is not None else design_elements(network, design)
    runner = executor or InProcess()
    timings: dict[str, float] = {}

    def run(batch: Sequence[Sequence[Element]], order: int | None) -> list[_Row]:
        out: list[_Row] = []
        tasks: list[tuple[Network, pd.DataFrame, DesignSettings]] = []
        slots: list[tuple[Sequence[Element], int | None, int, int | None]] = []
        for sc in batch:
            total, part, fail = _frozen_rows(ctx, sc)
            out.append((sc, order, total, part, fail))
            if rewired:
                removed, k = _removed(ctx, sc)
                touched = set(ctx.candidates.loc[removed, "candidate_id"]) & set(
                    ctx.flows["candidate_id"]
                )
                if touched:
                    remaining = sunk_candidates(
                        ctx.candidates[~removed], ctx.flows.loc[ctx.flows["built"], "candidate_id"]
                    )
                    slots.append((sc, order, k, len(tasks)))
                    tasks.append((network, remaining.reset_index(drop=True), ctx.settings))
                else:
                    slots.append((sc, order, k, None))
        solved = (
            runner.map(
                _rewire_task,
                tasks,
                keys=[f"rewire-{i}" for i in range(len(tasks))],
                progress=progress,
            )
            if tasks
            else []
        )
        rows: list[_Row] = list(out)
        for sc, order_, k, slot in slots:
            total, part, fail = _rewired_rows(ctx, sc, None if slot is None else solved[slot], k)
            rows.append((sc, order_, total, part, fail))
        return rows

    results = run([[e] for e in singles], 1)
    timings["n_minus_1_s"] = time.perf_counter() - t0

    def table(rows: list[_Row]) -> pd.DataFrame:
        return pd.DataFrame(
            [
                {
                    "scenario": _name(sc),
                    "order": order if order is not None else len(sc),
                    "kind": sc[0][0] if len(sc) == 1 else "+".join(k for k, _ in sc),
                    "element_id": sc[0][1] if len(sc) == 1 else " + ".join(i for _, i in sc),
                    **total,
                }
                for sc, order, total, _, _ in rows
            ]
        )

    losses = table(results)
    extra: list[Sequence[Element]] = []
    if max_pairs > 0:
        extra.extend([list(p) for p in _pairs(losses, singles, max_pairs)])
    extra.extend(list(s) for s in scenarios or [])
    if extra:
        t1 = time.perf_counter()
        results += run(extra, None)
        timings["n_minus_2_s"] = time.perf_counter() - t1
        losses = table(results)
    if not results:
        raise InputError("no outage to run: give at least one element or scenario")
    participants = pd.concat([r[3] for r in results], ignore_index=True)
    failures = pd.concat([r[4] for r in results], ignore_index=True)
    failures = failures[list(FAILURE_COLUMNS)]
    criticality = _criticality(ctx, losses)
    timings["outages_s"] = time.perf_counter() - t0
    return OutageAnalysis(
        losses=losses,
        participants=participants,
        failures=failures,
        criticality=criticality,
        design_net_benefit=float(design.net_benefit),
        timings=timings,
    )


def partial_outage(
    network: Network,
    candidates: pd.DataFrame,
    design: DesignSolution,
    elements: Sequence[Element],
    availability: float,
    months: float = 12.0,
    settings: DesignSettings | None = None,
) -> pd.DataFrame:
    """A partial outage: ``elements`` run at ``availability`` (0..1) of their capacity for
    ``months`` of the year. Over the year every flow touching them loses the share
    s = (1 - availability) x months / 12. Frozen: those flows carry (1 - s) of their design
    flow (their capex still paid). Rewired: re-optimised with those candidates capped at
    (1 - s) of their largest flow and built links sunk, so the survivors may take up the
    slack; the year is taken as one average (exact for the design's linear flows, since the
    links are already paid for). Returns two rows (frozen, rewired): net_benefit_loss
    (currency/yr), tonnes_loss and co2e_loss_t (t/yr), lost_share."""
    if not 0.0 <= availability <= 1.0 or not 0.0 <= months <= 12.0:
        raise InputError("availability must lie in [0, 1] and months in [0, 12]")
    share = (1.0 - availability) * months / 12.0
    ctx = _context(network, candidates, design, settings, None)
    flows = ctx.flows
    hit = _touching(flows, elements).astype(float) * share
    variable = (flows["net_benefit"] - flows["fixed_cost"]).to_numpy(dtype=float)
    frozen = {
        "reading": "frozen",
        "net_benefit_loss": float((variable * hit).sum()),
        "tonnes_loss": float((flows["tonnes"].to_numpy() * hit).sum()),
        "co2e_loss_t": float((flows["co2e_t"].to_numpy(dtype=float) * hit).sum()),
    }
    capped = sunk_candidates(ctx.candidates, flows.loc[flows["built"], "candidate_id"])
    touch = _touching(capped, elements)
    capped.loc[touch, "max_flow"] = capped.loc[touch, "max_flow"].to_numpy(dtype=float) * (
        1.0 - share
    )
    solution = design_network(network, capped, ctx.settings)
    after = solution.flows
    tonnes_after = float(after.loc[after["unit"] == "t/yr", "flow"].sum())
    rewired = {
        "reading": "rewired",
        "net_benefit_loss": float(design.net_benefit - (solution.net_benefit + ctx.sunk_total)),
        "tonnes_loss": float(flows["tonnes"].sum()) - tonnes_after,
        "co2e_loss_t": float(design.co2e_avoided_t - solution.co2e_avoided_t),
    }
    table = pd.DataFrame([frozen, rewired])
    table.insert(0, "scenario", _name(elements))
    table["lost_share"] = share
    return table
