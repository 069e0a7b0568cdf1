"""The one-page HTML report and the JSON summary of a Network.

The HTML file is self-contained: plotly.js is embedded once inline, styles are inline,
and nothing is fetched at view time (no CDN, no tiles, no web fonts).
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2
import pandas as pd
import plotly.io as pio
import plotly.offline
from plotly.graph_objects import Figure

from symbiograph.access import SHARED, Viewer
from symbiograph.model import Network
from symbiograph.report._figures import KIND_COLOURS, exchange_map, exchange_sankey
from symbiograph.report._format import facility_labels, labelled
from symbiograph.report._notes import Footnotes
from symbiograph.report._summary import (
    facility_table,
    network_summary,
    quantity_text,
    summary_tables,
)

__all__ = ["render_network_report", "write_network_report", "write_summary_json"]

_PLOT_CONFIG = {"displaylogo": False, "responsive": True}


@lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("symbiograph.report", "templates"),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )


def _figure_div(fig: Figure, div_id: str) -> str:
    """A figure as a <div> plus its script; plotly.js itself is embedded once by the page."""
    html: str = pio.to_html(
        fig,
        include_plotlyjs=False,
        full_html=False,
        config=_PLOT_CONFIG,
        div_id=div_id,
        default_height=f"{fig.layout.height or 500}px",
    )
    return html


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows for the template; NaN and <NA> become empty strings."""
    clean = frame.astype(object).where(frame.notna(), "")
    return [dict(zip(clean.columns, row, strict=True)) for row in clean.itertuples(index=False)]


def _labels(frame: pd.DataFrame, column: str, hidden: str) -> list[str]:
    """``column`` with its unit as text, a band where ``hidden`` is True."""
    return [
        quantity_text(q, u, h)
        for q, u, h in zip(frame[column], frame["unit"], frame[hidden], strict=True)
    ]


def render_network_report(
    network: Network, title: str | None = None, viewer: Viewer = SHARED, tiles: str | None = None
) -> str:
    """The HTML text of the one-page report (see :func:`write_network_report`)."""
    summary = network_summary(network, viewer)
    tables = summary_tables(network, viewer)
    quantities = tables["quantities"].assign(
        supplied=lambda d: _labels(d, "supplied", "supplied_confidential"),
        demanded=lambda d: _labels(d, "demanded", "demanded_confidential"),
        exchanged=lambda d: _labels(d, "exchanged", "exchanged_confidential"),
    )
    quantities = quantities.drop(columns=[c for c in quantities if c.endswith("_confidential")])
    places = facility_labels(network)
    exchanges = (
        tables["exchanges"]
        .assign(
            quantity=lambda d: _labels(d, "quantity", "confidential"),
            supplier=lambda d: labelled(d["supplier_id"], places),
            receiver=lambda d: labelled(d["receiver_id"], places),
        )
        .drop(columns="confidential")
    )
    footnotes = Footnotes(network, viewer)
    exchange_rows = _records(exchanges)
    for row, sup, dem in zip(
        exchange_rows, network.exchanges["supply_id"], network.exchanges["demand_id"], strict=True
    ):
        row["dq"] = footnotes.refs([sup, dem], [row["id"]])
    facilities = facility_table(network, viewer, footnotes)
    scenario = str(summary["scenario"] or "scenario")
    template = _environment().get_template("network_report.html.j2")
    return template.render(
        title=title or f"symbiograph report: {scenario}",
        scenario=scenario,
        summary=summary,
        parameters=_records(tables["parameters"]),
        counts=_records(tables["counts"]),
        streams_by_kind=_records(tables["streams_by_kind"]),
        exchanges_by_status=_records(tables["exchanges_by_status"]),
        quantities=_records(quantities),
        facilities=_records(facilities),
        exchanges=exchange_rows,
        footnotes=footnotes.entries,
        sources=_records(tables["sources"]),
        kind_colours=KIND_COLOURS,
        plotlyjs=plotly.offline.get_plotlyjs(),
        map_div=_figure_div(exchange_map(network, viewer=viewer, tiles=tiles), "symbiograph-map"),
        sankey_div=_figure_div(exchange_sankey(network, viewer=viewer), "symbiograph-sankey"),
        summary_json=json.dumps(summary, ensure_ascii=False, indent=1),
        disclosure=summary["disclosure"],
    )


def write_network_report(
    network: Network,
    path: str | Path,
    title: str | None = None,
    viewer: Viewer = SHARED,
    tiles: str | None = None,
) -> Path:
    """Write a one-page, self-contained HTML report of ``network`` to ``path``.

    The page shows the scenario parameters, the summary (counts; supplied, demanded and
    exchanged quantities per year in t/yr, MWh/yr, m3/yr), a map of facilities and
    exchanges, a Sankey of existing exchanges, the facility, exchange and source tables and
    the summary as JSON. It opens offline (plotly.js inline, ~5 MB). Streams confidential
    to ``viewer`` (default: a participant) appear as bands (``symbiograph.access``); the page
    says which. With ``tiles`` (an XYZ tile URL template, see ``exchange_map``) the map is
    drawn over the user's own tiles, which the page then loads from that URL. Returns the
    path.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_network_report(network, title, viewer, tiles), encoding="utf-8")
    return path


def write_summary_json(network: Network, path: str | Path, viewer: Viewer = SHARED) -> Path:
    """Write :func:`network_summary` of ``network`` for ``viewer`` as indented JSON."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(network_summary(network, viewer), ensure_ascii=False, indent=2)
    path.write_text(text + "\n", encoding="utf-8")
    return path
