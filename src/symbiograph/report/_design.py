"""The design report: the chosen network as tables (CSV), summary.json and an offline HTML
page with a Sankey of the chosen flows, a map, the per-participant account, indicators and,
when given, the money-CO2e Pareto front."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import plotly.graph_objects as go
import plotly.offline

from symbiograph.model import Network
from symbiograph.report._figures import exchange_map, exchange_sankey
from symbiograph.report._html import _environment, _figure_div, _records

__all__ = ["design_network_view", "pareto_figure", "write_design_report"]


def design_network_view(network: Network, flows: pd.DataFrame) -> Network:
    """A copy of ``network`` whose exchanges are the chosen flows (status ``planned``)."""
    chosen = flows[flows["flow"] > 0]
    view = Network(**{**network.__dict__})
    exchanges = network.exchanges.iloc[0:0].copy()
    exchanges = pd.DataFrame(
        {
            "id": chosen["candidate_id"].to_numpy(dtype=object),
            "supply_id": chosen["supply_id"].to_numpy(dtype=object),
            "demand_id": chosen["demand_id"].to_numpy(dtype=object),
            "quantity": chosen["flow"].to_numpy(dtype=float),
            "mode": chosen["mode"].to_numpy(dtype=object),
            "status": "planned",
        }
    ).reindex(columns=network.exchanges.columns)
    for col in exchanges.columns:
        dtype = network.exchanges[col].dtype
        exchanges[col] = (
            exchanges[col].astype(object).where(exchanges[col].notna(), "")
            if dtype.kind == "O"
            else exchanges[col].astype(dtype)
        )
    view.exchanges = exchanges.reset_index(drop=True)
    return view


def pareto_figure(front: pd.DataFrame, currency: str) -> go.Figure:
    """Annual net benefit against CO2e avoided along the Pareto front."""
    fig = go.Figure(
        go.Scatter(
            x=front["co2e_avoided_t"],
            y=front["net_benefit"],
            mode="lines+markers",
            text=[f"{n} exchanges" for n in front["exchanges_built"]],
            hovertemplate="%{x:,.0f} t CO2e/yr<br>%{y:,.0f} "
            + currency
            + "/yr<br>%{text}<extra></extra>",
        )
    )
    fig.update_layout(
        xaxis_title="CO2e avoided, t/yr",
        yaxis_title=f"net benefit, {currency}/yr",
        height=420,
        margin={"l": 60, "r": 20, "t": 20, "b": 50},
    )
    return fig


def _money(value: float) -> str:
    return f"{value:,.0f}"


def write_design_report(
    network: Network,
    solution: Any,
    out: str | Path,
    pareto: pd.DataFrame | None = None,
    indicators: pd.DataFrame | None = None,
    title: str | None = None,
    objective_name: str = "cost",
    review: pd.DataFrame | None = None,
    comparison: pd.DataFrame | None = None,
) -> dict[str, Path]:
    """Write flows.csv, objective.csv, participants.csv, duals.csv, (pareto.csv),
    summary.json and report.html into ``out``; returns their paths by name."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    currency = str(network.parameters.get("currency", "EUR"))
    paths: dict[str, Path] = {}
    flows = solution.flows
    objective = solution.objective.rename("value").rename_axis("term").reset_index()
    tables = {
        "flows": flows,
        "objective": objective,
        "participants": solution.participants,
        "duals": solution.duals,
    }
    if len(solution.flows_by_slice):
        tables["flows_by_slice"] = solution.flows_by_slice
    if len(solution.storage):
        tables["storage"] = solution.storage
    if len(solution.infrastructure):
        tables["infrastructure"] = solution.infrastructure
    if pareto is not None:
        tables["pareto"] = pareto
    if indicators is not None:
        tables["indicators"] = indicators
    if review is not None:
        tables["documented_review"] = review
    if comparison is not None:
        tables["published_comparison"] = comparison
    for name, frame in tables.items():
        paths[name] = out / f"{name}.csv"
        frame.to_csv(paths[name], index=False)
    built = flows[flows["built"]]
    summary = {
        "scenario": network.parameters.get("name"),
        "currency": currency,
        "status": solution.status,
        "mip_gap": solution.mip_gap,
        "net_benefit_per_yr": solution.net_benefit,
        "co2e_avoided_t_per_yr": solution.co2e_avoided_t,
        "exchanges_built": len(built),
        "objective_by_term": {k: float(v) for k, v in solution.objective.items()},
        "timings_s": solution.timings,
        "parameters": {k: v for k, v in solution.parameters.items()},
    }
    paths["summary"] = out / "summary.json"
    paths["summary"].write_text(
        json.dumps(summary, indent=1, ensure_ascii=False, default=str), "utf-8"
    )
    view = design_network_view(network, flows)
    headline = [
        {"item": f"net benefit, {currency}/yr", "value": _money(solution.net_benefit)},
        {"item": "t CO2e avoided per year", "value": _money(solution.co2e_avoided_t)},
        {"item": "exchanges built", "value": f"{len(built)}"},
        {"item": "candidates considered", "value": f"{len(flows)}"},
    ]
    shown = flows[flows["flow"] > 0].assign(
        route_km=lambda d: d["route_km"].map("{:.1f}".format),
        flow=lambda d: d["flow"].map("{:,.0f}".format),
        net_benefit=lambda d: d["net_benefit"].map(_money),
        co2e_t=lambda d: d["co2e_t"].map("{:,.1f}".format),
    )
    participants = solution.participants.assign(
        as_giver=lambda d: d["as_giver"].map(_money),
        as_taker=lambda d: d["as_taker"].map(_money),
        net_benefit=lambda d: d["net_benefit"].map(_money),
    )
    duals = solution.duals.assign(shadow_price=lambda d: d["shadow_price"].map("{:,.2f}".format))
    template = _environment().get_template("design_report.html.j2")
    html = template.render(
        title=title or f"symbiograph design: {network.parameters.get('name', 'scenario')}",
        scenario=network.parameters.get("name", "scenario"),
        objective_name=objective_name,
        status=solution.status,
        mip_gap=f"{solution.mip_gap:.2%}",
        currency=currency,
        headline=headline,
        plotlyjs=plotly.offline.get_plotlyjs(),
        sankey_div=_figure_div(
            exchange_sankey(view, status=("planned",), title="Chosen exchanges"), "design-sankey"
        ),
        map_div=_figure_div(exchange_map(view, title="Chosen exchanges"), "design-map"),
        pareto_div=_figure_div(pareto_figure(pareto, currency), "design-pareto")
        if pareto is not None
        else "",
        objective_terms=_records(objective.assign(value=objective["value"].map(_money))),
        participants=_records(participants),
        indicators=_records(indicators.assign(value=indicators["value"].map("{:,.4g}".format)))
        if indicators is not None
        else [],
        comparison=_records(
            comparison[
                [
                    "indicator",
                    "ours",
                    "our_unit",
                    "published",
                    "unit",
                    "year",
                    "source_id",
                    "gap",
                    "scope",
                    "explanation",
                ]
            ].assign(
                ours=comparison["ours"].map("{:,.4g}".format),
                published=comparison["published"].map("{:,.4g}".format),
                gap=comparison["gap"].map("{:.2f}".format),
            )
        )
        if comparison is not None
        else [],
        flows=_records(shown),
        review=_records(review.assign(design_flow=review["design_flow"].map("{:,.0f}".format)))
        if review is not None
        else [],
        duals=_records(duals),
    )
    paths["report"] = out / "report.html"
    paths["report"].write_text(html, encoding="utf-8")
    return paths
