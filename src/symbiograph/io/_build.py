"""Turn raw tables read from any file format into a validated Network in canonical units.

Every reader (YAML, CSV folder, XLSX, database) produces a :class:`RawScenario` of
uncoerced values and where each row came from; :func:`build_network` checks it against the
schema and the reference data and either returns a Network or raises
:class:`ScenarioError` listing every problem at once.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from symbiograph.io._limits import MAX_TEXT_CHARS, shown
from symbiograph.io._problems import Problem, ScenarioError, TableOrigin
from symbiograph.io._technologies import site_technologies
from symbiograph.io._units import convert_prices, convert_quantities
from symbiograph.model import (
    CANONICAL_UNITS,
    TABLES,
    Attribute,
    Network,
    attributes,
    column_dtype,
    default_parameters,
    empty_table,
    exchange_rates,
    key_columns,
    out_of_range,
)

__all__ = ["RawScenario", "build_network"]

#: How many rows of one kind of problem are listed before the rest are counted.
MAX_LISTED = 1000

_TRUE = {"true", "yes", "y", "1", "t", "on"}
_FALSE = {"false", "no", "n", "0", "f", "off", ""}

#: Largest magnitude of a whole-number field (beyond it a float no longer holds every integer).
_MAX_WHOLE = 2.0**53

#: Text in a number field that is not a number: a date, a clock time, a decimal comma.
_DATE_TEXT = re.compile(r"^\s*\d{4}-\d{1,2}-\d{1,2}(?:[ T].*)?$|^\s*\d{1,2}/\d{1,2}/\d{2,4}\s*$")
_TIME_TEXT = re.compile(r"^\s*[-+]?\d+(?::\d+)+(?:\.\d*)?\s*$")
_COMMA_NUMBER = re.compile(r"^\s*[-+]?\d[\d.\s]*,\d")

#: Months of a seasonal stream: month numbers, ranges and lists ("5-9", "11,12,1,2").
_MONTHS = re.compile(r"^\s*\d{1,2}(?:\s*-\s*\d{1,2})?(?:\s*,\s*\d{1,2}(?:\s*-\s*\d{1,2})?)*\s*$")


@dataclass
class RawScenario:
    """Tables as read from a file, before types, units and references are checked."""

    parameters: dict[str, Any] = field(default_factory=dict)
    parameters_origin: TableOrigin = field(default_factory=lambda: TableOrigin("<input>"))
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    origins: dict[str, TableOrigin] = field(default_factory=dict)
    #: The row each parameter was given on, where the format has rows (CSV, XLSX).
    parameters_rows: dict[str, int] = field(default_factory=dict)


class _Collector:
    """Gathers problems, listing at most MAX_LISTED rows per (table, field, message kind)."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def add(self, problem: Problem) -> None:
        self.problems.append(problem)

    def rows(
        self,
        origin: TableOrigin,
        positions: np.ndarray,
        column: str | None,
        message: Callable[[int], str],
    ) -> None:
        """One problem per row position (the first MAX_LISTED), then a count of the rest."""
        positions = np.asarray(positions)
        for p in positions[:MAX_LISTED]:
            self.add(
                Problem(origin.file, message(int(p)), origin.sheet, origin.row(int(p)), column)
            )
        if positions.size > MAX_LISTED:
            self.add(
                Problem(
                    origin.file,
                    f"... and {positions.size - MAX_LISTED} more rows with the same problem",
                    origin.sheet,
                    None,
                    column,
                )
            )


def _message_from(messages: pd.Series) -> Callable[[int], str]:
    """A row-message function reading the message of each position from a Series."""

    def message(position: int) -> str:
        return str(messages.iloc[position])

    return message


def _each(values: np.ndarray, template: str) -> Callable[[int], str]:
    """A row-message function formatting ``template`` with the value at each position."""

    def message(position: int) -> str:
        return template.format(v=values[position])

    return message


def _blank(values: pd.Series) -> np.ndarray:
    """True where a raw value is missing: None, NaN or a blank string."""
    isna = values.isna().to_numpy()
    if pd.api.types.is_string_dtype(values.dtype) and values.dtype != object:
        return isna | values.fillna("").str.strip().eq("").to_numpy()
    if values.dtype == object:
        strs = values[~isna]
        blank_str = np.zeros(len(values), dtype=bool)
        if len(strs):
            is_s = strs.map(lambda v: isinstance(v, str))
            s_idx = np.flatnonzero(~isna)[is_s.to_numpy()]
            blank_str[s_idx] = strs[is_s].str.strip().eq("").to_numpy()
        return isna | blank_str
    return isna


def _months_readable(text: str) -> bool:
    """True when ``text`` names months by number: "5-9", "11-2", "11,12,1,2"."""
    if not _MONTHS.match(text):
        return False
    numbers = [int(n) for n in re.findall(r"\d+", text)]
    return all(1 <= n <= 12 for n in numbers)


def _kind_message(value: Any, numeric: bool) -> str | None:
    """Why a raw cell that is not text can never be a value of its field (None if it can)."""
    if value is None or value is pd.NA or value is pd.NaT or isinstance(value, str):
        return None
    if isinstance(value, bool | np.bool_):
        return f"{value} is a true/false value, not a number" if numeric else None
    if isinstance(value, dt.date | dt.time | dt.timedelta | pd.Timestamp | np.datetime64):
        what = "a number" if numeric else "text"
        return (
            f"{value} is a date or time, not {what} (in a spreadsheet, format the cell as "
            f"{'a number' if numeric else 'text'})"
        )
    if isinstance(value, dict):
        return "a mapping is not a single value"
    if isinstance(value, list | tuple | set | frozenset):
        return "a list is not a single value"
    if isinstance(value, bytes | bytearray):
        return "binary data is not a value"
    if isinstance(value, int | float | np.integer | np.floating):
        if numeric and np.isinf(float(value)):
            return f"{value} is not a finite number"
        if numeric and np.isnan(float(value)) and getattr(value, "source", None):
            return f"{value.source} is not a number (leave the field empty when unknown)"  # type: ignore[union-attr]
        return None
    return f"a {type(value).__name__} value cannot be read"


def _text_message(text: str) -> str | None:
    """Why a text cell is refused in any field: a NUL character or too many characters."""
    if "\x00" in text:
        return "contains a NUL character (byte 0), which no text field may hold"
    if len(text) > MAX_TEXT_CHARS:
        return (
            f"text of {len(text):,} characters is over the limit of {MAX_TEXT_CHARS:,} characters"
        )
    return None


def _number_text_message(text: str) -> str | None:
    """A clearer reason for text in a number field that reads as a date, a time or a comma."""
    if _DATE_TEXT.match(text):
        return f"{shown(text)} is a date, not a number"
    if _TIME_TEXT.match(text):
        return f"{shown(text)} is a time of day, not a number"
    if _COMMA_NUMBER.match(text):
        return (
            f"{shown(text)} has a comma: write decimals with a point (12.5, not 12,5) and no "
            "thousands separators"
        )
    return None


def _screen(
    values: pd.Series, attr: Attribute, origin: TableOrigin, out: _Collector
) -> tuple[pd.Series, np.ndarray]:
    """Refuse the cells of one raw column that can never be right, whatever the field:
    dates, lists, mappings, booleans or infinities in number fields, NUL characters and text
    over MAX_TEXT_CHARS anywhere, dates, times and decimal commas written in number fields.

    Returns the column with refused cells blanked, and the mask of refused cells (so that
    they are not also reported as missing).
    """
    n = len(values)
    refused = np.zeros(n, dtype=bool)
    numeric = attr.is_numeric
    if values.dtype.kind == "b" and numeric:
        cells = values.to_numpy(dtype=object)
        positions = np.arange(n)
        out.rows(origin, positions, attr.name, lambda p: _kind_message(cells[p], True) or "")
        refused[:] = True
        return pd.Series([None] * n, index=values.index, dtype=object), refused
    if n == 0 or values.dtype.kind in "fiub":
        return values, refused
    if isinstance(values.dtype, pd.StringDtype) and not values.isna().any():
        # all text, as a CSV is read: vectorised checks, cells looked at only when one fails
        suspect = values.str.len().to_numpy() > MAX_TEXT_CHARS
        suspect |= values.str.contains("\x00", regex=False).to_numpy(dtype=bool)
        if numeric:
            suspect |= values.str.contains(r"[-:,/]", regex=True).to_numpy(dtype=bool)
        if not suspect.any():
            return values, refused
    messages: dict[int, str] = {}
    cells = values.to_numpy(dtype=object)
    if pd.api.types.infer_dtype(cells, skipna=False) == "string":  # all text (CSV)
        text_pos = np.arange(n)
    else:
        is_text = np.fromiter((isinstance(v, str) for v in cells), dtype=bool, count=n)
        text_pos = np.flatnonzero(is_text)
        for p in np.flatnonzero(~is_text):
            message = _kind_message(cells[p], numeric)
            if message:
                messages[int(p)] = message
    if text_pos.size:
        texts = cells[text_pos]
        joined = "".join(texts)
        longest = max(map(len, texts))
        if "\x00" in joined or longest > MAX_TEXT_CHARS:
            for p, text in zip(text_pos, texts, strict=True):
                message = _text_message(text)
                if message:
                    messages[int(p)] = message
        if numeric and any(ch in joined for ch in "-:,/"):
            for p, text in zip(text_pos, texts, strict=True):
                if int(p) not in messages and any(ch in text for ch in "-:,/"):
                    message = _number_text_message(text)
                    if message:
                        messages[int(p)] = message
    if not messages:
        return values, refused
    positions = np.array(sorted(messages), dtype=int)
    out.rows(origin, positions, attr.name, lambda p: messages[p])
    refused[positions] = True
    cells = cells.copy()
    cells[positions] = None
    return pd.Series(cells, index=values.index, dtype=object), refused


def _as_text(values: pd.Series) -> pd.Series:
    """Raw values as stripped strings; numbers that are whole print without '.0'."""

    def one(v: Any) -> str:
        if v is None or (isinstance(v, float) and np.isnan(v)):
            return ""
        if isinstance(v, bool):
            return "true" if v else "false"
        source = getattr(v, "source", None)
        if isinstance(source, str):
            return source.strip()
        if isinstance(v, float) and v.is_integer():
            return str(int(v))
        return str(v).strip()

    if pd.api.types.is_string_dtype(values.dtype) and values.dtype != object:
        return values.fillna("").str.strip().astype(object)
    if values.dtype == object and len(values) > 0:
        all_str = values.map(lambda v: isinstance(v, str)).all()
        if all_str:
            return values.str.strip()
    return values.map(one).astype(object)


def _coerce_column(
    attr: Attribute,
    values: pd.Series,
    origin: TableOrigin,
    out: _Collector,
    refused: np.ndarray | None = None,
) -> pd.Series:
    """Coerce one raw column to the schema type; record a problem per unreadable cell
    (``refused`` cells were reported already)."""
    blank = _blank(values)
    name = attr.name
    missing = blank if refused is None else blank & ~refused
    if attr.required and attr.default == "" and missing.any():
        out.rows(origin, np.flatnonzero(missing), name, lambda p: "required value is missing")
    if attr.type in ("str", "code"):
        text = _as_text(values)
        if attr.default:
            text = text.where(~blank, attr.default)
        if attr.choices:
            bad = np.flatnonzero((~text.isin(attr.choices).to_numpy()) & (text != "").to_numpy())
            choices = ", ".join(attr.choices)
            out.rows(
                origin,
                bad,
                name,
                lambda p: f"{shown(text.iloc[p])} is not one of: {choices}",
            )
        return text.astype(object)
    if attr.type == "bool":
        text = _as_text(values).str.lower()
        is_true = text.isin(_TRUE).to_numpy()
        is_false = text.isin(_FALSE).to_numpy()
        bad = np.flatnonzero(~(is_true | is_false))
        out.rows(origin, bad, name, lambda p: f"{shown(values.iloc[p])} is not true or false")
        result = pd.Series(is_true, index=values.index, dtype=bool)
        if attr.default.lower() == "true":
            result = result | pd.Series(blank, index=values.index)
        return result
    if attr.type in ("float", "int"):
        if values.dtype == object:
            numbers = pd.to_numeric(
                values.map(lambda v: v.strip() if isinstance(v, str) else v), errors="coerce"
            )
        else:
            numbers = pd.to_numeric(values, errors="coerce")
        arr = numbers.to_numpy(dtype=float)
        unread = np.isnan(arr) & ~blank
        out.rows(
            origin,
            np.flatnonzero(unread),
            name,
            lambda p: f"{shown(values.iloc[p])} is not a number",
        )
        infinite = np.flatnonzero(np.isinf(arr))
        out.rows(
            origin, infinite, name, lambda p: f"{shown(values.iloc[p])} is not a finite number"
        )
        arr = np.where(np.isinf(arr), np.nan, arr)
        if attr.default != "":
            arr = np.where(blank, float(attr.default), arr)
        if attr.type == "int":
            frac = np.flatnonzero(~np.isnan(arr) & (arr != np.round(arr)))
            out.rows(origin, frac, name, lambda p: f"{shown(values.iloc[p])} is not a whole number")
            huge = np.flatnonzero(np.abs(arr) > _MAX_WHOLE)
            out.rows(
                origin, huge, name, lambda p: f"{shown(values.iloc[p])} is too large a whole number"
            )
            arr = np.where(np.abs(arr) > _MAX_WHOLE, np.nan, arr)
            ints = pd.array(
                np.where(np.isnan(arr), 0, np.round(arr)).astype("int64"), dtype="Int64"
            )
            ints[np.isnan(arr)] = pd.NA
            return pd.Series(ints, index=values.index)
        return pd.Series(arr, index=values.index, dtype="float64")
    raise AssertionError(f"quantity column {name} must be converted with its unit")


def _drop_duplicate_columns(
    table: str, raw: pd.DataFrame, origin: TableOrigin, out: _Collector
) -> pd.DataFrame:
    """Report each column named more than once in a header; keep the first of each."""
    twice = raw.columns.duplicated()
    if not twice.any():
        return raw
    for col in sorted({str(c) for c in raw.columns[twice]}):
        out.add(
            Problem(
                origin.file,
                f"column {shown(col)} appears more than once in the header of table {table!r}",
                origin.sheet,
                None,
                col,
            )
        )
    return raw.loc[:, ~twice]


def _coerce_table(
    table: str,
    raw: pd.DataFrame,
    origin: TableOrigin,
    out: _Collector,
    units: pd.Series | None = None,
) -> pd.DataFrame:
    """Check columns and coerce a raw table; quantity columns use ``units`` per row."""
    attrs = attributes(table)
    known = {a.name for a in attrs}
    for col in raw.columns:
        if col not in known:
            out.add(
                Problem(
                    origin.file,
                    f"unknown column {col!r} in table {table!r} (known: {', '.join(sorted(known))})",
                    origin.sheet,
                    None,
                    str(col),
                )
            )
    raw = _drop_duplicate_columns(table, raw, origin, out).reset_index(drop=True)
    n = len(raw)
    columns: dict[str, pd.Series] = {}
    for attr in attrs:
        refused = np.zeros(n, dtype=bool)
        if attr.name in raw.columns and attr.type != "price":  # prices: by build_network
            values, refused = _screen(raw[attr.name], attr, origin, out)
        elif attr.name in raw.columns:
            values = raw[attr.name]
        else:
            if attr.required and attr.default == "" and n > 0:
                out.add(
                    Problem(
                        origin.file,
                        f"required column {attr.name!r} is missing from table {table!r}",
                        origin.sheet,
                        None,
                        attr.name,
                    )
                )
            values = pd.Series([None] * n, dtype=object)
        if attr.type == "price":
            columns[attr.name] = pd.Series(np.full(n, np.nan), dtype="float64")
            continue  # converted with the scenario currency by build_network
        if attr.type == "quantity":
            assert units is not None
            mags, errs = convert_quantities(values, units)
            bad = np.flatnonzero(errs.to_numpy() != "")
            out.rows(origin, bad, attr.name, _message_from(errs))
            infinite = np.flatnonzero(np.isinf(mags))
            out.rows(
                origin,
                infinite,
                attr.name,
                lambda p, v=values: f"{shown(v.iloc[p])} is not a finite quantity",  # type: ignore[misc]
            )
            mags = np.where(np.isinf(mags), np.nan, mags)
            blank = _blank(values) & ~refused
            if attr.required:
                out.rows(
                    origin, np.flatnonzero(blank), attr.name, lambda p: "required value is missing"
                )
            columns[attr.name] = pd.Series(mags, dtype="float64")
        else:
            columns[attr.name] = _coerce_column(attr, values, origin, out, refused)
    frame = pd.DataFrame(columns, index=pd.RangeIndex(n))
    for attr in attrs:
        frame[attr.name] = frame[attr.name].astype(column_dtype(attr.type))
    return frame


def _check_keys(table: str, frame: pd.DataFrame, origin: TableOrigin, out: _Collector) -> None:
    """Refuse a key given twice; ids that differ only by case count as the same id."""
    keys = list(key_columns(table))
    folded = pd.DataFrame(
        {k: frame[k].str.casefold() if frame[k].dtype == object else frame[k] for k in keys}
    )
    dup = folded.duplicated(keys, keep="first").to_numpy()
    if dup.any():
        first = folded.drop_duplicates(keys, keep="first").reset_index().set_index(keys)["index"]
        positions = np.flatnonzero(dup)

        def message(p: int) -> str:
            key = tuple(frame.iloc[p][k] for k in keys)
            folded_key = tuple(folded.iloc[p][k] for k in keys)
            first_pos = int(first.loc[folded_key if len(keys) > 1 else folded_key[0]])
            first_key = tuple(frame.iloc[first_pos][k] for k in keys)
            label = "/".join(str(k) for k in key)
            case = (
                ""
                if first_key == key
                else f", the same as {'/'.join(str(k) for k in first_key)!r} but for case"
                " (ids may not differ only by case)"
            )
            return (
                f"duplicate {'/'.join(keys)} {shown(label)} "
                f"(first at row {origin.row(first_pos)}{case})"
            )

        out.rows(origin, positions, keys[-1], message)


def _check_reference(
    frame: pd.DataFrame,
    column: str,
    target: pd.Series,
    target_name: str,
    origin: TableOrigin,
    out: _Collector,
    optional: bool = False,
) -> None:
    values = frame[column]
    present = values != "" if optional else pd.Series(True, index=values.index)
    missing = present & ~values.isin(target) & (values != "")
    out.rows(
        origin,
        np.flatnonzero(missing.to_numpy()),
        column,
        lambda p: f"unknown {target_name} {shown(values.iloc[p])}",
    )


def _constant(message: str) -> Callable[[int], str]:
    """The same message for every row position."""

    def same(position: int) -> str:
        return message

    return same


def _check_exchanges_within_streams(
    exchanges: pd.DataFrame,
    streams: pd.DataFrame,
    stream_unit: pd.Series,
    origin: TableOrigin,
    out: _Collector,
) -> None:
    """The exchanges running today (status existing; the first record of each supply-demand
    pair) from one supply cannot together send more than the supply's largest quantity
    (quantity_max, else quantity), nor those into a demand of the same resource take more
    than it needs: a documented quantity above the stream it rests on is a typo (a unit, a
    digit), and today's network would be valued at it.
    """
    if not len(exchanges) or "status" not in exchanges.columns:
        return
    s = streams.drop_duplicates("id").set_index("id")
    upper = s["quantity_max"].astype(float).fillna(s["quantity"].astype(float))
    running = exchanges["status"].astype(str).eq("existing").to_numpy()
    quantity = exchanges["quantity"].to_numpy(dtype=float)
    counted = running & np.isfinite(quantity) & (quantity >= 0)
    # two records of one pair describe one exchange (the first speaks for it, as in today's
    # network): only the first running record of each pair is counted
    pair = exchanges["supply_id"].astype(str) + "\x00" + exchanges["demand_id"].astype(str)
    first_of_pair = ~pd.Series(np.where(counted, pair, None)).duplicated().to_numpy()
    counted &= first_of_pair
    same_resource = (
        exchanges["supply_id"].map(s["resource_id"]) == exchanges["demand_id"].map(s["resource_id"])
    ).to_numpy()
    for column, side, mask in (
        ("supply_id", "supply", counted),
        ("demand_id", "demand", counted & same_resource),
    ):
        ids = exchanges[column].astype(str)
        totals = pd.Series(np.where(mask, quantity, 0.0), index=exchanges.index).groupby(ids).sum()
        limit = totals.index.to_series().map(upper)
        over = totals[(limit.notna()) & (totals > limit * (1 + 1e-9) + 1e-9)]
        for stream_id, total in over.items():
            unit = stream_unit.get(stream_id, "")
            rows = np.flatnonzero(mask & (ids == stream_id).to_numpy())
            several = "exchanges running today" if len(rows) > 1 else "exchange running today"
            message = (
                f"the {several} {'from' if side == 'supply' else 'into'} {side} "
                f"{stream_id!r} {'total' if len(rows) > 1 else 'is'} {total:,.0f} {unit}, more "
                f"than the stream's quantity_max (or quantity) {float(limit[stream_id]):,.0f} "
                f"{unit}: check the exchange's quantity and unit, or the stream's"
            )
            out.rows(origin, rows, "quantity", _constant(message))


def _parameters(raw: RawScenario, out: _Collector) -> dict[str, Any]:
    params = default_parameters()
    origin = raw.parameters_origin
    attrs = {a.name: a for a in attributes("parameters")}
    rows = raw.parameters_rows
    for key, value in raw.parameters.items():
        row = rows.get(key) if isinstance(key, str) else None
        if key not in attrs:
            out.add(
                Problem(
                    origin.file,
                    f"unknown scenario parameter {shown(key)}",
                    origin.sheet,
                    row,
                    str(key)[:100],
                )
            )
            continue
        attr = attrs[key]
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        numeric = attr.type in ("float", "int")
        refused = _kind_message(value, numeric) or (
            _text_message(value) if isinstance(value, str) else None
        )
        if refused is None and numeric and isinstance(value, str):
            refused = _number_text_message(value)
        if refused is not None:
            out.add(Problem(origin.file, refused, origin.sheet, row, key))
            continue
        try:
            if attr.type == "float":
                number = float(value)
                if not np.isfinite(number):
                    raise ValueError
                params[key] = number
            elif attr.type == "int":
                number = float(value)
                if not number.is_integer() or abs(number) > _MAX_WHOLE:
                    raise ValueError
                params[key] = int(number)
            else:
                params[key] = _as_text(pd.Series([value], dtype=object)).iloc[0]
        except (TypeError, ValueError, OverflowError):
            out.add(
                Problem(
                    origin.file,
                    f"{shown(value)} is not a valid {attr.type} for parameter {key!r}",
                    origin.sheet,
                    row,
                    key,
                )
            )
    for key in ("discount_rate", "capex_grant_share"):
        if isinstance(params[key], float) and not 0 <= params[key] <= 1:
            out.add(
                Problem(
                    origin.file, f"{key} must lie between 0 and 1", origin.sheet, rows.get(key), key
                )
            )
    if not params["lifetime_years"] > 0:
        out.add(
            Problem(
                origin.file,
                f"lifetime_years must be more than 0 years, not {params['lifetime_years']:g}",
                origin.sheet,
                rows.get("lifetime_years"),
                "lifetime_years",
            )
        )
    try:
        exchange_rates(str(params.get("exchange_rates") or ""))
    except ValueError as error:
        out.add(
            Problem(
                origin.file, str(error), origin.sheet, rows.get("exchange_rates"), "exchange_rates"
            )
        )
    return params


def build_network(raw: RawScenario) -> Network:
    """Validate ``raw`` and return a Network in canonical units.

    Raises ScenarioError with every problem found (file, sheet, row, field and reason):
    unknown or duplicate ids, dangling references, negative or NaN quantities, coordinates
    out of range, units of the wrong dimension, quality ranges with min > max, and EWC or
    NACE codes not in the shipped reference lists.
    """
    from symbiograph.taxonomy import (
        hazardous_ewc_entries,
        normalise_ewc_code,
        normalise_nace_code,
        quality_attributes,
        valid_ewc_entries,
        valid_nace_classes,
    )

    def safe(normalise: Callable[[str], str]) -> Callable[[pd.Series], pd.Series]:
        """Normalise each distinct code once; codes that cannot be read stay as written."""

        def one(code: str) -> str:
            try:
                return normalise(code)
            except ValueError:
                return code

        def apply(codes: pd.Series) -> pd.Series:
            positions, uniques = pd.factorize(codes)
            normalised = np.array([one(str(u)) for u in uniques], dtype=object)
            return pd.Series(normalised[positions], index=codes.index, dtype=object)

        return apply

    def check_codes(
        frame: pd.DataFrame,
        column: str,
        origin: TableOrigin,
        normalise: Callable[[str], str],
        valid: Any,
        what: str,
    ) -> None:
        """Normalise the codes of ``column`` in place; a code not in ``valid`` is a problem
        naming its row ("... is not {what}") and stays as written."""
        present = frame[column] != ""
        if not present.any():
            return
        norm = frame.loc[present, column].pipe(safe(normalise))
        known = norm.isin(valid)
        bad = np.flatnonzero(present.to_numpy())[~known.to_numpy()]
        out.rows(origin, bad, column, lambda p: f"{frame[column].iloc[p]!r} is not {what}")
        frame.loc[present, column] = norm.where(known, frame.loc[present, column])

    out = _Collector()
    params = _parameters(raw, out)
    raw = RawScenario(
        parameters=raw.parameters,
        parameters_origin=raw.parameters_origin,
        tables={
            name: _drop_duplicate_columns(
                name, frame, raw.origins.get(name, TableOrigin("<input>")), out
            )
            for name, frame in raw.tables.items()
        },
        origins=raw.origins,
        parameters_rows=raw.parameters_rows,
    )

    def origin_of(table: str) -> TableOrigin:
        return raw.origins.get(table, TableOrigin("<input>"))

    def raw_of(table: str) -> pd.DataFrame:
        frame = raw.tables.get(table)
        return frame if frame is not None else pd.DataFrame()

    # a scenario with some of its core tables needs all three: a workbook without its
    # resources or streams sheet is cut short, not a park without them
    core = ("resources", "facilities", "streams")
    given = [name for name in core if len(raw.tables.get(name, ()))]
    if given:
        first_file = origin_of(given[0]).file
        for name in core:
            if name not in raw.tables:
                out.add(
                    Problem(
                        first_file,
                        f"table {name!r} is missing or empty (no sheet, CSV file or YAML key "
                        f"of that name, with its header): a scenario with "
                        f"{' and '.join(repr(g) for g in given)} needs it too",
                        name,
                    )
                )

    tables: dict[str, pd.DataFrame] = {}
    for name in ("sources", "resources", "facilities", "transport_modes", "timeseries"):
        tables[name] = _coerce_table(name, raw_of(name), origin_of(name), out)
        _check_keys(name, tables[name], origin_of(name), out)
        if name in ("transport_modes", "timeseries"):  # the schema's min and max
            for pos, column, reason in out_of_range(name, tables[name]):
                where = origin_of(name)
                out.add(Problem(where.file, reason, where.sheet, where.row(pos), column))

    resources = tables["resources"]
    res_origin = origin_of("resources")
    # unit must match kind
    expected = resources["kind"].map(CANONICAL_UNITS)
    wrong_unit = (
        expected.notna() & (resources["unit"] != expected) & (resources["unit"] != "")
    ).to_numpy()
    out.rows(
        res_origin,
        np.flatnonzero(wrong_unit),
        "unit",
        lambda p: (
            f"a {resources['kind'].iloc[p]} resource is measured in "
            f"{expected.iloc[p]}, not {resources['unit'].iloc[p]!r}"
        ),
    )
    resources["unit"] = (
        resources["unit"].where(resources["unit"] != "", expected.fillna("")).astype(object)
    )
    check_codes(
        resources,
        "ewc_code",
        res_origin,
        normalise_ewc_code,
        valid_ewc_entries(),
        "a code of the European Waste Catalogue (2000/532/EC as amended)",
    )
    # hazardous: taken from the List of Waste when the code is hazardous there
    coded = resources["ewc_code"].isin(hazardous_ewc_entries()).to_numpy()
    if coded.any():
        r_raw = raw_of("resources").reset_index(drop=True)
        if "hazardous" in r_raw.columns and not r_raw.columns.duplicated().any():
            said_false = (
                ~_blank(r_raw["hazardous"])
                & _as_text(r_raw["hazardous"]).str.lower().isin(_FALSE).to_numpy()
            )
        else:
            said_false = np.zeros(len(resources), dtype=bool)
        out.rows(
            res_origin,
            np.flatnonzero(coded & said_false),
            "hazardous",
            lambda p: (
                f"EWC {resources['ewc_code'].iloc[p]} is hazardous in the List of Waste "
                "(an asterisk entry), so hazardous cannot be false: set it true or leave it empty"
            ),
        )
        resources["hazardous"] = resources["hazardous"].to_numpy(dtype=bool) | coded
    quality_vocab = set(quality_attributes()["name"])
    listed = resources["quality_attributes"].str.split(";")
    for pos, names in enumerate(listed):
        unknown = [q.strip() for q in names if q.strip() and q.strip() not in quality_vocab]
        if unknown:
            out.add(
                Problem(
                    res_origin.file,
                    f"unknown quality attribute(s) {', '.join(unknown)}",
                    res_origin.sheet,
                    res_origin.row(pos),
                    "quality_attributes",
                )
            )

    facilities = tables["facilities"]
    fac_origin = origin_of("facilities")
    for col, limit in (("lat", 90.0), ("lon", 180.0)):
        arr = facilities[col].to_numpy(dtype=float)
        bad = np.flatnonzero(np.abs(arr) > limit)
        out.rows(
            fac_origin,
            bad,
            col,
            _each(arr, f"{{v}} is outside -{limit:g}..{limit:g} degrees"),
        )
    check_codes(
        facilities,
        "nace_code",
        fac_origin,
        normalise_nace_code,
        valid_nace_classes(),
        "a NACE Rev.2 code",
    )
    # streams: quantities in the canonical unit of their resource
    s_raw = raw_of("streams")
    s_origin = origin_of("streams")
    unit_of = resources.drop_duplicates("id").set_index("id")["unit"]
    if "resource_id" in s_raw.columns:
        rid = _as_text(s_raw["resource_id"].reset_index(drop=True))
        s_units = rid.map(unit_of)
    else:
        s_units = pd.Series([None] * len(s_raw), dtype=object)
    streams = _coerce_table("streams", s_raw, s_origin, out, units=s_units)
    _check_keys("streams", streams, s_origin, out)
    _check_reference(streams, "facility_id", facilities["id"], "facility", s_origin, out)
    _check_reference(streams, "resource_id", resources["id"], "resource", s_origin, out)
    _check_reference(
        streams, "timeseries_id", tables["timeseries"]["id"], "time series", s_origin, out, True
    )
    _check_reference(streams, "source_id", tables["sources"]["id"], "source", s_origin, out, True)
    for col in ("quantity", "quantity_min", "quantity_max"):
        arr = streams[col].to_numpy(dtype=float)
        bad = np.flatnonzero(arr < 0)
        out.rows(s_origin, bad, col, _each(arr, "negative quantity {v:g}"))
        if col != "quantity":
            streams[col] = np.where(np.isnan(arr), streams["quantity"].to_numpy(), arr)
    q, qmin, qmax = (
        streams[c].to_numpy(dtype=float) for c in ("quantity", "quantity_min", "quantity_max")
    )
    bad = np.flatnonzero((qmin > q) | (q > qmax))
    out.rows(
        s_origin,
        bad,
        "quantity",
        lambda p: (
            f"quantity {q[p]:g} is not within quantity_min {qmin[p]:g} .. quantity_max {qmax[p]:g}"
        ),
    )
    amounts = (
        s_units.map({u: u.split("/")[0] for u in pd.unique(s_units.dropna()) if isinstance(u, str)})
        .astype(object)
        .fillna("")
    )
    if "price" in s_raw.columns and not s_raw.columns.duplicated().any():
        price_attr = next(a for a in attributes("streams") if a.name == "price")
        raw_prices, _ = _screen(s_raw["price"].reset_index(drop=True), price_attr, s_origin, out)
        prices, perr = convert_prices(raw_prices, amounts, str(params["currency"]))
        infinite = np.flatnonzero(np.isinf(prices))
        out.rows(
            s_origin,
            infinite,
            "price",
            lambda p: f"{shown(raw_prices.iloc[p])} is not a finite price",
        )
        prices = np.where(np.isinf(prices), np.nan, prices)
        out.rows(
            s_origin, np.flatnonzero(perr.to_numpy() != ""), "price", lambda p: str(perr.iloc[p])
        )
        streams["price"] = prices
    months_given = streams["months"] != ""
    month_codes, month_texts = pd.factorize(streams["months"])
    readable = np.array([_months_readable(str(t)) for t in month_texts], dtype=bool)
    unreadable = months_given & ~pd.Series(readable[month_codes], index=streams.index)
    out.rows(
        s_origin,
        np.flatnonzero(unreadable.to_numpy()),
        "months",
        lambda p: (
            f"{shown(streams['months'].iloc[p])} is not a set of months: write month numbers "
            "1-12, ranges such as 5-9 (or 11-2 over the year end) or lists such as 11,12,1,2"
        ),
    )
    seasonal_no_months = (streams["availability"] == "seasonal") & (streams["months"] == "")
    out.rows(
        s_origin,
        np.flatnonzero(seasonal_no_months.to_numpy()),
        "months",
        lambda p: "a seasonal stream needs its months (e.g. 5-9)",
    )
    ts_no_id = (streams["availability"] == "timeseries") & (streams["timeseries_id"] == "")
    out.rows(
        s_origin,
        np.flatnonzero(ts_no_id.to_numpy()),
        "timeseries_id",
        lambda p: "availability timeseries needs a timeseries_id",
    )
    tables["streams"] = streams

    # stream quality
    sq_origin = origin_of("stream_quality")
    quality = _coerce_table("stream_quality", raw_of("stream_quality"), sq_origin, out)
    _check_keys("stream_quality", quality, sq_origin, out)
    _check_reference(quality, "stream_id", streams["id"], "stream", sq_origin, out)
    unknown_attr = ~quality["attribute"].isin(quality_vocab) & (quality["attribute"] != "")
    out.rows(
        sq_origin,
        np.flatnonzero(unknown_attr.to_numpy()),
        "attribute",
        lambda p: f"unknown quality attribute {quality['attribute'].iloc[p]!r}",
    )
    lo, hi = quality["min"].to_numpy(dtype=float), quality["max"].to_numpy(dtype=float)
    out.rows(
        sq_origin,
        np.flatnonzero(lo > hi),
        "min",
        lambda p: f"quality range min {lo[p]:g} > max {hi[p]:g} for {quality['attribute'].iloc[p]}",
    )
    empty_q = np.isnan(quality["value"].to_numpy(dtype=float)) & np.isnan(lo) & np.isnan(hi)
    out.rows(sq_origin, np.flatnonzero(empty_q), "value", lambda p: "no value, min or max given")
    tables["stream_quality"] = quality

    # exchanges: quantities in the canonical unit of the supply's resource
    e_raw = raw_of("exchanges")
    e_origin = origin_of("exchanges")
    stream_unit = streams.drop_duplicates("id").set_index("id")["resource_id"].map(unit_of)
    if "supply_id" in e_raw.columns:
        e_units = _as_text(e_raw["supply_id"].reset_index(drop=True)).map(stream_unit)
    else:
        e_units = pd.Series([None] * len(e_raw), dtype=object)
    exchanges = _coerce_table("exchanges", e_raw, e_origin, out, units=e_units)
    _check_keys("exchanges", exchanges, e_origin, out)
    direction = streams.drop_duplicates("id").set_index("id")["direction"]
    for col, want in (("supply_id", "supply"), ("demand_id", "demand")):
        _check_reference(exchanges, col, streams["id"], "stream", e_origin, out)
        got = exchanges[col].map(direction)
        wrong = got.notna() & (got != want)
        out.rows(
            e_origin,
            np.flatnonzero(wrong.to_numpy()),
            col,
            _each(exchanges[col].to_numpy(), f"stream {{v!r}} is not a {want}"),
        )
    _check_reference(exchanges, "source_id", tables["sources"]["id"], "source", e_origin, out, True)
    arr = exchanges["quantity"].to_numpy(dtype=float)
    out.rows(
        e_origin, np.flatnonzero(arr < 0), "quantity", lambda p: f"negative quantity {arr[p]:g}"
    )
    _check_exchanges_within_streams(exchanges, streams, stream_unit, e_origin, out)
    for pos, column, reason in out_of_range("exchanges", exchanges):
        if column != "quantity":  # negative quantities are reported above
            out.add(Problem(e_origin.file, reason, e_origin.sheet, e_origin.row(pos), column))
    tables["exchanges"] = exchanges

    # infrastructure already built (capital sunk) or planned: pipes, corridors, plants
    in_origin = origin_of("infrastructure")
    in_raw = raw_of("infrastructure")
    if "resource_id" in in_raw.columns:
        in_units = _as_text(in_raw["resource_id"].reset_index(drop=True)).map(unit_of)
    else:
        in_units = pd.Series([None] * len(in_raw), dtype=object)
    infrastructure = _coerce_table("infrastructure", in_raw, in_origin, out, units=in_units)
    _check_keys("infrastructure", infrastructure, in_origin, out)
    for col in ("from_facility_id", "to_facility_id"):
        _check_reference(infrastructure, col, facilities["id"], "facility", in_origin, out, True)
    _check_reference(
        infrastructure, "resource_id", resources["id"], "resource", in_origin, out, True
    )
    _check_reference(
        infrastructure, "source_id", tables["sources"]["id"], "source", in_origin, out, True
    )
    for pos, column, reason in out_of_range("infrastructure", infrastructure):
        out.add(Problem(in_origin.file, reason, in_origin.sheet, in_origin.row(pos), column))
    link_kinds = infrastructure["kind"].isin(["pipeline", "grid", "conveyor"])
    no_ends = link_kinds & (
        (infrastructure["from_facility_id"] == "") | (infrastructure["to_facility_id"] == "")
    )
    out.rows(
        in_origin,
        np.flatnonzero(no_ends.to_numpy()),
        "from_facility_id",
        lambda p: f"a {infrastructure['kind'].iloc[p]} needs from_facility_id and to_facility_id",
    )
    tables["infrastructure"] = infrastructure
    tables.update(_processes_and_duties(raw_of, origin_of, tables, out))

    # technology sites: candidate processes of the shipped catalogue, with their streams
    ts_origin = origin_of("technology_sites")
    sites = _coerce_table("technology_sites", raw_of("technology_sites"), ts_origin, out)
    _check_keys("technology_sites", sites, ts_origin, out)
    _check_reference(sites, "source_id", tables["sources"]["id"], "source", ts_origin, out, True)
    for pos, column, reason in out_of_range("technology_sites", sites):
        out.add(Problem(ts_origin.file, reason, ts_origin.sheet, ts_origin.row(pos), column))
    tables["technology_sites"] = sites
    tables.update(site_technologies(sites, ts_origin, tables, params, out.add))

    pf_origin = origin_of("published_figures")
    figures = _coerce_table("published_figures", raw_of("published_figures"), pf_origin, out)
    _check_keys("published_figures", figures, pf_origin, out)
    _check_reference(figures, "source_id", tables["sources"]["id"], "source", pf_origin, out)
    tables["published_figures"] = figures
    tm_origin = origin_of("transport_modes")
    _check_reference(
        tables["transport_modes"],
        "source_id",
        tables["sources"]["id"],
        "source",
        tm_origin,
        out,
        True,
    )

    # the scenario's own synergy archetypes and changes to the shipped ones
    ar_origin = origin_of("archetypes")
    archetypes = _coerce_table("archetypes", raw_of("archetypes"), ar_origin, out)
    _check_keys("archetypes", archetypes, ar_origin, out)
    if len(archetypes):
        from symbiograph.taxonomy import apply_scenario_archetypes, synergy_archetypes

        years = dict(zip(tables["sources"]["id"], tables["sources"]["year"], strict=True))
        _, found = apply_scenario_archetypes(synergy_archetypes(), archetypes, years)
        for position, column, message in found:
            out.add(
                Problem(ar_origin.file, message, ar_origin.sheet, ar_origin.row(position), column)
            )
    tables["archetypes"] = archetypes

    if out.problems:
        raise ScenarioError(out.problems)
    network = Network(parameters=params)
    for name in TABLES:
        frame = tables.get(name, empty_table(name))
        setattr(network, name, frame.reset_index(drop=True))
    return network


def _own_units(raw: pd.DataFrame, table: str) -> pd.Series:
    """The unit each row of a raw processes or duties table gives itself (None if unknown),
    for converting its quantity column."""
    if "unit" not in raw.columns:
        return pd.Series([None] * len(raw), dtype=object)
    units = _as_text(raw["unit"].reset_index(drop=True))
    choices = next(a.choices for a in attributes(table) if a.name == "unit")
    return units.where(units.isin(choices), None).astype(object)


def _processes_and_duties(
    raw_of: Callable[[str], pd.DataFrame],
    origin_of: Callable[[str], TableOrigin],
    tables: dict[str, pd.DataFrame],
    out: _Collector,
) -> dict[str, pd.DataFrame]:
    """Coerce and check the tables of plant processes and shared duties against the
    facilities, streams and sources already read: ports are streams of the process's own
    facility (demands in, supplies out), duty members demands of the duty's facility, each
    stream in at most one duty, every ratio above 0, a candidate process with its capex."""
    facilities, streams, sources = tables["facilities"], tables["streams"], tables["sources"]
    stream_facility = streams.drop_duplicates("id").set_index("id")["facility_id"]
    stream_direction = streams.drop_duplicates("id").set_index("id")["direction"]
    found: dict[str, pd.DataFrame] = {}

    def owners(
        frame: pd.DataFrame,
        origin: TableOrigin,
        owner_col: str,
        owner_facility: pd.Series,
        what: str,
    ) -> None:
        """A member's stream must belong to its owner's facility."""
        own = frame[owner_col].map(owner_facility)
        got = frame["stream_id"].map(stream_facility)
        wrong = (own.notna() & got.notna() & (own != got)).to_numpy()
        out.rows(
            origin,
            np.flatnonzero(wrong),
            "stream_id",
            lambda p: (
                f"stream {shown(frame['stream_id'].iloc[p])} belongs to facility "
                f"{shown(got.iloc[p])}, not to facility {shown(own.iloc[p])} of {what} "
                f"{shown(frame[owner_col].iloc[p])}"
            ),
        )

    def positive_ratio(frame: pd.DataFrame, origin: TableOrigin) -> None:
        ratio = frame["ratio"].to_numpy(dtype=float)
        out.rows(
            origin,
            np.flatnonzero(ratio <= 0),
            "ratio",
            _each(ratio, "ratio must be more than 0, not {v:g}"),
        )

    def without_rows(
        frame: pd.DataFrame, origin: TableOrigin, members: pd.Series, what: str
    ) -> None:
        lonely = (~frame["id"].isin(members) & (frame["id"] != "")).to_numpy()
        out.rows(
            origin,
            np.flatnonzero(lonely),
            "id",
            lambda p: f"{shown(frame['id'].iloc[p])} has no rows in {what}",
        )

    # processes: activity in the process's own unit, capacity converted to it
    pr_origin, pr_raw = origin_of("processes"), raw_of("processes")
    processes = _coerce_table(
        "processes", pr_raw, pr_origin, out, units=_own_units(pr_raw, "processes")
    )
    _check_keys("processes", processes, pr_origin, out)
    _check_reference(processes, "facility_id", facilities["id"], "facility", pr_origin, out)
    _check_reference(processes, "source_id", sources["id"], "source", pr_origin, out, True)
    for pos, column, reason in out_of_range("processes", processes):
        out.add(Problem(pr_origin.file, reason, pr_origin.sheet, pr_origin.row(pos), column))
    no_capex = (processes["status"] == "candidate").to_numpy() & np.isnan(
        processes["capex"].to_numpy(dtype=float)
    )
    out.rows(
        pr_origin,
        np.flatnonzero(no_capex),
        "capex",
        lambda p: "a candidate process needs its capex (the capital cost of building it)",
    )
    life = processes["lifetime_years"].to_numpy(dtype=float)
    out.rows(
        pr_origin,
        np.flatnonzero(life <= 0),
        "lifetime_years",
        _each(life, "lifetime_years must be more than 0 years, not {v:g}"),
    )

    pp_origin = origin_of("process_ports")
    ports = _coerce_table("process_ports", raw_of("process_ports"), pp_origin, out)
    _check_keys("process_ports", ports, pp_origin, out)
    _check_reference(ports, "process_id", processes["id"], "process", pp_origin, out)
    _check_reference(ports, "stream_id", streams["id"], "stream", pp_origin, out)
    owners(
        ports,
        pp_origin,
        "process_id",
        processes.drop_duplicates("id").set_index("id")["facility_id"],
        "process",
    )
    want = ports["direction"].map({"in": "demand", "out": "supply"})
    got = ports["stream_id"].map(stream_direction)
    wrong = (want.notna() & got.notna() & (want != got)).to_numpy()
    out.rows(
        pp_origin,
        np.flatnonzero(wrong),
        "direction",
        lambda p: (
            f"an {ports['direction'].iloc[p]} port needs a {want.iloc[p]} stream, but "
            f"{shown(ports['stream_id'].iloc[p])} is a {got.iloc[p]}"
        ),
    )
    positive_ratio(ports, pp_origin)
    without_rows(processes, pr_origin, ports["process_id"], "process_ports (a process needs ports)")
    found["processes"], found["process_ports"] = processes, ports

    # duties: one need that alternative demand streams fill once
    du_origin, du_raw = origin_of("duties"), raw_of("duties")
    duties = _coerce_table("duties", du_raw, du_origin, out, units=_own_units(du_raw, "duties"))
    _check_keys("duties", duties, du_origin, out)
    _check_reference(duties, "facility_id", facilities["id"], "facility", du_origin, out)
    _check_reference(duties, "source_id", sources["id"], "source", du_origin, out, True)
    for pos, column, reason in out_of_range("duties", duties):
        out.add(Problem(du_origin.file, reason, du_origin.sheet, du_origin.row(pos), column))

    dm_origin = origin_of("duty_members")
    members = _coerce_table("duty_members", raw_of("duty_members"), dm_origin, out)
    _check_keys("duty_members", members, dm_origin, out)
    _check_reference(members, "duty_id", duties["id"], "duty", dm_origin, out)
    _check_reference(members, "stream_id", streams["id"], "stream", dm_origin, out)
    owners(
        members,
        dm_origin,
        "duty_id",
        duties.drop_duplicates("id").set_index("id")["facility_id"],
        "duty",
    )
    got = members["stream_id"].map(stream_direction)
    not_demand = (got.notna() & (got != "demand")).to_numpy()
    out.rows(
        dm_origin,
        np.flatnonzero(not_demand),
        "stream_id",
        lambda p: f"stream {shown(members['stream_id'].iloc[p])} is a {got.iloc[p]}, not a demand",
    )
    positive_ratio(members, dm_origin)
    streams_seen = members["stream_id"]
    twice = (streams_seen.duplicated(keep="first") & (streams_seen != "")).to_numpy()
    first_at = {s: i for i, s in reversed(list(enumerate(streams_seen)))}
    out.rows(
        dm_origin,
        np.flatnonzero(twice & ~members.duplicated(["duty_id", "stream_id"]).to_numpy()),
        "stream_id",
        lambda p: (
            f"stream {shown(streams_seen.iloc[p])} is already a member of duty "
            f"{shown(members['duty_id'].iloc[first_at[streams_seen.iloc[p]]])} (row "
            f"{dm_origin.row(first_at[streams_seen.iloc[p]])}); a stream belongs to one duty"
        ),
    )
    without_rows(duties, du_origin, members["duty_id"], "duty_members (a duty needs members)")
    found["duties"], found["duty_members"] = duties, members
    return found
