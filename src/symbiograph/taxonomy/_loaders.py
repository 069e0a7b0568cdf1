"""Loaders for the shipped reference tables (EWC, NACE, emission factors, transport modes,
employment ratios).

Every table is a CSV file in this package with ``#`` comment lines naming its public source.
Files are read once (cached) and each call returns a fresh copy, so callers may modify it.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterable
from functools import cache, lru_cache
from importlib import resources

import pandas as pd

__all__ = [
    "emission_factors",
    "employment_ratios",
    "ewc_codes",
    "hazardous_ewc_entries",
    "is_hazardous_ewc",
    "is_valid_ewc",
    "is_valid_nace",
    "nace_codes",
    "normalise_ewc_code",
    "normalise_nace_code",
    "quality_attributes",
    "transport_mode_defaults",
    "valid_ewc_entries",
    "valid_nace_classes",
]

_EWC_DIGITS = re.compile(r"\d{2}(?:\d{2}(?:\d{2})?)?")
_NACE_SECTION = re.compile(r"[A-U]")
_NACE_DIGITS = re.compile(r"\d{2,4}")


@cache
def _read(filename: str, dtypes: tuple[tuple[str, str], ...]) -> pd.DataFrame:
    """Read one packaged CSV (``#`` lines are comments) with the given column dtypes."""
    text = resources.files(__package__).joinpath(filename).read_text(encoding="utf-8")
    frame = pd.read_csv(
        io.StringIO(text),
        comment="#",
        dtype=dict(dtypes),
        keep_default_na=False,
        na_values=[],
    )
    return frame


def _table(filename: str, **dtypes: str) -> pd.DataFrame:
    return _read(filename, tuple(sorted(dtypes.items()))).copy()


def ewc_codes() -> pd.DataFrame:
    """European Waste Catalogue (List of Waste, Decision 2000/532/EC as amended 2014/955/EU).

    Columns: ``code`` ('10 01 05'), ``level`` (chapter|subchapter|entry), ``chapter`` ('10'),
    ``subchapter`` ('10 01', empty for chapters), ``description`` and ``hazardous`` (bool;
    always False on chapter and sub-chapter rows). One row per chapter, sub-chapter and entry.
    """
    frame = _table(
        "ewc.csv",
        code="string",
        level="string",
        chapter="string",
        subchapter="string",
        description="string",
        hazardous="string",
    )
    flags = frame["hazardous"]
    if not flags.isin(["true", "false"]).all():
        bad = sorted(set(flags[~flags.isin(["true", "false"])].astype(str)))
        raise ValueError(f"ewc.csv: hazardous must be 'true' or 'false', got {bad}")
    frame["hazardous"] = (flags == "true").astype(bool)
    return frame


def nace_codes() -> pd.DataFrame:
    """NACE Rev. 2 (Regulation (EC) No 1893/2006) down to class level.

    Columns: ``code`` ('C', '35', '35.1', '35.11'), ``level`` (section|division|group|class),
    ``section`` (letter), ``parent`` (code one level up, empty for sections), ``description``.
    """
    return _table(
        "nace.csv",
        code="string",
        level="string",
        section="string",
        parent="string",
        description="string",
    )


def emission_factors() -> pd.DataFrame:
    """Emission factors in kg CO2e per reference unit.

    Columns: ``id``, ``category``, ``item``, ``unit`` (t, t N, MWh, m3, t.km, ...),
    ``kg_co2e_per_unit`` (float), ``source``, ``year`` (int) and ``note``.
    """
    return _table(
        "emission_factors.csv",
        id="string",
        category="string",
        item="string",
        unit="string",
        kg_co2e_per_unit="float64",
        source="string",
        year="int64",
        note="string",
    )


def transport_mode_defaults() -> pd.DataFrame:
    """Default parameters per transport mode (truck, rail, ship, pipeline, conveyor, grid, none).

    Columns: ``mode``, ``cost_per_tkm`` (EUR per t.km), ``co2e_kg_per_tkm`` (kg CO2e per t.km),
    ``detour_factor`` (route length / straight-line distance), ``pipeline_capex_per_km``
    (EUR per km of dedicated link), ``max_km`` (usual economic reach, route km), ``source``,
    ``year`` and ``max_km_source`` (where the reach comes from).
    """
    return _table(
        "transport_modes.csv",
        mode="string",
        cost_per_tkm="float64",
        co2e_kg_per_tkm="float64",
        detour_factor="float64",
        pipeline_capex_per_km="float64",
        max_km="float64",
        source="string",
        year="int64",
        max_km_source="string",
    )


#: Tonnes per published amount unit.
_TONNES_PER = {"t": 1.0, "short ton": 0.90718474}


@cache
def _ratios() -> pd.DataFrame:
    text = (
        resources.files(__package__).joinpath("employment_ratios.csv").read_text(encoding="utf-8")
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


def quality_attributes() -> pd.DataFrame:
    """Quality attributes a stream may carry: ``name``, ``unit``, ``kind``, ``description``."""
    return _table(
        "quality_attributes.csv",
        name="string",
        unit="string",
        kind="string",
        description="string",
    )


def normalise_ewc_code(code: str) -> str:
    """Return an EWC code in the canonical spaced form.

    Accepts '100105', '10 01 05', '10.01.05', '10-01-05' or '10 01 05*' (the hazard asterisk
    is dropped) and returns '10 01 05'; chapters ('10') and sub-chapters ('1001') work too.
    Raises ValueError when the text is not 2, 4 or 6 digits after removing separators.
    """
    if not isinstance(code, str):
        raise ValueError(f"EWC code must be a string, got {code!r}")
    digits = re.sub(r"[\s.\-_/*]", "", code)
    if not _EWC_DIGITS.fullmatch(digits):
        raise ValueError(f"not an EWC code: {code!r} (expected 2, 4 or 6 digits, e.g. '10 01 05')")
    return " ".join(digits[i : i + 2] for i in range(0, len(digits), 2))


def normalise_nace_code(code: str) -> str:
    """Return a NACE Rev. 2 code in the canonical dotted form.

    '3511', '35.11' and '35 11' give '35.11'; '351' gives '35.1'; '35' stays '35'; a section
    letter ('c' or 'C') gives 'C'. A leading section letter before digits ('C23.51') is dropped.
    Raises ValueError for anything else.
    """
    if not isinstance(code, str):
        raise ValueError(f"NACE code must be a string, got {code!r}")
    text = code.strip().upper()
    if _NACE_SECTION.fullmatch(text):
        return text
    if text[:1].isalpha() and len(text) > 1:
        text = text[1:]
    digits = re.sub(r"[\s.\-_]", "", text)
    if not _NACE_DIGITS.fullmatch(digits):
        raise ValueError(
            f"not a NACE Rev. 2 code: {code!r} (expected e.g. 'C', '35', '35.1', '35.11')"
        )
    return digits if len(digits) == 2 else f"{digits[:2]}.{digits[2:]}"


def valid_ewc_entries() -> frozenset[str]:
    """The six-digit EWC entry codes ('10 01 05'), without chapters and sub-chapters."""
    return _valid_ewc_entries()


@lru_cache(maxsize=1)
def _valid_ewc_entries() -> frozenset[str]:
    frame = ewc_codes()
    return frozenset(frame.loc[frame["level"] == "entry", "code"].astype(str))


def hazardous_ewc_entries() -> frozenset[str]:
    """The six-digit EWC entries marked hazardous (an asterisk) in the List of Waste."""
    return _hazardous_ewc_entries()


@lru_cache(maxsize=1)
def _hazardous_ewc_entries() -> frozenset[str]:
    frame = ewc_codes()
    chosen = (frame["level"] == "entry") & frame["hazardous"]
    return frozenset(frame.loc[chosen, "code"].astype(str))


def is_hazardous_ewc(code: str) -> bool:
    """True when ``code`` (any spelling: '100104', '10 01 04*') is a hazardous EWC entry;
    False for non-hazardous and for text that is not an EWC code."""
    try:
        return normalise_ewc_code(code) in _hazardous_ewc_entries()
    except ValueError:
        return False


def valid_nace_classes() -> frozenset[str]:
    """All NACE Rev. 2 codes of every level ('C', '35', '35.1', '35.11').

    A facility may be classified at division or group level as well as at class level.
    """
    return _valid_nace_codes()


@lru_cache(maxsize=1)
def _valid_nace_codes() -> frozenset[str]:
    return frozenset(nace_codes()["code"].astype(str))


def _normalised_or_none(normalise: Callable[[str], str], value: object) -> str | None:
    if not isinstance(value, str):
        return None
    try:
        return normalise(value)
    except ValueError:
        return None


def is_valid_ewc(codes: Iterable[object]) -> pd.Series:
    """For each code, whether it names a six-digit EWC entry (any accepted spelling).

    Returns a boolean Series aligned with ``codes`` (its index when a Series is given).
    Non-strings, chapters and sub-chapters are False.
    """
    valid = valid_ewc_entries()
    series = codes if isinstance(codes, pd.Series) else pd.Series(list(codes), dtype=object)
    result = [_normalised_or_none(normalise_ewc_code, c) in valid for c in series]
    return pd.Series(result, index=series.index, dtype=bool)


def is_valid_nace(codes: Iterable[object]) -> pd.Series:
    """For each code, whether it names a NACE Rev. 2 section, division, group or class.

    Returns a boolean Series aligned with ``codes`` (its index when a Series is given).
    """
    valid = valid_nace_classes()
    series = codes if isinstance(codes, pd.Series) else pd.Series(list(codes), dtype=object)
    result = [_normalised_or_none(normalise_nace_code, c) in valid for c in series]
    return pd.Series(result, index=series.index, dtype=bool)
