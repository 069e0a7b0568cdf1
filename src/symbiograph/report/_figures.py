"""Plotly figures of a Network that work offline: a lon/lat map and a Sankey of exchanges.

The map is a plain scatter on longitude/latitude axes with equal-distance scaling (the
latitude axis is stretched by 1/cos(latitude)), so no map tiles or topojson are fetched.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from symbiograph.access import SHARED, Viewer, band_label, band_middle
from symbiograph.model import Network
from symbiograph.report._basemap import SEA, basemap_trace, place_labels, with_tiles
from symbiograph.report._format import number
from symbiograph.report._summary import KINDS, exchange_flows, facility_table, quantity_text

__all__ = ["KIND_COLOURS", "exchange_map", "exchange_sankey", "sankey_views"]

#: Colour of each resource kind (material brown, energy red, water blue, utility grey).
KIND_COLOURS: dict[str, str] = {
    "material": "#8c564b",
    "energy": "#d62728",
    "water": "#1f77b4",
    "utility": "#7f7f7f",
}
_OTHER_COLOUR = "#9467bd"
_DASH = {
    "existing": "solid",
    "new": "dash",
    "planned": "dash",
    "candidate": "dot",
    "ended": "dashdot",
}
#: Facility names are drawn on the map up to this many facilities (hover text beyond).
MAX_LABELS = 60
_WIDTH_LEVELS = 6


def _colour(kind: str) -> str:
    return KIND_COLOURS.get(kind, _OTHER_COLOUR)


def _rgba(hex_colour: str, alpha: float) -> str:
    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha})"


def _empty(title: str, message: str) -> go.Figure:
    fig = go.Figure()
    fig.update_layout(
        title=title,
        xaxis={"visible": False},
        yaxis={"visible": False},
        annotations=[{"text": message, "showarrow": False, "font": {"size": 14}}],
        height=250,
    )
    return fig


def _drawable(flows: pd.DataFrame) -> pd.DataFrame:
    """Flows with a ``label`` (quantity with unit, a band when confidential) and, on the
    confidential rows, the band's middle as the quantity to draw (widths say no more than
    the band)."""
    confidential = flows["confidential"].to_numpy(dtype=bool)
    quantity = flows["quantity"].to_numpy(dtype=float)
    return flows.assign(
        label=[
            quantity_text(q, u, c)
            for q, u, c in zip(quantity, flows["unit"], confidential, strict=True)
        ],
        quantity=np.where(confidential, band_middle(quantity), quantity),
    )


def _line_widths(flows: pd.DataFrame) -> np.ndarray:
    """Line width 1..9 px by quantity, square-root scaled within each unit; 1 px if unknown."""
    widths = np.ones(len(flows))
    quantity = flows["quantity"].to_numpy(dtype=float)
    for unit in flows["unit"].dropna().unique():
        mask = (flows["unit"] == unit).to_numpy() & np.isfinite(quantity)
        if not mask.any():
            continue
        top = np.nanmax(quantity[mask])
        if top > 0:
            widths[mask] = 1 + 8 * np.sqrt(np.clip(quantity[mask], 0, None) / top)
    # bin to a few levels so a large network needs few traces
    step = 8 / (_WIDTH_LEVELS - 1)
    return np.asarray(1 + np.round((widths - 1) / step) * step)


def exchange_map(
    network: Network,
    title: str = "Facilities and exchanges",
    viewer: Viewer = SHARED,
    basemap: bool = True,
    tiles: str | None = None,
) -> go.Figure:
    """A map of facilities (points, labelled) and exchanges (lines between facilities).

    Axes are longitude and latitude (WGS84 degrees) with equal ground distance per pixel
    at the network's mean latitude. Lines are coloured by resource kind, dashed by status
    (solid existing, dashed new or planned, dotted candidate, dash-dot ended; the legend
    and each line's hover say which) and as wide as the
    square root of their quantity relative to the largest exchange in the same unit.
    Under them, with ``basemap``, land (filled), sea (the background) and country borders
    from the shipped Natural Earth 1:50m layer (good to a few km: park scale, not street
    level). Facility labels are placed in Python so that they do not overlap (a label
    pushed away from its point gets a thin leader line). Nothing is fetched. With
    ``tiles`` (an XYZ tile URL template, e.g. of a local ``pmtiles serve``), the figure is
    drawn on a web map over those tiles instead (see ``report._basemap.with_tiles``), which
    the page then loads from that URL. Streams confidential to ``viewer`` show bands.
    """
    facilities = facility_table(network, viewer)
    facilities = facilities[np.isfinite(facilities["lat"]) & np.isfinite(facilities["lon"])]
    if facilities.empty:
        return _empty(title, "no facilities with coordinates")
    where = facilities.drop_duplicates("id").set_index("id")[["lon", "lat"]]
    flows = _drawable(exchange_flows(network, viewer=viewer))
    flows = flows[flows["supplier_id"].isin(where.index) & flows["receiver_id"].isin(where.index)]
    flows = flows.reset_index(drop=True)
    fig = go.Figure()
    if not flows.empty:
        x0 = flows["supplier_id"].map(where["lon"]).to_numpy(dtype=float)
        y0 = flows["supplier_id"].map(where["lat"]).to_numpy(dtype=float)
        x1 = flows["receiver_id"].map(where["lon"]).to_numpy(dtype=float)
        y1 = flows["receiver_id"].map(where["lat"]).to_numpy(dtype=float)
        widths = _line_widths(flows)
        kinds = [k for k in KINDS if k in set(flows["kind"])] + sorted(
            set(flows["kind"].dropna()) - set(KINDS)
        )
        shown: set[tuple[str, str]] = set()
        for kind in kinds:
            for status in [s for s in _DASH if s in set(flows["status"])]:
                for width in sorted(set(widths)):
                    mask = (
                        (flows["kind"] == kind).to_numpy()
                        & (flows["status"] == status).to_numpy()
                        & (widths == width)
                    )
                    if not mask.any():
                        continue
                    n = int(mask.sum())
                    xs = np.column_stack([x0[mask], x1[mask], np.full(n, np.nan)]).ravel()
                    ys = np.column_stack([y0[mask], y1[mask], np.full(n, np.nan)]).ravel()
                    group = f"{kind} ({status})"
                    fig.add_trace(
                        go.Scatter(
                            x=xs,
                            y=ys,
                            mode="lines",
                            line={"color": _colour(kind), "width": width, "dash": _DASH[status]},
                            opacity=0.75 if status == "existing" else 0.55,
                            name=group,
                            legendgroup=group,
                            showlegend=(kind, status) not in shown,
                            hoverinfo="skip",
                        )
                    )
                    shown.add((kind, status))
        # hover points at the middle of each line: what flows, how much, from whom to whom
        hover = [
            f"{s} → {r}<br>{res}: {label}<br>{status}" + (f", {mode}" if mode else "")
            for s, r, res, label, status, mode in zip(
                flows["supplier"],
                flows["receiver"],
                flows["resource"],
                flows["label"],
                flows["status"],
                flows["mode"],
                strict=True,
            )
        ]
        fig.add_trace(
            go.Scatter(
                x=(x0 + x1) / 2,
                y=(y0 + y1) / 2,
                mode="markers",
                marker={
                    "size": 7,
                    "color": [_colour(k) for k in flows["kind"]],
                    "opacity": 0.35,
                    "symbol": "diamond",
                },
                text=hover,
                hovertemplate="%{text}<extra></extra>",
                name="exchange (hover)",
                showlegend=False,
            )
        )
    labelled = len(facilities) <= MAX_LABELS
    fig.add_trace(
        go.Scatter(
            x=facilities["lon"],
            y=facilities["lat"],
            mode="markers",
            marker={"size": 10, "color": "#222222", "line": {"color": "white", "width": 1}},
            customdata=np.column_stack(
                [facilities["name"], facilities["organisation"], facilities["nace_code"]]
            ),
            hovertemplate="<b>%{customdata[0]}</b><br>%{customdata[1]}<br>NACE %{customdata[2]}"
            "<br>%{y:.4f}°N %{x:.4f}°E<extra></extra>",
            name="facility",
        )
    )
    lat = facilities["lat"].to_numpy(dtype=float)
    lon = facilities["lon"].to_numpy(dtype=float)
    mean_lat = float(np.clip(np.mean(lat), -85, 85))
    stretch = 1 / math.cos(math.radians(mean_lat))
    pad_lon = max(0.1 * (lon.max() - lon.min()), 0.005)
    pad_lat = max(0.1 * (lat.max() - lat.min()), 0.005)
    lon_range = (float(lon.min() - pad_lon), float(lon.max() + pad_lon))
    lat_range = (float(lat.min() - pad_lat), float(lat.max() + pad_lat))
    if labelled:
        # pixels per degree of the plot area (about 1,100 x 520 px; equal ground scale)
        per_lon = min(
            1100 / (lon_range[1] - lon_range[0]), 520 / ((lat_range[1] - lat_range[0]) * stretch)
        )
        names = [re.sub(r"\s*\([^)]*\)", "", str(n)).strip() or str(n) for n in facilities["name"]]
        offsets = place_labels(lon, lat, names, per_lon, per_lon * stretch)
        fig.update_layout(
            annotations=[
                {
                    "x": x,
                    "y": y,
                    "text": name,
                    "font": {"size": 11, "color": "#222222"},
                    "bgcolor": "rgba(255,255,255,0.6)",
                    "showarrow": True,
                    "arrowhead": 0,
                    "arrowwidth": 0.7,
                    "arrowcolor": "#888888" if abs(dx) + abs(dy) > 20 else "rgba(0,0,0,0)",
                    "ax": dx,
                    "ay": -dy,
                }
                for x, y, name, (dx, dy) in zip(lon, lat, names, offsets, strict=True)
            ]
        )
    if basemap:
        fig.add_trace(basemap_trace(lon_range, lat_range))
        fig.data = (fig.data[-1], *fig.data[:-1])
    fig.update_layout(
        title=title,
        height=620,
        margin={"l": 60, "r": 20, "t": 50, "b": 50},
        plot_bgcolor=SEA if basemap else "#f4f6f4",
        legend={"orientation": "h", "y": -0.12},
        hovermode="closest",
        xaxis={
            "title": "longitude (°E)",
            "range": list(lon_range),
            "showgrid": True,
            "gridcolor": "white",
            "zeroline": False,
        },
        yaxis={
            "title": "latitude (°N)",
            "range": list(lat_range),
            "scaleanchor": "x",
            "scaleratio": stretch,
            "showgrid": True,
            "gridcolor": "white",
            "zeroline": False,
        },
    )
    if tiles:
        return with_tiles(fig, tiles)
    return fig


#: Width of a link whose quantity is not documented, as a share of the largest drawn link.
NOMINAL_SHARE = 0.02


def _sankey_links(
    flows: pd.DataFrame, nodes: dict[str, int], column: str = "quantity", unit_label: str = ""
) -> dict[str, list[object]]:
    """Link arrays of ``flows`` drawn by ``column`` (all rows in one unit); undocumented
    values get a thin nominal width and a paler colour; a new exchange (status ``new``) is
    paler than one that runs today and its label starts with "new"."""
    value = flows[column].to_numpy(dtype=float)
    known = np.isfinite(value)
    top = float(value[known].max()) if known.any() else 1.0
    nominal = NOMINAL_SHARE * top
    labels = flows["label"] if column == "quantity" else flows[f"{column}_label"]
    status = flows["status"].astype(str).to_numpy()
    return {
        "source": [nodes[f] for f in flows["supplier_id"]],
        "target": [nodes[f] for f in flows["receiver_id"]],
        "value": [float(q) if ok else nominal for q, ok in zip(value, known, strict=True)],
        "color": [
            _rgba(_colour(k), (0.35 if st == "new" else 0.55) if ok else 0.18)
            for k, ok, st in zip(flows["kind"], known, status, strict=True)
        ],
        "label": [
            ("new: " if st == "new" else "existing: " if st == "existing" else "")
            + (f"{res}: {label}" if ok else f"{res}: not documented ({unit_label or u})")
            for res, label, u, ok, st in zip(
                flows["resource"], labels, flows["unit"], known, status, strict=True
            )
        ],
    }


def _money_values(
    flows: pd.DataFrame, values: pd.DataFrame | None, column: str, unit: str
) -> pd.DataFrame:
    """``flows`` with ``column`` from ``values`` (indexed by exchange id) and its label (a
    band on a confidential row, drawn at the band's middle)."""
    if values is None or column not in values:
        return flows.assign(**{column: np.nan, f"{column}_label": ""})
    raw = flows["id"].map(values[column]).to_numpy(dtype=float)
    confidential = flows["confidential"].to_numpy(dtype=bool)
    drawn = np.where(confidential, band_middle(raw), raw)
    labels = [
        band_label(v, unit) if c else f"{number(v)} {unit}"
        for v, c in zip(raw, confidential, strict=True)
    ]
    return flows.assign(**{column: drawn, f"{column}_label": labels})


def sankey_views(
    flows: pd.DataFrame, nodes: dict[str, int], currency: str = "EUR"
) -> list[tuple[str, dict[str, list[object]]]]:
    """The views of the Sankey, as (menu label, link arrays): one per unit (widths compare
    only within one unit: t/yr, MWh/yr and m3/yr are never on one scale), then, when the
    flows carry them, the money view (net benefit per exchange, exchanges at a net cost
    left out) and the CO2e view (t CO2e/yr avoided, exchanges adding CO2e left out)."""
    views: list[tuple[str, dict[str, list[object]]]] = []
    units = [u for u in dict.fromkeys(flows["unit"].dropna()) if str(u)]
    order = {k: i for i, k in enumerate(KINDS)}
    units.sort(
        key=lambda u: min(order.get(k, len(order)) for k in flows.loc[flows["unit"] == u, "kind"])
    )
    for unit in units:
        subset = flows[flows["unit"] == unit]
        kinds = ", ".join(k for k in KINDS if k in set(subset["kind"])) or "other"
        views.append((f"{kinds} ({unit})", _sankey_links(subset, nodes, "quantity", unit)))
    for column, name, unit in (
        ("net_benefit", "money", f"{currency}/yr"),
        ("co2e_t", "CO2e avoided", "t CO2e/yr"),
    ):
        if column not in flows or not np.isfinite(flows[column].to_numpy(dtype=float)).any():
            continue
        subset = flows[flows[column].to_numpy(dtype=float) > 0]
        if len(subset):
            left = len(flows) - len(subset)
            label = f"{name} ({unit})" + (f", {left} not drawn (≤ 0)" if left else "")
            views.append((label, _sankey_links(subset, nodes, column, unit)))
    return views


def exchange_sankey(
    network: Network,
    status: tuple[str, ...] = ("existing",),
    title: str = "Existing exchanges",
    viewer: Viewer = SHARED,
    values: pd.DataFrame | None = None,
    currency: str = "EUR",
) -> go.Figure:
    """A Sankey diagram of exchanges from supplying to receiving facility.

    Links are coloured by resource kind and labelled with the resource and its quantity in
    its canonical unit (t/yr, MWh/yr, m3/yr). A menu switches between views (see
    :func:`sankey_views`): one per unit, so widths compare only within one unit, and, with
    ``values`` (per exchange id: ``net_benefit`` in ``currency``/yr, ``co2e_t`` in t/yr),
    a money view and a CO2e view, the money view first. An exchange of ``status`` whose
    quantity is not documented is drawn pale at a nominal width (NOMINAL_SHARE of the
    largest link of its view) and labelled so; the title counts them. An exchange
    confidential to ``viewer`` is labelled with its band and drawn at the band's middle.
    New exchanges (status ``new``) are paler than existing ones and labelled so.
    """
    flows = _drawable(exchange_flows(network, viewer=viewer))
    flows = flows[flows["status"].isin(status)]
    flows = flows[flows["supplier_id"].notna() & flows["receiver_id"].notna()]
    flows = flows[~(flows["quantity"] <= 0)].reset_index(drop=True)
    undocumented = int(flows["quantity"].isna().sum())
    if undocumented:
        title = (
            f"{title} ({undocumented} of {len(flows)} without a documented quantity:"
            " pale, nominal width)"
        )
    if flows.empty:
        return _empty(title, "no exchanges to draw")
    flows = _money_values(flows, values, "net_benefit", f"{currency}/yr")
    flows = _money_values(flows, values, "co2e_t", "t CO2e/yr")
    ids = list(dict.fromkeys([*flows["supplier_id"], *flows["receiver_id"]]))
    nodes = {f: i for i, f in enumerate(ids)}
    names = pd.concat(
        [
            pd.Series(flows["supplier"].to_numpy(), index=flows["supplier_id"]),
            pd.Series(flows["receiver"].to_numpy(), index=flows["receiver_id"]),
        ]
    )
    names = names[~names.index.duplicated()]
    views = sankey_views(flows, nodes, currency)
    money_first = [v for v in views if v[0].startswith("money")]
    views = money_first + [v for v in views if v not in money_first]
    first = views[0][1]
    fig = go.Figure(
        go.Sankey(
            arrangement="snap",
            valueformat=",.0f",
            node={
                "label": [str(names.get(f, f)) for f in ids],
                "hovertemplate": "%{label}<extra></extra>",
                "pad": 14,
                "thickness": 16,
                "color": "#555555",
                "line": {"color": "white", "width": 0.5},
            },
            link={
                **first,
                "hovertemplate": "%{source.label} → %{target.label}<br>%{label}<extra></extra>",
            },
        )
    )
    if len(views) > 1:
        buttons = [
            {
                "label": label,
                "method": "restyle",
                "args": [{f"link.{key}": [value] for key, value in links.items()}],
            }
            for label, links in views
        ]
        fig.update_layout(
            updatemenus=[
                {"buttons": buttons, "x": 0, "xanchor": "left", "y": 1.12, "yanchor": "top"}
            ]
        )
    fig.update_layout(
        title={"text": title, "x": 0.99, "xanchor": "right"},
        height=max(420, 24 * len(ids)),
        margin={"l": 20, "r": 20, "t": 80, "b": 20},
        font={"size": 11},
        meta={"views": [label for label, _ in views]},
    )
    return fig
