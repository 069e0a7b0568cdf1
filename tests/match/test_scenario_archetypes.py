"""A scenario extends the knowledge base: its ``archetypes`` table adds archetypes and
overrides or widens shipped ones, is validated like every other table, and matching uses it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from match.kb_parks import fly_ash_park
from symbiograph.io import (
    ScenarioError,
    network_from_document,
    read_network,
    write_csv_folder,
    write_xlsx,
    write_yaml,
)
from symbiograph.match import MatchSettings, find_candidates, knowledge_base
from symbiograph.model import Network

PLANT_SPEC = {
    "id": "plant_spec",
    "citation": "Cement works, accepted fly-ash specification (internal, 2025)",
    "year": 2025,
}


def _park(archetypes: list[dict[str, Any]], **ash_quality: float) -> dict[str, Any]:
    doc = fly_ash_park({**fly_ash_park()["streams"][0]["quality"], **ash_quality})
    doc["sources"] = [PLANT_SPEC]
    doc["archetypes"] = archetypes
    return doc


def _candidates(doc: dict[str, Any]) -> pd.DataFrame:
    found = find_candidates(network_from_document(doc), MatchSettings()).candidates
    return found.set_index("demand_id")


def test_widen_the_receiver_sectors_of_a_shipped_archetype() -> None:
    """Widened to cement works, the concrete archetype (ratio 0.8, cement replaced) now
    competes with the cement-constituent one (0.9, clinker replaced) there; the better wins."""
    widened = {
        "id": "fly_ash_to_concrete",
        "action": "widen",
        "receiver_nace": "23.51",
        "source": "plant_spec",
    }
    kb = knowledge_base(network_from_document(_park([widened]))).set_index("id")
    assert kb.loc["fly_ash_to_concrete", "receiver_nace_list"] == ("23.63", "23.61", "23.51")
    assert kb.loc["fly_ash_to_concrete", "origin"] == "scenario (widen)"
    assert "plant_spec" in kb.loc["fly_ash_to_concrete", "source_list"]
    assert kb.loc["fly_ash_to_cement_constituent", "origin"] == "shipped"
    # both now pass at the cement works: the higher score is kept
    both = find_candidates(network_from_document(_park([widened]))).links
    assert {"fly_ash_to_concrete", "fly_ash_to_cement_constituent"} <= set(both["archetype_id"])
    alone = {}
    for kept in ("fly_ash_to_concrete", "fly_ash_to_cement_constituent"):
        table = kb.reset_index()
        table = table[table["id"] == kept]
        net = network_from_document(_park([]))
        alone[kept] = find_candidates(net, archetypes=table).candidates.set_index("demand_id")
    best = max(alone, key=lambda k: alone[k].loc["clinker_at_cement_works", "score"])
    got = _candidates(_park([widened])).loc["clinker_at_cement_works"]
    assert got["archetype_id"] == best
    assert got["score"] == pytest.approx(alone[best].loc["clinker_at_cement_works", "score"])


def test_override_ratio_and_quality_limits_of_a_shipped_archetype() -> None:
    base = _candidates(_park([])).loc["clinker_at_cement_works"]
    assert base["archetype_id"] == "fly_ash_to_cement_constituent"
    ratio = {
        "id": "fly_ash_to_cement_constituent",
        "action": "override",
        "substitution_ratio": 0.5,
        "source": "plant_spec",
    }
    got = _candidates(_park([ratio])).loc["clinker_at_cement_works"]
    assert got["substitution_ratio"] == pytest.approx(0.5)
    # 50,000 t of clinker wanted / 0.5 = 100,000 t of ash, all that is supplied
    assert got["max_flow"] == pytest.approx(100_000)
    # a stricter loss on ignition (carbon) than the ash has: refused on quality
    strict = {**ratio, "substitution_ratio": None, "quality_requirements": "carbon_pct<=2"}
    result = find_candidates(network_from_document(_park([strict])))
    assert "clinker_at_cement_works" not in set(result.candidates["demand_id"])
    # override replaces the whole list; widen replaces only the limit it names
    kb = knowledge_base(network_from_document(_park([strict]))).set_index("id")
    assert kb.loc["fly_ash_to_cement_constituent", "requirements"] == (("carbon_pct", "<=", 2.0),)
    wider = {**strict, "action": "widen", "quality_requirements": "carbon_pct<=7"}
    kb = knowledge_base(network_from_document(_park([wider]))).set_index("id")
    limits = dict(
        ((a, op), v) for a, op, v in kb.loc["fly_ash_to_cement_constituent", "requirements"]
    )
    assert limits[("carbon_pct", "<=")] == 7.0 and limits[("sulphur_pct", "<=")] == 1.2
    # the ash (5.5 % carbon) fails the shipped 5 % limit but passes the widened 7 %
    assert "clinker_at_cement_works" not in set(_candidates(_park([], carbon_pct=5.5)).index)
    assert "clinker_at_cement_works" in set(_candidates(_park([wider], carbon_pct=5.5)).index)


NEW_ARCHETYPE = {
    "id": "fly_ash_to_clay_bricks",
    "action": "add",
    "name": "Fly ash as clay substitute in fired bricks",
    "supply_kind": "material",
    "supply_ewc": "100102",  # written without spaces: normalised
    "demand_cpa": "08.12",
    "demand_keywords": "clay",
    "receiver_nace": "23.32",
    "substitution_ratio": 0.3,
    "quality_requirements": "carbon_pct<=8",
    "typical_mode": "truck",
    "max_distance_km": 120,
    "source": "plant_spec",
}


def _with_brickworks(doc: dict[str, Any]) -> dict[str, Any]:
    doc["resources"].append(
        {
            "id": "clay",
            "name": "Brick clay",
            "kind": "material",
            "unit": "t/yr",
            "cpa_code": "08.12",
        }
    )
    doc["facilities"].append(
        {
            "id": "brickworks",
            "name": "Brickworks",
            "organisation": "B",
            "nace_code": "23.32",
            "lat": 55.1,
            "lon": 11.1,
        }
    )
    doc["streams"].append(
        {
            "id": "clay_at_brickworks",
            "facility_id": "brickworks",
            "resource_id": "clay",
            "direction": "demand",
            "quantity": 30_000,
            "price": 12,
        }
    )
    return doc


def test_a_scenario_adds_its_own_archetype() -> None:
    assert "clay_at_brickworks" not in set(_candidates(_with_brickworks(_park([]))).index)
    got = _candidates(_with_brickworks(_park([NEW_ARCHETYPE]))).loc["clay_at_brickworks"]
    assert got["archetype_id"] == "fly_ash_to_clay_bricks"
    assert got["substitution_ratio"] == pytest.approx(0.3)
    assert got["link"] == "archetype"
    kb = knowledge_base(network_from_document(_park([NEW_ARCHETYPE]))).set_index("id")
    row = kb.loc["fly_ash_to_clay_bricks"]
    assert row["supply_ewc_list"] == ("10 01 02",)
    assert row["origin"] == "scenario (add)" and row["year"] == 2025


def _problems(archetypes: list[dict[str, Any]]) -> list[tuple[int | None, str | None, str]]:
    with pytest.raises(ScenarioError) as info:
        network_from_document(_park(archetypes), "park.yaml")
    return [(p.row, p.field, p.message) for p in info.value.problems]


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"source": None}, "source", "required value is missing"),
        ({"source": "nobody_2099"}, "source", "unknown source"),
        ({"id": "fly_ash_to_concrete"}, "id", "override or widen"),
        ({"action": "override", "id": "no_such_archetype"}, "id", "no archetype"),
        ({"action": "grow"}, "action", "is not one of"),
        ({"quality_requirements": "carbon_pct=<8"}, "quality_requirements", "malformed"),
        ({"quality_requirements": "colour<=3"}, "quality_requirements", "unknown quality"),
        ({"receiver_nace": "99.9"}, "receiver_nace", "unknown NACE"),
        ({"demand_cpa": "99.99"}, "demand_cpa", "unknown CPA"),
        ({"supply_ewc": "99 99 99"}, "supply_ewc", "not a code of the European Waste"),
        ({"substitution_ratio": 0}, "substitution_ratio", "must be positive"),
        ({"substitution_ratio": None}, "substitution_ratio", "a new archetype needs"),
        ({"typical_mode": "teleport"}, "typical_mode", "is not one of"),
        ({"virgin_factor_id": "unobtainium"}, "virgin_factor_id", "unknown emission factor"),
        ({"max_distance_km": -5}, "max_distance_km", "must be a finite number >= 0"),
    ],
)
def test_bad_archetype_rows_name_file_row_and_field(
    change: dict[str, Any], field: str, words: str
) -> None:
    good = dict(NEW_ARCHETYPE, id="extra")
    problems = _problems([good, {**good, "id": "second", **change}])
    assert problems, "the bad row must be reported"
    rows = {row for row, _, _ in problems}
    assert rows == {2}, problems  # the second record, not the first
    assert any(f == field and words in message for _, f, message in problems), problems


@pytest.mark.parametrize("writer", [write_yaml, write_csv_folder, write_xlsx])
def test_the_archetype_table_round_trips_every_format(tmp_path: Path, writer: Any) -> None:
    widened = {
        "id": "fly_ash_to_concrete",
        "action": "widen",
        "receiver_nace": "23.51",
        "source": "plant_spec",
        "note": "plant accepts concrete-grade ash",
    }
    net = network_from_document(_with_brickworks(_park([NEW_ARCHETYPE, widened])))
    assert len(net.archetypes) == 2
    suffix = {write_yaml: "s.yaml", write_csv_folder: "folder", write_xlsx: "s.xlsx"}[writer]
    path = writer(net, tmp_path / suffix)
    again = read_network(path)
    assert again.differences(net) == []
    pd.testing.assert_frame_equal(
        find_candidates(again).candidates, find_candidates(net).candidates
    )


def test_the_store_keeps_the_archetype_table(tmp_path: Path) -> None:
    from symbiograph.store import Store

    net = network_from_document(_with_brickworks(_park([NEW_ARCHETYPE])))
    with Store(f"sqlite:///{tmp_path / 's.db'}") as store:
        store.save(net, "park")
        loaded: Network = store.load("park")
    assert loaded.differences(net) == []
    assert list(loaded.archetypes["id"]) == ["fly_ash_to_clay_bricks"]
