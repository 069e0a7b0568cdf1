"""Jobs from published employment ratios per tonne handled, net of the disposal jobs displaced.

The ratios ship as ``symbiograph/taxonomy/employment_ratios.csv`` (one row per activity, with
its public source and year); they are direct jobs only, indicative screening values.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from functools import cache
from importlib import resources

import numpy as np
import pandas as pd

__all__ = ["DEFAULT_REUSE_ACTIVITY", "DISPLACED_ACTIVITY", "employment_ratios", "job_lines"]

#: Tonnes per published amount unit.
_TONNES_PER = {"t": 1.0, "short ton": 0.90718474}

#: Activity that handles an exchanged by-product unless told otherwise.
DEFAULT_REUSE_ACTIVITY = "recycling_eu"

#: Activity whose jobs an exchange displaces, by the supply's disposal route today.
DISPLACED_ACTIVITY = {"landfill": "landfill", "incineration": "incineration"}

JOB_COLUMNS = [
    "candidate_id",
    "supply_id",
    "demand_id",
    "supply_organisation",
    "demand_organisation",
    "activity",
    "tonnes",
    "jobs_per_10kt",
    "jobs",
    "source",
    "source_title",
    "year",
]


@cache
def _ratios() -> pd.DataFrame:
    text = (
        resources.files("symbiograph.taxonomy")
        .joinpath("employment_ratios.csv")
        .read_text(encoding="utf-8")
    )
    titles: dict[str, str] = {}
    for line in text.splitlines():
        # "#   key | title ..." lines name the sources
        if line.startswith("#") and "|" in line:
            key, _, title = line.lstrip("#").partition("|")
            if key.strip().isidentifier():
                titles[key.strip()] = title.strip()
    frame = pd.read_csv(
        io.StringIO(text), comment="#", dtype={"activity": str, "source": str, "note": str}
    )
    unknown = sorted(set(frame["amount_unit"]) - set(_TONNES_PER))
    if unknown:
        raise ValueError(f"employment_ratios.csv: unknown amount_unit {unknown}")
    tonnes = frame["per_amount"].astype(float) * frame["amount_unit"].map(_TONNES_PER)
    frame["jobs_per_t"] = frame["jobs"].astype(float) / tonnes
    frame["jobs_per_10kt"] = frame["jobs_per_t"] * 10_000
    frame["source_title"] = frame["source"].map(titles).fillna("")
    if frame["activity"].duplicated().any():
        raise ValueError("employment_ratios.csv: duplicate activity")
    return frame


def employment_ratios() -> pd.DataFrame:
    """Published employment ratios, one row per activity.

    Columns: activity, jobs, per_amount, amount_unit (t or short ton), scope, source (key),
    source_title, year, note, and the derived jobs_per_t (jobs per t/yr) and jobs_per_10kt
    (jobs per 10,000 t/yr). Returns a fresh copy.
    """
    return _ratios().copy()


def job_lines(
    exchanges: pd.DataFrame,
    disposal_route: pd.Series,
    ratios: pd.DataFrame | None = None,
    reuse_activity: str = DEFAULT_REUSE_ACTIVITY,
    activities: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Jobs of every material exchange: created by handling it, less the disposal jobs displaced.

    ``exchanges`` has candidate_id, supply_id, demand_id, the organisations, supply_resource,
    kind and flow (t/yr for materials); energy and water exchanges create no lines (the
    ratios are per tonne). ``disposal_route`` maps supply id -> today's route: landfill or
    incineration jobs are displaced. ``activities`` maps a supply resource id to the activity
    that handles it (else ``reuse_activity``). Jobs are FTE: ratio (jobs per t/yr) x t/yr;
    displaced jobs are negative lines.
    """
    table = (ratios if ratios is not None else _ratios()).set_index("activity")
    activities = dict(activities or {})
    wanted = {reuse_activity, *activities.values(), *DISPLACED_ACTIVITY.values()}
    missing = sorted(wanted - set(table.index))
    if missing:
        raise KeyError(f"no employment ratio for activity {missing}")
    material = exchanges[(exchanges["kind"] == "material") & (exchanges["flow"] > 0)]
    created = material.assign(
        activity=[activities.get(str(r), reuse_activity) for r in material["supply_resource"]],
        sign=1.0,
    )
    route = material["supply_id"].map(disposal_route).fillna("").astype(str)
    displaced = material.assign(activity=route.map(DISPLACED_ACTIVITY), sign=-1.0)
    displaced = displaced[displaced["activity"].notna()]
    lines = pd.concat([created, displaced], ignore_index=True)
    ratio = table.reindex(lines["activity"].to_numpy())
    tonnes = lines["flow"].to_numpy(dtype=float)
    out = pd.DataFrame(
        {
            "candidate_id": lines["candidate_id"].to_numpy(dtype=object),
            "supply_id": lines["supply_id"].to_numpy(dtype=object),
            "demand_id": lines["demand_id"].to_numpy(dtype=object),
            "supply_organisation": lines["supply_organisation"].to_numpy(dtype=object),
            "demand_organisation": lines["demand_organisation"].to_numpy(dtype=object),
            "activity": lines["activity"].to_numpy(dtype=object),
            "tonnes": tonnes,
            "jobs_per_10kt": ratio["jobs_per_10kt"].to_numpy(dtype=float),
            "jobs": lines["sign"].to_numpy(dtype=float)
            * tonnes
            * ratio["jobs_per_t"].to_numpy(dtype=float),
            "source": ratio["source"].to_numpy(dtype=object),
            "source_title": ratio["source_title"].to_numpy(dtype=object),
            "year": ratio["year"].to_numpy(dtype=np.int64),
        },
        columns=JOB_COLUMNS,
    )
    return out.sort_values(["candidate_id", "jobs"], ascending=[True, False], kind="stable")[
        JOB_COLUMNS
    ].reset_index(drop=True)
