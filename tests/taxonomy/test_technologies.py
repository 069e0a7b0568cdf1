"""The shipped catalogue of green technologies: every number has its public source and
year, judged numbers are marked, ports balance where physics says they must, and the docs
page is the catalogue's."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from symbiograph.taxonomy import (
    emission_factors,
    technologies,
    technology_documentation,
    technology_ports,
)

DOCS = Path(__file__).resolve().parents[2] / "docs" / "technologies.md"


def test_the_catalogue_holds_the_technologies_of_the_issue() -> None:
    ids = set(technologies()["id"])
    assert {
        "heat_pump_waste_heat",
        "electrolyser_alkaline",
        "biogas_plant",
        "carbon_capture_amine",
        "solar_pv_utility",
        "wind_onshore",
        "water_reclamation",
    } <= ids


def test_every_row_has_a_source_and_a_year() -> None:
    techs = technologies()
    for t in techs.itertuples():
        assert t.cost_source.strip(), t.id
        assert 1990 <= t.cost_year <= 2026, t.id
        if not np.isnan(t.full_load_hours):
            assert t.performance_source.strip(), t.id
            assert 1990 <= int(t.performance_year) <= 2026, t.id
    ports = technology_ports()
    for p in ports.itertuples():
        assert p.source.strip(), (p.technology_id, p.port)
        assert 1990 <= p.year <= 2026, (p.technology_id, p.port)
        assert p.estimate in ("", "ESTIMATE")


def test_estimates_name_numbers_of_their_row() -> None:
    numbers = {
        "full_load_hours",
        "capex_per_capacity",
        "capex_fixed",
        "fixed_om_per_capacity",
        "variable_cost",
        "lifetime_years",
        "min_capacity",
    }
    for t in technologies().itertuples():
        assert set(filter(None, t.estimates.split(";"))) <= numbers, t.id


def test_market_inputs_have_emission_factors_that_exist() -> None:
    known = set(emission_factors()["id"])
    ports = technology_ports()
    for p in ports[ports["role"] == "market"].itertuples():
        assert p.direction == "in"
        if p.factor_id:
            assert p.factor_id in known, p.factor_id


def test_ratios_keep_the_physics() -> None:
    heat_pump = technology_ports("heat_pump_waste_heat").set_index("port")["ratio"]
    # energy: heat out = waste heat + electricity in (a heat pump's COP is 1 / electricity)
    assert heat_pump["heat"] == pytest.approx(heat_pump["waste_heat"] + heat_pump["electricity"])
    electrolyser = technology_ports("electrolyser_alkaline").set_index("port")["ratio"]
    assert electrolyser["oxygen"] == pytest.approx(8 * electrolyser["hydrogen"], rel=0.01)
    # 65 % of the electricity's energy is the hydrogen's (33.3 MWh per t, LHV)
    assert electrolyser["hydrogen"] * 33.3 == pytest.approx(0.65, abs=0.01)
    capture = technology_ports("carbon_capture_amine").set_index("port")["ratio"]
    assert capture["co2"] / capture["co2_flue"] == pytest.approx(0.9, abs=0.01)
    reclaim = technology_ports("water_reclamation").set_index("port")["ratio"]
    assert reclaim["reclaimed_water"] + reclaim["brine"] == pytest.approx(
        reclaim["treated_effluent"]
    )


def test_the_docs_page_is_the_catalogue() -> None:
    text = technology_documentation()
    for t in technologies().itertuples():
        assert f"`{t.id}`" in text and t.cost_source in text
    assert DOCS.read_text(encoding="utf-8") == text, (
        "docs/technologies.md is stale: write symbiograph.taxonomy.technology_documentation()"
    )
