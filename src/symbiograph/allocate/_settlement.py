"""Settlement: turn an allocation into money the participants can sign — a payment per
built exchange (taker to giver, currency/yr, and the price per unit it means) such that
each organisation's result under the chosen network equals its allocated share."""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["settle"]


def settle(flows: pd.DataFrame, participants: pd.DataFrame, allocation: pd.Series) -> pd.DataFrame:
    """Payments on the exchanges of a design that deliver ``allocation``.

    ``flows`` and ``participants`` are the design's tables (``DesignSolution.flows``,
    ``.participants`` with each organisation's result at zero transfer price); ``allocation``
    maps organisation -> share (currency/yr). Each exchange that carries flow gets a payment
    from taker to giver (negative: giver pays taker); the payments solve, in the least-squares
    sense with the smallest payments, "result at zero price + payments received - payments
    made = share". Returns candidate_id, giver, taker, flow, unit, payment_per_yr,
    price_per_unit and, per row, the residual of the two organisations (0 when the
    allocation is exactly reachable: shares of each connected part sum to its value).
    """
    used = flows[flows["flow"] > 1e-9].reset_index(drop=True)
    orgs = pd.Index(sorted(set(participants["organisation"]) | set(allocation.index)))
    now = participants.set_index("organisation")["net_benefit"].reindex(orgs).fillna(0.0)
    target = allocation.reindex(orgs).fillna(0.0)
    need = (target - now).to_numpy()
    giver = orgs.get_indexer(used["supply_organisation"])
    taker = orgs.get_indexer(used["demand_organisation"])
    incidence = np.zeros((len(orgs), len(used)))
    external = giver != taker  # an organisation trading with itself settles nothing
    cols = np.flatnonzero(external)
    incidence[giver[cols], cols] += 1.0
    incidence[taker[cols], cols] -= 1.0
    payment = np.linalg.lstsq(incidence, need, rcond=None)[0] if len(used) else np.zeros(0)
    residual = need - incidence @ payment
    return pd.DataFrame(
        {
            "candidate_id": used["candidate_id"].to_numpy(),
            "giver": used["supply_organisation"].to_numpy(),
            "taker": used["demand_organisation"].to_numpy(),
            "flow": used["flow"].to_numpy(),
            "unit": used["unit"].to_numpy(),
            "payment_per_yr": payment,
            "price_per_unit": payment / used["flow"].to_numpy(),
            "residual_giver": residual[giver] if len(used) else [],
            "residual_taker": residual[taker] if len(used) else [],
        }
    )
