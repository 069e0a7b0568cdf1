"""Settlement: turn an allocation into prices the participants can sign.

Every built exchange gets a price per canonical unit (currency/t, /MWh, /m3), paid by the
taker to the giver; a negative price is a gate fee paid by the giver to the taker. The
price stays inside the exchange's bargaining range:

* lower end, the giver's alternative: what it keeps per unit from giving at zero price,
  with the sign turned (``-(avoided disposal + landfill tax avoided + subsidy - treatment)``
  with the design's default split of terms). At that price the giver's all-in cost of
  giving (gate fee, its treatment, less subsidy) equals what disposal would cost it, so no
  giver pays more than landfill;
* upper end, the taker's alternative: what it keeps per unit from taking at zero price
  (``avoided virgin - transport``). At that price the by-product, with the transport (and
  any treatment) the taker bears, costs it what the virgin input costs, so no taker pays
  more for a by-product than for the virgin product.

Which term each side bears is read from the design's money terms (``GIVER_TERMS``,
``TAKER_TERMS``) by :func:`price_range`, the one place that maps the flow table's money
columns to the range. The carbon value and the annual fixed cost are shared half and half
in the result at zero price and stay outside the range.

The payments (currency/yr) solve "result at zero price + payments received - payments made
= share" for each organisation within those ranges. When that cannot be met exactly the
settlement names, per organisation, the gap (asked share - nearest reachable share) and the
nearest reachable allocation: the reachable results closest to the asked shares in squared
distance (they add up to the design's result at zero price, the asked total whenever the
allocation is efficient). Among the prices reaching that allocation, the most consistent
are chosen: the exchanges of one resource between one giver and one taker share a price
when the ranges allow it (otherwise the sum over such groups of highest minus lowest price
is smallest); what freedom is left goes to prices nearest the middle of their ranges
(payments closest, in squares, to splitting each exchange's margin evenly).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.optimize import lsq_linear

from symbiograph.errors import AllocationError, InputError, SolverError
from symbiograph.optimize import GIVER_TERMS, TAKER_TERMS
from symbiograph.optimize.solver import SolveResult, solve_rows

__all__ = ["Settlement", "price_range", "settle", "settle_allocation"]

#: Flows below this are not exchanges (canonical units/yr).
_MIN_FLOW = 1e-9
#: Default tolerance of "reached", relative to the largest share or result (currency/yr).
_REL_TOL = 1e-6


@dataclass(frozen=True)
class Settlement:
    """Prices and payments per built exchange and how close they bring each organisation
    to its share.

    ``exchanges``: one row per built exchange (see :func:`settle`). ``participants``: index
    ``participant``; ``asked`` (the share), ``at_zero_price`` (result when every price is
    0), ``reachable`` (the nearest reachable share) and ``gap`` (asked - reachable; positive:
    the participant gets less than asked), all currency/yr. ``reachable``: whether every gap
    is within ``tol`` (currency/yr).
    """

    exchanges: pd.DataFrame
    participants: pd.DataFrame
    reachable: bool
    tol: float

    def out_of_reach(self) -> pd.DataFrame:
        """The participants whose share is not reached (|gap| > tol), largest gap first."""
        gap = self.participants["gap"]
        far = self.participants[gap.abs() > self.tol]
        return far.loc[far["gap"].abs().sort_values(ascending=False, kind="stable").index]


def price_range(flows: pd.DataFrame) -> pd.DataFrame:
    """Each exchange's bargaining range, currency per canonical unit: ``price_lo`` (the
    giver's alternative, minus what the giver keeps per unit at zero price) and
    ``price_hi`` (the taker's alternative, what the taker keeps per unit at zero price).

    ``flows`` carries ``flow`` (units/yr, > 0) and the design's money terms per exchange
    (currency/yr, columns named as in ``GIVER_TERMS`` and ``TAKER_TERMS``). Raises
    InputError naming the missing column, or the exchange and column holding a NaN.
    """
    missing = [t for t in (*GIVER_TERMS, *TAKER_TERMS, "flow") if t not in flows.columns]
    if missing:
        raise InputError(
            f"settlement: the flow table has no {', '.join(missing)} column(s); the price "
            "range needs the money terms of each exchange (currency/yr)"
        )
    for term in (*GIVER_TERMS, *TAKER_TERMS, "flow"):
        bad = flows[term].isna().to_numpy()
        if bad.any():
            where = flows["candidate_id"].iloc[int(np.flatnonzero(bad)[0])]
            raise InputError(f"settlement: exchange {where} has no value for {term}")
    flow = flows["flow"].to_numpy(dtype=float)
    giver = flows[list(GIVER_TERMS)].to_numpy(dtype=float).sum(axis=1) / flow
    taker = flows[list(TAKER_TERMS)].to_numpy(dtype=float).sum(axis=1) / flow
    return pd.DataFrame({"price_lo": 0.0 - giver, "price_hi": taker + 0.0}, index=flows.index)


def settle_allocation(
    flows: pd.DataFrame,
    participants: pd.DataFrame,
    allocation: pd.Series,
    *,
    tol: float | None = None,
) -> Settlement:
    """Prices per built exchange, inside each bargaining range, that deliver ``allocation``
    (organisation -> share, currency/yr) or the nearest reachable allocation.

    ``flows``: the design's flow table (``DesignSolution.flows``: candidate_id,
    supply_organisation, demand_organisation, flow, unit and the money terms, see
    :func:`price_range`; an optional ``resource`` column groups exchanges for consistent
    prices, otherwise kind and unit do). ``participants``: organisation and net_benefit,
    the result at zero transfer price (currency/yr). ``tol``: a share is reached within it
    (currency/yr; default 1e-6 of the largest share or result). See the module text for
    the sign convention and the rules. Raises InputError when an organisation that gives
    or takes has no share, or a share is NaN.
    """
    used = flows[flows["flow"] > _MIN_FLOW].reset_index(drop=True)
    if allocation.isna().any():
        raise InputError(f"settlement: no share for {allocation[allocation.isna()].index[0]!r}")
    trading = set(used["supply_organisation"]) | set(used["demand_organisation"])
    unshared = sorted(map(str, trading - set(allocation.index)))
    if unshared:
        raise InputError(f"settlement: {unshared[0]!r} gives or takes but has no share")
    now_by_org = participants.set_index("organisation")["net_benefit"]
    orgs = pd.Index(sorted(set(now_by_org.index) | set(allocation.index) | trading, key=str))
    now = now_by_org.reindex(orgs).fillna(0.0).to_numpy(dtype=float)  # no exchange: 0
    target = allocation.reindex(orgs).fillna(0.0).to_numpy(dtype=float)
    span = price_range(used)
    lo, hi = span["price_lo"].to_numpy(), span["price_hi"].to_numpy()
    flow = used["flow"].to_numpy(dtype=float)
    giver = orgs.get_indexer(used["supply_organisation"])
    taker = orgs.get_indexer(used["demand_organisation"])
    external = giver != taker  # an organisation trading with itself settles nothing
    no_range = lo > hi
    # an empty range (the exchange loses money on its variable terms): both sides lose the
    # same per unit
    mid = (lo + hi) / 2
    lo_used, hi_used = np.where(no_range, mid, lo), np.where(no_range, mid, hi)
    cols = np.flatnonzero(external)
    incidence = np.zeros((len(orgs), len(cols)))
    incidence[giver[cols], np.arange(len(cols))] += 1.0
    incidence[taker[cols], np.arange(len(cols))] -= 1.0
    lb, ub = flow[cols] * lo_used[cols], flow[cols] * hi_used[cols]
    need = target - now
    scale = max(1.0, float(np.abs(need).max(initial=0.0)), float(np.abs(lb).max(initial=0.0)))
    scale = max(scale, float(np.abs(ub).max(initial=0.0)))
    payment = _nearest(incidence, need, lb, ub, scale)
    payment = _consistent(payment, incidence, lb, ub, flow[cols], _groups(used.iloc[cols]), scale)
    reached = now + incidence @ payment
    gap = target - reached
    if tol is None:
        largest = max(float(np.abs(target).max(initial=0)), float(np.abs(now).max(initial=0)))
        tol = _REL_TOL * max(1.0, largest)
    paid = np.zeros(len(used))
    paid[cols] = payment
    price = np.zeros(len(used))
    price[cols] = paid[cols] / flow[cols]
    tiny = 1e-6 * np.maximum(1.0, np.abs(hi - lo))
    bound = np.select(
        [
            ~external,
            no_range,
            external & (price <= lo + tiny),
            external & (price >= hi - tiny),
        ],
        ["internal", "no range", "giver's alternative", "taker's alternative"],
        default="",
    )
    exchanges = pd.DataFrame(
        {
            "candidate_id": used["candidate_id"].to_numpy(),
            "giver": used["supply_organisation"].to_numpy(),
            "taker": used["demand_organisation"].to_numpy(),
            "flow": flow,
            "unit": used["unit"].to_numpy(),
            "price_lo": lo,
            "price_hi": hi,
            "price_per_unit": price,
            "payment_per_yr": paid,
            "at_bound": bound,
            "residual_giver": gap[giver] if len(used) else [],
            "residual_taker": gap[taker] if len(used) else [],
        }
    )
    table = pd.DataFrame(
        {"asked": target, "at_zero_price": now, "reachable": reached, "gap": gap},
        index=pd.Index(orgs, name="participant"),
    )
    return Settlement(exchanges, table, bool(np.all(np.abs(gap) <= tol)), tol)


def settle(
    flows: pd.DataFrame,
    participants: pd.DataFrame,
    allocation: pd.Series,
    *,
    tol: float | None = None,
) -> pd.DataFrame:
    """Prices and payments per built exchange that deliver ``allocation`` as far as the
    bargaining ranges allow (see :func:`settle_allocation`, whose ``exchanges`` this is).

    One row per exchange that carries flow: candidate_id, giver, taker, flow (units/yr),
    unit, price_lo and price_hi (the range, currency per unit), price_per_unit (taker to
    giver; negative: gate fee paid by the giver), payment_per_yr (price times flow,
    currency/yr), at_bound (giver's alternative, taker's alternative, no range when the
    exchange loses money on its variable terms, internal for an organisation trading with
    itself, empty inside the range) and the gap (asked - reachable share, currency/yr) of
    its giver and its taker (residual_giver, residual_taker; 0 when reachable).
    """
    return settle_allocation(flows, participants, allocation, tol=tol).exchanges


def _nearest(
    incidence: np.ndarray, need: np.ndarray, lb: np.ndarray, ub: np.ndarray, scale: float
) -> np.ndarray:
    """Payments within [lb, ub] whose effect is closest to ``need`` in squares (the nearest
    reachable allocation is unique even when the payments are not)."""
    if not incidence.shape[1]:
        return np.zeros(0)
    free = ub - lb > 1e-12 * scale
    payment = np.where(free, 0.0, (lb + ub) / 2)
    if free.any():
        rest = (need - incidence[:, ~free] @ payment[~free]) / scale
        n_free = int(free.sum())
        # bvls: exact, for small designs; trf when it is large or bvls runs out of iterations
        methods = ("bvls", "trf") if n_free <= 500 else ("trf",)
        for method in methods:
            result = lsq_linear(
                incidence[:, free],
                rest,
                bounds=(lb[free] / scale, ub[free] / scale),
                method=method,
                tol=1e-12,
                max_iter=max(100, 50 * n_free),
            )
            if result.success:
                break
        if not result.success:
            raise AllocationError(f"settlement: bounded least squares failed ({result.message})")
        payment[free] = np.clip(result.x * scale, lb[free], ub[free])
    return payment


def _groups(exchanges: pd.DataFrame) -> np.ndarray:
    """Group label per exchange: same giver, taker and resource (kind and unit when the
    table has no ``resource`` column)."""
    if not len(exchanges):
        return np.zeros(0, dtype=np.int64)
    what = ["resource"] if "resource" in exchanges.columns else ["kind", "unit"]
    key = exchanges[["supply_organisation", "demand_organisation", *what]].astype(str)
    return key.groupby(list(key.columns), sort=True).ngroup().to_numpy()


def _consistent(
    payment: np.ndarray,
    incidence: np.ndarray,
    lb: np.ndarray,
    ub: np.ndarray,
    flow: np.ndarray,
    group: np.ndarray,
    scale: float,
) -> np.ndarray:
    """Among the payments within [lb, ub] with the effect ``incidence @ payment``, those whose
    prices are most consistent within each group (smallest sum of highest minus lowest
    price), then nearest the middle of their ranges (in squares of the share of the range).
    ``payment`` itself is kept when a later step fails (it already reaches the effect)."""
    n = incidence.shape[1]
    if not n:
        return payment
    effect = incidence @ payment
    width = ub - lb
    labels, sizes = np.unique(group, return_counts=True)
    shared = labels[sizes > 1]
    m = len(shared)
    inf = np.inf
    price_scale = max(1.0, float(np.max(np.maximum(np.abs(lb), np.abs(ub)) / flow)))
    # columns: t (n) with payment = lb + t * width, t in [0, 1]; then per shared group its
    # lowest and its highest price (/ price_scale)
    col_lower = np.r_[np.zeros(n), np.full(2 * m, -inf)]
    col_upper = np.r_[np.ones(n), np.full(2 * m, inf)]
    rows: list[tuple[float, float, np.ndarray, np.ndarray]] = []
    for r in np.flatnonzero(np.abs(incidence).sum(axis=1) > 0):
        idx = np.flatnonzero(incidence[r])
        rhs = float((effect[r] - incidence[r, idx] @ lb[idx]) / scale)
        rows.append((rhs, rhs, idx, incidence[r, idx] * width[idx] / scale))
    for k, label in enumerate(shared):
        for e in np.flatnonzero(group == label):
            coef, base = width[e] / (flow[e] * price_scale), lb[e] / (flow[e] * price_scale)
            rows.append((-base, inf, np.array([e, n + k]), np.array([coef, -1.0])))  # >= lowest
            rows.append((-inf, -base, np.array([e, n + m + k]), np.array([coef, -1.0])))  # <= top

    def _accepted(solved: SolveResult, fallback: np.ndarray) -> np.ndarray:
        """The payments of ``solved`` if it is optimal and keeps the effect (to 1e-6 of the
        scale)."""
        if not solved.optimal:
            return fallback
        t = np.clip(solved.x[:n], 0.0, 1.0)
        found = lb + t * width
        off = float(np.abs(incidence @ found - effect).max(initial=0.0))
        return found if off <= 1e-6 * scale else fallback

    spread_cost = np.r_[-np.ones(m), np.ones(m)]  # sum of highest - lowest price
    best = payment
    if m:
        try:
            spread_lp = solve_rows(
                np.r_[np.zeros(n), spread_cost],
                col_lower,
                col_upper,
                rows,
                what="settlement: consistent prices",
            )
        except SolverError:  # payment already reaches the shares; keep it
            return best
        if not spread_lp.optimal:
            return best
        best = _accepted(spread_lp, best)
        rows.append((-inf, spread_lp.objective + 1e-9, np.arange(n, n + 2 * m), spread_cost))
    try:
        middle = solve_rows(  # sum of (t - 1/2)**2, less a constant
            np.r_[-np.ones(n), np.zeros(2 * m)],
            col_lower,
            col_upper,
            rows,
            hessian_diagonal=np.r_[np.full(n, 2.0), np.zeros(2 * m)],
            what="settlement: prices near the middle of their ranges",
        )
    except SolverError:  # as above: the consistent payments stand
        return best
    return _accepted(middle, best)
