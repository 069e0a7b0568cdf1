"""The money-CO2e Pareto front by the epsilon-constraint method."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from symbiograph.model import Network
from symbiograph.optimize._design import design_network
from symbiograph.optimize._settings import DesignSettings

__all__ = ["pareto_front"]


def pareto_front(
    network: Network,
    candidates: pd.DataFrame,
    points: int = 8,
    settings: DesignSettings | None = None,
) -> pd.DataFrame:
    """Designs trading annual net benefit (currency/yr) against CO2e avoided (t/yr).

    The two ends are the money-best and the CO2e-best designs; in between, money is
    maximised with at least epsilon t/yr avoided, for ``points`` evenly spaced epsilons.
    Returns one row per point: epsilon_t, co2e_avoided_t, net_benefit, exchanges built,
    status. Dominated points (from MIP gaps) are flagged in ``dominated``.
    """
    base = settings or DesignSettings()
    money_best = design_network(network, candidates, replace(base, objective="cost"))
    co2_best = design_network(network, candidates, replace(base, objective="co2"))
    low, high = money_best.co2e_avoided_t, co2_best.co2e_avoided_t
    rows = []
    for eps in np.linspace(low, high, max(points, 2)):
        # a hair under epsilon so the ends stay feasible despite solver tolerances
        target = eps - 1e-7 * max(abs(eps), 1.0)
        sol = design_network(
            network, candidates, replace(base, objective="cost", min_co2e_t=target)
        )
        rows.append(
            {
                "epsilon_t": float(eps),
                "co2e_avoided_t": sol.co2e_avoided_t,
                "net_benefit": sol.net_benefit,
                "exchanges_built": int(sol.flows["built"].sum()),
                "status": sol.status,
            }
        )
    front = pd.DataFrame(rows)
    money = front["net_benefit"].to_numpy()
    co2 = front["co2e_avoided_t"].to_numpy()
    tol = 1e-6 * max(1.0, float(np.abs(money).max()))
    front["dominated"] = [
        bool(
            np.any(
                (money >= money[i] - tol)
                & (co2 >= co2[i] - 1e-9)
                & ((money > money[i] + tol) | (co2 > co2[i] + 1e-6))
            )
        )
        for i in range(len(front))
    ]
    return front
