"""Shared treatment facilities (e.g. a sludge or waste-water plant) sited at one of several
candidate places: candidate flows from every supply in reach to every site, and one
corridor per site carrying its capacity and annualised capital cost; at most one site of a
facility is built."""

from __future__ import annotations

import numpy as np
import pandas as pd

from symbiograph.match import great_circle_km
from symbiograph.model import Network

__all__ = ["treatment_site_candidates"]


def treatment_site_candidates(
    network: Network,
    facility: str,
    sites: pd.DataFrame,
    resource_ids: list[str],
    max_km: float = 50.0,
    cost_per_tkm: float = 0.1,
    detour: float = 1.3,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Candidates and corridors for a shared facility ``facility`` offered at ``sites``.

    ``sites``: site_id, lat, lon, capacity (units/yr), fixed_cost_per_yr (annualised capex,
    currency/yr), opex_per_unit (currency per unit treated), output_value_per_unit (what the
    treated output earns per unit taken in, e.g. biogas; 0 if nothing). Every supply of
    ``resource_ids`` within ``max_km`` (route) of a site may send to it: the giver avoids
    today's disposal cost, pays transport, and the facility's opex and output value count.
    Returns (candidates in the match table's columns plus ``demand_is_site``, corridors with
    ``choice_group`` = ``facility`` so that only one site is built). Feed both to
    ``design_network`` together with the ordinary candidates.
    """
    st = network.streams
    supplies = st[(st["direction"] == "supply") & st["resource_id"].isin(resource_ids)]
    fac = network.facilities.set_index("id")
    kind = network.resources.set_index("id")["kind"]
    unit = network.resources.set_index("id")["unit"]
    lat = fac["lat"].reindex(supplies["facility_id"]).to_numpy(dtype=float)
    lon = fac["lon"].reindex(supplies["facility_id"]).to_numpy(dtype=float)
    rows = []
    members: dict[str, list[str]] = {}
    for site in sites.itertuples(index=False):
        km = great_circle_km(lat, lon, np.full(len(lat), site.lat), np.full(len(lon), site.lon))
        route = km * detour
        reach = route <= max_km
        for (_, sup), r in zip(supplies[reach].iterrows(), route[reach], strict=True):
            cid = f"{facility}@{site.site_id}:{sup['id']}"
            members.setdefault(str(site.site_id), []).append(cid)
            price = float(sup["price"]) if np.isfinite(sup["price"]) else 0.0
            rows.append(
                {
                    "candidate_id": cid,
                    "supply_id": sup["id"],
                    "demand_id": f"{facility}@{site.site_id}",
                    "supply_organisation": fac.loc[sup["facility_id"], "organisation"],
                    "demand_organisation": facility,
                    "supply_resource": sup["resource_id"],
                    "demand_resource": sup["resource_id"],
                    "kind": kind[sup["resource_id"]],
                    "unit": unit[sup["resource_id"]],
                    "mode": "truck",
                    "route_km": r,
                    "max_flow": float(sup["quantity"]),
                    "demand_units_per_unit": 1.0,
                    "disposal_price_per_unit": price,
                    "landfill_diverted": sup["disposal_route"] == "landfill"
                    and kind[sup["resource_id"]] == "material",
                    "avoided_virgin_per_unit": float(site.output_value_per_unit),
                    "transport_cost_per_unit": cost_per_tkm * r,
                    "treatment_cost_per_unit": float(site.opex_per_unit),
                    "capex_per_yr": 0.0,
                    "fixed_cost_per_yr": 0.0,
                    "co2e_t_per_unit": 0.0,
                    "needs_blend": False,
                    "demand_is_site": True,
                }
            )
    candidates = pd.DataFrame(rows)
    corridors = pd.DataFrame(
        {
            "corridor_id": [f"{facility}@{s}" for s in sites["site_id"]],
            "fixed_cost_per_yr": sites["fixed_cost_per_yr"].to_numpy(dtype=float),
            "capacity": sites["capacity"].to_numpy(dtype=float),
            "candidate_ids": [tuple(members.get(str(s), ())) for s in sites["site_id"]],
            "choice_group": facility,
        }
    )
    return candidates, corridors
