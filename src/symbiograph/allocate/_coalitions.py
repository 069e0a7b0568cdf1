"""Coalition values of the network design game: v(S) is the best annual net benefit
(currency/yr) the organisations in S reach among themselves, against everyone staying as
today.

The design model splits into independent parts (candidates sharing no supply, demand or
corridor share no constraint), so v(S) is the sum over parts of each part's value for the
members of S it involves, and every allocation that is linear in v (Shapley) is the sum of
the parts' allocations. Each part's model is built once; a coalition only changes column
bounds (flows and build switches of candidates with a giver or taker outside S are fixed at
0) and is re-solved. Within a part a coalition whose candidate graph falls apart is valued
as the sum of its connected pieces, each solved once and cached, so sparse networks need far
fewer solves than 2**n.
"""

from __future__ import annotations

import itertools
import math
import multiprocessing
import os
import time
from collections.abc import Iterable
from dataclasses import dataclass, field

import highspy
import numpy as np
import pandas as pd

from symbiograph.allocate._games import nucleolus, shapley_exact, shapley_sampled
from symbiograph.errors import AllocationError
from symbiograph.model import Network
from symbiograph.optimize import (
    DesignModel,
    DesignSettings,
    DesignSolution,
    build_model,
    design_problem,
    independent_parts,
    new_highs,
    part_tables,
    pass_model,
)

__all__ = ["CoalitionGame", "PartGame", "defecting_pairs", "dual_allocation"]

#: Largest number of organisations whose 2**n coalition values are tabulated at once.
MAX_TABLE_PLAYERS = 24


def _bits_of(mask: int, n: int) -> np.ndarray:
    return np.array([(mask >> j) & 1 for j in range(n)], dtype=bool)


def _lowest_piece(mask: int, neighbours: list[int]) -> int:
    """The connected piece of the coalition ``mask`` that holds its lowest player, in the
    graph ``neighbours`` (bitmask of each player's neighbours), as a bitmask."""
    piece = frontier = mask & -mask
    while frontier:
        reach = 0
        bits = frontier
        while bits:
            low = bits & -bits
            reach |= neighbours[low.bit_length() - 1]
            bits ^= low
        frontier = reach & mask & ~piece
        piece |= frontier
    return piece


def _split(mask: int, neighbours: list[int]) -> list[int]:
    """The connected pieces of the coalition ``mask`` in the graph ``neighbours``, as
    bitmasks."""
    pieces = []
    while mask:
        piece = _lowest_piece(mask, neighbours)
        pieces.append(piece)
        mask ^= piece
    return pieces


def _find(root: list[int], i: int) -> int:
    """Root of ``i`` in a union-find forest, halving paths on the way."""
    while root[i] != i:
        root[i] = root[root[i]]
        i = root[i]
    return i


class PartGame:
    """The coalition game of one independent part of the design model: its players are the
    organisations giving or taking on its candidates (``players`` holds their positions in
    the whole game); coalitions are bitmasks over those local players."""

    def __init__(
        self,
        players: np.ndarray,
        model: DesignModel,
        giver: np.ndarray,
        taker: np.ndarray,
        settings: DesignSettings,
    ) -> None:
        self.players = players
        self.model = model
        self.settings = settings
        self._giver = giver
        self._taker = taker
        self._flow_col = model.columns("flow")
        builds = model.columns("build")
        build_of = pd.Series(builds, index=model.col_ref[builds])
        self._build_col = (
            pd.Series(model.col_ref[self._flow_col]).map(build_of).fillna(-1).to_numpy(np.int64)
        )
        self._switches = np.flatnonzero(model.integer)
        self._cols = np.arange(len(model.col_upper), dtype=np.int32)
        self._lower = model.col_lower.astype(float)
        self._upper = model.col_upper.astype(float)
        self._mip: highspy.Highs | None = None
        # the LP relaxation, built once: when its switches come out 0 or 1 it is the MIP
        # optimum, at a hundredth of the cost of a MIP run (warm-started simplex)
        self._relaxed = new_highs(settings.time_limit_s, settings.mip_gap, 1, settings.seed)
        pass_model(
            self._relaxed,
            model,
            np.zeros(len(model.integer), dtype=bool),
            self._upper,
            self._lower,
        )
        n = len(players)
        self.neighbours = [0] * n  # bitmask of each player's candidate partners
        for i, j in zip(giver.tolist(), taker.tolist(), strict=True):
            self.neighbours[i] |= 1 << j
            self.neighbours[j] |= 1 << i
        self._links = [[j for j in range(n) if self.neighbours[i] >> j & 1] for i in range(n)]
        self._cache: dict[int, float] = {0: 0.0}
        self.solves = 0
        self.lp_answers = 0
        self.mip_answers = 0
        self.seconds = 0.0

    @property
    def n(self) -> int:
        """Number of players of the part."""
        return len(self.players)

    def _mip_solver(self) -> highspy.Highs:
        if self._mip is None:
            self._mip = new_highs(
                self.settings.time_limit_s,
                self.settings.mip_gap,
                self.settings.threads,
                self.settings.seed,
            )
            # the sub-MIP heuristics (RINS, RENS, root reduced cost) cost ten times the
            # search itself on these small models (measured: 0.30 s -> 0.02 s per coalition)
            for option in (
                "mip_heuristic_run_rins",
                "mip_heuristic_run_rens",
                "mip_heuristic_run_root_reduced_cost",
            ):
                self._mip.setOptionValue(option, False)
            pass_model(self._mip, self.model, self.model.integer, self._upper, self._lower)
        return self._mip

    def _solve(self, mask: int, floor: float = 0.0) -> float:
        """v of the connected local coalition ``mask``; ``floor`` is a value it is known to
        reach (that of a sub-coalition), which prunes the search."""
        inside = _bits_of(mask, self.n)
        allowed = inside[self._giver] & inside[self._taker]
        if not allowed.any():
            return 0.0
        upper = self._upper.copy()
        upper[self._flow_col[~allowed]] = 0.0
        switches = self._build_col[~allowed]
        upper[switches[switches >= 0]] = 0.0
        start = time.perf_counter()
        self.solves += 1
        # the small branch and bound first, unless it keeps failing on this part
        tried = self.lp_answers + self.mip_answers
        if tried < 20 or self.mip_answers < 0.3 * tried:
            found = self._branch_and_bound(self._lower, upper, floor)
            if found is not None:
                self.lp_answers += 1
                self.seconds += time.perf_counter() - start
                return max(found, 0.0)
        self.mip_answers += 1
        h = self._mip_solver()
        h.changeColsBounds(len(self._cols), self._cols, self._lower, upper)
        h.run()
        self.seconds += time.perf_counter() - start
        if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            raise RuntimeError(f"coalition {self.players[inside].tolist()}: {h.getModelStatus()}")
        return max(float(h.getInfo().objective_function_value), 0.0)

    def _branch_and_bound(
        self, lower: np.ndarray, upper: np.ndarray, floor: float = 0.0, max_nodes: int = 200
    ) -> float | None:
        """Optimum of a small coalition by depth-first branch and bound on the warm-started
        LP relaxation (a fraction of a millisecond per node), starting from the known
        achievable ``floor`` and a rounded-up root solution (build every link the LP opens);
        None when it needs more than ``max_nodes`` LPs, so the caller hands the coalition to
        the MIP solver."""
        best = floor
        stack = [(lower, upper)]
        nodes = 0
        cols = self._cols
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
            y = np.asarray(self._relaxed.getSolution().col_value)[self._switches]
            fraction = np.abs(y - np.round(y))
            if fraction.max(initial=0.0) <= 1e-9:
                best = bound
                continue
            if nodes == 1:  # rounding up the root's open links gives a feasible design
                rounded_lo, rounded_hi = lo.copy(), hi.copy()
                opened = self._switches[y > 1e-9]
                rounded_lo[opened] = np.minimum(1.0, rounded_hi[opened])
                rounded_hi[self._switches[y <= 1e-9]] = 0.0
                self._relaxed.changeColsBounds(len(cols), cols, rounded_lo, rounded_hi)
                self._relaxed.run()
                nodes += 1
                if self._relaxed.getModelStatus() == highspy.HighsModelStatus.kOptimal:
                    best = max(best, float(self._relaxed.getInfo().objective_function_value))
                if bound <= best + 1e-9 * max(1.0, abs(best)):
                    continue
            branch = self._switches[int(np.argmax(fraction))]
            down_hi = hi.copy()
            down_hi[branch] = 0.0
            up_lo = lo.copy()
            up_lo[branch] = 1.0
            stack.append((lo, down_hi))
            stack.append((up_lo, hi))  # explore "build" first
        return best

    def value(self, mask: int) -> float:
        """v(S) in currency/yr of the local coalition ``mask`` (sum over its connected
        pieces, each solved once)."""
        total = 0.0
        for piece in _split(int(mask), self.neighbours):
            found = self._cache.get(piece)
            if found is None:
                found = self._cache[piece] = self._solve(piece)
            total += found
        return total

    def marginals(self, perms: np.ndarray) -> np.ndarray:
        """Marginal contribution (currency/yr) of each local player in each permutation (one
        row per permutation of ``range(n)``). Pieces of the growing coalition are merged as
        players join (union-find), so each step solves only the piece the newcomer joins."""
        n = self.n
        out = np.zeros(perms.shape)
        for row, order in enumerate(perms.tolist()):
            root = list(range(n))
            piece = [0] * n
            worth = [0.0] * n
            joined = [False] * n

            for player in order:
                merged = {_find(root, j) for j in self._links[player] if joined[j]}
                mask = 1 << player
                before = 0.0
                for r in merged:
                    mask |= piece[r]
                    before += worth[r]
                    root[r] = player
                joined[player] = True
                found = self._cache.get(mask)
                if found is None:
                    found = self._cache[mask] = self._solve(mask, before)
                piece[player], worth[player] = mask, found
                out[row, player] = found - before
        return out

    def values(self, workers: int = 1) -> np.ndarray:
        """v(S) for every local coalition, indexed by bitmask (2**n entries).

        Coalitions are visited in increasing mask order; one that falls apart is the sum of
        its piece holding the lowest player and the rest (both smaller masks, already
        known), so only connected coalitions are solved. With ``workers`` > 1 and many
        connected coalitions to solve, they are shared out among that many processes.
        """
        n = self.n
        if n > MAX_TABLE_PLAYERS:
            raise ValueError(f"a part of {n} organisations is too large to tabulate")
        first_piece = np.zeros(1 << n, dtype=np.int64)
        todo: list[int] = []
        for mask in range(1, 1 << n):
            piece = _lowest_piece(mask, self.neighbours)
            first_piece[mask] = piece
            if piece == mask and mask not in self._cache:
                todo.append(mask)
        if workers > 1 and len(todo) >= PARALLEL_FROM:
            self._solve_in_processes(todo, workers)
        out = np.zeros(1 << n)
        for mask in range(1, 1 << n):
            piece = int(first_piece[mask])
            if piece == mask:
                found = self._cache.get(mask)
                if found is None:  # v is monotone: a sub-coalition's value is reachable
                    found = self._cache[mask] = self._solve(mask, out[mask ^ (mask & -mask)])
                out[mask] = found
            else:
                out[mask] = out[piece] + out[mask ^ piece]
        return out

    def _solve_in_processes(self, masks: list[int], workers: int) -> None:
        """Solve the connected coalitions ``masks`` in ``workers`` forked processes (each
        with its own solvers, interleaved so they get alike shares) and cache the values."""
        global _WORKER_PART
        _WORKER_PART = self
        chunks = [masks[k::workers] for k in range(workers)]
        try:
            with multiprocessing.get_context("fork").Pool(workers) as pool:
                results = pool.map(_solve_chunk, chunks)
        finally:
            _WORKER_PART = None
        for chunk, (found, solves, lp_answers, mip_answers, seconds) in zip(
            chunks, results, strict=True
        ):
            self._cache.update(zip(chunk, found, strict=True))
            self.solves += solves
            self.lp_answers += lp_answers
            self.mip_answers += mip_answers
            self.seconds += seconds


#: Connected coalitions of one part from which solving is shared among processes.
PARALLEL_FROM = 20_000
_WORKER_PART: PartGame | None = None


def _solve_chunk(masks: list[int]) -> tuple[list[float], int, int, int, float]:
    """In a forked worker: solve ``masks`` of the part being tabulated, with fresh solvers;
    returns the values and the counters it added."""
    part = _WORKER_PART
    assert part is not None
    part._mip = None
    part._relaxed = new_highs(
        part.settings.time_limit_s, part.settings.mip_gap, 1, part.settings.seed
    )
    pass_model(
        part._relaxed,
        part.model,
        np.zeros(len(part.model.integer), dtype=bool),
        part._upper,
        part._lower,
    )
    before = (part.solves, part.lp_answers, part.mip_answers, part.seconds)
    found = [part._solve(mask) for mask in masks]
    return (
        found,
        part.solves - before[0],
        part.lp_answers - before[1],
        part.mip_answers - before[2],
        part.seconds - before[3],
    )


@dataclass
class CoalitionGame:
    """The design game of ``network`` over ``candidates``: players are organisations.

    ``value(mask)`` gives v(S) for a coalition written as a bitmask over ``players`` (bit i =
    player i); ``values()`` all 2**n of them for the methods that need the whole table
    (nucleolus, core); ``shapley()`` and ``shapley_sampled()`` work part by part and never
    need the whole table. ``solves`` counts the coalitions actually solved
    (``lp_answers`` of them settled by a small branch and bound on the warm-started LP
    relaxation, the rest by the MIP solver), ``seconds`` the time spent solving.
    The game values designs under the cost objective without network-wide limits (budget,
    individual rationality, CO2e floor), which would tie the parts together. A part with
    many connected coalitions is tabulated by ``workers`` processes (0: every core).
    """

    network: Network
    candidates: pd.DataFrame
    settings: DesignSettings = field(default_factory=DesignSettings)
    workers: int = 0

    def __post_init__(self) -> None:
        if self.workers <= 0:  # every core this process may use
            self.workers = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1
        self.problem = design_problem(self.network, self.candidates, self.settings)
        self.players: list[str] = [str(p) for p in self.problem.tables.organisations]
        table = self.problem.tables.candidates
        self._giver = table["giver_pos"].to_numpy(dtype=np.int64)
        self._taker = table["taker_pos"].to_numpy(dtype=np.int64)
        labels = independent_parts(self.problem)
        self.parts: list[PartGame] = []
        order = np.argsort(labels, kind="stable")
        bounds = np.flatnonzero(np.r_[True, np.diff(labels[order]) != 0, True])
        for a, b in itertools.pairwise(bounds if len(labels) else []):
            members = np.sort(order[a:b])
            tables = part_tables(self.problem, members)[0]
            players = np.unique(np.r_[self._giver[members], self._taker[members]])
            self.parts.append(
                PartGame(
                    players,
                    build_model(tables, objective="cost"),
                    np.searchsorted(players, self._giver[members]),
                    np.searchsorted(players, self._taker[members]),
                    self.settings,
                )
            )

    @classmethod
    def from_solution(
        cls,
        network: Network,
        candidates: pd.DataFrame,
        solution: DesignSolution,
        workers: int = 0,
    ) -> CoalitionGame:
        """The game of the design ``solution`` of ``network`` over ``candidates``, under the
        settings the design was made with (``solution.settings``: policy levers, distance
        cap, solver limits), so that v(N) is the design's net benefit (currency/yr).

        Raises AllocationError when the design used something the game cannot share
        coalition by coalition: an objective other than cost, a budget, individual
        rationality, a CO2e floor or time slices.
        """
        settings = solution.settings
        refused = [
            what
            for what, used in (
                (f"the {settings.objective!r} objective", settings.objective != "cost"),
                ("a budget", settings.budget is not None),
                ("individual rationality", settings.individual_rationality),
                ("a CO2e floor", settings.min_co2e_t is not None),
                (f"{settings.time_slices} time slices", settings.time_slices != "none"),
            )
            if used
        ]
        if refused:
            raise AllocationError(
                "coalition game: the design used "
                + ", ".join(refused)
                + "; coalition values are designs under the cost objective without "
                "network-wide limits, so they would not share this design's net benefit"
            )
        return cls(network, candidates, settings, workers)

    @property
    def n(self) -> int:
        """Number of players."""
        return len(self.players)

    @property
    def grand_coalition(self) -> int:
        """Bitmask of the coalition of all players."""
        return (1 << self.n) - 1

    @property
    def solves(self) -> int:
        """Coalitions solved so far (over all parts)."""
        return sum(p.solves for p in self.parts)

    @property
    def lp_answers(self) -> int:
        """Coalitions settled by the branch and bound on the LP relaxation."""
        return sum(p.lp_answers for p in self.parts)

    @property
    def seconds(self) -> float:
        """Time spent solving coalitions (s)."""
        return sum(p.seconds for p in self.parts)

    def _local(self, part: PartGame, members: set[int]) -> int:
        return sum(1 << j for j, g in enumerate(part.players.tolist()) if g in members)

    def value(self, mask: int) -> float:
        """v(S) in currency/yr for the coalition ``mask`` (sum over the parts)."""
        mask = int(mask)
        members = {i for i in range(self.n) if mask >> i & 1}
        return self.value_of(members)

    def value_of(self, members: Iterable[int]) -> float:
        """v(S) in currency/yr for the coalition of the players at positions ``members``."""
        inside = set(members)
        return sum(part.value(self._local(part, inside)) for part in self.parts)

    def values(self) -> np.ndarray:
        """v(S) for every coalition, indexed by bitmask (2**n entries), assembled from the
        parts' tables (only each part's connected coalitions are solved)."""
        n = self.n
        if n > MAX_TABLE_PLAYERS:
            raise AllocationError(
                f"coalition values: {n} organisations make a 2**n table too large "
                f"(at most {MAX_TABLE_PLAYERS}); use shapley() or shapley_sampled()"
            )
        masks = np.arange(1 << n, dtype=np.int64)
        out = np.zeros(1 << n)
        for part in self.parts:
            local = np.zeros(1 << n, dtype=np.int64)
            for j, g in enumerate(part.players.tolist()):
                local |= ((masks >> g) & 1) << j
            out += part.values(self.workers)[local]
        return out

    def _by_participant(self, shares: np.ndarray, name: str) -> pd.Series:
        return pd.Series(shares, index=pd.Index(self.players, name="participant"), name=name)

    def shapley(self) -> pd.Series:
        """Exact Shapley value per participant (currency/yr): the sum of each part's Shapley
        value (additivity), so the cost grows with the largest part, not with 2**n."""
        phi = np.zeros(self.n)
        for part in self.parts:
            phi[part.players] += shapley_exact(part.values(self.workers))
        return self._by_participant(phi, "shapley")

    def nucleolus(self) -> pd.Series:
        """Nucleolus per participant (currency/yr), from the whole 2**n table (at most
        ``MAX_TABLE_PLAYERS`` organisations; AllocationError beyond)."""
        return self._by_participant(nucleolus(self.values()), "nucleolus")

    def shapley_sampled(
        self,
        seed: int,
        target_halfwidth: float,
        exact_up_to: int = 12,
        max_permutations: int = 100_000,
        batch: int = 200,
    ) -> tuple[pd.Series, pd.Series, int]:
        """Shapley value per participant (currency/yr) with a 95% half-width: parts of at most
        ``exact_up_to`` organisations exactly (half-width 0), larger parts by antithetic
        permutation sampling until every player's combined half-width (root sum of squares
        over the parts it belongs to) is at most ``target_halfwidth``. Returns (estimate,
        halfwidth95, permutations used over all parts)."""
        phi = np.zeros(self.n)
        var = np.zeros(self.n)
        sampled = [p for p in self.parts if p.n > exact_up_to]
        in_sampled = np.zeros(self.n, dtype=np.int64)
        for part in sampled:
            in_sampled[part.players] += 1
        used = 0
        for k, part in enumerate(self.parts):
            if part.n <= exact_up_to:
                phi[part.players] += shapley_exact(part.values())
                continue
            share = target_halfwidth / math.sqrt(max(int(in_sampled[part.players].max()), 1))
            estimate, halfwidth, perms = shapley_sampled(
                part,
                part.n,
                seed=seed + k,
                max_permutations=max_permutations,
                target_halfwidth=share,
                batch=batch,
            )
            phi[part.players] += estimate
            var[part.players] += halfwidth**2
            used += perms
        return (
            self._by_participant(phi, "sampled-shapley"),
            self._by_participant(np.sqrt(var), "halfwidth95"),
            used,
        )


def defecting_pairs(
    game: CoalitionGame, allocation: np.ndarray | pd.Series, top: int = 3
) -> pd.DataFrame:
    """Single organisations and pairs linked by a candidate that would do better alone than
    under ``allocation`` (currency/yr per player), best gain first, at most ``top``: the
    stability check for games too large to check every coalition. Columns as
    :func:`defecting_coalitions`: members, value, allocated, gain."""
    pairs = {(min(a, b), max(a, b)) for a, b in zip(game._giver, game._taker, strict=True)}
    groups = [(i,) for i in range(game.n)] + [p for p in sorted(pairs) if p[0] != p[1]]
    allocation = np.asarray(allocation, dtype=float)
    scale = max(1.0, abs(float(np.sum(allocation))))
    rows = []
    for group in groups:
        value = game.value_of(group)
        allocated = float(sum(allocation[i] for i in group))
        if value - allocated > 1e-9 * scale:
            rows.append(
                {
                    "members": [game.players[i] for i in group],
                    "value": value,
                    "allocated": allocated,
                    "gain": value - allocated,
                }
            )
    table = pd.DataFrame(rows, columns=["members", "value", "allocated", "gain"])
    return table.sort_values("gain", ascending=False)[:top].reset_index(drop=True)


def dual_allocation(game: CoalitionGame) -> pd.Series:
    """Owen's allocation for linear production games: solve the LP relaxation of the grand
    coalition and pay each organisation the shadow value of what it brings (its supplies'
    and demands' row duals times their quantities; the value of a link's build switch is
    shared by its giver and taker). Computable in one solve at any size; it lies in the core
    of the LP game, and in the core of the design game when fixed costs do not bind.
    Returns currency/yr per participant; the total is the LP optimum.
    """
    model = build_model(game.problem.tables, objective="cost")
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
        # a switch at its upper bound (built) is worth its reduced cost; one at zero nothing
        active = np.where(col_dual[builds] > 0, upper[builds], model.col_lower[builds])
        build_value = col_dual[builds] * active
        pos = pd.Index(model.col_ref[model.columns("flow")]).get_indexer(model.col_ref[builds])
        np.add.at(share, game._giver[pos], build_value / 2)
        np.add.at(share, game._taker[pos], build_value / 2)
    return game._by_participant(share, "dual")
