"""The scenario of the confidentiality tests: one confidential supply with distinctive
figures, and the scan that finds those figures in any text, in the forms people write them."""

from __future__ import annotations

import re
from typing import Any

KM_PER_DEG = 6371.0088 * 3.141592653589793 / 180.0

#: The confidential supply's figures: distinctive digits that occur nowhere else.
QUANTITY = 13_579.0  # t/yr
PRICE = 47.13  # EUR/t (disposal cost today)
QUALITY = 83.71  # purity_pct


def _forms(value: float) -> list[str]:
    """``value`` as people and programs write it."""
    forms = {f"{value:g}", f"{value:.1f}", f"{value:.2f}", f"{value:,.2f}", f"{value:.6g}"}
    if value >= 1000:
        whole = f"{value:,.0f}"
        forms |= {
            f"{value:.0f}",
            whole,
            whole.replace(",", " "),
            whole.replace(",", "\u202f"),
            whole.replace(",", "."),
            f"{value:.4e}".replace("e+0", "e"),
            f"{value:.4e}",
            f"{value / 1000:g} kt",
            f"{value / 1000:.1f} kt",
        }
    else:
        forms.add(f"{value:.2f}".replace(".", ","))
    return sorted(forms)


def _found(text: str, value: float) -> list[str]:
    """The forms of ``value`` that occur in ``text`` as a whole number (not inside another)."""
    hits = []
    for form in _forms(value):
        pattern = r"(?<!\d)(?<!\d\.)" + re.escape(form) + r"(?!\d)(?![.,]\d)"
        if re.search(pattern, text):
            hits.append(form)
    return hits


def _leaks(text: str) -> dict[str, list[str]]:
    found = {
        "quantity": _found(text, QUANTITY),
        "price": _found(text, PRICE),
        "quality": _found(text, QUALITY),
    }
    return {k: v for k, v in found.items() if v}


def _doc() -> dict[str, Any]:
    """A power station's gypsum (confidential) and a smaller open supply for a board plant."""
    fac = [
        ("power", "Power", "P", 55.0),
        ("works", "Works", "W", 55.0 + 4 / KM_PER_DEG),
        ("board", "Board", "B", 55.0 + 10 / KM_PER_DEG),
    ]
    return {
        "parameters": {"name": "secret", "discount_rate": 0.0, "lifetime_years": 20},
        "resources": [
            {
                "id": "g",
                "name": "Gypsum",
                "kind": "material",
                "unit": "t/yr",
                "quality_attributes": "purity_pct",
            }
        ],
        "facilities": [
            {
                "id": i,
                "name": n,
                "organisation": o,
                "nace_code": "35.11" if i == "power" else "23.62",
                "lat": lat,
                "lon": 11.0,
            }
            for i, n, o, lat in fac
        ],
        "streams": [
            {
                "id": "s1",
                "facility_id": "power",
                "resource_id": "g",
                "direction": "supply",
                "quantity": QUANTITY,
                "price": PRICE,
                "disposal_route": "landfill",
                "confidential": True,
                "quality": {"purity_pct": QUALITY},
            },
            {
                "id": "s2",
                "facility_id": "works",
                "resource_id": "g",
                "direction": "supply",
                "quantity": 4_000,
                "price": 12,
                "disposal_route": "landfill",
            },
            {
                "id": "d1",
                "facility_id": "board",
                "resource_id": "g",
                "direction": "demand",
                "quantity": 30_000,
                "price": 31,
            },
        ],
        "exchanges": [
            # planned, so the design adds it to today's network and the allocation shares it
            {
                "id": "e1",
                "supply_id": "s1",
                "demand_id": "d1",
                "quantity": QUANTITY,
                "status": "planned",
            },
            {"id": "e2", "supply_id": "s2", "demand_id": "d1", "quantity": 4_000},
        ],
        "transport_modes": [
            {
                "mode": "truck",
                "cost_per_tkm": 0.1,
                "co2e_kg_per_tkm": 0.05,
                "detour_factor": 1.0,
                "pipeline_capex_per_km": 0.0,
            }
        ],
    }
