"""A facilitator's correction becomes a labelled example for the registry: the corrected
listing, and listings worded like it, are then coded as corrected."""

from __future__ import annotations

import pandas as pd
import pytest

from symbiograph.errors import InputError
from symbiograph.match import (
    EXAMPLE_COLUMNS,
    add_listing_examples,
    labelled_examples,
    listing_code_model,
)

CORRECTION = {
    "id": "R1",
    "text": "Zorbex pellets spent, 2 bags/week",
    "nace": "20.14",
    "ewc": "06 13 02",
    "source": "facilitator correction",
    "year": 2026,
}
SIMILAR = "spent zorbex pellet in drums, approx 1 t/month"


def test_a_corrected_listing_and_a_similar_one_are_coded_as_corrected() -> None:
    model = listing_code_model()
    before = [model.propose(t, "20.14")[0].code for t in (CORRECTION["text"], SIMILAR)]
    assert "06 13 02" not in before  # a trade name the shipped model cannot know
    corrected = add_listing_examples(model, pd.DataFrame([CORRECTION]))
    for text in (CORRECTION["text"], SIMILAR):
        best = corrected.propose(text, "20.14")[0]
        assert best.code == "06 13 02" and best.confident
        assert best.reason.startswith("corrected like R1")
    # the shipped model is untouched; unrelated listings keep their proposals
    assert model.propose(CORRECTION["text"], "20.14")[0].code == before[0]
    other = "PFA from unit 2 boilers, dry, silo"
    assert corrected.propose(other, "35.11")[0].code == model.propose(other, "35.11")[0].code
    probs = corrected.predict_proba([SIMILAR], ["20.14"])
    assert probs.sum() == pytest.approx(1.0)


def test_corrections_accumulate() -> None:
    model = add_listing_examples(listing_code_model(), pd.DataFrame([CORRECTION]))
    second = dict(CORRECTION, id="R2", text="Kleenflo grit, used, skip", ewc="12 01 17")
    both = add_listing_examples(model, pd.DataFrame([second]))
    assert both.propose("Kleenflo grit used", "25.61")[0].code == "12 01 17"
    assert both.propose(CORRECTION["text"], "20.14")[0].code == "06 13 02"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"ewc": "06 13 2"}, "row 2 .*ewc '06 13 2' is not a List of Waste entry"),
        ({"text": "  "}, "row 2 .*text is empty"),
        ({"nace": "99.999"}, "row 2 .*nace"),
    ],
)
def test_bad_examples_are_named_by_row_and_field(change: dict, message: str) -> None:
    with pytest.raises(InputError, match=message):
        labelled_examples(pd.DataFrame([dict(CORRECTION, **change)]))


def test_the_example_file_format() -> None:
    table = labelled_examples(pd.DataFrame([CORRECTION]))
    assert tuple(table.columns) == EXAMPLE_COLUMNS
    with pytest.raises(InputError, match="missing column"):
        labelled_examples(pd.DataFrame([{"text": "x", "ewc": "06 13 02"}]))
    duplicate = pd.DataFrame([CORRECTION, CORRECTION])
    with pytest.raises(InputError, match="duplicate id 'R1'"):
        labelled_examples(duplicate)


def test_the_example_format_is_documented() -> None:
    from pathlib import Path

    doc = (Path(__file__).parents[2] / "docs" / "classifier.md").read_text()
    for column in EXAMPLE_COLUMNS:
        assert f"\n| {column} |" in doc
    assert "python -m benchmarks.run bench_classify" in doc
