"""Outcome figures of exchanges as national symbiosis programmes report them: tonnes diverted
from landfill, t CO2e avoided, virgin material and water saved, energy recovered, money and
jobs, per exchange (one definition, used by :func:`assess_design` and by the deal pipeline
for a synergy taken from a candidate)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from symbiograph.assess._jobs import DEFAULT_REUSE_ACTIVITY, employment_ratios, job_lines
from symbiograph.errors import InputError
from symbiograph.match import annuity_factor
from symbiograph.model import Network

__all__ = ["OUTCOME_COLUMNS", "candidate_outcomes", "physical_outcomes"]

#: Columns of :func:`candidate_outcomes`, after candidate_id (per year; capex in currency).
OUTCOME_COLUMNS = (
    "flow",
    "net_benefit",
    "capex",
    "co2e_avoided_t",
    "landfill_diverted_t",
    "virgin_material_avoided_t",
    "water_saved_m3",
    "energy_recovered_mwh",
    "jobs",
)


def physical_outcomes(
    kind: np.ndarray, flow: np.ndarray, candidates: pd.DataFrame
) -> dict[str, np.ndarray]:
    """The physical figures of exchanges of resource ``kind`` carrying ``flow`` (units/yr)
    over the aligned ``candidates`` rows: co2e_avoided_t (t/yr), material_supplied_t,
    landfill_diverted_t, virgin_material_avoided_t (t/yr), water_saved_m3 (m3/yr) and
    energy_recovered_mwh (MWh/yr delivered, after the demand units per unit sent)."""
    demand_units = flow * candidates["demand_units_per_unit"].to_numpy(dtype=float)
    material = kind == "material"
    return {
        "co2e_avoided_t": flow * candidates["co2e_t_per_unit"].to_numpy(dtype=float),
        "material_supplied_t": np.where(material, flow, 0.0),
        "landfill_diverted_t": np.where(
            material & candidates["landfill_diverted"].to_numpy(dtype=bool), flow, 0.0
        ),
        "virgin_material_avoided_t": np.where(material, demand_units, 0.0),
        "water_saved_m3": np.where(kind == "water", demand_units, 0.0),
        "energy_recovered_mwh": np.where(kind == "energy", demand_units, 0.0),
    }


def candidate_outcomes(
    network: Network,
    candidates: pd.DataFrame,
    flow: np.ndarray | None = None,
    *,
    reuse_activity: str = DEFAULT_REUSE_ACTIVITY,
) -> pd.DataFrame:
    """The outcome figures of each candidate (``match``'s table) if it ran at ``flow``
    (units/yr per row; default its largest flow ``max_flow``): candidate_id, then
    :data:`OUTCOME_COLUMNS`: net_benefit = flow x net benefit per unit - fixed cost per year
    (currency/yr), capex = annualised capex / the annuity factor (currency), the physical
    figures of :func:`physical_outcomes` and jobs (FTE, net of the disposal jobs displaced,
    from the shipped employment ratios)."""
    if flow is None:
        flow = candidates["max_flow"].to_numpy(dtype=float)
    flow = np.asarray(flow, dtype=float)
    if flow.shape != (len(candidates),) or not np.isfinite(flow).all() or (flow < 0).any():
        raise InputError(f"flow needs one finite value >= 0 per candidate ({len(candidates)})")
    rate = float(network.parameters.get("discount_rate", 0.0))
    years = float(network.parameters.get("lifetime_years", 20.0))
    kind = candidates["kind"].to_numpy(dtype=object)
    out = pd.DataFrame({"candidate_id": candidates["candidate_id"].to_numpy(dtype=object)})
    out["flow"] = flow
    out["net_benefit"] = flow * candidates["net_benefit_per_unit"].to_numpy(
        dtype=float
    ) - candidates["fixed_cost_per_yr"].to_numpy(dtype=float)
    out["capex"] = candidates["capex_per_yr"].to_numpy(dtype=float) / annuity_factor(rate, years)
    for name, values in physical_outcomes(kind, flow, candidates).items():
        if name in OUTCOME_COLUMNS:
            out[name] = values
    exchanges = pd.DataFrame(
        {
            "candidate_id": out["candidate_id"],
            "supply_id": candidates["supply_id"].to_numpy(dtype=object),
            "demand_id": candidates["demand_id"].to_numpy(dtype=object),
            "supply_organisation": candidates["supply_organisation"].to_numpy(dtype=object),
            "demand_organisation": candidates["demand_organisation"].to_numpy(dtype=object),
            "supply_resource": candidates["supply_resource"].to_numpy(dtype=object),
            "kind": kind,
            "flow": flow,
        }
    )
    route = network.streams.set_index("id")["disposal_route"]
    jobs = job_lines(exchanges, route, employment_ratios(), reuse_activity=reuse_activity)
    per = jobs.groupby("candidate_id")["jobs"].sum()
    out["jobs"] = out["candidate_id"].map(per).fillna(0.0).to_numpy(dtype=float)
    return out[["candidate_id", *OUTCOME_COLUMNS]]
