"""The fair-shares report: an :class:`~symbiograph.allocate.Allocation` as CSV tables and a
one-page offline HTML report (shares by method with a bar chart, the methods side by side,
stability, settlement)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
import plotly.graph_objects as go
import plotly.offline

from symbiograph.report._html import _environment, _figure_div, _records

if TYPE_CHECKING:
    from symbiograph.allocate import Allocation

__all__ = ["render_allocation_report", "write_allocation_report"]


def _money(value: Any) -> str:
    return "" if pd.isna(value) else f"{value:,.0f}"


def _allocation_chart(allocation: Allocation, currency: str) -> go.Figure:
    """Grouped bars of every method's shares; sampled Shapley carries its 95% intervals."""
    shares = allocation.shares
    intervals = allocation.intervals
    chart = go.Figure(
        [
            go.Bar(
                name=m,
                x=list(shares.index),
                y=shares[m],
                error_y=(
                    {"type": "data", "array": intervals["halfwidth95"].to_numpy()}
                    if m == "sampled-shapley" and intervals is not None
                    else None
                ),
            )
            for m in shares.columns
        ]
    )
    chart.update_layout(barmode="group", yaxis_title=f"{currency}/yr", height=480)
    return chart


def _summary_rows(allocation: Allocation) -> list[dict[str, str]]:
    """The methods side by side (:meth:`Allocation.summary`), formatted for the page."""
    summary = allocation.summary().reset_index()
    return [
        {
            "method": str(row["method"]),
            "in_core": "" if row["in_core"] is None else str(row["in_core"]),
            "sum": _money(row["sum"]),
            "efficient": str(row["efficient"]),
            "worst_gain": "0" if row["worst_gain"] == 0 else _money(row["worst_gain"]),
            "smallest": _money(row["smallest"]),
            "largest": _money(row["largest"]),
            "checked": str(row["checked"]),
        }
        for row in summary.to_dict("records")
    ]


def render_allocation_report(
    allocation: Allocation, scenario: str = "scenario", currency: str = "EUR"
) -> str:
    """The HTML text of the fair-shares report (see :func:`write_allocation_report`)."""
    shares = allocation.shares
    stability = allocation.stability
    settlement = allocation.settlement
    intervals = allocation.intervals
    total = allocation.total
    note = ""
    if intervals is not None:
        widest = 2 * float(intervals["halfwidth95"].max())
        note = (
            f"widest 95% interval {widest:,.0f} {currency}/yr "
            f"({widest / max(abs(total), 1e-9):.2%} of the total) "
            f"after {int(intervals['permutations'].iloc[0]):,} permutations"
        )
    shown = shares.map(_money).rename_axis("participant").reset_index()
    template = _environment().get_template("allocation_report.html.j2")
    return template.render(
        title=f"symbiograph fair shares: {scenario}",
        scenario=scenario,
        players=len(shares),
        total=f"{total:,.0f}",
        currency=currency,
        method=allocation.method,
        plotlyjs=plotly.offline.get_plotlyjs(),
        chart_div=_figure_div(_allocation_chart(allocation, currency), "allocation-chart"),
        methods=list(shares.columns),
        allocation=_records(shown),
        stability=_records(
            stability.assign(
                in_core=stability["in_core"].map(lambda v: "" if v is None else str(v)),
                **{c: stability[c].map(_money) for c in ("value", "allocated", "gain")},
            )
        )
        if len(stability)
        else [],
        summary=_summary_rows(allocation),
        intervals=note,
        settlement=_records(
            settlement.assign(
                flow=settlement["flow"].map("{:,.0f}".format),
                payment_per_yr=settlement["payment_per_yr"].map("{:,.0f}".format),
                **{
                    c: settlement[c].map("{:,.2f}".format)
                    for c in ("price_per_unit", "price_lo", "price_hi")
                    if c in settlement.columns
                },
            )
        ),
        reachable=allocation.reachable,
        out_of_reach=_reach_rows(allocation),
    )


def _reach_rows(allocation: Allocation) -> list[dict[str, str]]:
    """The participants whose share the prices cannot reach: asked share, nearest reachable
    share and the gap between them (currency/yr), formatted for the page."""
    return [
        {
            "participant": str(name),
            "asked": _money(row["asked"]),
            "reachable": _money(row["reachable"]),
            "gap": _money(row["gap"]),
        }
        for name, row in allocation.out_of_reach().iterrows()
    ]


def write_allocation_report(
    allocation: Allocation, out: str | Path, scenario: str = "scenario", currency: str = "EUR"
) -> dict[str, Path]:
    """Write ``allocation`` (an :class:`symbiograph.allocate.Allocation`) into the folder
    ``out``: allocation.csv (shares, currency/yr, by participant and method),
    sampled_intervals.csv (when sampled), stability.csv, settlement.csv (prices and payments
    per exchange with their bargaining ranges), reach.csv (per participant the asked share,
    its result at zero price, the nearest reachable share and the gap) and report.html
    (self-contained, opens offline). Returns their paths by name."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    paths = {
        "allocation": out / "allocation.csv",
        "stability": out / "stability.csv",
        "settlement": out / "settlement.csv",
        "reach": out / "reach.csv",
    }
    allocation.shares.rename_axis("participant").to_csv(paths["allocation"])
    if allocation.intervals is not None:
        paths["sampled_intervals"] = out / "sampled_intervals.csv"
        allocation.intervals.rename_axis("participant").to_csv(paths["sampled_intervals"])
    allocation.stability.to_csv(paths["stability"], index=False)
    allocation.settlement.to_csv(paths["settlement"], index=False)
    allocation.reach.rename_axis("participant").to_csv(paths["reach"])
    paths["report"] = out / "report.html"
    paths["report"].write_text(
        render_allocation_report(allocation, scenario, currency), encoding="utf-8"
    )
    return paths
