"""The report: summary numbers, offline HTML with a map and a Sankey, JSON summary."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import pandas as pd
import plotly.offline
import pytest

from symbiograph.model import Network, column_dtype, empty_table
from symbiograph.model import attributes as schema_attributes
from symbiograph.report import (
    exchange_flows,
    exchange_map,
    exchange_sankey,
    network_summary,
    summary_tables,
    write_network_report,
    write_summary_json,
)


def _table(name: str, rows: list[dict[str, object]]) -> pd.DataFrame:
    """A schema table from hand-written rows; absent text is "", absent numbers NaN/<NA>."""
    frame = empty_table(name)
    if not rows:
        return frame
    columns: dict[str, pd.Series] = {}
    for attr in schema_attributes(name):
        default: object = "" if attr.type in ("str", "code") else None
        if attr.type == "bool":
            default = False
        values = [row.get(attr.name, default) for row in rows]
        columns[attr.name] = pd.Series(values).astype(column_dtype(attr.type))
    return pd.DataFrame(columns)


def hand_made_network() -> Network:
    """Power plant gives fly ash (existing, 30 kt) and heat (existing, 100 GWh) to two
    neighbours; a planned water exchange; one demand without an exchange."""
    net = Network()
    net.parameters["name"] = "hand-made"
    net.sources = _table(
        "sources",
        [
            {
                "id": "S1",
                "citation": "Author, A. Report",
                "year": 2020,
                "url": "https://example.org/r",
            }
        ],
    )
    net.resources = _table(
        "resources",
        [
            {"id": "ash", "name": "Fly ash", "kind": "material", "unit": "t/yr"},
            {"id": "heat", "name": "District heat", "kind": "energy", "unit": "MWh/yr"},
            {"id": "water", "name": "Cooling water", "kind": "water", "unit": "m3/yr"},
        ],
    )
    net.facilities = _table(
        "facilities",
        [
            {
                "id": "P",
                "name": "Power plant",
                "organisation": "Power Co",
                "nace_code": "35.11",
                "lat": 55.68,
                "lon": 11.09,
            },
            {
                "id": "C",
                "name": "Cement works",
                "organisation": "Cement Co",
                "nace_code": "23.51",
                "lat": 55.66,
                "lon": 11.12,
            },
            {
                "id": "T",
                "name": "Town heating",
                "organisation": "Town",
                "nace_code": "35.30",
                "lat": 55.67,
                "lon": 11.14,
            },
        ],
    )
    net.streams = _table(
        "streams",
        [
            {
                "id": "s_ash",
                "facility_id": "P",
                "resource_id": "ash",
                "direction": "supply",
                "quantity": 40000.0,
            },
            {
                "id": "d_ash",
                "facility_id": "C",
                "resource_id": "ash",
                "direction": "demand",
                "quantity": 30000.0,
            },
            {
                "id": "s_heat",
                "facility_id": "P",
                "resource_id": "heat",
                "direction": "supply",
                "quantity": 150000.0,
            },
            {
                "id": "d_heat",
                "facility_id": "T",
                "resource_id": "heat",
                "direction": "demand",
                "quantity": 100000.0,
            },
            {
                "id": "s_water",
                "facility_id": "C",
                "resource_id": "water",
                "direction": "supply",
                "quantity": 500000.0,
            },
            {
                "id": "d_water",
                "facility_id": "P",
                "resource_id": "water",
                "direction": "demand",
                "quantity": 700000.0,
            },
            {
                "id": "d_ash2",
                "facility_id": "T",
                "resource_id": "ash",
                "direction": "demand",
                "quantity": 5000.0,
            },
        ],
    )
    net.exchanges = _table(
        "exchanges",
        [
            {
                "id": "X1",
                "supply_id": "s_ash",
                "demand_id": "d_ash",
                "quantity": 30000.0,
                "mode": "truck",
                "status": "existing",
                "source_id": "S1",
            },
            {
                "id": "X2",
                "supply_id": "s_heat",
                "demand_id": "d_heat",
                "quantity": 100000.0,
                "mode": "pipeline",
                "status": "existing",
            },
            {
                "id": "X3",
                "supply_id": "s_water",
                "demand_id": "d_water",
                "quantity": 400000.0,
                "mode": "pipeline",
                "status": "planned",
            },
        ],
    )
    return net


@pytest.fixture
def network() -> Network:
    """The hand-made network of three facilities."""
    return hand_made_network()


def test_summary_numbers_add_up(network: Network) -> None:
    summary = network_summary(network)
    counts = summary["counts"]
    assert counts["facilities"] == 3
    assert counts["organisations"] == 3
    assert counts["resources"] == 3
    assert counts["streams"] == 7
    assert sum(summary["streams_by_direction"].values()) == counts["streams"]
    assert summary["streams_by_direction"] == {"supply": 3, "demand": 4}
    assert sum(k["total"] for k in summary["streams_by_kind"].values()) == counts["streams"]
    assert summary["streams_by_kind"]["material"] == {"supply": 1, "demand": 2, "total": 3}
    assert sum(summary["exchanges_by_status"].values()) == counts["exchanges"] == 3
    assert summary["exchanges_by_status"]["existing"] == 2
    assert summary["exchanges_by_status"]["planned"] == 1
    assert summary["units"] == {"material": "t/yr", "energy": "MWh/yr", "water": "m3/yr"}
    assert summary["supplied"] == {"material": 40000.0, "energy": 150000.0, "water": 500000.0}
    assert summary["demanded"] == {"material": 35000.0, "energy": 100000.0, "water": 700000.0}
    # only existing exchanges count as exchanged: the planned water exchange does not
    assert summary["exchanged"] == {"material": 30000.0, "energy": 100000.0, "water": 0.0}
    # the summary is plain JSON and survives a round trip unchanged
    assert json.loads(json.dumps(summary, allow_nan=False)) == summary


def test_summary_tables_agree_with_summary(network: Network) -> None:
    tables = summary_tables(network)
    summary = network_summary(network)
    quantities = tables["quantities"].set_index("kind")
    assert quantities.loc["material", "supplied"] == summary["supplied"]["material"]
    assert tables["streams_by_kind"]["total"].sum() == summary["counts"]["streams"]
    assert tables["exchanges_by_status"]["count"].sum() == summary["counts"]["exchanges"]
    facilities = tables["facilities"].set_index("id")
    assert facilities.loc["P", "supplies"] == "Fly ash 40,000 t/yr; District heat 150,000 MWh/yr"
    assert facilities.loc["T", "demands"] == "District heat 100,000 MWh/yr; Fly ash 5,000 t/yr"
    flows = exchange_flows(network, "existing").set_index("id")
    assert flows.loc["X1", "supplier"] == "Power plant"
    assert flows.loc["X1", "receiver"] == "Cement works"


def test_utility_in_two_units_is_split_by_unit(network: Network) -> None:
    extra = _table(
        "resources",
        [
            {"id": "steam", "name": "Steam", "kind": "utility", "unit": "MWh/yr"},
            {"id": "air", "name": "Compressed air", "kind": "utility", "unit": "m3/yr"},
        ],
    )
    network.resources = pd.concat([network.resources, extra], ignore_index=True)
    more = _table(
        "streams",
        [
            {
                "id": "s_steam",
                "facility_id": "P",
                "resource_id": "steam",
                "direction": "supply",
                "quantity": 10.0,
            },
            {
                "id": "s_air",
                "facility_id": "C",
                "resource_id": "air",
                "direction": "supply",
                "quantity": 20.0,
            },
        ],
    )
    network.streams = pd.concat([network.streams, more], ignore_index=True)
    summary = network_summary(network)
    assert summary["supplied"]["utility (MWh/yr)"] == 10.0
    assert summary["supplied"]["utility (m3/yr)"] == 20.0
    assert summary["supplied"]["energy"] == 150000.0


def test_figures(network: Network) -> None:
    sankey = exchange_sankey(network)
    (trace,) = sankey.data
    assert trace.type == "sankey"
    # one unit per view: t/yr first, never beside MWh/yr on one width scale
    assert list(trace.link.value) == [30000.0]  # existing exchanges only
    assert trace.link.label == ("existing: Fly ash: 30,000 t/yr",)
    assert set(trace.node.label) == {"Power plant", "Cement works", "Town heating"}
    views = {b.label: b.args[0] for b in sankey.layout.updatemenus[0].buttons}
    assert list(views) == ["material (t/yr)", "energy (MWh/yr)"]
    assert views["energy (MWh/yr)"]["link.value"] == [[100000.0]]
    assert views["energy (MWh/yr)"]["link.label"] == [["existing: District heat: 100,000 MWh/yr"]]
    # an existing exchange without a documented quantity: pale, nominal width, said so
    network.exchanges.loc[network.exchanges["id"] == "X2", "quantity"] = float("nan")
    fig = exchange_sankey(network)
    views = {b.label: b.args[0] for b in fig.layout.updatemenus[0].buttons}
    assert views["energy (MWh/yr)"]["link.value"] == [[0.02]]
    assert views["energy (MWh/yr)"]["link.label"] == [
        ["existing: District heat: not documented (MWh/yr)"]
    ]
    assert network_summary(network)["exchanges_without_quantity"]["energy"] == 1
    geo = exchange_map(network)
    assert all(t.type == "scatter" for t in geo.data)  # no scattergeo / mapbox: no tiles
    assert geo.layout.yaxis.scaleanchor == "x"
    assert geo.layout.yaxis.scaleratio == pytest.approx(1 / math.cos(math.radians(55.67)))


def test_report_is_offline_with_map_and_sankey(network: Network, tmp_path: Path) -> None:
    path = write_network_report(network, tmp_path / "report.html", title="Test report")
    html = path.read_text(encoding="utf-8")
    assert "<title>Test report</title>" in html
    assert '"type":"sankey"' in html
    assert 'id="symbiograph-map"' in html
    assert 'id="symbiograph-sankey"' in html
    for name in ("Power plant", "Cement works", "Power Co", "35.11", "Author, A. Report"):
        assert name in html
    # plotly.js is embedded inline exactly once; no script or style is loaded from a URL
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, flags=re.DOTALL)
    assert [attrs.strip() for attrs, _ in scripts] == [""] * len(scripts)  # no src=
    assert html.count(plotly.offline.get_plotlyjs()) == 1
    figure_scripts = [body for _, body in scripts if "Plotly.newPlot" in body]
    assert len(figure_scripts) == 2
    assert not any(re.search(r"https?:|//cdn", body) for body in figure_scripts)
    page = re.sub(r"<script[^>]*>.*?</script>", "", html, flags=re.DOTALL)
    assert not re.search(r"<link\b|@import|url\(", page, flags=re.IGNORECASE)
    loaded = re.findall(r"<(\w+)\b[^>]*\bsrc\s*=", page, flags=re.IGNORECASE)
    assert loaded == []
    # the only absolute URLs outside scripts are the sources' links
    assert re.findall(r"https?://[^\s\"'<]+", page) == ["https://example.org/r"] * 2
    # the same input writes the same bytes
    again = write_network_report(network, tmp_path / "again.html", title="Test report")
    assert again.read_bytes() == path.read_bytes()


def test_report_of_empty_network(tmp_path: Path) -> None:
    html = write_network_report(Network(), tmp_path / "empty.html").read_text(encoding="utf-8")
    assert "no facilities with coordinates" in html
    assert network_summary(Network())["counts"]["streams"] == 0


def test_summary_json(network: Network, tmp_path: Path) -> None:
    path = write_summary_json(network, tmp_path / "out" / "summary.json")
    assert json.loads(path.read_text(encoding="utf-8")) == network_summary(network)
