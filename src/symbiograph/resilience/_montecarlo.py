"""Monte Carlo over prices and volumes with the design as built.

Each uncertain input is a distribution (normal, lognormal, triangular, an empirical series or
a fixed value) of a *factor* on today's value (``mode="factor"``, 1 = as in the scenario) or of
the value itself (``mode="value"``: currency per unit for a price, units/yr for a volume,
currency per t CO2e for the carbon price). Inputs are correlated through a Gaussian copula:
draw k takes standard normals from its own generator (``SeedSequence`` of the root seed and
the key ``draw-k``, as the executor seam seeds tasks), correlates them with the Cholesky
factor of the correlation matrix and maps each through its marginal's inverse distribution.

With the flows FIXED (the design as built), draw k re-prices every flow: the giver's avoided
disposal scales with its supply's price, the taker's avoided virgin purchase with its demand's,
the carbon value with the carbon price; a supply or demand whose volume falls below the flows
it carries in the design scales those flows down pro rata (a volume above changes nothing:
the links are built for the design's flows). Transport, treatment and the fixed costs stay.
Optionally every draw is also re-optimised (built links sunk, as in a rewired outage).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Literal

import numpy as np
import pandas as pd
from scipy import special

from symbiograph.errors import InputError
from symbiograph.model import Network
from symbiograph.optimize import DesignSettings, DesignSolution, design_network
from symbiograph.resilience._outages import sunk_candidates
from symbiograph.tasks import Executor, InProcess, Progress, task_seed

__all__ = [
    "INPUT_COLUMNS",
    "Distribution",
    "MonteCarlo",
    "UncertainInput",
    "default_inputs",
    "inputs_from_table",
    "monte_carlo",
    "sample_inputs",
    "tornado",
]

DistributionKind = Literal["fixed", "normal", "lognormal", "triangular", "empirical"]


@dataclass(frozen=True)
class Distribution:
    """A marginal distribution. ``fixed`` (value), ``normal`` (mean, sd), ``lognormal``
    (median, sigma of the log), ``triangular`` (low, mode, high), ``empirical`` (the observed
    values, sampled by their quantiles with linear interpolation)."""

    kind: DistributionKind
    params: tuple[float, ...]

    def __post_init__(self) -> None:
        p = self.params
        counts = {"fixed": 1, "normal": 2, "lognormal": 2, "triangular": 3}
        if self.kind == "empirical":
            if not p:
                raise InputError("an empirical distribution needs at least one value")
        elif self.kind not in counts:
            raise InputError(
                f"distribution must be fixed, normal, lognormal, triangular or empirical, not {self.kind!r}"
            )
        elif len(p) != counts[self.kind]:
            raise InputError(
                f"a {self.kind} distribution takes {counts[self.kind]} parameters, not {len(p)}"
            )
        if not all(math.isfinite(v) for v in p):
            raise InputError(f"the {self.kind} distribution's parameters must be finite: {p}")
        if self.kind in ("normal", "lognormal") and p[1] < 0:
            raise InputError(f"a {self.kind} distribution's spread must be >= 0, not {p[1]}")
        if self.kind == "lognormal" and p[0] <= 0:
            raise InputError(f"a lognormal distribution's median must be > 0, not {p[0]}")
        if self.kind == "triangular" and not p[0] <= p[1] <= p[2]:
            raise InputError(f"a triangular distribution needs low <= mode <= high, not {p}")

    @property
    def spread(self) -> float:
        """Zero for a degenerate distribution (every draw the same value)."""
        p = self.params
        if self.kind == "fixed":
            return 0.0
        if self.kind in ("normal", "lognormal"):
            return p[1]
        if self.kind == "triangular":
            return p[2] - p[0]
        return float(np.ptp(p))

    def inverse(self, u: np.ndarray) -> np.ndarray:
        """Values at the probabilities ``u`` (0..1)."""
        p = self.params
        u = np.asarray(u, dtype=float)
        if self.kind == "fixed" or self.spread == 0.0:
            centre = p[0] if self.kind != "triangular" else p[1]
            return np.full(u.shape, float(centre))
        z = special.ndtri(np.clip(u, 1e-12, 1 - 1e-12))
        if self.kind == "normal":
            return p[0] + p[1] * z
        if self.kind == "lognormal":
            return p[0] * np.exp(p[1] * z)
        if self.kind == "triangular":
            low, mode, high = p
            cut = (mode - low) / (high - low)
            left = low + np.sqrt(u * (high - low) * (mode - low))
            right = high - np.sqrt((1.0 - u) * (high - low) * (high - mode))
            return np.where(u < cut, left, right)
        return np.quantile(np.asarray(p, dtype=float), u)

    @classmethod
    def normal(cls, mean: float, sd: float) -> Distribution:
        return cls("normal", (float(mean), float(sd)))

    @classmethod
    def lognormal(cls, median: float, sigma: float) -> Distribution:
        return cls("lognormal", (float(median), float(sigma)))

    @classmethod
    def triangular(cls, low: float, mode: float, high: float) -> Distribution:
        return cls("triangular", (float(low), float(mode), float(high)))

    @classmethod
    def empirical(cls, values: Sequence[float]) -> Distribution:
        return cls("empirical", tuple(float(v) for v in values))

    @classmethod
    def fixed(cls, value: float) -> Distribution:
        return cls("fixed", (float(value),))


@dataclass(frozen=True)
class UncertainInput:
    """One uncertain input: ``quantity`` is ``price`` or ``volume`` of the streams named in
    ``ids`` (stream ids, or resource ids: every stream of the resource), or ``carbon_price``
    (no ids). ``mode``: the distribution is of a ``factor`` on the scenario's value or of the
    ``value`` itself (see the module's note)."""

    name: str
    quantity: Literal["price", "volume", "carbon_price"]
    distribution: Distribution
    ids: tuple[str, ...] = ()
    mode: Literal["factor", "value"] = "factor"


@dataclass
class MonteCarlo:
    """Monte Carlo results (money in currency/yr).

    ``samples``: one row per draw, a column per input (the drawn factor or value).
    ``draws``: one row per draw and organisation (plus ``(total)``): net_benefit with the
    flows fixed and, when re-optimised, net_benefit_reoptimised. ``summary``: per organisation
    the design's net benefit, the mean, sd, 5 / 50 / 95 % quantiles, the value at risk (the
    net benefit at the (1 - level) quantile), the conditional value at risk (mean of the draws
    at or below it) and prob_worse_off, the share of draws with net benefit < 0 (better off
    with no exchange). ``sensitivity``: per input and organisation a first-order index (and a
    total index with SALib) and the method used.
    """

    samples: pd.DataFrame
    draws: pd.DataFrame
    summary: pd.DataFrame
    sensitivity: pd.DataFrame
    level: float
    timings: dict[str, float] = field(default_factory=dict)


def _correlation(inputs: Sequence[UncertainInput], correlation: object) -> np.ndarray:
    """The Cholesky factor of the inputs' correlation matrix (identity when None)."""
    k = len(inputs)
    if correlation is None:
        return np.eye(k)
    if isinstance(correlation, pd.DataFrame):
        names = [i.name for i in inputs]
        unknown = sorted((set(correlation.index) | set(correlation.columns)) - set(names))
        if unknown:
            raise InputError(f"the correlation matrix names inputs that do not exist: {unknown}")
        matrix = correlation.reindex(index=names, columns=names).to_numpy(dtype=float)
        matrix = np.where(np.isnan(matrix), np.eye(k), matrix)
    else:
        matrix = np.asarray(correlation, dtype=float)
    if matrix.shape != (k, k):
        raise InputError(f"the correlation matrix must be {k} x {k}, not {matrix.shape}")
    if not np.all(np.isfinite(matrix)) or not np.allclose(matrix, matrix.T):
        raise InputError("the correlation matrix must be finite and symmetric")
    if not np.allclose(np.diag(matrix), 1.0) or np.abs(matrix).max() > 1.0 + 1e-12:
        raise InputError("the correlation matrix needs 1 on its diagonal and entries in [-1, 1]")
    try:
        return np.linalg.cholesky(matrix + 1e-12 * np.eye(k))
    except np.linalg.LinAlgError:
        raise InputError("the correlation matrix is not positive semi-definite") from None


def sample_inputs(
    inputs: Sequence[UncertainInput],
    draws: int,
    seed: int = 0,
    correlation: pd.DataFrame | np.ndarray | None = None,
) -> pd.DataFrame:
    """``draws`` rows, one column per input: the Gaussian-copula sample (see the module's
    note). Draw k depends only on the seed and k, not on how many draws are taken."""
    if draws < 1:
        raise InputError(f"draws must be at least 1, not {draws}")
    names = [i.name for i in inputs]
    if len(set(names)) != len(names):
        raise InputError(f"uncertain inputs need unique names: {names}")
    chol = _correlation(inputs, correlation)
    k = len(inputs)
    z = np.empty((draws, k))
    for d in range(draws):
        rng = np.random.default_rng(task_seed(seed, f"draw-{d}"))
        z[d] = rng.standard_normal(k)
    u = special.ndtr(z @ chol.T)
    return pd.DataFrame(
        {i.name: i.distribution.inverse(u[:, n]) for n, i in enumerate(inputs)}, columns=names
    )


@dataclass
class _Flows:
    """The design's flows that flow or are built, with their per-stream positions."""

    table: pd.DataFrame
    supply_pos: np.ndarray
    demand_pos: np.ndarray
    streams: pd.DataFrame  # id, resource_id, price, quantity
    giver: np.ndarray  # org position per flow
    taker: np.ndarray
    orgs: list[str]


def _flows(network: Network, design: DesignSolution, candidates: pd.DataFrame) -> _Flows:
    f = design.flows
    table = f[(f["flow"] > 0) | f["built"].astype(bool)].reset_index(drop=True).copy()
    cand = candidates.set_index("candidate_id")
    missing = sorted(set(table["candidate_id"]) - set(cand.index))
    if missing:
        raise InputError(f"the design's flows name candidates not in the table: {missing[:5]}")
    table["demand_units_per_unit"] = cand.loc[
        table["candidate_id"].to_numpy(), "demand_units_per_unit"
    ].to_numpy(dtype=float)
    streams = network.streams[["id", "resource_id", "price", "quantity"]].reset_index(drop=True)
    pos = pd.Series(np.arange(len(streams)), index=streams["id"].astype(str))
    orgs = sorted(set(design.participants["organisation"].astype(str)))
    org_pos = pd.Series(np.arange(len(orgs)), index=orgs)
    return _Flows(
        table=table,
        supply_pos=pos.reindex(table["supply_id"].astype(str)).to_numpy(dtype=int),
        demand_pos=pos.reindex(table["demand_id"].astype(str)).to_numpy(dtype=int),
        streams=streams,
        giver=org_pos.reindex(table["supply_organisation"].astype(str)).to_numpy(dtype=int),
        taker=org_pos.reindex(table["demand_organisation"].astype(str)).to_numpy(dtype=int),
        orgs=orgs,
    )


def _stream_factors(
    inputs: Sequence[UncertainInput], samples: pd.DataFrame, streams: pd.DataFrame, quantity: str
) -> np.ndarray:
    """draws x streams: the product of the factors of the ``quantity`` inputs on each stream."""
    out = np.ones((len(samples), len(streams)))
    ids = streams["id"].astype(str).to_numpy()
    resources = streams["resource_id"].astype(str).to_numpy()
    base_column = "price" if quantity == "price" else "quantity"
    base = streams[base_column].to_numpy(dtype=float)
    for i in inputs:
        if i.quantity != quantity:
            continue
        unknown = sorted(set(i.ids) - set(ids) - set(resources))
        if unknown or not i.ids:
            raise InputError(
                f"uncertain input {i.name!r}: {unknown or 'no ids'} name no stream or resource"
            )
        hit = np.isin(ids, i.ids) | np.isin(resources, i.ids)
        x = samples[i.name].to_numpy(dtype=float)[:, None]
        if i.mode == "value":
            b = base[hit]
            if np.any(~np.isfinite(b) | (b == 0)):
                raise InputError(
                    f"uncertain input {i.name!r} gives a {quantity} value for streams whose "
                    f"{base_column} is 0 or missing: give a factor instead"
                )
            out[:, hit] *= x / b[None, :]
        else:
            out[:, hit] *= x
    return out


def _fixed_flow_values(
    inputs: Sequence[UncertainInput],
    samples: pd.DataFrame,
    flows: _Flows,
    carbon_price: float,
) -> tuple[np.ndarray, np.ndarray]:
    """(draws x organisations net benefit, draws x flows realised flow) with flows fixed."""
    t = flows.table
    n = len(samples)
    price = _stream_factors(inputs, samples, flows.streams, "price")
    volume = _stream_factors(inputs, samples, flows.streams, "volume")
    flow = t["flow"].to_numpy(dtype=float)
    into = flow * t["demand_units_per_unit"].to_numpy(dtype=float)
    ns = len(flows.streams)
    sent = np.bincount(flows.supply_pos, flow, minlength=ns)
    taken = np.bincount(flows.demand_pos, into, minlength=ns)
    q = flows.streams["quantity"].to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        cap_s = np.where(sent > 0, volume * q / sent, np.inf)
        cap_d = np.where(taken > 0, volume * q / taken, np.inf)
    ratio = np.minimum(1.0, np.minimum(cap_s[:, flows.supply_pos], cap_d[:, flows.demand_pos]))
    ratio = np.where(flow > 0, ratio, 0.0)

    def col(name: str) -> np.ndarray:
        return t[name].to_numpy(dtype=float)[None, :]

    carbon = col("carbon_value") * ratio
    for i in inputs:
        if i.quantity != "carbon_price":
            continue
        x = samples[i.name].to_numpy(dtype=float)[:, None]
        carbon = x * col("co2e_t") * ratio if i.mode == "value" else carbon * x
    giver = (
        col("avoided_disposal") * price[:, flows.supply_pos] * ratio
        + (col("landfill_tax_avoided") + col("subsidy") + col("treatment")) * ratio
    )
    taker = col("avoided_virgin") * price[:, flows.demand_pos] * ratio + col("transport") * ratio
    shared = (carbon + col("fixed_cost") + col("operating_cost")) / 2.0
    k = len(flows.orgs)
    net = np.zeros((n, k))
    for side, pos in ((giver + shared, flows.giver), (taker + shared, flows.taker)):
        for j in range(k):
            mask = pos == j
            if mask.any():
                net[:, j] += side[:, mask].sum(axis=1)
    return net, ratio * flow


def _reoptimise_task(
    task: tuple[Network, pd.DataFrame, DesignSettings],
) -> pd.DataFrame:
    network, candidates, settings = task
    return design_network(network, candidates, settings).participants


def _draw_problem(
    network: Network,
    candidates: pd.DataFrame,
    settings: DesignSettings,
    inputs: Sequence[UncertainInput],
    row: pd.DataFrame,
    base_carbon: float,
) -> tuple[Network, pd.DataFrame, DesignSettings]:
    streams = network.streams.reset_index(drop=True)
    price = _stream_factors(inputs, row, streams, "price")[0]
    volume = _stream_factors(inputs, row, streams, "volume")[0]
    pos = pd.Series(np.arange(len(streams)), index=streams["id"].astype(str))
    s = pos.reindex(candidates["supply_id"].astype(str)).to_numpy(dtype=int)
    d = pos.reindex(candidates["demand_id"].astype(str)).to_numpy(dtype=int)
    cand = candidates.copy()
    cand["disposal_price_per_unit"] = (
        cand["disposal_price_per_unit"].to_numpy(dtype=float) * price[s]
    )
    cand["avoided_virgin_per_unit"] = (
        cand["avoided_virgin_per_unit"].to_numpy(dtype=float) * price[d]
    )
    cand["max_flow"] = cand["max_flow"].to_numpy(dtype=float) * np.minimum(
        1.0, np.minimum(volume[s], volume[d])
    )
    changed = streams.copy()
    changed["quantity"] = changed["quantity"].to_numpy(dtype=float) * volume
    carbon = base_carbon
    for i in inputs:
        if i.quantity == "carbon_price":
            x = float(row[i.name].iloc[0])
            carbon = x if i.mode == "value" else carbon * x
    return replace(network, streams=changed), cand, replace(settings, carbon_price=carbon)


def _sensitivity(
    inputs: Sequence[UncertainInput], samples: pd.DataFrame, values: pd.DataFrame
) -> pd.DataFrame:
    """First-order variance-based indices from the Monte Carlo sample: for input i,
    Var(E[Y | X_i]) / Var(Y), E[Y | X_i] estimated as the mean of Y in equal-count bins of
    X_i (about sqrt(draws) bins, at least 2 draws per bin). Correlated inputs share their
    indices (a first-order index then includes the partner's effect)."""
    n = len(samples)
    bins = max(1, min(int(math.sqrt(n)), n // 2))
    rows = []
    for i in inputs:
        x = samples[i.name].to_numpy(dtype=float)
        order = np.argsort(x, kind="stable")
        groups = np.empty(n, dtype=int)
        groups[order] = np.minimum((np.arange(n) * bins) // n, bins - 1)
        for org in values.columns:
            y = values[org].to_numpy(dtype=float)
            var = float(y.var())
            if var <= 1e-18 * (1.0 + float(np.abs(y).mean()) ** 2) or bins < 2:
                s1 = 0.0
            else:
                counts = np.bincount(groups, minlength=bins)
                means = np.bincount(groups, y, minlength=bins) / np.maximum(counts, 1)
                s1 = float((counts * (means - y.mean()) ** 2).sum() / n / var)
            rows.append((i.name, org, min(max(s1, 0.0), 1.0), np.nan, "binned first-order"))
    return pd.DataFrame(rows, columns=["input", "organisation", "first_order", "total", "method"])


def _sobol(
    inputs: Sequence[UncertainInput],
    flows: _Flows,
    carbon_price: float,
    draws: int,
    seed: int,
) -> pd.DataFrame | None:
    """Sobol first-order and total indices (SALib: Saltelli's sampling, Jansen's estimators)
    of every organisation's net benefit with the flows fixed, over the inputs' marginals taken
    as independent (the copula's correlations are left out: Sobol indices assume independent
    inputs). None when SALib is not installed."""
    try:
        from SALib.analyze import sobol as sobol_analyze
        from SALib.sample import sobol as sobol_sample
    except ImportError:
        return None
    k = len(inputs)
    base = 2 ** max(8, math.ceil(math.log2(max(1, draws // (k + 2)))))
    problem = {"num_vars": k, "names": [i.name for i in inputs], "bounds": [[0.0, 1.0]] * k}
    u = sobol_sample.sample(problem, base, calc_second_order=False, seed=seed)
    samples = pd.DataFrame({i.name: i.distribution.inverse(u[:, n]) for n, i in enumerate(inputs)})
    net, _ = _fixed_flow_values(inputs, samples, flows, carbon_price)
    values = pd.DataFrame(net, columns=flows.orgs)
    values["(total)"] = net.sum(axis=1)
    rows: list[tuple[str, str, float, float, str]] = []
    for org in values.columns:
        y = values[org].to_numpy(dtype=float)
        if float(np.var(y)) <= 1e-18 * (1.0 + float(np.abs(y).mean()) ** 2):
            s1 = st = np.zeros(k)
        else:
            got = sobol_analyze.analyze(
                problem, y, calc_second_order=False, print_to_console=False, seed=seed
            )
            s1 = np.nan_to_num(np.asarray(got["S1"], dtype=float))
            st = np.nan_to_num(np.asarray(got["ST"], dtype=float))
        rows.extend(
            (i.name, org, float(s1[n]), float(st[n]), f"Sobol (SALib, N={base})")
            for n, i in enumerate(inputs)
        )
    return pd.DataFrame(rows, columns=["input", "organisation", "first_order", "total", "method"])


def _summary(values: pd.DataFrame, design: Mapping[str, float], level: float) -> pd.DataFrame:
    rows = []
    for org in values.columns:
        y = np.sort(values[org].to_numpy(dtype=float))
        var = float(np.quantile(y, 1.0 - level))
        tail = y[y <= var]
        rows.append(
            {
                "organisation": org,
                "net_benefit_design": float(design.get(org, 0.0)),
                "mean": float(y.mean()),
                "sd": float(y.std(ddof=1)) if len(y) > 1 else 0.0,
                "p05": float(np.quantile(y, 0.05)),
                "p50": float(np.quantile(y, 0.5)),
                "p95": float(np.quantile(y, 0.95)),
                "value_at_risk": var,
                "cvar": float(tail.mean()) if len(tail) else var,
                "prob_worse_off": float((y < 0).mean()),
            }
        )
    return pd.DataFrame(rows)


def monte_carlo(
    network: Network,
    candidates: pd.DataFrame,
    design: DesignSolution,
    inputs: Sequence[UncertainInput],
    *,
    draws: int = 1000,
    seed: int = 0,
    correlation: pd.DataFrame | np.ndarray | None = None,
    level: float = 0.95,
    reoptimise: bool = False,
    sensitivity: bool = True,
    settings: DesignSettings | None = None,
    executor: Executor | None = None,
    progress: Progress | None = None,
) -> MonteCarlo:
    """Monte Carlo of ``design`` (from ``design_network(network, candidates)``) under the
    uncertain ``inputs`` (see the module's note and :class:`MonteCarlo`): ``draws`` draws from
    ``seed``, the value at risk at ``level`` (e.g. 0.95: the net benefit that 95 % of the draws
    reach), ``reoptimise`` each draw too (one task per draw on ``executor``, built links sunk;
    ``settings`` default the design's). ``sensitivity``: Sobol indices by SALib when it is
    installed (the ``sensitivity`` extra), else the binned first-order estimate from the
    draws; ``MonteCarlo.sensitivity`` says which. Money in currency/yr."""
    import time

    if not 0.0 < level < 1.0:
        raise InputError(f"level must lie strictly between 0 and 1, not {level}")
    t0 = time.perf_counter()
    samples = sample_inputs(inputs, draws, seed, correlation)
    flows = _flows(network, design, candidates)
    base_carbon = float(design.parameters.get("carbon_price", 0.0))
    net, _ = _fixed_flow_values(inputs, samples, flows, base_carbon)
    values = pd.DataFrame(net, columns=flows.orgs)
    values["(total)"] = net.sum(axis=1)
    timings = {"fixed_s": time.perf_counter() - t0}
    draws_table = (
        values.rename_axis("draw")
        .reset_index()
        .melt(id_vars="draw", var_name="organisation", value_name="net_benefit")
    )
    if reoptimise:
        t1 = time.perf_counter()
        own = settings or design.settings
        built = design.flows.loc[design.flows["built"].astype(bool), "candidate_id"]
        sunk = sunk_candidates(candidates, built)
        shares = design.shares[design.shares["candidate_id"].isin(set(built))]
        sunk_org = shares.groupby("organisation")["fixed_cost"].sum()
        tasks = [
            _draw_problem(network, sunk, own, inputs, samples.iloc[[d]], base_carbon)
            for d in range(draws)
        ]
        solved = (executor or InProcess()).map(
            _reoptimise_task, tasks, keys=[f"draw-{d}" for d in range(draws)], progress=progress
        )
        again = np.zeros_like(values.to_numpy())
        for d, participants in enumerate(solved):
            got = participants.set_index("organisation")["net_benefit"].add(
                sunk_org, fill_value=0.0
            )
            row = got.reindex(flows.orgs).fillna(0.0).to_numpy()
            again[d, :-1] = row
            again[d, -1] = float(got.sum())
        draws_table["net_benefit_reoptimised"] = (
            pd.DataFrame(again, columns=values.columns).melt(value_name="v")["v"].to_numpy()
        )
        timings["reoptimise_s"] = time.perf_counter() - t1
    design_org = dict(
        zip(
            design.participants["organisation"].astype(str),
            design.participants["net_benefit"],
            strict=True,
        )
    )
    design_org["(total)"] = float(design.net_benefit)
    summary = _summary(values, design_org, level)
    sobol = _sobol(inputs, flows, base_carbon, draws, seed) if sensitivity and inputs else None
    indices = sobol if sobol is not None else _sensitivity(inputs, samples, values)
    timings["monte_carlo_s"] = time.perf_counter() - t0
    return MonteCarlo(samples, draws_table, summary, indices, level, timings)


#: The columns of a table of uncertain inputs (see :func:`inputs_from_table`).
INPUT_COLUMNS = ("name", "quantity", "ids", "distribution", "params", "mode")


def inputs_from_table(table: pd.DataFrame) -> list[UncertainInput]:
    """Uncertain inputs from a table with the columns name, quantity (price, volume,
    carbon_price), ids (stream or resource ids separated by spaces; empty for the carbon
    price), distribution (fixed, normal, lognormal, triangular, empirical), params (numbers
    separated by spaces) and mode (factor or value; empty: factor). Raises InputError naming
    the row and field at fault."""
    missing = [c for c in INPUT_COLUMNS if c not in table.columns and c != "mode"]
    if missing:
        raise InputError(f"the uncertain inputs lack the columns {missing}")
    out = []
    for row, r in enumerate(table.to_dict("records")):
        where = f"uncertain inputs row {row + 1}"
        quantity = str(r["quantity"]).strip()
        if quantity not in ("price", "volume", "carbon_price"):
            raise InputError(f"{where}, quantity: price, volume or carbon_price, not {quantity!r}")
        mode = str(r.get("mode") or "factor").strip() or "factor"
        if mode not in ("factor", "value"):
            raise InputError(f"{where}, mode: factor or value, not {mode!r}")
        ids_text = r.get("ids")
        ids = tuple(str(ids_text).split()) if isinstance(ids_text, str) else ()
        try:
            params = tuple(float(v) for v in str(r["params"]).split())
        except ValueError:
            raise InputError(f"{where}, params: numbers separated by spaces") from None
        try:
            dist = Distribution(str(r["distribution"]).strip(), params)  # type: ignore[arg-type]
        except InputError as err:
            raise InputError(f"{where}, distribution: {err}") from None
        out.append(UncertainInput(str(r["name"]), quantity, dist, ids, mode))  # type: ignore[arg-type]
    return out


def default_inputs(
    design: DesignSolution, price_sigma: float = 0.2, carbon_sd: float = 0.25
) -> list[UncertainInput]:
    """A screening set when the user gives none: the price of every stream the design
    exchanges as a lognormal factor (median 1, ``price_sigma`` of the log), independent, and
    the carbon price as a normal factor (mean 1, sd ``carbon_sd``)."""
    flowing = design.flows[design.flows["flow"] > 0]
    return [
        UncertainInput("carbon_price", "carbon_price", Distribution.normal(1.0, carbon_sd)),
        *(
            UncertainInput(f"price:{s}", "price", Distribution.lognormal(1.0, price_sigma), (s,))
            for s in sorted(
                set(flowing["supply_id"].astype(str)) | set(flowing["demand_id"].astype(str))
            )
        ),
    ]


def tornado(
    network: Network,
    candidates: pd.DataFrame,
    design: DesignSolution,
    inputs: Sequence[UncertainInput],
    *,
    low: float = 0.05,
    high: float = 0.95,
) -> pd.DataFrame:
    """One-at-a-time swings for a tornado chart, with the flows of ``design`` as built (as
    the Monte Carlo's fixed reading): every input at its median but one, taken to its
    ``low`` and then its ``high`` quantile. One row per input and organisation (plus
    ``(total)``): base (all at their medians), value_low and value_high (the input's value
    at the two quantiles: a factor or a value as its mode says), net_benefit_low and
    net_benefit_high (currency/yr) and swing = |high - low| (currency/yr); sorted by the
    total's swing, largest first."""
    if not 0.0 <= low < high <= 1.0:
        raise InputError(f"tornado quantiles need 0 <= low < high <= 1, not {low}, {high}")
    names = [i.name for i in inputs]
    if len(set(names)) != len(names):
        raise InputError(f"uncertain inputs need unique names: {names}")
    if not inputs:
        return pd.DataFrame(
            columns=[
                "input",
                "organisation",
                "base",
                "value_low",
                "value_high",
                "net_benefit_low",
                "net_benefit_high",
                "swing",
            ]
        )
    median = np.array([float(i.distribution.inverse(np.array([0.5]))[0]) for i in inputs])
    at = {
        q: np.array([float(i.distribution.inverse(np.array([q]))[0]) for i in inputs])
        for q in (low, high)
    }
    k = len(inputs)
    grid = np.tile(median, (1 + 2 * k, 1))
    for n in range(k):
        grid[1 + 2 * n, n] = at[low][n]
        grid[2 + 2 * n, n] = at[high][n]
    flows = _flows(network, design, candidates)
    base_carbon = float(design.parameters.get("carbon_price", 0.0))
    net, _ = _fixed_flow_values(inputs, pd.DataFrame(grid, columns=names), flows, base_carbon)
    values = np.column_stack([net, net.sum(axis=1)])
    orgs = [*flows.orgs, "(total)"]
    rows = []
    for n, i in enumerate(inputs):
        for j, org in enumerate(orgs):
            lo, hi = values[1 + 2 * n, j], values[2 + 2 * n, j]
            rows.append(
                {
                    "input": i.name,
                    "organisation": org,
                    "base": float(values[0, j]),
                    "value_low": float(at[low][n]),
                    "value_high": float(at[high][n]),
                    "net_benefit_low": float(lo),
                    "net_benefit_high": float(hi),
                    "swing": float(abs(hi - lo)),
                }
            )
    table = pd.DataFrame(rows)
    total_swing = table[table["organisation"] == "(total)"].set_index("input")["swing"]
    table["_order"] = table["input"].map(total_swing)
    return (
        table.sort_values(["_order", "input", "organisation"], ascending=[False, True, True])
        .drop(columns="_order")
        .reset_index(drop=True)
    )
