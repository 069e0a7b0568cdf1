"""Economic, environmental and social indicators of a designed network, per participant and in
total, every figure traceable to the candidate table, the solution and the reference tables.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from symbiograph.assess._co2e import co2e_lines, transport_factors
from symbiograph.assess._jobs import DEFAULT_REUSE_ACTIVITY, employment_ratios, job_lines
from symbiograph.assess._outcomes import physical_outcomes
from symbiograph.errors import InputError
from symbiograph.match import annuity_factor, knowledge_base
from symbiograph.model import Network, output_columns
from symbiograph.optimize import (
    GIVER_TERMS,
    PROCESS_TERMS,
    TAKER_TERMS,
    TERMS,
    DesignSolution,
)

__all__ = [
    "EXCHANGE_COLUMNS",
    "GIVER_TERMS",
    "MONEY_TERMS",
    "TAKER_TERMS",
    "Assessment",
    "assess_design",
]

#: The columns of ``Assessment.exchanges``, in order: the schema's ``exchange_assessment``
#: output rows.
EXCHANGE_COLUMNS = output_columns("exchange_assessment")

#: Money terms of the objective (currency/yr), in the order of ``DesignSolution.objective``,
#: and who keeps which at zero transfer price: one definition, in the design stage.
MONEY_TERMS = TERMS
#: Name of the participant row that carries shared corridor costs (no single owner).
CORRIDORS = "(shared corridors)"

_PHYSICAL = (
    "co2e_avoided_t",
    "material_supplied_t",
    "landfill_diverted_t",
    "virgin_material_avoided_t",
    "water_saved_m3",
    "energy_recovered_mwh",
    "jobs",
)


@dataclass
class Assessment:
    """What a design earns and saves, as tables.

    ``exchanges``: one row per exchange that carries flow or was built (candidate_id, ids,
    organisations, resources, kind, unit, flow, the money terms in currency/yr, net_benefit,
    capex (currency, after any grant), co2e_avoided_t (t/yr), material_supplied_t,
    landfill_diverted_t, virgin_material_avoided_t (t/yr), water_saved_m3 (m3/yr),
    energy_recovered_mwh (MWh/yr delivered) and jobs (FTE, net)).
    ``participants``: the same money and physical columns summed per organisation, with npv
    (currency over the lifetime) and payback_years; the split follows the solution: the giver
    keeps avoided disposal, landfill tax, subsidy and pays treatment (and is credited with
    material supplied and landfill diverted), the taker keeps avoided virgin purchase and
    pays transport (and is credited with virgin material, water and energy), carbon value,
    fixed cost, CO2e and jobs are shared half and half.
    ``summary``: indicator, value, unit, note: the totals.
    ``co2e_lines``: CO2e avoided per exchange and component with factor id and source.
    ``jobs``: jobs per exchange and activity with the employment ratio's source.
    ``parameters``: currency, discount_rate, lifetime_years, annuity_factor.
    """

    exchanges: pd.DataFrame
    participants: pd.DataFrame
    summary: pd.DataFrame
    co2e_lines: pd.DataFrame
    jobs: pd.DataFrame
    parameters: dict[str, Any] = field(default_factory=dict)

    @property
    def totals(self) -> pd.Series:
        """The summary as a Series: value by indicator (units in ``summary``)."""
        return self.summary.set_index("indicator")["value"]


def _aligned_candidates(candidates: pd.DataFrame, ids: pd.Series) -> pd.DataFrame:
    """The candidate rows of ``ids`` in order; an unknown or repeated id is an error."""
    table = candidates.set_index("candidate_id", drop=False)
    if table.index.has_duplicates:
        dup = sorted(set(table.index[table.index.duplicated()]))[:5]
        raise ValueError(f"candidate ids are not unique: {dup}")
    missing = sorted(set(ids) - set(table.index))
    if missing:
        raise KeyError(f"solution flows name candidates not in the table: {missing[:5]}")
    return table.loc[ids.to_numpy()]


def _npv_and_payback(
    net_benefit: np.ndarray, fixed_paid: np.ndarray, annuity: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(capex, npv, simple payback years) from annual net benefit and annualised capex."""
    capex = fixed_paid / annuity + 0.0  # no -0.0
    # the annual net benefit already pays the annuity on capex: NPV = net benefit / annuity
    npv = net_benefit / annuity
    operating = net_benefit + fixed_paid
    with np.errstate(divide="ignore", invalid="ignore"):
        payback = np.where(capex <= 0, 0.0, np.where(operating > 0, capex / operating, np.inf))
    return capex, npv, payback


def assess_design(
    network: Network,
    candidates: pd.DataFrame,
    solution: DesignSolution,
    *,
    archetypes: pd.DataFrame | None = None,
    factors: pd.DataFrame | None = None,
    reuse_activity: str = DEFAULT_REUSE_ACTIVITY,
    activities: Mapping[str, str] | None = None,
) -> Assessment:
    """Assess ``solution`` (from ``design_network(network, candidates)``).

    Money (currency/yr) per exchange and term is read from the solution's flow table and
    split between giver and taker as the solution splits it (``solution.shares``), so its
    total equals ``solution.objective`` term by term (shared corridor costs, which have no
    single owner, get their own participant row). Capex is the
    annualised fixed cost divided by the annuity factor at the scenario's discount rate and
    lifetime; NPV = net benefit / annuity factor; simple payback = capex / (net benefit +
    annualised capex). CO2e (t/yr) is rebuilt from the emission factors (``factors``,
    default the shipped table) and ``archetypes`` (default the shipped table with the
    scenario's own archetypes applied, as matching uses them). Jobs use the
    shipped employment ratios: ``reuse_activity`` for the tonnes exchanged (or
    ``activities[supply resource id]``), less landfill or incineration jobs displaced.
    """
    from symbiograph.taxonomy import emission_factors, transport_mode_defaults

    params = dict(solution.parameters)
    rate = float(params.get("discount_rate", network.parameters.get("discount_rate", 0.0)))
    years = float(params.get("lifetime_years", network.parameters.get("lifetime_years", 20.0)))
    annuity = annuity_factor(rate, years)
    currency = str(params.get("currency", network.parameters.get("currency", "EUR")))
    flows = solution.flows.reset_index(drop=True)
    missing = [t for t in MONEY_TERMS if t not in flows.columns]
    if missing:
        raise InputError(f"solution flows lack the money terms {missing}: not a design's flows")
    cand = _aligned_candidates(candidates, flows["candidate_id"])
    flow = flows["flow"].to_numpy(dtype=float)
    money = flows[list(MONEY_TERMS)]
    # what each exchange pays for its own link (zero in a corridor)
    fixed_paid = -flows["fixed_cost"].to_numpy(dtype=float) + 0.0
    corridor_cost = -float(solution.objective.get("fixed_cost", 0.0)) - float(fixed_paid.sum())
    if abs(corridor_cost) <= 1e-6 * max(1.0, float(np.abs(fixed_paid).sum())):
        corridor_cost = 0.0

    kind = flows["kind"].to_numpy(dtype=object)
    exchanges = pd.DataFrame(
        {
            "candidate_id": flows["candidate_id"].to_numpy(dtype=object),
            "supply_id": flows["supply_id"].to_numpy(dtype=object),
            "demand_id": flows["demand_id"].to_numpy(dtype=object),
            "supply_organisation": flows["supply_organisation"].to_numpy(dtype=object),
            "demand_organisation": flows["demand_organisation"].to_numpy(dtype=object),
            "supply_resource": cand["supply_resource"].to_numpy(dtype=object),
            "demand_resource": cand["demand_resource"].to_numpy(dtype=object),
            "kind": kind,
            "unit": flows["unit"].to_numpy(dtype=object),
            "mode": flows["mode"].to_numpy(dtype=object),
            "route_km": flows["route_km"].to_numpy(dtype=float),
            "link_status": (
                flows["link_status"].to_numpy(dtype=object)
                if "link_status" in flows.columns
                else np.full(len(flows), "new", dtype=object)
            ),
            "exchange_id": (
                flows["exchange_id"].to_numpy(dtype=object)
                if "exchange_id" in flows.columns
                else np.full(len(flows), None, dtype=object)
            ),
            "flow": flow,
            "built": flows["built"].to_numpy(dtype=bool),
        }
    )
    for term in MONEY_TERMS:
        exchanges[term] = money[term].to_numpy(dtype=float)
    exchanges["net_benefit"] = exchanges[list(MONEY_TERMS)].sum(axis=1)
    exchanges["capex"] = fixed_paid / annuity + 0.0
    for name, values in physical_outcomes(kind, flow, cand).items():
        exchanges[name] = values
    active = (flow > 0) | exchanges["built"].to_numpy() | (fixed_paid != 0)
    exchanges = exchanges[active].reset_index(drop=True)
    cand_active = cand[active]

    route = network.streams.set_index("id")["disposal_route"]
    jobs = job_lines(
        exchanges,
        route,
        employment_ratios(),
        reuse_activity=reuse_activity,
        activities=activities,
    )
    per_exchange_jobs = jobs.groupby("candidate_id")["jobs"].sum()
    exchanges["jobs"] = exchanges["candidate_id"].map(per_exchange_jobs).fillna(0.0).to_numpy()

    lines = co2e_lines(
        exchanges,
        cand_active,
        factors if factors is not None else emission_factors(),
        archetypes if archetypes is not None else knowledge_base(network),
        transport_factors(network, transport_mode_defaults()),
    )

    lines, process_co2e = _through_processes(network, solution, lines)

    shares = solution.shares
    shares = shares[shares["candidate_id"].isin(set(exchanges["candidate_id"]))]
    participants = _with_processes(
        _participants(exchanges, shares, corridor_cost, annuity), solution, annuity
    )
    summary = _summary(
        exchanges, participants, jobs, currency, annuity, corridor_cost, process_co2e
    )
    return Assessment(
        exchanges=exchanges,
        participants=participants,
        summary=summary,
        co2e_lines=lines,
        jobs=jobs,
        parameters={
            "currency": currency,
            "discount_rate": rate,
            "lifetime_years": years,
            "annuity_factor": annuity,
        },
    )


def _participants(
    exchanges: pd.DataFrame, shares: pd.DataFrame, corridor_cost: float, annuity: float
) -> pd.DataFrame:
    """Money (the solution's ``shares``, giver and taker rows per exchange) and physical
    indicators per organisation (see ``Assessment``)."""
    columns = [*MONEY_TERMS, *_PHYSICAL]
    giver = pd.DataFrame(0.0, index=exchanges.index, columns=columns)
    taker = pd.DataFrame(0.0, index=exchanges.index, columns=columns)
    for side, table in (("giver", giver), ("taker", taker)):
        mine = shares[shares["side"] == side].set_index("candidate_id")
        for term in MONEY_TERMS:
            table[term] = mine[term].reindex(exchanges["candidate_id"]).to_numpy(dtype=float)
    for shared in ("co2e_avoided_t", "jobs"):
        giver[shared] = exchanges[shared] / 2
        taker[shared] = exchanges[shared] / 2
    for col in ("material_supplied_t", "landfill_diverted_t"):
        giver[col] = exchanges[col]
    for col in ("virgin_material_avoided_t", "water_saved_m3", "energy_recovered_mwh"):
        taker[col] = exchanges[col]
    giver["organisation"] = exchanges["supply_organisation"].to_numpy(dtype=object)
    taker["organisation"] = exchanges["demand_organisation"].to_numpy(dtype=object)
    parts = [giver, taker]
    if corridor_cost:
        row = pd.DataFrame(0.0, index=[0], columns=columns)
        row["fixed_cost"] = -corridor_cost
        row["organisation"] = CORRIDORS
        parts.append(row)
    table = pd.concat(parts, ignore_index=True).groupby("organisation", sort=True)[columns].sum()
    table.insert(len(MONEY_TERMS), "net_benefit", table[list(MONEY_TERMS)].sum(axis=1))
    capex, npv, payback = _npv_and_payback(
        table["net_benefit"].to_numpy(), -table["fixed_cost"].to_numpy(), annuity
    )
    table.insert(len(MONEY_TERMS) + 1, "capex", capex)
    table.insert(len(MONEY_TERMS) + 2, "npv", npv)
    table.insert(len(MONEY_TERMS) + 3, "payback_years", payback)
    return table.reset_index()


#: What each process term of the summary is.
_PROCESS_NOTES = {
    "process_operating_cost": "running cost of plant processes (negative)",
    "process_capex": "annualised capex of processes built (negative)",
    "process_input_purchase": "inputs new processes use, at their market price (negative); "
    "exchanges into them earn it back as avoided virgin",
}


def _through_processes(
    network: Network, solution: DesignSolution, lines: pd.DataFrame
) -> tuple[pd.DataFrame, float]:
    """The CO2e lines corrected for processes, and the CO2e the processes emit (t/yr,
    negative: what they buy outside the park). A delivery into a process's input without a
    market price replaces no virgin purchase (the process's outputs do; matching leaves it
    out of the candidate's CO2e per unit), so its ``virgin_production`` line is dropped with
    the unreconciled remainder it leaves; each process's purchases add a
    ``process_purchases`` line. Unchanged without processes."""
    ports = network.process_ports
    if not len(ports) or not len(lines):
        return lines, 0.0
    price = network.streams.drop_duplicates("id").set_index("id")["price"]
    inputs = ports[ports["direction"] == "in"]["stream_id"]
    through = set(inputs[price.reindex(inputs).isna().to_numpy()])
    virgin = (lines["component"] == "virgin_production") & lines["demand_id"].isin(through)
    if virgin.any():
        # matching leaves the virgin part out of such a candidate's CO2e per unit, so the
        # factors' virgin line comes back as an unreconciled remainder: drop both
        removed = lines[virgin].groupby("candidate_id")["t_per_yr"].sum()
        rest = (lines["component"] == "unreconciled").to_numpy()
        back = lines.loc[rest, "candidate_id"].map(removed).fillna(0.0).to_numpy(dtype=float)
        lines.loc[rest, "t_per_yr"] = lines.loc[rest, "t_per_yr"].to_numpy(dtype=float) + back
        tiny = 1e-9 * (1.0 + float(removed.abs().max()))
        gone = virgin.to_numpy() | (rest & (lines["t_per_yr"].abs().to_numpy() <= tiny))
        lines = lines[~gone].reset_index(drop=True)
    processes = solution.processes
    if processes.empty or "co2e_t" not in processes.columns:
        return lines, 0.0
    emitting = processes[processes["co2e_t"] > 0]
    if not len(emitting):
        return lines, 0.0
    extra = pd.DataFrame(
        {
            "candidate_id": "",
            "supply_id": emitting["process_id"].to_numpy(dtype=object),
            "demand_id": "",
            "supply_organisation": emitting["organisation"].to_numpy(dtype=object),
            "demand_organisation": emitting["organisation"].to_numpy(dtype=object),
            "component": "process_purchases",
            "flow": emitting["activity"].to_numpy(dtype=float),
            "unit": "",
            "quantity_per_unit": 1.0,
            "factor_id": "processes.co2e_t_per_unit",
            "factor_kg_per_unit": 1000.0
            * (emitting["co2e_t"] / emitting["activity"]).to_numpy(dtype=float),
            "t_per_yr": -emitting["co2e_t"].to_numpy(dtype=float),
            "source": "what the process buys outside the park (technology catalogue factors)",
            "year": np.nan,
        }
    )
    lines = pd.concat([lines, extra[list(lines.columns)]], ignore_index=True)
    return lines, -float(emitting["co2e_t"].sum())


def _with_processes(
    participants: pd.DataFrame, solution: DesignSolution, annuity: float
) -> pd.DataFrame:
    """``participants`` with the PROCESS_TERMS of the solution's processes (currency/yr,
    charged to each process's organisation) after the money terms, and net_benefit, capex,
    npv and payback_years counting them; unchanged when the design has no processes."""
    processes = solution.processes
    if processes.empty:
        return participants
    costs = (
        processes.groupby("organisation", sort=True)[
            [t.removeprefix("process_") for t in PROCESS_TERMS]
        ]
        .sum()
        .set_axis(list(PROCESS_TERMS), axis=1)
    )
    table = participants.set_index("organisation")
    table = table.reindex(table.index.union(costs.index)).fillna(0.0)
    at = table.columns.get_loc("net_benefit")
    assert isinstance(at, int)
    for k, term in enumerate(PROCESS_TERMS):
        table.insert(at + k, term, costs[term].reindex(table.index).fillna(0.0))
    table["net_benefit"] = table[[*MONEY_TERMS, *PROCESS_TERMS]].sum(axis=1)
    fixed = -table["fixed_cost"].to_numpy() - table["process_capex"].to_numpy()
    capex, npv, payback = _npv_and_payback(table["net_benefit"].to_numpy(), fixed, annuity)
    table["capex"], table["npv"], table["payback_years"] = capex, npv, payback
    if "co2e_t" in processes.columns and "co2e_avoided_t" in table.columns:
        emitted = processes.groupby("organisation", sort=True)["co2e_t"].sum()
        table["co2e_avoided_t"] = table["co2e_avoided_t"] - emitted.reindex(table.index).fillna(0.0)
    table.index.name = "organisation"
    return table.reset_index()


def _summary(
    exchanges: pd.DataFrame,
    participants: pd.DataFrame,
    jobs: pd.DataFrame,
    currency: str,
    annuity: float,
    corridor_cost: float,
    process_co2e: float = 0.0,
) -> pd.DataFrame:
    """Totals as indicator, value, unit, note (``process_co2e``: t/yr the processes emit
    through what they buy, negative)."""
    terms = [*MONEY_TERMS, *(t for t in PROCESS_TERMS if t in participants.columns)]
    money = {term: float(participants[term].sum()) for term in terms}
    net = float(sum(money.values()))
    capex, npv, payback = _npv_and_payback(
        np.array([net]), np.array([-money["fixed_cost"] - money.get("process_capex", 0.0)]), annuity
    )
    flowing = exchanges[exchanges["flow"] > 0]
    per_yr = f"{currency}/yr"
    rows: list[tuple[str, float, str, str]] = [
        ("exchanges", float(len(flowing)), "exchanges", "exchanges carrying flow"),
        (
            "participants",
            float(len(set(flowing["supply_organisation"]) | set(flowing["demand_organisation"]))),
            "organisations",
            "organisations giving or taking in an exchange",
        ),
        (
            "resources_shared",
            float(flowing["supply_resource"].nunique()),
            "resource types",
            "distinct supply resources exchanged",
        ),
        ("avoided_disposal", money["avoided_disposal"], per_yr, "savings on disposal"),
        ("landfill_tax_avoided", money["landfill_tax_avoided"], per_yr, "landfill tax saved"),
        ("subsidy", money["subsidy"], per_yr, "subsidy for material diverted"),
        ("avoided_virgin", money["avoided_virgin"], per_yr, "savings on virgin inputs"),
        ("transport", money["transport"], per_yr, "transport cost (negative)"),
        ("treatment", money["treatment"], per_yr, "pre-treatment cost (negative)"),
        ("carbon_value", money["carbon_value"], per_yr, "CO2e avoided at the carbon price"),
        (
            "fixed_cost",
            money["fixed_cost"],
            per_yr,
            "annualised capex (negative)"
            + (f", incl. {corridor_cost:.0f} for shared corridors" if corridor_cost else ""),
        ),
        (
            "operating_cost",
            money["operating_cost"],
            per_yr,
            "running cost of links built today, whose capital is sunk (negative)",
        ),
        *(
            (term, money[term], per_yr, _PROCESS_NOTES[term])
            for term in PROCESS_TERMS
            if term in money
        ),
        ("net_benefit", net, per_yr, "sum of the money terms; equals the solution's objective"),
        ("capex", float(capex[0]), currency, "investment: annualised capex / annuity factor"),
        ("npv", float(npv[0]), currency, "net present value over the lifetime"),
        ("payback_years", float(payback[0]), "yr", "capex / (net benefit + annualised capex)"),
        (
            "co2e_avoided",
            float(exchanges["co2e_avoided_t"].sum()) + process_co2e,
            "t/yr",
            "virgin production and disposal avoided less transport and treatment"
            + (" and what processes buy outside the park" if process_co2e else ""),
        ),
        (
            "materials_exchanged",
            float(exchanges["material_supplied_t"].sum()),
            "t/yr",
            "by-products handed over (materials only)",
        ),
        (
            "landfill_diverted",
            float(exchanges["landfill_diverted_t"].sum()),
            "t/yr",
            "material that went to landfill before",
        ),
        (
            "virgin_material_avoided",
            float(exchanges["virgin_material_avoided_t"].sum()),
            "t/yr",
            "virgin material inputs replaced",
        ),
        (
            "water_saved",
            float(exchanges["water_saved_m3"].sum()),
            "m3/yr",
            "water inputs replaced by water exchanges",
        ),
        (
            "energy_recovered",
            float(exchanges["energy_recovered_mwh"].sum()),
            "MWh/yr",
            "energy delivered by energy exchanges",
        ),
        (
            "jobs",
            float(jobs["jobs"].sum()),
            "FTE",
            "direct jobs, net of disposal jobs displaced; ratios from "
            + "; ".join(
                sorted({f"{s} ({y})" for s, y in zip(jobs["source"], jobs["year"], strict=True)})
            ),
        ),
    ]
    return pd.DataFrame(rows, columns=["indicator", "value", "unit", "note"])
