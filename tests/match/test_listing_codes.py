"""From a free-text listing to candidates: uncoded supplies coded by the listing classifier."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
from typer.testing import CliRunner

from scenarios import two_plants
from symbiograph.cli import app
from symbiograph.datasets import kalundborg
from symbiograph.io import network_from_document
from symbiograph.match import MatchSettings, find_candidates
from symbiograph.match._listing_codes import PROPOSAL_COLUMNS, propose_listing_codes


def _ash_to_cement(description: str, name: str = "ash") -> dict[str, Any]:
    """A power station (NACE 35.11) 10 km from a cement works (23.51): the station lists an
    uncoded residue in its own words; the works buys cement (CPA 23.51)."""
    doc = two_plants({"carbon_price": 0.0}, resource_id="pfa", resource_name="ash")
    doc["facilities"][1]["nace_code"] = "23.51"
    doc["resources"] = [
        {
            "id": "pfa",
            "name": name,
            "kind": "material",
            "unit": "t/yr",
            "description": description,
        },
        {"id": "cement", "name": "cement", "kind": "material", "unit": "t/yr", "cpa_code": "23.51"},
    ]
    doc["streams"][1]["resource_id"] = "cement"
    return doc


PFA = "PFA from unit 2 boilers, dry, silo, approx 200 t/week"


def test_an_uncoded_listing_is_coded_and_its_candidates_marked() -> None:
    net = network_from_document(_ash_to_cement(PFA))
    without = find_candidates(net, MatchSettings(infer_codes=False))
    assert without.candidates.empty  # ash (no code) and cement: no link
    result = find_candidates(net)
    row = result.inferred.set_index("resource_id").loc["pfa"]
    assert row["code"] == "10 01 02" and row["method"] == "listing classifier"
    assert row["confidence"] >= 0.5 and "pfa" in row["reason"].lower()
    assert len(result.candidates) == 1
    cand = result.candidates.iloc[0]
    assert cand["demand_resource"] == "cement"
    assert cand["inferred_code"].startswith("supply pfa -> 10 01 02 (p=")
    assert "listing classifier" in cand["inferred_code"]
    proposals = result.proposals
    assert list(proposals.columns) == PROPOSAL_COLUMNS
    assert proposals["rank"].tolist() == [1, 2, 3]
    assert proposals["used"].tolist() == [True, False, False]
    assert (proposals["nace"] == "35.11").all()  # the supplying facility's sector is the prior
    assert proposals["probability"].is_monotonic_decreasing


def test_an_unsure_proposal_is_shown_but_not_used() -> None:
    net = network_from_document(_ash_to_cement("stuff, see photos, ask Jens", name="lot 7"))
    result = find_candidates(net)
    assert len(result.proposals) == 3 and not result.proposals["used"].any()
    assert "pfa" not in set(result.inferred["resource_id"]) or (
        result.inferred.set_index("resource_id").loc["pfa", "method"] != "listing classifier"
    )


def test_coded_energy_and_unsupplied_resources_are_left_alone() -> None:
    resources = pd.DataFrame(
        {
            "id": ["coded", "steam", "wanted"],
            "name": ["gypsum", "steam", "sawdust"],
            "kind": ["material", "energy", "material"],
            "ewc_code": ["10 01 05", "", ""],
            "cpa_code": ["", "", ""],
            "description": ["", "LP steam 4 bar", "sawdust from a joinery"],
        }
    )
    streams = pd.DataFrame(
        {
            "facility_id": ["f", "f", "f"],
            "resource_id": ["coded", "steam", "wanted"],
            "direction": ["supply", "supply", "demand"],
        }
    )
    facilities = pd.DataFrame({"id": ["f"], "nace_code": ["35.11"]})
    filled, inferred, proposals = propose_listing_codes(resources, streams, facilities)
    assert filled.equals(resources) and inferred.empty and proposals.empty


def test_kalundborg_codes_only_as_before() -> None:
    """Kalundborg's uncoded resources are energy, water and a product sold today (ATS, no
    disposal route): the listing classifier codes none of them; the older archetype-text
    inference still does, and exactly the candidates on its codes are marked."""
    result = find_candidates(kalundborg())
    assert result.proposals.empty
    assert set(result.inferred["method"]) == {"archetype text"}
    inferred = set(result.inferred["resource_id"])
    rests = result.candidates["supply_resource"].isin(inferred) | result.candidates[
        "demand_resource"
    ].isin(inferred)
    assert ((result.candidates["inferred_code"] != "") == rests).all()


def test_a_product_sold_today_is_not_given_a_waste_code() -> None:
    doc = _ash_to_cement(PFA)
    doc["streams"][0]["disposal_route"] = "none"
    result = find_candidates(network_from_document(doc))
    assert result.proposals.empty


def test_match_cli_writes_the_code_proposals(tmp_path: Path) -> None:
    import yaml

    scenario = tmp_path / "ash.yaml"
    scenario.write_text(yaml.safe_dump(_ash_to_cement(PFA)))
    out = tmp_path / "run" / "candidates.csv"
    got = CliRunner().invoke(app, ["match", str(scenario), "--out", str(out)])
    assert got.exit_code == 0, got.output
    table = pd.read_csv(tmp_path / "run" / "code_proposals.csv", dtype=str)
    assert table["code"].iloc[0] == "10 01 02" and len(table) == 3
    assert "code proposals" in got.output and "10 01 02" in got.output
    written = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert written["inferred_code"].iloc[0].startswith("supply pfa -> 10 01 02")
