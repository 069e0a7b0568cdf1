"""`explain` lists every archetype considered for a pair with its verdict, failing first, and
a quality value the supply does not report is unknown, never a pass."""

from __future__ import annotations

from pathlib import Path

import yaml
from typer.testing import CliRunner

from match.kb_parks import GOOD_ASH, fly_ash_park
from symbiograph.cli import app
from symbiograph.io import network_from_document
from symbiograph.match import explain_pair, find_candidates

VERDICT_ORDER = {"fail": 0, "unknown": 1, "pass": 2}
OUTCOME_ORDER = {"fails": 0, "passes": 1, "kept": 2}
FLY_ASH_TO_CEMENT = {
    "fly_ash_to_concrete",
    "fly_ash_to_cement_constituent",
    "fly_ash_to_concrete_blocks",
}


def test_every_archetype_considered_is_listed_failing_first() -> None:
    net = network_from_document(fly_ash_park())
    why = explain_pair(net, "ash", "clinker_at_cement_works")
    assert list(why.columns) == ["archetype_id", "outcome", "rule", "verdict", "passed", "detail"]
    assert set(why["archetype_id"]) == FLY_ASH_TO_CEMENT
    outcome = why.drop_duplicates("archetype_id").set_index("archetype_id")["outcome"]
    assert outcome.to_dict() == {
        "fly_ash_to_concrete": "fails",
        "fly_ash_to_concrete_blocks": "fails",
        "fly_ash_to_cement_constituent": "kept",
    }
    # archetypes that fail first, the kept one last; within each, failing rules first
    blocks = [OUTCOME_ORDER[o] for o in why.drop_duplicates("archetype_id")["outcome"]]
    assert blocks == sorted(blocks)
    for _, block in why.groupby("archetype_id", sort=False):
        verdicts = [VERDICT_ORDER[v] for v in block["verdict"]]
        assert verdicts == sorted(verdicts)
        assert set(block["rule"]) >= {"resource_link", "receiver_sector", "quality"}
    concrete = why[why["archetype_id"] == "fly_ash_to_concrete"].iloc[0]
    assert (concrete["rule"], concrete["verdict"]) == ("receiver_sector", "fail")
    assert "23.51" in concrete["detail"] and "23.63" in concrete["detail"]
    # the failing archetype's other rules are heard too: its quality limits are checked
    concrete_quality = why[
        (why["archetype_id"] == "fly_ash_to_concrete") & (why["rule"] == "quality")
    ].iloc[0]
    assert concrete_quality["verdict"] == "pass"
    assert "carbon_pct" in concrete_quality["detail"]
    kept = why[why["outcome"] == "kept"]
    assert kept["passed"].all() and kept.iloc[-1]["rule"] == "economics"
    assert (why["passed"] == (why["verdict"] == "pass")).all()


def test_several_passing_archetypes_say_which_is_kept() -> None:
    doc = fly_ash_park()
    doc["facilities"][1]["nace_code"] = "23.63"  # a cement-and-concrete plant: both fit
    doc["archetypes"] = [
        {
            "id": "fly_ash_to_cement_constituent",
            "action": "widen",
            "receiver_nace": "23.63",
            "source": "EN 197-1:2011",
        }
    ]
    net = network_from_document(doc)
    why = explain_pair(net, "ash", "clinker_at_cement_works")
    outcome = why.drop_duplicates("archetype_id").set_index("archetype_id")["outcome"]
    kept = outcome[outcome == "kept"].index.tolist()
    assert len(kept) == 1 and (outcome == "passes").sum() == 1
    candidate = find_candidates(net).candidates.set_index("demand_id")
    assert candidate.loc["clinker_at_cement_works", "archetype_id"] == kept[0]


def test_a_missing_quality_value_is_unknown_never_a_pass() -> None:
    quality = {k: v for k, v in GOOD_ASH.items() if k != "sulphur_pct"}
    net = network_from_document(fly_ash_park(quality))
    why = explain_pair(net, "ash", "clinker_at_cement_works")
    kept = why[why["archetype_id"] == "fly_ash_to_cement_constituent"].set_index("rule")
    assert kept.loc["quality", "verdict"] == "unknown"
    assert not kept.loc["quality", "passed"]
    assert "sulphur_pct unknown" in kept.loc["quality", "detail"]
    assert "carbon_pct=3 needs <= 5" in kept.loc["quality", "detail"]
    # unknown flags, it does not block: still the candidate, marked unverified
    assert kept["outcome"].iloc[0] == "kept"
    c = find_candidates(net).candidates.set_index("demand_id").loc["clinker_at_cement_works"]
    assert bool(c["quality_unverified"])
    # with every value reported the rule passes and the candidate is verified
    net = network_from_document(fly_ash_park())
    full = explain_pair(net, "ash", "clinker_at_cement_works")
    row = full[
        (full["archetype_id"] == "fly_ash_to_cement_constituent") & (full["rule"] == "quality")
    ].iloc[0]
    assert row["verdict"] == "pass"
    c = find_candidates(net).candidates.set_index("demand_id").loc["clinker_at_cement_works"]
    assert not bool(c["quality_unverified"])


def test_cli_explain_shows_the_archetypes_and_the_unknown(tmp_path: Path) -> None:
    quality = {k: v for k, v in GOOD_ASH.items() if k != "sulphur_pct"}
    path = tmp_path / "park.yaml"
    path.write_text(yaml.safe_dump(fly_ash_park(quality)), encoding="utf-8")
    result = CliRunner().invoke(app, ["explain", str(path), "ash", "clinker_at_cement_works"])
    text = " ".join(result.output.split())
    assert result.exit_code == 0, result.output
    assert "fly_ash_to_concrete" in text and "unknown" in text
    assert "a candidate by archetype fly_ash_to_cement_constituent" in text
