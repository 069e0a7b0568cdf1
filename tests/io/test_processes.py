"""Plant processes and shared duties: the tables processes, process_ports, duties and
duty_members are read, round-tripped in every format and validated with file/row/field."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from scenarios import boiler_duty_document, reclamation_park_document
from symbiograph.io import ScenarioError, network_from_document, read_network, write_network


def _document() -> dict[str, Any]:
    """The reclamation park with the refinery's boiler duty beside it."""
    doc = reclamation_park_document()
    boiler = boiler_duty_document()
    for table in ("resources", "facilities", "streams"):
        doc[table] = doc[table] + boiler[table]
    doc["duties"], doc["duty_members"] = boiler["duties"], boiler["duty_members"]
    doc["processes"][0].update(min_load=0.25, capacity="2.5 ML/d")
    doc["processes"].append(
        {
            "id": "hp",
            "facility_id": "r",
            "unit": "m3/yr",
            "capacity": 10,
            "status": "candidate",
            "capex": 1_000,
            "lifetime_years": 15,
        }
    )
    doc["process_ports"].append(
        {"process_id": "hp", "stream_id": "r_reclaimed", "direction": "out", "ratio": 1}
    )
    return doc


def _refusal(doc: dict[str, Any]) -> str:
    with pytest.raises(ScenarioError) as caught:
        network_from_document(doc)
    return str(caught.value)


@pytest.mark.parametrize("suffix", [".yaml", "", ".xlsx"])
def test_processes_and_duties_round_trip(tmp_path: Path, suffix: str) -> None:
    network = network_from_document(_document())
    reclaim = network.processes.set_index("id").loc["reclaim"]
    assert reclaim["capacity"] == pytest.approx(2500 * 365)  # 2.5 ML/d in m3/yr
    assert reclaim["min_load"] == 0.25
    assert reclaim["status"] == "existing"
    assert network.processes.set_index("id").loc["hp", "status"] == "candidate"
    assert network.process_ports["ratio"].tolist() == [1.0, 0.9, 1.0]
    assert network.duties["amount"].tolist() == [100_000.0]
    assert network.duty_members["stream_id"].tolist() == ["f_steam", "f_gas"]
    path = write_network(network, tmp_path / f"net{suffix}")
    again = read_network(path)
    assert again.equals(network), again.differences(network)


def test_a_port_on_another_facility_is_refused() -> None:
    doc = _document()
    doc["process_ports"][0]["stream_id"] = "s_water"  # the smelter's demand
    text = _refusal(doc)
    assert "field 'stream_id'" in text
    assert "belongs to facility 's', not to facility 'r' of process 'reclaim'" in text


def test_port_directions_and_ratios_are_checked() -> None:
    doc = _document()
    doc["process_ports"][1]["direction"] = "in"  # r_reclaimed is a supply
    doc["process_ports"][0]["ratio"] = 0
    text = _refusal(doc)
    assert "row 2, field 'direction': an in port needs a demand stream" in text
    assert "row 1, field 'ratio': ratio must be more than 0, not 0" in text


def test_unknown_process_and_facility_are_named() -> None:
    doc = _document()
    doc["process_ports"][2]["process_id"] = "nope"
    doc["processes"][0]["facility_id"] = "nowhere"
    text = _refusal(doc)
    assert "row 3, field 'process_id': unknown process 'nope'" in text
    assert "row 1, field 'facility_id': unknown facility 'nowhere'" in text
    assert "'hp' has no rows in process_ports" in text


def test_a_candidate_process_needs_its_capex() -> None:
    doc = _document()
    del doc["processes"][1]["capex"]
    doc["processes"][0]["min_load"] = 1.5
    text = _refusal(doc)
    assert "row 2, field 'capex': a candidate process needs its capex" in text
    assert "row 1, field 'min_load': min_load must be at most 1, not 1.5" in text


def test_a_stream_belongs_to_one_duty() -> None:
    doc = _document()
    doc["duties"].append(
        {"id": "kiln", "facility_id": "f", "unit": "MWh/yr", "amount": 10, "name": "Kiln fuel"}
    )
    doc["duty_members"].append({"duty_id": "kiln", "stream_id": "f_gas", "ratio": 1})
    text = _refusal(doc)
    assert (
        "row 3, field 'stream_id': stream 'f_gas' is already a member of duty 'boiler' (row 2)"
        in text
    )


def test_duty_members_are_demands_of_the_duty_facility() -> None:
    doc = _document()
    doc["duty_members"][0]["stream_id"] = "c_steam"  # a supply of the cogeneration plant
    doc["duty_members"][1]["ratio"] = -1
    doc["duties"][0]["unit"] = "t"
    text = _refusal(doc)
    assert "stream 'c_steam' belongs to facility 'c', not to facility 'f' of duty 'boiler'" in text
    assert "stream 'c_steam' is a supply, not a demand" in text
    assert "row 2, field 'ratio'" in text
    assert "field 'unit': 't' is not one of: t/yr, MWh/yr, m3/yr" in text


@pytest.mark.parametrize("suffix", [".yaml", "", ".xlsx"])
def test_a_refusal_names_the_file_or_sheet(tmp_path: Path, suffix: str) -> None:
    network = network_from_document(_document())
    path = write_network(network, tmp_path / f"net{suffix}")
    if suffix == "":
        ports = path / "process_ports.csv"
        ports.write_text(ports.read_text().replace(",out,0.9", ",in,0.9"))
    else:
        doc = network_from_document(_document())
        doc.process_ports.loc[1, "direction"] = "in"
        path = write_network(doc, tmp_path / f"bad{suffix}")
    with pytest.raises(ScenarioError) as caught:
        read_network(path)
    (problem,) = caught.value.problems
    assert problem.field == "direction"
    assert "an in port needs a demand stream, but 'r_reclaimed' is a supply" in problem.message
    where = str(problem)
    if suffix == "":
        assert where.startswith(str(path / "process_ports.csv")) and "row 3" in where
    elif suffix == ".xlsx":
        assert "sheet 'process_ports'" in where and "row 3" in where
    else:
        assert where.startswith(str(path))


def test_processes_and_duties_are_stored(tmp_path: Path) -> None:
    from symbiograph.store import Store

    network = network_from_document(_document())
    with Store(f"sqlite:///{tmp_path / 'park.db'}") as store:
        store.save(network, "park")
        again = store.load("park")
    assert again.equals(network), again.differences(network)
