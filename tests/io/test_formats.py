"""Scenario files round-trip losslessly: YAML -> CSV folder -> XLSX -> YAML."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from netgen import networks
from symbiograph.io import read_network, write_network
from symbiograph.model import Network

DATA = Path(__file__).parent.parent / "data"


def test_two_plants_in_canonical_units() -> None:
    net = read_network(DATA / "two_plants.yaml")
    streams = net.streams.set_index("id")
    assert streams.loc["s_gypsum", "quantity"] == pytest.approx(150_000.0)
    # 3.5 MW of continuous heat over 8760 h
    assert streams.loc["s_heat", "quantity"] == pytest.approx(3.5 * 8760)
    assert streams.loc["d_gypsum", "price"] == pytest.approx(35.0)
    # quantity_min/max default to the quantity
    assert streams.loc["s_gypsum", "quantity_max"] == pytest.approx(150_000.0)
    q = net.stream_quality.set_index(["stream_id", "attribute"])
    assert q.loc[("s_gypsum", "purity_pct"), "value"] == 96
    assert q.loc[("d_gypsum", "moisture_pct"), "max"] == 10
    assert net.exchanges.loc[0, "quantity"] == pytest.approx(120_000.0)
    assert net.exchanges["start_year"].dtype == "Int64"


def _round_trip(net: Network, folder: Path) -> Network:
    write_network(net, folder / "a.yaml")
    from_yaml = read_network(folder / "a.yaml")
    write_network(from_yaml, folder / "csv", "csv")
    from_csv = read_network(folder / "csv")
    write_network(from_csv, folder / "b.xlsx")
    from_xlsx = read_network(folder / "b.xlsx")
    write_network(from_xlsx, folder / "c.yaml")
    return read_network(folder / "c.yaml")


def test_round_trip_two_plants(tmp_path: Path) -> None:
    net = read_network(DATA / "two_plants.yaml")
    back = _round_trip(net, tmp_path)
    assert back.differences(net) == []


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(net=networks())
def test_round_trip_property(net: Network, tmp_path_factory: pytest.TempPathFactory) -> None:
    folder = tmp_path_factory.mktemp("rt")
    back = _round_trip(net, folder)
    assert back.differences(net) == []


def test_differences_sees_a_changed_value() -> None:
    net = read_network(DATA / "two_plants.yaml")
    other = read_network(DATA / "two_plants.yaml")
    other.streams.loc[1, "quantity"] += 1.0
    assert any("streams.quantity" in d for d in net.differences(other))
    assert not net.equals(other)


def test_geojson_export(tmp_path: Path) -> None:
    net = read_network(DATA / "two_plants.yaml")
    path = write_network(net, tmp_path / "net.geojson")
    doc = json.loads(path.read_text())
    kinds = [f["geometry"]["type"] for f in doc["features"]]
    assert kinds.count("Point") == 2 and kinds.count("LineString") == 1
    line = next(f for f in doc["features"] if f["geometry"]["type"] == "LineString")
    assert line["geometry"]["coordinates"] == [[11.08, 55.66], [11.10, 55.67]]
    assert line["properties"]["from_facility"] == "power"
