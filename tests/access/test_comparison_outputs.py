"""The published comparison in shared output: every figure of ours a confidential stream
adds to (design, today, added and the figure's own year) is a band."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from confidential_scenario import QUANTITY, _doc, _leaks

from symbiograph.access import FULL
from symbiograph.assess import assess_baseline, compare_with_published
from symbiograph.io import network_from_document
from symbiograph.match import find_candidates
from symbiograph.optimize import compare_with_today, design_network, design_today
from symbiograph.report import write_design_report

COLUMNS = ("ours", "ours_today", "ours_added", "ours_that_year", "gap", "difference")


def _report(tmp_path: Path, full: bool) -> tuple[pd.DataFrame, str]:
    doc = _doc()
    doc["exchanges"][0].update({"status": "existing", "start_year": 2000})
    doc["exchanges"][1].update({"status": "existing", "start_year": 2005})
    doc["sources"] = [{"id": "paper", "citation": "A paper", "year": 2012}]
    doc["published_figures"] = [
        {"id": "g2010", "indicator": "g_exchanged", "value": 20_000, "unit": "t/yr",
         "year": 2010, "source_id": "paper"},
        {"id": "g2003", "indicator": "g_exchanged", "value": 20_000, "unit": "t/yr",
         "year": 2003, "source_id": "paper"},
    ]  # fmt: skip
    net = network_from_document(doc)
    cand = find_candidates(net).candidates
    design = design_network(net, cand)
    baseline = assess_baseline(
        net, cand, compare_with_today(net, cand, design_today(net, cand), design)
    )
    comparison = compare_with_published(net, baseline.design, today=baseline.today)
    # the figure of 2003 stands on the confidential exchange alone
    assert comparison.set_index("figure_id").loc["g2003", "ours_that_year"] == QUANTITY
    out = tmp_path / ("full" if full else "shared")
    paths = write_design_report(
        net,
        design,
        out,
        comparison=comparison,
        baseline=baseline,
        **({"viewer": FULL} if full else {}),
    )
    text = "\n".join(p.read_text(encoding="utf-8") for p in paths.values() if p.is_file())
    return pd.read_csv(paths["published_comparison"]), text


@pytest.mark.slow
def test_shared_comparison_bands_every_figure_of_ours(tmp_path: Path) -> None:
    table, text = _report(tmp_path, full=False)
    assert not _leaks(text)
    for column in COLUMNS:
        for value in table[column].dropna():
            assert " to " in str(value) or str(value) in ("0", "nan"), (column, value)


@pytest.mark.slow
def test_full_comparison_shows_them(tmp_path: Path) -> None:
    table, text = _report(tmp_path, full=True)
    assert _leaks(text)
    assert table.set_index("figure_id").loc["g2003", "ours_that_year"] == QUANTITY
