"""docs/knowledge-base.md is generated from the taxonomy CSVs and the matching rules."""

from __future__ import annotations

from pathlib import Path

from symbiograph.match import RULE_DESCRIPTIONS, knowledge_base_documentation
from symbiograph.match._rules import RULES
from symbiograph.taxonomy import archetype_sources, quality_attributes, synergy_archetypes

ROOT = Path(__file__).resolve().parents[2]


def test_committed_doc_equals_the_generated_one() -> None:
    committed = (ROOT / "docs" / "knowledge-base.md").read_text(encoding="utf-8")
    assert committed == knowledge_base_documentation(), (
        'regenerate: python -c "from symbiograph.match import knowledge_base_documentation as d; '
        "open('docs/knowledge-base.md', 'w').write(d())\""
    )


def test_doc_covers_every_rule_attribute_archetype_sector_and_source() -> None:
    text = knowledge_base_documentation()
    assert set(RULE_DESCRIPTIONS) == set(RULES) | {"economics"}
    for rule in RULES:
        assert f"| {rule} |" in text
    for name in quality_attributes()["name"]:
        assert f"| {name} |" in text
    archetypes = synergy_archetypes()
    for aid in archetypes["id"]:
        assert f"| {aid} |" in text
    for code in {c for codes in archetypes["receiver_nace_list"] for c in codes}:
        assert f"| {code} |" in text
    for key in archetype_sources()["key"]:
        assert key in text
    for words in ("highest score", "unknown", "override", "widen", "giver_sector"):
        assert words in text
