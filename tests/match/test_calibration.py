"""Calibration of the listing classifier's probabilities: the options, their choice on the
development split, and that a calibration map never changes the ranking."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from symbiograph.match import _classify as c


def _overconfident(n: int = 400, m: int = 20, seed: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """Rows whose top-1 says 0.9 but is right 60% of the time."""
    rng = np.random.default_rng(seed)
    probs = np.full((n, m), 0.1 / (m - 1))
    top = rng.integers(m, size=n)
    probs[np.arange(n), top] = 0.9
    right = rng.random(n) < 0.6
    y = np.where(right, top, (top + 1) % m)
    return probs, y


@pytest.mark.parametrize("method", [m for m in c.CALIBRATIONS if m != "temperature"])
def test_each_map_moves_an_overconfident_top1_to_its_accuracy(method: str) -> None:
    probs, y = _overconfident()
    calibrated = c._calibrate(probs, c._fit_calibration(probs, y, method))
    assert c._ece(probs, y) == pytest.approx(0.3, abs=1e-9)
    assert c._ece(calibrated, y) < 0.05
    assert np.allclose(calibrated.sum(axis=1), 1.0)
    assert (calibrated.argmax(axis=1) == probs.argmax(axis=1)).all()


def test_the_choice_is_the_lowest_development_cv_ece() -> None:
    probs, y = _overconfident()
    chosen, scores = c._choose_calibration(probs, y, 1.0, seed=18)
    assert set(scores) == set(c.CALIBRATIONS)
    assert scores["temperature"] == pytest.approx(0.3, abs=1e-9)
    best = min(scores, key=lambda k: scores[k])
    assert chosen is not None and chosen[0] == best and scores[best] < 0.1


def test_an_unknown_calibration_is_refused() -> None:
    probs, y = _overconfident(n=20)
    with pytest.raises(ValueError, match="unknown calibration"):
        c._fit_calibration(probs, y, "magic")


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.floats(0.001, 1.0), min_size=3, max_size=8),
    st.floats(0.01, 0.99),
)
def test_a_map_that_lowers_the_top1_keeps_it_on_top(weights: list[float], new: float) -> None:
    """Even when the map sends the top-1 far below the runner-up's proportional share, the
    runner-up stays below it and the row still sums to one."""
    probs = np.array([weights]) / sum(weights)
    conf = float(probs.max())
    if conf >= 1 - 1e-6 or len(set(weights)) < len(weights) or new <= 1.0 / len(weights):
        return  # below 1/m no row summing to one keeps the top-1 on top (m = 842 in use)
    xs = np.array([0.0, 1.0])
    ys = np.array([new, new])
    out = c._calibrate(probs, ("isotonic", (xs, ys)))
    assert np.isclose(out.sum(), 1.0)
    assert out[0].argmax() == probs[0].argmax()
    assert out.min() >= 0.0
    order = np.argsort(-probs[0], kind="stable")
    assert (np.diff(out[0][order]) <= 1e-12).all()  # the others keep their order
