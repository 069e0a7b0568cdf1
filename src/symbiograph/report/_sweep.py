"""The report of a scenario sweep: the tidy table (Parquet and CSV) and an HTML page with the
viability curves: which exchanges are built at which policy levels, the network's net
benefit and CO2e, and each participant's result across the grid."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import plotly
import plotly.graph_objects as go

from symbiograph.access import SHARED, Viewer, hidden_rows, hidden_streams, redact_columns
from symbiograph.model import Network
from symbiograph.report._figures import _empty
from symbiograph.report._html import _environment, _figure_div, _records
from symbiograph.report._summary import _disclosure

__all__ = ["shared_sweep_table", "sweep_figures", "write_sweep_report"]


def shared_sweep_table(
    network: Network, table: pd.DataFrame, viewer: Viewer = SHARED
) -> pd.DataFrame:
    """The sweep ``table`` as ``viewer`` may see it: a built exchange whose supply or demand
    is a hidden confidential stream shows bands for its flow, money and CO2e, and so do the
    total and the participants' figures of every grid point where such an exchange carries
    flow (they would give the hidden figures back by subtraction)."""
    hidden = hidden_streams(network, viewer)
    if not hidden:
        return table
    on_hidden = hidden_rows(table, hidden) & (table["kind"] == "exchange").to_numpy()
    carrying = on_hidden & (table["flow"].to_numpy(dtype=float) != 0)
    tainted_points = set(table.loc[carrying, "point"].tolist())
    in_tainted = table["point"].isin(tainted_points).to_numpy()
    summed = in_tainted & table["kind"].isin(["total", "participant"]).to_numpy()
    out = redact_columns(table, on_hidden, ["flow", "net_benefit", "co2e_t"])
    return redact_columns(out, summed, ["net_benefit", "co2e_t", "shapley"])


def _point_labels(table: pd.DataFrame, levers: list[str]) -> pd.Series:
    points = table.drop_duplicates("point").set_index("point")[levers]
    return points.apply(lambda r: ", ".join(f"{k} {r[k]:g}" for k in levers), axis=1)


def _axis(table: pd.DataFrame, levers: list[str]) -> tuple[pd.Series, str]:
    """The x value of each point: the level itself on a one-lever grid, else its label."""
    if len(levers) == 1:
        return table.drop_duplicates("point").set_index("point")[levers[0]], levers[0]
    return _point_labels(table, levers), "grid point"


def _numeric(values: pd.Series) -> pd.Series:
    """Numbers to draw; banded (text) cells are not drawn."""
    return pd.to_numeric(values, errors="coerce")


def sweep_figures(table: pd.DataFrame, levers: list[str], currency: str) -> dict[str, go.Figure]:
    """The sweep's figures: ``exchanges`` (a heat map of which exchange is built at which
    point), ``totals`` (net benefit, currency/yr, and CO2e avoided, t/yr, across the grid)
    and ``participants`` (each participant's gain, or Shapley value when allocated)."""
    x, x_title = _axis(table, levers)
    figures: dict[str, go.Figure] = {}
    exchanges = table[table["kind"] == "exchange"]
    if len(exchanges):
        label = exchanges["giver"] + " → " + exchanges["taker"] + " (" + exchanges["id"] + ")"
        built = pd.crosstab(label, exchanges["point"]).reindex(columns=x.index, fill_value=0)
        built = built.loc[built.sum(axis=1).sort_values(ascending=False, kind="stable").index]
        fig = go.Figure(
            go.Heatmap(
                z=(built.to_numpy() > 0).astype(int),
                x=[str(v) for v in x.to_numpy()],
                y=built.index.tolist(),
                colorscale=[[0, "#f6f8f9"], [1, "#2e7d5b"]],
                showscale=False,
                hovertemplate="%{y}<br>%{x}<extra></extra>",
            )
        )
        fig.update_layout(
            xaxis_title=x_title,
            height=max(260, 22 * len(built) + 120),
            margin={"l": 320, "r": 20, "t": 20, "b": 80},
        )
        figures["exchanges"] = fig
    else:
        figures["exchanges"] = _empty("Exchanges built", "no exchange is built at any point")
    totals = table[table["kind"] == "total"].set_index("point")
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            x=x.to_numpy(), y=_numeric(totals["net_benefit"]), name=f"net benefit, {currency}/yr"
        )
    )
    fig.add_trace(
        go.Scatter(
            x=x.to_numpy(), y=_numeric(totals["co2e_t"]), name="CO2e avoided, t/yr", yaxis="y2"
        )
    )
    fig.update_layout(
        xaxis_title=x_title,
        yaxis={"title": f"{currency}/yr"},
        yaxis2={"title": "t CO2e/yr", "overlaying": "y", "side": "right"},
        height=420,
        margin={"l": 60, "r": 60, "t": 20, "b": 80},
    )
    figures["totals"] = fig
    people = table[table["kind"] == "participant"]
    measure = "shapley" if _numeric(people["shapley"]).notna().any() else "net_benefit"
    fig = go.Figure()
    for name, rows in people.groupby("id", sort=True):
        rows = rows.set_index("point").reindex(x.index)
        fig.add_trace(go.Scatter(x=x.to_numpy(), y=_numeric(rows[measure]), name=str(name)))
    fig.update_layout(
        xaxis_title=x_title,
        yaxis_title=(
            f"Shapley value, {currency}/yr" if measure == "shapley" else f"gain, {currency}/yr"
        ),
        height=460,
        margin={"l": 60, "r": 20, "t": 20, "b": 80},
    )
    figures["participants"] = fig
    return figures


def write_sweep_report(
    network: Network,
    table: pd.DataFrame,
    out: str | Path,
    title: str | None = None,
    viewer: Viewer = SHARED,
) -> dict[str, Path]:
    """Write sweep.parquet, sweep.csv, summary.json and report.html (the viability curves)
    into ``out``; returns their paths by name. What is written is what ``viewer`` may see
    (default a participant; see :func:`shared_sweep_table`)."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    currency = str(network.parameters.get("currency", "EUR"))
    start = list(table.columns).index("kind")
    levers = [c for c in table.columns[1:start]]
    shared = shared_sweep_table(network, table, viewer)
    paths = {"csv": out / "sweep.csv", "parquet": out / "sweep.parquet"}
    shared.to_csv(paths["csv"], index=False)
    parquet = shared.copy()
    for column in parquet.columns:
        if parquet[column].dtype == object:
            parquet[column] = parquet[column].map(lambda v: "" if v is None else str(v))
    parquet.to_parquet(paths["parquet"], index=False)
    totals = shared[shared["kind"] == "total"]
    exchanges = table[table["kind"] == "exchange"]
    viable = (
        exchanges.groupby("id")
        .agg(
            giver=("giver", "first"),
            taker=("taker", "first"),
            points=("point", "nunique"),
        )
        .reset_index()
        .sort_values(["points", "id"], ascending=[False, True])
    )
    for lever in levers:
        levels = exchanges.groupby("id")[lever]
        viable[f"lowest_{lever}"] = viable["id"].map(levels.min())
    lever_levels = {lever: sorted(set(table[lever].tolist())) for lever in levers}
    summary = {
        "scenario": network.parameters.get("name"),
        "currency": currency,
        "levers": lever_levels,
        "points": int(table["point"].nunique()),
        "exchanges_ever_built": len(viable),
        "disclosure": _disclosure(network, viewer),
    }
    paths["summary"] = out / "summary.json"
    paths["summary"].write_text(json.dumps(summary, indent=1, ensure_ascii=False, default=str))
    figures = sweep_figures(shared, levers, currency)
    template = _environment().get_template("sweep_report.html.j2")
    html = template.render(
        title=title or f"symbiograph sweep: {network.parameters.get('name', 'scenario')}",
        scenario=network.parameters.get("name", "scenario"),
        currency=currency,
        levers=", ".join(f"{k} ({len(v)} levels)" for k, v in lever_levels.items()),
        points=int(table["point"].nunique()),
        disclosure=_disclosure(network, viewer),
        plotlyjs=plotly.offline.get_plotlyjs(),
        exchanges_div=_figure_div(figures["exchanges"], "sweep-exchanges"),
        totals_div=_figure_div(figures["totals"], "sweep-totals"),
        participants_div=_figure_div(figures["participants"], "sweep-participants"),
        viable=_records(viable),
        viable_columns=list(viable.columns),
        totals=_records(
            totals.drop(columns=["supply_id", "demand_id", "giver", "taker", "shapley"])
        ),
        totals_columns=[
            c
            for c in totals.columns
            if c not in ("supply_id", "demand_id", "giver", "taker", "shapley")
        ],
        failed=int(np.sum(totals["status"].astype(str).str.startswith("failed"))),
    )
    paths["report"] = out / "report.html"
    paths["report"].write_text(html, "utf-8")
    return paths
