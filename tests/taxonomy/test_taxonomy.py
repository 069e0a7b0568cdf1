"""Shipped reference data: counts, known codes, normalisers and emission-factor hygiene."""

from __future__ import annotations

import math
from importlib import resources

import pandas as pd
import pytest

from symbiograph import taxonomy
from symbiograph.taxonomy import (
    emission_factors,
    ewc_codes,
    is_valid_ewc,
    is_valid_nace,
    nace_codes,
    normalise_ewc_code,
    normalise_nace_code,
    quality_attributes,
    transport_mode_defaults,
    valid_ewc_entries,
    valid_nace_classes,
)

# --- EWC / List of Waste ---------------------------------------------------------------------


def test_ewc_counts_per_level() -> None:
    ewc = ewc_codes()
    counts = ewc["level"].value_counts().to_dict()
    assert counts == {"chapter": 20, "subchapter": 111, "entry": 842}
    entries = ewc[ewc["level"] == "entry"]
    assert int(entries["hazardous"].sum()) == 408
    assert not ewc.loc[ewc["level"] != "entry", "hazardous"].any()


def test_ewc_codes_unique_and_well_formed() -> None:
    ewc = ewc_codes()
    assert ewc["code"].is_unique
    pattern = {"chapter": r"\d{2}", "subchapter": r"\d{2} \d{2}", "entry": r"\d{2} \d{2} \d{2}"}
    for level, regex in pattern.items():
        codes = ewc.loc[ewc["level"] == level, "code"]
        assert codes.str.fullmatch(regex).all(), level
    assert (ewc["description"].str.len() > 0).all()


def test_ewc_hierarchy_is_consistent() -> None:
    ewc = ewc_codes()
    chapters = set(ewc.loc[ewc["level"] == "chapter", "code"])
    subchapters = set(ewc.loc[ewc["level"] == "subchapter", "code"])
    entries = ewc[ewc["level"] == "entry"]
    assert set(entries["chapter"]) == chapters
    assert set(entries["subchapter"]) == subchapters
    assert (entries["code"].str[:5] == entries["subchapter"]).all()
    assert (entries["code"].str[:2] == entries["chapter"]).all()
    assert chapters == {f"{i:02d}" for i in range(1, 21)}


def test_ewc_entries_per_chapter() -> None:
    entries = ewc_codes().query("level == 'entry'")
    per_chapter = entries.groupby("chapter").size().to_dict()
    # Counts of six-digit entries per chapter in Decision 2014/955/EU.
    assert per_chapter["10"] == 173
    assert per_chapter["19"] == 99
    assert per_chapter["07"] == 78
    assert per_chapter["16"] == 72
    assert per_chapter["14"] == 5


@pytest.mark.parametrize(
    ("code", "hazardous", "words"),
    [
        ("10 01 05", False, "calcium-based reaction wastes from flue-gas desulphurisation"),
        ("10 01 04", True, "oil fly ash and boiler dust"),
        ("19 08 05", False, "sludges from treatment of urban waste water"),
        ("02 07 04", False, "materials unsuitable for consumption or processing"),
        ("01 01 01", False, "wastes from mineral metalliferous excavation"),
        ("01 03 10", True, "red mud"),
        ("16 03 07", True, "metallic mercury"),
        ("19 03 08", True, "partly stabilised mercury"),
        ("17 08 02", False, "gypsum-based construction materials"),
        ("20 03 01", False, "mixed municipal waste"),
    ],
)
def test_known_ewc_entries(code: str, hazardous: bool, words: str) -> None:
    ewc = ewc_codes().set_index("code")
    assert ewc.loc[code, "level"] == "entry"
    assert bool(ewc.loc[code, "hazardous"]) is hazardous
    assert words in str(ewc.loc[code, "description"])


def test_ewc_headings_present() -> None:
    ewc = ewc_codes().set_index("code")
    assert ewc.loc["10", "description"] == "WASTES FROM THERMAL PROCESSES"
    assert ewc.loc["10 01", "level"] == "subchapter"
    assert "power stations" in str(ewc.loc["10 01", "description"])


@pytest.mark.parametrize(
    "raw", ["100105", "10 01 05", "10.01.05", "10 01 05*", " 10-01-05 ", "10 01 05 *"]
)
def test_normalise_ewc_code(raw: str) -> None:
    assert normalise_ewc_code(raw) == "10 01 05"


def test_normalise_ewc_code_headings() -> None:
    assert normalise_ewc_code("10") == "10"
    assert normalise_ewc_code("1001") == "10 01"


@pytest.mark.parametrize("raw", ["", "1001051", "10 01 0", "abc", "10 01 05 01"])
def test_normalise_ewc_code_rejects(raw: str) -> None:
    with pytest.raises(ValueError, match="EWC"):
        normalise_ewc_code(raw)


def test_valid_ewc_entries() -> None:
    valid = valid_ewc_entries()
    assert isinstance(valid, frozenset)
    assert len(valid) == 842
    assert "10 01 05" in valid
    assert "10 01" not in valid
    assert "10 01 06" not in valid


def test_is_valid_ewc_vectorised() -> None:
    codes = pd.Series(["100105", "10 01 04*", "99 99 99", None, "10", 42], index=list("abcdef"))
    result = is_valid_ewc(codes)
    assert result.dtype == bool
    assert list(result.index) == list("abcdef")
    assert result.tolist() == [True, True, False, False, False, False]
    assert is_valid_ewc(["190805"]).tolist() == [True]


# --- NACE Rev. 2 -------------------------------------------------------------------------------


def test_nace_counts_per_level() -> None:
    counts = nace_codes()["level"].value_counts().to_dict()
    assert counts == {"section": 21, "division": 88, "group": 272, "class": 615}


def test_nace_hierarchy_is_consistent() -> None:
    nace = nace_codes()
    assert nace["code"].is_unique
    codes = set(nace["code"])
    by_code = nace.set_index("code")
    for row in nace.itertuples(index=False):
        if row.level == "section":
            assert row.parent == ""
            assert row.code == row.section
            continue
        assert row.parent in codes
        parent_level = by_code.loc[row.parent, "level"]
        expected = {"division": "section", "group": "division", "class": "group"}[row.level]
        assert parent_level == expected
        if row.level != "division":
            assert row.code.startswith(row.parent)
    pattern = {
        "section": r"[A-U]",
        "division": r"\d{2}",
        "group": r"\d{2}\.\d",
        "class": r"\d{2}\.\d{2}",
    }
    for level, regex in pattern.items():
        assert nace.loc[nace["level"] == level, "code"].str.fullmatch(regex).all(), level


@pytest.mark.parametrize(
    ("code", "section", "words"),
    [
        ("35.11", "D", "Production of electricity"),
        ("19.20", "C", "Manufacture of refined petroleum products"),
        ("21.10", "C", "Manufacture of basic pharmaceutical products"),
        ("23.62", "C", "Manufacture of plaster products for construction purposes"),
        ("03.21", "A", "Marine aquaculture"),
        ("38.32", "E", "Recovery of sorted materials"),
        ("23.51", "C", "Manufacture of cement"),
        ("10.91", "C", "Manufacture of prepared feeds for farm animals"),
    ],
)
def test_known_nace_classes(code: str, section: str, words: str) -> None:
    nace = nace_codes().set_index("code")
    assert nace.loc[code, "level"] == "class"
    assert nace.loc[code, "section"] == section
    assert nace.loc[code, "description"] == words


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("3511", "35.11"),
        ("35.11", "35.11"),
        ("35 11", "35.11"),
        (" 35.11 ", "35.11"),
        ("C23.51", "23.51"),
        ("351", "35.1"),
        ("35", "35"),
        ("c", "C"),
        ("D", "D"),
    ],
)
def test_normalise_nace_code(raw: str, expected: str) -> None:
    assert normalise_nace_code(raw) == expected


@pytest.mark.parametrize("raw", ["", "3", "35111", "X1", "AB", "35.1.1.1"])
def test_normalise_nace_code_rejects(raw: str) -> None:
    with pytest.raises(ValueError, match="NACE"):
        normalise_nace_code(raw)


def test_valid_nace_codes_cover_all_levels() -> None:
    valid = valid_nace_classes()
    assert isinstance(valid, frozenset)
    assert len(valid) == 21 + 88 + 272 + 615
    assert {"D", "35", "35.1", "35.11"} <= valid
    assert "35.19" not in valid
    assert is_valid_nace(["3511", "C", "99.99", None]).tolist() == [True, True, False, False]


# --- emission factors and transport defaults ----------------------------------------------------


def test_emission_factor_rows_are_sourced_and_finite() -> None:
    factors = emission_factors()
    assert factors["id"].is_unique
    assert len(factors) >= 40
    for row in factors.itertuples(index=False):
        assert str(row.source).strip(), row.id
        assert 1990 <= int(row.year) <= 2030, row.id
        value = float(row.kg_co2e_per_unit)
        assert math.isfinite(value), row.id
        if value < 0:
            assert "credit" in str(row.note).lower(), (
                f"{row.id}: negative value without a credit note"
            )
        else:
            assert value > 0, row.id
        assert str(row.unit) in {"t", "t N", "t P2O5", "t K2O", "MWh", "m3", "t.km"}, row.id


def test_emission_factor_coverage() -> None:
    factors = emission_factors().set_index("id")
    categories = set(factors["category"])
    assert {"virgin_production", "fuel_combustion", "disposal", "transport", "heat"} <= categories
    assert {"electricity", "water"} <= categories
    for wanted in [
        "clinker_grey_virgin",
        "gypsum_natural_virgin",
        "steel_bf_bof_virgin",
        "steel_eaf_virgin",
        "natural_gas_combustion",
        "landfill_inert",
        "composting",
        "truck_articulated_gt33t",
        "rail_freight",
        "inland_barge",
        "ship_short_sea",
        "electricity_eu27",
        "electricity_dk",
        "district_heat_dk",
        "water_supply",
        "wastewater_treatment",
    ]:
        assert wanted in factors.index, wanted
    # IPCC 2006 default natural gas: 56.1 t CO2/TJ = 201.96 kg CO2 per MWh (NCV).
    assert factors.loc["natural_gas_combustion", "kg_co2e_per_unit"] == pytest.approx(
        202.2, abs=0.5
    )
    assert factors.loc["truck_articulated_gt33t", "unit"] == "t.km"


def test_transport_mode_defaults() -> None:
    modes = transport_mode_defaults().set_index("mode")
    assert set(modes.index) == {"truck", "rail", "ship", "pipeline", "conveyor", "grid", "none"}
    numeric = ["cost_per_tkm", "co2e_kg_per_tkm", "detour_factor", "pipeline_capex_per_km"]
    assert (modes[numeric] >= 0).all().all()
    assert (modes["detour_factor"] >= 1).all()
    assert modes.loc["none", "cost_per_tkm"] == 0
    assert modes.loc["pipeline", "pipeline_capex_per_km"] > 0
    assert (modes["source"].str.len() > 0).all()
    assert modes.loc["truck", "co2e_kg_per_tkm"] > modes.loc["rail", "co2e_kg_per_tkm"]


def test_quality_attributes_loaded() -> None:
    attributes = quality_attributes()
    assert list(attributes.columns) == ["name", "unit", "kind", "description"]
    assert "temperature_C" in set(attributes["name"])


def test_loaders_return_copies() -> None:
    first = ewc_codes()
    first.loc[:, "description"] = "changed"
    assert (ewc_codes()["description"] != "changed").all()
    factors = emission_factors()
    factors.loc[:, "kg_co2e_per_unit"] = -1.0
    assert (emission_factors()["kg_co2e_per_unit"] != -1.0).any()


def test_every_csv_names_its_source() -> None:
    package = resources.files(taxonomy.__name__)
    for name in [
        "ewc.csv",
        "nace.csv",
        "emission_factors.csv",
        "transport_modes.csv",
        "employment_ratios.csv",
        "quality_attributes.csv",
        "synergy_archetypes.csv",
        "cpa.csv",
        "technologies.csv",
        "technology_ports.csv",
    ]:
        text = package.joinpath(name).read_text(encoding="utf-8")
        assert text.startswith("#"), name
    ewc_header = package.joinpath("ewc.csv").read_text(encoding="utf-8").split("\ncode,")[0]
    assert "2000/532/EC" in ewc_header
    assert "2014/955/EU" in ewc_header
    assert "02000D0532-20150601" in ewc_header
    assert "842" in ewc_header
    nace_header = package.joinpath("nace.csv").read_text(encoding="utf-8").split("\ncode,")[0]
    assert "1893/2006" in nace_header


def test_public_api() -> None:
    assert set(taxonomy.__all__) == {
        "apply_scenario_archetypes",
        "archetype_sources",
        "cpa_codes",
        "synergy_archetypes",
        "emission_factors",
        "employment_ratios",
        "ewc_codes",
        "hazardous_ewc_entries",
        "is_hazardous_ewc",
        "is_valid_ewc",
        "is_valid_nace",
        "labelled_residue_listings",
        "listing_containers",
        "nace_codes",
        "nace_ewc_prior",
        "normalise_ewc_code",
        "normalise_nace_code",
        "quality_attributes",
        "residue_lexicon",
        "technologies",
        "technology_documentation",
        "technology_ports",
        "transport_mode_defaults",
        "valid_ewc_entries",
        "valid_nace_classes",
    }


def test_hazardous_entries_match_the_list() -> None:
    codes = taxonomy.ewc_codes()
    hazardous = taxonomy.hazardous_ewc_entries()
    assert len(hazardous) == 408  # the official count of asterisk entries
    assert hazardous <= set(codes.loc[codes["level"] == "entry", "code"])
    assert taxonomy.is_hazardous_ewc("10 01 04*") and taxonomy.is_hazardous_ewc("100104")
    assert not taxonomy.is_hazardous_ewc("10 01 05") and not taxonomy.is_hazardous_ewc("bogus")
