"""The fair-shares report: an :class:`~symbiograph.allocate.Allocation` as CSV tables and a
one-page offline HTML report (shares by method with a bar chart, the methods side by side,
stability, settlement)."""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import plotly.offline

from symbiograph.access import (
    SHARED,
    Viewer,
    band_label,
    hidden_rows,
    hidden_streams,
    redact_columns,
)
from symbiograph.model import Network
from symbiograph.report._format import cell, money, stream_labels
from symbiograph.report._html import _environment, _figure_div, _records
from symbiograph.report._summary import _disclosure

if TYPE_CHECKING:
    from symbiograph.allocate import Allocation

__all__ = ["render_allocation_report", "shared_allocation", "write_allocation_report"]


def _money(value: Any) -> str:
    """Money in plain thousands; a band (text) unchanged; NaN empty."""
    return money(value)


def _number(value: Any) -> float:
    """A share as drawn: the value, or a band's middle (``"10,000 to 20,000"``)."""
    if not isinstance(value, str):
        return float(value)
    parts = [float(p.replace(",", "")) for p in value.split(" to ")]
    if len(parts) != 2 or parts[0] * parts[1] <= 0:
        return 0.0
    return math.copysign(math.sqrt(parts[0] * parts[1]), parts[0])


def shared_allocation(
    allocation: Allocation,
    network: Network | None,
    flows: pd.DataFrame | None,
    viewer: Viewer = SHARED,
) -> Allocation:
    """``allocation`` as ``viewer`` may see it: settlement rows of an exchange with a
    confidential end show bands for flow, payment and price, and the proportional shares
    (which weigh participants by volume) show bands when such an exchange carries flow, in
    the shares and in the stability check; reach.csv's result at zero price is banded for
    the organisations at such an exchange, as participants.csv is. Unchanged without ``network`` and
    ``flows`` (the design's flows) or when nothing is hidden."""
    if network is None or flows is None:
        return allocation
    hidden = hidden_rows(flows, hidden_streams(network, viewer))
    if not hidden.any():
        return allocation
    secret = set(flows.loc[hidden, "candidate_id"])
    settlement = redact_columns(
        allocation.settlement,
        allocation.settlement["candidate_id"].isin(secret).to_numpy(),
        [
            c
            for c in ("flow", "payment_per_yr", "price_per_unit", "price_lo", "price_hi")
            if c in allocation.settlement.columns
        ],
    )
    active = hidden & (flows["flow"].to_numpy(dtype=float) != 0)
    orgs = set(flows.loc[active, "supply_organisation"]) | set(
        flows.loc[active, "demand_organisation"]
    )
    shares, stability, reach = allocation.shares, allocation.stability, allocation.reach
    if orgs and "at_zero_price" in reach.columns:
        # a participant's result at zero price is its design result, banded in
        # participants.csv for the same organisations
        reach = redact_columns(reach, reach.index.isin(orgs), ["at_zero_price"])
    if orgs and "proportional" in shares.columns:
        # every participant's: one exact proportional share, v(N) and the open volumes
        # would give the hidden volume back
        shares = redact_columns(shares, np.ones(len(shares), dtype=bool), ["proportional"])
        rows = (stability["method"] == "proportional").to_numpy()
        stability = redact_columns(stability, rows, ["allocated", "gain"])
    return replace(
        allocation, shares=shares, stability=stability, settlement=settlement, reach=reach
    )


def _allocation_chart(allocation: Allocation, currency: str) -> go.Figure:
    """Grouped bars of every method's shares; sampled Shapley carries its 95% intervals."""
    shares = allocation.shares
    intervals = allocation.intervals
    chart = go.Figure(
        [
            go.Bar(
                name=m,
                x=list(shares.index),
                y=[_number(v) for v in shares[m]],
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


def _summary_rows(allocation: Allocation, banded: tuple[str, ...] = ()) -> list[dict[str, str]]:
    """The methods side by side (:meth:`Allocation.summary`), formatted for the page; the
    smallest and largest share of a ``banded`` method as bands."""
    summary = allocation.summary().reset_index()
    for col in ("smallest", "largest"):
        summary[col] = [
            band_label(v) if m in banded else v
            for m, v in zip(summary["method"], summary[col], strict=True)
        ]
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
    allocation: Allocation,
    scenario: str = "scenario",
    currency: str = "EUR",
    *,
    network: Network | None = None,
    flows: pd.DataFrame | None = None,
    viewer: Viewer = SHARED,
) -> str:
    """The HTML text of the fair-shares report (see :func:`write_allocation_report`)."""
    full = allocation
    allocation = shared_allocation(allocation, network, flows, viewer)
    banded = tuple(
        m for m in allocation.shares.columns if allocation.shares[m].dtype != full.shares[m].dtype
    )
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
    # the exchange by what it moves from whom ("Ørsted, Asnæs Power Station: coal fly ash"),
    # not by its candidate id, when the network and the design's flows are given
    exchange_names: list[str] = list(settlement["candidate_id"].astype(str))
    if network is not None and flows is not None and "candidate_id" in flows:
        labels = stream_labels(network)
        supply = flows.drop_duplicates("candidate_id").set_index("candidate_id")["supply_id"]
        exchange_names = [
            labels.get(str(supply.get(c, "")), str(c)) for c in settlement["candidate_id"]
        ]
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
        summary=_summary_rows(full, banded),
        disclosure=_disclosure(network, viewer) if network is not None else "",
        intervals=note,
        settlement=_records(
            settlement.assign(
                exchange=exchange_names,
                flow=settlement["flow"].map(_money),
                payment_per_yr=settlement["payment_per_yr"].map(_money),
                **{
                    c: settlement[c].map(lambda v: cell(v, 2))
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
    allocation: Allocation,
    out: str | Path,
    scenario: str = "scenario",
    currency: str = "EUR",
    *,
    network: Network | None = None,
    flows: pd.DataFrame | None = None,
    viewer: Viewer = SHARED,
) -> dict[str, Path]:
    """Write ``allocation`` (an :class:`symbiograph.allocate.Allocation`) into the folder
    ``out``: allocation.csv (shares, currency/yr, by participant and method),
    sampled_intervals.csv (when sampled), stability.csv, settlement.csv (prices and payments
    per exchange with their bargaining ranges), reach.csv (per participant the asked share,
    its result at zero price, the nearest reachable share and the gap) and report.html
    (self-contained, opens offline). Returns their paths by name.

    Given the ``network`` and the design's ``flows``, what is written is what ``viewer``
    may see (default: a participant; see :func:`shared_allocation`)."""
    shown = shared_allocation(allocation, network, flows, viewer)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    paths = {
        "allocation": out / "allocation.csv",
        "stability": out / "stability.csv",
        "settlement": out / "settlement.csv",
        "reach": out / "reach.csv",
    }
    shown.shares.rename_axis("participant").to_csv(paths["allocation"])
    if allocation.intervals is not None:
        paths["sampled_intervals"] = out / "sampled_intervals.csv"
        allocation.intervals.rename_axis("participant").to_csv(paths["sampled_intervals"])
    shown.stability.to_csv(paths["stability"], index=False)
    shown.settlement.to_csv(paths["settlement"], index=False)
    shown.reach.rename_axis("participant").to_csv(paths["reach"])
    paths["report"] = out / "report.html"
    paths["report"].write_text(
        render_allocation_report(
            allocation, scenario, currency, network=network, flows=flows, viewer=viewer
        ),
        encoding="utf-8",
    )
    return paths
