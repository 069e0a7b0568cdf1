"""Compatibility rules, evaluated on whole tables of stream pairs at once.

Each rule returns, for every pair, the reason it fails ("" when it passes), so the same code
serves bulk matching (count the reasons) and ``explain`` (show them for one pair).
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

__all__ = [
    "HAZARDOUS_RECEIVER_NACE",
    "RULES",
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
    "receiver_sector",
    "time_overlap",
    "quality",
)

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
    cache: dict[str, int] = {}

    def one(text: str) -> int:
        if text in cache:
            return cache[text]
        mask = 0
        for part in text.replace(" ", "").split(","):
            if not part:
                continue
            if "-" in part:
                a, b = (int(x) for x in part.split("-", 1))
                span = range(a, b + 1) if a <= b else [*range(a, 13), *range(1, b + 1)]
            else:
                span = range(int(part), int(part) + 1)
            for m in span:
                if 1 <= m <= 12:
                    mask |= 1 << (m - 1)
        cache[text] = mask or full
        return cache[text]

    seasonal = (availability == "seasonal").to_numpy()
    out = np.full(len(availability), full, dtype=np.int64)
    if seasonal.any():
        out[seasonal] = [one(str(t)) for t in months.to_numpy()[seasonal]]
    return out


def quality_check(
    pairs: pd.DataFrame,
    supply_quality: pd.DataFrame,
    demand_ranges: pd.DataFrame,
    requirements: pd.DataFrame,
    fixes: pd.DataFrame,
    heat_loss_C_per_km: float,
) -> pd.DataFrame:
    """Check every pair's quality; returns per pair the failure, bridging and notes.

    ``pairs``: pair, supply_id, demand_id, archetype_id, kind, distance_km (route).
    ``supply_quality``: stream_id, attribute, value (measured). ``demand_ranges``: stream_id,
    attribute, min, max. ``requirements``: archetype_id, attribute, op, limit (what the
    by-product must meet). ``fixes``: pair, attribute (what the pair's pre-treatment fixes).
    Heat cools by ``heat_loss_C_per_km`` on the way, and a hotter supply may serve a cooler
    demand, never the other way round. Returns columns pair, failed (attribute or ""),
    heat_uphill (bool), bridged (bool), checked (text).
    """
    n = len(pairs)
    result = pd.DataFrame(
        {
            "pair": pairs["pair"].to_numpy(),
            "failed": pd.Series([""] * n, dtype=object),
            "heat_uphill": np.zeros(n, dtype=bool),
            "bridged": np.zeros(n, dtype=bool),
            "unverified": np.zeros(n, dtype=bool),
        }
    ).set_index("pair")
    if n == 0:
        return result.reset_index()
    checks = []
    if len(demand_ranges):
        dr = pairs[["pair", "supply_id", "demand_id", "kind", "distance_km"]].merge(
            demand_ranges.rename(columns={"stream_id": "demand_id"}), on="demand_id"
        )
        checks.append(dr)
    if len(requirements):
        req = pairs[["pair", "supply_id", "archetype_id", "kind", "distance_km"]].merge(
            requirements, on="archetype_id"
        )
        lim = req["limit"].to_numpy()
        op = req["op"].to_numpy()
        req["min"] = np.where(np.isin(op, [">=", ">", "="]), lim, np.nan)
        req["max"] = np.where(np.isin(op, ["<=", "<", "="]), lim, np.nan)
        checks.append(req.drop(columns=["op", "limit", "archetype_id"]))
    if not checks:
        return result.reset_index()
    allc = pd.concat(checks, ignore_index=True)[
        ["pair", "supply_id", "kind", "distance_km", "attribute", "min", "max"]
    ]
    allc = allc.merge(
        supply_quality.rename(columns={"stream_id": "supply_id"}),
        on=["supply_id", "attribute"],
        how="left",
    )
    value = allc["value"].to_numpy(dtype=float)
    is_heat = (allc["attribute"] == "temperature_C").to_numpy() & (
        allc["kind"] == "energy"
    ).to_numpy()
    value = np.where(is_heat, value - heat_loss_C_per_km * allc["distance_km"].to_numpy(), value)
    lo, hi = allc["min"].to_numpy(dtype=float), allc["max"].to_numpy(dtype=float)
    missing = np.isnan(value)
    too_low = ~missing & ~np.isnan(lo) & (value < lo)
    too_high = ~missing & ~np.isnan(hi) & (value > hi) & ~is_heat
    bad = too_low | too_high
    allc["bad"] = bad
    allc["uphill"] = too_low & is_heat
    allc["missing"] = missing
    if len(fixes):
        fixed = (
            allc[["pair", "attribute"]]
            .merge(fixes.assign(fixed=True), on=["pair", "attribute"], how="left")["fixed"]
            .fillna(False)
            .to_numpy(dtype=bool)
        )
    else:
        fixed = np.zeros(len(allc), dtype=bool)
    allc["bridged"] = bad & fixed & ~allc["uphill"].to_numpy()
    allc["fail"] = bad & ~allc["bridged"].to_numpy()
    grouped = allc.groupby("pair", sort=False)
    fails = allc[allc["fail"]].drop_duplicates("pair").set_index("pair")["attribute"]
    result.loc[fails.index, "failed"] = fails.to_numpy()
    result.loc[:, "heat_uphill"] = grouped["uphill"].any().reindex(result.index, fill_value=False)
    result.loc[:, "bridged"] = grouped["bridged"].any().reindex(result.index, fill_value=False)
    result.loc[:, "unverified"] = grouped["missing"].any().reindex(result.index, fill_value=False)
    return result.reset_index()
