"""The resilience report: the criticality ranking (outage losses beside degree, betweenness
and the diversity-based index), the cascade of the worst outage round by round, a tornado
chart of the inputs' swings per participant, each participant's net benefit over the Monte
Carlo draws and the stochastic design's value, as CSV tables and one offline HTML page
(plotly.js embedded). Reads plain tables, never a solver object."""

from __future__ import annotations

import html
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio

from symbiograph.access import SHARED, Viewer, hidden_rows, hidden_streams, redact_columns
from symbiograph.model import Network

__all__ = ["shared_resilience_tables", "write_resilience_report"]

#: Columns that are not figures a confidential stream could add to.
_LABELS = {"order", "round", "cascade_rounds", "failed_exchanges", "draw", "degree"}
_LABELS |= {"betweenness", "rank_degree", "rank_betweenness", "first_order", "total"}
_LABELS |= {"diversity_index", "probability"}


def shared_resilience_tables(
    network: Network,
    design_flows: pd.DataFrame,
    tables: dict[str, pd.DataFrame],
    viewer: Viewer = SHARED,
) -> tuple[dict[str, pd.DataFrame], bool]:
    """The resilience tables as ``viewer`` may see them, and whether anything was hidden. An
    outage loss or a Monte Carlo spread is a sum over exchanges, so when any exchange of the
    design (``design_flows``, the design's flows table) with flow carries a stream hidden
    from ``viewer``, every figure of every table is shown as its band (conservative: no
    total lets a hidden flow be taken apart); topological measures, counts and indices
    stay."""
    hidden = hidden_streams(network, viewer)
    active = hidden_rows(design_flows, hidden) & (design_flows["flow"].to_numpy(dtype=float) != 0)
    if not active.any():
        return dict(tables), False
    out = {}
    for name, table in tables.items():
        figures = [
            c
            for c in table.columns
            if c not in _LABELS
            and not c.startswith("rank_")
            and pd.api.types.is_float_dtype(table[c])
        ]
        out[name] = redact_columns(table, np.ones(len(table), dtype=bool), figures)
    return out, True


_CONFIG = {"displaylogo": False, "responsive": True}


def _criticality_figure(criticality: pd.DataFrame, currency: str, top: int = 20) -> go.Figure:
    rows = criticality.sort_values("frozen_loss", ascending=False).head(top)
    labels = [f"{k}: {e}" for k, e in zip(rows["kind"], rows["element_id"], strict=True)]
    fig = go.Figure()
    for reading, colour in (("frozen", "#c0392b"), ("rewired", "#2980b9")):
        fig.add_bar(
            y=labels,
            x=rows[f"{reading}_loss"],
            orientation="h",
            name=f"{reading} loss",
            marker_color=colour,
            customdata=rows[["degree", "betweenness"]].to_numpy(),
            hovertemplate="%{y}<br>%{x:,.0f} "
            + currency
            + "/yr<br>degree %{customdata[0]:.0f}, betweenness %{customdata[1]:.3f}<extra></extra>",
        )
    fig.update_layout(
        title=f"Criticality: net benefit lost per outage ({currency}/yr), worst {len(rows)}",
        barmode="group",
        yaxis={"autorange": "reversed"},
        height=max(350, 28 * len(rows) + 120),
        margin={"l": 260},
    )
    return fig


#: The fan chart's bands: (lower quantile, upper quantile, opacity), widest first.
FAN_BANDS = ((0.05, 0.95, 0.25), (0.25, 0.75, 0.55))


def fan_quantiles(draws: pd.DataFrame, column: str = "net_benefit") -> pd.DataFrame:
    """Per organisation of the Monte Carlo ``draws`` (organisation, ``column``), the 5, 25,
    50, 75 and 95 % quantiles of ``column`` (currency/yr), ordered by the median."""
    levels = sorted({q for band in FAN_BANDS for q in band[:2]} | {0.5})
    table = (
        draws.groupby("organisation", sort=True)[column]
        .quantile(levels)
        .unstack()
        .rename(columns=lambda q: f"q{round(q * 100):02d}")
    )
    return table.sort_values("q50", ascending=False)


def _spread_figure(draws: pd.DataFrame, currency: str) -> go.Figure:
    """A fan chart: per participant the 5-95 % and 25-75 % bands of its net benefit over the
    draws (flows as built) and its median, widest band palest."""
    fans = fan_quantiles(draws)
    names = [str(o) for o in fans.index]
    fig = go.Figure()
    for low, high, opacity in FAN_BANDS:
        lo, hi = f"q{round(low * 100):02d}", f"q{round(high * 100):02d}"
        fig.add_bar(
            x=names,
            y=(fans[hi] - fans[lo]).to_numpy(),
            base=fans[lo].to_numpy(),
            name=f"{round(low * 100)}-{round(high * 100)} %",
            marker={"color": "#1f77b4", "opacity": opacity},
            width=0.6 if low == FAN_BANDS[0][0] else 0.35,
        )
    fig.add_scatter(
        x=names,
        y=fans["q50"].to_numpy(),
        mode="markers",
        name="median",
        marker={"color": "#000", "symbol": "line-ew-open", "size": 18},
    )
    fig.add_hline(y=0.0, line_dash="dot", line_color="#888")
    fig.update_layout(
        title=f"Net benefit per participant over the draws ({currency}/yr), flows as built: "
        "fan of the 5-95 % and 25-75 % bands",
        barmode="overlay",
        height=500,
    )
    return fig


def _tornado_figure(tornado: pd.DataFrame, currency: str, top: int = 15) -> go.Figure:
    """Each input's swing of net benefit (flows as built), one pair of bars per input: the
    input at its low and at its high quantile, every other at its median; a menu picks the
    participant (``(total)`` first)."""
    orgs = list(dict.fromkeys(tornado["organisation"].astype(str)))
    if "(total)" in orgs:
        orgs = ["(total)", *[o for o in orgs if o != "(total)"]]
    fig = go.Figure()
    for n, org in enumerate(orgs):
        rows = tornado[tornado["organisation"].astype(str) == org]
        rows = rows.sort_values("swing", ascending=False).head(top)
        base = float(rows["base"].iloc[0]) if len(rows) else 0.0
        for side, colour in (("low", "#c0392b"), ("high", "#27ae60")):
            fig.add_bar(
                y=rows["input"].astype(str),
                x=rows[f"net_benefit_{side}"] - base,
                base=base,
                orientation="h",
                name=f"input at its {side} quantile",
                marker_color=colour,
                visible=n == 0,
                customdata=rows[[f"value_{side}", f"net_benefit_{side}"]].to_numpy(),
                hovertemplate="%{y} = %{customdata[0]:.3g}<br>net benefit %{customdata[1]:,.0f} "
                + currency
                + "/yr<extra></extra>",
                legendgroup=side,
                showlegend=n == 0,
            )
    buttons = [
        {
            "label": org,
            "method": "update",
            "args": [
                {"visible": [k // 2 == n for k in range(2 * len(orgs))]},
                {"title": f"Tornado: net benefit swing of {org} ({currency}/yr), flows as built"},
            ],
        }
        for n, org in enumerate(orgs)
    ]
    fig.update_layout(
        title=f"Tornado: net benefit swing of {orgs[0] if orgs else ''} ({currency}/yr), "
        "flows as built",
        barmode="overlay",
        yaxis={"autorange": "reversed"},
        height=max(350, 30 * min(top, tornado["input"].nunique()) + 140),
        margin={"l": 220},
        updatemenus=[{"buttons": buttons, "x": 1.0, "xanchor": "right", "y": 1.15}]
        if len(orgs) > 1
        else [],
    )
    return fig


def worst_outage(losses: pd.DataFrame) -> str | None:
    """The scenario of the frozen outage that loses the most net benefit (ties: more
    failed exchanges, more cascade rounds, an organisation before a facility before an
    exchange, then by name), or None when no outage breaks an exchange."""
    frozen = losses[(losses["reading"] == "frozen") & (losses["failed_exchanges"] > 0)]
    if not len(frozen):
        return None
    kind = frozen["scenario"].astype(str).str.split(":").str[0]
    frozen = frozen.assign(
        _kind=kind.map({"organisation": 0, "facility": 1, "exchange": 2}).fillna(3)
    )
    order = frozen.sort_values(
        ["net_benefit_loss", "failed_exchanges", "cascade_rounds", "_kind", "scenario"],
        ascending=[False, False, False, True, True],
        kind="stable",
    )
    return str(order["scenario"].iloc[0])


def _cascade_figure(failures: pd.DataFrame, scenario: str) -> go.Figure:
    """Which exchanges fail at which round after the outage ``scenario`` (frozen: round 0
    the direct failures, round k those whose giver lost its inputs in round k - 1)."""
    rows = failures[(failures["scenario"] == scenario) & (failures["reading"] == "frozen")]
    rows = rows.sort_values(["round", "candidate_id"], kind="stable")
    labels = [
        f"{e if isinstance(e, str) and e else c}: {g} → {t}"
        for c, e, g, t in zip(
            rows["candidate_id"],
            rows["exchange_id"],
            rows["supply_organisation"],
            rows["demand_organisation"],
            strict=True,
        )
    ]
    rounds = rows["round"].to_numpy(dtype=int)
    fig = go.Figure()
    fig.add_scatter(
        x=rounds.tolist(),
        y=labels,
        mode="markers+lines",
        marker={"size": 14, "color": rounds.tolist(), "colorscale": "OrRd", "cmin": -1},
        line={"color": "#bbb", "dash": "dot"},
        hovertemplate="%{y}<br>fails in round %{x}<extra></extra>",
        showlegend=False,
    )
    last = int(rounds.max()) if len(rounds) else 0
    fig.update_layout(
        title=f"Cascade after the outage of {scenario}: {len(rows)} exchanges fail in "
        f"{last + 1} round(s)",
        xaxis={"title": "round (0: direct)", "dtick": 1, "range": [-0.5, last + 0.5]},
        yaxis={"autorange": "reversed"},
        height=max(300, 30 * len(rows) + 140),
        margin={"l": 320},
    )
    return fig


def _cascade_map(
    network: Network, design_flows: pd.DataFrame, failures: pd.DataFrame, scenario: str
) -> go.Figure:
    """The cascade of ``scenario`` drawn on the network: facilities at their coordinates,
    the design's flowing exchanges in grey, the failed ones coloured by the round they fail
    in (frozen reading; lon/lat in degrees)."""
    streams = network.streams.set_index("id")["facility_id"].astype(str)
    where = network.facilities.drop_duplicates("id").set_index("id")[["lon", "lat", "name"]]
    flows = design_flows[design_flows["flow"].to_numpy(dtype=float) > 0]
    a = streams.reindex(flows["supply_id"].astype(str)).to_numpy()
    b = streams.reindex(flows["demand_id"].astype(str)).to_numpy()
    rows = failures[(failures["scenario"] == scenario) & (failures["reading"] == "frozen")]
    round_of = dict(zip(rows["candidate_id"].astype(str), rows["round"].astype(int), strict=True))
    last = max(round_of.values(), default=0)
    palette = ["#c0392b", "#e67e22", "#f1c40f", "#8e44ad", "#2c3e50"]
    fig = go.Figure()
    for cid, giver, taker in zip(flows["candidate_id"].astype(str), a, b, strict=True):
        if giver not in where.index or taker not in where.index:
            continue
        k = round_of.get(cid)
        fig.add_scatter(
            x=[float(where.at[giver, "lon"]), float(where.at[taker, "lon"])],
            y=[float(where.at[giver, "lat"]), float(where.at[taker, "lat"])],
            mode="lines",
            line={
                "color": "#cccccc" if k is None else palette[min(k, len(palette) - 1)],
                "width": 1.5 if k is None else 4,
                "dash": "solid" if k in (None, 0) else "dash",
            },
            name="still flowing" if k is None else f"fails in round {k}",
            legendgroup="ok" if k is None else f"round-{k}",
            showlegend=False,
            hovertemplate=f"{html.escape(cid)}: "
            + ("still flowing" if k is None else f"fails in round {k}")
            + "<extra></extra>",
        )
    for label, colour in [("still flowing", "#cccccc")] + [
        (f"fails in round {k}", palette[min(k, len(palette) - 1)]) for k in range(last + 1)
    ]:
        fig.add_scatter(x=[None], y=[None], mode="lines", line={"color": colour}, name=label)
    used = sorted(set(a) | set(b))
    points = where.reindex([u for u in used if u in where.index])
    fig.add_scatter(
        x=points["lon"].to_numpy(dtype=float).tolist(),
        y=points["lat"].to_numpy(dtype=float).tolist(),
        mode="markers+text",
        text=points["name"].astype(str).tolist(),
        textposition="top center",
        marker={"size": 8, "color": "#34495e"},
        name="facility",
        hoverinfo="text",
    )
    fig.update_layout(
        title=f"Cascade after the outage of {scenario}, on the network",
        xaxis={"title": "longitude", "showgrid": False},
        yaxis={"title": "latitude", "showgrid": False, "scaleanchor": "x"},
        height=550,
    )
    return fig


def _table_html(frame: pd.DataFrame, rows: int = 30) -> str:
    shown = frame.head(rows)
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in shown.columns)
    body = "".join(
        "<tr>"
        + "".join(
            f"<td>{v:,.2f}</td>"
            if isinstance(v, float | np.floating)
            else f"<td>{html.escape(str(v))}</td>"
            for v in r
        )
        + "</tr>"
        for r in shown.itertuples(index=False)
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def write_resilience_report(
    out: str | Path,
    tables: dict[str, pd.DataFrame],
    currency: str = "EUR",
    title: str = "Resilience",
    banded: bool = False,
    cascade: str | None = None,
    network: Network | None = None,
    design_flows: pd.DataFrame | None = None,
) -> dict[str, Path]:
    """Write each of ``tables`` (name -> table: e.g. outage_losses, outage_participants,
    outage_failures, criticality, mc_summary, mc_draws, mc_sensitivity, tornado,
    stochastic_summary, stochastic_values, stochastic_built) as ``name.csv`` and
    ``report.html`` into ``out``, with the criticality chart (when ``criticality`` is
    given), the cascade of the outage ``cascade`` (default: the worst frozen outage, see
    :func:`worst_outage`; when ``outage_losses`` and ``outage_failures`` are given), the
    tornado chart with a participant menu (when ``tornado`` is given) and the participants'
    fan chart (when ``mc_draws`` is given); with ``network`` and ``design_flows`` (the design's
    flows table) the cascade is also drawn on the network's map; returns the paths. ``banded``: the tables hold
    bands (see :func:`shared_resilience_tables`), so no chart is drawn and the page says
    why."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    paths: dict[str, Path] = {}
    for name, table in tables.items():
        paths[name] = out / f"{name}.csv"
        table.to_csv(paths[name], index=False)
    parts = [f"<h1>{html.escape(title)}</h1>"]
    figures = []
    if banded:
        parts.append(
            "<p>Figures are shown as bands: the design has exchanges with confidential "
            "streams (charts need the full view).</p>"
        )
    elif "criticality" in tables and len(tables["criticality"]):
        figures.append(_criticality_figure(tables["criticality"], currency))
    if not banded and "outage_losses" in tables and "outage_failures" in tables:
        chosen = cascade or worst_outage(tables["outage_losses"])
        if chosen is not None:
            figures.append(_cascade_figure(tables["outage_failures"], chosen))
            if network is not None and design_flows is not None:
                figures.append(
                    _cascade_map(network, design_flows, tables["outage_failures"], chosen)
                )
    if not banded and "tornado" in tables and len(tables["tornado"]):
        figures.append(_tornado_figure(tables["tornado"], currency))
    if not banded and "mc_draws" in tables and len(tables["mc_draws"]):
        figures.append(_spread_figure(tables["mc_draws"], currency))
    for k, fig in enumerate(figures):
        parts.append(
            pio.to_html(
                fig,
                include_plotlyjs=k == 0,
                full_html=False,
                config=_CONFIG,
                div_id=f"figure-{k}",
            )
        )
    for name in (
        "criticality",
        "mc_summary",
        "mc_sensitivity",
        "tornado",
        "stochastic_summary",
        "stochastic_built",
    ):
        if name in tables and len(tables[name]):
            parts.append(f"<h2>{html.escape(name)}</h2>" + _table_html(tables[name]))
    style = (
        "body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;font-size:12px}"
        "td,th{border:1px solid #ccc;padding:2px 6px;text-align:right}"
    )
    page = (
        "<!doctype html><html><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title><style>{style}</style></head><body>"
        + "\n".join(parts)
        + "</body></html>"
    )
    paths["report"] = out / "report.html"
    paths["report"].write_text(page, encoding="utf-8")
    return paths
