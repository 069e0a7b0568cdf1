"""Unit conversion at the edge: strings such as "12 kt/yr", "3.5 MW" or "150 m3/h" to
canonical units, vectorised over unique unit strings so a million rows cost a few pint calls.

A year is 8760 hours (365 days) here, the convention of energy statistics, so a continuous
3.5 MW is 30,660 MWh/yr and a month is 730 h.
"""

from __future__ import annotations

import re
from functools import lru_cache

import numpy as np
import pandas as pd
import pint

__all__ = ["UnitProblem", "convert_prices", "convert_quantities", "unit_registry"]

_NUMBER_UNIT = re.compile(r"^\s*([-+]?(?:\d[\d_]*\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*(.*?)\s*$")
_PRICE = re.compile(
    r"^\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*([A-Za-z]{3})\s*/\s*(.+?)\s*$"
)


#: Spellings of the field that pint reads otherwise ("kt" is a knot to pint).
_ALIASES = {"kt": "kilotonne", "Mt": "megatonne", "Gt": "gigatonne", "tpa": "tonne/year"}
_ALIAS = re.compile(r"(?<![A-Za-z_])(" + "|".join(_ALIASES) + r")(?![A-Za-z_0-9])")


@lru_cache(maxsize=1)
def unit_registry() -> pint.UnitRegistry:
    """The project's pint registry: a year of 8760 h, plus t, Mt and m3 spellings."""
    ureg: pint.UnitRegistry = pint.UnitRegistry(
        on_redefinition="ignore", autoconvert_offset_to_baseunit=True
    )
    ureg.define("year = 365 * day = yr = a = annum")
    ureg.define("month = year / 12")
    ureg.define("m3 = meter ** 3")
    ureg.define("Nm3 = meter ** 3")
    ureg.define("tonne_per_year = tonne / year")
    return ureg


class UnitProblem(ValueError):
    """A unit string pint cannot read, or one of the wrong dimension."""


@lru_cache(maxsize=4096)
def conversion_factor(unit: str, target: str) -> float:
    """Factor turning a magnitude in ``unit`` into ``target`` (e.g. "kt/yr" -> "t/yr": 1000)."""
    ureg = unit_registry()
    try:
        source = ureg.parse_units(_ALIAS.sub(lambda m: _ALIASES[m.group(0)], unit))
    except Exception as err:  # pint raises several error types for bad strings
        raise UnitProblem(f"unknown unit {unit!r}") from err
    try:
        return float(ureg.Quantity(1.0, source).to(target).magnitude)
    except pint.DimensionalityError as err:
        raise UnitProblem(
            f"unit {unit!r} has the wrong dimension for {target!r}"
            f" ({ureg.Quantity(1.0, source).dimensionality} vs"
            f" {ureg.Quantity(1.0, target).dimensionality})"
        ) from err


def convert_quantities(values: pd.Series, targets: pd.Series) -> tuple[np.ndarray, pd.Series]:
    """Turn raw quantities into canonical magnitudes.

    ``values`` holds numbers (already canonical) or strings "<number> <unit>"; ``targets``
    holds the canonical unit for each row (e.g. "t/yr"). Returns the magnitudes (NaN where
    empty or wrong) and a Series of error messages indexed like ``values`` ("" = fine).
    """
    n = len(values)
    out = np.full(n, np.nan)
    errors = pd.Series([""] * n, index=values.index, dtype=object)
    if n == 0:
        return out, errors
    raw = values.to_numpy(dtype=object)
    is_str = np.fromiter((isinstance(v, str) for v in raw), dtype=bool, count=n)
    # plain numbers
    numeric_pos = np.flatnonzero(~is_str)
    if numeric_pos.size:
        out[numeric_pos] = pd.to_numeric(pd.Series(raw[numeric_pos]), errors="coerce").to_numpy(
            dtype=float
        )
    str_pos = np.flatnonzero(is_str)
    if str_pos.size == 0:
        return out, errors
    text = pd.Series(raw[str_pos], dtype=object).str.strip()
    blank = (text == "").to_numpy()
    parts = text.str.extract(_NUMBER_UNIT)
    magnitude = pd.to_numeric(parts[0].str.replace("_", "", regex=False), errors="coerce")
    unit = parts[1].fillna("").to_numpy(dtype=object)
    target = targets.to_numpy(dtype=object)[str_pos]
    bad_number = (~blank) & magnitude.isna().to_numpy()
    err_arr = errors.to_numpy(dtype=object, copy=True)
    for p in np.flatnonzero(bad_number):
        err_arr[str_pos[p]] = f"cannot read {raw[str_pos[p]]!r} as a number with a unit"
    factors = np.ones(str_pos.size)
    ok = (~blank) & (~bad_number)
    pairs = pd.DataFrame({"unit": unit[ok], "target": target[ok]})
    if len(pairs):
        codes, uniques = pd.factorize(pairs["unit"] + "\x00" + pairs["target"].astype(str))
        unique_factor = np.ones(len(uniques))
        unique_error = [""] * len(uniques)
        for k, key in enumerate(uniques):
            u, t = key.split("\x00")
            if not t or t == "nan":
                unique_factor[k] = np.nan
                unique_error[k] = "no canonical unit known for this row (check its resource)"
            elif u == "":
                unique_factor[k] = 1.0
            else:
                try:
                    unique_factor[k] = conversion_factor(u, t)
                except UnitProblem as err:
                    unique_factor[k] = np.nan
                    unique_error[k] = str(err)
        ok_pos = np.flatnonzero(ok)
        factors[ok_pos] = unique_factor[codes]
        err_codes = np.array(unique_error, dtype=object)[codes]
        for p, msg in zip(ok_pos, err_codes, strict=True):
            if msg:
                err_arr[str_pos[p]] = msg
    conv = magnitude.to_numpy(dtype=float) * factors
    conv[blank] = np.nan
    out[str_pos] = conv
    return out, pd.Series(err_arr, index=values.index, dtype=object)


def convert_prices(
    values: pd.Series, amount_units: pd.Series, currency: str
) -> tuple[np.ndarray, pd.Series]:
    """Turn raw prices into currency per canonical unit.

    ``values`` holds numbers (already per canonical unit) or strings such as "45 EUR/t",
    "12 EUR/GJ"; ``amount_units`` the canonical amount per row ("t", "MWh", "m3"). A currency
    other than ``currency`` is an error (no exchange rates are guessed).
    """
    n = len(values)
    out = np.full(n, np.nan)
    err = np.array([""] * n, dtype=object)
    raw = values.to_numpy(dtype=object)
    amounts = amount_units.to_numpy(dtype=object)
    str_pos = [i for i, v in enumerate(raw) if isinstance(v, str)]
    num_pos = [i for i, v in enumerate(raw) if not isinstance(v, str)]
    if num_pos:
        out[num_pos] = pd.to_numeric(pd.Series(raw[num_pos]), errors="coerce").to_numpy(float)
    for i in str_pos:
        text = raw[i].strip()
        if not text:
            continue
        try:
            out[i] = float(text)
            continue
        except ValueError:
            pass
        m = _PRICE.match(text)
        if not m:
            err[i] = f"cannot read {text!r} as a price (write e.g. 45 or '45 {currency}/t')"
            continue
        if m.group(2).upper() != currency.upper():
            err[i] = f"price in {m.group(2)} but the scenario currency is {currency}"
            continue
        try:
            per = conversion_factor(str(amounts[i]), m.group(3))
        except UnitProblem as problem:
            err[i] = f"price unit: {problem}"
            continue
        out[i] = float(m.group(1)) * per
    return out, pd.Series(err, index=values.index, dtype=object)
