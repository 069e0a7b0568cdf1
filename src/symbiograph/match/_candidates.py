"""Candidate generation: stream pairs within reach, checked, costed, scored and explained."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from symbiograph.match._documented import (
    apply_documented_routes,
    documented,
    documented_link_costs,
)
from symbiograph.match._economics import mode_table, price_pairs
from symbiograph.match._geo import chord_for_km, great_circle_km, unit_vectors
from symbiograph.match._knowledge import knowledge_base
from symbiograph.match._links import resource_links
from symbiograph.match._listing_codes import (
    INFERRED_COLUMNS,
    PROPOSAL_COLUMNS,
    propose_listing_codes,
)
from symbiograph.match._rules import (
    HAZARDOUS_RECEIVER_NACE,
    RULES,
    month_masks,
    parse_requirements,
    quality_check,
)
from symbiograph.match._settings import MatchSettings
from symbiograph.model import Network, output_columns

__all__ = ["CANDIDATE_COLUMNS", "MatchResult", "Progress", "explain_pair", "find_candidates"]

Progress = Callable[[int, int], None]

#: The columns of the candidate table, in order: the schema's ``candidates`` output rows.
CANDIDATE_COLUMNS = output_columns("candidates")


@dataclass
class MatchResult:
    """Candidates (one row per feasible supply -> demand pair), why others were rejected,
    the resource links used, and the time each step took (s)."""

    candidates: pd.DataFrame
    rejected: pd.Series
    links: pd.DataFrame
    timings: dict[str, float] = field(default_factory=dict)
    inferred: pd.DataFrame = field(default_factory=pd.DataFrame)
    proposals: pd.DataFrame = field(default_factory=pd.DataFrame)


@dataclass
class _Context:
    """Per-stream arrays (positional) and reference tables the rules need."""

    streams: pd.DataFrame
    supply_pos: np.ndarray
    demand_pos: np.ndarray
    vectors: np.ndarray
    links: pd.DataFrame
    modes: pd.DataFrame
    factors: pd.Series
    requirements: pd.DataFrame
    fixes: pd.DataFrame
    supply_quality: pd.DataFrame
    demand_ranges: pd.DataFrame
    attributes: pd.Index
    inferred: pd.DataFrame
    documented: pd.DataFrame
    proposals: pd.DataFrame
    #: the conversions the network's plant processes make: supply_resource (an input's),
    #: demand_resource (an output's), process_id (see :func:`plant_conversions`)
    plants: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(
            {"supply_resource": [], "demand_resource": [], "process_id": []}
        )
    )


def _frame(columns: dict[str, Any]) -> pd.DataFrame:
    """A DataFrame that keeps object arrays as object columns.

    pandas 3 would otherwise convert every array of Python strings to its Arrow string type,
    which costs more than all the matching work on a million pairs.
    """
    return pd.DataFrame(
        {
            k: pd.Series(v, dtype=object) if isinstance(v, np.ndarray) and v.dtype == object else v
            for k, v in columns.items()
        }
    )


def _take(st: pd.DataFrame, column: str, positions: np.ndarray) -> Any:
    """Column values at ``positions``: a numpy array, or an object Series for text."""
    values = st[column].to_numpy()[positions]
    return pd.Series(values, dtype=object) if values.dtype == object else values


def _prefix_mask(codes: np.ndarray, prefixes: tuple[str, ...]) -> np.ndarray:
    """True where a code starts with one of ``prefixes``, testing each distinct code once."""
    unique, inverse = np.unique(np.asarray(codes, dtype=str), return_inverse=True)
    hit = np.array([u.startswith(prefixes) for u in unique], dtype=bool)
    return hit[inverse] if len(unique) else np.zeros(len(codes), dtype=bool)


def _hazardous(resources: pd.DataFrame) -> np.ndarray:
    """Hazardous resources: flagged so, or coded with a hazardous (asterisk) EWC entry."""
    from symbiograph.taxonomy import is_hazardous_ewc

    flag = resources["hazardous"].to_numpy(dtype=bool)
    if "ewc_code" not in resources.columns:
        return flag
    codes = resources["ewc_code"].fillna("").astype(str)
    return flag | codes.map(is_hazardous_ewc).to_numpy(dtype=bool)


def coded_resources(
    network: Network, settings: MatchSettings, archetypes: pd.DataFrame | None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(the resources with missing codes inferred from their text, what was inferred) when
    ``settings.infer_codes`` (and archetypes are used), else (the resources, nothing); see
    :func:`coded_resources_with_proposals`."""
    resources, inferred, _ = coded_resources_with_proposals(network, settings, archetypes)
    return resources, inferred


def coded_resources_with_proposals(
    network: Network, settings: MatchSettings, archetypes: pd.DataFrame | None
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(resources with missing codes inferred, what was inferred with its method and
    reason, the listing classifier's top-3 proposals per classified resource). Uncoded
    supplied materials are classified from their text first (the facility's NACE code as
    the prior, calibrated, kept above the threshold); the rest by the archetype texts."""
    st = network.streams
    resources = network.resources
    inferred = pd.DataFrame(columns=INFERRED_COLUMNS)
    proposals = pd.DataFrame(columns=PROPOSAL_COLUMNS)
    if settings.infer_codes and archetypes is not None and settings.use_archetypes:
        from symbiograph.match._text import infer_resource_codes

        # uncoded supplied materials: the listing classifier first (NACE prior, calibrated)
        resources, by_listing, proposals = propose_listing_codes(
            resources, network.streams, network.facilities
        )
        direction = st["direction"].to_numpy()
        resources, by_archetype_text = infer_resource_codes(
            resources,
            set(st["resource_id"].to_numpy()[direction == "supply"]),
            set(st["resource_id"].to_numpy()[direction == "demand"]),
            settings.min_text_confidence,
        )
        by_archetype_text = by_archetype_text.assign(
            method="archetype text",
            reason="closest archetype text " + by_archetype_text["archetype_id"].astype(str),
        )
        parts = [t for t in (by_listing, by_archetype_text) if len(t)]
        if parts:
            inferred = pd.concat(parts, ignore_index=True)[INFERRED_COLUMNS]
    return resources, inferred, proposals


def _context(
    network: Network,
    settings: MatchSettings,
    archetypes: pd.DataFrame | None,
    coded: tuple[pd.DataFrame, pd.DataFrame] | None = None,
    links: pd.DataFrame | None = None,
) -> _Context:
    """The per-stream arrays and reference tables of ``network``. ``coded`` is (resources
    with inferred codes filled, what was inferred) when a caller inferred them already for a
    larger network (tiled matching), ``links`` its resource links; the resources' own codes
    still decide hazard."""
    from symbiograph.taxonomy import emission_factors, transport_mode_defaults

    fac = network.facilities.set_index("id")
    res = network.resources.set_index("id")
    st = network.streams.reset_index(drop=True)
    fpos = fac.index.get_indexer(st["facility_id"])
    rpos = res.index.get_indexer(st["resource_id"])
    accepts = (
        fac["accepts_hazardous"].to_numpy(dtype=bool)
        if "accepts_hazardous" in fac.columns
        else np.zeros(len(fac), dtype=bool)
    )
    nace = fac["nace_code"].to_numpy(dtype=object)
    # a process's input without a market price replaces no virgin purchase: what arrives is
    # turned into the process's outputs, whose takers avoid the virgin production
    ports = network.process_ports
    into = ports.loc[ports["direction"] == "in", "stream_id"]
    through = st["id"].isin(set(into)).to_numpy() & np.isnan(st["price"].to_numpy(dtype=float))
    streams = _frame(
        {
            "id": st["id"].to_numpy(),
            "facility_id": st["facility_id"].to_numpy(),
            "resource_id": st["resource_id"].to_numpy(),
            "organisation": fac["organisation"].to_numpy()[fpos],
            "facility_name": fac["name"].to_numpy()[fpos],
            "resource_name": res["name"].to_numpy()[rpos],
            "nace": nace[fpos],
            "accepts_hazardous": accepts[fpos] | _prefix_mask(nace, HAZARDOUS_RECEIVER_NACE)[fpos],
            "kind": res["kind"].to_numpy()[rpos],
            "unit": res["unit"].to_numpy()[rpos],
            "hazardous": _hazardous(res)[rpos],
            "quantity": st["quantity"].to_numpy(dtype=float),
            "price": st["price"].to_numpy(dtype=float),
            "disposal_route": st["disposal_route"].to_numpy(),
            "months": month_masks(st["availability"], st["months"]),
            "lat": fac["lat"].to_numpy(dtype=float)[fpos],
            "lon": fac["lon"].to_numpy(dtype=float)[fpos],
            "through_process": through,
        }
    )
    supply_pos = np.flatnonzero((st["direction"] == "supply").to_numpy())
    demand_pos = np.flatnonzero((st["direction"] == "demand").to_numpy())
    if coded is not None:
        resources, inferred = coded
        proposals = pd.DataFrame(columns=PROPOSAL_COLUMNS)
    else:
        resources, inferred, proposals = coded_resources_with_proposals(
            network, settings, archetypes
        )
    if links is None:
        links = resource_links(resources, archetypes, settings.use_archetypes)
    modes = mode_table(network.transport_modes, transport_mode_defaults())
    ef = emission_factors()
    factors = ef.set_index("id")["kg_co2e_per_unit"].astype(float)
    sq = network.stream_quality
    stream_pos = pd.Index(st["id"])
    req_rows = []
    if archetypes is not None:
        for aid, text in zip(archetypes["id"], archetypes["quality_requirements"], strict=True):
            for attr, op, limit in parse_requirements(str(text) if isinstance(text, str) else ""):
                low = limit if op in (">=", ">", "=") else np.nan
                high = limit if op in ("<=", "<", "=") else np.nan
                req_rows.append((aid, attr, low, high))
    by_archetype = pd.DataFrame(req_rows, columns=["archetype_id", "attribute", "min", "max"])
    fix_rows = [(k, attr) for k, fixes in enumerate(links["pretreatment_fixes"]) for attr in fixes]
    names = pd.Index(
        sorted(set(sq["attribute"]) | set(by_archetype["attribute"]) | {a for _, a in fix_rows})
    )
    if "temperature_C" not in names:
        names = names.append(pd.Index(["temperature_C"]))
    # archetype requirements apply to substitutions; a same-resource trade is held to the
    # demand's own accepted ranges
    arch_links = pd.DataFrame(
        {"link": np.arange(len(links)), "archetype_id": links["archetype_id"].to_numpy()}
    )[(links["link"] == "archetype").to_numpy()]
    requirements = arch_links.merge(by_archetype, on="archetype_id")[
        ["link", "attribute", "min", "max"]
    ]
    requirements["attribute"] = names.get_indexer(requirements["attribute"])
    fixes_table = pd.DataFrame(fix_rows, columns=["link", "attribute"])
    fixes_table["attribute"] = names.get_indexer(fixes_table["attribute"])
    positions = stream_pos.get_indexer(sq["stream_id"])
    is_supply = (st["direction"].to_numpy()[positions] == "supply") & (positions >= 0)
    value = sq["value"].to_numpy(dtype=float)
    mid = (sq["min"].to_numpy(dtype=float) + sq["max"].to_numpy(dtype=float)) / 2
    supply_quality = pd.DataFrame(
        {
            "s": positions[is_supply],
            "attribute": names.get_indexer(sq["attribute"])[is_supply],
            "value": np.where(np.isnan(value), mid, value)[is_supply],
        }
    )
    has_range = sq["min"].notna().to_numpy() | sq["max"].notna().to_numpy()
    pick = ~is_supply & has_range & (positions >= 0)
    demand_ranges = pd.DataFrame(
        {
            "d": positions[pick],
            "attribute": names.get_indexer(sq["attribute"])[pick],
            "min": sq["min"].to_numpy(dtype=float)[pick],
            "max": sq["max"].to_numpy(dtype=float)[pick],
        }
    )
    return _Context(
        streams=streams,
        supply_pos=supply_pos,
        demand_pos=demand_pos,
        vectors=unit_vectors(streams["lat"].to_numpy(), streams["lon"].to_numpy()),
        links=links,
        modes=modes,
        factors=factors,
        requirements=requirements,
        fixes=fixes_table,
        supply_quality=supply_quality,
        demand_ranges=demand_ranges,
        attributes=names,
        inferred=inferred,
        proposals=proposals,
        documented=documented(network.exchanges),
        plants=plant_conversions(network),
    )


def plant_conversions(network: Network) -> pd.DataFrame:
    """What the network's plant processes turn into what: one row per process, input
    resource and output resource (supply_resource, demand_resource, process_id), so that a
    direct link between the two resources cannot borrow the plant's treatment as its own
    pre-treatment (see RULE_DESCRIPTIONS['quality'])."""
    ports = network.process_ports
    if not len(ports):
        return pd.DataFrame({"supply_resource": [], "demand_resource": [], "process_id": []})
    resource = network.streams.drop_duplicates("id").set_index("id")["resource_id"]
    table = ports.assign(resource=ports["stream_id"].map(resource).to_numpy(dtype=object))
    ins = table[table["direction"] == "in"][["process_id", "resource"]]
    outs = table[table["direction"] == "out"][["process_id", "resource"]]
    pairs = ins.merge(outs, on="process_id", suffixes=("_in", "_out"))
    pairs = pairs[pairs["resource_in"] != pairs["resource_out"]]
    return (
        pd.DataFrame(
            {
                "supply_resource": pairs["resource_in"].to_numpy(dtype=object),
                "demand_resource": pairs["resource_out"].to_numpy(dtype=object),
                "process_id": pairs["process_id"].to_numpy(dtype=object),
            }
        )
        .drop_duplicates(["supply_resource", "demand_resource"])
        .reset_index(drop=True)
    )


def _limit(ctx: _Context, settings: MatchSettings, link: pd.Series) -> tuple[float, float]:
    """(route limit km, detour factor) for a link."""
    return link_reach(ctx.modes, settings, link)


def link_reach(
    modes: pd.DataFrame, settings: MatchSettings, link: pd.Series
) -> tuple[float, float]:
    """(route limit km, detour factor) of one resource link under ``settings``, with the
    transport ``modes`` table (``mode_table``) giving the detour factors."""
    limit = settings.mode_limit(str(link["mode"]))
    by_kind = settings.max_km_by_kind.get(str(link["kind"]))
    if by_kind is not None:
        limit = by_kind
    arch_km = float(link["archetype_max_km"])
    if settings.use_archetype_distance and np.isfinite(arch_km) and arch_km > 0:
        # a substitution has its archetype's reach; the same resource the longest of its uses
        limit = arch_km if link["link"] == "archetype" else max(limit, arch_km)
    if settings.max_km is not None:
        limit = min(limit, settings.max_km)
    detour = float(modes["detour_factor"].get(str(link["mode"]), 1.0))
    return limit, (detour if np.isfinite(detour) and detour > 0 else 1.0)


def _spatial_pairs(
    ctx: _Context, settings: MatchSettings, progress: Progress | None
) -> pd.DataFrame:
    """Stream pairs within each link's reach, found with k-d trees per resource."""
    st = ctx.streams
    sup_by_res = pd.Series(ctx.supply_pos).groupby(st["resource_id"].to_numpy()[ctx.supply_pos])
    dem_by_res = pd.Series(ctx.demand_pos).groupby(st["resource_id"].to_numpy()[ctx.demand_pos])
    sup_groups = {k: v.to_numpy() for k, v in sup_by_res}
    dem_groups = {k: v.to_numpy() for k, v in dem_by_res}
    trees: dict[tuple[str, str], cKDTree] = {}

    def tree(side: str, rid: str, pos: np.ndarray) -> cKDTree:
        key = (side, rid)
        if key not in trees:
            trees[key] = cKDTree(ctx.vectors[pos])
        return trees[key]

    parts = []
    total = len(ctx.links)
    for k, link in enumerate(ctx.links.itertuples(index=False)):
        sp = sup_groups.get(link.supply_resource)
        dp = dem_groups.get(link.demand_resource)
        if progress is not None:
            progress(k + 1, total)
        if sp is None or dp is None:
            continue
        limit, detour = _limit(ctx, settings, pd.Series(link._asdict()))
        radius = float(chord_for_km(limit / detour)) * (1 + 1e-9) + 1e-12
        if len(sp) * len(dp) <= 4096:
            diff = ctx.vectors[sp][:, None, :] - ctx.vectors[dp][None, :, :]
            close = np.sqrt((diff**2).sum(axis=2)) <= radius
            i, j = np.nonzero(close)
        else:
            found = tree("s", link.supply_resource, sp).sparse_distance_matrix(
                tree("d", link.demand_resource, dp), radius, output_type="ndarray"
            )
            i, j = found["i"], found["j"]
        if len(i) == 0:
            continue
        parts.append(
            pd.DataFrame(
                {
                    "s": sp[i],
                    "d": dp[j],
                    "link": np.full(len(i), k),
                    "limit_km": limit,
                    "detour": detour,
                }
            )
        )
    if not parts:
        return pd.DataFrame({"s": [], "d": [], "link": [], "limit_km": [], "detour": []})
    return pd.concat(parts, ignore_index=True)


def _evaluate(
    ctx: _Context,
    pairs: pd.DataFrame,
    settings: MatchSettings,
    parameters: dict[str, Any],
    every_rule: bool = False,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Apply every rule to ``pairs`` (columns s, d, link, limit_km, detour).

    Quality is checked only for the pairs that pass the cheap rules, unless ``every_rule``
    (``explain``, which shows every obstacle at once).

    Returns (the pair table with money, CO2e and reasons, the per-rule reasons table).
    """
    st = ctx.streams
    s = pairs["s"].to_numpy(dtype=np.int64)
    d = pairs["d"].to_numpy(dtype=np.int64)
    link_no = pairs["link"].to_numpy(dtype=np.int64)
    links = _frame(
        {
            col: (
                values[link_no] if values.dtype.kind in "fiub" else values.astype(object)[link_no]
            )
            for col in ctx.links.columns
            for values in [ctx.links[col].to_numpy()]
        }
    )
    distance = great_circle_km(
        _take(st, "lat", s),
        _take(st, "lon", s),
        _take(st, "lat", d),
        _take(st, "lon", d),
    )
    route = distance * pairs["detour"].to_numpy(dtype=float)
    n = len(pairs)
    table = _frame(
        {
            "pair": np.arange(n),
            "_s": s,
            "_d": d,
            "supply_id": _take(st, "id", s),
            "demand_id": _take(st, "id", d),
            "kind": _take(st, "kind", s),
            "distance_km": distance,
            "route_km": route,
            "archetype_id": links["archetype_id"].to_numpy(dtype=object),
            "mode": links["mode"].to_numpy(dtype=object),
        }
    )
    # a pair that trades today goes by its documented mode and route, whatever its reach
    table, running = apply_documented_routes(table, ctx.documented, ctx.modes)
    route = table["route_km"].to_numpy(dtype=float)
    reasons = pd.DataFrame({rule: np.array([""] * n, dtype=object) for rule in RULES})
    too_far = (route > pairs["limit_km"].to_numpy(dtype=float) + 1e-9) & ~running
    reasons.loc[too_far, "distance"] = "too_far"
    same = _take(st, "facility_id", s) == _take(st, "facility_id", d)
    if not settings.allow_same_facility:
        reasons.loc[same, "same_facility"] = "same_facility"
    haz = _take(st, "hazardous", s) & ~_take(st, "accepts_hazardous", d)
    reasons.loc[haz, "hazardous_receiver"] = "hazardous_not_accepted"
    nace_codes, nace_of = np.unique(st["nace"].to_numpy(dtype=str), return_inverse=True)
    for rule, column, side in (
        ("giver_sector", "giver_nace", s),
        ("receiver_sector", "receiver_nace", d),
    ):
        sector_ok = np.ones(n, dtype=bool)
        for k, prefixes in enumerate(ctx.links[column]):
            if not prefixes:
                continue
            rows = np.flatnonzero(link_no == k)
            if rows.size:
                allowed = _prefix_mask(nace_codes, tuple(prefixes))
                sector_ok[rows] = allowed[nace_of[side[rows]]]
        reasons.loc[~sector_ok, rule] = rule
    # a documented exchange that runs today proves its sectors give and take it: when no
    # archetype linking the pair admits them, the sector rules do not refuse it
    sectors = (reasons["giver_sector"] == "") & (reasons["receiver_sector"] == "")
    pair_key = pd.Series(s.astype(np.int64) * (int(d.max(initial=0)) + 1) + d.astype(np.int64))
    admitted = sectors.groupby(pair_key.to_numpy()).transform("any").to_numpy()
    waived = running & ~admitted
    reasons.loc[waived, ["giver_sector", "receiver_sector"]] = ""
    overlap = (_take(st, "months", s) & _take(st, "months", d)) != 0
    reasons.loc[~overlap, "time_overlap"] = "no_time_overlap"
    # quality, only for pairs that passed the cheap rules
    alive = (reasons == "").all(axis=1).to_numpy() | every_rule
    link_no = pairs["link"].to_numpy(dtype=np.int64)
    checked = pd.DataFrame(
        {
            "pair": np.flatnonzero(alive),
            "s": s[alive],
            "d": d[alive],
            "link": link_no[alive],
            "is_energy": (_take(st, "kind", s) == "energy").to_numpy()[alive],
            "route_km": route[alive],
        }
    )
    q = quality_check(
        checked,
        ctx.supply_quality,
        ctx.demand_ranges,
        ctx.requirements,
        ctx.fixes,
        int(ctx.attributes.get_loc("temperature_C")),
        settings.heat_loss_C_per_km,
        blendable=settings.allow_blending,
    )
    failed = np.full(n, -1, dtype=np.int64)
    failed[q["pair"].to_numpy()] = q["failed"].to_numpy()
    uphill = np.zeros(n, dtype=bool)
    uphill[q["pair"].to_numpy()] = q["heat_uphill"].to_numpy()
    names = np.asarray(ctx.attributes, dtype=object)
    quality_reason = np.where(
        uphill,
        "heat_uphill",
        np.where(failed >= 0, "quality:" + names[np.maximum(failed, 0)].astype(str), ""),
    )
    reasons["quality"] = pd.Series(quality_reason.astype(object), dtype=object)
    bridged = np.zeros(n, dtype=bool)
    bridged[q["pair"].to_numpy()] = q["bridged"].to_numpy()
    if len(ctx.plants) and bridged.any():
        # a treatment the park runs as a plant process is not also a pre-treatment of a
        # direct link: the supply needs it, so it goes through the plant
        plant = ctx.plants.set_index(["supply_resource", "demand_resource"])["process_id"]
        via = pd.MultiIndex.from_arrays([_take(st, "resource_id", s), _take(st, "resource_id", d)])
        process = plant.reindex(via).to_numpy(dtype=object)
        through = bridged & pd.notna(process) & (reasons["quality"] == "").to_numpy()
        if through.any():
            reasons.loc[through, "quality"] = "through_process:" + process[through].astype(str)
            bridged = bridged & ~through
    unverified = np.zeros(n, dtype=bool)
    unverified[q["pair"].to_numpy()] = q["unverified"].to_numpy()
    table["bridged"] = bridged
    table["quality_unverified"] = unverified
    needs_blend = np.zeros(n, dtype=bool)
    needs_blend[q["pair"].to_numpy()] = q["needs_blend"].to_numpy()
    table["needs_blend"] = needs_blend
    ratio = links["substitution_ratio"].to_numpy(dtype=float)
    table["supply_price"] = _take(st, "price", s)
    table["demand_price"] = _take(st, "price", d)
    table["disposal_route"] = _take(st, "disposal_route", s)
    table["substitution_ratio"] = ratio
    table["max_flow"] = np.minimum(_take(st, "quantity", s), _take(st, "quantity", d) / ratio)
    for col in (
        "link",
        "factor_ratio",
        "pretreatment",
        "pretreatment_cost_per_unit",
        "pretreatment_co2e_kg_per_unit",
        "virgin_factor_id",
        "disposal_factor_id",
    ):
        table[col] = pd.Series(links[col].to_numpy(), dtype=links[col].dtype)
    through = _take(st, "through_process", d)
    if through.any():
        table["virgin_factor_id"] = table["virgin_factor_id"].where(~through, "")
    links_today, capex_share, operating = documented_link_costs(table, ctx.documented, parameters)
    table = price_pairs(
        table,
        ctx.modes,
        ctx.factors,
        parameters,
        settings.heat_loss_share_per_km,
        capex_share=capex_share,
        operating=operating,
    )
    for col in links_today.columns:
        table[col] = links_today[col]
    table["supply_facility"] = _take(st, "facility_id", s)
    table["demand_facility"] = _take(st, "facility_id", d)
    table["supply_organisation"] = _take(st, "organisation", s)
    table["demand_organisation"] = _take(st, "organisation", d)
    table["supply_resource"] = _take(st, "resource_id", s)
    table["demand_resource"] = _take(st, "resource_id", d)
    table["unit"] = _take(st, "unit", s)
    table["_supply_name"] = _take(st, "resource_name", s)
    table["_from"] = _take(st, "facility_name", s)
    table["_to"] = _take(st, "facility_name", d)
    return table, reasons


def _explanations(table: pd.DataFrame) -> pd.Series:
    """One line per candidate: what goes from whom to whom, why it fits, what it earns.

    The cost breakdown stays in its own columns; formatting floats is the costly part of
    matching a million streams, so the line carries only the headline figures.
    """
    unit = table["unit"].to_numpy(dtype=object)
    amount = (
        np.array([u.split("/")[0] for u in unit], dtype=object)
        if len(unit) < 64
        else (
            pd.Series(unit, dtype=object)
            .map({u: u.split("/")[0] for u in set(unit)})
            .to_numpy(dtype=object)
        )
    )
    via = np.where(
        table["link"].to_numpy() == "archetype",
        "replaces " + table["demand_resource"].astype(str).to_numpy(dtype=object),
        "same resource",
    )
    treated = table["treatment_cost_per_unit"].to_numpy() > 0
    via = np.where(
        treated, via + "; after " + table["pretreatment"].astype(str).to_numpy(dtype=object), via
    )
    via = np.where(table["needs_blend"].to_numpy(dtype=bool), via + "; only in a blend", via)
    head = (
        table["_supply_name"].to_numpy(dtype=object)
        + " from "
        + table["_from"].to_numpy(dtype=object)
        + " to "
        + table["_to"].to_numpy(dtype=object)
        + ": "
        + via
    )
    lines = [
        f"{h}; {km:.1f} km by {mode}; net {net:.2f} per {a}; {co2:.3f} t CO2e per {a}; up to {flow:.0f} {u}"
        for h, km, mode, net, a, co2, flow, u in zip(
            head.tolist(),
            table["route_km"].to_numpy().tolist(),
            table["mode"].to_numpy(dtype=object).tolist(),
            table["net_benefit_per_unit"].to_numpy().tolist(),
            amount.tolist(),
            table["co2e_t_per_unit"].to_numpy().tolist(),
            table["max_flow"].to_numpy().tolist(),
            table["unit"].to_numpy(dtype=object).tolist(),
            strict=True,
        )
    ]
    return pd.Series(lines, index=table.index, dtype=object)


def find_candidates(
    network: Network,
    settings: MatchSettings | None = None,
    archetypes: pd.DataFrame | None = None,
    progress: Progress | None = None,
) -> MatchResult:
    """Every feasible supply -> demand exchange in ``network``, costed, scored and explained.

    Candidates are the pairs of streams whose resources link (same resource or an archetype
    substitution) within the mode's reach (route km), with compatible quality, time and
    permits. Money is in the scenario currency per canonical unit (t, MWh, m3) and per year;
    CO2e in t. ``score`` is the annual net benefit plus the carbon price times the annual
    CO2e avoided; ``rank_in_supply`` ranks the candidates of each supply (1 = best).

    The archetypes are ``archetypes`` (default: the shipped knowledge base) with the
    scenario's own ``archetypes`` table applied (``knowledge_base``). Every archetype that
    links a pair of resources is judged on its own rules; of those that pass, the one with
    the highest score is kept per stream pair (ties: verified quality first, then the
    archetype id in alphabetical order). A missing quality value does not reject a pair: it
    is marked ``quality_unverified``.
    """
    settings = settings or MatchSettings()
    return match_streams(network, settings, knowledge_base(network, archetypes), progress)


def match_streams(
    network: Network,
    settings: MatchSettings,
    archetypes: pd.DataFrame | None,
    progress: Progress | None = None,
    coded: tuple[pd.DataFrame, pd.DataFrame] | None = None,
    links: pd.DataFrame | None = None,
) -> MatchResult:
    """:func:`find_candidates` with the knowledge base ``archetypes`` already resolved and,
    for a tile of a larger network, the resources' inferred codes (``coded``) and their
    links (``links``) already found."""
    t0 = time.perf_counter()
    ctx = _context(network, settings, archetypes, coded, links)
    t1 = time.perf_counter()
    pairs = _spatial_pairs(ctx, settings, progress)
    t2 = time.perf_counter()
    table, reasons = _evaluate(ctx, pairs, settings, network.parameters)
    t3 = time.perf_counter()
    result = _finish(table, reasons, settings)
    t4 = time.perf_counter()
    result.links = ctx.links
    result.inferred = ctx.inferred
    result.proposals = ctx.proposals
    result.candidates = _mark_inferred(result.candidates, ctx.inferred)
    result.timings = {
        "prepare_s": t1 - t0,
        "pairs_s": t2 - t1,
        "rules_s": t3 - t2,
        "output_s": t4 - t3,
    }
    return result


def _pair_keys(table: pd.DataFrame) -> np.ndarray:
    """One integer per stream pair (supply position, demand position)."""
    s = table["_s"].to_numpy(dtype=np.int64)
    d = table["_d"].to_numpy(dtype=np.int64)
    width = int(d.max()) + 1 if len(d) else 1
    return s * width + d


def _first_of_each(keys: np.ndarray, order: np.ndarray) -> np.ndarray:
    """Positions (in ``order``) of the first row of each run of equal ``keys[order]``."""
    if not len(order):
        return order
    ordered = keys[order]
    return order[np.r_[True, ordered[1:] != ordered[:-1]]]


def best_per_pair(table: pd.DataFrame) -> pd.DataFrame:
    """The best passing link of each stream pair, when several archetypes link it.

    Best = the highest ``score`` (annual net benefit plus the carbon value of the CO2e
    avoided); on a tie, the link whose quality is verified (no unknown value) before one that
    is not, then the archetype id in alphabetical order. The choice does not depend on the
    order of the archetype table, so it is deterministic.
    """
    if len(table) < 2:
        return table
    keys = _pair_keys(table)
    archetype_rank = pd.factorize(table["archetype_id"].astype(str).to_numpy(), sort=True)[0]
    order = np.lexsort(
        (
            archetype_rank,
            table["quality_unverified"].to_numpy(dtype=bool),
            -table["score"].to_numpy(dtype=float),
            keys,
        )
    )
    return table.iloc[np.sort(_first_of_each(keys, order))]


def _rejections(table: pd.DataFrame, first: np.ndarray, stage: np.ndarray) -> pd.Series:
    """Stream pairs in reach that no link passes, counted by why.

    A pair linked by several archetypes counts once, with the reason of the link that came
    closest to passing (whose first failing rule comes latest in ``RULES``).
    """
    ok = first == ""
    keys = _pair_keys(table)
    refused = ~ok & ~np.isin(keys, keys[ok])
    rows = np.flatnonzero(refused)
    order = rows[np.lexsort((rows, -stage[rows], keys[rows]))]
    chosen = _first_of_each(keys, order)
    return pd.Series(first[chosen], dtype=object).value_counts().rename("pairs")


def _finish(table: pd.DataFrame, reasons: pd.DataFrame, settings: MatchSettings) -> MatchResult:
    """Drop rejected pairs (counting why), keep the best link per stream pair, rank, keep the
    top N, explain."""
    first = np.array([""] * len(reasons), dtype=object)
    stage = np.full(len(reasons), len(RULES), dtype=np.int64)
    for number, rule in reversed(list(enumerate(RULES))):
        col = reasons[rule].to_numpy(dtype=object)
        first = np.where(col != "", col, first)
        stage = np.where(col != "", number, stage)
    ok = first == ""
    rejected = _rejections(table, first, stage)
    kept = best_per_pair(table.loc[ok])
    order = np.lexsort((kept["_d"].to_numpy(), -kept["score"].to_numpy(), kept["_s"].to_numpy()))
    kept = kept.iloc[order].reset_index(drop=True)
    supply_codes = kept["_s"].to_numpy()
    new_group = (
        np.r_[True, supply_codes[1:] != supply_codes[:-1]] if len(kept) else np.zeros(0, bool)
    )
    group_start = np.maximum.accumulate(np.where(new_group, np.arange(len(kept)), 0))
    kept["rank_in_supply"] = np.arange(len(kept)) - group_start + 1
    if settings.top is not None:
        kept = kept[kept["rank_in_supply"] <= settings.top]
    kept = kept.reset_index(drop=True)
    kept["explanation"] = _explanations(kept) if len(kept) else pd.Series(dtype=object)
    kept["candidate_id"] = candidate_ids(len(kept))
    kept["inferred_code"] = pd.Series([""] * len(kept), index=kept.index, dtype=object)
    return MatchResult(candidates=kept[CANDIDATE_COLUMNS], rejected=rejected, links=pd.DataFrame())


def candidate_ids(count: int) -> pd.Series:
    """Candidate ids ``C0000001``, ``C0000002``, ... in table order (object Series)."""
    numbers = np.arange(1, count + 1).astype(str)
    ids = np.char.add("C", np.char.zfill(numbers, 7)) if count else numbers
    return pd.Series(ids.astype(object), dtype=object)


def _mark_inferred(candidates: pd.DataFrame, inferred: pd.DataFrame) -> pd.DataFrame:
    """Fill ``inferred_code``: the inferred code(s) a candidate rests on, with probability,
    method and reason ('' when both resources were coded in the scenario)."""
    out = candidates.copy()
    if not len(inferred) or not len(out):
        return out
    notes: dict[tuple[str, str], str] = {}
    for row in inferred.itertuples(index=False):
        notes[(str(row.resource_id), str(row.side))] = (
            f"{row.side} {row.resource_id} -> {row.code} (p={float(row.confidence):.2f}, "
            f"{row.method}: {row.reason})"
        )
    supply = out["supply_resource"].astype(str).map(lambda r: notes.get((r, "supply"), ""))
    demand = out["demand_resource"].astype(str).map(lambda r: notes.get((r, "demand"), ""))
    both = ["; ".join(x for x in (s, d) if x) for s, d in zip(supply, demand, strict=True)]
    out["inferred_code"] = pd.Series(both, index=out.index, dtype=object)
    return out


#: Order of verdicts and outcomes in ``explain_pair`` (failing first).
_VERDICTS = {"fail": 0, "unknown": 1, "pass": 2}
_OUTCOMES = {"fails": 0, "passes": 1, "kept": 2}


def explain_pair(
    network: Network,
    supply_id: str,
    demand_id: str,
    settings: MatchSettings | None = None,
    archetypes: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Why ``supply_id`` is or is not matched to ``demand_id``: every archetype, every rule.

    One row per link considered (each archetype that links the two resources, or the plain
    same-resource trade) and rule. Columns: ``archetype_id`` ('' when no archetype is
    involved), ``outcome`` of that link ('kept': the best one that passes, which is the
    candidate; 'passes': passes, but a better one is kept; 'fails'), ``rule``, ``verdict``
    ('fail', 'unknown' or 'pass'), ``passed`` (verdict is 'pass') and ``detail``. Links that
    fail come first and the kept one last; within a link, failing rules first, then unknown,
    then passing ones. Every rule is evaluated so a user sees every obstacle at once. A
    quality value the supply does not report is 'unknown': never a pass, but it does not
    reject the pair either (the candidate is marked ``quality_unverified``).
    """
    settings = settings or MatchSettings()
    archetypes = knowledge_base(network, archetypes)
    ctx = _context(network, settings, archetypes)
    ids = pd.Index(ctx.streams["id"])
    for sid, want in ((supply_id, "supply"), (demand_id, "demand")):
        if sid not in ids:
            raise KeyError(f"no stream {sid!r} in the network")
        direction = network.streams.set_index("id").loc[sid, "direction"]
        if direction != want:
            raise ValueError(f"stream {sid!r} is a {direction}, not a {want}")
    s, d = int(ids.get_loc(supply_id)), int(ids.get_loc(demand_id))
    st = ctx.streams
    match = ctx.links[
        (ctx.links["supply_resource"] == st.at[s, "resource_id"])
        & (ctx.links["demand_resource"] == st.at[d, "resource_id"])
    ]
    linked = bool(len(match))
    if linked:
        positions = [int(k) for k in match.index]
    else:
        plain = resource_links(
            network.resources[network.resources["id"] == st.at[s, "resource_id"]], None
        ).iloc[0]
        ctx.links = pd.concat([ctx.links, plain.to_frame().T], ignore_index=True)
        positions = [len(ctx.links) - 1]
    reach = [_limit(ctx, settings, ctx.links.loc[k]) for k in positions]
    pairs = pd.DataFrame(
        {
            "s": [s] * len(positions),
            "d": [d] * len(positions),
            "link": positions,
            "limit_km": [limit for limit, _ in reach],
            "detour": [detour for _, detour in reach],
        }
    )
    table, reasons = _evaluate(ctx, pairs, settings, network.parameters, every_rule=True)
    passing = (reasons == "").all(axis=1).to_numpy() & linked
    kept_rows = set(best_per_pair(table[passing])["pair"].tolist()) if passing.any() else set()
    blocks: list[tuple[int, int, list[tuple[str, str, str, str, str]]]] = []
    for i, link_pos in enumerate(positions):
        link = ctx.links.loc[link_pos]
        outcome = "kept" if i in kept_rows else ("passes" if passing[i] else "fails")
        archetype = str(link["archetype_id"] or "")
        rows: list[tuple[str, str, str, str, str]] = []
        if linked:
            detail = (
                f"same resource {st.at[s, 'resource_id']!r}"
                if link["link"] == "same resource"
                else f"archetype {link['archetype_id']} ({link['archetype_name']}): "
                f"{st.at[s, 'resource_id']} replaces {st.at[d, 'resource_id']} at ratio "
                f"{link['substitution_ratio']:g}"
            )
            rows.append((archetype, outcome, "resource_link", "pass", detail))
        else:
            archetype = ""
            rows.append(
                (
                    archetype,
                    outcome,
                    "resource_link",
                    "fail",
                    f"{st.at[s, 'resource_id']!r} ({st.at[s, 'kind']}) cannot replace "
                    f"{st.at[d, 'resource_id']!r} ({st.at[d, 'kind']}): not the same resource "
                    "and no archetype links their codes",
                )
            )
        route = float(table.at[i, "route_km"])
        details = _rule_details(ctx, settings, s, d, link, link_pos, route, reach[i][0])
        for rule in RULES[1:]:
            reason = str(reasons.at[i, rule])
            text = details[rule]
            if rule == "time_overlap" and reason:
                text = "the supply and the demand are available in different months"
            verdict = "fail" if reason else "pass"
            if rule == "quality" and not reason and bool(table.at[i, "quality_unverified"]):
                verdict = "unknown"
            rows.append(
                (archetype, outcome, rule, verdict, f"{reason}: {text}" if reason else text)
            )
        if passing[i]:
            line = _explanations(table.iloc[[i]].reset_index(drop=True)).iloc[0]
            if outcome == "kept" and int(passing.sum()) > 1:
                line = f"kept: the best score of {int(passing.sum())} passing archetypes; {line}"
            rows.append((archetype, outcome, "economics", "pass", line))
        rows.sort(key=lambda row: _VERDICTS[row[3]])  # stable: RULES order within a verdict
        blocks.append((_OUTCOMES[outcome], i, rows))
    blocks.sort(key=lambda block: (block[0], block[1]))
    out = pd.DataFrame(
        [row for _, _, rows in blocks for row in rows],
        columns=["archetype_id", "outcome", "rule", "verdict", "detail"],
    )
    out.insert(4, "passed", out["verdict"] == "pass")
    return out


def _rule_details(
    ctx: _Context,
    settings: MatchSettings,
    s: int,
    d: int,
    link: pd.Series,
    link_pos: int,
    route: float,
    limit: float,
) -> dict[str, str]:
    """What each rule compared for one pair and link, in words."""
    st = ctx.streams
    return {
        "distance": f"{route:.1f} km route by {link['mode']} (limit {limit:g} km)",
        "same_facility": f"{st.at[s, 'facility_id']} -> {st.at[d, 'facility_id']}",
        "hazardous_receiver": (
            "hazardous resource; receiver "
            + ("holds" if st.at[d, "accepts_hazardous"] else "does not hold")
            + " a permit"
            if st.at[s, "hazardous"]
            else "not hazardous (not flagged, and no hazardous EWC code)"
        ),
        "giver_sector": (
            f"giver NACE {st.at[s, 'nace']}; archetype allows "
            f"{', '.join(link['giver_nace']) or 'any'}"
        ),
        "receiver_sector": (
            f"receiver NACE {st.at[d, 'nace']}; archetype allows "
            f"{', '.join(link['receiver_nace']) or 'any'}"
        ),
        "time_overlap": "availability months overlap",
        "quality": _quality_detail(ctx, s, d, link_pos, route, settings),
    }


def _quality_detail(
    ctx: _Context, s: int, d: int, link_no: int, route_km: float, settings: MatchSettings
) -> str:
    """The quality comparison of one pair in words."""
    names = ctx.attributes
    sq = ctx.supply_quality[ctx.supply_quality["s"] == s].set_index("attribute")["value"]
    dr = ctx.demand_ranges[ctx.demand_ranges["d"] == d]
    is_energy = ctx.streams.at[s, "kind"] == "energy"
    parts = []
    for row in dr.itertuples(index=False):
        value = float(sq.get(row.attribute, np.nan))
        name = names[row.attribute]
        if name == "temperature_C" and is_energy and np.isfinite(value):
            value = value - settings.heat_loss_C_per_km * route_km
        needs = f"needs [{row.min:g}, {row.max:g}]"
        parts.append(
            f"{name} unknown ({needs})" if np.isnan(value) else f"{name}={value:g} {needs}"
        )
    req = ctx.requirements[ctx.requirements["link"] == link_no]
    for row in req.itertuples(index=False):
        value = float(sq.get(row.attribute, np.nan))
        name = names[row.attribute]
        if np.isnan(row.min):
            limit = f"<= {row.max:g}"
        elif np.isnan(row.max):
            limit = f">= {row.min:g}"
        else:
            limit = f"in [{row.min:g}, {row.max:g}]"
        parts.append(
            f"archetype: {name} unknown (needs {limit})"
            if np.isnan(value)
            else f"archetype: {name}={value:g} needs {limit}"
        )
    link = ctx.links.iloc[link_no]
    if link["pretreatment_fixes"]:
        parts.append(f"{link['pretreatment']} can fix {', '.join(link['pretreatment_fixes'])}")
    return "; ".join(parts) or "no quality constraints"
