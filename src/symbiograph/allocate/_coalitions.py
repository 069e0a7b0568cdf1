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

import copy
import functools
import itertools
import math
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import t as student_t

from symbiograph.allocate._games import nucleolus, shapley_exact
from symbiograph.errors import AllocationError, SolverError
from symbiograph.model import Network
from symbiograph.optimize import (
    DesignModel,
    DesignSettings,
    DesignSolution,
    build_model,
    design_problem,
    independent_parts,
)
from symbiograph.optimize.solver import (
    LoadedModel,
    add_processes,
    join_parts,
    part_tables,
    process_owners,
    process_plan,
)
from symbiograph.tasks import Executor, InProcess

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
        self._lower = model.col_lower.astype(float)
        self._upper = model.col_upper.astype(float)
        self._mip: LoadedModel | None = None
        # the LP relaxation, built once: when its switches come out 0 or 1 it is the MIP
        # optimum, at a hundredth of the cost of a MIP run (warm-started simplex)
        self._relaxed = _relaxation(model, settings)
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

    def __getstate__(self) -> dict[str, Any]:
        # solvers stay behind (HiGHS objects do not pickle); a copy loads its own
        state = self.__dict__.copy()
        state["_mip"] = None
        state["_relaxed"] = None
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._relaxed = _relaxation(self.model, self.settings)

    def fresh(self) -> PartGame:
        """A copy that starts as every task must, wherever it runs: its own solvers (cold),
        a copy of the values known so far, counters at zero. Values it finds therefore do
        not depend on which worker ran what before."""
        other = copy.copy(self)
        other._cache = dict(self._cache)
        other._mip = None
        other._relaxed = _relaxation(self.model, self.settings)
        other.solves = other.lp_answers = other.mip_answers = 0
        other.seconds = 0.0
        return other

    def counters(self) -> tuple[int, int, int, float]:
        """(solves, lp_answers, mip_answers, seconds) so far."""
        return self.solves, self.lp_answers, self.mip_answers, self.seconds

    def absorb(self, counters: tuple[int, int, int, float], found: dict[int, float]) -> None:
        """Add a task's counters and the values it found (those not known yet)."""
        self.solves += counters[0]
        self.lp_answers += counters[1]
        self.mip_answers += counters[2]
        self.seconds += counters[3]
        for mask, value in found.items():
            self._cache.setdefault(mask, value)

    def _mip_solver(self) -> LoadedModel:
        if self._mip is None:
            # the sub-MIP heuristics (RINS, RENS, root reduced cost) cost ten times the
            # search itself on these small models (measured: 0.30 s -> 0.02 s per coalition)
            off = {
                "mip_heuristic_run_rins": False,
                "mip_heuristic_run_rens": False,
                "mip_heuristic_run_root_reduced_cost": False,
            }
            self._mip = LoadedModel(
                self.model,
                time_limit_s=self.settings.time_limit_s,
                mip_gap=self.settings.mip_gap,
                threads=self.settings.threads,
                seed=self.settings.seed,
                options={**self.settings.solver_options, **off},
                solver=self.settings.solver,
                what="a coalition's design",
            )
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
        result = self._mip_solver().run(self._lower, upper)
        self.seconds += time.perf_counter() - start
        if not result.optimal:
            raise SolverError(
                f"coalition {self.players[inside].tolist()}: the solver ended {result.status}"
            )
        return max(result.objective, 0.0)

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
        while stack:
            lo, hi = stack.pop()
            nodes += 1
            if nodes > max_nodes:
                return None
            node = self._relaxed.run(lo, hi)
            if not node.optimal:
                continue  # infeasible branch
            bound = node.objective
            if bound <= best + 1e-9 * max(1.0, abs(best)):
                continue
            y = node.x[self._switches]
            fraction = np.abs(y - np.round(y))
            if fraction.max(initial=0.0) <= 1e-9:
                best = bound
                continue
            if nodes == 1:  # rounding up the root's open links gives a feasible design
                rounded_lo, rounded_hi = lo.copy(), hi.copy()
                opened = self._switches[y > 1e-9]
                rounded_lo[opened] = np.minimum(1.0, rounded_hi[opened])
                rounded_hi[self._switches[y <= 1e-9]] = 0.0
                rounded = self._relaxed.run(rounded_lo, rounded_hi)
                nodes += 1
                if rounded.optimal:
                    best = max(best, rounded.objective)
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

    def values(self, executor: Executor | None = None) -> np.ndarray:
        """v(S) for every local coalition, indexed by bitmask (2**n entries).

        Coalitions are visited in increasing mask order; one that falls apart is the sum of
        its piece holding the lowest player and the rest (both smaller masks, already
        known), so only connected coalitions are solved. A part with at least
        ``PARALLEL_FROM`` connected coalitions to solve has them solved in chunks of
        ``CHUNK_MASKS`` as tasks of ``executor`` (each chunk with fresh solvers, so the
        values are the same on every back-end).
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
        if len(todo) >= PARALLEL_FROM:
            chunks = [todo[k : k + CHUNK_MASKS] for k in range(0, len(todo), CHUNK_MASKS)]
            runner = executor or InProcess()
            results = runner.map(
                functools.partial(_solve_chunk, self),
                chunks,
                keys=[f"coalitions-{chunk[0]}" for chunk in chunks],
            )
            for chunk, (chunk_values, counters) in zip(chunks, results, strict=True):
                self.absorb(counters, dict(zip(chunk, chunk_values, strict=True)))
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


def _relaxation(
    model: DesignModel,
    settings: DesignSettings,
    upper: np.ndarray | None = None,
    what: str = "a coalition's LP relaxation",
) -> LoadedModel:
    """The LP relaxation of ``model`` loaded once (single thread), re-solved warm."""
    return LoadedModel(
        model,
        relax=True,
        upper=upper,
        time_limit_s=settings.time_limit_s,
        mip_gap=settings.mip_gap,
        seed=settings.seed,
        options=settings.solver_options,
        solver=settings.solver,
        what=what,
    )


#: Connected coalitions of one part from which they are solved as tasks of the executor.
PARALLEL_FROM = 20_000
#: Connected coalitions per task.
CHUNK_MASKS = 2_000


def _solve_chunk(
    part: PartGame, masks: list[int]
) -> tuple[list[float], tuple[int, int, int, float]]:
    """A task: solve the connected coalitions ``masks`` of ``part`` with fresh solvers;
    returns their values (currency/yr) and the counters it added."""
    worker = part.fresh()
    found = [worker._solve(mask) for mask in masks]
    return found, worker.counters()


def _part_table(part: PartGame) -> tuple[np.ndarray, dict[int, float], tuple[int, int, int, float]]:
    """A task: every coalition value of ``part`` (fresh solvers), the values it solved and
    its counters."""
    worker = part.fresh()
    table = worker.values()
    return table, worker._cache, worker.counters()


def _permutation_batch(
    part: PartGame, permutations: int, seed: int
) -> tuple[np.ndarray, np.ndarray, int, dict[int, float], tuple[int, int, int, float]]:
    """A task: ``permutations`` random permutations of ``part``'s players (half of them the
    reverses of the others, antithetic) drawn from ``seed``; returns the sum and the sum of
    squares of the antithetic samples' marginal contributions (currency/yr per player), the
    number of samples, the coalition values it solved and its counters."""
    worker = part.fresh()
    known = set(worker._cache)
    rng = np.random.default_rng(seed)
    k = max(1, permutations // 2)
    perms = rng.permuted(np.tile(np.arange(worker.n, dtype=np.int64), (k, 1)), axis=1)
    draw = 0.5 * (worker.marginals(perms) + worker.marginals(perms[:, ::-1].copy()))
    found = {m: v for m, v in worker._cache.items() if m not in known}
    return draw.sum(axis=0), (draw**2).sum(axis=0), k, found, worker.counters()


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
    individual rationality, CO2e floor), which would tie the parts together.
    ``executor`` (a :class:`symbiograph.tasks.Executor`, default in this process) runs the
    fan-out: the parts' tables, chunks of a large part's coalitions, batches of sampled
    permutations; every task starts from fresh solvers, so the shares are the same on every
    back-end.
    """

    network: Network
    candidates: pd.DataFrame
    settings: DesignSettings = field(default_factory=DesignSettings)
    executor: Executor | None = None
    baseline: pd.DataFrame | None = None

    def __post_init__(self) -> None:
        if self.executor is None:
            self.executor = InProcess()
        self.problem = design_problem(self.network, self.candidates, self.settings)
        self.players: list[str] = [str(p) for p in self.problem.tables.organisations]
        self._set_baseline(self.baseline)
        table = self.problem.tables.candidates
        self._giver = table["giver_pos"].to_numpy(dtype=np.int64)
        self._taker = table["taker_pos"].to_numpy(dtype=np.int64)
        plan = self._plan = process_plan(self.network, self.problem.params)  # and duties
        labels = join_parts(plan, self.problem, independent_parts(self.problem))
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
                    add_processes(plan, build_model(tables, objective="cost"), tables),
                    np.searchsorted(players, self._giver[members]),
                    np.searchsorted(players, self._taker[members]),
                    self.settings,
                )
            )

    def _set_baseline(self, baseline: pd.DataFrame | None) -> None:
        """Today's exchanges (rows with supply_organisation, demand_organisation and
        net_benefit in currency/yr at their fixed flows). Each participant holds today its
        zero-price share of them (giver and taker half and half, ``today_shares``); a
        coalition is worth its own best design less what its members hold today. The game
        is the design game shifted by that additive vector, so the core, the nucleolus and
        the Shapley value shift with it: a share is what a participant gets on top of
        today's position, and the shares add up to what the design adds to today's network."""
        index = pd.Index(self.players)
        if baseline is None or not len(baseline):
            self._base_giver = np.zeros(0, dtype=np.int64)
            self._base_taker = np.zeros(0, dtype=np.int64)
            self._base_value = np.zeros(0)
        else:
            giver = index.get_indexer(baseline["supply_organisation"].astype(str))
            taker = index.get_indexer(baseline["demand_organisation"].astype(str))
            unknown = sorted(
                set(baseline["supply_organisation"].astype(str)[giver < 0])
                | set(baseline["demand_organisation"].astype(str)[taker < 0])
            )
            if unknown:
                raise AllocationError(
                    f"coalition game: today's exchanges name organisations with no candidate "
                    f"in the game: {unknown[:5]}"
                )
            value = baseline["net_benefit"].to_numpy(dtype=float)
            if not np.isfinite(value).all():
                raise AllocationError("coalition game: today's exchanges carry a NaN net benefit")
            self._base_giver, self._base_taker, self._base_value = giver, taker, value
        share = np.zeros(len(self.players))
        np.add.at(share, self._base_giver, self._base_value / 2)
        np.add.at(share, self._base_taker, self._base_value / 2)
        #: Today's net benefit per player at zero transfer price (half and half), the
        #: Shapley value of today's game (currency/yr).
        self.today_shares = share
        #: Today's net benefit of the grand coalition (currency/yr).
        self.baseline_total = float(self._base_value.sum())

    def _today_of(self, members: set[int]) -> float:
        """What ``members`` hold today (currency/yr): the sum of their today_shares."""
        if not len(self._base_value):
            return 0.0
        return float(sum(self.today_shares[i] for i in members))

    @classmethod
    def from_solution(
        cls,
        network: Network,
        candidates: pd.DataFrame,
        solution: DesignSolution,
        executor: Executor | None = None,
        today: DesignSolution | None = None,
    ) -> CoalitionGame:
        """The game of the design ``solution`` of ``network`` over ``candidates``, under the
        settings the design was made with (``solution.settings``: policy levers, distance
        cap, solver limits), so that v(N) is the design's net benefit (currency/yr); with
        ``today`` (from ``optimize.design_today``), the game of what the design adds:
        v(S) = design(S) less what S's members hold today (their zero-price shares of
        today's exchanges), so v(N) is the design's net benefit less today's.

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
        baseline = None
        if today is not None:
            flows = today.flows
            baseline = flows[(flows["flow"] > 0) | flows["built"]]
        return cls(network, candidates, settings, executor, baseline)

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
        design = sum(part.value(self._local(part, inside)) for part in self.parts)
        return design - self._today_of(inside)

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
            out += part.values(self.executor)[local]
        for i, held in enumerate(self.today_shares.tolist()):
            if held:
                out -= held * ((masks >> i) & 1)
        return out

    def _by_participant(self, shares: np.ndarray, name: str) -> pd.Series:
        return pd.Series(shares, index=pd.Index(self.players, name="participant"), name=name)

    def _tables(self, parts: list[PartGame]) -> list[np.ndarray]:
        """Every coalition value of each of ``parts``, one task per part (a large part's
        coalitions in chunks instead); the values found are kept."""
        small = [p for p in parts if (1 << p.n) < PARALLEL_FROM]
        runner = self.executor or InProcess()
        found = runner.map(
            _part_table,
            small,
            keys=[
                f"part-{i}-{'-'.join(map(str, p.players[:3].tolist()))}-{p.n}"
                for i, p in enumerate(small)
            ],
        )
        for part, (_, cache, counters) in zip(small, found, strict=True):
            part.absorb(counters, cache)
        tables = {id(p): table for p, (table, _, _) in zip(small, found, strict=True)}
        return [tables[id(p)] if id(p) in tables else p.values(runner) for p in parts]

    def shapley(self) -> pd.Series:
        """Exact Shapley value per participant (currency/yr): the sum of each part's Shapley
        value (additivity), so the cost grows with the largest part, not with 2**n."""
        phi = np.zeros(self.n)
        for part, table in zip(self.parts, self._tables(self.parts), strict=True):
            phi[part.players] += shapley_exact(table)
        return self._by_participant(phi - self.today_shares, "shapley")

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
        round_batches: int = 4,
    ) -> tuple[pd.Series, pd.Series, int]:
        """Shapley value per participant (currency/yr) with a 95% half-width: parts of at most
        ``exact_up_to`` organisations exactly (half-width 0), larger parts by antithetic
        permutation sampling until every player's combined half-width (root sum of squares
        over the parts it belongs to) is at most ``target_halfwidth``. Returns (estimate,
        halfwidth95, permutations used over all parts).

        The sampling runs in rounds: each round is ``round_batches`` batches of ``batch``
        permutations for every part still short of its target, each batch a task of the
        executor with its own seed (from ``seed`` and the part and batch numbers). A part's
        batches are added in batch order and it stops at the first batch that meets its
        target, so the result does not depend on the back-end or its number of workers."""
        phi = np.zeros(self.n)
        var = np.zeros(self.n)
        exact = [p for p in self.parts if p.n <= exact_up_to]
        for part, table in zip(exact, self._tables(exact), strict=True):
            phi[part.players] += shapley_exact(table)
        sampled = [(k, p) for k, p in enumerate(self.parts) if p.n > exact_up_to]
        in_sampled = np.zeros(self.n, dtype=np.int64)
        for _, part in sampled:
            in_sampled[part.players] += 1
        per_sample = 2
        max_samples = max(2, max_permutations // per_sample)
        step = max(2, batch // per_sample)  # antithetic samples per batch
        state = {
            k: _Sampling(
                target_halfwidth / math.sqrt(max(int(in_sampled[p.players].max()), 1)), p.n
            )
            for k, p in sampled
        }
        parts = dict(sampled)
        runner = self.executor or InProcess()
        used = 0
        while True:
            jobs = []
            for k, st in state.items():
                if st.done:
                    continue
                for b in range(round_batches):
                    if st.samples + b * step >= max_samples:
                        break
                    jobs.append((k, st.batches + b))
            if not jobs:
                break
            results = runner.map(
                _batch_task,
                [(parts[k], step * per_sample) for k, _ in jobs],
                keys=[f"part-{k}-batch-{b}" for k, b in jobs],
                seed=seed,
            )
            for (k, _), (total, total_sq, count, found, counters) in zip(
                jobs, results, strict=True
            ):
                st = state[k]
                part = parts[k]
                part.absorb(counters, found)
                if st.done:
                    continue
                st.total += total
                st.total_sq += total_sq
                st.samples += count
                st.batches += 1
                samples = st.samples
                if samples >= 2:
                    mean = st.total / samples
                    spread = np.maximum(st.total_sq - samples * mean**2, 0.0) / (samples - 1)
                    st.halfwidth = student_t.ppf(0.975, samples - 1) * np.sqrt(spread / samples)
                    if np.all(st.halfwidth <= st.target) or samples >= max_samples:
                        st.done = True
        for k, st in state.items():
            part = parts[k]
            samples = max(st.samples, 1)
            phi[part.players] += st.total / samples
            var[part.players] += st.halfwidth**2
            used += st.samples * per_sample
        return (
            self._by_participant(phi - self.today_shares, "sampled-shapley"),
            self._by_participant(np.sqrt(var), "halfwidth95"),
            used,
        )


class _Sampling:
    """Where the sampling of one part stands: its target half-width, the sums of its
    samples and of their squares, how many, and its half-widths so far."""

    def __init__(self, target: float, n: int) -> None:
        self.target = target
        self.total = np.zeros(n)
        self.total_sq = np.zeros(n)
        self.samples = 0
        self.batches = 0
        self.halfwidth = np.full(n, np.inf)
        self.done = False


def _batch_task(
    job: tuple[PartGame, int], seed: int
) -> tuple[np.ndarray, np.ndarray, int, dict[int, float], tuple[int, int, int, float]]:
    """A seeded task of :meth:`CoalitionGame.shapley_sampled`: one batch of permutations."""
    part, permutations = job
    return _permutation_batch(part, permutations, seed)


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
    tables = game.problem.tables
    model = add_processes(game._plan, build_model(tables, objective="cost"), tables)
    upper = model.col_upper.copy()
    upper[model.columns("flow")] = np.inf  # the rows, not the flow bounds, hold the value
    result = _relaxation(model, game.settings, upper=upper, what="the grand coalition's LP").run()
    if not result.optimal:
        raise SolverError(f"the grand coalition's LP ended {result.status}")
    row_dual, col_dual = result.row_dual, result.col_dual
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
    # plant processes and duties: what their rows' limits and their columns' bounds are
    # worth goes to the organisation running them
    row_owner, col_owner = process_owners(game._plan, game.network, model)
    player = pd.Index(game.players)
    who = player.get_indexer(row_owner)
    at = np.flatnonzero(who >= 0)
    limit = np.where(np.isfinite(model.row_upper[at]), model.row_upper[at], 0.0)
    np.add.at(share, who[at], row_dual[at] * limit)
    who = player.get_indexer(col_owner)
    at = np.flatnonzero(who >= 0)
    active = np.where(col_dual[at] > 0, upper[at], model.col_lower[at])
    np.add.at(share, who[at], col_dual[at] * active)
    return game._by_participant(share - game.today_shares, "dual")
