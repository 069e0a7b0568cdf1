"""One indicator table for a design: the assessment's totals and the ecological indicators."""

from __future__ import annotations

import pandas as pd

from symbiograph.assess._assessment import Assessment
from symbiograph.assess._ecology import ecological_analysis

__all__ = ["indicator_table"]

#: Flows in money terms for the network structure: every unit counts a link, not an amount.
_LINKS_ONLY = {"t/yr": 1.0, "MWh/yr": 1.0, "m3/yr": 1.0}


def indicator_table(assessment: Assessment, flows: pd.DataFrame) -> pd.DataFrame:
    """indicator, value, unit, note: the assessment's totals, then the network structure
    over all exchanges (links, connectance, linkage density) and the Finn cycling index of
    the material flows (t/yr)."""
    rows = [assessment.summary[["indicator", "value", "unit", "note"]]]
    chosen = flows[flows["flow"] > 0]
    if len(chosen):
        structure = ecological_analysis(chosen, weights=_LINKS_ONLY).summary
        keep = structure[
            structure["indicator"].isin(["nodes", "links", "connectance", "linkage_density"])
        ]
        rows.append(
            keep.assign(unit="", note="all exchanges, any resource kind")[
                ["indicator", "value", "unit", "note"]
            ]
        )
        materials = chosen[chosen["unit"] == "t/yr"]
        if len(materials):
            fci = ecological_analysis(materials).summary
            fci = fci[fci["indicator"] == "finn_cycling_index"]
            rows.append(
                fci.assign(unit="share", note="material flows (t/yr)")[
                    ["indicator", "value", "unit", "note"]
                ]
            )
    return pd.concat(rows, ignore_index=True)
