"""Hand-checkable scenarios shared by the tests (importable as ``scenarios``: tests/ is on
the path, see conftest.py), with the answers worked out on paper in their docstrings."""

from __future__ import annotations

import math
from typing import Any

from symbiograph.io import network_from_document
from symbiograph.model import Network


def plant(fid: str, org: str, lon: float) -> dict[str, Any]:
    return {
        "id": fid,
        "name": fid,
        "organisation": org,
        "nace_code": "35.11",
        "lat": 55.0,
        "lon": lon,
    }


def gypsum_trio(pairs: int = 1) -> Network:
    """Giver A (100 t at 20 EUR/t disposal) and takers B (virgin 30) and C (virgin 25), all
    co-located, no transport cost; with ``pairs=2`` a second, separate pair D -> E."""
    doc: dict[str, Any] = {
        "resources": [
            {"id": "g", "name": "Gypsum", "kind": "material", "unit": "t/yr"},
            {"id": "h", "name": "Ash", "kind": "material", "unit": "t/yr"},
        ],
        "facilities": [plant("a", "A", 11.0), plant("b", "B", 11.0), plant("c", "C", 11.0)],
        "streams": [
            {
                "id": "sa",
                "facility_id": "a",
                "resource_id": "g",
                "direction": "supply",
                "quantity": 100,
                "price": 20,
            },
            {
                "id": "db",
                "facility_id": "b",
                "resource_id": "g",
                "direction": "demand",
                "quantity": 100,
                "price": 30,
            },
            {
                "id": "dc",
                "facility_id": "c",
                "resource_id": "g",
                "direction": "demand",
                "quantity": 100,
                "price": 25,
            },
        ],
        "transport_modes": [
            {"mode": "truck", "cost_per_tkm": 0.0, "co2e_kg_per_tkm": 0.0, "detour_factor": 1.0}
        ],
    }
    if pairs == 2:
        doc["facilities"] += [plant("d", "D", 11.0), plant("e", "E", 11.0)]
        doc["streams"] += [
            {
                "id": "sd",
                "facility_id": "d",
                "resource_id": "h",
                "direction": "supply",
                "quantity": 10,
                "price": 10,
            },
            {
                "id": "de",
                "facility_id": "e",
                "resource_id": "h",
                "direction": "demand",
                "quantity": 10,
                "price": 10,
            },
        ]
    return network_from_document(doc)


KM_PER_DEG = 6371.0088 * math.pi / 180.0  # km per degree of latitude (the match's sphere)


def two_plants(
    parameters: dict[str, Any] | None = None,
    *,
    resource_id: str = "gypsum",
    resource_name: str = "Gypsum",
    ewc_code: str | None = None,
    facility_ids: tuple[str, str] = ("power", "board"),
    facility_names: tuple[str, str] = ("Power", "Board"),
    supply_quality: dict[str, Any] | None = None,
    demand_quality: dict[str, Any] | None = None,
    modes: tuple[str, ...] = ("truck",),
    cost_per_tkm: float = 0.1,
    co2e_kg_per_tkm: float = 0.1,
    capex_per_km: float | None = None,
) -> dict[str, Any]:
    """The two-plant scenario as a document: a power station (organisation P) 10 km south
    of a plasterboard plant (B); P offers 100 kt/yr of FGD gypsum, landfilled today at
    20 EUR/t; B wants 80 kt/yr and pays 30 EUR/t for natural gypsum. Each of ``modes``
    ships at ``cost_per_tkm`` (EUR) and ``co2e_kg_per_tkm``, no detour; a pipeline costs
    ``capex_per_km`` (left out when None). So on paper: 80 kt x (20 + 30 - 10 km x 0.1)
    = 3.92 MEUR/yr by truck. ``parameters`` are the scenario's parameters."""
    resource: dict[str, Any] = {
        "id": resource_id,
        "name": resource_name,
        "kind": "material",
        "unit": "t/yr",
    }
    if ewc_code is not None:
        resource["ewc_code"] = ewc_code
    supply: dict[str, Any] = {
        "id": "s1",
        "facility_id": facility_ids[0],
        "resource_id": resource_id,
        "direction": "supply",
        "quantity": 100_000,
        "price": 20,
        "disposal_route": "landfill",
    }
    demand: dict[str, Any] = {
        "id": "d1",
        "facility_id": facility_ids[1],
        "resource_id": resource_id,
        "direction": "demand",
        "quantity": 80_000,
        "price": 30,
    }
    if supply_quality is not None:
        supply["quality"] = supply_quality
    if demand_quality is not None:
        demand["quality"] = demand_quality
    transport = []
    for mode in modes:
        row: dict[str, Any] = {
            "mode": mode,
            "cost_per_tkm": cost_per_tkm,
            "co2e_kg_per_tkm": co2e_kg_per_tkm,
            "detour_factor": 1.0,
        }
        if capex_per_km is not None:
            row["pipeline_capex_per_km"] = capex_per_km
        transport.append(row)
    return {
        "parameters": dict(parameters or {}),
        "resources": [resource],
        "facilities": [
            {
                "id": facility_ids[0],
                "name": facility_names[0],
                "organisation": "P",
                "nace_code": "35.11",
                "lat": 55.0,
                "lon": 11.0,
            },
            {
                "id": facility_ids[1],
                "name": facility_names[1],
                "organisation": "B",
                "nace_code": "23.62",
                "lat": 55.0 + 10 / KM_PER_DEG,
                "lon": 11.0,
            },
        ],
        "streams": [supply, demand],
        "transport_modes": transport,
    }


def three_plant_chain(
    a_supply: float = 100.0, c_gypsum: float | None = 50.0, prices: tuple[float, ...] = ()
) -> Network:
    """A -> B -> C, co-located, no transport cost. A gives ``a_supply`` t gypsum (disposal
    20 EUR/t); B takes 100 t gypsum (virgin 30) and gives 50 t ash (disposal 10); C takes 50 t
    ash (virgin 15) and, if ``c_gypsum``, that much gypsum (virgin 25).

    On paper (a_supply 100): the design sends A->B 100 t (50 EUR/t: 5,000) rather than A->C
    (45 EUR/t) and B->C 50 t ash (25 EUR/t: 1,250): 6,250 EUR/yr. At zero transfer price A
    keeps 2,000, B 3,000 + 500 = 3,500, C 750. B fails, frozen: both flows fail, 6,250 lost
    (A 2,000, B 3,500, C 750; 150 t). Rewired: A->C 50 t gypsum, 2,250 EUR/yr, so 4,000 lost
    (A 1,000, B 3,500, C 750 - 1,250 = -500: C gains)."""
    p = list(prices) + [20.0, 30.0, 10.0, 15.0, 25.0][len(prices) :]
    streams: list[dict[str, Any]] = [
        {"id": "sa_g", "facility_id": "a", "resource_id": "g", "direction": "supply",
         "quantity": a_supply, "price": p[0]},
        {"id": "db_g", "facility_id": "b", "resource_id": "g", "direction": "demand",
         "quantity": 100, "price": p[1]},
        {"id": "sb_h", "facility_id": "b", "resource_id": "h", "direction": "supply",
         "quantity": 50, "price": p[2]},
        {"id": "dc_h", "facility_id": "c", "resource_id": "h", "direction": "demand",
         "quantity": 50, "price": p[3]},
    ]  # fmt: skip
    if c_gypsum:
        streams.append(
            {"id": "dc_g", "facility_id": "c", "resource_id": "g", "direction": "demand",
             "quantity": c_gypsum, "price": p[4]}
        )  # fmt: skip
    doc = {
        "resources": [
            {"id": "g", "name": "Gypsum", "kind": "material", "unit": "t/yr"},
            {"id": "h", "name": "Ash", "kind": "material", "unit": "t/yr"},
        ],
        "facilities": [plant("a", "A", 11.0), plant("b", "B", 11.0), plant("c", "C", 11.0)],
        "streams": streams,
        "transport_modes": [
            {"mode": "truck", "cost_per_tkm": 0.0, "co2e_kg_per_tkm": 0.0, "detour_factor": 1.0}
        ],
    }
    return network_from_document(doc)
