"""CO2e avoided by the chosen exchanges, as traceable lines: one per exchange and component.

Components, in t CO2e/yr (positive = avoided): ``virgin_production`` (the virgin input no
longer made: flow x substitution ratio x delivered share x the virgin factor),
``disposal`` (today's disposal no longer done: flow x the disposal factor), ``transport``
(negative: flow x route km x the mode's kg per t.km) and ``treatment`` (negative: flow x
the archetype's pre-treatment kg per unit, where the pair needed it). Factors come from
``symbiograph.taxonomy.emission_factors`` and the transport modes, each line naming the
factor id and its source. The candidate's own CO2e per unit is the check: a remainder the
factors do not explain (a custom archetype table, say) becomes an ``unreconciled`` line, so
the lines always add up to the solution's CO2e.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from symbiograph.model import Network

__all__ = ["CO2E_COLUMNS", "co2e_lines", "transport_factors"]

CO2E_COLUMNS = [
    "candidate_id",
    "supply_id",
    "demand_id",
    "supply_organisation",
    "demand_organisation",
    "component",
    "flow",
    "unit",
    "quantity_per_unit",
    "factor_id",
    "factor_kg_per_unit",
    "t_per_yr",
    "source",
    "year",
]

_TOLERANCE_T_PER_UNIT = 1e-9


def transport_factors(network: Network, defaults: pd.DataFrame) -> pd.DataFrame:
    """kg CO2e per t.km of each mode, indexed by mode, with its source and year.

    The network's own ``transport_modes`` rows win over ``defaults`` (the shipped table), as
    in matching; the network's ``source_id`` is resolved to its citation where it can be.
    """
    base = defaults.set_index("mode")
    out = pd.DataFrame(
        {
            "co2e_kg_per_tkm": base["co2e_kg_per_tkm"].astype(float),
            "source": base["source"].astype(str),
            "year": pd.to_numeric(base["year"], errors="coerce"),
        }
    )
    own = network.transport_modes
    if len(own):
        citations = network.sources.set_index("id") if len(network.sources) else None
        for row in own.itertuples(index=False):
            value = float(row.co2e_kg_per_tkm)
            if np.isnan(value):
                continue
            source_id = str(getattr(row, "source_id", "") or "")
            source, year = source_id or "scenario transport_modes", np.nan
            if citations is not None and source_id in citations.index:
                source = str(citations.at[source_id, "citation"]) or source_id
                year = pd.to_numeric(citations.at[source_id, "year"], errors="coerce")
            out.loc[str(row.mode)] = [value, source, year]
    return out


def co2e_lines(
    exchanges: pd.DataFrame,
    candidates: pd.DataFrame,
    factors: pd.DataFrame,
    archetypes: pd.DataFrame,
    modes: pd.DataFrame,
) -> pd.DataFrame:
    """The CO2e lines (t/yr) of ``exchanges`` (candidate_id, ids, organisations, flow, unit).

    ``candidates`` is indexed by candidate_id and aligned with ``exchanges``; ``factors`` is
    the emission factor table (id, kg_co2e_per_unit, source, year), ``archetypes`` the
    synergy archetypes and ``modes`` the output of :func:`transport_factors`.
    """
    cand = candidates
    flow = exchanges["flow"].to_numpy(dtype=float)
    ef = factors.set_index("id")
    arch = archetypes.set_index("id")
    arch_id = cand["archetype_id"].fillna("").astype(str).to_numpy(dtype=object)
    known = np.array([a in arch.index for a in arch_id], dtype=bool)
    look = arch.reindex(np.where(known, arch_id, None))
    virgin_id = np.where(known, look["virgin_factor_id"].fillna("").astype(str), "")
    disposal_id = np.where(known, look["disposal_factor_id"].fillna("").astype(str), "")
    # for a same-resource trade the archetype's ratio still converts a unit of by-product
    # into the unit of the virgin factor (as in matching)
    factor_ratio = np.where(known, look["substitution_ratio"].astype(float), 1.0)
    treat_kg = np.where(known, look["pretreatment_co2e_kg_per_unit"].astype(float), 0.0)
    treat_kg = np.nan_to_num(treat_kg)
    delivered = cand["delivered_share"].to_numpy(dtype=float)
    km = cand["route_km"].to_numpy(dtype=float)
    mode = cand["mode"].astype(str).to_numpy(dtype=object)
    mode_kg = modes["co2e_kg_per_tkm"].reindex(mode).fillna(0.0).to_numpy(dtype=float)

    def kg(ids: np.ndarray) -> np.ndarray:
        return ef["kg_co2e_per_unit"].reindex(ids).fillna(0.0).to_numpy(dtype=float)

    virgin_kg = kg(virgin_id) * factor_ratio * delivered
    disposal_kg = kg(disposal_id)
    transport_kg = mode_kg * km
    expected = cand["co2e_t_per_unit"].to_numpy(dtype=float)
    without_treatment = (virgin_kg + disposal_kg - transport_kg) / 1000.0
    # the pair needed pre-treatment when it pays for it, or when its CO2e says so
    treated = (cand["treatment_cost_per_unit"].to_numpy(dtype=float) > 0) | (
        (treat_kg > 0)
        & (
            np.abs(without_treatment - treat_kg / 1000.0 - expected)
            < np.abs(without_treatment - expected)
        )
    )
    treatment_kg = np.where(treated, treat_kg, 0.0)
    residual = expected - (without_treatment - treatment_kg / 1000.0)
    residual = np.where(np.abs(residual) > _TOLERANCE_T_PER_UNIT, residual, 0.0)

    def source_of(ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        src = ef["source"].reindex(ids).fillna("").astype(str).to_numpy(dtype=object)
        year = pd.to_numeric(ef["year"].reindex(ids), errors="coerce").to_numpy(dtype=float)
        return src, year

    v_src, v_year = source_of(virgin_id)
    d_src, d_year = source_of(disposal_id)
    m_src = modes["source"].reindex(mode).fillna("").astype(str).to_numpy(dtype=object)
    m_year = pd.to_numeric(modes["year"].reindex(mode), errors="coerce").to_numpy(dtype=float)
    arch_src = np.where(known, "archetype " + arch_id.astype(str), "")
    n = len(exchanges)
    base = {
        "candidate_id": exchanges["candidate_id"].to_numpy(dtype=object),
        "supply_id": exchanges["supply_id"].to_numpy(dtype=object),
        "demand_id": exchanges["demand_id"].to_numpy(dtype=object),
        "supply_organisation": exchanges["supply_organisation"].to_numpy(dtype=object),
        "demand_organisation": exchanges["demand_organisation"].to_numpy(dtype=object),
        "flow": flow,
        "unit": exchanges["unit"].to_numpy(dtype=object),
    }
    parts = [
        ("virgin_production", factor_ratio * delivered, virgin_id, kg(virgin_id), v_src, v_year),
        ("disposal", np.ones(n), disposal_id, disposal_kg, d_src, d_year),
        (
            "transport",
            km,
            np.array(["transport:" + str(m) for m in mode], dtype=object),
            -mode_kg,
            m_src,
            m_year,
        ),
        (
            "treatment",
            treated.astype(float),
            np.array([f"pretreatment:{a}" if a else "" for a in arch_id], dtype=object),
            -treat_kg,
            arch_src,
            np.full(n, np.nan),
        ),
    ]
    frames = []
    for component, per_unit, factor_id, factor_kg, src, year in parts:
        t = flow * per_unit * factor_kg / 1000.0
        keep = (t != 0) & (np.asarray(factor_id) != "")
        frame = pd.DataFrame(
            {
                **base,
                "component": component,
                "quantity_per_unit": per_unit,
                "factor_id": np.asarray(factor_id, dtype=object),
                "factor_kg_per_unit": factor_kg,
                "t_per_yr": t,
                "source": np.asarray(src, dtype=object),
                "year": year,
            }
        )
        frames.append(frame[keep])
    unreconciled = pd.DataFrame(
        {
            **base,
            "component": "unreconciled",
            "quantity_per_unit": 1.0,
            "factor_id": "",
            "factor_kg_per_unit": residual * 1000.0,
            "t_per_yr": flow * residual,
            "source": "candidate co2e_t_per_unit not explained by the factor tables",
            "year": np.nan,
        }
    )
    frames.append(unreconciled[(unreconciled["t_per_yr"] != 0).to_numpy()])
    lines = pd.concat([f for f in frames if len(f)] or [frames[0]], ignore_index=True)
    order = {c: k for k, c in enumerate(p[0] for p in parts)}
    order["unreconciled"] = len(order)
    lines["_order"] = lines["component"].map(order)
    lines = lines.sort_values(["candidate_id", "_order"], kind="stable")
    lines["year"] = lines["year"].astype("Int64")
    return lines[CO2E_COLUMNS].reset_index(drop=True)
