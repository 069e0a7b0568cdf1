"""Our indicators side by side with the figures a network's publications report."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from symbiograph.assess._assessment import Assessment
from symbiograph.model import Network, exchange_rates

__all__ = [
    "AGREEMENT",
    "COMPARE_COLUMNS",
    "PUBLISHED_INDICATORS",
    "compare_with_published",
]

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
    "explanation",
]

#: A gap within this share of the published value counts as agreement.
AGREEMENT = 0.15


def _scope_mask(table: pd.DataFrame, ids: set[str], columns: Iterable[str]) -> np.ndarray:
    hit = np.zeros(len(table), dtype=bool)
    for col in columns:
        if col in table.columns:
            hit |= table[col].astype(str).isin(ids).to_numpy()
    return hit


def _with_places(exchanges: pd.DataFrame, network: Network) -> pd.DataFrame:
    """Exchanges (design or documented) with the facility, organisation and resource of
    their supply and demand streams."""
    streams = network.streams.set_index("id")
    owner = network.facilities.set_index("id")["organisation"]
    out = exchanges.copy()
    for side in ("supply", "demand"):
        facility = out[f"{side}_id"].map(streams["facility_id"])
        out[f"{side}_facility"] = facility
        if f"{side}_organisation" not in out.columns:
            out[f"{side}_organisation"] = facility.map(owner)
        if f"{side}_resource" not in out.columns:
            out[f"{side}_resource"] = out[f"{side}_id"].map(streams["resource_id"])
    return out


_SCOPE_COLUMNS = (
    "candidate_id",
    "id",
    "supply_id",
    "demand_id",
    "supply_facility",
    "demand_facility",
    "supply_organisation",
    "demand_organisation",
    "supply_resource",
    "demand_resource",
)


def _explain(
    comparable: bool,
    gap: float,
    documented: pd.DataFrame,
    designed: pd.DataFrame,
    note: str,
) -> str:
    """Why ours and the published figure differ, from the data: how far apart they are,
    which documented exchanges in the figure's scope the design carries or leaves out, what
    it adds, and the dataset's own caveat."""
    parts: list[str] = []
    if comparable and np.isfinite(gap):
        if abs(gap - 1.0) <= AGREEMENT:
            parts.append(f"agrees within {AGREEMENT:.0%} (ours {gap:.0%} of published)")
        else:
            parts.append(f"ours is {gap:.0%} of published")
    if len(documented):
        pair = designed["supply_id"].astype(str) + "\x00" + designed["demand_id"].astype(str)
        carried_pairs = set(pair[designed["flow"].to_numpy() > 0])
        key = documented["supply_id"].astype(str) + "\x00" + documented["demand_id"].astype(str)
        carried = key.isin(carried_pairs).to_numpy()
        parts.append(
            f"the design carries {int(carried.sum())} of the {len(documented)} documented "
            "exchanges in this scope"
        )
        left = documented["id"].astype(str)[~carried].tolist()
        if left:
            shown = ", ".join(left[:5]) + (f" and {len(left) - 5} more" if len(left) > 5 else "")
            parts.append(f"leaves out {shown} (see the documented review)")
        added = len(carried_pairs - set(key))
        if added:
            parts.append(f"adds {int(added)} exchanges not documented")
    if note:
        parts.append(f"dataset: {note}")
    return "; ".join(parts)


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
    unit), comparable (units agree), note (why a row cannot be compared), explanation (how
    far apart, which documented exchanges in scope the design carries and leaves out, what
    it adds, and the dataset's caveat). Published
    indicators are matched by name (``PUBLISHED_INDICATORS``; ``<resource>_replaced`` and the
    like compare the exchanges of that resource). A figure's ``covers`` (or ``scopes``, a
    mapping figure id -> ids, which overrides it) names the streams, facilities,
    organisations or resources whose exchanges it covers (default: the whole design).
    ``currency_rates`` (over the scenario's ``exchange_rates`` parameter) maps a published
    currency (e.g. "DKK") to units of the scenario currency per unit of it.
    """
    figures = network.published_figures.reset_index(drop=True)
    exchanges = _with_places(assessment.exchanges, network)
    documented_all = network.exchanges
    if "status" in documented_all.columns:
        documented_all = documented_all[documented_all["status"] == "existing"]
    documented_all = _with_places(documented_all.reset_index(drop=True), network)
    totals = assessment.totals
    units = assessment.summary.set_index("indicator")["unit"]
    currency = str(assessment.parameters.get("currency", "EUR"))
    rates = exchange_rates(str(network.parameters.get("exchange_rates", "") or ""))
    rates.update({str(k).upper(): float(v) for k, v in (currency_rates or {}).items()})
    resource_units = network.resources.set_index("id")["unit"].astype(str)
    resources = set(resource_units.index.astype(str))
    scope_map = {
        str(fid): set(str(covers).split())
        for fid, covers in zip(
            figures["id"], figures.get("covers", pd.Series("", index=figures.index)), strict=True
        )
        if str(covers or "").strip() and str(covers) != "nan"
    }
    scope_map.update({str(k): {str(x) for x in v} for k, v in (scopes or {}).items()})
    rows = []
    for fig in figures.itertuples(index=False):
        indicator = str(fig.indicator)
        published = float(fig.value)
        unit = str(fig.unit)
        notes: list[str] = []
        resource = _resource_indicator(indicator, resources)
        ours, our_unit, ours_name = np.nan, "", ""
        chosen = exchanges
        documented = documented_all
        if str(fig.id) in scope_map:
            ids = scope_map[str(fig.id)]
            chosen = exchanges[_scope_mask(exchanges, ids, _SCOPE_COLUMNS)]
            documented = documented_all[_scope_mask(documented_all, ids, _SCOPE_COLUMNS)]
            notes.append(f"ours on {len(chosen)} exchanges in the given scope")
        if resource is not None:
            documented = documented[
                (documented["supply_resource"] == resource)
                | (documented["demand_resource"] == resource)
            ]
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
                "explanation": _explain(
                    comparable,
                    gap,
                    documented,
                    chosen,
                    "" if pd.isna(fig.note) else str(fig.note),
                ),
            }
        )
    out = pd.DataFrame(rows, columns=COMPARE_COLUMNS)
    out["year"] = out["year"].astype("Int64")
    return out
