"""Unit economics and CO2e of candidate exchanges, vectorised over the pair table."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

__all__ = ["annuity_factor", "mode_table", "price_pairs"]


def annuity_factor(rate: float, years: float) -> float:
    """Share of a capital cost paid each year over ``years`` at ``rate`` (capital recovery)."""
    if years <= 0:
        raise ValueError("lifetime must be positive")
    if rate == 0:
        return 1.0 / years
    return rate / (1.0 - (1.0 + rate) ** (-years))


def mode_table(network_modes: pd.DataFrame, defaults: pd.DataFrame) -> pd.DataFrame:
    """Transport modes: the network's own rows, else the shipped defaults; indexed by mode."""
    cols = ["cost_per_tkm", "co2e_kg_per_tkm", "detour_factor", "pipeline_capex_per_km"]
    base = defaults.set_index("mode")[cols].astype(float)
    if len(network_modes):
        own = network_modes.set_index("mode")[cols].astype(float)
        base = own.combine_first(base)
    return base


def price_pairs(
    pairs: pd.DataFrame,
    modes: pd.DataFrame,
    factors: pd.Series,
    parameters: dict[str, Any],
    heat_loss_share_per_km: float,
    capex_share: np.ndarray | None = None,
    operating: np.ndarray | None = None,
) -> pd.DataFrame:
    """Add the money and CO2e columns to ``pairs`` (one row per candidate).

    Per unit of supply (t, MWh or m3): avoided disposal cost and landfill tax for the giver,
    avoided virgin purchase for the taker (times the substitution ratio and, for heat, the
    share that survives the pipe), minus transport and pre-treatment. Fixed cost: the
    annualised capital cost of a dedicated pipeline or conveyor (capex per km x route km x
    annuity, less the capex grant). CO2e per unit, t: avoided virgin production and disposal
    minus transport and pre-treatment, from the emission factors (kg per unit).
    ``capex_share`` (default 1) is the share of the new-build capex a link is charged (0 for
    one built today whose life covers the lifetime) and ``operating`` (currency/yr, default
    0) a built link's running cost, added to its fixed cost.
    """
    out = pairs
    km = out["route_km"].to_numpy()
    mode = modes.reindex(out["mode"].to_numpy())
    cost_tkm = mode["cost_per_tkm"].fillna(0.0).to_numpy()
    co2_tkm = mode["co2e_kg_per_tkm"].fillna(0.0).to_numpy()
    capex_km = mode["pipeline_capex_per_km"].fillna(0.0).to_numpy()
    is_heat = (out["kind"] == "energy").to_numpy()
    delivered = np.where(is_heat, np.clip(1.0 - heat_loss_share_per_km * km, 0.0, 1.0), 1.0)
    ratio = out["substitution_ratio"].to_numpy(dtype=float) * delivered
    disposal = np.nan_to_num(out["supply_price"].to_numpy(dtype=float))
    landfill = (out["disposal_route"] == "landfill").to_numpy() & (
        out["kind"] == "material"
    ).to_numpy()
    disposal = disposal + np.where(landfill, float(parameters.get("landfill_tax", 0.0)), 0.0)
    subsidy = np.where(
        (out["kind"] == "material").to_numpy(),
        float(parameters.get("subsidy_per_t_diverted", 0.0)),
        0.0,
    )
    virgin = np.nan_to_num(out["demand_price"].to_numpy(dtype=float)) * ratio
    transport = cost_tkm * km
    treatment = np.where(
        out["bridged"].to_numpy(), out["pretreatment_cost_per_unit"].to_numpy(), 0.0
    )
    net = disposal + subsidy + virgin - transport - treatment
    annuity = annuity_factor(
        float(parameters["discount_rate"]), float(parameters["lifetime_years"])
    )
    grant = float(parameters.get("capex_grant_share", 0.0))
    share = np.ones(len(out)) if capex_share is None else np.asarray(capex_share, dtype=float)
    running = np.zeros(len(out)) if operating is None else np.asarray(operating, dtype=float)
    capex = capex_km * km * annuity * share
    fixed = capex * (1.0 - grant) + running
    # the archetype's ratio also converts a unit of by-product into the unit of its virgin
    # emission factor (e.g. t N per t of digestate), for same-resource trades too
    factor_ratio = out["factor_ratio"].to_numpy(dtype=float) * delivered
    virgin_kg = (
        factors.reindex(out["virgin_factor_id"].to_numpy()).fillna(0.0).to_numpy() * factor_ratio
    )
    disposal_kg = factors.reindex(out["disposal_factor_id"].to_numpy()).fillna(0.0).to_numpy()
    treat_kg = np.where(
        out["bridged"].to_numpy(), out["pretreatment_co2e_kg_per_unit"].to_numpy(), 0.0
    )
    co2e_t = (virgin_kg + disposal_kg - co2_tkm * km - treat_kg) / 1000.0
    flow = out["max_flow"].to_numpy(dtype=float)
    carbon_price = float(parameters.get("carbon_price", 0.0))
    out["delivered_share"] = delivered
    out["demand_units_per_unit"] = ratio
    out["disposal_price_per_unit"] = np.nan_to_num(out["supply_price"].to_numpy(dtype=float))
    out["landfill_diverted"] = landfill
    out["capex_per_yr"] = capex
    out["operating_cost_per_yr"] = running
    out["avoided_disposal_per_unit"] = disposal + subsidy
    out["avoided_virgin_per_unit"] = virgin
    out["transport_cost_per_unit"] = transport
    out["treatment_cost_per_unit"] = treatment
    out["net_benefit_per_unit"] = net
    out["fixed_cost_per_yr"] = fixed
    out["co2e_t_per_unit"] = co2e_t
    out["annual_net_benefit"] = net * flow - fixed
    out["annual_co2e_t"] = co2e_t * flow
    out["score"] = out["annual_net_benefit"].to_numpy() + carbon_price * co2e_t * flow
    return out
