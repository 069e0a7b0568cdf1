"""A design that holds up: the two-stage stochastic design and what it is worth.

First stage: which links, shared corridors and candidate processes to build (the design
model's integer columns), decided before prices and volumes are known. Second stage: the
flows (and process activity) of each scenario, chosen once the scenario is known. Scenarios
are draws of the uncertain inputs of :mod:`symbiograph.resilience._montecarlo` (prices,
volumes, the carbon price: the same Gaussian copula, draw k seeded by ``draw-k``), or a
table of the user's own (one row per scenario, a column per input, optional
``probability``), plus optional outages: each organisation of the candidates is out in a
scenario with probability ``outage_probability`` (seeded by ``outage-k``), its streams'
volumes then 0. A scenario re-prices the candidates as a re-optimised Monte Carlo draw does
(avoided disposal with the supply's price factor, avoided virgin input with the demand's,
the carbon price) and scales the streams' quantities (the supply and demand rows); the
links' capacities stay, so every scenario has the same model columns.

Each scenario's design model comes from the design's own builder (``build_design``, one
part), and the extensive form stacks them with the row-block builder
(``optimize.solver.extensive_form``); every solve goes through the solver seam. Reported
(money in currency/yr, the cost objective):

- ``expected_stochastic`` (RP): the expected net benefit of the stochastic design, its
  flows re-optimised per scenario;
- ``expected_mean_value`` (EEV): the expected net benefit, on the same scenarios, of the
  *mean-value* design: the design made for one scenario whose inputs are the scenarios'
  means (a mean availability for outages), evaluated with the same recourse;
- ``vss = objective_stochastic - objective_mean_value`` (the value of the stochastic
  solution; with no CVaR weight ``= RP - EEV >= 0``);
- ``wait_and_see`` (WS): the expected net benefit if each scenario's design could be made
  knowing it, and ``evpi = WS - RP >= 0``, the expected value of perfect information.

With many scenarios the extensive form grows with their number: the scenarios are then a
sample-average approximation (SAA) of the distribution; ``scenarios`` sets their number and
``evaluate`` re-values both designs on that many further draws (out of sample), whose means
estimate the designs' true expected values.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from symbiograph.errors import InfeasibleError, InputError
from symbiograph.model import Network
from symbiograph.optimize import DesignModel, DesignSettings, build_design
from symbiograph.optimize.solver import ExtensiveForm, SolveResult, extensive_form, solve_model
from symbiograph.resilience._montecarlo import UncertainInput, _stream_factors, sample_inputs
from symbiograph.tasks import Executor, InProcess, Progress, task_seed

__all__ = ["StochasticDesign", "scenario_table", "stochastic_design"]

#: Prefix of the availability columns of a scenario table (1 up, 0 out), per organisation.
AVAILABLE = "available:"


@dataclass
class StochasticDesign:
    """A two-stage stochastic design and its value (money in currency/yr; see the module's
    note). ``scenarios``: one row per scenario (scenario 1.., probability, each input's
    drawn factor or value, ``available:<organisation>`` when outages are sampled).
    ``built``: every first-stage column (group ``build``, ``corridor`` or
    ``process_switch``, id) with whether the stochastic and the mean-value design build it.
    ``values``: per scenario the net benefit of the stochastic design, of the mean-value
    design and of the scenario's own best design (wait and see). ``summary``: the figures of
    the module's note, the CVaR of both designs at ``cvar_level``, the objective of each
    (expected value + cvar_weight x CVaR), status and MIP gap of the stochastic solve, the
    model's size. ``evaluation``: out-of-sample draws (draw, stochastic, mean_value) when
    asked."""

    scenarios: pd.DataFrame
    built: pd.DataFrame
    values: pd.DataFrame
    summary: dict[str, float | str]
    evaluation: pd.DataFrame = field(default_factory=pd.DataFrame)
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def vss(self) -> float:
        """The value of the stochastic solution, currency/yr."""
        return float(self.summary["vss"])

    @property
    def evpi(self) -> float:
        """The expected value of perfect information, currency/yr (NaN when not computed)."""
        return float(self.summary["evpi"])


def _organisations(network: Network, candidates: pd.DataFrame) -> list[str]:
    return sorted(
        set(candidates["supply_organisation"].astype(str))
        | set(candidates["demand_organisation"].astype(str))
    )


def scenario_table(
    network: Network,
    candidates: pd.DataFrame,
    inputs: Sequence[UncertainInput],
    scenarios: int,
    *,
    seed: int = 0,
    correlation: pd.DataFrame | np.ndarray | None = None,
    outage_probability: float = 0.0,
    first: int = 0,
) -> pd.DataFrame:
    """Scenarios ``first`` .. ``first + scenarios - 1`` of the seeded sample (see the
    module's note), equally likely: scenario, probability, a column per input and, with
    ``outage_probability`` > 0, ``available:<organisation>`` (1 up, 0 out)."""
    if scenarios < 1:
        raise InputError(f"scenarios must be at least 1, not {scenarios}")
    if not 0.0 <= outage_probability < 1.0:
        raise InputError(f"outage_probability must lie in [0, 1), not {outage_probability}")
    if inputs:
        drawn = sample_inputs(inputs, first + scenarios, seed, correlation).iloc[first:]
    else:
        drawn = pd.DataFrame(index=range(first, first + scenarios))
    table = drawn.reset_index(drop=True)
    if outage_probability > 0:
        orgs = _organisations(network, candidates)
        up = np.empty((scenarios, len(orgs)))
        for d in range(scenarios):
            rng = np.random.default_rng(task_seed(seed, f"outage-{first + d}"))
            up[d] = (rng.random(len(orgs)) >= outage_probability).astype(float)
        table = pd.concat([table, pd.DataFrame(up, columns=[AVAILABLE + o for o in orgs])], axis=1)
    table.insert(0, "probability", 1.0 / scenarios)
    table.insert(0, "scenario", np.arange(first + 1, first + scenarios + 1))
    return table


def _check_table(
    table: pd.DataFrame, inputs: Sequence[UncertainInput], orgs: Sequence[str]
) -> pd.DataFrame:
    names = [i.name for i in inputs]
    missing = [n for n in names if n not in table.columns]
    if missing:
        raise InputError(f"the scenario table lacks a column for the inputs {missing}")
    known = {"scenario", "probability", *names}
    unknown = [c for c in table.columns if c not in known and not str(c).startswith(AVAILABLE)]
    if unknown:
        raise InputError(f"the scenario table has columns that are no input: {unknown}")
    bad_orgs = sorted(
        str(c)[len(AVAILABLE) :]
        for c in table.columns
        if str(c).startswith(AVAILABLE) and str(c)[len(AVAILABLE) :] not in set(orgs)
    )
    if bad_orgs:
        raise InputError(f"the scenario table's availability names no organisation: {bad_orgs}")
    out = table.reset_index(drop=True).copy()
    if not len(out):
        raise InputError("the scenario table has no rows")
    if "scenario" not in out.columns:
        out.insert(0, "scenario", np.arange(1, len(out) + 1))
    if "probability" not in out.columns:
        out.insert(1, "probability", 1.0 / len(out))
    for column in out.columns:
        if column == "scenario":
            continue
        values = pd.to_numeric(out[column], errors="coerce").to_numpy(dtype=float)
        bad = np.flatnonzero(~np.isfinite(values))
        if len(bad):
            raise InputError(
                f"scenario table row {bad[0] + 1}, {column}: a finite number is needed"
            )
        out[column] = values
    p = out["probability"].to_numpy(dtype=float)
    if (p < 0).any() or abs(float(p.sum()) - 1.0) > 1e-6:
        raise InputError("the scenario table's probabilities must be >= 0 and sum to 1")
    out["probability"] = p / p.sum()
    return out


def _scenario_model(
    network: Network,
    candidates: pd.DataFrame,
    settings: DesignSettings,
    inputs: Sequence[UncertainInput],
    row: pd.DataFrame,
    base_carbon: float,
) -> DesignModel:
    """The design model of one scenario (a one-row table), built by the design's builder."""
    streams = network.streams.reset_index(drop=True)
    price = _stream_factors(inputs, row, streams, "price")[0]
    volume = _stream_factors(inputs, row, streams, "volume")[0]
    owner = network.facilities.set_index("id")["organisation"].astype(str)
    stream_org = owner.reindex(streams["facility_id"].astype(str)).to_numpy()
    for column in row.columns:
        if str(column).startswith(AVAILABLE):
            org = str(column)[len(AVAILABLE) :]
            volume = np.where(stream_org == org, volume * float(row[column].iloc[0]), volume)
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
    changed = streams.copy()
    changed["quantity"] = changed["quantity"].to_numpy(dtype=float) * volume
    carbon = base_carbon
    for i in inputs:
        if i.quantity == "carbon_price":
            x = float(row[i.name].iloc[0])
            carbon = x if i.mode == "value" else carbon * x
    build = build_design(
        replace(network, streams=changed), cand, replace(settings, carbon_price=carbon)
    )
    if len(build.batches) != 1:
        raise InputError("a stochastic design needs at least one candidate")
    return build.batches[0].model


_BuildTask = tuple[
    Network, pd.DataFrame, DesignSettings, Sequence[UncertainInput], pd.DataFrame, float
]


def _build_task(task: _BuildTask) -> DesignModel:
    """One scenario's model (a task of the executor seam)."""
    return _scenario_model(*task)


def _alone_task(task: tuple[DesignModel, DesignSettings, str]) -> float:
    """One scenario designed alone, knowing it: its optimal objective (wait and see)."""
    model, settings, what = task
    return _solve(extensive_form([model], [1.0]).model, settings, what).objective


def _solve(
    model: DesignModel, settings: DesignSettings, what: str, time_limit_s: float | None = None
) -> SolveResult:
    result = solve_model(
        model,
        settings.time_limit_s if time_limit_s is None else time_limit_s,
        settings.mip_gap,
        settings.threads,
        settings.seed,
        duals=False,
        solver=settings.solver,
        options=settings.solver_options,
        what=what,
    )
    if not result.has_solution:
        raise InfeasibleError(
            f"{what} is {result.status}: no first-stage design serves every scenario"
        )
    return result


def _cvar(values: np.ndarray, p: np.ndarray, level: float) -> float:
    """The mean of the worst ``1 - level`` probability mass of ``values`` (lower tail)."""
    order = np.argsort(values, kind="stable")
    v, w = values[order], p[order]
    mass = 1.0 - level
    if mass <= 0:
        return float(v[0])
    taken = np.minimum(w, np.maximum(0.0, mass - (np.cumsum(w) - w)))
    return float((taken * v).sum() / mass)


def _evaluate(
    ef: ExtensiveForm, first_values: np.ndarray, settings: DesignSettings, what: str
) -> np.ndarray:
    """Each scenario's net benefit with the first stage fixed, the flows re-optimised
    (NaN everywhere when the fixed design cannot serve some scenario)."""
    result = solve_model(
        ef.fixed_first_stage(first_values),
        settings.time_limit_s,
        settings.mip_gap,
        settings.threads,
        settings.seed,
        duals=False,
        solver=settings.solver,
        options=settings.solver_options,
        what=what,
    )
    if not result.has_solution:
        return np.full(len(ef.scenarios), np.nan)
    return ef.scenario_values(result.x)


def stochastic_design(
    network: Network,
    candidates: pd.DataFrame,
    inputs: Sequence[UncertainInput],
    *,
    scenarios: int = 20,
    seed: int = 0,
    correlation: pd.DataFrame | np.ndarray | None = None,
    table: pd.DataFrame | None = None,
    outage_probability: float = 0.0,
    cvar_weight: float = 0.0,
    cvar_level: float = 0.95,
    wait_and_see: bool = True,
    evaluate: int = 0,
    settings: DesignSettings | None = None,
    executor: Executor | None = None,
    progress: Progress | None = None,
) -> StochasticDesign:
    """The two-stage stochastic design of ``network`` over ``candidates`` (see the module's
    note and :class:`StochasticDesign`): ``scenarios`` equally likely draws of ``inputs``
    from ``seed`` (with ``correlation`` and ``outage_probability``), or the rows of
    ``table`` (a column per input, optional probability and ``available:<organisation>``
    columns). Maximises the expected net benefit plus ``cvar_weight`` x its CVaR at
    ``cvar_level``. ``wait_and_see`` solves every scenario alone too (for the EVPI);
    ``evaluate`` re-values both designs on that many further draws (out of sample, SAA).
    ``settings``: the design's (objective cost, no time slices; one time limit and MIP gap
    per solve). The scenario models and the wait-and-see solves are tasks on ``executor``
    (default in process), ``progress`` told of each. Raises InputError on a bad table or option, InfeasibleError when no
    first-stage design serves every scenario, SolverError when a solve stops without one."""
    settings = settings or DesignSettings()
    if settings.objective != "cost":
        raise InputError("a stochastic design maximises the net benefit: objective 'cost'")
    if settings.time_slices != "none":
        raise InputError("a stochastic design does not yet take time slices")
    if evaluate < 0:
        raise InputError(f"evaluate must be >= 0, not {evaluate}")
    t0 = time.perf_counter()
    own = replace(settings, decompose=False, heuristic="off")
    orgs = _organisations(network, candidates)
    if table is None:
        table = scenario_table(
            network,
            candidates,
            inputs,
            scenarios,
            seed=seed,
            correlation=correlation,
            outage_probability=outage_probability,
        )
    table = _check_table(table, inputs, orgs)
    p = table["probability"].to_numpy(dtype=float)
    base_carbon = float(
        settings.carbon_price
        if settings.carbon_price is not None
        else network.parameters.get("carbon_price", 0.0)
    )
    columns = [c for c in table.columns if c not in ("scenario", "probability")]

    runner = executor or InProcess()

    def models_of(rows: pd.DataFrame, what: str) -> list[DesignModel]:
        tasks = [
            (network, candidates, own, inputs, rows.iloc[[k]][columns], base_carbon)
            for k in range(len(rows))
        ]
        keys = [f"{what}-{int(n)}" for n in rows["scenario"]]
        return runner.map(_build_task, tasks, keys=keys, progress=progress)

    models = models_of(table, "scenario")
    mean_row = pd.DataFrame([table[columns].mul(p, axis=0).sum(axis=0)], columns=columns)
    mean_model = _scenario_model(network, candidates, own, inputs, mean_row, base_carbon)
    t_build = time.perf_counter()
    ef = extensive_form(models, p, cvar_weight=cvar_weight, cvar_level=cvar_level)
    plain = ef if cvar_weight == 0 else extensive_form(models, p)
    t_form = time.perf_counter()
    stochastic = _solve(ef.model, settings, "the stochastic design")
    t_solve = time.perf_counter()
    first_stoch = np.round(stochastic.x[: len(ef.first)])
    mean_ef = extensive_form([mean_model], [1.0])
    mean_result = _solve(mean_ef.model, settings, "the mean-value design")
    first_mean = np.round(mean_result.x[: len(ef.first)])
    values_stoch = _evaluate(plain, first_stoch, settings, "the stochastic design's recourse")
    values_mean = _evaluate(plain, first_mean, settings, "the mean-value design's recourse")
    t_eval = time.perf_counter()
    ws = np.full(len(models), np.nan)
    if wait_and_see:
        alone = [(m, settings, f"scenario {k + 1} alone") for k, m in enumerate(models)]
        keys = [f"alone-{k + 1}" for k in range(len(models))]
        ws = np.asarray(runner.map(_alone_task, alone, keys=keys, progress=progress), dtype=float)
    t_ws = time.perf_counter()

    def expected(v: np.ndarray) -> float:
        return float(p @ v) if np.isfinite(v).all() else -np.inf

    def cvar(v: np.ndarray) -> float:
        return _cvar(v, p, cvar_level) if np.isfinite(v).all() else -np.inf

    rp, eev = expected(values_stoch), expected(values_mean)
    objective_stoch = rp + cvar_weight * cvar(values_stoch)
    objective_mean = eev + cvar_weight * cvar(values_mean)
    ws_value = float(p @ ws) if wait_and_see else np.nan
    summary: dict[str, float | str] = {
        "scenarios": float(len(models)),
        "expected_stochastic": rp,
        "expected_mean_value": eev,
        "mean_value_objective": float(mean_result.objective),
        "cvar_stochastic": cvar(values_stoch),
        "cvar_mean_value": cvar(values_mean),
        "cvar_weight": float(cvar_weight),
        "cvar_level": float(cvar_level),
        "objective_stochastic": objective_stoch,
        "objective_mean_value": objective_mean,
        "vss": objective_stoch - objective_mean,
        "wait_and_see": ws_value,
        "evpi": ws_value - rp,
        "status": stochastic.status,
        "mip_gap": float(stochastic.mip_gap),
        "rows": float(ef.model.shape[0]),
        "columns": float(ef.model.shape[1]),
        "binaries": float(len(ef.first)),
    }
    base = models[0]
    built = pd.DataFrame(
        {
            "group": base.col_group[ef.first],
            "id": base.col_ref[ef.first],
            "stochastic": first_stoch > 0.5,
            "mean_value": first_mean > 0.5,
        }
    )
    values = pd.DataFrame(
        {
            "scenario": table["scenario"].to_numpy(),
            "probability": p,
            "stochastic": values_stoch,
            "mean_value": values_mean,
            "wait_and_see": ws,
        }
    )
    evaluation = pd.DataFrame()
    timings = {
        "build_s": t_build - t0,
        "extensive_form_s": t_form - t_build,
        "solve_s": t_solve - t_form,
        "evaluate_s": t_eval - t_solve,
        "wait_and_see_s": t_ws - t_eval,
    }
    if evaluate:
        t1 = time.perf_counter()
        more = scenario_table(
            network,
            candidates,
            inputs,
            evaluate,
            seed=seed,
            correlation=correlation,
            outage_probability=outage_probability,
            first=len(models),
        )
        other = extensive_form(models_of(more, "draw"), more["probability"].to_numpy(dtype=float))
        evaluation = pd.DataFrame(
            {
                "draw": more["scenario"].to_numpy(),
                "stochastic": _evaluate(other, first_stoch, settings, "out-of-sample recourse"),
                "mean_value": _evaluate(other, first_mean, settings, "out-of-sample recourse"),
            }
        )
        for name in ("stochastic", "mean_value"):
            v = evaluation[name].to_numpy(dtype=float)
            summary[f"out_of_sample_{name}"] = float(v.mean())
            summary[f"out_of_sample_{name}_se"] = (
                float(v.std(ddof=1) / np.sqrt(len(v))) if len(v) > 1 else 0.0
            )
        timings["out_of_sample_s"] = time.perf_counter() - t1
    timings["total_s"] = time.perf_counter() - t0
    return StochasticDesign(table, built, values, summary, evaluation, timings)
