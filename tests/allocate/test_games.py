"""Cooperative-game algorithms on textbook games with known answers, then property tests."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from symbiograph.allocate._games import (
    CachedValue,
    core_is_empty,
    defecting_coalitions,
    equal_split,
    game_from_function,
    in_core,
    is_convex,
    least_core,
    nucleolus,
    prenucleolus,
    proportional,
    shapley_exact,
    shapley_sampled,
)

# glove game: player 0 holds a left glove, players 1 and 2 right gloves; a pair is worth 1
GLOVE = np.array([0, 0, 0, 1, 0, 1, 0, 1.0])
# three-player majority game: v(S) = 1 when |S| >= 2; its core is empty
MAJORITY = np.array([0, 0, 0, 1, 0, 1, 1, 1.0])
# airport cost game: planes need runways costing 1, 2, 3; c(S) = the longest runway in S
AIRPORT = np.array([0, 1, 2, 2, 3, 3, 3, 3.0])


def bankruptcy_game(estate: float, claims: list[float]) -> np.ndarray:
    """v(S) = max(0, estate - claims of the others) (O'Neill 1982)."""
    n = len(claims)
    values = np.zeros(1 << n)
    for mask in range(1, 1 << n):
        others = sum(c for i, c in enumerate(claims) if not (mask >> i) & 1)
        values[mask] = max(0.0, estate - others)
    return values


def sorted_surplus(values: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Sorted x(S) - v(S) over the proper non-empty coalitions, one row per allocation."""
    x = np.atleast_2d(x)
    n = x.shape[1]
    masks = np.arange(1, (1 << n) - 1)
    bits = (masks[:, None] >> np.arange(n)) & 1
    return np.sort(x @ bits.T - values[masks], axis=1)


def lexicographically_greater(rows: np.ndarray, ref: np.ndarray, tol: float) -> np.ndarray:
    diff = rows - ref
    differs = np.abs(diff) > tol
    first = np.argmax(differs, axis=1)
    any_diff = differs.any(axis=1)
    return any_diff & (diff[np.arange(len(rows)), first] > 0)


# ----------------------------------------------------------------------------- textbook games


def test_glove_game():
    assert np.allclose(shapley_exact(GLOVE), [2 / 3, 1 / 6, 1 / 6])
    assert np.allclose(nucleolus(GLOVE), [1, 0, 0], atol=1e-9)
    assert not core_is_empty(GLOVE)
    assert in_core(GLOVE, [1, 0, 0])
    assert not in_core(GLOVE, shapley_exact(GLOVE))  # Shapley is outside the core here
    allocation, epsilon = least_core(GLOVE)
    assert epsilon == pytest.approx(0, abs=1e-9)
    assert np.allclose(allocation, [1, 0, 0], atol=1e-9)  # the core is the single point
    assert not is_convex(GLOVE)


def test_airport_game_littlechild_owen():
    # Littlechild & Owen (1973): share of runway segment k split among the planes using it
    assert np.allclose(shapley_exact(AIRPORT, cost=True), [1 / 3, 1 / 3 + 1 / 2, 1 / 3 + 1 / 2 + 1])
    # Littlechild (1974): x1 = min_k c_k/(k+1) = 1/2, x2 = min((2-1/2)/2, (3-1/2)/3) = 3/4
    assert np.allclose(nucleolus(AIRPORT, cost=True), [0.5, 0.75, 1.75])
    assert is_convex(AIRPORT, cost=True)  # max-cost games are submodular
    assert in_core(AIRPORT, shapley_exact(AIRPORT, cost=True), cost=True)
    assert np.allclose(nucleolus(-AIRPORT), -nucleolus(AIRPORT, cost=True))


def test_majority_game_has_empty_core():
    assert core_is_empty(MAJORITY)
    allocation, epsilon = least_core(MAJORITY)
    assert epsilon == pytest.approx(1 / 3)
    assert np.allclose(allocation, [1 / 3] * 3)
    assert np.allclose(nucleolus(MAJORITY), [1 / 3] * 3)
    assert np.allclose(shapley_exact(MAJORITY), [1 / 3] * 3)
    assert not in_core(MAJORITY, [1 / 3] * 3)


def test_convex_game_shapley_in_core():
    # v(S) = |S|^2 is supermodular; the Shapley value (= the mean marginal vector) is in the core
    n = 4
    values = np.array([bin(m).count("1") ** 2 for m in range(1 << n)], dtype=float)
    assert is_convex(values)
    assert in_core(values, shapley_exact(values))
    assert np.allclose(shapley_exact(values), [4.0] * 4)


@pytest.mark.parametrize(
    ("estate", "expected"),
    [(100, [100 / 3] * 3), (200, [50, 75, 75]), (300, [50, 100, 150])],
)
def test_talmud_bankruptcy_nucleolus(estate, expected):
    # Aumann & Maschler (1985), "Game theoretic analysis of a bankruptcy problem from the
    # Talmud", J. Econ. Theory 36:195-213: claims 100, 200, 300; the nucleolus of the
    # bankruptcy game is the Talmud's division for estates 100, 200 and 300.
    values = bankruptcy_game(estate, [100, 200, 300])
    assert np.allclose(nucleolus(values), expected)
    assert np.allclose(nucleolus(values, constraint_generation=True), expected)


def test_talmud_nucleolus_beats_a_grid_of_imputations():
    values = bankruptcy_game(200, [100, 200, 300])
    best = sorted_surplus(values, nucleolus(values))[0]
    x0, x1 = np.meshgrid(np.arange(201.0), np.arange(201.0), indexing="ij")
    keep = x0 + x1 <= 200
    grid = np.column_stack([x0[keep], x1[keep], 200 - x0[keep] - x1[keep]])
    surplus = sorted_surplus(values, grid)
    assert not lexicographically_greater(surplus, best, 1e-7).any()
    # the nucleolus is on the grid and only it attains the optimum
    assert (np.abs(surplus - best).max(axis=1) < 1e-7).sum() == 1


def test_defecting_coalitions():
    table = defecting_coalitions(GLOVE, equal_split(GLOVE), players=["left", "r1", "r2"])
    assert list(table["members"]) == [["left", "r1"], ["left", "r2"]]
    assert np.allclose(table["gain"], 1 / 3)
    assert np.allclose(table["value"] - table["allocated"], table["gain"])
    assert defecting_coalitions(GLOVE, [1, 0, 0]).empty
    assert len(defecting_coalitions(MAJORITY, [1, 0, 0], top=1)) == 1
    # plane 0 charged 2 would rather build its own runway (cost 1), or one with plane 1 (cost 2)
    cost_table = defecting_coalitions(AIRPORT, [2, 0.5, 0.5], cost=True)
    assert list(cost_table["coalition"]) == [1, 3]
    assert np.allclose(cost_table["gain"], [1, 0.5])
    assert np.allclose(cost_table["value"], [1, 2])
    assert np.allclose(cost_table["allocated"], [2, 2.5])


def test_baselines_and_validation():
    assert np.allclose(equal_split(MAJORITY), [1 / 3] * 3)
    assert np.allclose(proportional([1, 3], 8), [2, 6])
    with pytest.raises(ValueError):
        proportional([0, 0], 1)
    with pytest.raises(ValueError):
        shapley_exact(np.zeros(6))
    with pytest.raises(ValueError):
        nucleolus(np.array([1.0, 0, 0, 1]))
    with pytest.raises(ValueError):
        nucleolus(np.array([0, 2.0, 2.0, 1.0]))  # v(1) + v(2) > v(N): no imputation
    assert np.allclose(prenucleolus(np.array([0, 2.0, 2.0, 1.0])), [0.5, 0.5])


def test_game_from_function_and_cache():
    def value(mask: int) -> float:
        return float(GLOVE[mask])

    assert np.array_equal(game_from_function(value, 3), GLOVE)
    cached = CachedValue(value)
    estimate, _, used = shapley_sampled(cached, 3, seed=3, max_permutations=400)
    assert cached.calls <= 7
    table_estimate, _, table_used = shapley_sampled(GLOVE, 3, seed=3, max_permutations=400)
    assert used == table_used == 400
    assert np.allclose(estimate, table_estimate)


def test_sampled_shapley_stops_at_target_and_is_deterministic():
    first = shapley_sampled(GLOVE, 3, seed=7, max_permutations=20_000, target_halfwidth=0.02)
    second = shapley_sampled(GLOVE, 3, seed=7, max_permutations=20_000, target_halfwidth=0.02)
    estimate, halfwidth, used = first
    assert used < 20_000
    assert (halfwidth <= 0.02).all()
    assert np.allclose(estimate, shapley_exact(GLOVE), atol=0.05)
    assert np.array_equal(first[0], second[0]) and first[2] == second[2]
    plain = shapley_sampled(GLOVE, 3, seed=7, max_permutations=300, antithetic=False)
    assert plain[2] == 300


def test_sampled_shapley_interval_coverage():
    rng = np.random.default_rng(2024)
    covered = total = 0
    for game in range(40):
        n = int(rng.integers(3, 6))
        values = rng.uniform(0, 10, 1 << n)
        values[0] = 0.0
        exact = shapley_exact(values)
        estimate, halfwidth, _ = shapley_sampled(values, n, seed=game, max_permutations=200)
        covered += int(np.sum(np.abs(estimate - exact) <= halfwidth + 1e-9))
        total += n
    assert covered / total >= 0.85


# ----------------------------------------------------------------------------- properties


@st.composite
def games(draw, min_players=2, max_players=5):
    n = draw(st.integers(min_players, max_players))
    values = draw(st.lists(st.integers(0, 20), min_size=(1 << n) - 1, max_size=(1 << n) - 1))
    return np.array([0.0, *values])


@st.composite
def games_with_core(draw):
    """v(S) = x*(S) - slack(S) with slack >= 0 and v(N) = x*(N): x* is in the core."""
    n = draw(st.integers(2, 5))
    shares = np.array(draw(st.lists(st.integers(0, 10), min_size=n, max_size=n)), float)
    slack = draw(st.lists(st.integers(0, 6), min_size=1 << n, max_size=1 << n))
    masks = np.arange(1 << n)
    bits = (masks[:, None] >> np.arange(n)) & 1
    values = bits @ shares - np.array(slack, float)
    values[0] = 0.0
    values[-1] = shares.sum()
    return values


@st.composite
def convex_games(draw):
    """Non-negative sums of unanimity games are convex."""
    n = draw(st.integers(2, 5))
    weights = draw(st.lists(st.integers(0, 5), min_size=1 << n, max_size=1 << n))
    values = np.zeros(1 << n)
    for carrier, weight in enumerate(weights):
        if carrier and weight:
            values[[m for m in range(1 << n) if m & carrier == carrier]] += weight
    return values


def with_imputations(values: np.ndarray) -> np.ndarray:
    """The game with v(N) raised to at least the sum of the stand-alone values, so that
    imputations (efficient, individually rational allocations) exist."""
    n = values.size.bit_length() - 1
    values = values.copy()
    values[-1] = max(values[-1], values[1 << np.arange(n)].sum())
    return values


def swap_players(values: np.ndarray, i: int, j: int) -> np.ndarray:
    masks = np.arange(values.size)
    bit_i, bit_j = (masks >> i) & 1, (masks >> j) & 1
    swapped = masks & ~((1 << i) | (1 << j)) | (bit_i << j) | (bit_j << i)
    return values[swapped]


FAST = settings(max_examples=40, deadline=None)


@FAST
@given(games())
def test_shapley_efficiency_and_matches_permutations(values):
    n = values.size.bit_length() - 1
    phi = shapley_exact(values)
    assert phi.sum() == pytest.approx(values[-1])
    if n <= 4:  # against the definition: mean marginal vector over all n! orders
        total = np.zeros(n)
        orders = list(itertools.permutations(range(n)))
        for order in orders:
            mask = 0
            for player in order:
                total[player] += values[mask | 1 << player] - values[mask]
                mask |= 1 << player
        assert np.allclose(phi, total / len(orders))


@FAST
@given(games(), st.data())
def test_symmetric_players_get_the_same(values, data):
    n = values.size.bit_length() - 1
    i, j = data.draw(st.sampled_from(list(itertools.combinations(range(n), 2))))
    symmetric = (values + swap_players(values, i, j)) / 2
    phi = shapley_exact(symmetric)
    assert phi[i] == pytest.approx(phi[j])
    x = prenucleolus(symmetric)
    assert x[i] == pytest.approx(x[j], abs=1e-6)


@FAST
@given(games())
def test_null_player_gets_nothing(values):
    n = values.size.bit_length() - 1
    last = 1 << (n - 1)
    values = values[np.arange(values.size) & ~last]  # the last player adds nothing
    assert shapley_exact(values)[-1] == pytest.approx(0, abs=1e-9)
    if not core_is_empty(values):
        assert nucleolus(values)[-1] == pytest.approx(0, abs=1e-6)


@FAST
@given(games(3, 3), games(3, 3))
def test_shapley_additivity(first, second):
    assert np.allclose(shapley_exact(first + second), shapley_exact(first) + shapley_exact(second))


@FAST
@given(games_with_core())
def test_nucleolus_in_core_when_core_not_empty(values):
    assert not core_is_empty(values)
    x = nucleolus(values)
    assert in_core(values, x, tol=1e-7)
    assert defecting_coalitions(values, x, tol=1e-7).empty
    allocation, epsilon = least_core(values)
    assert epsilon <= 1e-9
    assert in_core(values, allocation, tol=1e-7)
    assert np.allclose(nucleolus(values, constraint_generation=True), x, atol=1e-6)


@FAST
@given(games().map(with_imputations))
def test_nucleolus_no_perturbation_improves_it(values):
    n = values.size.bit_length() - 1
    assume(values[1 << np.arange(n)].sum() <= values[-1])  # the imputations exist
    x = nucleolus(values)
    assert x.sum() == pytest.approx(values[-1])
    assert (x >= values[1 << np.arange(n)] - 1e-7).all()
    assert np.allclose(nucleolus(values, constraint_generation=True), x, atol=1e-6)
    rng = np.random.default_rng(0)
    steps = rng.normal(size=(300, n)) * rng.choice([1e-3, 1e-1, 1.0], size=(300, 1))
    steps -= steps.mean(axis=1, keepdims=True)  # keep x(N) = v(N)
    others = x + steps
    others = others[(others >= values[1 << np.arange(n)]).all(axis=1)]
    if len(others):
        best = sorted_surplus(values, x)[0]
        assert not lexicographically_greater(sorted_surplus(values, others), best, 1e-7).any()


@FAST
@given(convex_games())
def test_convex_games_have_shapley_in_core(values):
    assert is_convex(values)
    assert in_core(values, shapley_exact(values), tol=1e-9)


@settings(max_examples=25, deadline=None)
@given(games(2, 4))
def test_core_emptiness_agrees_with_least_core(values):
    _, epsilon = least_core(values)
    assert core_is_empty(values) == (epsilon > 1e-9 * max(1.0, values.max()))
