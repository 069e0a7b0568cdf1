"""Share a designed network's gain: the shares of every asked-for method, their stability,
the settlement of one of them in payments per exchange, in one result (``Allocation``).

This is the whole of ``symbiograph allocate`` as a library call; the command line and the
report only show what it returns.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from symbiograph.allocate._coalitions import CoalitionGame, defecting_pairs, dual_allocation
from symbiograph.allocate._games import defecting_coalitions, in_core, nucleolus, proportional
from symbiograph.allocate._settlement import Settlement, settle_allocation
from symbiograph.errors import AllocationError, InputError
from symbiograph.optimize import DesignSolution

__all__ = ["METHODS", "Allocation", "default_methods", "share_gain"]

#: The allocation methods, in the order they are shown.
METHODS = (
    "shapley",
    "sampled-shapley",
    "nucleolus",
    "dual",
    "equal",
    "proportional",
    "stand-alone",
)

#: Games up to this many participants get the whole 2**n table: nucleolus, full core check.
TABLE_MAX_PLAYERS = 16
#: Independent parts up to this many participants get exact Shapley values.
EXACT_SHAPLEY_MAX_PART = 20
#: Relative slack of the core check on the design game (its values come from MIP solves).
CORE_TOL = 1e-6


@dataclass(frozen=True)
class Allocation:
    """The shared gain of a design.

    ``shares``: one row per participant (index ``participant``), one column per method
    (currency/yr). ``intervals``: sampled Shapley's estimate, 95% half-width and permutations
    per participant (None when not sampled). ``stability``: per method whether it is in the
    core (True/False; None when only single participants and linked pairs were checked and
    none defects), what was checked and the coalitions that would gain most by leaving
    (members, value v(S), allocated x(S), gain; one row with empty coalition when none).
    ``settlement``: prices and payments per built exchange, each price inside its bargaining
    range, that deliver the ``method`` shares (see :func:`symbiograph.allocate.settle`).
    ``reach``: per participant (index ``participant``) the asked share, its result at zero
    price, the nearest reachable share and the gap (asked - reachable), currency/yr (see
    :func:`symbiograph.allocate.settle_allocation`); ``reachable``: whether every gap is within
    the tolerance. ``total``: v(N), currency/yr. ``solves``: coalition solves spent.
    """

    shares: pd.DataFrame
    intervals: pd.DataFrame | None
    stability: pd.DataFrame
    settlement: pd.DataFrame
    total: float
    method: str
    solves: int
    reach: pd.DataFrame = field(default_factory=pd.DataFrame)
    reachable: bool = True
    reach_tol: float = 0.0

    def out_of_reach(self) -> pd.DataFrame:
        """The participants whose ``method`` share no prices inside the bargaining ranges
        reach (rows of ``reach`` with |gap| above the tolerance), largest gap first."""
        if self.reach.empty:
            return self.reach
        far = self.reach[self.reach["gap"].abs() > self.reach_tol]
        return far.loc[far["gap"].abs().sort_values(ascending=False, kind="stable").index]

    @property
    def methods(self) -> list[str]:
        """The methods computed, in column order."""
        return [str(m) for m in self.shares.columns]

    def summary(self) -> pd.DataFrame:
        """One row per method (index ``method``): in_core (True/False/None), sum and whether
        it adds up to v(N) (``efficient``), the largest gain of a defecting coalition
        (``worst_gain``, 0 when none), the smallest and largest share (currency/yr) and the
        coalitions checked."""
        rows = []
        for m in self.shares.columns:
            mine = self.stability[self.stability["method"] == m]
            worst = mine["gain"].max()
            total = float(self.shares[m].sum())
            rows.append(
                {
                    "method": m,
                    "in_core": mine["in_core"].iloc[0] if len(mine) else None,
                    "sum": total,
                    "efficient": bool(abs(total - self.total) <= 1e-6 * max(abs(self.total), 1.0)),
                    "worst_gain": 0.0 if pd.isna(worst) else float(worst),
                    "smallest": float(self.shares[m].min()),
                    "largest": float(self.shares[m].max()),
                    "checked": str(mine["checked"].iloc[0]) if len(mine) else "",
                }
            )
        return pd.DataFrame(rows).set_index("method")


def default_methods(game: CoalitionGame) -> list[str]:
    """The methods :func:`share_gain` computes when none are named: exact Shapley (sampled
    when an independent part has more than 20 participants), the nucleolus up to 16
    participants, the dual allocation and the baselines (stand-alone only when some
    participant earns something alone)."""
    largest = max((p.n for p in game.parts), default=0)
    methods = ["shapley" if largest <= EXACT_SHAPLEY_MAX_PART else "sampled-shapley"]
    if game.n <= TABLE_MAX_PLAYERS:
        methods.append("nucleolus")
    methods += ["dual", "equal", "proportional"]
    if any(game.value(1 << i) > 0 for i in range(game.n)):
        methods.append("stand-alone")
    return methods


def _volume(solution: DesignSolution, players: list[str]) -> pd.Series:
    """Flow each participant gives or takes in the design (canonical units/yr, summed)."""
    flows = solution.flows
    return (
        pd.concat(
            [
                flows.groupby("supply_organisation")["flow"].sum(),
                flows.groupby("demand_organisation")["flow"].sum(),
            ]
        )
        .groupby(level=0)
        .sum()
        .reindex(players)
        .fillna(0.0)
    )


def share_gain(
    game: CoalitionGame,
    solution: DesignSolution,
    methods: Sequence[str] | None = None,
    seed: int = 0,
    ci_share: float = 0.01,
    *,
    settle_by: str | None = None,
) -> Allocation:
    """Share the gain of the design ``solution`` among the participants of ``game`` (made
    with :meth:`CoalitionGame.from_solution`, so v(N) is the design's net benefit, or with
    ``today`` what the design adds to today's network).

    ``methods`` (see ``METHODS``; default :func:`default_methods`) are computed, and only
    they: the nucleolus and the full core check need all 2**n coalition values (up to 16
    participants), exact Shapley parts of up to 20. Sampled Shapley uses ``seed`` and stops
    when every 95% interval is narrower than ``ci_share`` of v(N). ``settle_by`` (default:
    the first method) is settled in payments per exchange. Shares are currency/yr.
    Raises AllocationError (saying which method and why) when a method cannot be computed,
    or when v(N) differs from the design's net benefit by more than the MIP gap.
    """
    if not 0 < ci_share < 1:
        raise InputError(f"ci_share must be between 0 and 1, not {ci_share}")
    chosen = list(default_methods(game) if methods is None else dict.fromkeys(methods))
    if not chosen:
        raise InputError("name at least one allocation method")
    unknown = [m for m in [*chosen, settle_by or chosen[0]] if m not in METHODS]
    if unknown:
        raise InputError(f"unknown allocation method {unknown[0]!r} (known: {', '.join(METHODS)})")
    settle_by = settle_by or chosen[0]
    if settle_by not in chosen:
        chosen.append(settle_by)
        if methods is None:
            chosen.sort(key=METHODS.index)
    n = game.n
    players = game.players
    largest = max((p.n for p in game.parts), default=0)
    values = game.values() if n <= TABLE_MAX_PLAYERS else None
    total = float(values[-1]) if values is not None else game.value(game.grand_coalition)
    gap = max(solution.mip_gap, solution.settings.mip_gap, 1e-9)
    expected = solution.net_benefit - game.baseline_total
    if abs(total - expected) > 2 * gap * max(abs(solution.net_benefit), 1.0):
        raise AllocationError(
            f"coalition game: v(N) = {total:,.2f} but the design's net benefit "
            + ("less today's " if game.baseline_total else "")
            + f"is {expected:,.2f} (a coalition is worth its own best design under the "
            "cost objective, at least 0); make the game with CoalitionGame.from_solution from "
            "the same network, candidates and design"
        )
    shares: dict[str, np.ndarray] = {}
    intervals = None
    for m in chosen:
        if m == "shapley":
            if largest > EXACT_SHAPLEY_MAX_PART:
                raise AllocationError(
                    f"shapley: an independent part has {largest} participants (exact up to "
                    f"{EXACT_SHAPLEY_MAX_PART}); use sampled-shapley"
                )
            shares[m] = game.shapley().to_numpy()
        elif m == "sampled-shapley":
            estimate, halfwidth, used = game.shapley_sampled(
                seed=seed, target_halfwidth=ci_share / 2 * abs(total)
            )
            shares[m] = estimate.to_numpy()
            intervals = pd.DataFrame(
                {"estimate": estimate, "halfwidth95": halfwidth, "permutations": used}
            )
        elif m == "nucleolus":
            if values is None:
                raise AllocationError(
                    f"nucleolus: it needs every coalition's value; {n} participants make "
                    f"2**{n} (at most {TABLE_MAX_PLAYERS} participants)"
                )
            shares[m] = nucleolus(values)
        elif m == "dual":
            shares[m] = dual_allocation(game).to_numpy()
        elif m == "equal":
            shares[m] = np.full(n, total / n) if n else np.zeros(0)
        elif m == "proportional":
            shares[m] = proportional(_volume(solution, players).to_numpy() + 1e-12, total)
        else:  # stand-alone
            standalone = np.array([game.value(1 << i) for i in range(n)])
            if not standalone.sum() > 0:
                raise AllocationError(
                    "stand-alone: no participant earns anything alone, so there is nothing "
                    "to share in proportion to"
                )
            shares[m] = proportional(standalone, total)
    table = pd.DataFrame(shares, index=pd.Index(players, name="participant"))
    # what each participant keeps: today's exchanges (at zero transfer price) and its share
    # of what the design adds
    today = pd.Series(game.today_shares, index=table.index)
    settled = _settle(game, solution, table[settle_by] + today, total + game.baseline_total)
    return Allocation(
        shares=table,
        intervals=intervals,
        stability=_stability(game, table, values),
        settlement=settled.exchanges,
        total=total,
        method=settle_by,
        solves=game.solves,
        reach=settled.participants,
        reachable=settled.reachable,
        reach_tol=settled.tol,
    )


def _settle(
    game: CoalitionGame, solution: DesignSolution, shares: pd.Series, total: float
) -> Settlement:
    """Settle ``shares`` on the design's flows, grouped by the giver's resource (from the
    game's candidates); a share counts as reached within 1e-6 of the largest share or the
    design's achieved MIP gap of v(N), whichever is larger."""
    flows = solution.flows
    if "resource" not in flows.columns and "supply_resource" in game.problem.cand.columns:
        cand = game.problem.cand.set_index("candidate_id")["supply_resource"]
        flows = flows.assign(resource=cand.reindex(flows["candidate_id"]).to_numpy())
    largest = float(np.abs(shares.to_numpy()).max(initial=0.0))
    tol = max(1e-6 * max(largest, 1.0), solution.mip_gap * abs(total))
    return settle_allocation(flows, solution.participants, shares, tol=tol)


def _stability(
    game: CoalitionGame, shares: pd.DataFrame, values: np.ndarray | None
) -> pd.DataFrame:
    """Per method: in the core?, what was checked and the (at most 3) coalitions that would
    gain most by leaving; with the whole table every coalition, otherwise single
    participants and linked pairs."""
    rows = []
    for m in shares.columns:
        x = shares[m].to_numpy()
        inside: bool | None
        if values is not None:
            inside = in_core(values, x, tol=CORE_TOL)
            defect = defecting_coalitions(values, x, top=3, players=game.players)
            checked = "all coalitions"
        else:
            defect = defecting_pairs(game, x)
            inside = None if defect.empty else False
            checked = "single participants and linked pairs"
        for row in defect.to_dict("records") or [{}]:  # a stable allocation: one empty row
            rows.append(
                {
                    "method": m,
                    "in_core": inside,
                    "checked": checked,
                    "coalition": ", ".join(map(str, row.get("members", []))),
                    "value": row.get("value", np.nan),
                    "allocated": row.get("allocated", np.nan),
                    "gain": row.get("gain", np.nan),
                }
            )
    return pd.DataFrame(rows)
