"""Small hand-checkable parks for the knowledge-base tests."""

from __future__ import annotations

from typing import Any

from symbiograph.match._geo import EARTH_RADIUS_KM

KM_PER_DEG = EARTH_RADIUS_KM * 3.141592653589793 / 180.0

#: fly ash that meets EN 450-1 / EN 197-1 (loss on ignition, chloride, sulphur, moisture)
GOOD_ASH = {"carbon_pct": 3, "chloride_mg_per_kg": 200, "sulphur_pct": 0.5, "moisture_pct": 0.5}


def fly_ash_park(ash_quality: dict[str, float] | None = None) -> dict[str, Any]:
    """A coal power station, a cement works 20 km north and a concrete plant 30 km east."""
    return {
        "parameters": {"carbon_price": 0.0, "discount_rate": 0.05, "lifetime_years": 20},
        "resources": [
            {
                "id": "fly_ash",
                "name": "Coal fly ash",
                "kind": "material",
                "unit": "t/yr",
                "ewc_code": "10 01 02",
            },
            {
                "id": "cement",
                "name": "Cement and clinker",
                "kind": "material",
                "unit": "t/yr",
                "cpa_code": "23.51",
            },
        ],
        "facilities": [
            {
                "id": "power",
                "name": "Power station",
                "organisation": "P",
                "nace_code": "35.11",
                "lat": 55.0,
                "lon": 11.0,
            },
            {
                "id": "cement_works",
                "name": "Cement works",
                "organisation": "C",
                "nace_code": "23.51",
                "lat": 55.0 + 20.0 / KM_PER_DEG,
                "lon": 11.0,
            },
            {
                "id": "concrete_plant",
                "name": "Ready-mix concrete plant",
                "organisation": "R",
                "nace_code": "23.63",
                "lat": 55.0,
                "lon": 11.0 + 0.5,
            },
        ],
        "streams": [
            {
                "id": "ash",
                "facility_id": "power",
                "resource_id": "fly_ash",
                "direction": "supply",
                "quantity": 100_000,
                "price": 20,
                "disposal_route": "landfill",
                "quality": dict(GOOD_ASH if ash_quality is None else ash_quality),
            },
            {
                "id": "clinker_at_cement_works",
                "facility_id": "cement_works",
                "resource_id": "cement",
                "direction": "demand",
                "quantity": 50_000,
                "price": 60,
            },
            {
                "id": "cement_at_concrete_plant",
                "facility_id": "concrete_plant",
                "resource_id": "cement",
                "direction": "demand",
                "quantity": 20_000,
                "price": 90,
            },
        ],
        "transport_modes": [
            {"mode": "truck", "cost_per_tkm": 0.1, "co2e_kg_per_tkm": 0.1, "detour_factor": 1.0},
        ],
    }
