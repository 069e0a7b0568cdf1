"""A park's water as a fixed-flow-rate problem and as a cooperative game.

:func:`network_water` reads the water streams of a Network (canonical m3/yr, concentrations
from ``stream_quality``) as sinks and sources of :func:`design_water_allocation`, one plant
per organisation. :func:`water_game` values every coalition of plants by the freshwater it
saves when its plants may pipe water among themselves, against each plant on its own, so the
gain of water reuse can be shared with :mod:`symbiograph.allocate` (Shapley, nucleolus...).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from symbiograph.errors import InputError
from symbiograph.model import Network
from symbiograph.optimize._water import HOURS_PER_YEAR, t_per_h_to_m3_per_yr
from symbiograph.optimize._water_flows import design_water_allocation, water_sources_sinks

__all__ = ["WaterGame", "network_water", "water_game"]

#: Most plants whose 2**n coalitions are valued (one LP each).
MAX_WATER_PLAYERS = 12


def network_water(
    network: Network, attribute: str, hours_per_year: float = HOURS_PER_YEAR
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(sinks, sources) of the water streams of ``network`` for the contaminant
    ``attribute`` (a stream_quality attribute in mg/L = ppm, e.g. ``tss_mg_per_l``).

    Every water demand is a sink of its quantity (m3/yr) whose limit is the attribute's
    accepted maximum (none given: any water will do); every water supply is a source at its
    measured value (or, without one, its observed maximum). Plants are the streams'
    organisations; flows are converted to t/h over ``hours_per_year``. Raises InputError
    naming the supply whose concentration is unknown."""
    streams = network.streams
    kind = network.resources.set_index("id")["kind"]
    water = streams[streams["resource_id"].map(kind) == "water"]
    organisation = network.facilities.set_index("id")["organisation"]
    quality = network.stream_quality
    quality = quality[quality["attribute"] == attribute].drop_duplicates("stream_id")
    quality = quality.set_index("stream_id")
    supplies = water[water["direction"] == "supply"]
    demands = water[water["direction"] == "demand"]
    measured = quality["value"].reindex(supplies["id"])
    measured = measured.fillna(quality["max"].reindex(supplies["id"]))
    if measured.isna().any():
        sid = measured.index[np.flatnonzero(measured.isna().to_numpy())[0]]
        raise InputError(
            f"water supply {sid!r}: no {attribute} in stream_quality (value or max); the "
            "water problem needs every source's concentration"
        )
    limit = quality["max"].reindex(demands["id"]).to_numpy(dtype=float)
    loosest = float(np.nanmax(measured.to_numpy(dtype=float), initial=0.0))
    limit = np.where(np.isnan(limit), loosest, limit)

    def table(rows: pd.DataFrame, ppm: np.ndarray, what: str) -> pd.DataFrame:
        return water_sources_sinks(
            pd.DataFrame(
                {
                    "id": rows["id"].to_numpy(dtype=object),
                    "plant": organisation.reindex(rows["facility_id"]).to_numpy(dtype=object),
                    "flow_m3_per_yr": rows["quantity"].to_numpy(dtype=float),
                    "ppm": ppm,
                }
            ),
            what,
            hours_per_year=hours_per_year,
        )

    return (
        table(demands, limit, "sinks"),
        table(supplies, measured.to_numpy(dtype=float), "sources"),
    )


@dataclass(frozen=True)
class WaterGame:
    """The water-reuse game of some plants: ``players`` (plant names), ``values`` (v(S) in
    currency/yr for every coalition, indexed by bitmask: bit i = player i, v(empty) = 0),
    and ``freshwater_m3_per_yr`` (the freshwater each coalition needs, same indexing)."""

    players: list[str]
    values: np.ndarray
    freshwater_m3_per_yr: np.ndarray


def water_game(
    sinks: pd.DataFrame | Iterable[Mapping[str, Any]],
    sources: pd.DataFrame | Iterable[Mapping[str, Any]],
    freshwater_ppm: float = 0.0,
    price_per_m3: float = 1.0,
    inter_plant_penalty: float = 0.0,
    hours_per_year: float = HOURS_PER_YEAR,
) -> WaterGame:
    """The coalition game of water reuse between plants (see :func:`network_water` for
    the tables): v(S) = ``price_per_m3`` (currency per m3) x (freshwater the plants of S
    need on their own, summed, less what they need when they may pipe water among
    themselves), in currency/yr over ``hours_per_year``. Pass ``values`` to
    ``symbiograph.allocate`` (``shapley_exact``, ``nucleolus``...). Raises InputError above
    ``MAX_WATER_PLAYERS`` plants, InfeasibleDesign when a plant cannot be served alone."""
    k = water_sources_sinks(sinks, "sinks", hours_per_year=hours_per_year)
    s = water_sources_sinks(sources, "sources", hours_per_year=hours_per_year)
    players = sorted(set(k["plant"]) | set(s["plant"]))
    n = len(players)
    if n > MAX_WATER_PLAYERS:
        raise InputError(f"water game: {n} plants; at most {MAX_WATER_PLAYERS} can be tabulated")
    if not (np.isfinite(price_per_m3) and price_per_m3 >= 0):
        raise InputError(f"water game: price_per_m3 must be >= 0, got {price_per_m3}")
    member_k = np.array([players.index(p) for p in k["plant"]], dtype=np.int64)
    member_s = np.array([players.index(p) for p in s["plant"]], dtype=np.int64)
    fresh = np.zeros(1 << n)
    for mask in range(1, 1 << n):
        inside_k = (mask >> member_k) & 1 == 1
        if not inside_k.any():
            continue  # no sink, no freshwater
        inside_s = (mask >> member_s) & 1 == 1
        design = design_water_allocation(
            k[inside_k], s[inside_s], freshwater_ppm, inter_plant_penalty=inter_plant_penalty
        )
        fresh[mask] = t_per_h_to_m3_per_yr(design.freshwater_t_per_h, hours_per_year)
    alone = np.array([fresh[1 << i] for i in range(n)])
    masks = np.arange(1 << n)
    apart = np.array([alone[(m >> np.arange(n)) & 1 == 1].sum() for m in masks])
    saved = np.maximum(apart - fresh, 0.0)  # solver noise never makes cooperation cost
    return WaterGame(players, float(price_per_m3) * saved, fresh)
