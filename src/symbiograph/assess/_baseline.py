"""Every indicator three ways: today's network (the exchanges that run today), the design,
and what the design adds (design minus today); the NPV and payback of the addition are the
ones an investment decision speaks of."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from symbiograph.assess._assessment import Assessment, _npv_and_payback, assess_design
from symbiograph.model import Network
from symbiograph.optimize import Baseline

__all__ = ["BaselineAssessment", "assess_baseline"]


@dataclass
class BaselineAssessment:
    """Today, the design and what it adds, as tables.

    ``today`` and ``design``: the two Assessments. ``summary``: indicator, unit, today,
    design, added, note (money in currency/yr, capex and NPV in currency, payback in years,
    CO2e in t/yr, jobs in FTE); the added NPV is the added net benefit over the annuity
    factor, the added payback the added capex over the added net benefit before capex.
    ``participants``: per organisation, net benefit, capex, CO2e and jobs today, in the
    design and added, with the added NPV and payback.
    """

    today: Assessment
    design: Assessment
    summary: pd.DataFrame
    participants: pd.DataFrame

    @property
    def added(self) -> pd.Series:
        """The added column of the summary, by indicator."""
        return self.summary.set_index("indicator")["added"]


def _npv_payback(net: np.ndarray, capex: np.ndarray, annuity: float) -> tuple[Any, Any]:
    """NPV (currency) and simple payback (yr) of an investment ``capex`` (currency) earning
    ``net`` (currency/yr after its annuity), as :func:`assess_design` computes them."""
    _, npv, payback = _npv_and_payback(net, capex * annuity, annuity)
    return npv, payback


def assess_baseline(
    network: Network,
    candidates: pd.DataFrame,
    baseline: Baseline,
    *,
    archetypes: pd.DataFrame | None = None,
    factors: pd.DataFrame | None = None,
    activities: Mapping[str, str] | None = None,
) -> BaselineAssessment:
    """Assess today's network and the design of ``baseline`` (from
    ``optimize.compare_with_today``) with :func:`assess_design`, and what the design adds."""
    kwargs: dict[str, Any] = {"archetypes": archetypes, "factors": factors}
    if activities is not None:
        kwargs["activities"] = activities
    today = assess_design(network, candidates, baseline.today, **kwargs)
    design = assess_design(network, candidates, baseline.design, **kwargs)
    annuity = float(design.parameters["annuity_factor"])
    s_today = today.summary.set_index("indicator")
    s_design = design.summary.set_index("indicator")
    summary = pd.DataFrame(
        {
            "indicator": s_design.index,
            "unit": s_design["unit"].to_numpy(dtype=object),
            "today": s_today["value"].reindex(s_design.index).fillna(0.0).to_numpy(dtype=float),
            "design": s_design["value"].to_numpy(dtype=float),
        }
    )
    summary["added"] = summary["design"] - summary["today"]
    added = summary.set_index("indicator")["added"]
    npv, payback = _npv_payback(
        np.array([added.get("net_benefit", 0.0)]), np.array([added.get("capex", 0.0)]), annuity
    )
    # an NPV and a payback are not differences: the addition's own, from its money
    recomputed = {"npv": float(npv[0]), "payback_years": float(payback[0])}
    summary["added"] = [
        recomputed.get(name, value)
        for name, value in zip(summary["indicator"], summary["added"], strict=True)
    ]
    summary["note"] = [
        "added: the added net benefit over the annuity factor"
        if name == "npv"
        else "added: the added capex over the added net benefit before capex"
        if name == "payback_years"
        else note
        for name, note in zip(summary["indicator"], s_design["note"], strict=True)
    ]
    columns = ["net_benefit", "capex", "co2e_avoided_t", "jobs"]
    p_today = today.participants.set_index("organisation")
    p_design = design.participants.set_index("organisation")
    organisations = sorted(set(p_today.index) | set(p_design.index))
    participants = pd.DataFrame({"organisation": organisations})
    for col in columns:
        now = p_today[col].reindex(organisations).fillna(0.0).to_numpy(dtype=float)
        then = p_design[col].reindex(organisations).fillna(0.0).to_numpy(dtype=float)
        participants[f"today_{col}"] = now
        participants[f"design_{col}"] = then
        participants[f"added_{col}"] = then - now
    npv, payback = _npv_payback(
        participants["added_net_benefit"].to_numpy(),
        participants["added_capex"].to_numpy(),
        annuity,
    )
    participants["added_npv"] = npv
    participants["added_payback_years"] = payback
    return BaselineAssessment(today, design, summary, participants)
