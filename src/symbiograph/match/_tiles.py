"""Matching a registry too large for one process: its streams split into spatial tiles, each
tile matched as a task of an executor, the candidates merged.

A tile owns the supplies of the facilities in one square cell of ``tile_km`` (on an
equirectangular projection about the registry's mean latitude) and holds, besides them,
every demand within the halo: the largest reach of any resource link (route limit over
detour factor, km), found exactly with a k-d tree on the unit sphere. Every candidate
belongs to one supply, every supply to one tile, and every demand a supply can reach is in
its tile, so each tile finds exactly its supplies' candidates (ranks included) and the
merge has no duplicates. Sorted as single-process matching sorts (supply stream, best score
first, demand stream, in the registry's stream order) and numbered again, the merged table
equals :func:`find_candidates`'s row for row, bit for bit.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from symbiograph.errors import InputError, SymbiographError
from symbiograph.match._candidates import (
    MatchResult,
    _mark_inferred,
    candidate_ids,
    coded_resources,
    coded_resources_with_proposals,
    link_reach,
    match_streams,
)
from symbiograph.match._economics import mode_table
from symbiograph.match._geo import EARTH_RADIUS_KM, chord_for_km, unit_vectors
from symbiograph.match._knowledge import knowledge_base
from symbiograph.match._links import resource_links
from symbiograph.match._settings import MatchSettings
from symbiograph.model import Network
from symbiograph.tasks import Executor, InProcess, Progress, ShouldStop

__all__ = ["Tile", "find_candidates_tiled", "largest_reach_km", "spatial_tiles"]


@dataclass(frozen=True)
class Tile:
    """One tile: its grid ``cell`` (column, row of ``tile_km`` squares), the positions (in
    the network's stream table, ascending) of the ``supplies`` it owns and of the
    ``demands`` within the halo of those supplies."""

    cell: tuple[int, int]
    supplies: np.ndarray
    demands: np.ndarray

    @property
    def key(self) -> str:
        """The tile's task key, ``tile-<column>-<row>``."""
        return f"tile-{self.cell[0]}-{self.cell[1]}"

    @property
    def streams(self) -> np.ndarray:
        """Positions of every stream the tile holds, ascending."""
        return np.union1d(self.supplies, self.demands)


def largest_reach_km(
    network: Network,
    settings: MatchSettings | None = None,
    archetypes: pd.DataFrame | None = None,
) -> float:
    """The longest straight-line distance (km) at which any resource link of ``network``
    may match a pair: the largest route limit over detour factor. ``archetypes`` is the
    resolved knowledge base (default: ``knowledge_base(network)``)."""
    settings = settings or MatchSettings()
    if archetypes is None:
        archetypes = knowledge_base(network)
    resources, _ = coded_resources(network, settings, archetypes)
    links = resource_links(resources, archetypes, settings.use_archetypes)
    return float(_reach(network, settings, links)["reach_km"].max()) if len(links) else 0.0


def _reach(network: Network, settings: MatchSettings, links: pd.DataFrame) -> pd.DataFrame:
    """The straight-line reach (km) of each resource link: supply_resource,
    demand_resource, reach_km."""
    from symbiograph.taxonomy import transport_mode_defaults

    modes = mode_table(network.transport_modes, transport_mode_defaults())
    rows = []
    for link in links.itertuples(index=False):
        limit, detour = link_reach(modes, settings, pd.Series(link._asdict()))
        rows.append((str(link.supply_resource), str(link.demand_resource), limit / detour))
    return pd.DataFrame(rows, columns=["supply_resource", "demand_resource", "reach_km"])


def _groups(codes: np.ndarray, count: int) -> tuple[np.ndarray, np.ndarray]:
    """(positions ordered by code, start of each code's run) for codes 0..count-1."""
    order = np.argsort(codes, kind="stable")
    starts = np.searchsorted(codes[order], np.arange(count + 1))
    return order, starts


def _members(order: np.ndarray, starts: np.ndarray, chosen: np.ndarray) -> np.ndarray:
    """The positions of every code in ``chosen``, ascending."""
    lengths = starts[chosen + 1] - starts[chosen]
    total = int(lengths.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    begin = np.repeat(starts[chosen] - np.cumsum(lengths) + lengths, lengths)
    return np.sort(order[begin + np.arange(total)])


def spatial_tiles(network: Network, tile_km: float, halo_km: float | pd.DataFrame) -> list[Tile]:
    """``network``'s supplies split by the ``tile_km`` square cell of their facility, each
    tile with every demand whose facility lies within the halo (great-circle km) of one of
    its supplies' facilities. ``halo_km`` is one distance for every pair, or a table of
    reaches by resource pair (columns ``supply_resource``, ``demand_resource``,
    ``reach_km``): a tile then holds a demand when it is within the reach of a pair of
    resources from one of its supplies (the largest, when a pair is listed twice; a pair
    not listed cannot match). The halo is taken 1e-6 relative wider, so no pair at the
    edge of a reach is missed. Tiles in cell order; cells without supplies are left out."""
    if not (math.isfinite(tile_km) and tile_km > 0):
        raise InputError(f"tile_km must be a positive number of km, not {tile_km!r}")
    facilities = network.facilities
    streams = network.streams
    fpos = pd.Index(facilities["id"]).get_indexer(streams["facility_id"])
    if (fpos < 0).any():
        raise InputError("a stream names a facility that is not in the facilities table")
    lat = facilities["lat"].to_numpy(dtype=float)
    lon = facilities["lon"].to_numpy(dtype=float)
    if not (np.isfinite(lat).all() and np.isfinite(lon).all()):
        raise InputError("every facility needs a finite lat and lon to be tiled")
    lat0 = math.radians(float(lat.mean())) if len(lat) else 0.0
    column = np.floor(np.radians(lon) * EARTH_RADIUS_KM * math.cos(lat0) / tile_km)
    row = np.floor(np.radians(lat) * EARTH_RADIUS_KM / tile_km)
    direction = streams["direction"].to_numpy()
    resource = streams["resource_id"].to_numpy().astype(str)
    supply_pos = np.flatnonzero(direction == "supply")
    demand_pos = np.flatnonzero(direction == "demand")
    if not len(supply_pos):
        return []
    vectors = unit_vectors(lat, lon)

    def radius(km: float) -> float:
        if not km >= 0:
            raise InputError(f"a halo must be >= 0 km, not {km!r}")
        return float(chord_for_km(km)) * (1 + 1e-6) + 1e-9

    # the demands a tile may need, in groups (one per demand resource, or one of all), each
    # with a k-d tree of its facilities and its streams grouped by facility
    groups: dict[str, np.ndarray] = {}
    reach: dict[str, list[tuple[str, float]]] = {}
    if isinstance(halo_km, pd.DataFrame):
        for r in np.unique(resource[demand_pos]):
            groups[str(r)] = demand_pos[resource[demand_pos] == r]
        table = halo_km.groupby(["supply_resource", "demand_resource"], sort=True)["reach_km"].max()
        for (sr, dr), km in table.items():
            reach.setdefault(str(sr), []).append((str(dr), radius(float(km))))
    else:
        groups["*"] = demand_pos
        reach["*"] = [("*", radius(float(halo_km)))]
    rings = {}
    for name, members in groups.items():
        demand_fac, code = np.unique(fpos[members], return_inverse=True)
        order, starts = _groups(code.reshape(-1), len(demand_fac))
        rings[name] = (cKDTree(vectors[demand_fac]), members, order, starts)
    cells = np.column_stack((column[fpos[supply_pos]], row[fpos[supply_pos]])).astype(np.int64)
    unique_cells, cell_code = np.unique(cells, axis=0, return_inverse=True)
    s_order, s_starts = _groups(cell_code.reshape(-1), len(unique_cells))
    tiles = []
    for c, (col, rw) in enumerate(unique_cells):
        owned = supply_pos[np.sort(s_order[s_starts[c] : s_starts[c + 1]])]
        kinds = resource[owned] if "*" not in reach else np.full(len(owned), "*")
        found = [np.zeros(0, dtype=np.int64)]
        for sr in np.unique(kinds):
            sources = vectors[np.unique(fpos[owned[kinds == sr]])]
            for dr, r in reach.get(str(sr), []):
                if dr not in rings:
                    continue
                tree, members, order, starts = rings[dr]
                near = tree.query_ball_point(sources, r)
                hit = np.unique(np.concatenate([np.asarray(n, dtype=np.int64) for n in near]))
                found.append(members[_members(order, starts, hit)])
        demands = np.unique(np.concatenate(found))
        tiles.append(Tile(cell=(int(col), int(rw)), supplies=owned, demands=demands))
    return tiles


def _tile_network(network: Network, resources: pd.DataFrame, positions: np.ndarray) -> Network:
    """The part of ``network`` a tile's matching reads: its streams (in the network's
    order), their facilities and quality rows, every resource, modes and parameters."""
    streams = network.streams.iloc[positions].reset_index(drop=True)
    used = pd.unique(streams["facility_id"])
    facilities = network.facilities[network.facilities["id"].isin(used)].reset_index(drop=True)
    quality = network.stream_quality
    quality = quality[quality["stream_id"].isin(streams["id"])].reset_index(drop=True)
    return Network(
        parameters=dict(network.parameters),
        resources=resources,
        facilities=facilities,
        streams=streams,
        stream_quality=quality,
        transport_modes=network.transport_modes,
    )


def _match_tile(
    job: tuple[Network, MatchSettings, pd.DataFrame | None, pd.DataFrame, pd.DataFrame],
) -> tuple[pd.DataFrame, pd.Series, float]:
    """A task: one tile matched with the registry's coded resources and links; returns
    (its candidates, its rejections, seconds)."""
    start = time.perf_counter()
    network, settings, archetypes, coded, links = job
    empty = pd.DataFrame(columns=["resource_id", "side", "archetype_id", "code", "confidence"])
    result = match_streams(network, settings, archetypes, coded=(coded, empty), links=links)
    return result.candidates, result.rejected, time.perf_counter() - start


def find_candidates_tiled(
    network: Network,
    settings: MatchSettings | None = None,
    archetypes: pd.DataFrame | None = None,
    *,
    tile_km: float = 50.0,
    executor: Executor | None = None,
    progress: Progress | None = None,
    should_stop: ShouldStop | None = None,
) -> MatchResult:
    """:func:`find_candidates` over spatial tiles of ``tile_km`` (km a side), each tile a
    task of ``executor`` (default in this process), with a halo of the largest link reach.
    Returns the same candidates as single-process matching, in the same order with the same
    ids, and the same rejection counts (sorted by count, then reason); timings (s) of the
    tiling, of every tile (``tile_s_max``, ``tile_s_sum``) and of the merge."""
    settings = settings or MatchSettings()
    archetypes = knowledge_base(network, archetypes)
    t0 = time.perf_counter()
    coded, inferred, proposals = coded_resources_with_proposals(network, settings, archetypes)
    links = resource_links(coded, archetypes, settings.use_archetypes)
    halo = _reach(network, settings, links)
    tiles = spatial_tiles(network, tile_km, halo)
    t1 = time.perf_counter()
    if not tiles:
        result = match_streams(network, settings, archetypes, progress, (coded, inferred), links)
        result.timings["tiles"] = 0.0
        result.proposals = proposals
        return result
    jobs: list[Any] = [
        (_tile_network(network, coded, tile.streams), settings, archetypes, coded, links)
        for tile in tiles
    ]
    t2 = time.perf_counter()
    runner = executor or InProcess()
    parts = runner.map(
        _match_tile,
        jobs,
        keys=[tile.key for tile in tiles],
        progress=progress,
        should_stop=should_stop,
    )
    t3 = time.perf_counter()
    frames = [frame for frame, _, _ in parts if len(frame)]
    candidates = pd.concat(frames, ignore_index=True) if frames else parts[0][0]
    index = pd.Index(network.streams["id"])
    s = index.get_indexer(candidates["supply_id"])
    d = index.get_indexer(candidates["demand_id"])
    order = np.lexsort((d, -candidates["score"].to_numpy(dtype=float), s))
    candidates = candidates.iloc[order].reset_index(drop=True)
    pairs = s[order].astype(np.int64) * max(len(index), 1) + d[order]
    if len(np.unique(pairs)) != len(pairs):
        raise SymbiographError("tiled matching found a stream pair in two tiles (a bug)")
    candidates["candidate_id"] = candidate_ids(len(candidates))
    candidates = _mark_inferred(candidates, inferred)
    counts = [r for _, r, _ in parts if len(r)]
    if counts:
        summed = pd.concat(counts).groupby(level=0).sum()
        frame = summed.rename_axis("reason").reset_index(name="pairs")
        frame = frame.sort_values(["pairs", "reason"], ascending=[False, True], kind="stable")
        rejected = pd.Series(
            frame["pairs"].to_numpy(), index=pd.Index(frame["reason"].to_numpy(), dtype=object)
        ).rename("pairs")
    else:
        rejected = parts[0][1]
    seconds = [t for _, _, t in parts]
    t4 = time.perf_counter()
    return MatchResult(
        candidates=candidates,
        rejected=rejected,
        links=links,
        timings={
            "tiling_s": t1 - t0,
            "split_s": t2 - t1,
            "tiles_s": t3 - t2,
            "merge_s": t4 - t3,
            "tiles": float(len(tiles)),
            "halo_km_max": float(halo["reach_km"].max()) if len(halo) else 0.0,
            "tile_s_max": max(seconds),
            "tile_s_sum": sum(seconds),
        },
        inferred=inferred,
        proposals=proposals,
    )
