"""Kalundborg rediscovery: from supplies and demands alone, matching finds the documented
exchanges (>= 90 % among the candidates, >= 70 % in the top 3 of their supply)."""

from __future__ import annotations

from symbiograph.datasets import kalundborg
from symbiograph.match import find_candidates, rediscovery


def test_documented_exchanges_are_rediscovered() -> None:
    net = kalundborg()
    documented = net.exchanges.copy()
    net.exchanges = net.exchanges.iloc[0:0]  # matching sees supplies and demands only
    candidates = find_candidates(net).candidates
    report = rediscovery(candidates, documented)
    assert report.recall >= 0.90, report.table
    assert report.top3_recall >= 0.70, report.table
    assert 0 < report.top3_precision <= 1
    # every documented exchange that is found is explained
    found = report.table[report.table["rank_in_supply"].notna()]
    assert found["explanation"].str.len().gt(20).all()


def test_rediscovery_counts_are_hand_checkable() -> None:
    import pandas as pd

    candidates = pd.DataFrame(
        {
            "supply_id": ["s1", "s1", "s1", "s1", "s2"],
            "demand_id": ["d1", "d2", "d3", "d4", "d9"],
            "rank_in_supply": [1, 2, 3, 4, 1],
            "explanation": ["x" * 30] * 5,
        }
    )
    documented = pd.DataFrame(
        {"id": ["e1", "e2", "e3"], "supply_id": ["s1", "s1", "s3"], "demand_id": ["d4", "d2", "d1"]}
    )
    report = rediscovery(candidates, documented)
    assert report.recall == 2 / 3  # e1 and e2 found, e3 not
    assert report.top3_recall == 1 / 3  # only e2 is in its supply's top 3
    # top 3 of s1 (d1, d2, d3); s2 has no documented exchange and is left out: 1 of 3
    assert report.top3_precision == 1 / 3
