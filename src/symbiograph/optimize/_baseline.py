"""Today's network as the baseline: the exchanges that run today, valued with the same model
as the design, and what the design adds to them (design minus today), term by term, per
participant and per exchange."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from symbiograph.errors import InputError
from symbiograph.model import Network
from symbiograph.optimize._design import DesignSolution, design_network
from symbiograph.optimize._diagnose import InfeasibleDesign
from symbiograph.optimize._settings import DesignSettings

__all__ = ["Baseline", "compare_with_today", "design_today", "today_candidates"]


def today_candidates(network: Network, candidates: pd.DataFrame) -> pd.DataFrame:
    """The candidates that are today's exchanges (their documented exchange is ``existing``;
    one per exchange, the best scored when a pair is linked several ways), with ``max_flow`` set to the documented quantity where the exchange gives one (never above
    what the streams allow) and a column ``today_basis``: ``documented`` when the quantity is
    the exchange's own, ``estimated`` when the design model fills the existing link as best
    it can within its streams."""
    if "exchange_status" not in candidates.columns:
        raise InputError(
            "candidates carry no exchange_status: match them with this version of symbiograph "
            "so that today's exchanges are known"
        )
    today = candidates[(candidates["exchange_status"] == "existing").to_numpy()].copy()
    # a pair linked several ways (two archetypes) is one exchange today: its best candidate
    order = np.lexsort((today["candidate_id"].to_numpy(), -today["score"].to_numpy(dtype=float)))
    today = today.iloc[order].drop_duplicates("exchange_id", keep="first").sort_index()
    quantity = network.exchanges.set_index("id")["quantity"] if len(network.exchanges) else None
    q = (
        today["exchange_id"].map(quantity).to_numpy(dtype=float)
        if quantity is not None
        else np.full(len(today), np.nan)
    )
    documented = np.isfinite(q)
    today["max_flow"] = np.where(
        documented, np.minimum(q, today["max_flow"].to_numpy(dtype=float)), today["max_flow"]
    )
    today["today_basis"] = np.where(documented, "documented", "estimated")
    return today.reset_index(drop=True)


def design_today(
    network: Network, candidates: pd.DataFrame, settings: DesignSettings | None = None
) -> DesignSolution:
    """Today's network valued by the design model: only the candidates that are existing
    exchanges, each kept on, at its documented quantity (units/yr) where the exchange gives
    one, else at the best flow its streams allow; under the settings' policy levers and the
    cost objective, without the design's network-wide limits. Money in currency/yr. Raises
    InputError when today's documented quantities do not fit the streams they use."""
    settings = settings or DesignSettings()
    today = today_candidates(network, candidates)
    today_settings = replace(
        settings,
        objective="cost",
        min_co2e_t=None,
        budget=None,
        individual_rationality=False,
        min_contract_share=0.0,
        max_km=None,
        keep_existing=True,
        time_slices="none",
    )
    try:
        solution = design_network(network, today.drop(columns=["today_basis"]), today_settings)
    except InfeasibleDesign as exc:
        raise InputError(
            "today's documented exchanges do not fit the streams they use; correct the "
            f"exchanges' or the streams' quantities ({exc})"
        ) from exc
    basis = pd.Series(today["today_basis"].to_numpy(), index=today["candidate_id"].to_numpy())
    solution.flows["today_basis"] = solution.flows["candidate_id"].map(basis).to_numpy()
    return solution


@dataclass
class Baseline:
    """A design beside today's network (all money in currency/yr, CO2e in t/yr).

    ``today`` and ``design``: the two solutions. ``objective``: term by term, columns today,
    design and added (design minus today). ``participants``: net benefit per organisation,
    the same three columns. ``exchanges``: one row per candidate that flows in either, with
    exchange_id, link_status, flow and net_benefit and co2e_t today, in the design, and added.
    ``unmatched``: today's exchanges that no candidate carries (exchange_id, reason), so
    they are outside both today's and the design's figures.
    """

    today: DesignSolution
    design: DesignSolution
    objective: pd.DataFrame
    participants: pd.DataFrame
    exchanges: pd.DataFrame
    unmatched: pd.DataFrame

    @property
    def added_net_benefit(self) -> float:
        """What the design adds to today's net benefit, currency/yr."""
        return float(self.objective["added"].sum())

    @property
    def added_co2e_t(self) -> float:
        """CO2e avoided per year by the design beyond today's exchanges, t/yr."""
        return float(self.design.co2e_avoided_t - self.today.co2e_avoided_t)


def _three(today: pd.Series, design: pd.Series, name: str) -> pd.DataFrame:
    table = pd.DataFrame({"today": today, "design": design}).fillna(0.0)
    table["added"] = table["design"] - table["today"]
    table.index.name = name
    return table


def compare_with_today(
    network: Network, candidates: pd.DataFrame, today: DesignSolution, design: DesignSolution
) -> Baseline:
    """Today's network, the design and what it adds (see :class:`Baseline`)."""
    terms = list(design.objective.index) + [
        t for t in today.objective.index if t not in design.objective.index
    ]
    objective = _three(today.objective.reindex(terms), design.objective.reindex(terms), "term")
    participants = _three(
        today.participants.set_index("organisation")["net_benefit"],
        design.participants.set_index("organisation")["net_benefit"],
        "organisation",
    ).reset_index()
    columns = ["flow", "net_benefit", "co2e_t"]
    t = today.flows.set_index("candidate_id")
    d = design.flows.set_index("candidate_id")
    active = sorted(set(t.index[t["flow"] > 0]) | set(d.index[(d["flow"] > 0) | d["built"]]))
    info = d.reindex(active)
    exchanges = pd.DataFrame(
        {
            "candidate_id": active,
            "exchange_id": info["exchange_id"].to_numpy(dtype=object),
            "supply_organisation": info["supply_organisation"].to_numpy(dtype=object),
            "demand_organisation": info["demand_organisation"].to_numpy(dtype=object),
            "link_status": info["link_status"].to_numpy(dtype=object),
            "unit": info["unit"].to_numpy(dtype=object),
        }
    )
    for col in columns:
        now = t[col].reindex(active).fillna(0.0).to_numpy(dtype=float)
        then = d[col].reindex(active).fillna(0.0).to_numpy(dtype=float)
        exchanges[f"today_{col}"] = now
        exchanges[f"design_{col}"] = then
        exchanges[f"added_{col}"] = then - now
    running = network.exchanges
    running = running[running["status"] == "existing"] if len(running) else running
    carried = set(today.flows["exchange_id"].dropna())
    unmatched = pd.DataFrame(
        {
            "exchange_id": [e for e in running.get("id", []) if e not in carried],
        }
    )
    unmatched["reason"] = "no candidate carries it (see `symbiograph explain`)"
    return Baseline(today, design, objective, participants, exchanges, unmatched)
