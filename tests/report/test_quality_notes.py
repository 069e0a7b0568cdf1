"""The data's ESTIMATE and PLACEHOLDER notes appear beside the numbers they qualify, as a
marker with a footnote; a confidential stream's note is never shown to a shared viewer."""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

import plotly.offline
import pytest

from symbiograph.access import FULL
from symbiograph.model import Network
from symbiograph.report import write_design_report, write_network_report
from symbiograph.report._notes import Footnotes, quality_marks
from symbiograph.report._summary import exchange_flows

sys.path.insert(0, str(Path(__file__).parents[1] / "access"))
from confidential_scenario import _leaks


def test_marks_of_a_note() -> None:
    assert quality_marks("Price ESTIMATE about 1 EUR/m3") == ("ESTIMATE",)
    assert quality_marks("PLACEHOLDER 1 Mm3/yr; ESTIMATED price") == ("ESTIMATE", "PLACEHOLDER")
    assert quality_marks("an estimate in lower case is prose") == ()
    assert quality_marks(None) == ()


def _rows(html: str, table_id: str) -> list[str]:
    start = html.index(f'<table id="{table_id}"')
    table = html[start : html.index("</table>", start)]
    return re.findall(r"<tr>(.*?)</tr>", table, flags=re.S)[1:]


def _footnotes(html: str) -> dict[str, str]:
    return dict(re.findall(r'<li id="dq-(\d+)"><strong>[^<]*</strong>(.*?)</li>', html, re.S))


def test_network_report_marks_exchange_quantities(kalundborg_design: Any, tmp_path: Path) -> None:
    network = kalundborg_design.network
    html = write_network_report(network, tmp_path / "r.html").read_text(encoding="utf-8")
    notes = _footnotes(html)
    assert notes, "Kalundborg's notes mark estimates and placeholders"
    # the steam to Novo Nordisk rests on asnaes_steam_supply, whose note has a PLACEHOLDER
    steam = network.streams.set_index("id").at["asnaes_steam_supply", "note"]
    assert "PLACEHOLDER" in steam
    flows = exchange_flows(network)
    rows = _rows(html, "exchanges-table")
    assert len(rows) == len(flows)
    marked = 0
    for row, sup, dem, eid in zip(
        rows,
        network.exchanges["supply_id"],
        network.exchanges["demand_id"],
        flows["id"],
        strict=True,
    ):
        expected = any(
            quality_marks(n)
            for n in network.streams.set_index("id")["note"].reindex([sup, dem]).tolist()
        ) or bool(quality_marks(network.exchanges.set_index("id").at[eid, "note"]))
        refs = re.findall(r'href="#dq-(\d+)"', row)
        assert bool(refs) == expected, eid
        for ref in refs:  # every marker points at a footnote that exists
            assert ref in notes
        marked += bool(refs)
    assert marked > 0
    assert any("PLACEHOLDER" in n and "Novo Nordisk" not in n for n in notes.values())
    # facilities list their streams with the marker
    assert re.search(r"t/yr \[(E|P|E/P)\d+", html)


def test_design_report_marks_flows(kalundborg_design: Any, tmp_path: Path) -> None:
    d = kalundborg_design
    paths = write_design_report(d.network, d.solution, tmp_path, review=d.review)
    html = Path(paths["report"]).read_text(encoding="utf-8")
    notes = _footnotes(html)
    rows = _rows(html, "flows")
    refs = [re.findall(r'href="#dq-(\d+)"', r) for r in rows]
    assert sum(map(bool, refs)) > 0
    assert all(r in notes for rr in refs for r in rr)
    assert "resting on an ESTIMATE or PLACEHOLDER" in html
    # the numbers in footnotes follow the page's order: first use gets 1
    first = [
        r
        for rr in ([re.findall(r'href="#dq-(\d+)"', x) for x in _rows(html, "review")] + refs)
        for r in rr
    ]
    assert first[0] == "1"


@pytest.mark.parametrize("full", [False, True])
def test_confidential_note_is_withheld(secret_design: Any, tmp_path: Path, full: bool) -> None:
    d = secret_design
    network = Network(**{**d.network.__dict__})
    network.streams = d.network.streams.copy()  # the session's network stays as it was
    secret = "Measured 13,579 t/yr, PLACEHOLDER price"
    network.streams.loc[network.streams["id"] == "s1", "note"] = secret
    viewer = FULL if full else None
    kwargs = {"viewer": viewer} if viewer is not None else {}
    html = write_network_report(network, tmp_path / "r.html", **kwargs).read_text("utf-8")
    design = write_design_report(network, d.solution, tmp_path / "d", **kwargs)
    design_html = Path(design["report"]).read_text("utf-8")
    for page in (html, design_html):
        notes = _footnotes(page)
        assert any("PLACEHOLDER" in n for n in notes.values())
        if full:
            assert any(secret in n for n in notes.values())
        else:
            assert not any(secret in n for n in notes.values())
            assert any("note withheld" in n for n in notes.values())
            assert _leaks(page.replace(plotly.offline.get_plotlyjs(), "")) == {}
    footnotes = Footnotes(network)
    assert footnotes.refs(["s1"])[0]["mark"] == "P1"
