"""Compatibility rules, evaluated on whole tables of stream pairs at once.

Each rule returns, for every pair, the reason it fails ("" when it passes), so the same code
serves bulk matching (count the reasons) and ``explain`` (show them for one pair).
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from symbiograph.model import months_available

__all__ = [
    "HAZARDOUS_RECEIVER_NACE",
    "RULES",
    "RULE_DESCRIPTIONS",
    "month_masks",
    "parse_requirements",
    "quality_check",
]

#: Rules in the order ``explain`` reports them.
RULES = (
    "resource_link",
    "distance",
    "same_facility",
    "hazardous_receiver",
    "giver_sector",
    "receiver_sector",
    "time_overlap",
    "quality",
)

#: What each rule checks, in words (the knowledge-base documentation lists them).
RULE_DESCRIPTIONS: dict[str, str] = {
    "resource_link": (
        "The supply's resource is the demand's resource, or an archetype links them: the "
        "supply's EWC code is listed (or its CPA code starts with a listed one) and the "
        "demand's CPA code starts with one of the archetype's demand_cpa codes; the resource "
        "kind must be the archetype's supply_kind. Every archetype that links the pair is a "
        "link of its own and is judged on all the rules below."
    ),
    "distance": (
        "Route km (great-circle km times the mode's detour factor) within the reach: the "
        "archetype's max_distance_km, else the mode's or the resource kind's default, capped "
        "by MatchSettings.max_km."
    ),
    "same_facility": "Supply and demand are at different facilities (unless allowed).",
    "hazardous_receiver": (
        "A hazardous resource goes only to a facility that accepts hazardous waste "
        "(accepts_hazardous, or a NACE class of hazardous-waste treatment)."
    ),
    "giver_sector": (
        "The supplying facility's NACE code starts with one of the archetype's giver_nace "
        "prefixes (empty = any sector)."
    ),
    "receiver_sector": (
        "The receiving facility's NACE code starts with one of the archetype's receiver_nace "
        "prefixes (empty = any sector)."
    ),
    "time_overlap": "The months in which supply and demand are available overlap.",
    "quality": (
        "The supply's quality values meet the demand's accepted ranges and the archetype's "
        "quality_requirements (heat after the loss along the pipe, never uphill); a value "
        "out of range passes when the archetype's pre-treatment fixes that attribute (its "
        "cost is then charged), unless the network runs that conversion as a plant process "
        "(a process with the supply's resource as an input and the demand's as an output, "
        "e.g. a water reclamation plant): then the supply reaches the demand only through "
        "the plant (reason through_process:<process id>), and a direct link passes only when "
        "the supply meets the limits as it is. A value the supply does not report is "
        "unknown: never a pass, but it does not reject the pair; the candidate is marked "
        "quality_unverified."
    ),
    "economics": (
        "Not a filter: the candidate's money and CO2e per unit and per year; score = annual "
        "net benefit + carbon price x annual CO2e avoided. Of the archetypes that pass for one "
        "stream pair, the one with the highest score is kept (ties: verified quality first, "
        "then the archetype id in alphabetical order)."
    ),
}

#: NACE prefixes of facilities licensed to receive hazardous waste (treatment and disposal
#: of hazardous waste, materials recovery).
HAZARDOUS_RECEIVER_NACE = ("38.22", "38.3", "39.00")

_REQ = re.compile(r"^\s*([A-Za-z0-9_]+)\s*(>=|<=|>|<|=)\s*([-+0-9.eE]+)\s*$")


def parse_requirements(text: str) -> list[tuple[str, str, float]]:
    """``"purity_pct>=90;moisture_pct<=10"`` -> [("purity_pct", ">=", 90.0), ...]."""
    out: list[tuple[str, str, float]] = []
    for part in (text or "").split(";"):
        if not part.strip():
            continue
        m = _REQ.match(part)
        if not m:
            raise ValueError(f"cannot read quality requirement {part!r}")
        out.append((m.group(1), m.group(2), float(m.group(3))))
    return out


def month_masks(availability: pd.Series, months: pd.Series) -> np.ndarray:
    """A 12-bit mask of the months each stream is available (continuous = all 12)."""
    full = (1 << 12) - 1
    bits = 1 << np.arange(12)
    seasonal = (availability == "seasonal").to_numpy()
    out = np.full(len(availability), full, dtype=np.int64)
    if seasonal.any():
        texts = months.to_numpy()[seasonal]
        codes, unique = pd.factorize(pd.Series(texts, dtype=object).astype(str))
        per_text = np.array([int(bits[months_available(t)].sum()) for t in unique], dtype=np.int64)
        out[seasonal] = per_text[codes]
    return out


def quality_check(
    pairs: pd.DataFrame,
    supply_quality: pd.DataFrame,
    demand_ranges: pd.DataFrame,
    requirements: pd.DataFrame,
    fixes: pd.DataFrame,
    heat_attribute: int,
    heat_loss_C_per_km: float,
    blendable: bool = False,
) -> pd.DataFrame:
    """Check every pair's quality; returns per pair the failure, bridging and notes.

    All keys are integers (stream positions, link numbers, attribute codes) so the joins stay
    fast at millions of pairs. ``pairs``: pair, s, d, link, is_energy, route_km.
    ``supply_quality``: s, attribute, value (measured). ``demand_ranges``: d, attribute, min,
    max. ``requirements``: link, attribute, min, max (what the by-product must meet).
    ``fixes``: link, attribute (what the link's pre-treatment brings into range). Heat cools
    by ``heat_loss_C_per_km`` on the way, and a hotter supply may serve a cooler demand, never
    the other way round. With ``blendable``, a supply outside a demand's accepted range (not
    heat, not an archetype requirement) is kept and marked ``needs_blend``: the design must
    then mix it with better supplies so the flow-weighted blend is in range. Returns pair,
    failed (attribute code or -1), heat_uphill, bridged, unverified, needs_blend.
    """
    n = len(pairs)
    result = pd.DataFrame(
        {
            "pair": pairs["pair"].to_numpy(),
            "failed": np.full(n, -1, dtype=np.int64),
            "heat_uphill": np.zeros(n, dtype=bool),
            "bridged": np.zeros(n, dtype=bool),
            "unverified": np.zeros(n, dtype=bool),
            "needs_blend": np.zeros(n, dtype=bool),
        }
    )
    if n == 0:
        return result
    base = pairs[["pair", "s", "d", "link", "is_energy", "route_km"]]
    checks = []
    if len(demand_ranges):
        checks.append(base.merge(demand_ranges, on="d").assign(from_demand=True))
    if len(requirements):
        checks.append(base.merge(requirements, on="link").assign(from_demand=False))
    if not checks:
        return result
    allc = pd.concat(checks, ignore_index=True)
    allc = allc.merge(supply_quality, on=["s", "attribute"], how="left")
    attr = allc["attribute"].to_numpy()
    is_heat = (attr == heat_attribute) & allc["is_energy"].to_numpy(dtype=bool)
    value = allc["value"].to_numpy(dtype=float)
    value = np.where(is_heat, value - heat_loss_C_per_km * allc["route_km"].to_numpy(), value)
    lo, hi = allc["min"].to_numpy(dtype=float), allc["max"].to_numpy(dtype=float)
    missing = np.isnan(value)
    too_low = ~missing & ~np.isnan(lo) & (value < lo)
    too_high = ~missing & ~np.isnan(hi) & (value > hi) & ~is_heat
    bad = too_low | too_high
    uphill = too_low & is_heat
    if len(fixes):
        fixed = (
            allc[["link", "attribute"]]
            .merge(fixes.assign(fixed=True), on=["link", "attribute"], how="left")["fixed"]
            .fillna(False)
            .to_numpy(dtype=bool)
        )
    else:
        fixed = np.zeros(len(allc), dtype=bool)
    bridged = bad & fixed & ~uphill
    fail = bad & ~bridged
    blend = np.zeros(len(allc), dtype=bool)
    if blendable:
        blend = fail & allc["from_demand"].to_numpy(dtype=bool) & ~is_heat
        fail = fail & ~blend
    pair = allc["pair"].to_numpy()
    positions = pd.Index(result["pair"]).get_indexer(pair)
    failed = result["failed"].to_numpy().copy()
    # the first failing attribute of each pair (rows are in a stable order)
    fail_rows = np.flatnonzero(fail)
    if fail_rows.size:
        order = fail_rows[::-1]
        failed[positions[order]] = attr[order]
    result["failed"] = failed
    flagged = (
        ("heat_uphill", uphill),
        ("bridged", bridged),
        ("unverified", missing),
        ("needs_blend", blend),
    )
    for name, flags in flagged:
        hit = np.zeros(n, dtype=bool)
        hit[positions[flags]] = True
        result[name] = hit
    return result
