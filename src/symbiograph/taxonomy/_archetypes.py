"""Synergy archetypes (documented by-product, energy and water exchange types) and CPA 2.1 codes.

``synergy_archetypes.csv`` says which by-product or surplus can replace which virgin input, between
which sectors and under which quality conditions, each row with its public source and year.
``cpa.csv`` holds the CPA 2.1 product codes the archetypes use. Files are read once (cached) and
every call returns a fresh copy, so callers may modify the result.
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Iterable
from functools import lru_cache
from importlib import resources

import pandas as pd

from symbiograph.taxonomy._loaders import (
    emission_factors,
    nace_codes,
    quality_attributes,
    valid_ewc_entries,
)

__all__ = [
    "ARCHETYPE_COLUMNS",
    "SUPPLY_KINDS",
    "SUPPLY_UNITS",
    "TRANSPORT_MODES",
    "archetype_sources",
    "cpa_codes",
    "parse_requirements",
    "synergy_archetypes",
]

_PACKAGE = "symbiograph.taxonomy"
_ARCHETYPES_FILE = "synergy_archetypes.csv"
_CPA_FILE = "cpa.csv"

SUPPLY_KINDS: tuple[str, ...] = ("material", "energy", "water")
"""Allowed values of ``supply_kind``."""

SUPPLY_UNITS: dict[str, str] = {"material": "t", "energy": "MWh", "water": "m3"}
"""Reference unit of one unit of supply, per ``supply_kind``."""

TRANSPORT_MODES: tuple[str, ...] = ("truck", "rail", "ship", "pipeline", "conveyor", "grid", "none")
"""Allowed values of ``typical_mode`` (the modes of ``transport_modes.csv``)."""

ARCHETYPE_COLUMNS: tuple[str, ...] = (
    "id",
    "name",
    "supply_kind",
    "supply_ewc",
    "supply_cpa",
    "supply_keywords",
    "demand_cpa",
    "demand_keywords",
    "giver_nace",
    "receiver_nace",
    "substitution_ratio",
    "quality_requirements",
    "pretreatment",
    "pretreatment_cost_per_unit",
    "pretreatment_co2e_kg_per_unit",
    "pretreatment_fixes",
    "typical_mode",
    "max_distance_km",
    "virgin_factor_id",
    "disposal_factor_id",
    "source",
    "year",
)

_NUMERIC_COLUMNS = (
    "substitution_ratio",
    "pretreatment_cost_per_unit",
    "pretreatment_co2e_kg_per_unit",
    "max_distance_km",
)

# semicolon-separated text column -> parsed tuple column added by synergy_archetypes()
_LIST_COLUMNS: dict[str, str] = {
    "supply_ewc": "supply_ewc_list",
    "supply_cpa": "supply_cpa_list",
    "demand_cpa": "demand_cpa_list",
    "giver_nace": "giver_nace_list",
    "receiver_nace": "receiver_nace_list",
    "supply_keywords": "supply_keywords_list",
    "demand_keywords": "demand_keywords_list",
    "pretreatment_fixes": "pretreatment_fixes_list",
    "source": "source_list",
}

_REQUIREMENT = re.compile(
    r"\s*([A-Za-z_][A-Za-z0-9_]*)\s*(>=|<=)\s*([-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?)\s*"
)
_CPA_CLASS = re.compile(r"\d{2}\.\d{2}")
_CPA_SUBCLASS = re.compile(r"\d{2}\.\d{2}\.\d{2}")
_SOURCE_LINE = re.compile(r"#\s*source\s*\|\s*(.+?)\s*\|\s*(\d{4})\s*\|\s*(.+?)\s*$")


@lru_cache(maxsize=8)
def _text(filename: str) -> str:
    return resources.files(_PACKAGE).joinpath(filename).read_text(encoding="utf-8")


def _read_csv(filename: str, dtypes: dict[str, str]) -> pd.DataFrame:
    return pd.read_csv(
        io.StringIO(_text(filename)),
        comment="#",
        dtype=dtypes,
        keep_default_na=False,
        na_values=[],
    )


def _split(text: object) -> tuple[str, ...]:
    """Split a semicolon list into stripped, non-empty items (empty text gives ``()``)."""
    if not isinstance(text, str):
        return ()
    return tuple(item.strip() for item in text.split(";") if item.strip())


def parse_requirements(text: object, *, validate: bool = True) -> list[tuple[str, str, float]]:
    """Parse a quality-requirement list such as ``'purity_pct>=90;moisture_pct<=10'``.

    Returns ``[(attribute, op, value), ...]`` with ``op`` either ``'>='`` or ``'<='`` and ``value``
    a float in the attribute's canonical unit (see ``quality_attributes()``). Empty text, None
    and NaN give ``[]``. Raises ValueError for a malformed item, a non-finite value or (when
    ``validate`` is true) an attribute that is not in ``quality_attributes.csv``.
    """
    if text is None or (isinstance(text, float) and math.isnan(text)):
        return []
    if not isinstance(text, str):
        raise ValueError(f"quality requirements must be text, got {text!r}")
    known = _known_attributes() if validate else frozenset()
    parsed: list[tuple[str, str, float]] = []
    for item in text.split(";"):
        if not item.strip():
            continue
        match = _REQUIREMENT.fullmatch(item)
        if match is None:
            raise ValueError(
                f"malformed quality requirement {item.strip()!r} in {text!r}: "
                "expected 'attribute>=number' or 'attribute<=number'"
            )
        attribute, op, number = match.group(1), match.group(2), float(match.group(3))
        if not math.isfinite(number):
            raise ValueError(f"quality requirement {item.strip()!r}: value must be finite")
        if validate and attribute not in known:
            raise ValueError(
                f"unknown quality attribute {attribute!r} in {text!r} "
                "(see quality_attributes.csv for the allowed names)"
            )
        parsed.append((attribute, op, number))
    return parsed


@lru_cache(maxsize=1)
def _known_attributes() -> frozenset[str]:
    return frozenset(quality_attributes()["name"].astype(str))


def cpa_codes() -> pd.DataFrame:
    """CPA 2.1 product codes used by the archetypes (Regulation (EU) No 1209/2014).

    Columns: ``code`` ('23.51' for a class, '23.51.12' for a subclass), ``description`` (official
    product title) and ``level`` ('class' or 'subclass'). Returns a copy.
    """
    return _cpa_codes().copy()


@lru_cache(maxsize=1)
def _cpa_codes() -> pd.DataFrame:
    frame = _read_csv(_CPA_FILE, {"code": "string", "description": "string"})
    levels = []
    for code in frame["code"].astype(str):
        if _CPA_CLASS.fullmatch(code):
            levels.append("class")
        elif _CPA_SUBCLASS.fullmatch(code):
            levels.append("subclass")
        else:
            raise ValueError(f"{_CPA_FILE}: not a CPA class or subclass code: {code!r}")
    if not frame["code"].is_unique:
        raise ValueError(f"{_CPA_FILE}: duplicate codes")
    frame["level"] = pd.Series(levels, index=frame.index, dtype="string")
    return frame


def archetype_sources() -> pd.DataFrame:
    """The public sources cited by ``synergy_archetypes()``, from the CSV's ``# source |`` lines.

    Columns: ``key`` (the short citation used in the ``source`` column, e.g. 'Jacobsen 2006'),
    ``year`` (int) and ``citation`` (full reference). Returns a copy.
    """
    return _archetype_sources().copy()


@lru_cache(maxsize=1)
def _archetype_sources() -> pd.DataFrame:
    records = []
    for line in _text(_ARCHETYPES_FILE).splitlines():
        if not line.startswith("# source |"):
            continue
        match = _SOURCE_LINE.fullmatch(line)
        if match is None:
            raise ValueError(f"{_ARCHETYPES_FILE}: malformed source line {line!r}")
        records.append((match.group(1), int(match.group(2)), match.group(3)))
    frame = pd.DataFrame(records, columns=["key", "year", "citation"])
    if not frame["key"].is_unique:
        raise ValueError(f"{_ARCHETYPES_FILE}: duplicate source keys")
    return frame.astype({"key": "string", "year": "int64", "citation": "string"})


def synergy_archetypes() -> pd.DataFrame:
    """Synergy archetypes: which supply can replace which virgin input, with source and year.

    One row per archetype with the CSV columns as text (semicolon lists kept as written) and
    numbers as floats (``substitution_ratio``, ``pretreatment_cost_per_unit`` in EUR per unit of
    supply, ``pretreatment_co2e_kg_per_unit``, ``max_distance_km``) and ``year`` as int. Parsed
    helper columns are added: one ``<column>_list`` tuple per semicolon list (``supply_ewc_list``,
    ``supply_cpa_list``, ``demand_cpa_list``, ``giver_nace_list``, ``receiver_nace_list``,
    ``supply_keywords_list``, ``demand_keywords_list``, ``pretreatment_fixes_list``,
    ``source_list``), ``requirements`` (tuple of ``(attribute, op, value)``), ``supply_unit``
    ('t', 'MWh' or 'm3') and ``virgin_unit`` (unit of the virgin emission factor, else the supply
    unit). Every code, factor id, attribute and source key is checked on load; a bad row raises
    ValueError naming the row and the reason. Returns a copy.
    """
    return _synergy_archetypes().copy()


@lru_cache(maxsize=1)
def _synergy_archetypes() -> pd.DataFrame:
    dtypes = {name: "string" for name in ARCHETYPE_COLUMNS}
    for name in _NUMERIC_COLUMNS:
        dtypes[name] = "float64"
    dtypes["year"] = "int64"
    frame = _read_csv(_ARCHETYPES_FILE, dtypes)
    if tuple(frame.columns) != ARCHETYPE_COLUMNS:
        raise ValueError(
            f"{_ARCHETYPES_FILE}: columns must be {list(ARCHETYPE_COLUMNS)}, got {list(frame.columns)}"
        )
    for text_column, list_column in _LIST_COLUMNS.items():
        frame[list_column] = [_split(value) for value in frame[text_column]]
    requirements = []
    for archetype, text in zip(frame["id"], frame["quality_requirements"], strict=True):
        try:
            requirements.append(tuple(parse_requirements(str(text), validate=False)))
        except ValueError as error:
            raise ValueError(f"{_ARCHETYPES_FILE}, archetype {archetype!r}: {error}") from None
    frame["requirements"] = requirements
    factors = emission_factors().set_index("id")["unit"].astype(str).to_dict()
    frame["supply_unit"] = pd.Series(
        [SUPPLY_UNITS.get(str(kind), "") for kind in frame["supply_kind"]],
        index=frame.index,
        dtype="string",
    )
    frame["virgin_unit"] = pd.Series(
        [
            factors.get(str(factor), "") if factor else unit
            for factor, unit in zip(frame["virgin_factor_id"], frame["supply_unit"], strict=True)
        ],
        index=frame.index,
        dtype="string",
    )
    _validate(frame, factors)
    return frame


def _validate(frame: pd.DataFrame, factors: dict[str, str]) -> None:
    """Raise ValueError naming the first bad row and field of the archetype table."""
    ids = frame["id"].astype(str)
    if (ids.str.len() == 0).any():
        raise ValueError(f"{_ARCHETYPES_FILE}: empty id")
    duplicated = sorted(set(ids[ids.duplicated()]))
    if duplicated:
        raise ValueError(f"{_ARCHETYPES_FILE}: duplicate ids {duplicated}")
    ewc = valid_ewc_entries()
    cpa = frozenset(_cpa_codes()["code"].astype(str))
    nace = frozenset(nace_codes()["code"].astype(str))
    attributes = _known_attributes()
    sources = frozenset(_archetype_sources()["key"].astype(str))
    for row in frame.itertuples(index=False):
        where = f"{_ARCHETYPES_FILE}, archetype {row.id!r}"

        def check(
            values: Iterable[str], allowed: frozenset[str], what: str, where: str = where
        ) -> None:
            unknown = [value for value in values if value not in allowed]
            if unknown:
                raise ValueError(f"{where}: unknown {what} {unknown}")

        if row.supply_kind not in SUPPLY_KINDS:
            raise ValueError(
                f"{where}: supply_kind must be one of {SUPPLY_KINDS}, got {row.supply_kind!r}"
            )
        if row.typical_mode not in TRANSPORT_MODES:
            raise ValueError(
                f"{where}: typical_mode must be one of {TRANSPORT_MODES}, got {row.typical_mode!r}"
            )
        if not row.supply_ewc_list and not row.supply_cpa_list:
            raise ValueError(f"{where}: needs supply_ewc or supply_cpa")
        if not row.demand_cpa_list:
            raise ValueError(f"{where}: needs demand_cpa")
        check(row.supply_ewc_list, ewc, "EWC codes")
        check(row.supply_cpa_list + row.demand_cpa_list, cpa, "CPA codes (cpa.csv)")
        check(row.giver_nace_list + row.receiver_nace_list, nace, "NACE codes")
        check(row.pretreatment_fixes_list, attributes, "quality attributes in pretreatment_fixes")
        check([attribute for attribute, _, _ in row.requirements], attributes, "quality attributes")
        check(
            [f for f in (row.virgin_factor_id, row.disposal_factor_id) if f],
            frozenset(factors),
            "emission factor ids",
        )
        if not row.source_list:
            raise ValueError(f"{where}: source is empty")
        check(row.source_list, sources, "source keys (add a '# source |' line)")
        if not (row.substitution_ratio > 0 and math.isfinite(row.substitution_ratio)):
            raise ValueError(
                f"{where}: substitution_ratio must be positive, got {row.substitution_ratio}"
            )
        for name in (
            "pretreatment_cost_per_unit",
            "pretreatment_co2e_kg_per_unit",
            "max_distance_km",
        ):
            value = getattr(row, name)
            if not (value >= 0 and math.isfinite(value)):
                raise ValueError(f"{where}: {name} must be a finite number >= 0, got {value}")
