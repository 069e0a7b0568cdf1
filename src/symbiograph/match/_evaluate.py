"""How well matching finds known exchanges: recall, and precision within the top 3."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

__all__ = ["Rediscovery", "rediscovery"]


@dataclass(frozen=True)
class Rediscovery:
    """Recall of documented exchanges among the candidates and within their supply's top 3,
    and the share of top-3 candidates (of supplies with a documented exchange) that are
    documented ones. ``table`` has one row per documented exchange with its rank."""

    recall: float
    top3_recall: float
    top3_precision: float
    table: pd.DataFrame


def rediscovery(candidates: pd.DataFrame, documented: pd.DataFrame, top: int = 3) -> Rediscovery:
    """Compare candidates with documented exchanges (both keyed by supply_id, demand_id)."""
    cols = ["supply_id", "demand_id", "rank_in_supply", "explanation"]
    table = documented[["id", "supply_id", "demand_id"]].merge(
        candidates[cols], on=["supply_id", "demand_id"], how="left"
    )
    n = max(len(table), 1)
    recall = float(table["rank_in_supply"].notna().sum()) / n
    top_recall = float((table["rank_in_supply"] <= top).sum()) / n
    known = set(zip(documented["supply_id"], documented["demand_id"], strict=True))
    best = candidates[
        (candidates["rank_in_supply"] <= top)
        & candidates["supply_id"].isin(set(documented["supply_id"]))
    ]
    hits = sum((s, d) in known for s, d in zip(best["supply_id"], best["demand_id"], strict=True))
    precision = hits / len(best) if len(best) else 0.0
    return Rediscovery(recall, top_recall, precision, table)
