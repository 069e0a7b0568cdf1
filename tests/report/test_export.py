"""Each participant's indicators as sustainability disclosures (CSV, XLSX, JSON): rows per
participant add up to the assessment's totals, and a confidential figure never appears in
an export for a shared viewer."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest

from symbiograph.access import FULL, Viewer
from symbiograph.report import (
    DISCLOSURES,
    participant_indicators,
    write_participant_indicators,
)

sys.path.insert(0, str(Path(__file__).parents[1] / "access"))
from confidential_scenario import QUANTITY, _leaks

#: disclosure id -> the assessment summary's indicator it must add up to
_TOTALS = {
    "301-2": "virgin_material_avoided",
    "302-4": "energy_recovered",
    "303-3": "water_saved",
    "305-5": "co2e_avoided",
    "306-4": "materials_exchanged",
}


def test_rows_per_participant_sum_to_the_assessment_totals(kalundborg_design: Any) -> None:
    d = kalundborg_design
    table = participant_indicators(d.network, baseline=d.baseline)
    assert set(table["basis"]) == {"today", "design", "added"}
    assert not table["banded"].any()  # Kalundborg has no confidential stream
    summary = d.baseline.summary.set_index("indicator")
    for disclosure, indicator in _TOTALS.items():
        for basis in ("today", "design", "added"):
            rows = table[(table["disclosure"] == disclosure) & (table["basis"] == basis)]
            assert rows["value"].astype(float).sum() == pytest.approx(
                float(summary.at[indicator, basis]), rel=1e-9, abs=1e-6
            ), (disclosure, basis)
    # every organisation in an exchange has rows, and each disclosure has a known unit
    assert set(table["organisation"]) <= set(d.baseline.participants["organisation"])
    units = {disc: unit for _, disc, _, _, _, unit in DISCLOSURES}
    assert (table["unit"] == table["disclosure"].map(units)).all()
    # waste diverted is split by the route the by-product took before
    waste = table[(table["disclosure"] == "306-4") & (table["basis"] == "design")]
    assert "landfill" in set(waste["route"])
    # the data's marks travel with the figures
    assert table["data_quality"].str.contains("ESTIMATE").any()
    assert table["data_quality"].str.contains("PLACEHOLDER").any()


def test_single_assessment_is_the_design_basis(kalundborg_design: Any) -> None:
    d = kalundborg_design
    table = participant_indicators(d.network, assessment=d.assessment)
    assert set(table["basis"]) == {"design"}
    totals = d.assessment.totals
    for disclosure, indicator in _TOTALS.items():
        rows = table[table["disclosure"] == disclosure]
        assert rows["value"].astype(float).sum() == pytest.approx(float(totals[indicator]))


def test_formats_agree(kalundborg_design: Any, tmp_path: Path) -> None:
    d = kalundborg_design
    paths = write_participant_indicators(d.network, tmp_path, baseline=d.baseline)
    table = participant_indicators(d.network, baseline=d.baseline)
    csv = pd.read_csv(paths["csv"], keep_default_na=False)
    assert len(csv) == len(table)
    document = json.loads(paths["json"].read_text(encoding="utf-8"))
    assert set(document["participants"]) == set(table["organisation"])
    assert sum(len(rows) for rows in document["participants"].values()) == len(table)
    book = openpyxl.load_workbook(paths["xlsx"], read_only=True)
    assert {"about", "all"} <= set(book.sheetnames)
    assert len(book.sheetnames) == 2 + table["organisation"].nunique()
    assert sum(1 for _ in book["all"].iter_rows()) == len(table) + 1


def _read_all(paths: dict[str, Path]) -> str:
    book = openpyxl.load_workbook(paths["xlsx"], read_only=True)
    cells = [str(v) for ws in book for row in ws.iter_rows(values_only=True) for v in row]
    return "\n".join([paths["csv"].read_text("utf-8"), paths["json"].read_text("utf-8"), *cells])


def test_a_confidential_value_never_appears_for_a_shared_viewer(
    secret_design: Any, tmp_path: Path
) -> None:
    d = secret_design
    shared = write_participant_indicators(d.network, tmp_path / "shared", baseline=d.baseline)
    text = _read_all(shared)
    assert _leaks(text) == {}
    table = participant_indicators(d.network, baseline=d.baseline)
    assert table["banded"].any()
    # the taker of the confidential gypsum (Board) and its giver (Power): banded rows
    banded = set(table.loc[table["banded"], "organisation"])
    assert {"P", "B"} <= banded
    # an organisation with no confidential exchange keeps exact figures
    assert not table.loc[table["organisation"] == "W", "banded"].any()
    # the owner sees its own; the analyst sees all
    own = participant_indicators(d.network, baseline=d.baseline, viewer=Viewer.owner(["P"]))
    assert not own["banded"].any()
    full = write_participant_indicators(
        d.network, tmp_path / "full", baseline=d.baseline, viewer=FULL
    )
    assert "quantity" in _leaks(_read_all(full))
    assert f"{QUANTITY:.1f}" in full["csv"].read_text("utf-8")


def test_cli_optimize_writes_participant_disclosures(tmp_path: Path) -> None:
    import yaml
    from confidential_scenario import _doc
    from typer.testing import CliRunner

    from symbiograph.cli import app

    scenario = tmp_path / "secret.yaml"
    scenario.write_text(yaml.safe_dump(_doc(), sort_keys=False), encoding="utf-8")
    out = tmp_path / "disclosures"
    result = CliRunner(env={"COLUMNS": "200", "NO_COLOR": "1"}).invoke(
        app,
        ["optimize", str(scenario), "--out", str(tmp_path / "design"), "--participants", str(out)],
    )
    assert result.exit_code == 0, result.output
    paths = {k: out / f"participants.{k}" for k in ("csv", "xlsx", "json")}
    assert all(p.is_file() for p in paths.values())
    assert _leaks(_read_all(paths)) == {}
    document = json.loads(paths["json"].read_text("utf-8"))
    assert document["disclosure"].startswith("shared")
