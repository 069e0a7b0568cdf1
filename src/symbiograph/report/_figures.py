"""Plotly figures of a Network that work offline: a lon/lat map and a Sankey of exchanges.

The map is a plain scatter on longitude/latitude axes with equal-distance scaling (the
latitude axis is stretched by 1/cos(latitude)), so no map tiles or topojson are fetched.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from symbiograph.access import SHARED, Viewer, band_middle
from symbiograph.model import Network
from symbiograph.report._summary import KINDS, exchange_flows, facility_table, quantity_text

__all__ = ["KIND_COLOURS", "exchange_map", "exchange_sankey"]

#: Colour of each resource kind (material brown, energy red, water blue, utility grey).
KIND_COLOURS: dict[str, str] = {
    "material": "#8c564b",
    "energy": "#d62728",
    "water": "#1f77b4",
    "utility": "#7f7f7f",
}
_OTHER_COLOUR = "#9467bd"
_DASH = {"existing": "solid", "planned": "dash", "candidate": "dot", "ended": "dashdot"}
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
    network: Network, title: str = "Facilities and exchanges", viewer: Viewer = SHARED
) -> go.Figure:
    """A map of facilities (points, labelled) and exchanges (lines between facilities).

    Axes are longitude and latitude (WGS84 degrees) with equal ground distance per pixel
    at the network's mean latitude. Lines are coloured by resource kind, dashed by status
    (solid existing, dashed planned, dotted candidate, dash-dot ended) and as wide as the
    square root of their quantity relative to the largest exchange in the same unit.
    Nothing is fetched: no tiles, no topojson. Streams confidential to ``viewer`` show bands.
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
            mode="markers+text" if labelled else "markers",
            text=facilities["name"] if labelled else None,
            textposition="top center",
            textfont={"size": 11},
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
    fig.update_layout(
        title=title,
        height=620,
        margin={"l": 60, "r": 20, "t": 50, "b": 50},
        plot_bgcolor="#f4f6f4",
        legend={"orientation": "h", "y": -0.12},
        hovermode="closest",
        xaxis={
            "title": "longitude (°E)",
            "range": [lon.min() - pad_lon, lon.max() + pad_lon],
            "showgrid": True,
            "gridcolor": "white",
            "zeroline": False,
        },
        yaxis={
            "title": "latitude (°N)",
            "range": [lat.min() - pad_lat, lat.max() + pad_lat],
            "scaleanchor": "x",
            "scaleratio": stretch,
            "showgrid": True,
            "gridcolor": "white",
            "zeroline": False,
        },
    )
    return fig


#: Width of a link whose quantity is not documented, as a share of the largest drawn link.
NOMINAL_SHARE = 0.02


def _sankey_links(flows: pd.DataFrame, nodes: dict[str, int]) -> dict[str, list[object]]:
    """Link arrays; undocumented quantities get a thin nominal width and a paler colour."""
    quantity = flows["quantity"].to_numpy(dtype=float)
    known = np.isfinite(quantity)
    top = float(quantity[known].max()) if known.any() else 1.0
    nominal = NOMINAL_SHARE * top
    return {
        "source": [nodes[f] for f in flows["supplier_id"]],
        "target": [nodes[f] for f in flows["receiver_id"]],
        "value": [float(q) if ok else nominal for q, ok in zip(quantity, known, strict=True)],
        "color": [
            _rgba(_colour(k), 0.5 if ok else 0.18)
            for k, ok in zip(flows["kind"], known, strict=True)
        ],
        "label": [
            f"{res}: {label}" if ok else f"{res}: quantity not documented ({u})"
            for res, label, u, ok in zip(
                flows["resource"], flows["label"], flows["unit"], known, strict=True
            )
        ],
    }


def exchange_sankey(
    network: Network,
    status: tuple[str, ...] = ("existing",),
    title: str = "Existing exchanges",
    viewer: Viewer = SHARED,
) -> go.Figure:
    """A Sankey diagram of exchanges from supplying to receiving facility.

    Links are coloured by resource kind and labelled with the resource and its quantity in
    its canonical unit (t/yr, MWh/yr, m3/yr). Link widths compare only within one unit, so
    a menu shows one resource kind at a time or all together. An exchange of ``status``
    whose quantity is not documented is drawn pale at a nominal width (NOMINAL_SHARE of
    the largest link) and labelled so; the title counts them. An exchange confidential to
    ``viewer`` is labelled with its band and drawn at the band's middle.
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
    ids = list(dict.fromkeys([*flows["supplier_id"], *flows["receiver_id"]]))
    nodes = {f: i for i, f in enumerate(ids)}
    names = pd.concat(
        [
            pd.Series(flows["supplier"].to_numpy(), index=flows["supplier_id"]),
            pd.Series(flows["receiver"].to_numpy(), index=flows["receiver_id"]),
        ]
    )
    names = names[~names.index.duplicated()]
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
                **_sankey_links(flows, nodes),
                "hovertemplate": "%{source.label} → %{target.label}<br>%{label}<extra></extra>",
            },
        )
    )
    kinds = [k for k in KINDS if k in set(flows["kind"])] + sorted(
        set(flows["kind"].dropna()) - set(KINDS)
    )
    if len(kinds) > 1:
        buttons = []
        for label, subset in [("all kinds", flows)] + [
            (
                f"{k} ({', '.join(sorted(set(flows.loc[flows['kind'] == k, 'unit'])))})",
                flows[flows["kind"] == k],
            )
            for k in kinds
        ]:
            links = _sankey_links(subset, nodes)
            buttons.append(
                {
                    "label": label,
                    "method": "restyle",
                    "args": [{f"link.{key}": [value] for key, value in links.items()}],
                }
            )
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
    )
    return fig
