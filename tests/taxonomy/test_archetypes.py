"""Synergy archetypes and CPA 2.1 codes: size, referential integrity, sources, units, coverage."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from importlib import resources
from typing import Any

import pandas as pd
import pytest

from symbiograph.taxonomy import (
    _archetypes,
    emission_factors,
    nace_codes,
    quality_attributes,
    valid_ewc_entries,
)
from symbiograph.taxonomy._archetypes import (
    ARCHETYPE_COLUMNS,
    SUPPLY_KINDS,
    TRANSPORT_MODES,
    archetype_sources,
    cpa_codes,
    parse_requirements,
    synergy_archetypes,
)

Row = Any  # a namedtuple from DataFrame.itertuples


@pytest.fixture(scope="module")
def archetypes() -> pd.DataFrame:
    return synergy_archetypes()


@pytest.fixture(scope="module")
def factor_units() -> dict[str, str]:
    return emission_factors().set_index("id")["unit"].astype(str).to_dict()


def _raw_text(filename: str) -> str:
    return resources.files("symbiograph.taxonomy").joinpath(filename).read_text(encoding="utf-8")


# --- table shape ------------------------------------------------------------------------------


def test_at_least_150_archetypes_with_unique_ids(archetypes: pd.DataFrame) -> None:
    assert len(archetypes) >= 150
    assert archetypes["id"].is_unique
    assert archetypes["id"].str.fullmatch(r"[a-z0-9_]+").all()
    assert (archetypes["name"].str.len() > 0).all()


def test_csv_columns_are_exactly_the_documented_ones() -> None:
    data_lines = [
        line
        for line in _raw_text("synergy_archetypes.csv").splitlines()
        if not line.startswith("#")
    ]
    assert data_lines[0].split(",") == list(ARCHETYPE_COLUMNS)
    # no '#' inside data rows (pandas reads with comment='#'), so every data line is one archetype
    assert not any("#" in line for line in data_lines)
    assert len([line for line in data_lines[1:] if line.strip()]) == len(synergy_archetypes())


def test_header_documents_units_sources_and_indicative_numbers() -> None:
    header = "\n".join(
        line for line in _raw_text("synergy_archetypes.csv").splitlines() if line.startswith("#")
    )
    for needle in ("per t", "per MWh", "per m3", "EUR", "kg CO2e", "INDICATIVE", "# source |"):
        assert needle in header


def test_kinds_and_modes_are_from_the_vocabulary(archetypes: pd.DataFrame) -> None:
    assert set(archetypes["supply_kind"]) <= set(SUPPLY_KINDS)
    assert set(archetypes["supply_kind"]) == set(SUPPLY_KINDS)
    assert set(archetypes["typical_mode"]) <= set(TRANSPORT_MODES)


def test_every_row_has_keywords_and_a_supply_code(archetypes: pd.DataFrame) -> None:
    for row in archetypes.itertuples(index=False):
        assert row.supply_keywords_list, row.id
        assert row.demand_keywords_list, row.id
        assert row.supply_ewc_list or row.supply_cpa_list, row.id
        assert row.demand_cpa_list, row.id
        if row.supply_kind in ("energy", "water"):
            assert row.supply_cpa_list, f"{row.id}: energy and water surpluses carry supply_cpa"


# --- referential integrity --------------------------------------------------------------------


def test_every_ewc_code_exists(archetypes: pd.DataFrame) -> None:
    valid = valid_ewc_entries()
    for row in archetypes.itertuples(index=False):
        for code in row.supply_ewc_list:
            assert re.fullmatch(r"\d{2} \d{2} \d{2}", code), (row.id, code)
            assert code in valid, (row.id, code)


def test_every_cpa_code_is_in_cpa_csv(archetypes: pd.DataFrame) -> None:
    known = set(cpa_codes()["code"])
    for row in archetypes.itertuples(index=False):
        for code in row.supply_cpa_list + row.demand_cpa_list:
            assert code in known, (row.id, code)


def test_every_nace_code_exists(archetypes: pd.DataFrame) -> None:
    known = set(nace_codes()["code"])
    for row in archetypes.itertuples(index=False):
        for code in row.giver_nace_list + row.receiver_nace_list:
            assert code in known, (row.id, code)


def test_every_emission_factor_id_exists(
    archetypes: pd.DataFrame, factor_units: dict[str, str]
) -> None:
    for row in archetypes.itertuples(index=False):
        for factor in (row.virgin_factor_id, row.disposal_factor_id):
            if factor:
                assert factor in factor_units, (row.id, factor)


def test_every_quality_attribute_exists(archetypes: pd.DataFrame) -> None:
    known = set(quality_attributes()["name"])
    for row in archetypes.itertuples(index=False):
        for attribute, op, value in row.requirements:
            assert attribute in known, (row.id, attribute)
            assert op in (">=", "<="), (row.id, op)
            assert math.isfinite(value), row.id
        for attribute in row.pretreatment_fixes_list:
            assert attribute in known, (row.id, attribute)


def test_requirements_parse_and_match_the_parsed_column(archetypes: pd.DataFrame) -> None:
    for row in archetypes.itertuples(index=False):
        assert tuple(parse_requirements(row.quality_requirements)) == row.requirements, row.id
        assert row.requirements, f"{row.id}: every archetype states at least one requirement"


# --- sources and years ------------------------------------------------------------------------


def test_every_row_has_a_resolvable_source_and_its_year(archetypes: pd.DataFrame) -> None:
    sources = archetype_sources().set_index("key")
    for row in archetypes.itertuples(index=False):
        assert row.source_list, row.id
        for key in row.source_list:
            assert key in sources.index, (row.id, key)
        assert row.year == sources.loc[row.source_list[0], "year"], row.id
        assert 1980 <= row.year <= 2026, row.id


def test_source_registry_is_complete_and_used(archetypes: pd.DataFrame) -> None:
    sources = archetype_sources()
    assert sources["key"].is_unique
    assert (sources["citation"].str.len() > 20).all()
    for key, year, citation in sources.itertuples(index=False):
        assert str(year) in citation or "Directive" in key, key
    used = {key for keys in archetypes["source_list"] for key in keys}
    assert set(sources["key"]) == used
    for expected in (
        "Chertow 2007",
        "Jacobsen 2006",
        "Ehrenfeld & Gertler 1997",
        "Laybourn & Morrissey 2009",
        "Domenech et al. 2019",
        "Jato-Espino & Ruiz-Puente 2020",
        "Evans et al. 2017",
        "Cutaia et al. 2015",
        "EN 450-1:2012",
        "EN 13242:2002+A1:2007",
        "VGB-M 701e 2008",
    ):
        assert expected in used, expected


# --- numbers and units ------------------------------------------------------------------------


def test_ratios_positive_and_costs_non_negative(archetypes: pd.DataFrame) -> None:
    assert (archetypes["substitution_ratio"] > 0).all()
    for column in (
        "pretreatment_cost_per_unit",
        "pretreatment_co2e_kg_per_unit",
        "max_distance_km",
    ):
        assert (archetypes[column] >= 0).all(), column
        assert archetypes[column].map(math.isfinite).all(), column


def test_units_are_consistent_with_emission_factors(
    archetypes: pd.DataFrame, factor_units: dict[str, str]
) -> None:
    for row in archetypes.itertuples(index=False):
        assert row.supply_unit == {"material": "t", "energy": "MWh", "water": "m3"}[row.supply_kind]
        if row.virgin_factor_id:
            assert row.virgin_unit == factor_units[row.virgin_factor_id], row.id
        else:
            assert row.virgin_unit == row.supply_unit, row.id
        if row.disposal_factor_id:
            assert factor_units[row.disposal_factor_id] == row.supply_unit, row.id
        if row.supply_kind == "energy" and row.virgin_factor_id:
            assert row.virgin_unit == "MWh", row.id
        if row.supply_kind == "water" and row.virgin_factor_id:
            assert row.virgin_unit == "m3", row.id


def test_ratios_are_physically_plausible(archetypes: pd.DataFrame) -> None:
    for row in archetypes.itertuples(index=False):
        if row.supply_kind in ("energy", "water"):
            assert row.substitution_ratio <= 1.0, row.id
        elif row.virgin_unit == "MWh":
            # net calorific value of a waste fuel or biogas yield: at most ~12 MWh per t (oils)
            assert row.substitution_ratio <= 12.0, row.id
        elif row.virgin_unit.startswith("t "):
            assert row.substitution_ratio <= 0.5, f"{row.id}: nutrient content per t"
        else:
            assert row.substitution_ratio <= 1.5, row.id


def test_distances_fit_the_transport_mode(archetypes: pd.DataFrame) -> None:
    limits = {
        "pipeline": 50,
        "conveyor": 20,
        "none": 5,
        "truck": 1000,
        "grid": 500,
        "rail": 2000,
        "ship": 5000,
    }
    for row in archetypes.itertuples(index=False):
        assert 0 < row.max_distance_km <= limits[row.typical_mode], row.id


def test_heat_archetypes_require_temperature_and_never_raise_it(archetypes: pd.DataFrame) -> None:
    heat = archetypes[archetypes["supply_cpa_list"].map(lambda codes: "35.30" in codes)]
    assert len(heat) >= 20
    for row in heat.itertuples(index=False):
        assert row.supply_kind == "energy", row.id
        minima = [
            value
            for attribute, op, value in row.requirements
            if attribute == "temperature_C" and op == ">="
        ]
        assert minima, f"{row.id}: heat archetype without a minimum temperature"
        assert all(0 < value < 400 for value in minima), row.id
        assert "temperature_C" not in row.pretreatment_fixes_list, (
            f"{row.id}: temperature only goes down"
        )
        assert row.typical_mode == "pipeline" and row.max_distance_km <= 25, row.id


# --- coverage of the brief's categories -------------------------------------------------------


def _text(row: Row) -> str:
    return " ".join((row.name, row.supply_keywords, row.demand_keywords, row.pretreatment)).lower()


def _has(row: Row, *words: str) -> bool:
    text = _text(row)
    return all(word in text for word in words)


COVERAGE: dict[str, Callable[[Row], bool]] = {
    "fly ash to cement": lambda r: (
        "10 01 02" in r.supply_ewc_list and "23.51" in r.receiver_nace_list
    ),
    "fly ash to concrete": lambda r: (
        "10 01 02" in r.supply_ewc_list and "23.63" in r.receiver_nace_list
    ),
    "fly ash to road building": lambda r: (
        "10 01 02" in r.supply_ewc_list and "42.11" in r.receiver_nace_list
    ),
    "bottom ash": lambda r: bool({"10 01 01", "19 01 12"} & set(r.supply_ewc_list)),
    "blast furnace slag to cement": lambda r: (
        _has(r, "blast furnace slag") and "23.51" in r.receiver_nace_list
    ),
    "steel slag to roads": lambda r: _has(r, "steel slag") and "42.11" in r.receiver_nace_list,
    "copper slag": lambda r: "10 06 01" in r.supply_ewc_list,
    "FGD gypsum to plasterboard": lambda r: (
        "10 01 05" in r.supply_ewc_list and "23.62" in r.receiver_nace_list
    ),
    "FGD gypsum to cement": lambda r: (
        "10 01 05" in r.supply_ewc_list and "23.51" in r.receiver_nace_list
    ),
    "phosphogypsum": lambda r: "06 09 04" in r.supply_ewc_list,
    "steam to process heat": lambda r: (
        _has(r, "steam") and "35.30" in r.supply_cpa_list and "35.30" not in r.receiver_nace_list
    ),
    "district heating": lambda r: "35.30" in r.supply_cpa_list and "35.30" in r.receiver_nace_list,
    "greenhouses": lambda r: "01.13" in r.receiver_nace_list and "35.30" in r.supply_cpa_list,
    "fish farming": lambda r: bool({"03.21", "03.22"} & set(r.receiver_nace_list)),
    "absorption cooling": lambda r: _has(r, "absorption"),
    "treated wastewater to cooling water": lambda r: (
        r.supply_kind == "water" and _has(r, "cooling")
    ),
    "water to irrigation": lambda r: r.supply_kind == "water" and _has(r, "irrigation"),
    "fermentation biomass to fertiliser": lambda r: (
        _has(r, "fermentation biomass") and "20.15" in r.demand_cpa_list
    ),
    "spent yeast to feed": lambda r: _has(r, "yeast") and "10.91" in r.demand_cpa_list,
    "brewers' spent grain to feed": lambda r: (
        _has(r, "spent grain") and "10.91" in r.demand_cpa_list
    ),
    "brewers' spent grain to biogas": lambda r: (
        _has(r, "spent grain") and "06.20" in r.demand_cpa_list
    ),
    "whey": lambda r: "02 05 01" in r.supply_ewc_list,
    "food waste to biogas": lambda r: _has(r, "food waste") and "06.20" in r.demand_cpa_list,
    "food waste to feed": lambda r: _has(r, "foodstuffs") and "10.91" in r.demand_cpa_list,
    "sludge to biogas": lambda r: "19 08 05" in r.supply_ewc_list and "06.20" in r.demand_cpa_list,
    "sludge to soil": lambda r: "19 08 05" in r.supply_ewc_list and "20.15" in r.demand_cpa_list,
    "refinery gas to fuel": lambda r: _has(r, "refinery gas"),
    "waste oil": lambda r: bool({"13 02 05", "13 02 08"} & set(r.supply_ewc_list)),
    "solvents to fuel": lambda r: (
        "14 06 03" in r.supply_ewc_list and "23.51" in r.receiver_nace_list
    ),
    "solvents to recovery": lambda r: _has(r, "solvent") and "20.14" in r.demand_cpa_list,
    "tyres to cement kilns": lambda r: (
        "16 01 03" in r.supply_ewc_list and "23.51" in r.receiver_nace_list
    ),
    "RDF to cement kilns": lambda r: (
        "19 12 10" in r.supply_ewc_list and "23.51" in r.receiver_nace_list
    ),
    "CO2 to greenhouses": lambda r: (
        "20.11" in r.supply_cpa_list and "01.13" in r.receiver_nace_list
    ),
    "CO2 to beverages": lambda r: "20.11" in r.supply_cpa_list and "11.07" in r.receiver_nace_list,
    "sawdust to boards": lambda r: _has(r, "sawdust") and "16.21" in r.receiver_nace_list,
    "sawdust to pellets": lambda r: _has(r, "sawdust") and "16.29" in r.receiver_nace_list,
    "wood waste to fuel": lambda r: _has(r, "waste wood") and "35.11" in r.receiver_nace_list,
    "plastics remelting": lambda r: (
        "20.16" in r.demand_cpa_list
        and bool(set(r.receiver_nace_list) & {"20.16", "22.21", "22.22"})
    ),
    "glass remelting": lambda r: "23.13" in r.receiver_nace_list,
    "ferrous scrap": lambda r: "17 04 05" in r.supply_ewc_list and "24.10" in r.receiver_nace_list,
    "aluminium scrap": lambda r: (
        "17 04 02" in r.supply_ewc_list and "24.42" in r.receiver_nace_list
    ),
    "copper scrap": lambda r: "17 04 01" in r.supply_ewc_list and "24.44" in r.receiver_nace_list,
    "paper scrap": lambda r: "15 01 01" in r.supply_ewc_list and "17.12" in r.receiver_nace_list,
    "foundry sand to concrete": lambda r: (
        "10 09 08" in r.supply_ewc_list and "23.63" in r.receiver_nace_list
    ),
    "foundry sand to asphalt": lambda r: (
        "10 09 08" in r.supply_ewc_list and "23.99" in r.receiver_nace_list
    ),
    "lime by-products to neutralisation": lambda r: (
        _has(r, "neutralis") and "23.52" in r.demand_cpa_list
    ),
    "sulphur": lambda r: _has(r, "sulphur") and "20.13" in r.demand_cpa_list,
    "sulphuric acid": lambda r: _has(r, "sulphuric acid"),
    "ammonia / ATS fertiliser": lambda r: _has(r, "ammonium") and "20.15" in r.demand_cpa_list,
    "digestate to farms": lambda r: (
        "19 06 06" in r.supply_ewc_list and "01.1" in r.receiver_nace_list
    ),
    "ash to fertiliser": lambda r: "10 01 03" in r.supply_ewc_list and "20.15" in r.demand_cpa_list,
    "C&D waste to aggregates": lambda r: bool(
        {"17 01 01", "17 01 07", "17 09 04"} & set(r.supply_ewc_list)
    ),
    "textile waste": lambda r: bool({"04 02 21", "04 02 22", "20 01 11"} & set(r.supply_ewc_list)),
    "used pallets": lambda r: _has(r, "pallets") and "15 01 03" in r.supply_ewc_list,
}


@pytest.mark.parametrize("category", sorted(COVERAGE))
def test_brief_category_is_covered(archetypes: pd.DataFrame, category: str) -> None:
    predicate = COVERAGE[category]
    matches = [row.id for row in archetypes.itertuples(index=False) if predicate(row)]
    assert matches, f"no archetype covers {category!r}"


# --- CPA codes --------------------------------------------------------------------------------


def test_cpa_file_names_its_source() -> None:
    header = "\n".join(line for line in _raw_text("cpa.csv").splitlines() if line.startswith("#"))
    assert "1209/2014" in header and "CPA 2.1" in header


def test_cpa_codes_are_well_formed_and_nace_aligned() -> None:
    cpa = cpa_codes()
    assert list(cpa.columns) == ["code", "description", "level"]
    assert cpa["code"].is_unique
    assert (cpa["description"].str.len() > 0).all()
    assert set(cpa["level"]) <= {"class", "subclass"}
    classes = cpa.loc[cpa["level"] == "class", "code"]
    assert classes.str.fullmatch(r"\d{2}\.\d{2}").all()
    # CPA 2.1 classes mirror NACE Rev. 2 classes code for code
    nace = nace_codes()
    nace_classes = set(nace.loc[nace["level"] == "class", "code"])
    assert set(classes) <= nace_classes
    subclasses = cpa.loc[cpa["level"] == "subclass", "code"]
    assert all(code[:5] in set(classes) for code in subclasses)


def test_cpa_contains_the_key_products() -> None:
    cpa = cpa_codes().set_index("code")["description"]
    expected = {
        "08.11": "limestone, gypsum",
        "08.12": "Gravel and sand",
        "23.51": "Cement",
        "23.52": "Lime and plaster",
        "23.62": "plaster",
        "35.30": "Steam",
        "36.00": "Natural water",
        "10.91": "feeds for farm animals",
        "20.15": "Fertilisers",
        "06.20": "Natural gas",
        "19.20": "Refined petroleum",
        "20.11": "Industrial gases",
        "16.21": "wood-based panels",
        "24.10": "iron and steel",
        "24.42": "Aluminium",
        "23.13": "Hollow glass",
        "17.12": "Paper",
        "20.16": "Plastics in primary forms",
        "20.13": "inorganic basic chemicals",
    }
    for code, word in expected.items():
        assert word in cpa[code], code


# --- parse_requirements -----------------------------------------------------------------------


def test_parse_requirements_reads_attribute_operator_value() -> None:
    assert parse_requirements("purity_pct>=90;moisture_pct<=10;chloride_mg_per_kg<=1000") == [
        ("purity_pct", ">=", 90.0),
        ("moisture_pct", "<=", 10.0),
        ("chloride_mg_per_kg", "<=", 1000.0),
    ]
    assert parse_requirements(" temperature_C >= 60 ; ph<=9.5 ;") == [
        ("temperature_C", ">=", 60.0),
        ("ph", "<=", 9.5),
    ]
    assert parse_requirements("cod_mg_per_l<=1e3") == [("cod_mg_per_l", "<=", 1000.0)]
    assert parse_requirements("temperature_C>=-5") == [("temperature_C", ">=", -5.0)]


@pytest.mark.parametrize("empty", ["", "  ", ";", None, float("nan")])
def test_parse_requirements_empty_gives_empty_list(empty: object) -> None:
    assert parse_requirements(empty) == []


@pytest.mark.parametrize(
    "bad",
    [
        "purity_pct>90",
        "purity_pct=90",
        "purity_pct>=",
        ">=90",
        "purity_pct>=ninety",
        "purity pct>=90",
    ],
)
def test_parse_requirements_rejects_malformed_items(bad: str) -> None:
    with pytest.raises(ValueError, match="malformed"):
        parse_requirements(bad)


def test_parse_requirements_checks_attribute_names() -> None:
    with pytest.raises(ValueError, match="unknown quality attribute 'colour'"):
        parse_requirements("colour<=3")
    assert parse_requirements("colour<=3", validate=False) == [("colour", "<=", 3.0)]
    with pytest.raises(ValueError, match="must be text"):
        parse_requirements(42)


# --- loader behaviour -------------------------------------------------------------------------


def test_loaders_return_independent_copies() -> None:
    first = synergy_archetypes()
    first.loc[0, "substitution_ratio"] = -1.0
    del first["source"]
    second = synergy_archetypes()
    assert second.loc[0, "substitution_ratio"] > 0
    assert "source" in second.columns
    codes = cpa_codes()
    codes.loc[0, "code"] = "99.99"
    assert cpa_codes().loc[0, "code"] != "99.99"
    sources = archetype_sources()
    sources.loc[sources.index[0], "key"] = "changed"
    assert archetype_sources().loc[0, "key"] != "changed"


def test_dtypes(archetypes: pd.DataFrame) -> None:
    for column in (
        "substitution_ratio",
        "pretreatment_cost_per_unit",
        "pretreatment_co2e_kg_per_unit",
        "max_distance_km",
    ):
        assert archetypes[column].dtype == "float64", column
    assert archetypes["year"].dtype == "int64"
    assert all(isinstance(value, tuple) for value in archetypes["supply_ewc_list"])
    assert all(isinstance(value, tuple) for value in archetypes["requirements"])


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("supply_ewc_list", ("99 99 99",), "unknown EWC codes"),
        ("demand_cpa_list", ("99.99",), "unknown CPA codes"),
        ("receiver_nace_list", ("99.9",), "unknown NACE codes"),
        ("virgin_factor_id", "no_such_factor", "unknown emission factor ids"),
        ("source_list", ("Nobody 2099",), "unknown source keys"),
        ("requirements", (("colour", "<=", 3.0),), "unknown quality attributes"),
        ("substitution_ratio", 0.0, "substitution_ratio must be positive"),
        ("max_distance_km", -1.0, "max_distance_km must be"),
        ("typical_mode", "teleport", "typical_mode must be one of"),
    ],
)
def test_validation_names_the_bad_row(column: str, value: object, message: str) -> None:
    frame = synergy_archetypes()
    factors = emission_factors().set_index("id")["unit"].astype(str).to_dict()
    _archetypes._validate(frame, factors)  # the shipped table is valid
    bad = frame.copy()
    bad[column] = bad[column].astype(object)
    bad.at[bad.index[0], column] = value
    with pytest.raises(ValueError, match=re.escape(message)) as info:
        _archetypes._validate(bad, factors)
    assert repr(frame.loc[frame.index[0], "id"]) in str(info.value)


def _scenario(**row: object) -> pd.DataFrame:
    from symbiograph.model import attributes

    columns = [a.name for a in attributes("archetypes")]
    base = {c: "" for c in columns} | {
        "substitution_ratio": float("nan"),
        "pretreatment_cost_per_unit": float("nan"),
        "pretreatment_co2e_kg_per_unit": float("nan"),
        "max_distance_km": float("nan"),
        "year": pd.NA,
    }
    return pd.DataFrame([base | row], columns=columns)


def test_override_clears_with_a_dash_and_widen_merges_limits() -> None:
    from symbiograph.taxonomy import apply_scenario_archetypes

    shipped = synergy_archetypes()
    cleared, problems = apply_scenario_archetypes(
        shipped,
        _scenario(id="fly_ash_to_concrete", action="override", receiver_nace="-", source="s1"),
        {"s1": 2025},
    )
    assert problems == []
    row = cleared.set_index("id").loc["fly_ash_to_concrete"]
    assert row["receiver_nace_list"] == () and row["origin"] == "scenario (override)"
    assert row["source_list"][-1] == "s1" and len(row["source_list"]) > 1
    widened, problems = apply_scenario_archetypes(
        shipped,
        _scenario(
            id="fly_ash_to_concrete",
            action="widen",
            quality_requirements="moisture_pct<=3;ph>=7",
            receiver_nace="23.61;23.51",
            source="EN 450-1:2012",
        ),
    )
    assert problems == []
    row = widened.set_index("id").loc["fly_ash_to_concrete"]
    assert row["receiver_nace_list"] == ("23.63", "23.61", "23.51")  # no repeats
    limits = {(a, op): v for a, op, v in row["requirements"]}
    assert limits[("moisture_pct", "<=")] == 3.0 and limits[("carbon_pct", "<=")] == 5.0
    assert limits[("ph", ">=")] == 7.0
    # the shipped table itself is untouched
    assert synergy_archetypes().set_index("id").loc["fly_ash_to_concrete", "receiver_nace"] == (
        "23.63;23.61"
    )


def test_widen_cannot_clear_and_problems_name_the_row() -> None:
    from symbiograph.taxonomy import apply_scenario_archetypes

    scenario = pd.concat(
        [
            _scenario(id="fly_ash_to_fill", action="widen", giver_nace="35.30", source="s1"),
            _scenario(id="fly_ash_to_concrete", action="widen", receiver_nace="-", source="s1"),
        ],
        ignore_index=True,
    )
    merged, problems = apply_scenario_archetypes(synergy_archetypes(), scenario, {"s1": 2025})
    assert [(p, f) for p, f, _ in problems] == [(1, "receiver_nace")]
    assert "only with action override" in problems[0][2]
    by_id = merged.set_index("id")
    assert by_id.loc["fly_ash_to_fill", "giver_nace_list"] == ("35.11", "35.30")
    assert by_id.loc["fly_ash_to_concrete", "origin"] == "shipped"  # the bad row is left out
