"""Technology sites: read from YAML, a CSV folder and XLSX, round-tripped (the writers keep
the sites, not what they expand to), and bad rows refused naming file, row and field."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from scenarios import heat_pump_site_document
from symbiograph.io import ScenarioError, network_from_document, read_network, write_network


def _document() -> dict[str, Any]:
    """The heat-pump site park with a second site: solar PV on the greenhouse's roof."""
    doc = heat_pump_site_document()
    doc["resources"].append(
        {"id": "power", "name": "Electricity", "kind": "energy", "unit": "MWh/yr"}
    )
    doc["streams"].append(
        {
            "id": "g_power",
            "facility_id": "g",
            "resource_id": "power",
            "direction": "demand",
            "quantity": 900,
            "price": 90.0,
        }
    )
    doc["technology_sites"].append(
        {
            "id": "roof_pv",
            "technology_id": "solar_pv_utility",
            "facility_id": "g",
            "max_capacity": "0.9",
            "full_load_hours": 1_000,
            "resources": "electricity=power",
            "note": "Danish latitude: ~1,000 full-load hours",
        }
    )
    return doc


def _refusal(doc: dict[str, Any]) -> str:
    with pytest.raises(ScenarioError) as caught:
        network_from_document(doc, "park.yaml")
    return str(caught.value)


@pytest.mark.parametrize("suffix", [".yaml", "", ".xlsx"])
def test_technology_sites_round_trip(tmp_path: Path, suffix: str) -> None:
    network = network_from_document(_document())
    assert list(network.technology_sites["id"]) == ["hp", "roof_pv"]
    pv = network.processes.set_index("id").loc["roof_pv"]
    assert pv["capacity"] == pytest.approx(900)  # 0.9 MW x 1,000 h
    assert pv["capex_per_capacity"] == pytest.approx(830_000 / 1_000)
    streams = network.streams.set_index("id")
    assert streams.loc["roof_pv.electricity", "resource_id"] == "power"
    path = write_network(network, tmp_path / f"net{suffix}")
    if suffix == "":  # the folder holds the sites, not the rows they expand to
        written = pd.read_csv(path / "processes.csv")
        assert written.empty
        assert list(pd.read_csv(path / "technology_sites.csv")["id"]) == ["hp", "roof_pv"]
    again = read_network(path)
    assert again.equals(network), again.differences(network)


def test_an_unknown_technology_and_facility_are_named() -> None:
    doc = _document()
    doc["technology_sites"][0]["technology_id"] = "fusion_reactor"
    doc["technology_sites"][1]["facility_id"] = "nowhere"
    text = _refusal(doc)
    assert "park.yaml" in text
    assert "row 1, field 'technology_id': unknown technology 'fusion_reactor'" in text
    assert "heat_pump_waste_heat" in text  # the catalogue's ids are listed
    assert "row 2, field 'facility_id': unknown facility 'nowhere'" in text


def test_sizes_and_prices_are_checked() -> None:
    doc = _document()
    doc["technology_sites"][0].update(max_capacity=0, market_prices="")
    doc["technology_sites"][1].update(min_capacity=5, full_load_hours=9_000)
    text = _refusal(doc)
    assert "row 1, field 'max_capacity': max_capacity must be more than 0, not 0" in text
    assert (
        "row 1, field 'market_prices': heat_pump_waste_heat buys electricity: give its price "
        "per MWh" in text
    )
    assert "row 2, field 'full_load_hours': full_load_hours must be at most 8760" in text


def test_a_smallest_size_above_the_largest_is_refused() -> None:
    doc = _document()
    doc["technology_sites"][1]["min_capacity"] = 5
    text = _refusal(doc)
    assert "row 2, field 'min_capacity': min_capacity 5 is more than max_capacity 0.9 MW" in text


def test_ports_must_map_to_the_scenario_resources() -> None:
    doc = _document()
    doc["technology_sites"][1]["resources"] = ""  # 'electricity' is not a resource here
    doc["technology_sites"][0]["resources"] = "waste_heat=-;steam=heat"
    doc["technology_sites"][0]["market_prices"] = "electricity=cheap;gas=30"
    text = _refusal(doc)
    assert (
        "row 2, field 'resources': port 'electricity' of solar_pv_utility carries resource "
        "'electricity', which the scenario's resources do not define" in text
    )
    assert "row 1, field 'resources': heat_pump_waste_heat has no stream port 'steam'" in text
    assert "row 1, field 'resources': the input 'waste_heat' of heat_pump_waste_heat cannot" in text
    assert "row 1, field 'market_prices': the price of electricity must be a number" in text
    assert "row 1, field 'market_prices': heat_pump_waste_heat buys no 'gas'" in text


def test_a_resource_of_another_unit_and_a_taken_id_are_refused() -> None:
    doc = _document()
    doc["resources"][1]["kind"], doc["resources"][1]["unit"] = "material", "t/yr"  # heat in t
    doc["streams"].append(
        {
            "id": "hp.waste_heat",
            "facility_id": "s",
            "resource_id": "waste_heat",
            "direction": "demand",
            "quantity": 1,
        }
    )
    text = _refusal(doc)
    assert "port 'heat' of heat_pump_waste_heat is in MWh/yr, resource 'heat' in t/yr" in text
    assert "stream 'hp.waste_heat' exists already" in text


def test_catalogue_costs_convert_to_the_scenario_currency() -> None:
    doc = _document()
    doc["parameters"] = {"currency": "AUD"}
    text = _refusal(doc)
    assert (
        "field 'capex_per_capacity': the catalogue gives it in EUR and the scenario is in AUD"
        in text
    )
    doc["parameters"]["exchange_rates"] = "EUR=1.6"
    network = network_from_document(doc)
    hp = network.processes.set_index("id").loc["hp"]
    assert hp["capex_per_capacity"] == pytest.approx(1.6 * 700_000 / 4_000)
    assert hp["operating_cost"] == pytest.approx(1.6 * 2.0 + 0.30 * 50)  # prices are AUD
    doc["technology_sites"][0].update(capex_per_capacity=1_000_000)  # the site's own quote
    own = network_from_document(doc).processes.set_index("id").loc["hp"]
    assert own["capex_per_capacity"] == pytest.approx(1_000_000 / 4_000)


def test_a_csv_folder_names_its_file_and_row(tmp_path: Path) -> None:
    folder = write_network(network_from_document(_document()), tmp_path / "park")
    sites = pd.read_csv(folder / "technology_sites.csv")
    sites.loc[1, "technology_id"] = "nope"
    sites.to_csv(folder / "technology_sites.csv", index=False)
    with pytest.raises(ScenarioError) as caught:
        read_network(folder)
    text = str(caught.value)
    assert "technology_sites.csv, row 3, field 'technology_id': unknown technology 'nope'" in text
