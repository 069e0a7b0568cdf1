"""Our indicators side by side with the figures a network's publications report."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from symbiograph.assess._assessment import Assessment
from symbiograph.model import Network

__all__ = ["COMPARE_COLUMNS", "PUBLISHED_INDICATORS", "compare_with_published"]

#: Published indicator name -> our summary indicator (None: nothing in the model to compare).
#: An indicator ``<resource>_replaced|_saved|_recycled|_exchanged`` whose prefix is a resource
#: id of the network is compared with the exchanges of that resource.
PUBLISHED_INDICATORS: dict[str, str | None] = {
    "co2e_avoided": "co2e_avoided",
    "co2_avoided": "co2e_avoided",
    "cost_savings_companies": "net_benefit",
    "cost_savings": "net_benefit",
    "net_benefit": "net_benefit",
    "socio_economic_value": None,
    "resources_shared": "resources_shared",
    "exchanges": "exchanges",
    "participants": "participants",
    "water_saved": "water_saved",
    "groundwater_saved": "water_saved",
    "residues_recycled": "materials_exchanged",
    "materials_exchanged": "materials_exchanged",
    "materials_and_energy_exchanged": "materials_exchanged",
    "landfill_diverted": "landfill_diverted",
    "virgin_material_avoided": "virgin_material_avoided",
    "energy_recovered": "energy_recovered",
    "energy_saved": "energy_recovered",
    "fuel_saved": "energy_recovered",
    "district_heat_from_waste_heat": "energy_recovered",
    "oil_saved": None,
    "jobs": "jobs",
}

_RESOURCE_SUFFIXES = ("_replaced", "_saved", "_recycled", "_exchanged", "_supplied")

#: Our indicator -> the exchange column it sums (for indicators computed on a scope).
_EXCHANGE_COLUMN = {
    "co2e_avoided": "co2e_avoided_t",
    "net_benefit": "net_benefit",
    "water_saved": "water_saved_m3",
    "materials_exchanged": "material_supplied_t",
    "landfill_diverted": "landfill_diverted_t",
    "virgin_material_avoided": "virgin_material_avoided_t",
    "energy_recovered": "energy_recovered_mwh",
    "jobs": "jobs",
}

COMPARE_COLUMNS = [
    "figure_id",
    "indicator",
    "our_indicator",
    "ours",
    "our_unit",
    "published",
    "unit",
    "year",
    "source_id",
    "scope",
    "gap",
    "difference",
    "comparable",
    "note",
]


def _per_yr_unit(unit: str) -> str:
    return unit.replace(" ", "")


def _resource_indicator(indicator: str, resources: set[str]) -> str | None:
    for suffix in _RESOURCE_SUFFIXES:
        if indicator.endswith(suffix) and indicator[: -len(suffix)] in resources:
            return indicator[: -len(suffix)]
    return None


def _resource_amount(exchanges: pd.DataFrame, resource: str) -> float:
    """What the exchanges of ``resource`` replace (demand side) or supply, in its unit/yr."""
    as_demand = exchanges["demand_resource"] == resource
    as_supply = exchanges["supply_resource"] == resource
    demand_units = (
        exchanges["virgin_material_avoided_t"]
        + exchanges["water_saved_m3"]
        + exchanges["energy_recovered_mwh"]
    )
    return float(demand_units[as_demand].sum() + exchanges["flow"][as_supply & ~as_demand].sum())


def compare_with_published(
    network: Network,
    assessment: Assessment,
    scopes: Mapping[str, Iterable[str]] | None = None,
    currency_rates: Mapping[str, float] | None = None,
) -> pd.DataFrame:
    """One row per published figure of ``network`` with our value beside it.

    Columns: figure_id, indicator, our_indicator, ours, our_unit, published, unit, year,
    source_id, scope, gap (ours / published), difference (ours - published, in the published
    unit), comparable (units agree), note (why a row cannot be compared). Published
    indicators are matched by name (``PUBLISHED_INDICATORS``; ``<resource>_replaced`` and the
    like compare the exchanges of that resource). ``scopes`` maps a figure id to the stream,
    facility... or organisation ids whose exchanges it covers (default: the whole design).
    ``currency_rates`` maps a published currency (e.g. "DKK") to units of the scenario
    currency per unit of it, so money can be compared.
    """
    figures = network.published_figures.reset_index(drop=True)
    exchanges = assessment.exchanges
    totals = assessment.totals
    units = assessment.summary.set_index("indicator")["unit"]
    currency = str(assessment.parameters.get("currency", "EUR"))
    rates = {str(k): float(v) for k, v in (currency_rates or {}).items()}
    resource_units = network.resources.set_index("id")["unit"].astype(str)
    resources = set(resource_units.index.astype(str))
    scope_map = {str(k): {str(x) for x in v} for k, v in (scopes or {}).items()}
    rows = []
    for fig in figures.itertuples(index=False):
        indicator = str(fig.indicator)
        published = float(fig.value)
        unit = str(fig.unit)
        notes: list[str] = []
        resource = _resource_indicator(indicator, resources)
        ours, our_unit, ours_name = np.nan, "", ""
        chosen = exchanges
        if str(fig.id) in scope_map:
            ids = scope_map[str(fig.id)]
            hit = np.zeros(len(exchanges), dtype=bool)
            for col in (
                "candidate_id",
                "supply_id",
                "demand_id",
                "supply_organisation",
                "demand_organisation",
            ):
                hit |= exchanges[col].astype(str).isin(ids).to_numpy()
            chosen = exchanges[hit]
            notes.append(f"ours on {len(chosen)} exchanges in the given scope")
        if resource is not None:
            ours_name = f"{resource} exchanged"
            ours = _resource_amount(chosen[chosen["flow"] > 0], resource)
            our_unit = str(resource_units[resource])
        elif indicator in PUBLISHED_INDICATORS:
            target = PUBLISHED_INDICATORS[indicator]
            if target is None:
                notes.append("no counterpart in the model")
            else:
                ours_name, our_unit = target, str(units[target])
                if chosen is exchanges:
                    ours = float(totals[target])
                elif target in _EXCHANGE_COLUMN:
                    ours = float(chosen[_EXCHANGE_COLUMN[target]].sum())
                else:
                    notes.append("indicator not available on a scope")
        else:
            notes.append("indicator not known to symbiograph.assess")
        value = ours
        comparable = bool(our_unit) and _per_yr_unit(our_unit) == _per_yr_unit(unit)
        if not comparable and our_unit == f"{currency}/yr" and unit.endswith("/yr"):
            their = unit[: -len("/yr")]
            if their in rates:
                value, comparable = ours / rates[their], True
                notes.append(f"ours converted at {rates[their]:g} {currency}/{their}")
        if our_unit and not comparable:
            notes.append(f"units differ ({our_unit} vs {unit})")
        if indicator == "materials_and_energy_exchanged" and not np.isnan(ours):
            notes.append("ours: materials only; energy in MWh/yr not in tonnes")
        gap = value / published if comparable and published else np.nan
        rows.append(
            {
                "figure_id": str(fig.id),
                "indicator": indicator,
                "our_indicator": ours_name,
                "ours": ours,
                "our_unit": our_unit,
                "published": published,
                "unit": unit,
                "year": fig.year,
                "source_id": str(fig.source_id),
                "scope": str(fig.scope),
                "gap": gap,
                "difference": value - published if comparable else np.nan,
                "comparable": comparable,
                "note": "; ".join(notes),
            }
        )
    out = pd.DataFrame(rows, columns=COMPARE_COLUMNS)
    out["year"] = out["year"].astype("Int64")
    return out
