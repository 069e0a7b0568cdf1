"""The map has an offline basemap (land, sea, borders), labels that do not pile up in a
5 km cluster, and a pass-through to a user's own tiles."""

from __future__ import annotations

import re
from importlib import resources
from typing import Any

import numpy as np

from symbiograph.report import exchange_map
from symbiograph.report._basemap import SEA, country_outlines, place_labels


def _boxes(x: np.ndarray, y: np.ndarray, names: list[str], offsets: list[tuple[float, float]]):
    w = [0.6 * 11 * len(n) + 4 for n in names]
    return [
        (a + dx - wi / 2, b + dy - 7.5, a + dx + wi / 2, b + dy + 7.5)
        for a, b, wi, (dx, dy) in zip(x, y, w, offsets, strict=True)
    ]


def _overlap(p: tuple[float, ...], q: tuple[float, ...]) -> bool:
    return p[0] < q[2] and p[2] > q[0] and p[1] < q[3] and p[3] > q[1]


def test_labels_of_a_tight_cluster_do_not_overlap() -> None:
    # eight plants within 5 km (0.05 degrees) drawn at 20 px per degree: all on one spot
    rng = np.random.default_rng(7)
    x = rng.uniform(0, 0.05, 8)
    y = rng.uniform(0, 0.05, 8)
    names = [f"Plant number {i}" for i in range(8)]
    offsets = place_labels(x, y, names, 20.0, 20.0)
    boxes = _boxes(x * 20, y * 20, names, offsets)
    for i in range(len(boxes)):
        for j in range(i):
            assert not _overlap(boxes[i], boxes[j]), (i, j)


def test_land_around_kalundborg() -> None:
    lon, lat = country_outlines((10.9, 11.3), (55.55, 55.8))
    assert len(lon) > 100
    inside = (lon > 10.0) & (lon < 13.0) & (lat > 54.5) & (lat < 58.0)
    assert inside.sum() > 50  # Zealand's coast is in the layer
    assert (country_outlines((-30.0, -29.0), (-40.0, -39.0))[0]).size == 0  # open ocean


def test_kalundborg_map_is_offline_with_basemap_and_placed_labels(
    kalundborg_design: Any,
) -> None:
    network = kalundborg_design.network
    fig = exchange_map(network)
    base = fig.data[0]
    assert base.fill == "toself" and len(base.x) > 100  # land first, under everything
    assert fig.layout.plot_bgcolor == SEA
    assert all(t.type == "scatter" for t in fig.data)
    assert not re.search(r"https?://", fig.to_json())  # nothing is loaded
    notes = fig.layout.annotations
    assert len(notes) == len(network.facilities)
    # the labels' boxes, in the pixels the placement assumed, do not overlap
    x = np.array([a.x for a in notes])
    y = np.array([a.y for a in notes])
    names = [a.text for a in notes]
    stretch = 1 / np.cos(np.radians(float(np.mean(y))))
    lon_range, lat_range = fig.layout.xaxis.range, fig.layout.yaxis.range
    per_lon = min(
        1100 / (lon_range[1] - lon_range[0]), 520 / ((lat_range[1] - lat_range[0]) * stretch)
    )
    offsets = [(a.ax, -a.ay) for a in notes]
    boxes = _boxes(x * per_lon, y * per_lon * stretch, names, offsets)
    clashes = [
        (names[i], names[j])
        for i in range(len(boxes))
        for j in range(i)
        if _overlap(boxes[i], boxes[j])
    ]
    assert clashes == []
    no_basemap = exchange_map(network, basemap=False)
    assert no_basemap.data[0].fill != "toself"


def test_user_tiles_pass_through(kalundborg_design: Any) -> None:
    url = "http://localhost:8080/park/{z}/{x}/{y}.png"
    fig = exchange_map(kalundborg_design.network, tiles=url)
    assert {t.type for t in fig.data} == {"scattermap"}
    (layer,) = fig.layout.map.layers
    assert layer.source == (url,) or list(layer.source) == [url]
    assert layer.sourcetype == "raster"
    assert fig.layout.map.style == "white-bg"
    assert 5 <= fig.layout.map.zoom <= 12


def test_basemap_source_and_licence_are_recorded() -> None:
    folder = resources.files("symbiograph.report").joinpath("basemap")
    readme = folder.joinpath("README.md").read_text(encoding="utf-8")
    assert "world-atlas" in readme and "2.0.2" in readme and "ISC" in readme
    assert "Natural Earth" in readme
    assert "ISC" in readme or "Permission" in folder.joinpath("LICENSE-world-atlas.md").read_text(
        encoding="utf-8"
    )


def test_cli_report_with_tiles(tmp_path: Any) -> None:
    from typer.testing import CliRunner

    from symbiograph.cli import app

    url = "http://localhost:8080/park/{z}/{x}/{y}.png"
    out = tmp_path / "r.html"
    result = CliRunner(env={"COLUMNS": "200", "NO_COLOR": "1"}).invoke(
        app, ["report", "--dataset", "kalundborg", "--out", str(out), "--tiles", url]
    )
    assert result.exit_code == 0, result.output
    html = out.read_text(encoding="utf-8")
    assert '"type":"scattermap"' in html
    assert url in html or url.replace("/", "\\u002f") in html
