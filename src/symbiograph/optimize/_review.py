"""Documented exchanges against the design: which the optimiser keeps, which it drops, why."""

from __future__ import annotations

import numpy as np
import pandas as pd

from symbiograph.optimize._design import DesignSolution, price_candidates

__all__ = ["review_documented"]


def review_documented(
    documented: pd.DataFrame, candidates: pd.DataFrame, solution: DesignSolution
) -> pd.DataFrame:
    """One row per documented exchange: kept or dropped by the design, and why.

    Reasons, in order: not matched (no candidate: the pair fails a matching rule); loses
    money per unit at the scenario's prices; its supply earns more elsewhere (the supply's
    shadow price is at least this exchange's margin); its demand is served more cheaply by
    another supply; the fixed cost is more than the margin at the possible flow.
    """
    priced = price_candidates(candidates, solution.parameters)
    # per unit of flow: the fixed cost and a built link's running cost are per year
    margin = priced.drop(columns=["fixed_cost_per_yr", "operating_cost_per_yr"]).sum(axis=1)
    info = candidates[["candidate_id", "supply_id", "demand_id", "max_flow", "unit"]].assign(
        margin=margin.to_numpy(), fixed=priced["fixed_cost_per_yr"].to_numpy()
    )
    flows = solution.flows.set_index("candidate_id")[["flow", "built"]]
    duals = solution.duals.set_index(["group", "stream_id"])["shadow_price"]
    table = documented[["id", "supply_id", "demand_id", "status", "quantity"]].merge(
        info, on=["supply_id", "demand_id"], how="left"
    )
    verdicts, reasons, chosen = [], [], []
    for row in table.itertuples(index=False):
        if not isinstance(row.candidate_id, str):
            verdicts.append("dropped")
            reasons.append("not matched: the pair fails a matching rule (see symbiograph explain)")
            chosen.append(0.0)
            continue
        flow = float(flows.loc[row.candidate_id, "flow"])
        chosen.append(flow)
        if flow > 1e-6:
            verdicts.append("kept")
            reasons.append(f"net {row.margin:,.2f} per unit over {flow:,.0f} {row.unit}")
            continue
        verdicts.append("dropped")
        supply_value = duals.get(("supply", row.supply_id), np.nan)
        demand_value = duals.get(("demand", row.demand_id), np.nan)
        if row.margin <= 0:
            reasons.append(f"loses {-row.margin:,.2f} per unit at today's prices")
        elif np.isfinite(supply_value) and supply_value >= row.margin - 1e-9:
            reasons.append(
                f"its supply earns more elsewhere ({supply_value:,.2f} per unit against "
                f"{row.margin:,.2f} here)"
            )
        elif np.isfinite(demand_value) and demand_value > 0 and demand_value >= row.margin - 1e-9:
            reasons.append(
                f"its demand is served better by another supply ({demand_value:,.2f} per unit)"
            )
        elif row.fixed > row.margin * row.max_flow:
            reasons.append(
                f"fixed cost {row.fixed:,.0f}/yr exceeds the margin at most "
                f"{row.margin * row.max_flow:,.0f}/yr"
            )
        else:
            reasons.append("a better combination of exchanges uses the same supply or demand")
    return table.assign(verdict=verdicts, design_flow=chosen, reason=reasons)[
        ["id", "supply_id", "demand_id", "status", "quantity", "design_flow", "verdict", "reason"]
    ]
