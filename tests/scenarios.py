"""Hand-checkable scenarios shared by the tests (importable as ``scenarios``: tests/ is on
the path, see conftest.py), with the answers worked out on paper in their docstrings."""

from __future__ import annotations

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
