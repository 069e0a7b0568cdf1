"""Each participant's symbiosis figures in the shape of the sustainability disclosures
companies file (GRI Standards topic disclosures), as CSV, XLSX and JSON, so that a company
can put them in its annual report.

One row per organisation, disclosure, route (waste only) and basis:

- GRI 301-2 (materials): input materials replaced by by-products received, t/yr (taker);
- GRI 302-4 (energy): energy bought replaced by energy received, MWh/yr (taker);
- GRI 303-3 (water): water withdrawal avoided by water received, m3/yr (taker);
- GRI 305-5 (emissions): GHG emissions avoided, t CO2e/yr (half to each side, as the
  assessment shares them);
- GRI 306-4 (waste): waste diverted from disposal, t/yr (giver), by the disposal route it
  took before (the supply stream's ``disposal_route``: landfill, incineration, ...).

Basis: ``today`` (the exchanges that run today), ``design`` (the optimum) and ``added``
(design minus today); with a single assessment, ``design`` only. ``data_quality`` names the
ESTIMATE / PLACEHOLDER marks of the data a figure rests on. A figure to which an exchange
with a stream confidential to the viewer contributes is its band (``"10,000 to 20,000"``),
never the value (``symbiograph.access``).

This is a mapping of the model's indicators onto the disclosures' topics, not a GRI-verified
report: the figures are annual model results, and the disclosure ids name where each would
go.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from symbiograph.access import SHARED, Viewer, band_label, hidden_rows, hidden_streams
from symbiograph.model import Network
from symbiograph.report._notes import quality_marks

__all__ = [
    "DISCLOSURES",
    "EXPORT_COLUMNS",
    "participant_indicators",
    "write_participant_indicators",
]

#: (standard, disclosure id, title, Assessment.exchanges column, side, unit); side is who
#: is credited: "taker", "giver" or "both" (half each).
DISCLOSURES: tuple[tuple[str, str, str, str, str, str], ...] = (
    (
        "GRI 301",
        "301-2",
        "Materials: input materials replaced by by-products",
        "virgin_material_avoided_t",
        "taker",
        "t/yr",
    ),
    (
        "GRI 302",
        "302-4",
        "Energy: energy consumption replaced by recovered energy",
        "energy_recovered_mwh",
        "taker",
        "MWh/yr",
    ),
    (
        "GRI 303",
        "303-3",
        "Water: water withdrawal avoided",
        "water_saved_m3",
        "taker",
        "m3/yr",
    ),
    (
        "GRI 305",
        "305-5",
        "Emissions: GHG emissions avoided",
        "co2e_avoided_t",
        "both",
        "t CO2e/yr",
    ),
    (
        "GRI 306",
        "306-4",
        "Waste: waste diverted from disposal",
        "material_supplied_t",
        "giver",
        "t/yr",
    ),
)

#: The columns of the export, in order.
EXPORT_COLUMNS = [
    "organisation",
    "standard",
    "disclosure",
    "title",
    "route",
    "basis",
    "value",
    "unit",
    "banded",
    "data_quality",
    "exchanges",
]


def _lines(network: Network, exchanges: pd.DataFrame, viewer: Viewer) -> pd.DataFrame:
    """One line per exchange, side and disclosure: organisation, disclosure, route, value,
    whether a hidden stream is in it, and the data-quality marks it rests on."""
    hidden = hidden_rows(exchanges, hidden_streams(network, viewer))
    streams = network.streams.drop_duplicates("id").set_index("id")
    route = exchanges["supply_id"].map(streams["disposal_route"]).fillna("").astype(str)
    route = route.where(route.str.strip() != "", "unspecified")
    notes = streams["note"]
    ex_notes = network.exchanges.drop_duplicates("id").set_index("id")["note"]
    marks = [
        set(quality_marks(notes.get(s)))
        | set(quality_marks(notes.get(d)))
        | set(quality_marks(ex_notes.get(e) if isinstance(e, str) and e else None))
        for s, d, e in zip(
            exchanges["supply_id"],
            exchanges["demand_id"],
            exchanges.get("exchange_id", pd.Series([""] * len(exchanges))),
            strict=True,
        )
    ]
    parts: list[pd.DataFrame] = []
    for standard, disclosure, title, column, side, unit in DISCLOSURES:
        value = exchanges[column].to_numpy(dtype=float)
        sides = {
            "taker": [("demand_organisation", 1.0)],
            "giver": [("supply_organisation", 1.0)],
            "both": [("supply_organisation", 0.5), ("demand_organisation", 0.5)],
        }[side]
        for org_column, share in sides:
            parts.append(
                pd.DataFrame(
                    {
                        "organisation": exchanges[org_column].astype(str).to_numpy(),
                        "standard": standard,
                        "disclosure": disclosure,
                        "title": title,
                        "route": route.to_numpy() if disclosure == "306-4" else "",
                        "value": value * share,
                        "unit": unit,
                        "hidden": hidden,
                        "marks": marks,
                        "candidate_id": exchanges["candidate_id"].to_numpy(),
                    }
                )
            )
    if not parts:
        return pd.DataFrame()
    return pd.concat(parts, ignore_index=True)


_KEYS = ["organisation", "standard", "disclosure", "title", "route", "unit"]


def _totals(lines: pd.DataFrame) -> pd.DataFrame:
    """Per key: the value, whether a hidden non-zero line adds to it, marks, exchanges."""
    if lines.empty:
        return pd.DataFrame(columns=[*_KEYS, "value", "hidden", "marks", "exchanges"])
    active = lines["value"].to_numpy(dtype=float) != 0
    lines = lines.assign(
        tainted=lines["hidden"].to_numpy(dtype=bool) & active,
        counted=active,
        marks=[m if a else set() for m, a in zip(lines["marks"], active, strict=True)],
    )
    grouped = lines.groupby(_KEYS, sort=True)
    out = grouped.agg(
        value=("value", "sum"),
        hidden=("tainted", "any"),
        exchanges=("counted", "sum"),
    ).reset_index()
    marks = grouped["marks"].agg(lambda ms: set().union(*ms)).reset_index(drop=True)
    out["marks"] = marks.to_numpy()
    return out


def participant_indicators(
    network: Network,
    assessment: Any = None,
    baseline: Any = None,
    viewer: Viewer = SHARED,
) -> pd.DataFrame:
    """Each participant's disclosure rows (see the module docstring; columns
    :data:`EXPORT_COLUMNS`) from ``baseline`` (an ``assess.BaselineAssessment``: bases
    today, design and added) or ``assessment`` (an ``assess.Assessment``: basis design).

    ``value`` is a float, or on a row to which an exchange with a stream hidden from
    ``viewer`` adds (a non-zero figure), its band as text (``banded`` True; the added row
    too when today's or the design's is banded). ``exchanges`` counts the exchanges with a
    non-zero figure in the row; ``data_quality`` lists the ESTIMATE / PLACEHOLDER marks of
    their streams' and exchanges' notes. Rows whose value is zero in every basis are left
    out. Organisations sorted by name."""
    if baseline is None and assessment is None:
        raise ValueError("participant_indicators needs an assessment or a baseline")
    bases: dict[str, pd.DataFrame] = (
        {"today": baseline.today.exchanges, "design": baseline.design.exchanges}
        if baseline is not None
        else {"design": assessment.exchanges}
    )
    totals = {name: _totals(_lines(network, ex, viewer)) for name, ex in bases.items()}
    keys = pd.concat([t[_KEYS] for t in totals.values()]).drop_duplicates()
    keys = keys.sort_values(_KEYS).reset_index(drop=True)
    indexed = {name: t.set_index(_KEYS) for name, t in totals.items()}
    rows: list[dict[str, Any]] = []
    for key in keys.itertuples(index=False):
        k = tuple(key)
        got = {
            name: (
                float(t.at[k, "value"]) if k in t.index else 0.0,
                bool(t.at[k, "hidden"]) if k in t.index else False,
                set(t.at[k, "marks"]) if k in t.index else set(),
                int(t.at[k, "exchanges"]) if k in t.index else 0,
            )
            for name, t in indexed.items()
        }
        if all(v == 0 for v, _, _, _ in got.values()):
            continue
        if baseline is not None:
            today, design = got["today"], got["design"]
            got["added"] = (
                design[0] - today[0],
                design[1] or today[1],
                design[2] | today[2],
                max(design[3] - today[3], 0),
            )
        for basis, (value, hidden, marks, count) in got.items():
            rows.append(
                {
                    **dict(zip(_KEYS, k, strict=True)),
                    "basis": basis,
                    "value": band_label(value) if hidden else value,
                    "banded": hidden,
                    "data_quality": "; ".join(m for m in ("ESTIMATE", "PLACEHOLDER") if m in marks),
                    "exchanges": count,
                }
            )
    return pd.DataFrame(rows, columns=EXPORT_COLUMNS)


def _json_document(table: pd.DataFrame, network: Network, viewer: Viewer) -> dict[str, Any]:
    """The export as {scenario, disclosure, participants: {organisation: [rows]}}."""
    participants: dict[str, list[dict[str, Any]]] = {}
    for row in table.to_dict(orient="records"):
        org = str(row.pop("organisation"))
        value = row["value"]
        if isinstance(value, float | np.floating):
            row["value"] = float(value)
        row["exchanges"] = int(row["exchanges"])
        row["banded"] = bool(row["banded"])
        participants.setdefault(org, []).append(row)
    from symbiograph.report._summary import _disclosure

    return {
        "scenario": network.parameters.get("name", ""),
        "disclosure": _disclosure(network, viewer),
        "standard": "GRI Standards topic disclosures (mapping of model results; not verified)",
        "participants": participants,
    }


def write_participant_indicators(
    network: Network,
    out: str | Path,
    assessment: Any = None,
    baseline: Any = None,
    viewer: Viewer = SHARED,
) -> dict[str, Path]:
    """Write :func:`participant_indicators` into the folder ``out``: participants.csv,
    participants.xlsx (one sheet for all, one per organisation) and participants.json
    (rows grouped by organisation). Returns the paths by format ("csv", "xlsx", "json").
    What is written is what ``viewer`` may see (default: a participant)."""
    table = participant_indicators(network, assessment, baseline, viewer)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    paths = {
        "csv": out / "participants.csv",
        "xlsx": out / "participants.xlsx",
        "json": out / "participants.json",
    }
    table.to_csv(paths["csv"], index=False)
    document = _json_document(table, network, viewer)
    paths["json"].write_text(
        json.dumps(document, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )
    _write_xlsx(table, paths["xlsx"], document["disclosure"])
    return paths


def _write_xlsx(table: pd.DataFrame, path: Path, disclosure: str) -> None:
    """All rows on a sheet "all", each organisation on its own sheet (name cut to Excel's
    31 characters, made unique), and a sheet "about" saying what is shown."""
    import openpyxl

    book = openpyxl.Workbook()
    about = book.active
    about.title = "about"
    about.append(["symbiograph participant indicators"])
    about.append([disclosure])
    about.append(["value: a number, or a band where a confidential figure adds to it"])
    used = {"about"}

    def sheet(name: str, frame: pd.DataFrame) -> None:
        title = "".join(c if c not in "[]:*?/\\" else " " for c in name)[:31] or "sheet"
        base, n = title, 1
        while title.lower() in used:
            n += 1
            title = f"{base[: 31 - len(str(n)) - 1]}~{n}"
        used.add(title.lower())
        ws = book.create_sheet(title)
        ws.append(EXPORT_COLUMNS)
        for row in frame.itertuples(index=False):
            ws.append([v.item() if isinstance(v, np.generic) else v for v in row])

    sheet("all", table)
    for org, frame in table.groupby("organisation", sort=True):
        sheet(str(org), frame)
    book.save(path)
