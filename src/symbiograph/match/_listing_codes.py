"""From a free-text listing to matching: EWC codes proposed for uncoded material supplies.

A supplied material resource (discarded today: its supply has a disposal route other than
'none', since EWC codes name wastes, not products) with neither an EWC nor a CPA code, but with a description (or
at least a name), gets the listing classifier's top proposal as its EWC code when that
proposal's calibrated probability reaches the classifier's threshold (set on the development
split for its stated precision). The facility that supplies it gives the NACE prior. Every
uncoded resource's top proposals are returned with their reasons, used or not.
"""

from __future__ import annotations

import pandas as pd

__all__ = ["INFERRED_COLUMNS", "PROPOSAL_COLUMNS", "propose_listing_codes"]

#: Columns of ``MatchResult.inferred``: one row per resource whose code was inferred.
INFERRED_COLUMNS = ["resource_id", "side", "archetype_id", "code", "confidence", "method", "reason"]

#: Columns of the code proposals table (``code_proposals.csv`` of ``symbiograph match``).
PROPOSAL_COLUMNS = [
    "resource_id",
    "text",
    "nace",
    "rank",
    "code",
    "description",
    "probability",
    "confident",
    "used",
    "reason",
]


def _text(row: pd.Series) -> str:
    description = str(row.get("description", "") or "").strip()
    name = str(row.get("name", "") or "").strip()
    if description and name and name.lower() not in description.lower():
        return f"{name}: {description}"
    return description or name


def propose_listing_codes(
    resources: pd.DataFrame,
    streams: pd.DataFrame,
    facilities: pd.DataFrame,
    top: int = 3,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """EWC codes for the uncoded materials a network discards today, from their text.

    Returns (resources with ``ewc_code`` filled where the top proposal is confident, the
    inferred rows in ``INFERRED_COLUMNS`` with method 'listing classifier', every uncoded
    resource's ``top`` proposals in ``PROPOSAL_COLUMNS``). The classifier is only fitted
    (about 25 s, once per process) when at least one such resource exists.
    """
    filled = resources.copy()
    inferred = pd.DataFrame(columns=INFERRED_COLUMNS)
    proposals = pd.DataFrame(columns=PROPOSAL_COLUMNS)
    route = streams["disposal_route"].fillna("").astype(str) if "disposal_route" in streams else ""
    # EWC codes name wastes: only a supply discarded today (a disposal route other than none)
    supplies = streams[(streams["direction"] == "supply") & ~pd.Series(route).isin(["", "none"])]
    supplied = set(supplies["resource_id"].astype(str))
    uncoded = resources[
        (resources["ewc_code"].fillna("") == "")
        & (resources["cpa_code"].fillna("") == "")
        & (resources["kind"] == "material")
        & resources["id"].astype(str).isin(supplied)
    ]
    uncoded = uncoded[[bool(_text(r)) for _, r in uncoded.iterrows()]]
    if uncoded.empty:
        return filled, inferred, proposals
    from symbiograph.match._classify import listing_code_model
    from symbiograph.taxonomy import normalise_nace_code

    model = listing_code_model()
    nace_of = facilities.set_index("id")["nace_code"].astype(str).to_dict()
    first_facility = supplies.drop_duplicates("resource_id").set_index("resource_id")["facility_id"]
    inferred_rows: list[tuple[object, ...]] = []
    proposal_rows: list[tuple[object, ...]] = []
    for _, row in uncoded.iterrows():
        rid = str(row["id"])
        raw = nace_of.get(str(first_facility.get(rid, "")), "")
        try:
            nace = normalise_nace_code(raw) if raw and raw != "nan" else None
        except ValueError:
            nace = None  # an unknown sector code gives no prior; validation reports it
        text = _text(row)
        got = model.propose(text, nace, top)
        used = bool(got and got[0].confident)
        for rank, p in enumerate(got, start=1):
            proposal_rows.append(
                (
                    rid,
                    text,
                    nace or "",
                    rank,
                    p.code,
                    p.description,
                    round(p.probability, 4),
                    p.confident,
                    used and rank == 1,
                    p.reason,
                )
            )
        if used:
            best = got[0]
            filled.loc[filled["id"] == row["id"], "ewc_code"] = best.code
            inferred_rows.append(
                (rid, "supply", "", best.code, best.probability, "listing classifier", best.reason)
            )
    inferred = pd.DataFrame(inferred_rows, columns=INFERRED_COLUMNS)
    proposals = pd.DataFrame(proposal_rows, columns=PROPOSAL_COLUMNS)
    return filled, inferred, proposals
