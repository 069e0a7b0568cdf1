"""An offline basemap under the report's map: land, sea and country borders from the shipped
Natural Earth 1:50m layer (world-atlas 2.0.2, see basemap/README.md), labels placed so that
they do not pile on each other, and a pass-through to a user's own tiles for street level.

Nothing is fetched at run time: the layer is package data. Only :func:`with_tiles`, when a
user asks for it, makes the page load tiles from the URL the user gives.
"""

from __future__ import annotations

import json
import math
from functools import lru_cache
from importlib import resources
from typing import Any

import numpy as np
import plotly.graph_objects as go

__all__ = ["LAND", "SEA", "country_outlines", "place_labels", "with_tiles"]

#: Fill colours of the basemap.
LAND = "#eeeadf"
SEA = "#d7e6ef"
_BORDER = "#b9b2a0"


@lru_cache(maxsize=1)
def _rings() -> tuple[list[np.ndarray], np.ndarray]:
    """Every ring of every country as a (n, 2) lon/lat array, and their bounding boxes
    (lon_min, lat_min, lon_max, lat_max) as a (rings, 4) array."""
    text = (
        resources.files("symbiograph.report")
        .joinpath("basemap/countries-50m.json")
        .read_text(encoding="utf-8")
    )
    topo = json.loads(text)
    scale = np.asarray(topo["transform"]["scale"], dtype=float)
    translate = np.asarray(topo["transform"]["translate"], dtype=float)
    arcs = [np.cumsum(np.asarray(a, dtype=float), axis=0) * scale + translate for a in topo["arcs"]]

    def arc(i: int) -> np.ndarray:
        return arcs[i] if i >= 0 else arcs[~i][::-1]

    rings: list[np.ndarray] = []
    for geometry in topo["objects"]["countries"]["geometries"]:
        kind = geometry.get("type")
        polygons = (
            [geometry["arcs"]]
            if kind == "Polygon"
            else geometry["arcs"]
            if kind == "MultiPolygon"
            else []
        )
        for polygon in polygons:
            for ring in polygon:
                parts = [arc(i) for i in ring]
                points = np.vstack([parts[0], *[p[1:] for p in parts[1:]]])
                rings.append(points)
    boxes = np.array([[r[:, 0].min(), r[:, 1].min(), r[:, 0].max(), r[:, 1].max()] for r in rings])
    return rings, boxes


def country_outlines(
    lon_range: tuple[float, float], lat_range: tuple[float, float]
) -> tuple[np.ndarray, np.ndarray]:
    """Lon and lat arrays (rings separated by NaN) of the country polygons that reach into
    the given ranges (degrees), for a filled scatter trace; empty arrays when none does."""
    rings, boxes = _rings()
    hit = (
        (boxes[:, 0] <= lon_range[1])
        & (boxes[:, 2] >= lon_range[0])
        & (boxes[:, 1] <= lat_range[1])
        & (boxes[:, 3] >= lat_range[0])
    )
    chosen = [rings[i] for i in np.flatnonzero(hit)]
    if not chosen:
        return np.array([]), np.array([])
    gap = np.array([[np.nan, np.nan]])
    stacked = np.vstack([part for r in chosen for part in (r, gap)])
    return stacked[:, 0], stacked[:, 1]


def basemap_trace(lon_range: tuple[float, float], lat_range: tuple[float, float]) -> go.Scatter:
    """The land (filled) and its coasts and borders as one scatter trace, drawn first."""
    lon, lat = country_outlines(lon_range, lat_range)
    return go.Scatter(
        x=lon,
        y=lat,
        mode="lines",
        fill="toself",
        fillcolor=LAND,
        line={"color": _BORDER, "width": 0.8},
        hoverinfo="skip",
        name="land and borders (Natural Earth 1:50m)",
        showlegend=False,
    )


#: Offsets (steps, x right and y up) tried in turn for a label: above and below at growing
#: distance first (labels are wide), then to the sides and the diagonals.
_OFFSETS = [(0, dy * r) for r in range(1, 7) for dy in (1, -1)] + [
    (dx * r, dy * r)
    for r in (1, 2, 3)
    for dx, dy in ((1, 0), (-1, 0), (1, 1), (-1, 1), (1, -1), (-1, -1))
]


def place_labels(
    x: np.ndarray,
    y: np.ndarray,
    names: list[str],
    px_per_x: float,
    px_per_y: float,
    font_px: float = 11.0,
) -> list[tuple[float, float]]:
    """Pixel offsets (dx, dy; y up) for each label so that no two label boxes overlap and no
    label covers a point: greedy, larger clusters first in the given order, each label at
    the first free offset of a few rings around its point (the last ring when none is free).
    ``px_per_x`` and ``px_per_y`` convert data units to pixels."""
    px = np.asarray(x, dtype=float) * px_per_x
    py = np.asarray(y, dtype=float) * px_per_y
    char = 0.6 * font_px
    placed: list[tuple[float, float, float, float]] = []
    points = [(a - 5, b - 5, a + 5, b + 5) for a, b in zip(px, py, strict=True)]
    out: list[tuple[float, float]] = []

    def free(box: tuple[float, float, float, float]) -> bool:
        return not any(
            box[0] < o[2] and box[2] > o[0] and box[1] < o[3] and box[3] > o[1]
            for o in [*placed, *points]
        )

    for i, name in enumerate(names):
        w = char * len(name) + 4
        h = font_px + 4
        chosen = None
        for ux, uy in _OFFSETS:
            # step size: a label's height vertically, its half width plus a gap sideways
            dx = ux * (w / 2 + 8) if ux else 0.0
            dy = uy * (h + 2) if uy else 0.0
            cx, cy = px[i] + dx, py[i] + dy
            box = (cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)
            if free(box):
                chosen = (dx, dy, box)
                break
        if chosen is None:
            ux, uy = _OFFSETS[-1]
            dx, dy = ux * (w / 2 + 8), uy * (h + 2)
            cx, cy = px[i] + dx, py[i] + dy
            chosen = (dx, dy, (cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2))
        placed.append(chosen[2])
        out.append((chosen[0], chosen[1]))
    return out


def _zoom(
    lon_span: float, lat_span: float, width_px: float = 1100, height_px: float = 560
) -> float:
    """A web-map zoom level that shows the spans (degrees) in the given pixels."""
    span = max(lon_span / width_px, lat_span / height_px, 1e-9)
    return float(np.clip(math.log2(360 / 256 / span), 0, 20))


def with_tiles(fig: go.Figure, tiles: str, attribution: str = "") -> go.Figure:
    """``fig`` (:func:`exchange_map`) redrawn on a tiled web map (plotly's MapLibre ``map``
    layout) with the user's raster tiles as its only layer: ``tiles`` is an XYZ URL
    template (``https://tiles.example.org/{z}/{x}/{y}.png``, or a local server, e.g.
    ``pmtiles serve`` of a PMTiles file). The URL is passed through as given; the page then
    loads tiles from it when opened (the one exception to "nothing is fetched", and the
    user's choice). Lines keep their colours and widths; MapLibre draws no dashes, so
    existing and new exchanges differ by opacity and by name in the legend."""
    traces: list[Any] = []
    for trace in fig.data:
        if trace.type != "scatter" or trace.fill == "toself":
            continue
        mode = trace.mode or "markers"
        kwargs: dict[str, Any] = {
            "lon": trace.x,
            "lat": trace.y,
            "mode": mode.replace("+text", "") if trace.text is None else mode,
            "name": trace.name,
            "legendgroup": trace.legendgroup,
            "showlegend": trace.showlegend,
            "text": trace.text,
            "opacity": trace.opacity,
        }
        if "lines" in mode:
            kwargs["line"] = {"color": trace.line.color, "width": trace.line.width}
            kwargs["hoverinfo"] = "skip"
        else:
            kwargs["marker"] = {
                "size": trace.marker.size,
                "color": trace.marker.color,
                "opacity": trace.marker.opacity,
            }
            kwargs["hovertemplate"] = trace.hovertemplate
            kwargs["customdata"] = trace.customdata
        traces.append(go.Scattermap(**kwargs))
    x0, x1 = fig.layout.xaxis.range
    y0, y1 = fig.layout.yaxis.range
    out = go.Figure(traces)
    out.update_layout(
        title=fig.layout.title,
        height=fig.layout.height,
        margin=fig.layout.margin,
        legend=fig.layout.legend,
        map={
            "style": "white-bg",
            "center": {"lon": (x0 + x1) / 2, "lat": (y0 + y1) / 2},
            "zoom": _zoom(x1 - x0, y1 - y0),
            "layers": [
                {
                    "sourcetype": "raster",
                    "source": [tiles],
                    "below": "traces",
                    "sourceattribution": attribution,
                }
            ],
        },
    )
    return out
