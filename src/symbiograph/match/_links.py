"""Which resources can feed which: the same resource, or an archetype substitution.

Links are made between resources (a few hundred), never between streams, so this costs
nothing at scale; streams are paired later only within a link and a distance.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from symbiograph.match._settings import DEFAULT_MODE

__all__ = ["LINK_COLUMNS", "archetype_side_matches", "resource_links", "split_list"]

LINK_COLUMNS = [
    "supply_resource",
    "demand_resource",
    "kind",
    "link",
    "archetype_id",
    "archetype_name",
    "substitution_ratio",
    "factor_ratio",
    "mode",
    "archetype_max_km",
    "pretreatment",
    "pretreatment_cost_per_unit",
    "pretreatment_co2e_kg_per_unit",
    "pretreatment_fixes",
    "quality_requirements",
    "giver_nace",
    "receiver_nace",
    "virgin_factor_id",
    "disposal_factor_id",
]


def split_list(text: object) -> tuple[str, ...]:
    """A semicolon-separated cell as a tuple of stripped items (empty cell -> ())."""
    if not isinstance(text, str):
        return ()
    return tuple(item.strip() for item in text.split(";") if item.strip())


def _code_matches(code: str, patterns: tuple[str, ...]) -> bool:
    """True if ``code`` equals or starts with one of ``patterns`` (code prefixes)."""
    return bool(code) and any(code == p or code.startswith(p) for p in patterns)


def archetype_side_matches(
    resources: pd.DataFrame, archetypes: pd.DataFrame, side: str
) -> pd.DataFrame:
    """Pairs (resource id, archetype id) where the resource fits the archetype's ``side``.

    Supply side: the resource's EWC code is listed, or its CPA code starts with a listed
    prefix. Demand side: its CPA code starts with one of the archetype's demand CPA codes.
    The resource kind must match the archetype's supply kind on both sides.
    """
    rows: list[tuple[str, str]] = []
    for arch in archetypes.itertuples(index=False):
        ewc = split_list(getattr(arch, "supply_ewc", ""))
        cpa = split_list(getattr(arch, f"{side}_cpa", ""))
        kind = str(getattr(arch, "supply_kind", ""))
        for res in resources.itertuples(index=False):
            if kind and res.kind != kind and res.kind != "utility":
                continue
            if side == "supply":
                hit = (bool(res.ewc_code) and res.ewc_code in ewc) or _code_matches(
                    res.cpa_code, cpa
                )
            else:
                hit = _code_matches(res.cpa_code, cpa)
            if hit:
                rows.append((res.id, arch.id))
    return pd.DataFrame(rows, columns=["resource_id", "archetype_id"])


def _from_archetype(archetype_id: str, arch: pd.Series) -> dict[str, object]:
    return {
        "archetype_id": archetype_id,
        "archetype_name": arch["name"],
        "substitution_ratio": float(arch["substitution_ratio"]),
        "factor_ratio": float(arch["substitution_ratio"]),
        "mode": str(arch["typical_mode"]) or "",
        "archetype_max_km": float(arch["max_distance_km"]),
        "pretreatment": str(arch["pretreatment"]),
        "pretreatment_cost_per_unit": float(arch["pretreatment_cost_per_unit"]),
        "pretreatment_co2e_kg_per_unit": float(arch["pretreatment_co2e_kg_per_unit"]),
        "pretreatment_fixes": split_list(arch["pretreatment_fixes"]),
        "quality_requirements": str(arch["quality_requirements"]),
        "giver_nace": split_list(arch["giver_nace"]),
        "receiver_nace": split_list(arch["receiver_nace"]),
        "virgin_factor_id": str(arch["virgin_factor_id"]),
        "disposal_factor_id": str(arch["disposal_factor_id"]),
    }


def _plain(kind: str) -> dict[str, object]:
    return {
        "archetype_id": "",
        "archetype_name": "",
        "substitution_ratio": 1.0,
        "factor_ratio": 1.0,
        "mode": DEFAULT_MODE.get(kind, "truck"),
        "archetype_max_km": np.nan,
        "pretreatment": "",
        "pretreatment_cost_per_unit": 0.0,
        "pretreatment_co2e_kg_per_unit": 0.0,
        "pretreatment_fixes": (),
        "quality_requirements": "",
        "giver_nace": (),
        "receiver_nace": (),
        "virgin_factor_id": "",
        "disposal_factor_id": "",
    }


def resource_links(
    resources: pd.DataFrame, archetypes: pd.DataFrame | None, use_archetypes: bool = True
) -> pd.DataFrame:
    """Every (supply resource, demand resource) pair that can be exchanged, with its terms.

    A resource always links to itself (``link`` = "same resource", ratio 1); when an archetype
    describes that resource its mode, distance and emission factors are used. Archetypes also
    link a by-product to a different input it replaces (``link`` = "archetype"): one row per
    archetype, so a pair of resources linked by several archetypes has several rows.
    """
    arch = archetypes if (archetypes is not None and use_archetypes) else None
    kinds = resources.set_index("id")["kind"]
    supply_side = (
        archetype_side_matches(resources, arch, "supply") if arch is not None else pd.DataFrame()
    )
    demand_side = (
        archetype_side_matches(resources, arch, "demand") if arch is not None else pd.DataFrame()
    )
    by_id = arch.set_index("id") if arch is not None else None
    rows: list[dict[str, object]] = []
    first_arch = (
        supply_side.drop_duplicates("resource_id").set_index("resource_id")["archetype_id"]
        if len(supply_side)
        else pd.Series(dtype=object)
    )
    for rid in resources["id"]:
        if by_id is not None and rid in first_arch.index:
            # the resource is described by an archetype: use its mode, reach and factors,
            # but not its substitution ratio or sectors (it is the same resource)
            terms = _from_archetype(first_arch[rid], by_id.loc[first_arch[rid]])
            # the same resource can go to any use its archetypes describe: take the longest
            # typical reach among them
            describing = supply_side.loc[supply_side["resource_id"] == rid, "archetype_id"]
            reach = by_id.loc[describing, "max_distance_km"].astype(float).max()
            terms.update(
                substitution_ratio=1.0, giver_nace=(), receiver_nace=(), archetype_max_km=reach
            )
            terms["mode"] = terms["mode"] or DEFAULT_MODE.get(kinds[rid], "truck")
        else:
            terms = _plain(str(kinds[rid]))
        rows.append(
            {
                "supply_resource": rid,
                "demand_resource": rid,
                "kind": kinds[rid],
                "link": "same resource",
                **terms,
            }
        )
    if by_id is not None and len(supply_side) and len(demand_side):
        pairs = supply_side.merge(demand_side, on="archetype_id", suffixes=("_s", "_d"))
        pairs = pairs[pairs["resource_id_s"] != pairs["resource_id_d"]]
        # every archetype that links a pair of resources is a link of its own: each is
        # judged on its own rules and the best one that passes is kept per stream pair
        pairs = pairs.drop_duplicates(["resource_id_s", "resource_id_d", "archetype_id"])
        for s, a, d in pairs[["resource_id_s", "archetype_id", "resource_id_d"]].itertuples(
            index=False
        ):
            terms = _from_archetype(a, by_id.loc[a])
            terms["mode"] = terms["mode"] or DEFAULT_MODE.get(kinds[s], "truck")
            rows.append(
                {
                    "supply_resource": s,
                    "demand_resource": d,
                    "kind": kinds[s],
                    "link": "archetype",
                    **terms,
                }
            )
    return pd.DataFrame(rows, columns=LINK_COLUMNS)
