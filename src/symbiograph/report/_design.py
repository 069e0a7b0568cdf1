"""The design report: the chosen network as tables (CSV), summary.json and an offline HTML
page with a Sankey of the chosen flows, a map, the per-participant account, indicators and,
when given, the money-CO2e Pareto front."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import plotly.offline

from symbiograph.access import (
    SHARED,
    Viewer,
    band_label,
    band_middle,
    hidden_rows,
    hidden_streams,
    redact_columns,
    redact_table,
)
from symbiograph.model import Network
from symbiograph.report._figures import exchange_map, exchange_sankey
from symbiograph.report._format import (
    cell,
    facility_labels,
    labelled,
    money,
    number,
    stream_labels,
    value_for_unit,
)
from symbiograph.report._html import _environment, _figure_div, _records
from symbiograph.report._notes import Footnotes
from symbiograph.report._summary import _disclosure
from symbiograph.taxonomy import technologies

__all__ = [
    "design_network_view",
    "flow_status",
    "pareto_figure",
    "process_rows",
    "shared_design_tables",
    "write_design_report",
]


def flow_status(network: Network, flows: pd.DataFrame) -> np.ndarray:
    """``"existing"`` for each flow that runs over a link built today (``link_status``
    built) or is a documented exchange that runs today (status existing), else ``"new"``."""
    running = set(network.exchanges.loc[network.exchanges["status"] == "existing", "id"])
    built = (
        flows["link_status"].astype(str).eq("built").to_numpy()
        if "link_status" in flows
        else np.zeros(len(flows), dtype=bool)
    )
    documented = (
        flows["exchange_id"].isin(running).to_numpy()
        if "exchange_id" in flows
        else np.zeros(len(flows), dtype=bool)
    )
    return np.where(built | documented, "existing", "new")


def design_network_view(network: Network, flows: pd.DataFrame) -> Network:
    """A copy of ``network`` whose exchanges are the chosen flows, each with status
    ``existing`` (it runs today, see :func:`flow_status`) or ``new`` (the design adds it)."""
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
            "status": flow_status(network, chosen),
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


#: Units of the indicators that count things (exchanges, participants) or are shares: shown
#: exactly even when a confidential exchange adds to them.
_COUNT_UNITS = ("", "share", "exchanges", "organisations", "resource types")


def _shown(value: float, hidden: bool, decimals: int = 0) -> str:
    """A figure for display: formatted, or its band when a hidden figure adds to it."""
    return band_label(value) if hidden else number(value, decimals)


def shared_design_tables(
    network: Network, tables: dict[str, pd.DataFrame], viewer: Viewer = SHARED
) -> dict[str, pd.DataFrame]:
    """The design's tables (by the names :func:`write_design_report` writes) as ``viewer``
    may see them: rows of exchanges with a confidential end show bands in their confidential
    columns (schema ``flows``), and every total a hidden flow adds to (objective terms, the
    accounts of the organisations on such an exchange, the indicators with a unit, the
    published comparison, the Pareto front, corridor flows) is its band. Unchanged when
    nothing is hidden from ``viewer``."""
    hidden = hidden_streams(network, viewer)
    flows = tables["flows"]
    rows = hidden_rows(flows, hidden)
    active = rows & (flows["flow"].to_numpy(dtype=float) != 0)
    if not rows.any():
        return dict(tables)
    tainted = bool(active.any())
    every = np.ones
    out = dict(tables)
    out["flows"] = redact_table(flows, "flows", network, viewer)
    if tainted:
        out["objective"] = redact_columns(
            tables["objective"], every(len(tables["objective"]), bool), ["value"]
        )
        orgs = set(flows.loc[active, "supply_organisation"]) | set(
            flows.loc[active, "demand_organisation"]
        )
        part = tables["participants"]
        out["participants"] = redact_columns(
            part,
            part["organisation"].isin(orgs).to_numpy(),
            ["as_giver", "as_taker", "as_process", "net_benefit"],
        )
    if "processes" in tables:  # a process's activity follows its streams
        proc, ports = tables["processes"], network.process_ports
        secret = set(ports.loc[ports["stream_id"].isin(hidden), "process_id"])
        out["processes"] = redact_columns(
            proc,
            proc["process_id"].isin(secret).to_numpy(),
            [
                c
                for c in (
                    "activity",
                    "capacity_use",
                    "operating_cost",
                    "input_purchase",
                    "net_benefit",
                    "co2e_t",
                )
                if c in proc.columns
            ],
        )
    duals = tables["duals"]
    out["duals"] = redact_columns(
        duals, hidden_rows(duals, hidden, ("stream_id",)), ["shadow_price"]
    )
    secret_candidates = set(flows.loc[rows, "candidate_id"])
    if "flows_by_slice" in tables:
        by_slice = tables["flows_by_slice"]
        out["flows_by_slice"] = redact_columns(
            by_slice, by_slice["candidate_id"].isin(secret_candidates).to_numpy(), ["flow"]
        )
    if "storage" in tables:
        store = tables["storage"]
        out["storage"] = redact_columns(
            store,
            hidden_rows(store, hidden, ("demand_id",)),
            ["charge", "discharge", "level", "price", "value"],
        )
    if "infrastructure" in tables and tainted:
        infra = tables["infrastructure"]
        out["infrastructure"] = redact_columns(infra, every(len(infra), bool), ["flow"])
    if "pareto" in tables:  # other designs: any of them may use a hidden stream
        front = tables["pareto"]
        out["pareto"] = redact_columns(
            front, every(len(front), bool), ["epsilon_t", "co2e_avoided_t", "net_benefit"]
        )
    if "indicators" in tables and tainted:
        ind = tables["indicators"]
        out["indicators"] = redact_columns(
            ind, ~ind["unit"].isin(_COUNT_UNITS).to_numpy(), ["value"]
        )
    if "documented_review" in tables:
        review = tables["documented_review"]
        out["documented_review"] = redact_columns(
            review, hidden_rows(review, hidden), ["quantity", "design_flow", "reason"]
        )
    # today's network and the addition: a hidden stream may flow in either, so every total
    # with a unit other than a count is its band, and so is each participant's account
    if "today_design_added" in tables:
        three = tables["today_design_added"]
        out["today_design_added"] = redact_columns(
            three, ~three["unit"].isin(_COUNT_UNITS).to_numpy(), ["today", "design", "added"]
        )
    if "participants_today_design_added" in tables:
        per = tables["participants_today_design_added"]
        out["participants_today_design_added"] = redact_columns(
            per,
            np.ones(len(per), dtype=bool),
            [c for c in per.columns if c != "organisation"],
        )
    if "published_comparison" in tables and tainted:
        comp = tables["published_comparison"]
        out["published_comparison"] = redact_columns(
            comp,
            every(len(comp), bool),
            [
                "ours",
                "gap",
                "ours_today",
                "ours_added",
                "ours_that_year",
                "difference",
                "contributions",
                "explanation",
            ],
        )
    return out


def process_rows(
    network: Network, processes: pd.DataFrame, flows: pd.DataFrame
) -> list[dict[str, str]]:
    """One display row per process of a design (``processes``: the solution's, as shared
    with the viewer; ``flows``: the solution's flows): what it is, where, whether it exists
    or was built (with its technology), the capacity built, its activity and capacity use,
    each input and output (resource, quantity per year, and whom it comes from or goes to)
    and its money per year. A banded (hidden) activity shows its quantities as hidden."""
    if not len(processes):
        return []
    places = facility_labels(network)
    labels = stream_labels(network)
    named = network.processes.drop_duplicates("id").set_index("id")
    resources = network.resources.drop_duplicates("id").set_index("id")
    streams = network.streams.drop_duplicates("id").set_index("id")
    ports = network.process_ports
    moving = flows[flows["flow"].to_numpy(dtype=float) > 0]
    sites = network.technology_sites.drop_duplicates("id").set_index("id")
    size_unit = technologies().set_index("id")["capacity_unit"]
    rows: list[dict[str, str]] = []
    for row in processes.itertuples(index=False):
        pid = str(row.process_id)
        unit = str(named["unit"].get(pid, ""))
        activity = row.activity
        hidden = isinstance(activity, str)
        status = (
            "existing"
            if row.status == "existing"
            else ("built" if bool(row.built) else "not built")
        )
        sides: dict[str, list[str]] = {"in": [], "out": []}
        for port in ports[ports["process_id"] == pid].itertuples(index=False):
            sid = str(port.stream_id)
            rid = str(streams["resource_id"].get(sid, ""))
            what = str(resources["name"].get(rid, rid)).lower()
            runit = str(resources["unit"].get(rid, ""))
            amount = "hidden" if hidden else number(float(activity) * float(port.ratio), 0)
            if port.direction == "out":
                peers = moving.loc[moving["supply_id"] == sid, "demand_id"]
                link = "to " + "; ".join(labelled(peers, labels)) if len(peers) else "unused"
            else:
                peers = moving.loc[moving["demand_id"] == sid, "supply_id"]
                link = "from " + "; ".join(labelled(peers, labels)) if len(peers) else ""
            sides[str(port.direction)].append(f"{what} {amount} {runit} {link}".strip())
        note = str(named["note"].get(pid, ""))
        bought = [part.strip() for part in note.split(";") if part.strip().startswith("buys ")]
        technology = str(getattr(row, "technology_id", "") or "")
        built_size = getattr(row, "capacity_built", row.capacity)
        capacity = f"{cell(built_size, 0)} of {cell(row.capacity, 0)} {unit}".strip()
        if pid in sites.index and technology in size_unit.index:
            largest = float(sites.loc[pid, "max_capacity"])  # in the technology's unit
            per_unit = float(row.capacity) / largest if largest > 0 else 1.0
            if size_unit[technology] != unit and per_unit > 0:
                capacity = (
                    f"{number(float(built_size) / per_unit, None)} of {number(largest, None)} "
                    f"{size_unit[technology]} ({capacity})"
                )
        rows.append(
            {
                "process": str(named["name"].get(pid, "") or pid),
                "facility": places.get(str(row.facility_id), str(row.facility_id)),
                "technology": technology,
                "status": status,
                "capacity": capacity,
                "activity": f"{cell(activity, 0)} {unit}".strip(),
                "capacity_use": cell(row.capacity_use, None)
                if isinstance(getattr(row, "capacity_use", 0.0), str)
                else f"{100 * float(getattr(row, 'capacity_use', 0.0)):.0f} %",
                "inputs": "; ".join(sides["in"] + bought),
                "outputs": "; ".join(sides["out"]),
                "capex": cell(row.capex, 0),
                "operating_cost": cell(row.operating_cost, 0),
                "investment": cell(getattr(row, "investment", 0.0), 0),
            }
        )
    return rows


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
    viewer: Viewer = SHARED,
    baseline: Any = None,
    compact_money: bool = False,
    tiles: str | None = None,
) -> dict[str, Path]:
    """Write flows.csv, objective.csv, participants.csv, duals.csv, (processes.csv, pareto.csv),
    summary.json and report.html into ``out``; returns their paths by name. With
    ``baseline`` (a ``symbiograph.assess.BaselineAssessment``), also today_design_added.csv
    and participants_today_design_added.csv, and the report shows every total three ways:
    today's network, the design, and what the design adds.

    Everything written is what ``viewer`` may see (default: a participant): figures of, or
    computed from, a confidential stream are bands (see :func:`shared_design_tables`);
    ``viewer=symbiograph.access.FULL`` writes the analyst's full output, and says so.
    Money reads in plain thousands (``61,930,974``); ``compact_money`` shows the headline
    figures as ``61.9 M`` instead (the tables keep every digit). ``tiles``: an XYZ tile URL
    template to draw the map over (see ``exchange_map``; default the offline basemap)."""
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
    if len(getattr(solution, "processes", ())):
        tables["processes"] = solution.processes
    if pareto is not None:
        tables["pareto"] = pareto
    if indicators is not None:
        tables["indicators"] = indicators
    if review is not None:
        tables["documented_review"] = review
    if comparison is not None:
        tables["published_comparison"] = comparison
    if baseline is not None:
        tables["today_design_added"] = baseline.summary
        tables["participants_today_design_added"] = baseline.participants
    shared = shared_design_tables(network, tables, viewer)
    for name, frame in shared.items():
        paths[name] = out / f"{name}.csv"
        frame.to_csv(paths[name], index=False)
    hidden = hidden_rows(flows, hidden_streams(network, viewer))
    tainted = bool((hidden & (flows["flow"].to_numpy(dtype=float) != 0)).any())
    # today's flows are not the design's: any hidden candidate bands the three-way totals
    tainted = tainted or (baseline is not None and bool(hidden.any()))
    built = flows[flows["built"]]

    def total(value: float) -> float | str:
        return band_label(value) if tainted else value

    three_way: list[dict[str, str]] = []
    three_way_participants: list[dict[str, str]] = []
    if baseline is not None:
        shown_money = {
            "net_benefit",
            "capex",
            "npv",
            "payback_years",
            "co2e_avoided",
            "jobs",
            "materials_exchanged",
            "water_saved",
            "energy_recovered",
            "landfill_diverted",
            "exchanges",
            "participants",
        }
        for row in baseline.summary.itertuples(index=False):
            if row.indicator not in shown_money:
                continue
            counted = row.indicator in ("exchanges", "participants")
            three_way.append(
                {
                    "indicator": str(row.indicator).replace("_", " "),
                    "unit": str(row.unit),
                    **{
                        col: (
                            value_for_unit(float(getattr(row, col)), str(row.unit), currency)
                            if counted or not tainted
                            else band_label(float(getattr(row, col)))
                        )
                        for col in ("today", "design", "added")
                    },
                }
            )
        for row in baseline.participants.itertuples(index=False):
            three_way_participants.append(
                {
                    "organisation": str(row.organisation),
                    **{
                        col: _shown(float(getattr(row, col)), tainted)
                        for col in (
                            "today_net_benefit",
                            "design_net_benefit",
                            "added_net_benefit",
                            "added_npv",
                        )
                    },
                    "added_payback_years": _shown(float(row.added_payback_years), tainted, 1),
                }
            )
    summary = {
        "scenario": network.parameters.get("name"),
        "currency": currency,
        "status": solution.status,
        "mip_gap": solution.mip_gap,
        "net_benefit_per_yr": total(solution.net_benefit),
        "co2e_avoided_t_per_yr": total(solution.co2e_avoided_t),
        "exchanges_built": len(built),
        "objective_by_term": {k: total(float(v)) for k, v in solution.objective.items()},
        "today_design_added": {
            str(r.indicator): {c: total(float(getattr(r, c))) for c in ("today", "design", "added")}
            for r in baseline.summary.itertuples(index=False)
        }
        if baseline is not None
        else None,
        "timings_s": solution.timings,
        "parameters": {k: v for k, v in solution.parameters.items()},
        "disclosure": _disclosure(network, viewer),
    }
    paths["summary"] = out / "summary.json"
    paths["summary"].write_text(
        json.dumps(summary, indent=1, ensure_ascii=False, default=str), "utf-8"
    )
    view = design_network_view(network, flows)

    def headline_money(value: float) -> str:
        return band_label(value) if tainted else money(value, compact=compact_money)

    headline = [
        {"item": f"net benefit, {currency}/yr", "value": headline_money(solution.net_benefit)},
        *(
            [
                {
                    "item": f"of which added to today's network, {currency}/yr",
                    "value": headline_money(float(baseline.added["net_benefit"])),
                }
            ]
            if baseline is not None
            else []
        ),
        {"item": "t CO2e avoided per year", "value": _shown(solution.co2e_avoided_t, tainted)},
        {"item": "exchanges built", "value": f"{len(built)}"},
        {"item": "candidates considered", "value": f"{len(flows)}"},
    ]

    def fmt(frame: pd.DataFrame, column: str, decimals: int | None = 0) -> list[str]:
        """``column`` of a shared table for display: numbers in plain thousands (``decimals``
        fixed, or None for three significant digits below 100), bands kept."""
        return [cell(v, decimals) for v in frame[column]]

    labels = stream_labels(network)
    chosen = (flows["flow"] > 0).to_numpy()
    shown = shared["flows"][chosen]
    shown = shown.assign(
        supply=labelled(shown["supply_id"], labels),
        demand=labelled(shown["demand_id"], labels),
        status=flow_status(network, flows[chosen]),
        route_km=fmt(shown, "route_km", 1),
        flow=fmt(shown, "flow"),
        net_benefit=fmt(shown, "net_benefit"),
        co2e_t=fmt(shown, "co2e_t", 1),
    )
    participants = shared["participants"]
    participants = participants.assign(
        as_giver=fmt(participants, "as_giver"),
        as_taker=fmt(participants, "as_taker"),
        net_benefit=fmt(participants, "net_benefit"),
    )
    duals = shared["duals"].assign(
        stream=labelled(shared["duals"]["stream_id"], labels),
        shadow_price=fmt(shared["duals"], "shadow_price", 2),
    )
    objective_shown = shared["objective"]
    drawn_front = pareto
    if pareto is not None and "pareto" in shared and shared["pareto"] is not pareto:
        drawn_front = pareto.assign(
            co2e_avoided_t=band_middle(pareto["co2e_avoided_t"]),
            net_benefit=band_middle(pareto["net_benefit"]),
        )
    # the data's ESTIMATE / PLACEHOLDER notes beside the figures they qualify, numbered in
    # page order (the review of documented exchanges comes before the flows)
    footnotes = Footnotes(network, viewer)
    review_rows: list[dict[str, Any]] = []
    if review is not None:
        review_rows = _records(
            shared["documented_review"].assign(
                supply=labelled(shared["documented_review"]["supply_id"], labels),
                demand=labelled(shared["documented_review"]["demand_id"], labels),
                design_flow=fmt(shared["documented_review"], "design_flow"),
            )
        )
        for row in review_rows:
            row["dq"] = footnotes.refs([row["supply_id"], row["demand_id"]], [row["id"]])
    flow_rows = _records(shown)
    for row in flow_rows:
        row["dq"] = footnotes.refs([row["supply_id"], row["demand_id"]], [row["exchange_id"]])
    marked = sum(bool(row["dq"]) for row in flow_rows)
    if marked:
        headline.append(
            {
                "item": "chosen flows resting on an ESTIMATE or PLACEHOLDER of the data",
                "value": f"{marked} of {len(flow_rows)}",
            }
        )
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
            exchange_sankey(
                view,
                status=("existing", "new"),
                title="Chosen exchanges",
                viewer=viewer,
                values=flows.drop_duplicates("candidate_id").set_index("candidate_id")[
                    ["net_benefit", "co2e_t"]
                ],
                currency=currency,
            ),
            "design-sankey",
        ),
        map_div=_figure_div(
            exchange_map(view, title="Chosen exchanges", viewer=viewer, tiles=tiles), "design-map"
        ),
        pareto_div=_figure_div(pareto_figure(drawn_front, currency), "design-pareto")
        if drawn_front is not None
        else "",
        objective_terms=_records(objective_shown.assign(value=fmt(objective_shown, "value"))),
        participants=_records(participants),
        indicators=_records(
            shared["indicators"].assign(
                value=[
                    value_for_unit(v, u, currency)
                    for v, u in zip(
                        shared["indicators"]["value"], shared["indicators"]["unit"], strict=True
                    )
                ]
            )
        )
        if indicators is not None
        else [],
        comparison=_records(
            shared["published_comparison"][
                [
                    "indicator",
                    "ours_today",
                    "ours",
                    "ours_added",
                    "ours_that_year",
                    "our_unit",
                    "published",
                    "unit",
                    "year",
                    "source_id",
                    "gap",
                    "circular",
                    "contributions",
                    "scope",
                    "explanation",
                ]
            ].assign(
                ours=fmt(shared["published_comparison"], "ours", None),
                ours_today=fmt(shared["published_comparison"], "ours_today", None),
                ours_added=fmt(shared["published_comparison"], "ours_added", None),
                ours_that_year=fmt(shared["published_comparison"], "ours_that_year", None),
                published=comparison["published"].map(number),
                gap=fmt(shared["published_comparison"], "gap", 2),
            )
        )
        if comparison is not None
        else [],
        flows=flow_rows,
        processes=process_rows(network, shared.get("processes", pd.DataFrame()), shared["flows"]),
        review=review_rows,
        footnotes=footnotes.entries,
        duals=_records(duals),
        three_way=three_way,
        three_way_participants=three_way_participants,
        disclosure=summary["disclosure"],
    )
    paths["report"] = out / "report.html"
    paths["report"].write_text(html, encoding="utf-8")
    return paths
