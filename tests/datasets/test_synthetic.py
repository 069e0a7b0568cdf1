"""Tests of the seeded synthetic region generator and its shipped sector profiles."""

from __future__ import annotations

import math
import re
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.spatial import cKDTree

from symbiograph.datasets._synthetic import PROFILE_SOURCE_ID, sector_profiles, synthetic
from symbiograph.model import CANONICAL_UNITS, TABLES, Network, attributes, empty_table

TAXONOMY = Path(str(resources.files("symbiograph.taxonomy")))
PROFILES = Path(str(resources.files("symbiograph.datasets"))) / "sector_profiles.csv"


@pytest.fixture(scope="module")
def region() -> Network:
    return synthetic(3000, seed=11)


def _taxonomy(name: str) -> pd.DataFrame:
    path = TAXONOMY / name
    if not path.exists():
        pytest.skip(f"taxonomy/{name} is not shipped yet")
    return pd.read_csv(path, comment="#", dtype=str, keep_default_na=False)


def _km_coordinates(net: Network) -> np.ndarray:
    lat = net.facilities["lat"].to_numpy()
    lon = net.facilities["lon"].to_numpy()
    lat0 = math.radians(float(np.mean(lat)))
    return np.column_stack([lon * 111.32 * math.cos(lat0), lat * 111.32])


def _check_invariants(net: Network, n: int) -> None:
    """What every synthetic network must satisfy, whatever its size and seed."""
    fac, streams, quality, res = net.facilities, net.streams, net.stream_quality, net.resources
    assert len(fac) == n
    for name in TABLES:
        expected = empty_table(name)
        table = net.table(name)
        assert list(table.columns) == list(expected.columns), name
        assert table.dtypes.to_dict() == expected.dtypes.to_dict(), name
        for a in attributes(name):
            if a.required and table[a.name].dtype == object:
                assert (table[a.name] != "").all(), f"{name}.{a.name} is blank"
    for table in (fac, streams, res, net.sources):
        assert table["id"].is_unique
    assert streams["facility_id"].isin(fac["id"]).all()
    assert streams["resource_id"].isin(res["id"]).all()
    assert res["id"].isin(streams["resource_id"]).all()  # only resources that are used
    assert streams["source_id"].isin(net.sources["id"]).all()
    assert quality["stream_id"].isin(streams["id"]).all()
    assert not quality.duplicated(["stream_id", "attribute"]).any()
    assert (res["unit"] == res["kind"].map(CANONICAL_UNITS)).all()
    assert fac["lat"].between(-90, 90).all() and fac["lon"].between(-180, 180).all()
    assert set(streams["direction"]) <= {"supply", "demand"}
    q = streams["quantity"]
    assert (q > 0).all() and q.notna().all()
    assert (streams["quantity_min"] <= q).all() and (q <= streams["quantity_max"]).all()
    assert (streams["price"] >= 0).all()
    seasonal = streams["availability"] == "seasonal"
    assert (streams.loc[seasonal, "months"] != "").all()
    assert (streams.loc[~seasonal, "months"] == "").all()
    assert set(streams["availability"]) <= {"seasonal", "continuous"}
    supply = streams["direction"] == "supply"
    assert (streams.loc[supply, "disposal_route"] != "").all()
    assert (streams.loc[~supply, "disposal_route"] == "").all()


def test_same_seed_gives_identical_tables() -> None:
    first, again = synthetic(400, seed=5), synthetic(400, seed=5)
    assert first.differences(again) == []
    assert first.equals(again)
    assert not first.equals(synthetic(400, seed=6))


def test_invariants_hold_for_a_mid_sized_region(region: Network) -> None:
    _check_invariants(region, 3000)


@pytest.mark.parametrize("n", [10, 1000, 20000])
def test_sizes(n: int) -> None:
    net = synthetic(n, seed=1)
    assert len(net.facilities) == n
    per_facility = len(net.streams) / n
    assert abs(per_facility - 2.0) < (0.8 if n < 100 else 0.15)
    assert net.facilities["id"].iloc[0] == "F000001"
    assert net.streams["id"].iloc[0] == "S0000001"
    assert re.fullmatch(r"F\d{6}", net.facilities["id"].iloc[-1])


def test_ids_widen_past_a_million() -> None:
    # the id width grows with the count instead of overflowing
    from symbiograph.datasets._synthetic import _codes, _width

    assert list(_codes("F", [1, 1_234_567], _width(1_234_567, 6))) == ["F0000001", "F1234567"]


def test_about_half_the_streams_are_supplies(region: Network) -> None:
    share = (region.streams["direction"] == "supply").mean()
    assert 0.4 <= share <= 0.6


def test_facilities_cluster_in_parks(region: Network) -> None:
    xy = _km_coordinates(region)
    nearest_clustered = np.median(cKDTree(xy).query(xy, k=2)[0][:, 1])
    rng = np.random.default_rng(0)
    uniform = rng.uniform(xy.min(axis=0), xy.max(axis=0), size=xy.shape)
    nearest_uniform = np.median(cKDTree(uniform).query(uniform, k=2)[0][:, 1])
    assert nearest_clustered < 0.3 * nearest_uniform
    parks = region.facilities["region"]
    assert parks.nunique() > 30  # many parks, growing with n
    assert 0.05 < (parks == "").mean() < 0.3  # some scattered facilities


def test_region_grows_with_the_number_of_facilities() -> None:
    def span_km(net: Network) -> float:
        xy = _km_coordinates(net)
        return float(np.ptp(xy[:, 1]))

    small, large = synthetic(500, seed=2), synthetic(20000, seed=2)
    assert span_km(large) > 3 * span_km(small)
    assert large.facilities["region"].nunique() > 10 * small.facilities["region"].nunique()


def test_coordinates_stay_valid_near_the_pole_and_date_line() -> None:
    net = synthetic(2000, seed=3, region_km=3000.0, center=(88.0, 179.5))
    assert net.facilities["lat"].between(-90, 90).all()
    assert net.facilities["lon"].between(-180, 180).all()
    explicit = synthetic(200, seed=3, region_km=4.0)
    assert np.ptp(_km_coordinates(explicit)[:, 1]) < 40.0


def test_quality_rows_follow_direction(region: Network) -> None:
    vocabulary = set(_taxonomy("quality_attributes.csv")["name"])
    quality = region.stream_quality.merge(
        region.streams[["id", "direction", "resource_id"]], left_on="stream_id", right_on="id"
    )
    assert set(quality["attribute"]) <= vocabulary
    supply = quality["direction"] == "supply"
    assert quality.loc[supply, "value"].notna().all()
    assert quality.loc[supply, ["min", "max"]].isna().all().all()
    demand = quality[~supply]
    assert demand["value"].isna().all()
    assert (demand["min"].notna() | demand["max"].notna()).all()
    both = demand.dropna(subset=["min", "max"])
    assert (both["min"] <= both["max"]).all()
    listed = region.resources.set_index("id")["quality_attributes"].str.split(";")
    pairs = quality[["resource_id", "attribute"]].drop_duplicates()
    for resource_id, attribute in pairs.itertuples(index=False):
        assert attribute in listed[resource_id]


def test_seasonal_and_confidential_streams_exist(region: Network) -> None:
    streams = region.streams
    assert 0.01 < (streams["availability"] == "seasonal").mean() < 0.3
    assert 0.01 < streams["confidential"].mean() < 0.1


def test_streams_follow_their_sector_profile(region: Network) -> None:
    profiles = sector_profiles()
    streams = region.streams.merge(
        region.facilities[["id", "nace_code"]], left_on="facility_id", right_on="id"
    )
    key = ["nace_code", "direction", "resource_id"]
    merged = streams.merge(profiles, on=key, how="left", validate="many_to_one")
    assert merged["price_low"].notna().all(), "a stream with no profile row"
    assert (merged["price"] >= merged["price_low"] - 0.005).all()
    assert (merged["price"] <= merged["price_high"] + 0.005).all()
    assert not streams.duplicated(["facility_id", "direction", "resource_id"]).any()
    # quantities scatter around the profile median
    ratio = np.log(merged["quantity"] / merged["quantity_median"])
    assert abs(float(np.median(ratio))) < 0.2


def test_known_symbioses_can_be_found() -> None:
    net = synthetic(5000, seed=4)
    streams = net.streams.merge(
        net.facilities[["id", "nace_code"]], left_on="facility_id", right_on="id"
    )

    def has(nace: str, direction: str, resource: str) -> bool:
        rows = streams[(streams["nace_code"] == nace) & (streams["direction"] == direction)]
        return bool((rows["resource_id"] == resource).any())

    assert has("35.11", "supply", "gypsum") and has("23.62", "demand", "gypsum")
    assert has("35.11", "supply", "fly_ash") and has("23.51", "demand", "fly_ash")
    assert has("11.05", "supply", "spent_grain") and has("01.41", "demand", "spent_grain")
    assert has("37.00", "supply", "sewage_sludge") and has("37.00", "supply", "treated_wastewater")
    codes = net.resources.set_index("id")["ewc_code"]
    assert codes["gypsum"] == "10 01 05"
    assert codes["fly_ash"] == "10 01 02"
    assert codes["spent_grain"] == "02 07 04"
    assert codes["sewage_sludge"] == "19 08 05"


def test_parameters_and_source(region: Network) -> None:
    assert region.parameters["name"] == "synthetic-3000-seed11"
    assert region.parameters["currency"] == "EUR"
    (source,) = region.sources.itertuples(index=False)
    assert source.id == PROFILE_SOURCE_ID
    assert "Chertow" in source.citation and "Journal of Industrial Ecology" in source.citation
    assert 2000 <= source.year <= 2100
    assert region.exchanges.empty and region.transport_modes.empty


def test_codes_are_in_the_shipped_taxonomies(region: Network) -> None:
    nace = _taxonomy("nace.csv")
    classes = (
        set(nace.loc[nace["level"] == "class", "code"]) if "level" in nace else set(nace["code"])
    )
    profiles = sector_profiles()
    assert set(profiles["nace_code"]) <= classes
    assert set(region.facilities["nace_code"]) <= classes
    ewc = _taxonomy("ewc.csv").set_index("code")
    coded = profiles[profiles["ewc_code"] != ""]
    assert set(coded["ewc_code"]) <= set(ewc.index)
    assert set(region.resources["ewc_code"]) - {""} <= set(ewc.index)
    if "hazardous" in ewc:
        flag = coded["ewc_code"].map(ewc["hazardous"])
        assert (flag == coded["hazardous"]).all(), "hazardous flag differs from the EWC list"
        hazardous = region.resources.loc[
            region.resources["ewc_code"] != "", ["ewc_code", "hazardous"]
        ]
        assert (
            hazardous["ewc_code"].map(ewc["hazardous"] == "true") == hazardous["hazardous"]
        ).all()


def test_profiles_are_consistent_and_sourced() -> None:
    profiles = sector_profiles()
    header = [line for line in PROFILES.read_text().splitlines() if line.startswith("#")]
    keys = {m.group(1) for line in header if (m := re.match(r"#\s*\[([^\]]+)\]", line))}
    assert {"Chertow2007", "BREF-LCP", "NISP2009"} <= keys
    for cited in profiles["source"]:
        assert cited and set(cited.split(";")) <= keys, cited
    # one name, kind and code per resource; one name and weight per sector
    assert (
        (profiles.groupby("resource_id")[["resource_name", "kind", "ewc_code"]].nunique() == 1)
        .all()
        .all()
    )
    assert (profiles.groupby("nace_code")[["sector", "sector_weight"]].nunique() == 1).all().all()
    # every by-product someone supplies is demanded by some sector, and vice versa
    supplied = set(profiles.loc[profiles["direction"] == "supply", "resource_id"])
    demanded = set(profiles.loc[profiles["direction"] == "demand", "resource_id"])
    assert supplied == demanded
    routes = next(a.choices for a in attributes("streams") if a.name == "disposal_route")
    supply_routes = profiles.loc[profiles["direction"] == "supply", "disposal_route"]
    assert set(supply_routes) <= set(routes)
    assert not profiles.duplicated(["nace_code", "direction", "resource_id"]).any()


def test_network_passes_the_io_validation(tmp_path: Path) -> None:
    io = pytest.importorskip("symbiograph.io")
    net = synthetic(150, seed=9)
    back = io.read_network(io.write_network(net, tmp_path / "region"))
    assert back.differences(net) == []


@pytest.mark.parametrize(
    "kwargs",
    [
        {"n_facilities": 0},
        {"n_facilities": 10, "seed": -1},
        {"n_facilities": 10, "region_km": 0.0},
        {"n_facilities": 10, "center": (95.0, 0.0)},
    ],
)
def test_bad_arguments_are_refused(kwargs: dict) -> None:
    with pytest.raises(ValueError):
        synthetic(**kwargs)


@settings(max_examples=20, deadline=None)
@given(n=st.integers(1, 80), seed=st.integers(0, 2**32 - 1))
def test_any_small_region_is_valid_and_reproducible(n: int, seed: int) -> None:
    net = synthetic(n, seed)
    _check_invariants(net, n)
    assert 1 <= len(net.streams) <= 12 * n
    assert net.equals(synthetic(n, seed))
