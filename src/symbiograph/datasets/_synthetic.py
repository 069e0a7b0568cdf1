"""Seeded synthetic industrial regions of any size, drawn from published sector profiles.

Facilities sit in spatially clustered industrial parks (plus some scattered sites); each
belongs to a NACE Rev.2 class and supplies or demands the by-products, energy and water
that class typically gives or takes (``sector_profiles.csv``, with its sources). Every
draw is vectorised with numpy, so 500,000 facilities take seconds.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from symbiograph.model import CANONICAL_UNITS, Network, attributes, column_dtype, default_parameters

__all__ = ["PROFILE_SOURCE_ID", "fixed_charge_region", "sector_profiles", "synthetic"]

#: Id of the ``sources`` row every synthetic stream points to.
PROFILE_SOURCE_ID = "sector-profiles"

_PROFILE_FILE = "sector_profiles.csv"

# Layout of a synthetic region (shape, not reference data).
_KM_PER_DEGREE = 111.32
_KM_PER_SQRT_FACILITY = 5.0  # region side = 5 km * sqrt(n): about 0.04 facilities per km2
_MIN_REGION_KM = 10.0
_FACILITIES_PER_PARK = 40.0  # mean park size before scattering
_SCATTERED_SHARE = 0.15  # facilities outside any park
_PARK_SPREAD_KM = 1.5  # median standard deviation of a park around its centre
_ANCHOR_SHARE = 0.6  # parks whose first facility is a heavy-industry anchor
_GROUP_SHARE = 0.2  # facilities owned by a multi-site organisation
_FACILITIES_PER_GROUP = 5.0
_MEAN_STREAMS = 2.0  # streams per facility (1 + Poisson(1))
_CONFIDENTIAL_SHARE = 0.05
_QUANTITY_SPREAD_MAX = 0.3  # quantity_min/max lie up to 30 % either side of the quantity
_FACILITY_SCALE_SHARE = 0.6  # share of log-quantity spread common to a facility's streams

_TEXT_COLUMNS = (
    "nace_code",
    "sector",
    "direction",
    "resource_id",
    "resource_name",
    "kind",
    "ewc_code",
    "hazardous",
    "disposal_route",
    "months",
    "quality",
    "source",
)
_NUMBER_COLUMNS = (
    "sector_weight",
    "anchor_weight",
    "weight",
    "quantity_median",
    "quantity_sigma_log",
    "price_low",
    "price_high",
    "seasonal_share",
)

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
ObjectArray = npt.NDArray[np.object_]


@dataclass(frozen=True)
class _Profiles:
    """The sector profiles, parsed into arrays indexed by profile row, sector or resource."""

    table: pd.DataFrame
    citation: str
    year: int
    # per sector
    sector_codes: ObjectArray
    sector_names: ObjectArray
    sector_p: FloatArray
    anchor_p: FloatArray
    # per profile row
    row_sector: IntArray
    row_resource: IntArray
    row_supply: npt.NDArray[np.bool_]
    row_weight: FloatArray
    # padded (sector x slot) tables of profile rows, -1 where empty
    supply_rows: IntArray
    demand_rows: IntArray
    # per resource
    resources: pd.DataFrame
    # stream quality: rows q_start[r]..q_start[r+1] of q_attribute/q_low/q_high
    q_start: IntArray
    q_attribute: ObjectArray
    q_low: FloatArray
    q_high: FloatArray


def _parse_quality(spec: str, supply: bool, where: str) -> list[tuple[str, float, float]]:
    """``a=1;b=2..3;c=..5`` as (attribute, low, high); NaN for an open end."""
    out: list[tuple[str, float, float]] = []
    for part in filter(None, (p.strip() for p in spec.split(";"))):
        name, sep, value = part.partition("=")
        if not sep or not name.strip():
            raise ValueError(f"{where}: quality {part!r} is not attribute=value")
        lo_text, dots, hi_text = value.partition("..")
        lo = float(lo_text) if lo_text.strip() else math.nan
        hi = (float(hi_text) if hi_text.strip() else math.nan) if dots else lo
        if supply and (math.isnan(lo) or math.isnan(hi)):
            raise ValueError(
                f"{where}: a supply's quality {part!r} needs a value or a closed range"
            )
        if math.isnan(lo) and math.isnan(hi):
            raise ValueError(f"{where}: quality {part!r} has no bound")
        if lo > hi:
            raise ValueError(f"{where}: quality {part!r} has low > high")
        out.append((name.strip(), lo, hi))
    return out


def _padded(groups: IntArray, rows: IntArray, n_groups: int) -> IntArray:
    """Rows grouped by ``groups`` as an (n_groups x widest) table, -1 for empty slots."""
    counts = np.bincount(groups, minlength=n_groups)
    width = max(int(counts.max(initial=0)), 1)
    table = np.full((n_groups, width), -1, dtype=np.int64)
    order = np.argsort(groups, kind="stable")
    starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
    slot = np.arange(len(order)) - np.repeat(starts, counts)
    table[groups[order], slot] = rows[order]
    return table


@lru_cache(maxsize=1)
def _profiles() -> _Profiles:
    text = resources.files(__package__).joinpath(_PROFILE_FILE).read_text(encoding="utf-8")
    comments = [line[1:].strip() for line in text.splitlines() if line.startswith("#")]
    year = next(int(c.split(":", 1)[1]) for c in comments if c.startswith("compiled:"))
    cited = [c.split("]", 1)[1].strip() for c in comments if c.startswith("[")]
    table = pd.read_csv(
        io.StringIO(text),
        comment="#",
        dtype={c: str for c in _TEXT_COLUMNS},
        keep_default_na=False,
    )
    table = table.astype({c: object for c in _TEXT_COLUMNS} | {c: float for c in _NUMBER_COLUMNS})
    where = [f"{_PROFILE_FILE} row {i + 1}" for i in range(len(table))]
    _check_profiles(table, where)

    sectors = table.drop_duplicates("nace_code")
    sector_codes = sectors["nace_code"].to_numpy(dtype=object)
    row_sector = pd.Index(sector_codes).get_indexer(table["nace_code"]).astype(np.int64)
    sector_w = sectors["sector_weight"].to_numpy(dtype=float)
    anchor_w = sectors["anchor_weight"].to_numpy(dtype=float)

    res = table.drop_duplicates("resource_id")
    res_ids = res["resource_id"].to_numpy(dtype=object)
    row_resource = pd.Index(res_ids).get_indexer(table["resource_id"]).astype(np.int64)
    row_supply = (table["direction"] == "supply").to_numpy()

    parsed = [
        _parse_quality(q, bool(s), w)
        for q, s, w in zip(table["quality"], row_supply, where, strict=True)
    ]
    q_count = np.array([len(p) for p in parsed], dtype=np.int64)
    flat = [item for p in parsed for item in p]
    attrs_of: dict[str, set[str]] = {}
    for rid, p in zip(table["resource_id"], parsed, strict=True):
        attrs_of.setdefault(rid, set()).update(a for a, _, _ in p)
    resources_table = pd.DataFrame(
        {
            "id": res_ids,
            "name": res["resource_name"].to_numpy(dtype=object),
            "kind": res["kind"].to_numpy(dtype=object),
            "unit": res["kind"].map(CANONICAL_UNITS).to_numpy(dtype=object),
            "ewc_code": res["ewc_code"].to_numpy(dtype=object),
            "hazardous": (res["hazardous"] == "true").to_numpy(),
            "quality_attributes": np.array(
                [";".join(sorted(attrs_of[r])) for r in res_ids], dtype=object
            ),
        }
    )
    rows = np.arange(len(table), dtype=np.int64)
    return _Profiles(
        table=table,
        citation="symbiograph sector profiles (datasets/sector_profiles.csv), compiled from: "
        + " ".join(cited),
        year=year,
        sector_codes=sector_codes,
        sector_names=sectors["sector"].to_numpy(dtype=object),
        sector_p=sector_w / sector_w.sum(),
        anchor_p=anchor_w / anchor_w.sum(),
        row_sector=row_sector,
        row_resource=row_resource,
        row_supply=row_supply,
        row_weight=table["weight"].to_numpy(dtype=float),
        supply_rows=_padded(row_sector[row_supply], rows[row_supply], len(sector_codes)),
        demand_rows=_padded(row_sector[~row_supply], rows[~row_supply], len(sector_codes)),
        resources=resources_table,
        q_start=np.concatenate(([0], np.cumsum(q_count))).astype(np.int64),
        q_attribute=np.array([a for a, _, _ in flat], dtype=object),
        q_low=np.array([lo for _, lo, _ in flat], dtype=float),
        q_high=np.array([hi for _, _, hi in flat], dtype=float),
    )


def _check_profiles(table: pd.DataFrame, where: list[str]) -> None:
    """Raise ValueError naming the row when the profile file contradicts itself."""
    problems: list[str] = []
    for col in _NUMBER_COLUMNS:
        bad = table[col].isna() | (table[col] < 0)
        problems += [f"{where[i]}: {col} must be a number >= 0" for i in np.flatnonzero(bad)]
    for col, allowed in (
        ("direction", {"supply", "demand"}),
        ("kind", set(CANONICAL_UNITS)),
        ("hazardous", {"true", "false"}),
    ):
        bad = ~table[col].isin(sorted(allowed))
        problems += [
            f"{where[i]}: {col} must be one of {sorted(allowed)}" for i in np.flatnonzero(bad)
        ]
    bad = (table["quantity_median"] <= 0) | (table["price_low"] > table["price_high"])
    problems += [
        f"{where[i]}: quantity_median <= 0 or price_low > price_high" for i in np.flatnonzero(bad)
    ]
    for key, cols in (
        ("nace_code", ["sector", "sector_weight", "anchor_weight"]),
        ("resource_id", ["resource_name", "kind", "ewc_code", "hazardous"]),
    ):
        varies = table.groupby(key)[cols].nunique().gt(1).any(axis=1)
        problems += [
            f"{_PROFILE_FILE}: {key} {k!r} has conflicting {', '.join(cols)}"
            for k in varies[varies].index
        ]
    if problems:
        raise ValueError("bad sector profiles:\n" + "\n".join(problems))


def sector_profiles() -> pd.DataFrame:
    """The shipped sector profiles: one row per (NACE class, direction, resource), with sources."""
    return _profiles().table.copy()


def _codes(prefix: str, numbers: npt.ArrayLike, width: int) -> ObjectArray:
    """``prefix`` + zero-padded ``numbers`` as Python strings, built without a Python loop."""
    nums = np.array(numbers, dtype=np.int64)
    head = np.frombuffer(prefix.encode("ascii"), dtype=np.uint8)
    size = len(head) + width
    buf = np.empty((len(nums), size), dtype=np.uint8)
    buf[:, : len(head)] = head
    for position in range(size - 1, len(head) - 1, -1):  # one pass per digit, not per number
        buf[:, position] = nums % 10 + ord("0")
        nums //= 10
    return buf.view(f"S{size}").ravel().astype(f"U{size}").astype(object)


def _width(largest: int, minimum: int) -> int:
    return max(minimum, len(str(largest)))


def _round_significant(values: FloatArray, digits: int = 3) -> FloatArray:
    """Values rounded to ``digits`` significant figures (monotone, keeps positives positive)."""
    scale = 10.0 ** (
        np.floor(np.log10(np.abs(values), where=values != 0, out=np.zeros_like(values)))
        - (digits - 1)
    )
    return np.round(values / scale) * scale


def _table(name: str, length: int, columns: dict[str, Any]) -> pd.DataFrame:
    """A table with exactly the schema's columns and dtypes; missing columns get blanks."""
    data: dict[str, Any] = {}
    for a in attributes(name):
        dtype = column_dtype(a.type)
        value = columns.pop(a.name, None)
        if value is None:
            if dtype == "object":
                value = np.full(length, "", dtype=object)
            elif dtype == "bool":
                value = np.zeros(length, dtype=bool)
            elif dtype == "Int64":
                value = pd.array([None] * length, dtype="Int64")
            else:
                value = np.full(length, np.nan)
        data[a.name] = pd.Series(value, dtype=dtype, copy=False)
    if columns:
        raise KeyError(f"{name} has no column(s) {', '.join(columns)}")
    return pd.DataFrame(data)


def _locations(
    rng: np.random.Generator, n: int, side_km: float, center: tuple[float, float]
) -> tuple[FloatArray, FloatArray, IntArray]:
    """Latitude, longitude and park (-1 for scattered) of ``n`` facilities."""
    n_parks = max(1, round(n / _FACILITIES_PER_PARK))
    park_xy = rng.uniform(-side_km / 2, side_km / 2, size=(n_parks, 2))
    park_spread = np.clip(rng.lognormal(math.log(_PARK_SPREAD_KM), 0.5, n_parks), 0.2, 6.0)
    park_size = rng.lognormal(0.0, 1.0, n_parks)
    park = rng.choice(n_parks, size=n, p=park_size / park_size.sum()).astype(np.int64)
    scattered = rng.random(n) < _SCATTERED_SHARE
    park[scattered] = -1
    xy = park_xy[park] + rng.normal(size=(n, 2)) * park_spread[park][:, None]
    xy[scattered] = rng.uniform(-side_km / 2, side_km / 2, size=(int(scattered.sum()), 2))
    lat = np.clip(center[0] + xy[:, 1] / _KM_PER_DEGREE, -89.9, 89.9)
    cos_lat = np.maximum(np.cos(np.radians(lat)), 0.01)
    lon = (center[1] + xy[:, 0] / (_KM_PER_DEGREE * cos_lat) + 180.0) % 360.0 - 180.0
    return np.round(lat, 6), np.round(lon, 6), park


def _sectors(rng: np.random.Generator, prof: _Profiles, park: IntArray) -> IntArray:
    """Sector index per facility; the first facility of most parks is a heavy-industry anchor."""
    n = len(park)
    sector = rng.choice(len(prof.sector_codes), size=n, p=prof.sector_p).astype(np.int64)
    in_park = np.flatnonzero(park >= 0)
    _, first = np.unique(park[in_park], return_index=True)
    anchors = in_park[first]
    anchors = anchors[rng.random(len(anchors)) < _ANCHOR_SHARE]
    sector[anchors] = rng.choice(len(prof.sector_codes), size=len(anchors), p=prof.anchor_p)
    return sector


def _pick_rows(
    rng: np.random.Generator, table: IntArray, weights: FloatArray, sector: IntArray, k: IntArray
) -> tuple[IntArray, npt.NDArray[np.bool_]]:
    """Per facility, ``k`` distinct profile rows of its sector drawn by weight.

    Weighted sampling without replacement (Efraimidis-Spirakis): the ``k`` smallest of
    Exp(1) / weight. Returns the rows in draw order per facility and which are drawn.
    """
    with np.errstate(divide="ignore"):
        inverse_weight = np.where(table >= 0, 1.0 / weights[np.maximum(table, 0)], np.inf)
    keys = rng.standard_exponential(size=(len(sector), table.shape[1]))
    keys *= inverse_weight[sector]
    order = np.argsort(keys, axis=1, kind="stable")
    chosen = np.take_along_axis(table[sector], order, axis=1)
    mask = np.arange(table.shape[1])[None, :] < k[:, None]
    return chosen, mask


def _facilities(
    rng: np.random.Generator, prof: _Profiles, n: int, side_km: float, center: tuple[float, float]
) -> tuple[pd.DataFrame, IntArray]:
    """The facilities table and each facility's sector index."""
    lat, lon, park = _locations(rng, n, side_km, center)
    sector = _sectors(rng, prof, park)
    numbers = np.arange(1, n + 1)
    fac_ids = _codes("F", numbers, _width(n, 6))
    n_groups = max(1, round(n * _GROUP_SHARE / _FACILITIES_PER_GROUP))
    group = rng.integers(0, n_groups, size=n)
    organisation = np.where(
        rng.random(n) < _GROUP_SHARE,
        _codes("Group G", np.arange(1, n_groups + 1), _width(n_groups, 4))[group],
        _codes("Company C", numbers, _width(n, 6)),
    )
    n_parks = int(park.max(initial=-1)) + 1
    park_names = np.append(_codes("Park P", np.arange(1, n_parks + 1), _width(n_parks, 4)), "")
    facilities = _table(
        "facilities",
        n,
        {
            "id": fac_ids,
            "name": (prof.sector_names + " ")[sector] + fac_ids,
            "organisation": organisation,
            "nace_code": prof.sector_codes[sector],
            "lat": lat,
            "lon": lon,
            "region": park_names[park],
        },
    )
    return facilities, sector


def _stream_rows(
    rng: np.random.Generator, prof: _Profiles, sector: IntArray
) -> tuple[IntArray, IntArray]:
    """Profile row and facility index of every stream, facility by facility, supplies first."""
    n = len(sector)
    n_supply_rows = (prof.supply_rows >= 0).sum(axis=1)[sector]
    n_demand_rows = (prof.demand_rows >= 0).sum(axis=1)[sector]
    k = 1 + rng.poisson(_MEAN_STREAMS - 1, size=n)
    k_supply = np.minimum(rng.binomial(k, 0.5), n_supply_rows)
    k_demand = np.minimum(k - k_supply, n_demand_rows)
    k_supply = np.minimum(k - k_demand, n_supply_rows)
    s_rows, s_mask = _pick_rows(rng, prof.supply_rows, prof.row_weight, sector, k_supply)
    d_rows, d_mask = _pick_rows(rng, prof.demand_rows, prof.row_weight, sector, k_demand)
    mask = np.concatenate([s_mask, d_mask], axis=1)
    row = np.concatenate([s_rows, d_rows], axis=1)[mask]
    fac = np.repeat(np.arange(n, dtype=np.int64), mask.sum(axis=1))
    return row, fac


def _streams(
    rng: np.random.Generator, prof: _Profiles, row: IntArray, fac: IntArray, fac_ids: ObjectArray
) -> pd.DataFrame:
    """The streams table: quantities lognormal around the profile median, prices uniform."""
    m = len(row)
    table = prof.table
    share = _FACILITY_SCALE_SHARE
    z = math.sqrt(share) * rng.normal(size=len(fac_ids))[fac]
    z += math.sqrt(1 - share) * rng.normal(size=m)
    z *= table["quantity_sigma_log"].to_numpy()[row]
    quantity = table["quantity_median"].to_numpy()[row] * np.exp(z)
    del z
    spread = rng.uniform(0.05, _QUANTITY_SPREAD_MAX, size=m)
    low = table["price_low"].to_numpy()[row]
    price = np.round(low + (table["price_high"].to_numpy()[row] - low) * rng.random(m), 2)
    del low
    seasonal = rng.random(m) < table["seasonal_share"].to_numpy()[row]
    columns = {
        "id": _codes("S", np.arange(1, m + 1), _width(m, 7)),
        "facility_id": fac_ids[fac],
        "resource_id": prof.resources["id"].to_numpy(dtype=object)[prof.row_resource[row]],
        "direction": np.array(["demand", "supply"], dtype=object)[
            prof.row_supply[row].astype(np.intp)
        ],
        "quantity": _round_significant(quantity),
        "quantity_min": _round_significant(quantity * (1 - spread)),
        "quantity_max": _round_significant(quantity * (1 + spread)),
        "price": price,
        "disposal_route": table["disposal_route"].to_numpy(dtype=object)[row],
        "availability": np.array(["continuous", "seasonal"], dtype=object)[
            seasonal.astype(np.intp)
        ],
        "months": np.where(seasonal, table["months"].to_numpy(dtype=object)[row], ""),
        "confidential": rng.random(m) < _CONFIDENTIAL_SHARE,
        "source_id": np.full(m, PROFILE_SOURCE_ID, dtype=object),
    }
    del quantity, spread, price, seasonal
    return _table("streams", m, columns)


def _stream_quality(
    rng: np.random.Generator, prof: _Profiles, row: IntArray, stream_ids: ObjectArray
) -> pd.DataFrame:
    """Quality rows: a value drawn in the profile range for supplies, the accepted range for demands."""
    q_count = prof.q_start[row + 1] - prof.q_start[row]
    stream = np.repeat(np.arange(len(row)), q_count)
    q = np.repeat(prof.q_start[row] - (np.cumsum(q_count) - q_count), q_count)
    q += np.arange(len(q))
    low, high = prof.q_low[q], prof.q_high[q]
    supply = prof.row_supply[row][stream]
    value = np.round(low + (high - low) * rng.random(len(q)), 2)
    value[~supply] = np.nan
    low[supply] = np.nan
    high[supply] = np.nan
    return _table(
        "stream_quality",
        len(q),
        {
            "stream_id": stream_ids[stream],
            "attribute": prof.q_attribute[q],
            "value": value,
            "min": low,
            "max": high,
        },
    )


def synthetic(
    n_facilities: int,
    seed: int = 0,
    *,
    region_km: float | None = None,
    center: tuple[float, float] = (55.7, 11.1),
) -> Network:
    """A seeded synthetic industrial region of ``n_facilities`` facilities.

    Facilities cluster in industrial parks (about 40 each, a few km across, most with an
    anchor plant) spread over a square region ``region_km`` km a side (default 5 km *
    sqrt(n), at least 10 km) around ``center`` (lat, lon); 15 % are scattered. Sectors,
    streams (about two per facility, half supplies and half demands), quantities (t/yr,
    MWh/yr, m3/yr), prices (EUR per unit), quality and seasonality come from
    ``sector_profiles()``. The same arguments always give identical tables.
    """
    if n_facilities < 1:
        raise ValueError(f"n_facilities must be at least 1, not {n_facilities}")
    if seed < 0:
        raise ValueError(f"seed must be >= 0, not {seed}")
    if region_km is not None and not region_km > 0:
        raise ValueError(f"region_km must be positive, not {region_km}")
    if not (-90 <= center[0] <= 90 and -180 <= center[1] <= 180):
        raise ValueError(f"center {center} is not a (lat, lon) in degrees")
    n = int(n_facilities)
    prof = _profiles()
    rng = np.random.default_rng(np.random.SeedSequence([int(seed), n]))
    side = (
        float(region_km)
        if region_km is not None
        else max(_MIN_REGION_KM, _KM_PER_SQRT_FACILITY * math.sqrt(n))
    )
    facilities, sector = _facilities(rng, prof, n, side, center)
    row, fac = _stream_rows(rng, prof, sector)
    del sector
    streams = _streams(rng, prof, row, fac, facilities["id"].to_numpy())
    del fac
    stream_quality = _stream_quality(rng, prof, row, streams["id"].to_numpy())
    used = np.unique(prof.row_resource[row])
    res = prof.resources.iloc[used]
    resources_table = _table("resources", len(res), {c: res[c].to_numpy() for c in res.columns})
    sources = _table(
        "sources",
        1,
        {
            "id": np.array([PROFILE_SOURCE_ID], dtype=object),
            "citation": np.array([prof.citation], dtype=object),
            "year": pd.array([prof.year], dtype="Int64"),
            "note": np.array(
                [
                    "Who supplies and demands what follows documented exchanges; quantities, "
                    "prices and quality ranges are indicative, drawn at random by "
                    "symbiograph.datasets.synthetic()."
                ],
                dtype=object,
            ),
        },
    )
    parameters = default_parameters()
    parameters.update(name=f"synthetic-{n}-seed{seed}", currency="EUR")
    return Network(
        parameters=parameters,
        sources=sources,
        resources=resources_table,
        facilities=facilities,
        streams=streams,
        stream_quality=stream_quality,
    )


# A fixed-charge design region (shape of the instance, not reference data): water reuse by
# pipeline or tanker between plants in one connected region.
_FC_KM_PER_SQRT_FACILITY = 5.0
_FC_QUANTITY_MEDIAN_M3 = 20_000.0
_FC_QUANTITY_SIGMA_LOG = 0.8
_FC_PIPE_CAPACITY_FACTOR = 4.0  # a pipe is sized well above either end's quantity
_FC_PIPE_EUR_PER_M3_KM = 0.002  # pumping and upkeep
_FC_TANKER_EUR_PER_M3_KM = 0.12
_FC_CAPEX_SHARE = (0.5, 0.95)  # a pipe's annual cost / what its most water earns a year


def fixed_charge_region(
    n_supplies: int = 2000,
    n_demands: int = 2000,
    n_links: int = 50_000,
    fixed_share: float = 0.8,
    seed: int = 0,
) -> tuple[Network, pd.DataFrame]:
    """A seeded, connected water-reuse region whose design is a hard fixed-charge MILP.

    ``n_supplies`` treated-effluent supplies and ``n_demands`` process-water demands
    (m3/yr, lognormal around 20,000) sit at their own plants, uniform in a square 5 km *
    sqrt(plants) a side. Each demand is offered its nearest supplies until there are
    ``n_links`` candidates; a share ``fixed_share`` of them (drawn at random) are pipelines
    with an annualised capital cost (EUR/yr) and a capacity well above either end, the
    rest tanker links with no fixed cost and a dearer haul. Candidates come in the
    schema of ``symbiograph.match.find_candidates`` (``CANDIDATE_COLUMNS``), so
    ``design_network(network, candidates)`` takes them as they are. The candidate graph is
    one connected part (nearest-neighbour links, plus a bridge for any part left apart), so
    the design does not split. Same arguments, same tables.
    """
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components
    from scipy.spatial import cKDTree

    from symbiograph.match import CANDIDATE_COLUMNS

    if n_supplies < 1 or n_demands < 1:
        raise ValueError("a fixed-charge region needs at least one supply and one demand")
    if not n_demands <= n_links <= n_supplies * n_demands:
        raise ValueError(
            f"n_links must lie between n_demands ({n_demands}) and "
            f"n_supplies * n_demands ({n_supplies * n_demands}), not {n_links}"
        )
    if not 0.0 <= fixed_share <= 1.0:
        raise ValueError(f"fixed_share must lie between 0 and 1, not {fixed_share}")
    if seed < 0:
        raise ValueError(f"seed must be >= 0, not {seed}")
    rng = np.random.default_rng(np.random.SeedSequence([int(seed), n_supplies, n_demands, 7]))
    ns, nd = int(n_supplies), int(n_demands)
    n_fac = ns + nd
    side = max(_MIN_REGION_KM, _FC_KM_PER_SQRT_FACILITY * math.sqrt(n_fac))
    xy = rng.uniform(0.0, side, size=(n_fac, 2))
    s_xy, d_xy = xy[:ns], xy[ns:]
    quantity = _round_significant(
        _FC_QUANTITY_MEDIAN_M3 * np.exp(_FC_QUANTITY_SIGMA_LOG * rng.normal(size=n_fac))
    )
    disposal = np.round(rng.uniform(0.4, 1.2, ns), 2)  # EUR/m3 effluent treatment avoided
    virgin = np.round(rng.uniform(1.0, 2.5, nd), 2)  # EUR/m3 fresh water bought today

    # each demand's nearest supplies, k per demand, then the n_links shortest of those
    k = min(ns, -(-n_links // nd) + 2)
    dist, near = cKDTree(s_xy).query(d_xy, k=k)
    dist, near = np.asarray(dist).reshape(nd, k), np.asarray(near).reshape(nd, k)
    order = np.argsort(dist.ravel(), kind="stable")
    keep = np.zeros(nd * k, dtype=bool)
    keep[np.arange(nd) * k] = True  # every demand keeps its nearest supply
    rest = order[~keep[order]][: n_links - nd]
    keep[rest] = True
    demand_pos = np.repeat(np.arange(nd), k)[keep]
    supply_pos = near.ravel()[keep]
    # bridge the parts (rare with this many neighbours): link a demand of each other part
    # to the nearest supply of the part of the first supply
    while True:
        graph = coo_matrix(
            (np.ones(len(supply_pos)), (supply_pos, ns + demand_pos)), shape=(n_fac, n_fac)
        )
        _, label = connected_components(graph, directed=False)
        used = np.zeros(n_fac, dtype=bool)
        used[supply_pos] = True
        used[ns + demand_pos] = True
        home = label[supply_pos[0]]
        away = np.flatnonzero(used[ns:] & (label[ns:] != home))
        if not len(away):
            break
        j = int(away[0])
        in_home = np.flatnonzero(used[:ns] & (label[:ns] == home))
        i = int(in_home[np.argmin(np.hypot(*(s_xy[in_home] - d_xy[j]).T))])
        supply_pos = np.append(supply_pos, i)
        demand_pos = np.append(demand_pos, j)
    pair = np.unique(supply_pos * nd + demand_pos)
    supply_pos, demand_pos = pair // nd, pair % nd
    n = len(pair)

    km = np.round(np.hypot(*(s_xy[supply_pos] - d_xy[demand_pos]).T) * 1.2 + 0.5, 2)
    pipeline = rng.random(n) < fixed_share
    s_q, d_q = quantity[:ns][supply_pos], quantity[ns:][demand_pos]
    haul = np.where(pipeline, _FC_PIPE_EUR_PER_M3_KM, _FC_TANKER_EUR_PER_M3_KM) * km
    value = disposal[supply_pos] + virgin[demand_pos] - haul
    # a pipe pays only when it carries most of what it could: its annual cost is a share
    # of what the most water it could carry earns in a year
    capex_km = rng.uniform(*_FC_CAPEX_SHARE, n) * value.clip(0.1) * np.minimum(s_q, d_q) / km
    capex_per_yr = np.where(pipeline, np.round(capex_km * km, 0), 0.0)
    max_flow = np.where(
        pipeline, _round_significant(_FC_PIPE_CAPACITY_FACTOR * np.maximum(s_q, d_q)), s_q
    )

    s_fac = _codes("W", np.arange(1, ns + 1), _width(n_fac, 5))
    d_fac = _codes("W", np.arange(ns + 1, n_fac + 1), _width(n_fac, 5))
    s_ids = _codes("E", np.arange(1, ns + 1), _width(ns, 5))
    d_ids = _codes("P", np.arange(1, nd + 1), _width(nd, 5))
    lat = np.round(55.0 + xy[:, 1] / _KM_PER_DEGREE, 6)
    lon = np.round(11.0 + xy[:, 0] / (_KM_PER_DEGREE * math.cos(math.radians(55.0))), 6)
    fac_ids = np.concatenate([s_fac, d_fac])
    facilities = _table(
        "facilities",
        n_fac,
        {
            "id": fac_ids,
            "name": np.concatenate(
                [np.full(ns, "Effluent plant ", dtype=object), np.full(nd, "Water user ")]
            ).astype(object)
            + fac_ids,
            "organisation": _codes("Company C", np.arange(1, n_fac + 1), _width(n_fac, 5)),
            "nace_code": np.concatenate(
                [np.full(ns, "37.00", dtype=object), np.full(nd, "20.14", dtype=object)]
            ),
            "lat": lat,
            "lon": lon,
            "region": np.full(n_fac, "Fixed-charge region", dtype=object),
        },
    )
    stream_ids = np.concatenate([s_ids, d_ids])
    streams = _table(
        "streams",
        n_fac,
        {
            "id": stream_ids,
            "facility_id": fac_ids,
            "resource_id": np.full(n_fac, "reuse-water", dtype=object),
            "direction": np.concatenate(
                [np.full(ns, "supply", dtype=object), np.full(nd, "demand", dtype=object)]
            ),
            "quantity": quantity,
            "price": np.concatenate([disposal, virgin]),
            "disposal_route": np.concatenate(
                [np.full(ns, "wastewater", dtype=object), np.full(nd, "", dtype=object)]
            ),
            "availability": np.full(n_fac, "continuous", dtype=object),
            "source_id": np.full(n_fac, PROFILE_SOURCE_ID, dtype=object),
        },
    )
    resources_table = _table(
        "resources",
        1,
        {
            "id": np.array(["reuse-water"], dtype=object),
            "name": np.array(["Treated effluent for reuse"], dtype=object),
            "kind": np.array(["water"], dtype=object),
            "unit": np.array([CANONICAL_UNITS["water"]], dtype=object),
        },
    )
    sources = _table(
        "sources",
        1,
        {
            "id": np.array([PROFILE_SOURCE_ID], dtype=object),
            "citation": np.array(["symbiograph.datasets.fixed_charge_region()"], dtype=object),
            "note": np.array(
                ["A synthetic benchmark instance: every number is drawn at random."],
                dtype=object,
            ),
        },
    )
    parameters = default_parameters()
    parameters.update(name=f"fixed-charge-{ns}x{nd}-{n}-seed{seed}", currency="EUR")
    network = Network(
        parameters=parameters,
        sources=sources,
        resources=resources_table,
        facilities=facilities,
        streams=streams,
    )
    unit = np.full(n, CANONICAL_UNITS["water"], dtype=object)
    net_per_unit = np.round(value, 4)
    candidates = pd.DataFrame(
        {
            "candidate_id": _codes("X", np.arange(1, n + 1), _width(n, 6)),
            "supply_id": s_ids[supply_pos],
            "demand_id": d_ids[demand_pos],
            "supply_facility": s_fac[supply_pos],
            "demand_facility": d_fac[demand_pos],
            "supply_organisation": facilities["organisation"].to_numpy()[supply_pos],
            "demand_organisation": facilities["organisation"].to_numpy()[ns + demand_pos],
            "supply_resource": np.full(n, "reuse-water", dtype=object),
            "demand_resource": np.full(n, "reuse-water", dtype=object),
            "kind": np.full(n, "water", dtype=object),
            "unit": unit,
            "link": np.full(n, "same resource", dtype=object),
            "archetype_id": np.full(n, "", dtype=object),
            "substitution_ratio": np.ones(n),
            "delivered_share": np.ones(n),
            "demand_units_per_unit": np.ones(n),
            "max_flow": max_flow,
            "distance_km": np.round(km / 1.2, 2),
            "route_km": km,
            "mode": np.where(pipeline, "pipeline", "truck").astype(object),
            "pretreatment": np.full(n, "", dtype=object),
            "disposal_price_per_unit": disposal[supply_pos],
            "landfill_diverted": np.zeros(n, dtype=bool),
            "avoided_disposal_per_unit": disposal[supply_pos],
            "avoided_virgin_per_unit": virgin[demand_pos],
            "transport_cost_per_unit": np.round(haul, 4),
            "treatment_cost_per_unit": np.zeros(n),
            "net_benefit_per_unit": net_per_unit,
            "capex_per_yr": capex_per_yr,
            "fixed_cost_per_yr": capex_per_yr,
            "operating_cost_per_yr": np.zeros(n),
            "link_status": np.full(n, "new", dtype=object),
            "exchange_id": np.full(n, None, dtype=object),
            "exchange_status": np.full(n, None, dtype=object),
            "co2e_t_per_unit": np.zeros(n),
            "annual_net_benefit": net_per_unit * max_flow - capex_per_yr,
            "annual_co2e_t": np.zeros(n),
            "score": net_per_unit,
            "rank_in_supply": np.ones(n, dtype=np.int64),
            "quality_unverified": np.zeros(n, dtype=bool),
            "needs_blend": np.zeros(n, dtype=bool),
            "inferred_code": np.full(n, "", dtype=object),
            "explanation": np.full(n, "synthetic fixed-charge link", dtype=object),
        }
    )
    return network, candidates[CANDIDATE_COLUMNS]
