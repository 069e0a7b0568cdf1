"""Coalition values of the network design game: v(S) is the best annual net benefit
(currency/yr) the organisations in S reach among themselves, against everyone staying as
today.

The design model is built once for all candidates; a coalition only changes column bounds
(flows and build switches of candidates with a giver or taker outside S are fixed at 0) and
is re-solved. A coalition whose candidate graph falls apart is valued as the sum of its
connected parts, each solved once and cached, so sparse networks need far fewer solves
than 2**n.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import highspy
import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from symbiograph.model import Network
from symbiograph.optimize import DesignSettings, build_model, design_problem, new_highs, pass_model

__all__ = ["CoalitionGame", "dual_allocation"]


@dataclass
class CoalitionGame:
    """The design game of ``network`` over ``candidates``: players are organisations.

    ``value(mask)`` gives v(S) for a coalition written as a bitmask over ``players`` (bit i =
    player i); ``values()`` all 2**n of them for exact methods. ``solves`` counts the
    coalitions actually solved (``lp_answers`` of them settled by a small branch and bound on
    the warm-started LP relaxation, the rest by the MIP solver), ``seconds`` the time spent.
    """

    network: Network
    candidates: pd.DataFrame
    settings: DesignSettings = field(default_factory=DesignSettings)
    solves: int = 0
    seconds: float = 0.0

    def __post_init__(self) -> None:
        problem = design_problem(self.network, self.candidates, self.settings)
        self.players: list[str] = [str(p) for p in problem.tables.organisations]
        table = problem.tables.candidates
        self._giver = table["giver_pos"].to_numpy(dtype=np.int64)
        self._taker = table["taker_pos"].to_numpy(dtype=np.int64)
        self.model = build_model(problem.tables, objective="cost")
        flows = self.model.columns("flow")
        builds = self.model.columns("build")
        build_of = pd.Series(builds, index=self.model.col_ref[builds])
        self._flow_col = flows
        self._build_col = (
            pd.Series(table["candidate_id"].to_numpy())
            .map(build_of)
            .fillna(-1)
            .to_numpy(dtype=np.int64)
        )
        self._highs = new_highs(
            self.settings.time_limit_s,
            self.settings.mip_gap,
            self.settings.threads,
            self.settings.seed,
        )
        pass_model(
            self._highs, self.model, self.model.integer, self.model.col_upper, self.model.col_lower
        )
        # the LP relaxation, also built once: when its switches come out 0 or 1 it is the
        # MIP optimum, at a hundredth of the cost of a MIP run (warm-started simplex)
        self._relaxed = new_highs(
            self.settings.time_limit_s, self.settings.mip_gap, 1, self.settings.seed
        )
        pass_model(
            self._relaxed,
            self.model,
            np.zeros(len(self.model.integer), dtype=bool),
            self.model.col_upper,
            self.model.col_lower,
        )
        self.lp_answers = 0
        self._cache: dict[frozenset[int], float] = {}
        n = len(self.players)
        # players linked by at least one candidate; parts of a coalition are solved apart
        pairs = (
            np.unique(np.stack([self._giver, self._taker]), axis=1)
            if len(table)
            else np.zeros((2, 0), int)
        )
        self._adjacency = coo_matrix(
            (np.ones(pairs.shape[1]), (pairs[0], pairs[1])), shape=(n, n)
        ).tocsr()

    @property
    def n(self) -> int:
        """Number of players."""
        return len(self.players)

    def _members(self, mask: int) -> np.ndarray:
        return np.array([i for i in range(self.n) if mask >> i & 1], dtype=np.int64)

    def _solve(self, members: frozenset[int]) -> float:
        inside = np.zeros(self.n, dtype=bool)
        inside[list(members)] = True
        allowed = inside[self._giver] & inside[self._taker]
        if not allowed.any():
            return 0.0
        upper = self.model.col_upper.copy()
        upper[self._flow_col[~allowed]] = 0.0
        switches = self._build_col[~allowed]
        upper[switches[switches >= 0]] = 0.0
        cols = np.arange(len(upper), dtype=np.int32)
        lower = self.model.col_lower.astype(float)
        start = time.perf_counter()
        self.solves += 1
        found = self._branch_and_bound(cols, lower, upper.astype(float))
        if found is not None:
            self.lp_answers += 1
            self.seconds += time.perf_counter() - start
            return max(found, 0.0)
        self._highs.changeColsBounds(len(cols), cols, lower, upper.astype(float))
        self._highs.run()
        self.seconds += time.perf_counter() - start
        if self._highs.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            raise RuntimeError(f"coalition {sorted(members)}: {self._highs.getModelStatus()}")
        return max(float(self._highs.getInfo().objective_function_value), 0.0)

    def _branch_and_bound(
        self, cols: np.ndarray, lower: np.ndarray, upper: np.ndarray, max_nodes: int = 200
    ) -> float | None:
        """Optimum of a small coalition by depth-first branch and bound on the warm-started
        LP relaxation (a fraction of a millisecond per node); None when it needs more than
        ``max_nodes`` LPs, so the caller hands the coalition to the MIP solver."""
        switches = np.flatnonzero(self.model.integer)
        best = -np.inf
        stack = [(lower, upper)]
        nodes = 0
        while stack:
            lo, hi = stack.pop()
            nodes += 1
            if nodes > max_nodes:
                return None
            self._relaxed.changeColsBounds(len(cols), cols, lo, hi)
            self._relaxed.run()
            if self._relaxed.getModelStatus() != highspy.HighsModelStatus.kOptimal:
                continue  # infeasible branch
            bound = float(self._relaxed.getInfo().objective_function_value)
            if bound <= best + 1e-9 * max(1.0, abs(best)):
                continue
            y = np.asarray(self._relaxed.getSolution().col_value)[switches]
            fraction = np.abs(y - np.round(y))
            if fraction.max(initial=0.0) <= 1e-9:
                best = bound
                continue
            branch = switches[int(np.argmax(fraction))]
            down_hi = hi.copy()
            down_hi[branch] = 0.0
            up_lo = lo.copy()
            up_lo[branch] = 1.0
            stack.append((lo, down_hi))
            stack.append((up_lo, hi))  # explore "build" first
        return best if np.isfinite(best) else 0.0

    def value(self, mask: int) -> float:
        """v(S) in currency/yr for the coalition ``mask`` (sum over its connected parts)."""
        members = self._members(int(mask))
        if len(members) == 0:
            return 0.0
        sub = self._adjacency[members][:, members]
        count, labels = connected_components(sub, directed=False)
        total = 0.0
        for part in range(count):
            key = frozenset(int(m) for m in members[labels == part])
            if key not in self._cache:
                self._cache[key] = self._solve(key)
            total += self._cache[key]
        return total

    def values(self) -> np.ndarray:
        """v(S) for every coalition, indexed by bitmask (2**n entries).

        Coalitions are visited in increasing mask order; one that falls apart is the sum of
        its part holding the lowest player and the rest (both smaller masks, already known),
        so only connected coalitions are solved.
        """
        n = self.n
        neighbours = [0] * n
        rows, cols = self._adjacency.nonzero()
        for i, j in zip(rows.tolist(), cols.tolist(), strict=True):
            neighbours[i] |= 1 << j
            neighbours[j] |= 1 << i
        out = np.zeros(1 << n)
        for mask in range(1, 1 << n):
            part = frontier = mask & -mask
            while frontier:
                reach = 0
                bits = frontier
                while bits:
                    low = bits & -bits
                    reach |= neighbours[low.bit_length() - 1]
                    bits ^= low
                frontier = reach & mask & ~part
                part |= frontier
            if part == mask:
                key = frozenset(i for i in range(n) if mask >> i & 1)
                if key not in self._cache:
                    self._cache[key] = self._solve(key)
                out[mask] = self._cache[key]
            else:
                out[mask] = out[part] + out[mask ^ part]
        return out


def dual_allocation(game: CoalitionGame) -> pd.Series:
    """Owen's allocation for linear production games: solve the LP relaxation of the grand
    coalition and pay each organisation the shadow value of what it brings (its supplies'
    and demands' row duals times their quantities; the value of a link's build switch is
    shared by its giver and taker). Computable in one solve at any size; it lies in the core
    of the LP game, and in the core of the design game when fixed costs do not bind.
    Returns currency/yr per organisation; the total is the LP optimum.
    """
    model = game.model
    upper = model.col_upper.copy()
    upper[model.columns("flow")] = np.inf  # the rows, not the flow bounds, hold the value
    h = new_highs(game.settings.time_limit_s, game.settings.mip_gap, 1, game.settings.seed)
    pass_model(h, model, np.zeros(len(upper), dtype=bool), upper, model.col_lower)
    h.run()
    solution = h.getSolution()
    row_dual = np.asarray(solution.row_dual, dtype=float)
    col_dual = np.asarray(solution.col_dual, dtype=float)
    share = np.zeros(game.n)
    problem_rows = {"supply": game._giver, "demand": game._taker}
    for group, owners in problem_rows.items():
        rows = model.rows(group)
        # the organisation owning each row: the giver (taker) of any candidate using it
        entries = model.matrix.tocsr()[rows][:, model.columns("flow")].tocoo()
        owner = np.full(len(rows), -1, dtype=np.int64)
        owner[entries.row] = owners[entries.col]
        value = row_dual * np.where(np.isfinite(model.row_upper), model.row_upper, 0.0)
        np.add.at(share, owner[owner >= 0], value[rows][owner >= 0])
    builds = model.columns("build")
    if len(builds):
        build_value = col_dual[builds] * upper[builds]
        pos = pd.Index(model.col_ref[model.columns("flow")]).get_indexer(model.col_ref[builds])
        np.add.at(share, game._giver[pos], build_value / 2)
        np.add.at(share, game._taker[pos], build_value / 2)
    return pd.Series(share, index=game.players, name="dual_allocation")
