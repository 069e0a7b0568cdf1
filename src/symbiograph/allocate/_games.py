"""Cooperative (TU) games over a characteristic function: Shapley value (exact and sampled),
nucleolus, least core, core checks, defecting coalitions, convexity and simple baselines.

A game with n players is a float array ``values`` of length ``2**n`` indexed by bitmask
(bit i set = player i in the coalition), with ``values[0] = v(empty) = 0``. Values are in
the scenario's money (EUR by default). A cost game is passed as its costs with ``cost=True``:
internally it is the profit game ``-c`` and results are turned back into cost shares.
Sampling methods also accept a callable ``value(mask) -> float`` (cached by ``CachedValue``).

Pure functions: no solver objects or files leave this module.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any, Protocol, runtime_checkable

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray
from scipy.optimize import linprog
from scipy.stats import t as student_t

from symbiograph.errors import AllocationError, InputError

__all__ = [
    "CachedValue",
    "EmptyImputationSet",
    "coalition_members",
    "core_is_empty",
    "defecting_coalitions",
    "equal_split",
    "game_from_function",
    "in_core",
    "is_convex",
    "least_core",
    "nucleolus",
    "prenucleolus",
    "proportional",
    "shapley_exact",
    "shapley_sampled",
]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
ValueFunction = Callable[[int], float]


@runtime_checkable
class MarginalSource(Protocol):
    """A game that computes its players' marginal contributions along permutations itself
    (one row per permutation of range(n))."""

    def marginals(self, perms: IntArray) -> FloatArray: ...


#: games up to this many players build every coalition row of the nucleolus LPs at once
FULL_LP_MAX_PLAYERS = 15
_CHUNK = 1 << 16


# ----------------------------------------------------------------------------- helpers


class EmptyImputationSet(AllocationError, ValueError):
    """No allocation gives every player at least what it gets alone (sum of v({i}) > v(N)),
    so there is no nucleolus."""


def _game(values: ArrayLike, cost: bool = False) -> tuple[FloatArray, int]:
    """Check a characteristic function and return it as a profit game with its size n."""
    v = np.asarray(values, dtype=np.float64).ravel()
    size = v.size
    n = size.bit_length() - 1
    if size < 2 or size != 1 << n:
        raise InputError(f"a game needs 2**n values (n >= 1) indexed by bitmask, got {size}")
    if not np.all(np.isfinite(v)):
        raise InputError("coalition values must be finite numbers (found NaN or inf)")
    if abs(v[0]) > 1e-9 * max(1.0, float(np.max(np.abs(v)))):
        raise InputError(f"v(empty coalition) must be 0, got {v[0]}")
    v = -v if cost else v.copy()
    v[0] = 0.0
    return v, n


def _scale(v: FloatArray) -> float:
    return max(1.0, float(np.max(np.abs(v))))


def _unit(v: FloatArray) -> tuple[FloatArray, float]:
    """The game divided by its largest |v(S)| (so its values lie in [-1, 1]) and that
    factor: the LPs are solved on the unit game, whose tolerances then mean the same at any
    scale of money (HiGHS's are absolute)."""
    size = float(np.max(np.abs(v))) if v.size else 0.0
    factor = size if size > 0 else 1.0
    return v / factor, factor


def _popcount(masks: IntArray) -> IntArray:
    if hasattr(np, "bitwise_count"):
        return np.bitwise_count(masks).astype(np.int64)
    counts = np.zeros_like(masks)
    rest = masks.copy()
    while np.any(rest):
        counts += rest & 1
        rest >>= 1
    return counts


def _bits(masks: IntArray, n: int) -> FloatArray:
    """Rows of 0/1 membership (len(masks) x n) for the given coalition bitmasks."""
    return ((masks[:, None] >> np.arange(n, dtype=np.int64)) & 1).astype(np.float64)


def _subset_sums(x: FloatArray) -> FloatArray:
    """x(S) for every bitmask S (length 2**n)."""
    sums = np.zeros(1)
    for share in x:
        sums = np.concatenate([sums, sums + share])
    return sums


def coalition_members(mask: int, players: Sequence[str]) -> list[str]:
    """Names of the players in the coalition with bitmask ``mask``."""
    return [name for i, name in enumerate(players) if (mask >> i) & 1]


class CachedValue:
    """A coalition value function ``value(mask) -> float`` that remembers what it computed.

    ``calls`` counts the evaluations of the wrapped function (cache misses).
    """

    def __init__(self, value_fn: ValueFunction) -> None:
        self._value_fn = value_fn
        self._cache: dict[int, float] = {0: 0.0}
        self.calls = 0

    def __call__(self, mask: int) -> float:
        mask = int(mask)
        found = self._cache.get(mask)
        if found is None:
            found = float(self._value_fn(mask))
            self._cache[mask] = found
            self.calls += 1
        return found


def game_from_function(value_fn: ValueFunction, n: int) -> FloatArray:
    """Tabulate ``value_fn(mask)`` for all ``2**n`` coalitions (v(empty) set to 0)."""
    values = np.array([value_fn(mask) if mask else 0.0 for mask in range(1 << n)], float)
    return values


# ----------------------------------------------------------------------------- Shapley


def shapley_exact(values: ArrayLike, *, cost: bool = False) -> FloatArray:
    """Shapley value of every player (length n), from the weighted marginal contributions
    ``sum_S |S|!(n-|S|-1)!/n! (v(S+i) - v(S))`` over all coalitions S without i.

    Vectorised over bitmasks; fine up to about n = 20. With ``cost=True`` returns cost shares.
    """
    v, n = _game(values)
    masks = np.arange(1 << n, dtype=np.int64)
    size = _popcount(masks)
    lg = [math.lgamma(k + 1) for k in range(n + 1)]
    weight = np.array([math.exp(lg[s] + lg[n - s - 1] - lg[n]) for s in range(n)])
    phi = np.empty(n)
    for i in range(n):
        without = masks[(masks >> i) & 1 == 0]
        phi[i] = np.dot(weight[size[without]], v[without | (1 << i)] - v[without])
    return phi  # linear in v: for a cost game these are the cost shares


def _marginals_from_table(v: FloatArray, perms: IntArray) -> FloatArray:
    bit = np.int64(1) << perms
    after = np.cumsum(bit, axis=1)
    gain = v[after] - v[after - bit]
    contributions = np.empty_like(gain)
    np.put_along_axis(contributions, perms, gain, axis=1)
    return contributions


def _marginals_from_function(value: ValueFunction, perms: IntArray) -> FloatArray:
    contributions = np.empty(perms.shape)
    for row, order in enumerate(perms.tolist()):
        mask, before = 0, 0.0
        for player in order:
            mask |= 1 << player
            now = value(mask)
            contributions[row, player] = now - before
            before = now
    return contributions


def shapley_sampled(
    value_fn: ValueFunction | MarginalSource | ArrayLike,
    n: int,
    seed: int,
    max_permutations: int = 10_000,
    target_halfwidth: float = 0.0,
    antithetic: bool = True,
    batch: int = 200,
) -> tuple[FloatArray, FloatArray, int]:
    """Shapley value estimated by random permutations (Castro et al. 2009).

    Each sample is one permutation's marginal contributions, or with ``antithetic`` the mean
    over a permutation and its reverse. Stops when every player's 95% confidence half-width
    (Student t on the sample variance) is <= ``target_halfwidth`` (absolute, in value units),
    checked after every ``batch`` permutations, or when ``max_permutations`` are used.
    Returns (estimate, halfwidth95, permutations used); deterministic for a seed.
    ``value_fn`` is a callable on bitmasks (cached), a game with its own ``marginals`` (see
    :class:`MarginalSource`) or a full table of 2**n values.
    """
    if n < 1:
        raise InputError("a game needs at least one player")
    if max_permutations < 2:
        raise InputError("max_permutations must be at least 2")
    if isinstance(value_fn, MarginalSource):
        marginals = value_fn.marginals
    elif callable(value_fn):
        value = value_fn if isinstance(value_fn, CachedValue) else CachedValue(value_fn)

        def marginals(perms: IntArray) -> FloatArray:
            return _marginals_from_function(value, perms)
    else:
        table, n_table = _game(value_fn)
        if n_table != n:
            raise InputError(f"the value table has {n_table} players, n = {n}")

        def marginals(perms: IntArray) -> FloatArray:
            return _marginals_from_table(table, perms)

    rng = np.random.default_rng(seed)
    per_sample = 2 if antithetic else 1
    max_samples = max_permutations // per_sample
    step = max(2, batch // per_sample)
    total = np.zeros(n)
    total_sq = np.zeros(n)
    samples = 0
    halfwidth = np.full(n, np.inf)
    while samples < max_samples:
        k = min(step, max_samples - samples)
        perms = rng.permuted(np.tile(np.arange(n, dtype=np.int64), (k, 1)), axis=1)
        draw = marginals(perms)
        if antithetic:
            draw = 0.5 * (draw + marginals(perms[:, ::-1].copy()))
        total += draw.sum(axis=0)
        total_sq += (draw**2).sum(axis=0)
        samples += k
        if samples >= 2:
            mean = total / samples
            var = np.maximum(total_sq - samples * mean**2, 0.0) / (samples - 1)
            halfwidth = student_t.ppf(0.975, samples - 1) * np.sqrt(var / samples)
            if np.all(halfwidth <= target_halfwidth):
                break
    return total / samples, halfwidth, samples * per_sample


# ----------------------------------------------------------------------------- LPs


def _max_min_lp(
    rows: FloatArray,
    rhs: FloatArray,
    eq_rows: FloatArray,
    eq_rhs: FloatArray,
    lower: FloatArray | None,
    method: str = "nucleolus",
) -> tuple[FloatArray, float, FloatArray]:
    """max t s.t. x(S) - v(S) >= t for the given rows, equalities, optional x >= lower.

    Returns (x, t, duals of the rows >= 0). Raises AllocationError naming ``method`` when
    HiGHS ends without an optimum.
    """
    n = rows.shape[1]
    c = np.zeros(n + 1)
    c[-1] = -1.0
    a_ub = np.hstack([-rows, np.ones((rows.shape[0], 1))])
    a_eq = np.hstack([eq_rows, np.zeros((eq_rows.shape[0], 1))])
    bounds: list[tuple[float | None, float | None]] = [
        (None if lower is None else float(lower[i]), None) for i in range(n)
    ]
    bounds.append((None, None))
    res = linprog(c, A_ub=a_ub, b_ub=-rhs, A_eq=a_eq, b_eq=eq_rhs, bounds=bounds, method="highs")
    if res.status != 0:
        raise AllocationError(
            f"{method}: the LP over {rows.shape[0]} coalitions with {eq_rows.shape[0]} fixed "
            f"ended without an optimum ({res.message})"
        )
    duals = -np.asarray(res.ineqlin.marginals, dtype=np.float64)
    return np.asarray(res.x[:n], dtype=np.float64), float(res.x[n]), duals


def _span_basis(rows: FloatArray) -> FloatArray:
    """Orthonormal basis (k x n) of the row space of the fixed coalition rows."""
    _, sing, vt = np.linalg.svd(rows, full_matrices=False)
    rank = int(np.sum(sing > 1e-9 * max(1.0, float(sing[0]) if sing.size else 1.0)))
    return np.asarray(vt[:rank], dtype=np.float64)


def _in_span(rows: FloatArray, basis: FloatArray) -> NDArray[np.bool_]:
    residual = rows - (rows @ basis.T) @ basis
    return np.asarray(np.linalg.norm(residual, axis=1) <= 1e-7, dtype=np.bool_)


def _lexicographic_center(
    v: FloatArray,
    n: int,
    individually_rational: bool,
    constraint_generation: bool | None = None,
    method: str = "nucleolus",
) -> tuple[FloatArray, float]:
    """(Pre)nucleolus of the profit game v by the sequence of max-min LPs.

    Returns (allocation, t1) where t1 = the first LP's optimum (-t1 is the least-core epsilon).
    The LPs run on the unit game (v over its largest |v(S)|) and the results are scaled back,
    so the answer does not depend on the currency's magnitude.
    """
    unit, factor = _unit(v)
    x, t_first = _lexicographic_center_unit(
        unit, n, individually_rational, constraint_generation, method
    )
    return x * factor, t_first * factor


#: optimal levels t within this of 0 (on the unit game) are 0: a core that is one point
LEVEL_SNAP = 1e-10


def _lexicographic_center_unit(
    v: FloatArray,
    n: int,
    individually_rational: bool,
    constraint_generation: bool | None,
    method: str,
) -> tuple[FloatArray, float]:
    """:func:`_lexicographic_center` on a game scaled to |v| <= 1. Coalitions with a
    positive dual are tight in every optimum and get fixed; coalitions whose membership row
    is in the span of the fixed ones are dropped; stops at rank n."""
    grand = (1 << n) - 1
    scale = _scale(v)
    tol = 1e-9 * scale
    lower = v[1 << np.arange(n)] if individually_rational else None
    if lower is not None and lower.sum() > v[grand] + tol:
        raise EmptyImputationSet(
            f"{method}: the imputation set is empty: the players' stand-alone values sum to "
            f"more than v(N) (by {lower.sum() - v[grand]:.3g} of the largest |v(S)|)"
        )
    if lower is not None and lower.sum() > v[grand]:
        lower = lower - (lower.sum() - v[grand]) / n  # within tolerance: one point
    if n == 1:
        return np.array([v[grand]]), 0.0
    generate = n > FULL_LP_MAX_PLAYERS if constraint_generation is None else constraint_generation

    fixed_masks: list[int] = [grand]
    fixed_rhs: list[float] = [float(v[grand])]
    # status: 0 free, 1 fixed (or grand/empty), 2 dropped (row in the span of the fixed rows)
    status = np.zeros(1 << n, dtype=np.int8)
    status[0] = status[grand] = 1
    all_masks = np.arange(1 << n, dtype=np.int64)
    if generate:
        singles = np.int64(1) << np.arange(n, dtype=np.int64)
        active = set(singles.tolist()) | set((grand ^ singles).tolist())
    else:
        active = set(all_masks[1:grand].tolist())

    t_first: float | None = None
    x = np.zeros(n)
    while True:
        eq_masks = np.array(fixed_masks, dtype=np.int64)
        eq_rows = _bits(eq_masks, n)
        basis = _span_basis(eq_rows)
        if basis.shape[0] >= n:
            break
        # drop the active coalitions whose x(S) is now determined
        act = np.array(sorted(m for m in active if status[m] == 0), dtype=np.int64)
        if act.size:
            dependent = _in_span(_bits(act, n), basis)
            status[act[dependent]] = 2
            act = act[~dependent]
        if act.size == 0:
            candidates = np.flatnonzero(status == 0).astype(np.int64)
            if generate:
                candidates = candidates[:_CHUNK]
            dependent = _in_span(_bits(candidates, n), basis)
            status[candidates[dependent]] = 2
            independent = candidates[~dependent]
            act = np.unique(np.concatenate([independent, grand ^ independent]))
            act = act[status[act] == 0]
        active = set(act.tolist())
        eq_rhs = np.array(fixed_rhs)
        while True:
            act = np.array(sorted(active), dtype=np.int64)
            x, t, duals = _max_min_lp(_bits(act, n), v[act], eq_rows, eq_rhs, lower, method)
            if not generate:
                break
            added = _violated(v, x, t, status, n, tol, basis)
            if added.size == 0:
                break
            active.update(added.tolist())
            active.update((grand ^ added).tolist())
            active = {m for m in active if status[m] == 0}
        if abs(t) <= LEVEL_SNAP:
            t = 0.0  # these coalitions get exactly v(S): no round-off outside the core
        if t_first is None:
            t_first = t
        newly = act[duals > 1e-9]
        if newly.size == 0:
            newly = _tight_in_every_optimum(v, x, t, act, eq_rows, eq_rhs, lower, tol, n)
        if newly.size == 0:  # numerically stuck: the current point is as good as it gets
            break
        for mask in newly.tolist():
            status[mask] = 1
            fixed_masks.append(mask)
            fixed_rhs.append(float(v[mask] + t))
        active.difference_update(newly.tolist())
    eq_rows = _bits(np.array(fixed_masks, dtype=np.int64), n)
    if np.linalg.matrix_rank(eq_rows) >= n:
        x = np.linalg.lstsq(eq_rows, np.array(fixed_rhs), rcond=None)[0]
    return x, float(t_first if t_first is not None else 0.0)


def _violated(
    v: FloatArray,
    x: FloatArray,
    t: float,
    status: NDArray[np.int8],
    n: int,
    tol: float,
    basis: FloatArray,
    chunk_rows: int = 4,
) -> IntArray:
    """Free coalitions with x(S) - v(S) < t, most violated first (at most a few per player)."""
    limit = max(chunk_rows * n, 20)
    found_masks: list[IntArray] = []
    found_gap: list[FloatArray] = []
    for start in range(0, v.size, _CHUNK):
        masks = np.arange(start, min(start + _CHUNK, v.size), dtype=np.int64)
        masks = masks[status[masks] == 0]
        if masks.size == 0:
            continue
        gap = t - (_bits(masks, n) @ x - v[masks])
        hit = gap > tol
        if not np.any(hit):
            continue
        masks, gap = masks[hit], gap[hit]
        dependent = _in_span(_bits(masks, n), basis)
        status[masks[dependent]] = 2
        masks, gap = masks[~dependent], gap[~dependent]
        if masks.size > limit:
            keep = np.argpartition(-gap, limit - 1)[:limit]
            masks, gap = masks[keep], gap[keep]
        found_masks.append(masks)
        found_gap.append(gap)
    if not found_masks:
        return np.zeros(0, dtype=np.int64)
    masks = np.concatenate(found_masks)
    gap = np.concatenate(found_gap)
    return masks[np.argsort(-gap, kind="stable")[:limit]]


def _tight_in_every_optimum(
    v: FloatArray,
    x: FloatArray,
    t: float,
    act: IntArray,
    eq_rows: FloatArray,
    eq_rhs: FloatArray,
    lower: FloatArray | None,
    tol: float,
    n: int,
) -> IntArray:
    """Fallback when no dual is positive: test each tight coalition with its own LP."""
    rows = _bits(act, n)
    sat = rows @ x - v[act]
    tight = act[sat <= t + 1e-7 * _scale(v)]
    fixed: list[int] = []
    bounds = [(None if lower is None else float(lower[i]), None) for i in range(n)]
    for mask in tight.tolist():
        # max x(S) subject to x(T) - v(T) >= t for all active T and the equalities
        res = linprog(
            -_bits(np.array([mask], dtype=np.int64), n)[0],
            A_ub=-rows,
            b_ub=-(v[act] + t),
            A_eq=eq_rows,
            b_eq=eq_rhs,
            bounds=bounds,
            method="highs",
        )
        if res.status == 0 and -res.fun - v[mask] <= t + tol * 10:
            fixed.append(mask)
    return np.array(fixed, dtype=np.int64)


# ----------------------------------------------------------------------------- solutions


def nucleolus(
    values: ArrayLike, *, cost: bool = False, constraint_generation: bool | None = None
) -> FloatArray:
    """Nucleolus (Schmeidler 1969): the imputation that lexicographically maximises the
    sorted vector of coalition surpluses x(S) - v(S). Returns one share per player, in the
    game's units (currency/yr for the design game).

    Solved as a sequence of LPs (HiGHS) on the game scaled to |v| <= 1; above 15 players
    coalitions are generated on demand (``constraint_generation`` forces either way). Raises
    :class:`EmptyImputationSet` (an AllocationError and a ValueError) when the imputation
    set is empty, AllocationError when an LP ends without an optimum. With ``cost=True``
    returns cost shares of a cost game.
    """
    v, n = _game(values, cost)
    x, _ = _lexicographic_center(v, n, True, constraint_generation, "nucleolus")
    return -x if cost else x


def prenucleolus(
    values: ArrayLike, *, cost: bool = False, constraint_generation: bool | None = None
) -> FloatArray:
    """Prenucleolus: as ``nucleolus`` but over all efficient allocations (no x_i >= v({i}))."""
    v, n = _game(values, cost)
    x, _ = _lexicographic_center(v, n, False, constraint_generation, "prenucleolus")
    return -x if cost else x


def least_core(
    values: ArrayLike, *, cost: bool = False, constraint_generation: bool | None = None
) -> tuple[FloatArray, float]:
    """Least core: the smallest epsilon with x(S) >= v(S) - epsilon for every coalition S
    (x(N) = v(N)). Returns (allocation, epsilon) in the game's units; the allocation is the
    prenucleolus, the centre of the least core. epsilon <= 0 means the core is non-empty.
    """
    v, n = _game(values, cost)
    x, t_first = _lexicographic_center(v, n, False, constraint_generation, "least core")
    return (-x if cost else x), 0.0 - t_first


def _least_core_epsilon(v: FloatArray, n: int) -> float:
    """The least-core epsilon of the profit game v (one LP on the unit game), in v's units."""
    grand = (1 << n) - 1
    if n == 1:
        return 0.0
    unit, factor = _unit(v)
    masks = np.arange(1, grand, dtype=np.int64)
    eq_rows = np.ones((1, n))
    _, t, _ = _max_min_lp(
        _bits(masks, n), unit[masks], eq_rows, np.array([unit[grand]]), None, "core test"
    )
    if abs(t) <= LEVEL_SNAP:
        t = 0.0
    return -t * factor


def core_is_empty(values: ArrayLike, *, cost: bool = False, tol: float = 1e-9) -> bool:
    """True when no allocation of v(N) gives every coalition at least v(S) - ``tol`` times
    the game's scale (the same slack :func:`in_core` allows), by one LP on the unit game."""
    v, n = _game(values, cost)
    return _least_core_epsilon(v, n) > tol * _scale(v)


def in_core(
    values: ArrayLike, allocation: ArrayLike, *, cost: bool = False, tol: float = 1e-9
) -> bool:
    """True when ``allocation`` shares exactly v(N) and every coalition S gets x(S) >= v(S)
    (for a cost game: pays x(S) <= c(S)), within ``tol`` times the game's scale
    (max(1, largest |v(S)|))."""
    v, n = _game(values, cost)
    x = np.asarray(allocation, dtype=np.float64).ravel()
    if x.size != n:
        raise InputError(f"allocation has {x.size} shares for {n} players")
    x = -x if cost else x
    slack = tol * _scale(v)
    sums = _subset_sums(x)
    return bool(abs(sums[-1] - v[-1]) <= slack and np.all(sums - v >= -slack))


def defecting_coalitions(
    values: ArrayLike,
    allocation: ArrayLike,
    *,
    top: int = 10,
    players: Sequence[str] | None = None,
    cost: bool = False,
    tol: float = 1e-9,
) -> pd.DataFrame:
    """Coalitions that would do better alone than under ``allocation``, best gain first.

    Columns: coalition (mask), members (names), size, value (v(S), or c(S) for a cost game),
    allocated (x(S)), gain (v(S) - x(S), or x(S) - c(S) for a cost game; > ``tol`` times the
    game's scale). At most ``top``.
    """
    v, n = _game(values, cost)
    x = np.asarray(allocation, dtype=np.float64).ravel()
    if x.size != n:
        raise InputError(f"allocation has {x.size} shares for {n} players")
    names = list(players) if players is not None else [f"player_{i}" for i in range(n)]
    if len(names) != n:
        raise InputError(f"{len(names)} player names for {n} players")
    sums = _subset_sums(-x if cost else x)
    gain = v - sums
    gain[0] = gain[-1] = 0.0
    masks = np.flatnonzero(gain > tol * _scale(v)).astype(np.int64)
    sizes = _popcount(masks)
    order = np.lexsort((masks, sizes, -gain[masks]))[: max(top, 0)]
    masks = masks[order]
    sign = -1.0 if cost else 1.0
    rows: dict[str, Any] = {
        "coalition": masks,
        "members": [coalition_members(int(m), names) for m in masks],
        "size": sizes[order],
        "value": sign * v[masks],
        "allocated": sign * sums[masks],
        "gain": gain[masks],
    }
    return pd.DataFrame(rows)


def is_convex(values: ArrayLike, *, cost: bool = False, tol: float = 1e-9) -> bool:
    """True when the game is supermodular: v(S+i) - v(S) <= v(S+i+j) - v(S+j) for all S, i, j.
    With ``cost=True`` checks that the costs are submodular (the savings game is convex)."""
    v, n = _game(values, cost)
    masks = np.arange(1 << n, dtype=np.int64)
    slack = tol * _scale(v)
    for i in range(n):
        for j in range(i + 1, n):
            base = masks[((masks >> i) & 1 == 0) & ((masks >> j) & 1 == 0)]
            both = v[base | (1 << i) | (1 << j)] - v[base | (1 << j)] - v[base | (1 << i)]
            if np.any(both + v[base] < -slack):
                return False
    return True


def equal_split(values: ArrayLike, *, cost: bool = False) -> FloatArray:
    """v(N)/n for every player (baseline)."""
    v, n = _game(values)
    return np.full(n, v[-1] / n)


def proportional(weights: ArrayLike, total: float) -> FloatArray:
    """``total`` shared in proportion to non-negative ``weights`` (e.g. stand-alone costs)."""
    w = np.asarray(weights, dtype=np.float64).ravel()
    if w.size == 0 or not np.all(np.isfinite(w)) or np.any(w < 0) or w.sum() <= 0:
        raise InputError("weights must be finite, non-negative and not all zero")
    return float(total) * w / w.sum()
