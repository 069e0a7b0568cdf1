"""Numbers a board can read: plain thousands, never an exponent; company names, not ids."""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from symbiograph.report import write_design_report, write_network_report
from symbiograph.report._format import money, number, percent, stream_labels, value_for_unit

_EXPONENT = re.compile(r"\b\d+(?:\.\d+)?[eE][+-]?\d+\b")


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (113_900_000.0, "113,900,000"),
        (1.139e8, "113,900,000"),
        (0.0, "0"),
        (-0.0, "0"),
        (12.345, "12.3"),
        (0.00123, "0.00123"),
        (1.5, "1.5"),
        (-2500.4, "-2,500"),
        (math.nan, ""),
        (math.inf, "∞"),
    ],
)
def test_number(value: float, text: str) -> None:
    assert number(value) == text


def test_money_plain_and_compact() -> None:
    assert money(113_900_000) == "113,900,000"
    assert money(113_900_000, compact=True) == "113.9 M"
    assert money(2_500_000_000, compact=True) == "2.5 bn"
    assert money(950, compact=True) == "950"
    assert money("10,000 to 20,000") == "10,000 to 20,000"  # a band passes through
    assert percent(0.136) == "13.6%"
    assert value_for_unit(0.25, "share") == "25.0%"
    assert value_for_unit(7.1e8, "EUR", "EUR") == "710,000,000"
    assert value_for_unit(0.12, "yr") == "0.1"


@given(st.floats(min_value=-1e15, max_value=1e15, allow_nan=False))
def test_no_number_reads_with_an_exponent(value: float) -> None:
    text = number(value)
    assert not _EXPONENT.search(text), text
    if abs(value) >= 100:  # whole units, and the digits give the value back
        assert abs(float(text.replace(",", "")) - value) <= 0.5 + 1e-9 * abs(value)


def _visible(html: str) -> str:
    """The page's text as a reader sees it: no scripts, no tags."""
    html = re.sub(r"<(script|style).*?</\1>", " ", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


def _table(html: str, table_id: str) -> str:
    start = html.index(f'<table id="{table_id}"')
    return html[start : html.index("</table>", start)]


@pytest.fixture(scope="module")
def design_html(kalundborg_design: Any, tmp_path_factory: pytest.TempPathFactory) -> str:
    d = kalundborg_design
    out = tmp_path_factory.mktemp("design")
    paths = write_design_report(
        d.network,
        d.solution,
        out,
        indicators=d.indicators,
        review=d.review,
        comparison=d.comparison,
        baseline=d.baseline,
    )
    return Path(paths["report"]).read_text(encoding="utf-8")


def test_design_report_has_no_exponent(design_html: str) -> None:
    text = _visible(design_html)
    assert not _EXPONENT.search(text), _EXPONENT.findall(text)[:5]
    # the NPV of the design is over 100 million: in plain thousands
    assert re.search(r"\d{3},\d{3},\d{3}", text)


def test_network_report_has_no_exponent(kalundborg_design: Any, tmp_path: Path) -> None:
    path = write_network_report(kalundborg_design.network, tmp_path / "r.html")
    text = _visible(path.read_text(encoding="utf-8"))
    assert not _EXPONENT.search(text), _EXPONENT.findall(text)[:5]


def test_flows_table_names_companies_not_streams(kalundborg_design: Any, design_html: str) -> None:
    network = kalundborg_design.network
    table = _table(design_html, "flows")
    for sid in network.streams["id"]:
        assert f">{sid}<" not in table, sid
    labels = stream_labels(network)
    assert labels["asnaes_fly_ash_supply"] == "Ørsted, Asnæs Power Station: coal fly ash"
    chosen = kalundborg_design.solution.flows
    chosen = chosen[chosen["flow"] > 0]
    for sid in set(chosen["supply_id"]) | set(chosen["demand_id"]):
        assert labels[sid].replace("&", "&amp;") in table
    assert "Novo Nordisk" in table and "Ørsted" in table


@pytest.mark.parametrize("table_id", ["review", "duals"])
def test_review_and_duals_name_companies(
    kalundborg_design: Any, design_html: str, table_id: str
) -> None:
    table = _table(design_html, table_id)
    for sid in kalundborg_design.network.streams["id"]:
        assert f">{sid}<" not in table, sid
    assert "Ørsted" in table


def test_grid_tables_cannot_overlap(design_html: str) -> None:
    """A table in a grid cell scrolls inside it (min-width 0, overflow) at narrow widths."""
    assert ".grid > * { min-width: 0; overflow-x: auto; }" in design_html
    assert "minmax(min(100%, 320px), 1fr)" in design_html
    assert design_html.count("<table") == design_html.count('<div class="scroll"><table')


def test_compact_headline(kalundborg_design: Any, tmp_path: Path) -> None:
    d = kalundborg_design
    paths = write_design_report(
        d.network, d.solution, tmp_path, baseline=d.baseline, compact_money=True
    )
    html = Path(paths["report"]).read_text(encoding="utf-8")
    cards = re.findall(r'<div class="n">([^<]*)</div>', html)
    assert money(d.solution.net_benefit, compact=True) in cards
    assert money(d.solution.net_benefit, compact=True).endswith(" M")


def test_network_exchanges_table_names_organisations(
    kalundborg_design: Any, tmp_path: Path
) -> None:
    network = kalundborg_design.network
    html = write_network_report(network, tmp_path / "r.html").read_text(encoding="utf-8")
    table = _table(html, "exchanges-table")
    assert "Ørsted, Asnæs Power Station" in table
    for sid in network.streams["id"]:
        assert f">{sid}<" not in table


def test_settlement_names_the_exchange_not_the_candidate(
    secret_design: Any, tmp_path: Path
) -> None:
    import sys

    from symbiograph.allocate import CoalitionGame, share_gain
    from symbiograph.report import write_allocation_report

    sys.path.insert(0, str(Path(__file__).parents[1] / "access"))
    from confidential_scenario import _leaks

    d = secret_design
    game = CoalitionGame.from_solution(d.network, d.candidates, d.solution)
    allocation = share_gain(game, d.solution)
    paths = write_allocation_report(allocation, tmp_path, network=d.network, flows=d.solution.flows)
    html = Path(paths["report"]).read_text(encoding="utf-8")
    table = _table(html, "settlement")
    assert "Power: gypsum" in table
    for cid in d.solution.flows["candidate_id"]:
        assert f">{cid}<" not in table
    assert _leaks(_visible(html)) == {}
    assert not _EXPONENT.search(_visible(html))
