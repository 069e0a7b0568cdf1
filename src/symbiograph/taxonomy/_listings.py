"""Loaders for the free-text classification data (issue 18): labelled listings as plant staff
write them, the residue lexicon of trade terms, and the NACE -> EWC chapter prior.

Each file is a CSV in this package whose ``#`` header names its provenance and sources; every
EWC code it holds is checked against the shipped List of Waste when it is read.
"""

from __future__ import annotations

import pandas as pd

from symbiograph.taxonomy._loaders import _table, valid_ewc_entries

__all__ = [
    "labelled_residue_listings",
    "listing_containers",
    "nace_ewc_prior",
    "residue_lexicon",
]


def _check_codes(frame: pd.DataFrame, column: str, filename: str, allow_prefix: bool) -> None:
    """Every ';'-separated code in ``column`` exists in ewc.csv (as an entry, or a chapter or
    sub-chapter where ``allow_prefix``); else ValueError naming the file, row and code."""
    entries = valid_ewc_entries()
    prefixes = {c[:2] for c in entries} | {c[:5] for c in entries}
    for row, value in enumerate(frame[column].astype(str), start=1):
        for code in (c.strip() for c in value.split(";")):
            if not code:
                continue
            if code in entries or (allow_prefix and code in prefixes):
                continue
            raise ValueError(f"{filename}: data row {row}: {column} {code!r} is not in ewc.csv")


def labelled_residue_listings() -> pd.DataFrame:
    """The labelled listings: free-text residue descriptions with their true codes.

    Columns: id, sector (tag), nace (NACE Rev. 2 class of the facility), text, ewc (six-digit
    entry, '02 05 01'), process (the source process deciding the chapter), cpa (product it can
    replace, '' when none), split ('dev' | 'test'). Only 'dev' rows may tune anything.
    """
    frame = _table(
        "listings.csv",
        id="string",
        sector="string",
        nace="string",
        text="string",
        ewc="string",
        process="string",
        cpa="string",
        split="string",
    )
    _check_codes(frame, "ewc", "listings.csv", allow_prefix=False)
    bad = sorted(set(frame["split"].astype(str)) - {"dev", "test"})
    if bad:
        raise ValueError(f"listings.csv: split must be dev or test, got {bad}")
    return frame


def residue_lexicon() -> pd.DataFrame:
    """Trade terms for residues. Columns: term (lower case, matched on word boundaries),
    sector, kind (abbreviation | trade_name | synonym | process), means (the plain words it
    stands for), ewc (';'-separated entries, the usual first; may be empty), cpa, source."""
    frame = _table(
        "residue_lexicon.csv",
        term="string",
        sector="string",
        kind="string",
        means="string",
        ewc="string",
        cpa="string",
        source="string",
    )
    _check_codes(frame, "ewc", "residue_lexicon.csv", allow_prefix=False)
    return frame


def nace_ewc_prior() -> pd.DataFrame:
    """The prior over EWC chapters and sub-chapters by facility activity.

    Columns: nace (division 'NN' or class 'NN.NN'), ewc (chapter 'NN' or sub-chapter 'NN NN'),
    weight (float, relative), basis (why: the List of Waste heading or the process).
    """
    frame = _table(
        "nace_ewc_prior.csv", nace="string", ewc="string", weight="float64", basis="string"
    )
    _check_codes(frame, "ewc", "nace_ewc_prior.csv", allow_prefix=True)
    if (frame["weight"] <= 0).any():
        raise ValueError("nace_ewc_prior.csv: weight must be positive")
    return frame


def listing_containers() -> pd.DataFrame:
    """Nominal container sizes for quantities in listings ("2 skips a week").

    Columns: container, synonyms ('|'-separated), amount (float), unit ('m3' or 't'), source,
    year (int), note.
    """
    frame = _table(
        "containers.csv",
        container="string",
        synonyms="string",
        amount="float64",
        unit="string",
        source="string",
        year="int64",
        note="string",
    )
    bad = sorted(set(frame["unit"].astype(str)) - {"m3", "t"})
    if bad or (frame["amount"] <= 0).any():
        raise ValueError(f"containers.csv: unit must be m3 or t and amount positive ({bad})")
    return frame
