"""The resilience report's tornado chart (each input's swing, a menu per participant) and
cascade figure (which exchange fails in which round after the worst outage), with the
tornado's swings worked out on paper on the three-plant chain."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from scenarios import three_plant_chain as chain
from symbiograph.match import find_candidates
from symbiograph.optimize import design_network
from symbiograph.report import write_resilience_report
from symbiograph.report._resilience import worst_outage
from symbiograph.resilience import Distribution, UncertainInput, outage_analysis, tornado


@pytest.fixture(scope="module")
def cascade_case() -> tuple[Any, Any, Any, Any]:
    """B makes its ash from the gypsum it takes (chain without C's gypsum demand)."""
    network = chain(c_gypsum=None)
    candidates = find_candidates(network).candidates
    design = design_network(network, candidates)
    deps = pd.DataFrame({"supply_id": ["sb_h"], "demand_id": ["db_g"]})
    outages = outage_analysis(network, candidates, design, dependencies=deps)
    return network, candidates, design, outages


def test_tornado_swings_on_paper(cascade_case: Any) -> None:
    """The price of C's ash demand (virgin ash at 15 EUR/t) taken 0.5 .. 1.5 (triangular,
    quantiles 0 and 1) with the 50 t B sends C as built: C's avoided purchase swings by
    50 t x 15 EUR/t x (1.5 - 0.5) = 750 EUR/yr; nobody else's result moves, and an input
    fixed at 1 swings nothing."""
    network, candidates, design, _ = cascade_case
    inputs = [
        UncertainInput("ash_price", "price", Distribution.triangular(0.5, 1.0, 1.5), ("dc_h",)),
        UncertainInput("still", "price", Distribution.fixed(1.0), ("db_g",)),
    ]
    t = tornado(network, candidates, design, inputs, low=0.0, high=1.0)
    assert t["input"].iloc[0] == "ash_price"
    swing = t.set_index(["input", "organisation"])["swing"]
    assert swing[("ash_price", "C")] == pytest.approx(750.0)
    assert swing[("ash_price", "(total)")] == pytest.approx(750.0)
    assert swing[("ash_price", "B")] == pytest.approx(0.0)
    assert (t[t["input"] == "still"]["swing"] == 0).all()
    base = t.set_index(["input", "organisation"])["base"]
    expected = design.participants.set_index("organisation")["net_benefit"]
    assert base[("still", "C")] == pytest.approx(expected["C"])


def test_report_draws_the_cascade_and_the_tornado(cascade_case: Any, tmp_path: Path) -> None:
    network, candidates, design, outages = cascade_case
    inputs = [
        UncertainInput("ash_price", "price", Distribution.triangular(0.5, 1.0, 1.5), ("dc_h",)),
    ]
    scenario = worst_outage(outages.losses)
    assert scenario == "organisation:A"  # A's gypsum feeds B's ash: both exchanges go
    tables = {
        "outage_losses": outages.losses,
        "outage_failures": outages.failures,
        "criticality": outages.criticality,
        "tornado": tornado(network, candidates, design, inputs),
    }
    paths = write_resilience_report(tmp_path, tables, network=network, design_flows=design.flows)
    page = paths["report"].read_text(encoding="utf-8")
    assert "Cascade after the outage of organisation:A, on the network" in page
    assert "fails in round 1" in page and "fails in round 0" in page
    assert "Cascade after the outage of organisation:A: 2 exchanges fail in 2 round(s)" in page
    assert "Tornado: net benefit swing of (total)" in page
    # the participant menu: one button per organisation and the total
    labels = set(re.findall(r'"label":"([^"]+)"', page))
    assert {"(total)", "B", "C"} <= labels
    # the cascade's points: round 0 for A's exchange, round 1 for B's
    data = re.search(r'"x":\[0,1\]', page)
    assert data is not None
    assert (tmp_path / "tornado.csv").exists()
    assert "<script src=" not in page  # plotly.js inline: the page opens offline


def test_no_figure_when_banded(cascade_case: Any, tmp_path: Path) -> None:
    _, _, _, outages = cascade_case
    tables = {"outage_losses": outages.losses, "outage_failures": outages.failures}
    page = write_resilience_report(tmp_path, tables, banded=True)["report"].read_text("utf-8")
    assert "Cascade after" not in page


def test_a_chosen_outage_is_drawn(cascade_case: Any, tmp_path: Path) -> None:
    _, _, _, outages = cascade_case
    tables = {"outage_losses": outages.losses, "outage_failures": outages.failures}
    page = write_resilience_report(tmp_path, tables, cascade="organisation:C")["report"]
    assert "Cascade after the outage of organisation:C" in page.read_text("utf-8")


def test_the_fan_chart_bands_are_the_draws_quantiles() -> None:
    """Draws 0, 10, ..., 100 for A and 5 x that for B: A's 5/25/50/75/95 % quantiles are
    5, 25, 50, 75, 95 (linear interpolation), B's five times those; B sorts first (higher
    median); the chart's bands start at the lower quantile and span to the upper."""
    import pandas as pd

    from symbiograph.report._resilience import _spread_figure, fan_quantiles

    values = [10.0 * k for k in range(11)]
    draws = pd.DataFrame(
        {
            "draw": list(range(11)) * 2,
            "organisation": ["A"] * 11 + ["B"] * 11,
            "net_benefit": values + [5 * v for v in values],
        }
    )
    fans = fan_quantiles(draws)
    assert list(fans.index) == ["B", "A"]
    assert fans.loc["A"].tolist() == pytest.approx([5.0, 25.0, 50.0, 75.0, 95.0])
    assert fans.loc["B"].tolist() == pytest.approx([25.0, 125.0, 250.0, 375.0, 475.0])
    fig = _spread_figure(draws, "EUR")
    wide, narrow, median = fig.data
    assert list(wide.base) == pytest.approx([25.0, 5.0])
    assert list(wide.y) == pytest.approx([450.0, 90.0])
    assert list(narrow.base) == pytest.approx([125.0, 25.0])
    assert list(median.y) == pytest.approx([250.0, 50.0])
