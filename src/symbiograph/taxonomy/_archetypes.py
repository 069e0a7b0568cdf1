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
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

import pandas as pd

from symbiograph.taxonomy._loaders import (
    emission_factors,
    nace_codes,
    normalise_ewc_code,
    quality_attributes,
    valid_ewc_entries,
)

__all__ = [
    "ARCHETYPE_COLUMNS",
    "CLEAR",
    "SCENARIO_ACTIONS",
    "SUPPLY_KINDS",
    "SUPPLY_UNITS",
    "TRANSPORT_MODES",
    "apply_scenario_archetypes",
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
    requirements = []
    for archetype, text in zip(frame["id"], frame["quality_requirements"], strict=True):
        try:
            requirements.append(tuple(parse_requirements(str(text), validate=False)))
        except ValueError as error:
            raise ValueError(f"{_ARCHETYPES_FILE}, archetype {archetype!r}: {error}") from None
    factors = _factor_units()
    _derive(frame, requirements, factors)
    frame["origin"] = pd.Series("shipped", index=frame.index, dtype="string")
    _validate(frame, factors)
    return frame


def _factor_units() -> dict[str, str]:
    return emission_factors().set_index("id")["unit"].astype(str).to_dict()


def _derive(
    frame: pd.DataFrame,
    requirements: list[tuple[tuple[str, str, float], ...]],
    factors: dict[str, str],
) -> None:
    """Add the parsed helper columns (lists, requirements, units) to an archetype table."""
    for text_column, list_column in _LIST_COLUMNS.items():
        frame[list_column] = [_split(value) for value in frame[text_column]]
    frame["requirements"] = requirements
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


def _validate(frame: pd.DataFrame, factors: dict[str, str]) -> None:
    """Raise ValueError naming the first bad row and field of the archetype table."""
    ids = frame["id"].astype(str)
    if (ids.str.len() == 0).any():
        raise ValueError(f"{_ARCHETYPES_FILE}: empty id")
    duplicated = sorted(set(ids[ids.duplicated()]))
    if duplicated:
        raise ValueError(f"{_ARCHETYPES_FILE}: duplicate ids {duplicated}")
    context = _known(frozenset(_archetype_sources()["key"].astype(str)), factors)
    for row in frame.itertuples(index=False):
        for _, message in _row_problems(row, context):
            raise ValueError(f"{_ARCHETYPES_FILE}, archetype {row.id!r}: {message}")


@dataclass(frozen=True)
class _Known:
    """The vocabularies an archetype's codes, attributes, factors and sources come from."""

    ewc: frozenset[str]
    cpa: frozenset[str]
    nace: frozenset[str]
    attributes: frozenset[str]
    sources: frozenset[str]
    factors: frozenset[str]


def _known(sources: frozenset[str], factors: Iterable[str]) -> _Known:
    return _Known(
        ewc=valid_ewc_entries(),
        cpa=frozenset(_cpa_codes()["code"].astype(str)),
        nace=frozenset(nace_codes()["code"].astype(str)),
        attributes=_known_attributes(),
        sources=sources,
        factors=frozenset(factors),
    )


def _row_problems(
    row: Any, known: _Known, distance_optional: bool = False
) -> list[tuple[str, str]]:
    """What is wrong with one archetype row (parsed columns), as (field, message) pairs."""
    problems: list[tuple[str, str]] = []

    def check(values: Iterable[str], allowed: frozenset[str], what: str, field: str) -> None:
        unknown = [value for value in values if value not in allowed]
        if unknown:
            problems.append((field, f"unknown {what} {unknown}"))

    if row.supply_kind not in SUPPLY_KINDS:
        problems.append(
            ("supply_kind", f"supply_kind must be one of {SUPPLY_KINDS}, got {row.supply_kind!r}")
        )
    if row.typical_mode not in TRANSPORT_MODES:
        problems.append(
            (
                "typical_mode",
                f"typical_mode must be one of {TRANSPORT_MODES}, got {row.typical_mode!r}",
            )
        )
    if not row.supply_ewc_list and not row.supply_cpa_list:
        problems.append(("supply_ewc", "needs supply_ewc or supply_cpa"))
    if not row.demand_cpa_list:
        problems.append(("demand_cpa", "needs demand_cpa"))
    check(row.supply_ewc_list, known.ewc, "EWC codes", "supply_ewc")
    check(row.supply_cpa_list, known.cpa, "CPA codes (cpa.csv)", "supply_cpa")
    check(row.demand_cpa_list, known.cpa, "CPA codes (cpa.csv)", "demand_cpa")
    check(row.giver_nace_list, known.nace, "NACE codes", "giver_nace")
    check(row.receiver_nace_list, known.nace, "NACE codes", "receiver_nace")
    check(
        row.pretreatment_fixes_list,
        known.attributes,
        "quality attributes in pretreatment_fixes",
        "pretreatment_fixes",
    )
    check(
        [attribute for attribute, _, _ in row.requirements],
        known.attributes,
        "quality attributes",
        "quality_requirements",
    )
    for field in ("virgin_factor_id", "disposal_factor_id"):
        value = getattr(row, field)
        check([value] if value else [], known.factors, "emission factor ids", field)
    if not row.source_list:
        problems.append(("source", "source is empty"))
    check(row.source_list, known.sources, "source keys (add a '# source |' line)", "source")
    if not (row.substitution_ratio > 0 and math.isfinite(row.substitution_ratio)):
        problems.append(
            (
                "substitution_ratio",
                f"substitution_ratio must be positive, got {row.substitution_ratio}",
            )
        )
    for name in (
        "pretreatment_cost_per_unit",
        "pretreatment_co2e_kg_per_unit",
        "max_distance_km",
    ):
        value = getattr(row, name)
        if name == "max_distance_km" and distance_optional and math.isnan(value):
            continue
        if not (value >= 0 and math.isfinite(value)):
            problems.append((name, f"{name} must be a finite number >= 0, got {value}"))
    return problems


#: What a scenario's ``archetypes`` row does (column ``action``).
SCENARIO_ACTIONS: tuple[str, ...] = ("add", "override", "widen")

#: In an override, this text clears a shipped text or list field.
CLEAR = "-"

_WIDENED = (
    "supply_ewc",
    "supply_cpa",
    "supply_keywords",
    "demand_cpa",
    "demand_keywords",
    "giver_nace",
    "receiver_nace",
    "pretreatment_fixes",
)
_TEXT_FIELDS = tuple(
    c for c in ARCHETYPE_COLUMNS if c not in _NUMERIC_COLUMNS and c not in ("id", "source", "year")
)
_NEEDED_TO_ADD = ("name", "supply_kind", "demand_cpa", "substitution_ratio", "typical_mode")


def _given(value: Any) -> bool:
    """True for a cell that holds a value (not None, NaN, <NA> or blank text)."""
    if value is None or value is pd.NA:
        return False
    if isinstance(value, float):
        return not math.isnan(value)
    return not (isinstance(value, str) and not value.strip())


def _joined(*lists: Iterable[str]) -> str:
    """Semicolon lists joined without repeating an item (first occurrence order)."""
    seen: dict[str, None] = {}
    for items in lists:
        for item in items:
            seen.setdefault(item, None)
    return ";".join(seen)


def apply_scenario_archetypes(
    base: pd.DataFrame,
    scenario: pd.DataFrame,
    sources: Mapping[str, object] | None = None,
) -> tuple[pd.DataFrame, list[tuple[int, str, str]]]:
    """The knowledge base ``base`` with a scenario's ``archetypes`` table applied.

    ``base`` is an archetype table (``synergy_archetypes()``, columns ``ARCHETYPE_COLUMNS``);
    ``scenario`` has the columns of the scenario table ``archetypes`` (see
    ``symbiograph.model.attributes('archetypes')``); ``sources`` maps the scenario's source
    ids to their year. Each scenario row, by its ``action``:

    * ``add``: a new archetype (its id must not be in ``base``); needs name, supply_kind,
      supply_ewc or supply_cpa, demand_cpa, substitution_ratio and typical_mode; missing
      costs are 0, a missing max_distance_km means the transport mode's default reach.
    * ``override``: every field given replaces the base archetype's; ``-`` clears a text or
      list field (an empty sector list means any sector).
    * ``widen``: codes, sectors, keywords and pre-treatment fixes given are added to the base
      lists; each quality limit given replaces the base limit on the same attribute and
      direction (others stay); other fields given replace the base ones.

    The source keys of a change are added to the archetype's own. Returns the merged table
    (the base columns, the parsed helper columns of ``synergy_archetypes()`` and ``origin``:
    'shipped', 'scenario (add)', 'scenario (override)' or 'scenario (widen)') and the
    problems found as (scenario row position, field, message); rows with problems are left
    out of the table.
    """
    years = {str(k): v for k, v in (sources or {}).items()}
    shipped_years = dict(
        zip(_archetype_sources()["key"].astype(str), _archetype_sources()["year"], strict=True)
    )
    known = _known(frozenset(years) | frozenset(shipped_years), _factor_units())
    records: dict[str, dict[str, Any]] = {}
    for row in base.to_dict("records"):
        record = {c: row.get(c, "") for c in ARCHETYPE_COLUMNS}
        record["origin"] = row.get("origin", "shipped")
        records[str(record["id"])] = record
    problems: list[tuple[int, str, str]] = []
    applied: dict[str, int] = {}
    for position, row in enumerate(scenario.to_dict("records")):
        found = _apply_row(row, records, years, shipped_years, known)
        problems.extend((position, field, message) for field, message in found[1])
        if found[0] is not None and not found[1]:
            records[str(row["id"])] = found[0]
            applied[str(row["id"])] = position
    frame = pd.DataFrame(list(records.values()))
    if not len(frame):
        frame = pd.DataFrame(columns=[*ARCHETYPE_COLUMNS, "origin"])
    for name in _NUMERIC_COLUMNS:
        frame[name] = frame[name].astype("float64")
    frame["year"] = frame["year"].astype("int64")
    requirements = [
        tuple(parse_requirements(str(text), validate=False))
        for text in frame["quality_requirements"]
    ]
    _derive(frame, requirements, _factor_units())
    for position in applied.values():
        aid = str(scenario.iloc[position]["id"])
        row = frame[frame["id"] == aid].iloc[0]
        problems.extend(
            (position, field, message)
            for field, message in _row_problems(row, known, distance_optional=True)
        )
    failed = {position for position, _, _ in problems}
    drop = [aid for aid, position in applied.items() if position in failed]
    frame = frame[~frame["id"].isin(drop)].reset_index(drop=True)
    return frame, sorted(problems, key=lambda p: p[0])


def _apply_row(
    row: Mapping[str, Any],
    records: Mapping[str, dict[str, Any]],
    years: Mapping[str, object],
    shipped_years: Mapping[str, object],
    known: _Known,
) -> tuple[dict[str, Any] | None, list[tuple[str, str]]]:
    """One scenario row applied to the knowledge base: the new record and the problems."""
    problems: list[tuple[str, str]] = []
    aid = str(row.get("id") or "")
    action = str(row.get("action") or "add")
    if not aid or action not in SCENARIO_ACTIONS:
        return None, problems  # reported by the schema check (required value, choices)
    if action == "add":
        if aid in records:
            problems.append(
                (
                    "id",
                    f"archetype {aid!r} is in the knowledge base already: set action to "
                    "override or widen to change it",
                )
            )
            return None, problems
        record: dict[str, Any] = {c: "" for c in ARCHETYPE_COLUMNS}
        record.update(
            id=aid,
            substitution_ratio=math.nan,
            pretreatment_cost_per_unit=0.0,
            pretreatment_co2e_kg_per_unit=0.0,
            max_distance_km=math.nan,
            year=0,
        )
        for field in _NEEDED_TO_ADD:
            if not _given(row.get(field)):
                problems.append((field, f"a new archetype needs {field}"))
        if not _given(row.get("supply_ewc")) and not _given(row.get("supply_cpa")):
            problems.append(("supply_ewc", "a new archetype needs supply_ewc or supply_cpa"))
    else:
        if aid not in records:
            problems.append(
                (
                    "id",
                    f"no archetype {aid!r} to {action} in the knowledge base (to add one, "
                    "set action to add)",
                )
            )
            return None, problems
        record = dict(records[aid])
    for field in _TEXT_FIELDS:
        value = row.get(field)
        if not _given(value):
            continue
        text = str(value).strip()
        if text == CLEAR:
            if action == "override":
                record[field] = ""
            else:
                problems.append((field, f"'{CLEAR}' clears a field only with action override"))
            continue
        if field == "supply_ewc":
            try:
                text = ";".join(normalise_ewc_code(code) for code in _split(text))
            except ValueError as error:
                problems.append((field, str(error)))
                continue
            unknown = [code for code in _split(text) if code not in known.ewc]
            if unknown:
                problems.append((field, f"{unknown} is not a code of the European Waste Catalogue"))
                continue
        if field == "quality_requirements":
            try:
                limits = parse_requirements(text, validate=True)
            except ValueError as error:
                problems.append((field, str(error)))
                continue
            if action == "widen":
                merged = {
                    (a, op): v
                    for a, op, v in parse_requirements(str(record[field]), validate=False)
                }
                merged.update({(a, op): v for a, op, v in limits})
                text = ";".join(f"{a}{op}{v:g}" for (a, op), v in merged.items())
        if action == "widen" and field in _WIDENED:
            text = _joined(_split(record[field]), _split(text))
        record[field] = text
    for field in _NUMERIC_COLUMNS:
        value = row.get(field)
        if _given(value):
            record[field] = float(row[field])
    cited = _split(row.get("source") or "")
    record["source"] = _joined(_split(record["source"]), cited)
    if _given(row.get("year")):
        record["year"] = int(row["year"])
    elif action == "add":
        year = next((years.get(k, shipped_years.get(k)) for k in cited), None)
        record["year"] = int(year) if _given(year) else 0  # type: ignore[call-overload]
    record["origin"] = f"scenario ({action})"
    return record, problems
