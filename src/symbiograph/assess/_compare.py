"""Our indicators side by side with the figures a network's publications report."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

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
    "ours_today",
    "ours_added",
    "ours_that_year",
    "circular",
    "running_that_year",
    "contributions",
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
    *,
    today_gap: float = np.nan,
    year_gap: float = np.nan,
    unvalued: tuple[str, ...] = (),
    ran: pd.DataFrame | None = None,
    year: Any = None,
    known_pairs: set[str] | None = None,
) -> str:
    """Why ours and the published figure differ, from the data: how far apart they are (the
    design's and today's network's), which documented exchanges in the figure's scope ran in
    its year, which the design carries or leaves out (with their documented quantities),
    what it adds, and the dataset's own caveat."""
    parts: list[str] = []
    if comparable and np.isfinite(gap):
        if abs(gap - 1.0) <= AGREEMENT:
            parts.append(f"the design agrees within {AGREEMENT:.0%} (ours {gap:.0%} of published)")
        else:
            parts.append(f"the design is {gap:.0%} of published")
    if comparable and np.isfinite(today_gap):
        parts.append(f"today's exchanges {today_gap:.0%}")
    if ran is not None and year is not None and not pd.isna(year):
        parts.append(f"{len(ran)} documented exchanges in scope ran in {int(year)}")
        if comparable and np.isfinite(year_gap):
            parts.append(f"on them ours is {year_gap:.0%} of published")
        if unvalued:
            parts.append(
                f"{', '.join(unvalued)} ran then but neither today's network nor the design "
                "carries it, so it is not valued"
            )
    pair = designed["supply_id"].astype(str) + "\x00" + designed["demand_id"].astype(str)
    carried_pairs = set(pair[designed["flow"].to_numpy() > 0])
    key = documented["supply_id"].astype(str) + "\x00" + documented["demand_id"].astype(str)
    if len(documented):
        carried = key.isin(carried_pairs).to_numpy()
        parts.append(
            f"the design carries {int(carried.sum())} of the {len(documented)} documented "
            "exchanges in this scope"
        )
        left_rows = documented[~carried]
        if len(left_rows):
            quantity = pd.to_numeric(left_rows.get("quantity"), errors="coerce")
            named = [
                f"{e} ({q:,.0f}/yr documented)" if np.isfinite(q) else str(e)
                for e, q in zip(
                    left_rows["id"].astype(str),
                    quantity if quantity is not None else [np.nan] * len(left_rows),
                    strict=True,
                )
            ]
            shown = ", ".join(named[:5]) + (f" and {len(named) - 5} more" if len(named) > 5 else "")
            parts.append(f"leaves out {shown} (see the documented review)")
    if len(documented) or known_pairs:
        added = carried_pairs - set(key)
        revived = added & (known_pairs or set())
        if added - revived:
            parts.append(f"adds {len(added - revived)} exchanges not documented")
        if revived:
            parts.append(f"revives {len(revived)} ended or planned exchanges")
    if note:
        parts.append(f"dataset: {note}")
    return "; ".join(parts)


def _running_in(documented: pd.DataFrame, year: Any) -> pd.DataFrame:
    """The documented exchanges (any status) that ran in ``year``: started by then (or with
    no start year) and not ended before it (an ended exchange without an end year is taken
    as not running)."""
    if documented is None or not len(documented) or year is None or pd.isna(year):
        return documented.iloc[0:0] if documented is not None else pd.DataFrame()
    y = int(year)
    n = len(documented)

    def number(column: str) -> np.ndarray:
        if column not in documented.columns:
            return np.full(n, np.nan)
        return np.asarray(pd.to_numeric(documented[column], errors="coerce"), dtype=float)

    start, end = number("start_year"), number("end_year")
    status = (
        documented["status"].astype(object).fillna("existing").astype(str).to_numpy()
        if "status" in documented.columns
        else np.full(n, "existing", dtype=object)
    )
    started = np.isnan(start) | (start <= y)
    not_ended = (np.isnan(end) & (status != "ended")) | (end >= y)
    return documented[started & not_ended]


#: The exchange columns a documented quantity scales (per unit of flow).
_FLOW_COLUMNS = ("flow", *dict.fromkeys(_EXCHANGE_COLUMN.values()))


def _that_year(
    ran: pd.DataFrame, base: pd.DataFrame, design: pd.DataFrame
) -> tuple[pd.DataFrame, tuple[str, ...]]:
    """The assessed exchanges that ran in a figure's year: for each documented exchange in
    ``ran``, its row in ``base`` (today's network, or the design when there is no today)
    when that carries it; else (it ran then but has ended since) the design's row on the
    same supply and demand scaled to the exchange's documented quantity (units/yr), when
    the design carries the pair and the quantity is known. Also returns the ids of those it
    could not value."""
    if not len(ran):
        return base.iloc[0:0], ()
    by_id = base[base["exchange_id"].isin(set(ran["id"].astype(str)))] if len(base) else base
    by_id = by_id[by_id["flow"] > 0]
    found = set(by_id["exchange_id"].astype(str))
    rows = [by_id]
    unvalued: list[str] = []
    carried = design[design["flow"] > 0]
    pair = carried["supply_id"].astype(str) + "\x00" + carried["demand_id"].astype(str)
    for ex in ran.itertuples(index=False):
        if str(ex.id) in found:
            continue
        quantity = float(pd.to_numeric(getattr(ex, "quantity", np.nan), errors="coerce"))
        same = carried[(pair == f"{ex.supply_id}\x00{ex.demand_id}").to_numpy()]
        if not len(same) or not np.isfinite(quantity):
            unvalued.append(str(ex.id))
            continue
        row = same.iloc[[0]].copy()
        scale = quantity / float(row["flow"].iloc[0])
        for col in _FLOW_COLUMNS:
            if col in row.columns:
                row[col] = row[col].to_numpy(dtype=float) * scale
        row["exchange_id"] = str(ex.id)
        rows.append(row)
    return pd.concat(rows, ignore_index=True), tuple(unvalued)


def _amount(rows: pd.DataFrame, target: str | None, resource: str | None) -> float:
    """Our indicator ``target`` (or the amount of ``resource``) computed on ``rows`` (assessed
    exchanges); NaN when it cannot be computed on single exchanges."""
    flowing = rows[rows["flow"] > 0]
    if resource is not None:
        return _resource_amount(flowing, resource)
    if target in _EXCHANGE_COLUMN:
        return float(flowing[_EXCHANGE_COLUMN[target]].sum())
    if target == "exchanges":
        return float(len(flowing))
    if target == "participants":
        orgs = set(flowing["supply_organisation"]) | set(flowing["demand_organisation"])
        return float(len(orgs))
    if target == "resources_shared":
        return float(flowing["supply_resource"].nunique())
    return np.nan


def _contributions(chosen: pd.DataFrame, column: str | None, unit: str, top: int = 3) -> str:
    """The largest contributions of single exchanges to ``column`` (their share of the
    total), in words."""
    if column is None or column not in chosen.columns or not len(chosen):
        return ""
    values = chosen[column].to_numpy(dtype=float)
    total = float(values.sum())
    if not np.isfinite(total) or total == 0:
        return ""
    order = np.argsort(-np.abs(values))[:top]
    names = (
        chosen["exchange_id"].where(chosen["exchange_id"].notna(), chosen["candidate_id"])
        if "exchange_id" in chosen.columns
        else chosen["candidate_id"]
    ).astype(str)
    parts = [
        f"{names.iloc[k]} ({chosen['supply_organisation'].iloc[k]} -> "
        f"{chosen['demand_organisation'].iloc[k]}) {values[k]:,.0f} {unit} "
        f"({values[k] / total:.0%})"
        for k in order
        if values[k]
    ]
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
    *,
    today: Assessment | None = None,
) -> pd.DataFrame:
    """One row per published figure of ``network`` with our value beside it.

    With ``today`` (the assessment of today's network, ``assess_baseline(...).today``), the
    value of today's exchanges (ours_today) and what the design adds (ours_added) stand
    beside the design's (ours), since a figure published about a running park speaks of its
    exchanges as they ran, not of the optimum. ``circular`` is true when the published
    value is within 1 % of the dataset's own documented quantities in the figure's scope:
    the agreement is then an input handed back, not a test of the model.
    ``running_that_year``: the documented exchanges that ran in the figure's year (by their
    start and end years), and ``ours_that_year`` the figure recomputed on them alone (in
    our unit): each as today's network carries it (the design's, without ``today``), an
    exchange that ran then but has ended since at its documented quantity with the design's
    values per unit on the same pair; exchanges started later or ended before are left
    out. NaN for a figure without a year. ``contributions``: the largest exchanges in ours, each with its
    amount and share.

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
    today_exchanges = _with_places(today.exchanges, network) if today is not None else None
    every_documented = _with_places(network.exchanges.reset_index(drop=True), network)
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
        chosen_today = today_exchanges
        history = every_documented
        if str(fig.id) in scope_map:
            ids = scope_map[str(fig.id)]
            chosen = exchanges[_scope_mask(exchanges, ids, _SCOPE_COLUMNS)]
            documented = documented_all[_scope_mask(documented_all, ids, _SCOPE_COLUMNS)]
            history = every_documented[_scope_mask(every_documented, ids, _SCOPE_COLUMNS)]
            if chosen_today is not None:
                chosen_today = chosen_today[_scope_mask(chosen_today, ids, _SCOPE_COLUMNS)]
            notes.append(f"ours on {len(chosen)} exchanges in the given scope")
        ours_today = np.nan
        column: str | None = None
        if resource is not None:
            documented = documented[
                (documented["supply_resource"] == resource)
                | (documented["demand_resource"] == resource)
            ]
            history = history[
                (history["supply_resource"] == resource) | (history["demand_resource"] == resource)
            ]
            ours_name = f"{resource} exchanged"
            ours = _resource_amount(chosen[chosen["flow"] > 0], resource)
            if chosen_today is not None:
                ours_today = _resource_amount(chosen_today[chosen_today["flow"] > 0], resource)
            our_unit = str(resource_units[resource])
            column = "flow"
            chosen = chosen[
                (chosen["supply_resource"] == resource) | (chosen["demand_resource"] == resource)
            ]
        elif indicator in PUBLISHED_INDICATORS:
            target = PUBLISHED_INDICATORS[indicator]
            if target is None:
                notes.append("no counterpart in the model")
            else:
                ours_name, our_unit = target, str(units[target])
                column = _EXCHANGE_COLUMN.get(target)
                if chosen is exchanges:
                    ours = float(totals[target])
                    if today is not None:
                        ours_today = float(today.totals.get(target, np.nan))
                elif target in _EXCHANGE_COLUMN:
                    ours = float(chosen[_EXCHANGE_COLUMN[target]].sum())
                    if chosen_today is not None:
                        ours_today = float(chosen_today[_EXCHANGE_COLUMN[target]].sum())
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
        documented_q = pd.to_numeric(history.get("quantity"), errors="coerce")
        handed_back = (
            resource is not None
            and documented_q is not None
            and bool(documented_q.notna().any())
            and abs(float(documented_q.sum()) - published) <= 0.01 * abs(published)
        )
        if handed_back:
            notes.append(
                "circular: the published value is the dataset's own documented quantity "
                f"({float(documented_q.sum()):,.0f} {unit}), so agreeing with it tests nothing"
            )
        ran = _running_in(history, fig.year)
        ours_year = np.nan
        unvalued: tuple[str, ...] = ()
        if ours_name and fig.year is not None and not pd.isna(fig.year):
            base = chosen_today if chosen_today is not None else chosen
            year_rows, unvalued = _that_year(ran, base, chosen)
            target = None if resource is not None else PUBLISHED_INDICATORS.get(indicator)
            ours_year = _amount(year_rows, target, resource)
        rate = value / ours if comparable and ours else 1.0
        if comparable and not ours and our_unit == f"{currency}/yr" and unit.endswith("/yr"):
            rate = 1.0 / rates.get(unit[: -len("/yr")], 1.0)
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
                "ours_today": ours_today,
                "ours_added": ours - ours_today if np.isfinite(ours_today) else np.nan,
                "ours_that_year": ours_year,
                "circular": handed_back,
                "running_that_year": " ".join(ran["id"].astype(str)) if len(ran) else "",
                "contributions": _contributions(chosen, column, our_unit)
                if np.isfinite(rate)
                else "",
                "note": "; ".join(notes),
                "explanation": _explain(
                    comparable,
                    gap,
                    documented,
                    chosen,
                    "" if pd.isna(fig.note) else str(fig.note),
                    today_gap=ours_today * rate / published
                    if comparable and published and np.isfinite(ours_today)
                    else np.nan,
                    year_gap=ours_year * rate / published
                    if comparable and published and np.isfinite(ours_year)
                    else np.nan,
                    unvalued=unvalued,
                    ran=ran,
                    year=fig.year,
                    known_pairs=set(
                        history["supply_id"].astype(str) + "\x00" + history["demand_id"].astype(str)
                    ),
                ),
            }
        )
    out = pd.DataFrame(rows, columns=COMPARE_COLUMNS)
    out["year"] = out["year"].astype("Int64")
    return out
