"""The shipped catalogue of green technologies a scenario may site as candidate processes.

``technologies.csv`` has one row per technology (size unit, costs, lifetime, smallest size,
with the public source and year of each group of numbers and the numbers that are judged);
``technology_ports.csv`` its inputs and outputs per unit of activity, each with its source.
Both are checked when first read: a catalogue row without a source or year is refused.
"""

from __future__ import annotations

import io
from functools import cache
from importlib import resources

import numpy as np
import pandas as pd

__all__ = ["technologies", "technology_documentation", "technology_ports"]

_UNITS = ("t/yr", "MWh/yr", "m3/yr")
_KIND_UNIT = {"material": "t/yr", "energy": "MWh/yr", "water": "m3/yr"}
_NUMBERS = (
    "full_load_hours",
    "capex_per_capacity",
    "capex_fixed",
    "fixed_om_per_capacity",
    "variable_cost",
    "lifetime_years",
    "min_capacity",
)


def _csv(filename: str, numbers: tuple[str, ...], integers: tuple[str, ...]) -> pd.DataFrame:
    """One catalogue file: text columns as str ("" when empty), numbers as float (NaN when
    empty), integers as int."""
    text = resources.files(__package__).joinpath(filename).read_text(encoding="utf-8")
    frame = pd.read_csv(
        io.StringIO(text), comment="#", dtype=str, keep_default_na=False, na_values=[]
    )
    for col in numbers:
        frame[col] = pd.to_numeric(frame[col].replace("", np.nan), errors="raise").astype(float)
    for col in integers:
        frame[col] = frame[col].astype("int64")
    return frame


@cache
def _catalogue() -> tuple[pd.DataFrame, pd.DataFrame]:
    techs = _csv("technologies.csv", _NUMBERS, ("price_year", "cost_year"))
    ports = _csv("technology_ports.csv", ("ratio",), ("year",))
    return techs, ports


@cache
def _checked() -> tuple[pd.DataFrame, pd.DataFrame]:
    """The catalogue after its checks (ValueError naming the file, row and field)."""
    techs, ports = _catalogue()
    problems: list[str] = []

    def bad(file: str, row: int, field: str, reason: str) -> None:
        problems.append(f"{file} row {row + 2}, {field}: {reason}")

    for i, t in techs.iterrows():
        at = int(str(i))
        if techs["id"].duplicated().iloc[at]:
            bad("technologies.csv", at, "id", f"duplicate id {t['id']!r}")
        if t["activity_unit"] not in _UNITS:
            bad("technologies.csv", at, "activity_unit", f"{t['activity_unit']!r} not in {_UNITS}")
        for col in ("cost_source", "currency"):
            if not str(t[col]).strip():
                bad("technologies.csv", at, col, "empty")
        hours = float(t["full_load_hours"])
        per_year = str(t["capacity_unit"]) == str(t["activity_unit"])
        if per_year != np.isnan(hours):
            bad(
                "technologies.csv",
                at,
                "full_load_hours",
                "needed exactly when capacity_unit is not the activity per year",
            )
        if not np.isnan(hours) and not (
            str(t["performance_source"]).strip() and str(t["performance_year"]).strip()
        ):
            bad("technologies.csv", at, "performance_source", "full_load_hours needs a source")
        for col in _NUMBERS:
            v = float(t[col])
            if col != "full_load_hours" and (np.isnan(v) or v < 0):
                bad("technologies.csv", at, col, f"must be a number >= 0, not {t[col]!r}")
        for name in filter(None, str(t["estimates"]).split(";")):
            if name not in _NUMBERS:
                bad("technologies.csv", at, "estimates", f"{name!r} is not a number of the row")
    known = set(techs["id"])
    for i, p in ports.iterrows():
        at = int(str(i))
        if p["technology_id"] not in known:
            bad("technology_ports.csv", at, "technology_id", f"unknown {p['technology_id']!r}")
        if p["direction"] not in ("in", "out"):
            bad("technology_ports.csv", at, "direction", f"{p['direction']!r} not in or out")
        if p["role"] not in ("stream", "market") or (
            p["role"] == "market" and p["direction"] != "in"
        ):
            bad("technology_ports.csv", at, "role", "stream, or market for an input")
        if _KIND_UNIT.get(str(p["kind"])) != p["unit"]:
            bad("technology_ports.csv", at, "unit", f"{p['unit']!r} is not the unit of {p['kind']}")
        if not float(p["ratio"]) > 0:
            bad("technology_ports.csv", at, "ratio", "must be more than 0")
        if not str(p["source"]).strip():
            bad("technology_ports.csv", at, "source", "empty")
        if p["estimate"] not in ("", "ESTIMATE"):
            bad("technology_ports.csv", at, "estimate", "empty or ESTIMATE")
    twice = ports.duplicated(["technology_id", "port", "direction"])
    for pos in np.flatnonzero(twice.to_numpy()).tolist():
        bad("technology_ports.csv", pos, "port", "a port appears twice")
    for pos in np.flatnonzero(~techs["id"].isin(ports["technology_id"]).to_numpy()).tolist():
        bad("technologies.csv", pos, "id", "a technology needs ports")
    if problems:
        raise ValueError("technology catalogue: " + "; ".join(problems))
    return techs, ports


def technologies() -> pd.DataFrame:
    """The technology catalogue, one row per technology.

    Columns: ``id``, ``name``, ``activity`` (what a unit of activity is), ``activity_unit``
    (t/yr, MWh/yr, m3/yr), ``capacity_unit`` (e.g. MW), ``full_load_hours`` (h/yr: activity
    per year per unit of capacity; NaN when the capacity is an activity per year),
    ``capex_per_capacity`` (currency per capacity unit), ``capex_fixed`` (currency),
    ``fixed_om_per_capacity`` (currency per capacity unit per year), ``variable_cost``
    (currency per unit of activity), ``lifetime_years``, ``min_capacity`` (capacity unit),
    ``currency``, ``price_year``, ``cost_source``, ``cost_year``, ``performance_source``,
    ``performance_year``, ``estimates`` (the judged numbers, semicolon-separated), ``note``.
    """
    return _checked()[0].copy()


def technology_ports(technology_id: str | None = None) -> pd.DataFrame:
    """The inputs and outputs of the catalogue's technologies (all, or one's).

    Columns: ``technology_id``, ``port`` (resource id it carries), ``direction`` (in, out),
    ``role`` (stream: exchanged with the park; market: an input bought at the site's
    price), ``kind``, ``unit`` (canonical), ``ratio`` (units per unit of activity),
    ``quality`` (attribute=value;... of an output), ``factor_id`` (emission factor of a
    market input), ``source``, ``year``, ``estimate`` (ESTIMATE or ""), ``note``.
    """
    ports = _checked()[1]
    if technology_id is not None:
        ports = ports[ports["technology_id"] == technology_id]
    return ports.reset_index(drop=True).copy()


def technology_documentation() -> str:
    """The catalogue as a Markdown page (docs/technologies.md): each technology with its
    size, costs, lifetime, inputs and outputs and the source and year of every number."""
    techs, ports = _checked()
    lines = [
        "# Green technologies",
        "",
        "<!-- generated by symbiograph.taxonomy.technology_documentation(); do not edit -->",
        "",
        "The shipped catalogue (`src/symbiograph/taxonomy/technologies.csv` and",
        "`technology_ports.csv`) of technologies a scenario may site as **candidate processes**",
        "in its `technology_sites` table (see [file-format.md](file-format.md)). A sited",
        "technology becomes a process of its facility with a build decision and a size",
        "(capacity) in the design MILP: its capex is annualised like every capex (per unit of",
        "capacity, plus a fixed part where the data has one), its fixed O&M is paid per unit",
        "of capacity built, its variable cost and its market inputs (bought at the site's",
        "`market_prices`) per unit of activity. Its stream ports become supply streams",
        "(outputs) and demand streams (inputs) of the site, named `<site id>.<port>`, that",
        "matching links to the park's other streams like any other. An output can only be",
        "supplied as far as the technology runs, and its activity is at most its capacity",
        "x full-load hours.",
        "",
        "Numbers marked **ESTIMATE** are judged screening values, not read from the source:",
        "replace them with a quote (every cost can be overridden per site). Costs are in the",
        "catalogue's currency and price year; a scenario in another currency converts them at",
        "its `exchange_rates` parameter (e.g. `EUR=1.6`).",
        "",
        "The figures are rounded central values of the ranges the named editions publish,",
        "for screening: technology costs move fast (electrolysers, solar) and depend on size",
        "and site, so check them against the current edition of each source, or a quote,",
        "before a decision rests on them. Full-load hours of solar and wind are global",
        "averages (IRENA): a site gives its own (about 1,000 h for solar PV in Denmark).",
        "",
        "How a site is written (YAML; the same columns in `technology_sites.csv` or a",
        "`technology_sites` sheet):",
        "",
        "```yaml",
        "technology_sites:",
        "  - id: hp                      # the process id; its streams are hp.heat, hp.waste_heat",
        "    technology_id: heat_pump_waste_heat",
        "    facility_id: shared_site    # a plant of the park or a shared site (a facility)",
        "    max_capacity: 2             # MW of heat",
        "    full_load_hours: 4000       # overrides the catalogue's",
        "    market_prices: electricity=50",
        "    resources: heat=district_heat   # port=scenario resource (default: the port's id)",
        "```",
        "",
        "`examples/green_technologies.yaml` sites four of them on a shared site of a small",
        "park (a heat pump on a data centre's waste heat, a biogas plant, solar PV and wind);",
        "the design builds the heat pump and the wind turbines and leaves the others, whose",
        "costs the park's prices do not cover (see its test for the arithmetic).",
        "",
        "| id | technology | size in | full-load h/yr | capex per unit | fixed capex | fixed O&M per unit/yr "
        "| variable cost per unit of activity | life (yr) | min size |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]

    def shown(t: pd.Series, col: str) -> str:
        v = float(t[col])
        text = "-" if np.isnan(v) else f"{v:,.10g}"
        return text + (" (ESTIMATE)" if col in str(t["estimates"]).split(";") else "")

    for _, t in techs.iterrows():
        lines.append(
            f"| `{t['id']}` | {t['name']} | {t['capacity_unit']} | {shown(t, 'full_load_hours')} "
            f"| {shown(t, 'capex_per_capacity')} | {shown(t, 'capex_fixed')} "
            f"| {shown(t, 'fixed_om_per_capacity')} | {shown(t, 'variable_cost')} "
            f"| {shown(t, 'lifetime_years')} | {shown(t, 'min_capacity')} |"
        )
    for _, t in techs.iterrows():
        lines += [
            "",
            f"## {t['name']} (`{t['id']}`)",
            "",
            f"Activity: {t['activity']} ({t['activity_unit']}); size in {t['capacity_unit']}. "
            f"Costs in {t['currency']} of {t['price_year']}.",
            "",
            f"- Costs, lifetime and smallest size: {t['cost_source']} ({t['cost_year']}).",
        ]
        if str(t["performance_source"]).strip():
            lines.append(f"- Full-load hours: {t['performance_source']} ({t['performance_year']}).")
        if str(t["estimates"]).strip():
            lines.append(f"- ESTIMATE (judged): {', '.join(str(t['estimates']).split(';'))}.")
        if str(t["note"]).strip():
            lines.append(f"- Note: {t['note']}.")
        lines += [
            "",
            "| port | direction | role | ratio per unit of activity | unit | quality | "
            "emission factor | source (year) |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for _, p in ports[ports["technology_id"] == t["id"]].iterrows():
            est = " ESTIMATE" if p["estimate"] == "ESTIMATE" else ""
            lines.append(
                f"| `{p['port']}` | {p['direction']} | {p['role']} | {float(p['ratio']):.6g}{est} "
                f"| {p['unit']} | {p['quality'] or '-'} | {p['factor_id'] or '-'} "
                f"| {p['source']} ({p['year']}) |"
            )
    return "\n".join(lines) + "\n"
