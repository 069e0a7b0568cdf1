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
#: "y" alone is a year ("kt/y", as papers write it); "a" and "annum" are defined in the registry.
_ALIASES = {
    "kt": "kilotonne",
    "Mt": "megatonne",
    "Gt": "gigatonne",
    "tpa": "tonne/year",
    "y": "year",
}
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
        given = _kind_in_words(ureg.Quantity(1.0, source).dimensionality)
        wanted = _kind_in_words(ureg.Quantity(1.0, target).dimensionality)
        raise UnitProblem(
            f"unit {unit!r} has the wrong dimension for {target!r}: it is {given}, this field"
            f" is {wanted} (check the unit, or the row's resource)"
        ) from err


def _kind_in_words(dimensionality: object) -> str:
    """A dimension as a park manager says it: "a mass per year", "an energy per year"."""
    ureg = unit_registry()
    for reference, words in (
        ("t/yr", "a mass per year"),
        ("MWh/yr", "an energy per year (or a power)"),
        ("m3/yr", "a volume per year (or a flow)"),
        ("t", "a mass (not per year)"),
        ("MWh", "an energy (not per year)"),
        ("m3", "a volume (not per year)"),
        ("km", "a length"),
    ):
        if ureg.Quantity(1.0, reference).dimensionality == dimensionality:
            return words
    return f"of dimension {dimensionality}"


def convert_quantities(values: pd.Series, targets: pd.Series) -> tuple[np.ndarray, pd.Series]:
    """Turn raw quantities into canonical magnitudes.

    ``values`` holds numbers (already canonical) or strings "<number> <unit>"; ``targets``
    holds the canonical unit for each row (e.g. "t/yr"). Returns the magnitudes (NaN where
    empty or wrong) and a Series of error messages indexed like ``values`` ("" = fine).
    Plain numbers take one vectorised pass; only strings with units are parsed, and pint is
    asked once per distinct (unit, target) pair.
    """
    n = len(values)
    errors = np.array([""] * n, dtype=object)
    if n == 0:
        return np.full(0, np.nan), pd.Series(errors, index=values.index, dtype=object)
    out = np.array(
        pd.to_numeric(values, errors="coerce").to_numpy(dtype=float, na_value=np.nan), copy=True
    )
    unread = np.flatnonzero(np.isnan(out))
    if unread.size == 0:
        return out, pd.Series(errors, index=values.index, dtype=object)
    raw = values.to_numpy(dtype=object)[unread]
    text = pd.Series([v.strip() if isinstance(v, str) else "" for v in raw], dtype=object)
    filled = (text != "").to_numpy()
    str_pos = unread[filled]
    if str_pos.size == 0:
        return out, pd.Series(errors, index=values.index, dtype=object)
    text = text[filled].reset_index(drop=True)
    parts = text.str.extract(_NUMBER_UNIT)
    magnitude = pd.to_numeric(parts[0].str.replace("_", "", regex=False), errors="coerce")
    unit = parts[1].fillna("").to_numpy(dtype=object)
    target = targets.to_numpy(dtype=object)[str_pos]
    bad_number = np.array(magnitude.isna().to_numpy(), dtype=bool)
    for p in np.flatnonzero(bad_number):
        errors[str_pos[p]] = f"cannot read {text.iloc[p]!r} as a number with a unit"
    grouped = np.flatnonzero(~bad_number & parts[1].fillna("").str.match(r"^\d").to_numpy())
    for p in grouped:  # "6 000": a thousands separator, not a unit called "000"
        errors[str_pos[p]] = (
            f"{text.iloc[p]!r} has a space inside the number, as a thousands separator: write it "
            "without separators (6000 or '6000 t/yr')"
        )
    bad_number[grouped] = True
    factors = np.full(str_pos.size, np.nan)
    ok = np.flatnonzero(~bad_number)
    if ok.size:
        keys = [f"{u}\x00{t}" for u, t in zip(unit[ok], target[ok], strict=True)]
        codes, uniques = pd.factorize(pd.Series(keys, dtype=object))
        unique_factor = np.ones(len(uniques))
        unique_error = [""] * len(uniques)
        for k, key in enumerate(uniques):
            u, t = str(key).split("\x00")
            if not t or t in ("nan", "None"):
                unique_factor[k] = np.nan
                unique_error[k] = "no canonical unit known for this row (check its resource)"
            elif u:
                try:
                    unique_factor[k] = conversion_factor(u, t)
                except UnitProblem as err:
                    unique_factor[k] = np.nan
                    unique_error[k] = str(err)
        factors[ok] = unique_factor[codes]
        for p, msg in zip(ok, np.asarray(unique_error, dtype=object)[codes], strict=True):
            if msg:
                errors[str_pos[p]] = msg
    out[str_pos] = magnitude.to_numpy(dtype=float) * factors
    return out, pd.Series(errors, index=values.index, dtype=object)


def convert_prices(
    values: pd.Series, amount_units: pd.Series, currency: str
) -> tuple[np.ndarray, pd.Series]:
    """Turn raw prices into currency per canonical unit.

    ``values`` holds numbers (already per canonical unit) or strings such as "45 EUR/t",
    "12 EUR/GJ"; ``amount_units`` the canonical amount per row ("t", "MWh", "m3"). A currency
    other than ``currency`` is an error (no exchange rates are guessed).
    """
    n = len(values)
    err = np.array([""] * n, dtype=object)
    out = np.array(
        pd.to_numeric(values, errors="coerce").to_numpy(dtype=float, na_value=np.nan), copy=True
    )
    raw = values.to_numpy(dtype=object)
    amounts = amount_units.to_numpy(dtype=object)
    for i in np.flatnonzero(np.isnan(out)):
        if not isinstance(raw[i], str) or not raw[i].strip():
            continue
        text = raw[i].strip()
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
