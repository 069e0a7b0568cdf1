"""A shared sludge plant sited at one of two places: the nearer wins unless its capacity is
too small, and never both are built."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

from symbiograph.io import network_from_document
from symbiograph.optimize import design_network, treatment_site_candidates

KM_PER_DEG = 6371.0088 * 3.141592653589793 / 180.0


def _network() -> Any:
    return network_from_document(
        {
            "resources": [{"id": "sludge", "name": "Sludge", "kind": "material", "unit": "t/yr"}],
            "facilities": [
                {
                    "id": "a",
                    "name": "A",
                    "organisation": "A",
                    "nace_code": "37.00",
                    "lat": 55.0,
                    "lon": 11.0,
                },
                {
                    "id": "b",
                    "name": "B",
                    "organisation": "B",
                    "nace_code": "37.00",
                    "lat": 55.0,
                    "lon": 11.0,
                },
            ],
            "streams": [
                {
                    "id": "s1",
                    "facility_id": "a",
                    "resource_id": "sludge",
                    "direction": "supply",
                    "quantity": 1000,
                    "price": 50,
                },
                {
                    "id": "s2",
                    "facility_id": "b",
                    "resource_id": "sludge",
                    "direction": "supply",
                    "quantity": 1000,
                    "price": 50,
                },
            ],
        }
    )


def _sites(capacity_x: float) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "site_id": ["X", "Y"],
            "lat": [55.0 + 1 / KM_PER_DEG, 55.0 + 20 / KM_PER_DEG],  # 1 km and 20 km north
            "lon": [11.0, 11.0],
            "capacity": [capacity_x, 5000.0],
            "fixed_cost_per_yr": [30_000.0, 30_000.0],
            "opex_per_unit": [10.0, 10.0],
            "output_value_per_unit": [0.0, 0.0],
        }
    )


def _design(capacity_x: float) -> Any:
    network = _network()
    candidates, corridors = treatment_site_candidates(
        network, "sludge_plant", _sites(capacity_x), ["sludge"], cost_per_tkm=1.0, detour=1.0
    )
    return design_network(network, candidates, corridors=corridors)


def test_the_nearer_site_wins() -> None:
    # X: 2000 t x (50 - 10 - 1) - 30,000 = 48,000; Y: 2000 t x (50 - 10 - 20) - 30,000 = 10,000
    sol = _design(5000)
    used = sol.flows.groupby("demand_id")["flow"].sum()
    assert used["sludge_plant@X"] == pytest.approx(2000) and used["sludge_plant@Y"] == 0
    assert sol.net_benefit == pytest.approx(48_000)
    infra = sol.infrastructure.set_index("corridor_id")
    assert infra.loc["sludge_plant@X", "built"] and not infra.loc["sludge_plant@Y", "built"]
    assert infra.loc["sludge_plant@X", "flow"] == pytest.approx(2000)


def test_capacity_can_move_the_plant() -> None:
    # X limited to 1000 t: 1000 x 39 - 30,000 = 9,000 < Y's 10,000; both sites: not allowed
    sol = _design(1000)
    used = sol.flows.groupby("demand_id")["flow"].sum()
    assert used["sludge_plant@Y"] == pytest.approx(2000) and used["sludge_plant@X"] == 0
    assert sol.net_benefit == pytest.approx(10_000)
