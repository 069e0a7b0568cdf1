"""Jobs from published employment ratios per tonne handled, net of the disposal jobs displaced.

The ratios ship as ``symbiograph/taxonomy/employment_ratios.csv`` (one row per activity, with
its public source and year); they are direct jobs only, indicative screening values.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from symbiograph.taxonomy import employment_ratios

__all__ = ["DEFAULT_REUSE_ACTIVITY", "DISPLACED_ACTIVITY", "employment_ratios", "job_lines"]


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
    table = (ratios if ratios is not None else employment_ratios()).set_index("activity")
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
