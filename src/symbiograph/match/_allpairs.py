"""The straightforward way: compare every supply with every demand.

This is how most published matching tools work (a loop or a full distance matrix over
supplies x demands). It is kept as a reference implementation: tests check that the
k-d tree search returns exactly the same candidates, and the benchmark measures the gap.
Work and memory grow as supplies x demands, so it is for small networks only.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from symbiograph.match._candidates import (
    MatchResult,
    _context,
    _evaluate,
    _finish,
    _limit,
)
from symbiograph.match._geo import great_circle_km
from symbiograph.match._knowledge import knowledge_base
from symbiograph.match._settings import MatchSettings
from symbiograph.model import Network

__all__ = ["find_candidates_all_pairs"]


def find_candidates_all_pairs(
    network: Network,
    settings: MatchSettings | None = None,
    archetypes: pd.DataFrame | None = None,
    block: int = 2048,
) -> MatchResult:
    """Candidates by checking all supply x demand pairs (blocks of ``block`` supplies)."""
    settings = settings or MatchSettings()
    archetypes = knowledge_base(network, archetypes)
    ctx = _context(network, settings, archetypes)
    st = ctx.streams
    res_ids = pd.Index(pd.unique(st["resource_id"]))
    n_res = len(res_ids)
    # a resource pair may be linked by several archetypes: one link matrix per level
    link_of: list[np.ndarray] = []
    limits = np.zeros(len(ctx.links))
    detours = np.ones(len(ctx.links))
    for k, link in ctx.links.iterrows():
        a, b = res_ids.get_indexer([link["supply_resource"], link["demand_resource"]])
        if a >= 0 and b >= 0:
            level = next((m for m in link_of if m[a, b] < 0), None)
            if level is None:
                level = np.full((n_res, n_res), -1, dtype=np.int64)
                link_of.append(level)
            level[a, b] = int(k)
        limits[int(k)], detours[int(k)] = _limit(ctx, settings, link)
    res_pos = res_ids.get_indexer(st["resource_id"])
    lat, lon = st["lat"].to_numpy(), st["lon"].to_numpy()
    dp = ctx.demand_pos
    parts = []
    for start in range(0, len(ctx.supply_pos), block):
        sp = ctx.supply_pos[start : start + block]
        km = great_circle_km(lat[sp][:, None], lon[sp][:, None], lat[dp][None, :], lon[dp][None, :])
        for level in link_of:
            links = level[res_pos[sp][:, None], res_pos[dp][None, :]]
            safe = np.maximum(links, 0)
            ok = (links >= 0) & (km * detours[safe] <= limits[safe] + 1e-9)
            i, j = np.nonzero(ok)
            if len(i):
                k = links[i, j]
                parts.append(
                    pd.DataFrame(
                        {
                            "s": sp[i],
                            "d": dp[j],
                            "link": k,
                            "limit_km": limits[k],
                            "detour": detours[k],
                        }
                    )
                )
    pairs = (
        pd.concat(parts, ignore_index=True)
        if parts
        else pd.DataFrame({"s": [], "d": [], "link": [], "limit_km": [], "detour": []})
    )
    table, reasons = _evaluate(ctx, pairs, settings, network.parameters)
    result = _finish(table, reasons, settings)
    result.links = ctx.links
    return result
