"""Today's network as the baseline: the exchange columns saying a link is built and the
infrastructure table are read, round-tripped in every format and validated."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from scenarios import two_plants
from symbiograph.io import ScenarioError, network_from_document, read_network, write_network


def _document() -> dict[str, Any]:
    doc = two_plants()
    doc["exchanges"] = [
        {
            "id": "e1",
            "supply_id": "s1",
            "demand_id": "d1",
            "quantity": 50_000,
            "mode": "truck",
            "status": "existing",
            "route_km": 12.5,
            "infrastructure": "built",
            "year_built": 1993,
            "remaining_life_years": 10,
            "operating_cost_per_yr": 25_000,
        }
    ]
    doc["infrastructure"] = [
        {
            "id": "pipe1",
            "kind": "pipeline",
            "from_facility_id": "power",
            "to_facility_id": "board",
            "resource_id": "gypsum",
            "capacity": 90_000,
            "status": "built",
            "year_built": 1990,
            "operating_cost_per_yr": 10_000,
        }
    ]
    return doc


@pytest.mark.parametrize("suffix", [".yaml", "", ".xlsx"])
def test_baseline_columns_round_trip(tmp_path: Path, suffix: str) -> None:
    network = network_from_document(_document())
    row = network.exchanges.iloc[0]
    assert row["infrastructure"] == "built"
    assert row["route_km"] == 12.5
    assert int(row["year_built"]) == 1993
    assert network.infrastructure["capacity"].tolist() == [90_000.0]
    path = write_network(network, tmp_path / f"net{suffix}")
    assert read_network(path).equals(network)


def test_infrastructure_refuses_an_unknown_facility() -> None:
    doc = _document()
    doc["infrastructure"][0]["to_facility_id"] = "nowhere"
    with pytest.raises(ScenarioError, match="unknown facility"):
        network_from_document(doc)
