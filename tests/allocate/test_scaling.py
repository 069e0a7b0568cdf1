"""The nucleolus, least core and core test do not depend on the magnitude of the money: a
game scaled by 1e3..1e9 has the scaled answer, a core that is a single point is found and
recognised, and an LP without an optimum is an AllocationError naming the method."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from symbiograph.allocate import (
    EmptyImputationSet,
    _games,
    core_is_empty,
    in_core,
    least_core,
    nucleolus,
    prenucleolus,
)
from symbiograph.errors import EXIT_ALLOCATION, AllocationError


def _subset_sums(x: np.ndarray) -> np.ndarray:
    """x(S) for every bitmask S."""
    masks = np.arange(1 << len(x))
    return ((masks[:, None] >> np.arange(len(x))) & 1) @ x


def _bankruptcy(estate: float, claims: list[float]) -> np.ndarray:
    masks = np.arange(1 << len(claims))
    others = ((masks[:, None] >> np.arange(len(claims))) & 1 ^ 1) @ np.array(claims, float)
    return np.maximum(0.0, estate - others)


def _single_point_core(seed: int, n: int = 5) -> tuple[np.ndarray, np.ndarray]:
    """A game whose core is the one point x: every player alone gets x_i and all of them
    together x(N), so x(S) >= v(S) for the singletons and x(N) = v(N) leave only x; every
    other coalition is worth less than x(S)."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(0.5, 10.0, n)
    values = _subset_sums(x) - rng.uniform(0.0, 3.0, 1 << n)
    values[0] = 0.0
    for i in range(n):
        values[1 << i] = x[i]
    values[-1] = x.sum()
    return values, x


TALMUD = _bankruptcy(200, [100, 200, 300])  # nucleolus (50, 75, 75)
SCALES = [10.0**k for k in range(3, 10)]


@pytest.mark.parametrize("scale", SCALES)
def test_scaled_games_have_the_scaled_nucleolus_and_least_core(scale: float) -> None:
    single, _ = _single_point_core(3)
    for values in (TALMUD, single):
        x = nucleolus(values)
        assert nucleolus(values * scale) == pytest.approx(x * scale, rel=1e-7, abs=1e-9 * scale)
        pre = prenucleolus(values)
        assert prenucleolus(values * scale) == pytest.approx(pre * scale, rel=1e-7)
        allocation, epsilon = least_core(values)
        scaled, scaled_epsilon = least_core(values * scale)
        assert scaled == pytest.approx(allocation * scale, rel=1e-7)
        assert scaled_epsilon == pytest.approx(epsilon * scale, abs=1e-9 * scale)
        assert core_is_empty(values * scale) == core_is_empty(values)
    assert nucleolus(TALMUD * scale) == pytest.approx(np.array([50, 75, 75]) * scale, rel=1e-9)


@settings(max_examples=30, deadline=None, derandomize=True)
@given(
    st.integers(2, 5).flatmap(
        lambda n: st.lists(
            st.floats(-5, 20, width=32), min_size=(1 << n) - 1, max_size=(1 << n) - 1
        )
    ),
    st.sampled_from(SCALES),
)
def test_any_game_scaled_keeps_its_nucleolus(rest: list[float], scale: float) -> None:
    values = np.array([0.0, *rest])
    n = values.size.bit_length() - 1
    assume(values[1 << np.arange(n)].sum() <= values[-1] - 1e-6)  # the imputations exist
    x = nucleolus(values)
    assert nucleolus(values * scale) / scale == pytest.approx(x, rel=1e-6, abs=1e-6)
    _, epsilon = least_core(values)
    assert least_core(values * scale)[1] / scale == pytest.approx(epsilon, abs=1e-7)


@pytest.mark.parametrize(("seed", "scale"), [(0, 1.0), (1, 1234.567), (2, 8.9e6), (3, 3.3e8)])
def test_a_single_point_core_is_found_and_recognised(seed: int, scale: float) -> None:
    values, point = _single_point_core(seed)
    values, point = values * scale, point * scale
    assert not core_is_empty(values)
    share = nucleolus(values)
    assert share == pytest.approx(point, rel=1e-9)
    # core_is_empty and in_core agree, at the default tolerance too
    assert in_core(values, share)
    assert in_core(values, least_core(values)[0])
    nudged = share.copy()
    nudged[0] -= 1e-6 * scale
    nudged[1] += 1e-6 * scale  # still efficient, but player 0 gets less than alone
    assert not in_core(values, nudged)


def test_an_empty_imputation_set_is_an_allocation_error_naming_the_method() -> None:
    with pytest.raises(EmptyImputationSet, match="nucleolus: the imputation set is empty") as err:
        nucleolus(np.array([0, 2.0, 2.0, 1.0]))
    assert isinstance(err.value, AllocationError) and isinstance(err.value, ValueError)
    assert err.value.exit_code == EXIT_ALLOCATION


def test_an_lp_without_optimum_is_an_allocation_error(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_optimum(*args: Any, **kwargs: Any) -> SimpleNamespace:
        return SimpleNamespace(status=2, message="The problem is infeasible.")

    monkeypatch.setattr(_games, "linprog", no_optimum)
    with pytest.raises(AllocationError, match=r"^nucleolus: .*infeasible"):
        nucleolus(TALMUD)
    with pytest.raises(AllocationError, match=r"^least core: "):
        least_core(TALMUD)
    with pytest.raises(AllocationError, match=r"^core test: "):
        core_is_empty(TALMUD)
