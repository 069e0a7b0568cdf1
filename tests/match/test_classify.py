"""Free-text listings to EWC codes (issue 18): hazard qualifiers and mirror pairs, the
lexicon, quantities and containers, and the NACE prior moving a material to its chapter."""

from __future__ import annotations

import numpy as np
import pytest

from symbiograph.errors import InputError
from symbiograph.match import (
    ListingCodeModel,
    classify_listing,
    extract_quantity,
    listing_code_model,
    read_listing,
)
from symbiograph.taxonomy import (
    hazardous_ewc_entries,
    labelled_residue_listings,
    listing_containers,
    nace_ewc_prior,
    residue_lexicon,
)

WEEKS_PER_YEAR = 365 / 7


# -- the shipped data ------------------------------------------------------------------------


def test_shipped_listing_data_loads_and_is_split() -> None:
    listings = labelled_residue_listings()
    assert len(listings) >= 300 and listings["sector"].nunique() >= 12
    assert set(listings["split"]) == {"dev", "test"}
    assert listings["id"].is_unique
    assert len(residue_lexicon()) > 100 and (nace_ewc_prior()["weight"] > 0).all()
    assert set(listing_containers()["unit"]) <= {"m3", "t"}


def test_fitting_on_test_rows_is_refused() -> None:
    listings = labelled_residue_listings()
    with pytest.raises(ValueError, match="development"):
        ListingCodeModel().fit(listings)


# -- qualifiers and mirror pairs ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "negated"),
    [
        ("transformer oil, PCB free", "pcb free"),
        ("excavated soil, free of oil", "free of oil"),
        ("crushed concrete, no asbestos", "no asbestos"),
        ("ETP sludge cake, non haz", "non haz"),
        ("paint sludge, non-hazardous", "non-hazardous"),
    ],
)
def test_qualifiers_are_read_as_non_hazardous(text: str, negated: str) -> None:
    reading = read_listing(text)
    assert negated in reading.non_hazard_words
    assert not reading.hazardous_evidence


def test_hazard_words_inside_a_negation_are_not_evidence() -> None:
    reading = read_listing("soil and stones, free of oil, no asbestos")
    assert reading.hazard_words == ()
    assert set(reading.negated_substances) == {"oil", "asbestos"}
    # and what the material is not does not count as its words
    assert "asbestos" not in reading.expanded


@pytest.mark.parametrize(
    ("text", "nace", "non_hazardous", "hazardous"),
    [
        (
            "excavated soil and stones from footings, free of oil, no asbestos, 2 skips a week",
            "43.12",
            "17 05 04",
            "17 05 03",
        ),
        ("fly ash from the incinerator, free of heavy metals", "38.21", "19 01 14", "19 01 13"),
        ("paint sludge from spray booth, free of solvents", "29.10", "08 01 14", "08 01 13"),
        ("sludge from our effluent plant, non haz", "20.14", "07 01 12", "07 01 11"),
    ],
)
def test_free_of_points_to_the_non_hazardous_mirror_entry(
    text: str, nace: str, non_hazardous: str, hazardous: str
) -> None:
    proposals = classify_listing(text, nace, top=5)
    codes = [p.code for p in proposals]
    assert codes[0] == non_hazardous
    assert hazardous not in codes  # never the hazardous member of the pair
    assert "non-hazardous" in proposals[0].reason or "no hazard" in proposals[0].reason


@pytest.mark.parametrize(
    ("text", "nace", "hazardous"),
    [
        ("excavated soil contaminated with oil and tar", "43.12", "17 05 03"),
        ("sludge from our effluent plant, hazardous, solvents", "20.14", "07 01 11"),
    ],
)
def test_explicit_evidence_chooses_the_hazardous_member(
    text: str, nace: str, hazardous: str
) -> None:
    codes = [p.code for p in classify_listing(text, nace, top=3)]
    assert hazardous in codes
    assert {"17 05 04", "07 01 12"}.isdisjoint(codes)


def test_pcb_free_never_proposes_an_entry_containing_pcbs() -> None:
    for p in classify_listing("transformer oil, PCB free, 5 IBCs per month", "35.12", top=10):
        assert "PCB" not in p.description
    with_pcb = classify_listing("transformer oil containing PCBs", "35.12", top=1)
    assert with_pcb[0].code == "13 03 01"


def test_mirror_rule_moves_probability_not_creates_it() -> None:
    model = listing_code_model()
    probs = model.predict_proba(["soil and stones, non haz", "soil with oil"], ["43.12", "43.12"])
    assert np.allclose(probs.sum(axis=1), 1.0)
    codes = list(model.entry_codes())
    hazardous = np.array([c in hazardous_ewc_entries() for c in codes])
    assert probs[0, codes.index("17 05 03")] == 0.0
    assert probs[1, codes.index("17 05 04")] == 0.0
    assert probs[0, ~hazardous].sum() > probs[1, ~hazardous].sum()


# -- the lexicon -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "term", "words"),
    [
        ("PFA ex unit 2, conditioned", "pfa", "coal fly ash"),
        ("IBA from the EfW, 3 kt/yr", "iba", "incinerator bottom ash"),
        ("ali swarf from the CNCs", "swarf", "metal filings and turnings"),
        ("Cat 3 ABP trimmings", "cat 3", "category 3 animal by-products"),
    ],
)
def test_lexicon_abbreviations_expand_to_their_materials(text: str, term: str, words: str) -> None:
    reading = read_listing(text)
    assert term in [t for t, _, _ in reading.terms]
    assert words in reading.expanded


@pytest.mark.parametrize(
    ("text", "nace", "code"),
    [
        ("PFA, 200 t/wk", "35.11", "10 01 02"),
        ("IBA, 3 kt/yr", "38.21", "19 01 12"),
        ("FGD gypsum", "35.11", "10 01 05"),
        ("swarf, 2 t/wk", "25.62", "12 01 01"),
    ],
)
def test_abbreviation_alone_finds_its_entry(text: str, nace: str, code: str) -> None:
    proposals = classify_listing(text, nace, top=1)
    assert proposals[0].code == code
    assert "lexicon" in proposals[0].reason


def test_abbreviations_match_whole_words_only() -> None:
    # "pfa" inside another word is no lexicon hit
    assert "pfa" not in [t for t, _, _ in read_listing("spfax blend").terms]


# -- quantities ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "amount", "unit", "container", "nominal"),
    [
        ("approx 20 t/month", 240.0, "t/yr", "", False),
        ("2 skips a week", 2 * 6.0 * WEEKS_PER_YEAR, "m3/yr", "skip", True),
        ("5 IBCs per month", 60.0, "m3/yr", "ibc", True),
        ("drums 200 l, 10 a week", 10 * 0.2 * WEEKS_PER_YEAR, "m3/yr", "drum", False),
        ("~25 t/day, tanker", 25 * 365.0, "t/yr", "tanker", False),
        ("1-2 t/month", 18.0, "t/yr", "", False),
        ("500 kg per week, bagged 25kg", 0.5 * WEEKS_PER_YEAR, "t/yr", "", False),
        ("5000 tpa", 5000.0, "t/yr", "", False),
        ("2 skips a fortnight", 6.0 * WEEKS_PER_YEAR, "m3/yr", "skip", True),
    ],
)
def test_quantities_become_canonical(
    text: str, amount: float, unit: str, container: str, nominal: bool
) -> None:
    q = extract_quantity(text)
    assert q is not None
    assert q.amount == pytest.approx(amount)
    assert q.unit == unit
    assert q.container == container
    assert q.nominal is nominal


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("~3 m3/brew", "no time period"),
        ("vac tanker monthly", "no count"),
        ("3 drums", "no time period"),
    ],
)
def test_quantities_that_cannot_be_canonical_say_why(text: str, why: str) -> None:
    q = extract_quantity(text)
    assert q is not None and q.amount is None and q.unit is None
    assert why in q.reason


def test_no_quantity_is_none() -> None:
    assert extract_quantity("wet feathers from poultry plant") is None


def test_quantities_and_containers_are_stripped_from_the_material() -> None:
    reading = read_listing("ETP sludge cake, ~6 t/wk in RoRo skip, 5 IBCs per month")
    assert "6" not in reading.material and "roro" not in reading.material
    assert "ibc" not in reading.material and "month" not in reading.material
    assert "sludge cake" in reading.material


# -- the NACE prior --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("nace", "chapter"),
    [("10.51", "02"), ("17.12", "03"), ("20.14", "07"), ("19.20", "05"), ("15.11", "04")],
)
def test_nace_prior_moves_the_same_words_to_the_source_chapter(nace: str, chapter: str) -> None:
    text = "sludge from our effluent treatment plant, 20 t/wk"
    best = classify_listing(text, nace, top=1)[0]
    assert best.code[:2] == chapter
    assert f"NACE {nace}" in best.reason


def test_fly_ash_follows_the_industry_that_made_it() -> None:
    power = classify_listing("fly ash, 3 skips a week", "35.11", top=1)[0]
    incinerator = classify_listing("fly ash, 3 skips a week", "38.21", top=1)[0]
    assert power.code[:2] == "10" and incinerator.code[:2] == "19"


# -- probabilities and the API ---------------------------------------------------------------


def test_proposals_are_ranked_probabilities_with_reasons() -> None:
    proposals = classify_listing("DAF sludge from dairy effluent plant", "10.51", top=3)
    assert len(proposals) == 3
    probs = [p.probability for p in proposals]
    assert probs == sorted(probs, reverse=True) and 0 < sum(probs) <= 1 + 1e-9
    assert all(p.reason for p in proposals)
    model = listing_code_model()
    assert proposals[0].confident == (proposals[0].probability >= model.threshold)


def test_threshold_was_set_on_the_development_split() -> None:
    model = listing_code_model()
    assert 0 < model.threshold < 1 and 0.3 <= model.temperature <= 3
    assert model.development["precision_oof"] >= 0.8


def test_bad_nace_and_bad_top_are_refused() -> None:
    with pytest.raises(InputError, match="nace"):
        classify_listing("fly ash", "not a code")
    with pytest.raises(InputError, match="top"):
        classify_listing("fly ash", None, top=0)
