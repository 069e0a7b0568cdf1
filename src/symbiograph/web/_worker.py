"""The job worker: claims jobs from the store's queue (``symbiograph.store.Jobs``) and runs
them with the same library calls as the CLI (``match``, ``optimize``, ``allocate``).

A :class:`Worker` claims one job at a time and holds its lease with a heartbeat thread that
also writes the job's progress and learns of a cancel request. The analysis runs on the
park's Network read in one snapshot with its registry mark; the stored result (tables as
JSON records, full values: the API redacts them for the caller) carries the hash of the
inputs (``symbiograph.tasks.content_hash`` of the kind, the parameters and the Network's
tables). A failure of the analysis is recorded on the job (one line, never a traceback) and
the worker goes on with the next job. ``symbiograph worker`` runs one in its own process;
``symbiograph serve`` on SQLite starts one in a thread (:func:`start_worker_thread`).
"""

from __future__ import annotations

import math
import os
import socket
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from symbiograph.errors import InputError, StoreError, SymbiographError
from symbiograph.model import Network
from symbiograph.store import JOB_KINDS, Job, Jobs, LeaseLostError, Store
from symbiograph.tasks import Cancelled, content_hash

__all__ = [
    "PARAMETERS",
    "Report",
    "Worker",
    "check_parameters",
    "start_worker_thread",
    "table_records",
]

#: ``report(progress, message)``: a runner says how far it is (0..1) and what it does.
Report = Callable[[float, str], None]
#: A runner: (the park's Network, the job's parameters, report) -> the result (JSON).
Runner = Callable[[Network, dict[str, Any], Report], dict[str, Any]]

_NUMBER = (int, float)

#: The parameters each kind of job accepts: name -> (type, default, check, description).
PARAMETERS: dict[str, dict[str, tuple[type | tuple[type, ...], Any, str]]] = {
    "match": {
        "max_km": (_NUMBER, None, "cap every transport distance (km, > 0)"),
        "top": (int, None, "keep the best N candidates per supply (>= 1)"),
        "use_archetypes": (bool, True, "match through synergy archetypes too"),
    },
    "optimize": {
        "objective": (str, "cost", "what to maximise: cost, co2 or weighted"),
        "co2_weight": (_NUMBER, 0.0, "currency per t CO2e for the weighted objective"),
        "carbon_price": (_NUMBER, None, "carbon price, currency per t CO2e"),
        "landfill_tax": (_NUMBER, None, "landfill tax, currency per t"),
        "max_km": (_NUMBER, None, "cap transport distances (km, > 0)"),
        "time_limit": (_NUMBER, 120.0, "seconds per solve (1 to 3600)"),
        "mip_gap": (_NUMBER, 1e-4, "relative MIP gap to stop at (0 to 1)"),
    },
    "allocate": {
        "methods": (list, None, "allocation methods to compute (default: the CLI's)"),
        "method": (str, None, "method to settle by (default: the first)"),
        "seed": (int, 0, "seed of sampled Shapley"),
        "ci_share": (_NUMBER, 0.01, "sampled Shapley's widest 95% interval, share of the gain"),
        "carbon_price": (_NUMBER, None, "carbon price, currency per t CO2e"),
        "landfill_tax": (_NUMBER, None, "landfill tax, currency per t"),
    },
    "resilience": {
        "rewired": (bool, True, "re-optimise the survivors of each outage too"),
        "max_pairs": (int, 0, "pairs of elements per kind for N-2 (0 to 1000)"),
        "draws": (int, 0, "Monte Carlo draws over the prices and carbon price (0 to 100000)"),
        "seed": (int, 0, "seed of the Monte Carlo draws and the stochastic scenarios"),
        "stochastic": (int, 0, "scenarios of a two-stage stochastic design (0: none; to 500)"),
        "outage_probability": (_NUMBER, 0.0, "chance each organisation is out in a scenario"),
        "cvar_weight": (_NUMBER, 0.0, "weight of the CVaR in the stochastic objective (>= 0)"),
        "level": (_NUMBER, 0.95, "level of the value at risk (0 to 1)"),
        "carbon_price": (_NUMBER, None, "carbon price, currency per t CO2e"),
        "landfill_tax": (_NUMBER, None, "landfill tax, currency per t"),
    },
}


def check_parameters(kind: str, parameters: Mapping[str, Any]) -> dict[str, Any]:
    """``parameters`` of a ``kind`` job checked against :data:`PARAMETERS` (an unknown
    name, a wrong type or a value out of range is an InputError naming it), with defaults."""
    if kind not in PARAMETERS:
        raise InputError(f"kind must be one of {', '.join(JOB_KINDS)}, not {kind!r}")
    known = PARAMETERS[kind]
    unknown = sorted(set(parameters) - set(known))
    if unknown:
        raise InputError(
            f"{kind} jobs take no parameter {unknown[0]!r} (they take {', '.join(sorted(known))})"
        )
    out: dict[str, Any] = {}
    for name, (kinds, default, what) in known.items():
        value = parameters.get(name, default)
        if value is not None:
            wrong = isinstance(value, bool) and kinds is not bool
            if wrong or not isinstance(value, kinds):
                raise InputError(f"parameter {name}: {what}; not {value!r}")
            if isinstance(value, float) and not math.isfinite(value):
                raise InputError(f"parameter {name} must be a finite number")
        out[name] = value
    _ranges(kind, out)
    return out


def _ranges(kind: str, p: dict[str, Any]) -> None:
    def need(ok: bool, name: str) -> None:
        if not ok:
            raise InputError(f"parameter {name}: {PARAMETERS[kind][name][2]}; not {p[name]!r}")

    if p.get("max_km") is not None:
        need(p["max_km"] > 0, "max_km")
    if kind == "match" and p["top"] is not None:
        need(p["top"] >= 1, "top")
    if kind == "optimize":
        need(p["objective"] in ("cost", "co2", "weighted"), "objective")
        need(1 <= p["time_limit"] <= 3600, "time_limit")
        need(0 <= p["mip_gap"] < 1, "mip_gap")
    if kind == "allocate":
        from symbiograph.allocate import METHODS

        methods = p["methods"]
        if methods is not None:
            need(bool(methods) and all(m in METHODS for m in methods), "methods")
        if p["method"] is not None:
            need(p["method"] in METHODS, "method")
        need(0 < p["ci_share"] < 1, "ci_share")
    if kind == "resilience":
        need(0 <= p["max_pairs"] <= 1000, "max_pairs")
        need(0 <= p["draws"] <= 100_000, "draws")
        need(0 < p["level"] < 1, "level")
        need(0 <= p["stochastic"] <= 500, "stochastic")
        need(0 <= p["outage_probability"] < 1, "outage_probability")
        need(p["cvar_weight"] >= 0, "cvar_weight")


def _cell(value: Any) -> Any:
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float):
        if math.isnan(value):
            return None
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
    if value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    return value


def table_records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """The rows of ``frame`` as JSON records (NaN and NA as null, infinities as "inf")."""
    columns = [str(c) for c in frame.columns]
    return [
        {c: _cell(v) for c, v in zip(columns, row, strict=True)}
        for row in frame.itertuples(index=False, name=None)
    ]


# --- the analyses: the CLI's library calls -------------------------------------------------


def _match_settings(p: Mapping[str, Any]) -> Any:
    from symbiograph.match import MatchSettings

    return MatchSettings(
        max_km=p.get("max_km"), top=p.get("top"), use_archetypes=bool(p.get("use_archetypes", True))
    )


def run_match(network: Network, p: dict[str, Any], report: Report) -> dict[str, Any]:
    """``symbiograph match``: the candidate table and the rejections by rule."""
    from symbiograph.match import find_candidates

    def progress(done: int, total: int) -> None:
        report(0.05 + 0.9 * done / max(total, 1), f"matched {done} of {total} resource links")

    result = find_candidates(network, _match_settings(p), progress=progress)
    candidates = result.candidates
    return {
        "summary": {
            "candidates": len(candidates),
            "supplies": len(network.supplies),
            "demands": len(network.demands),
        },
        "tables": {
            "candidates": table_records(candidates),
            "rejected": [{"reason": str(k), "pairs": int(v)} for k, v in result.rejected.items()],
        },
    }


def _design(network: Network, p: dict[str, Any], report: Report) -> tuple[Any, Any, Any]:
    from symbiograph.match import MatchSettings, find_candidates
    from symbiograph.optimize import DesignSettings, design_network

    report(0.05, "matching supplies and demands")
    candidates = find_candidates(network, MatchSettings(max_km=p.get("max_km"))).candidates
    report(0.3, f"designing the network from {len(candidates)} candidates")
    settings = DesignSettings(
        objective=p.get("objective", "cost"),
        co2_weight=float(p.get("co2_weight") or 0.0),
        carbon_price=p.get("carbon_price"),
        landfill_tax=p.get("landfill_tax"),
        time_limit_s=float(p.get("time_limit") or 120.0),
        mip_gap=float(p.get("mip_gap") or 1e-4),
    )
    return candidates, design_network(network, candidates, settings), settings


def run_optimize(network: Network, p: dict[str, Any], report: Report) -> dict[str, Any]:
    """``symbiograph optimize``: the design's flows (built or carrying flow), its summary and
    the assessment's indicator totals."""
    from symbiograph.assess import assess_design

    candidates, solution, _ = _design(network, p, report)
    report(0.85, "assessing the design")
    assessment = assess_design(network, candidates, solution)
    flows = solution.flows
    active = flows[(flows["flow"] > 0) | flows["built"].astype(bool)]
    return {
        "summary": {
            "status": str(solution.status),
            "net_benefit": float(solution.net_benefit),
            "co2e_avoided_t": float(solution.co2e_avoided_t),
            "mip_gap": float(solution.mip_gap),
            "built": int(flows["built"].sum()),
            "currency": str(network.parameters.get("currency", "EUR")),
        },
        "tables": {
            "flows": table_records(active),
            "exchanges": table_records(assessment.exchanges),
            "indicators": table_records(assessment.summary),
        },
    }


def run_allocate(network: Network, p: dict[str, Any], report: Report) -> dict[str, Any]:
    """``symbiograph allocate``: each participant's share of the gain by every method, the
    settlement and the stability check."""
    from symbiograph.allocate import CoalitionGame, share_gain
    from symbiograph.optimize import design_today

    candidates, design, settings = _design(network, p, report)
    running = (candidates["exchange_status"] == "existing").to_numpy()
    today = design_today(network, candidates, settings) if running.any() else None
    report(0.5, "building the coalition game")
    game = CoalitionGame.from_solution(network, candidates, design, today=today)
    report(0.6, f"sharing the gain among {game.n} participants")
    allocation = share_gain(
        game,
        design,
        p.get("methods"),
        seed=int(p.get("seed") or 0),
        ci_share=float(p.get("ci_share") or 0.01),
        settle_by=p.get("method"),
    )
    return {
        "summary": {
            "total": float(allocation.total),
            "method": allocation.method,
            "methods": list(allocation.methods),
            "solves": int(allocation.solves),
            "participants": int(game.n),
            "added_to_today": today is not None,
            "currency": str(network.parameters.get("currency", "EUR")),
        },
        "tables": {
            "shares": table_records(allocation.shares.reset_index()),
            "settlement": table_records(allocation.settlement),
            "stability": table_records(allocation.stability.reset_index()),
        },
    }


def run_resilience(network: Network, p: dict[str, Any], report: Report) -> dict[str, Any]:
    """``symbiograph resilience``: every organisation, facility and flowing exchange of the
    design out alone (N-1, and ``max_pairs`` pairs per kind), frozen and rewired, the
    criticality ranking beside the topological measures, and with ``draws`` a Monte Carlo
    of the prices and the carbon price (money in currency/yr)."""
    from symbiograph.resilience import default_inputs, monte_carlo, outage_analysis

    candidates, design, settings = _design(network, p, report)
    report(0.45, "outages of every organisation, facility and exchange")
    outages = outage_analysis(
        network,
        candidates,
        design,
        settings,
        max_pairs=int(p.get("max_pairs") or 0),
        rewired=bool(p.get("rewired", True)),
    )
    tables = {
        "outage_losses": table_records(outages.losses),
        "outage_participants": table_records(outages.participants),
        "criticality": table_records(outages.criticality),
    }
    summary: dict[str, Any] = {
        "design_net_benefit": float(outages.design_net_benefit),
        "outages": int(outages.losses["scenario"].nunique()),
        "currency": str(network.parameters.get("currency", "EUR")),
    }
    draws = int(p.get("draws") or 0)
    if draws:
        report(0.75, f"{draws:,} Monte Carlo draws")
        inputs = default_inputs(design)
        result = monte_carlo(
            network,
            candidates,
            design,
            inputs,
            draws=draws,
            seed=int(p.get("seed") or 0),
            level=float(p.get("level") or 0.95),
            sensitivity=False,
        )
        tables["mc_summary"] = table_records(result.summary)
        summary["draws"] = draws
    scenarios = int(p.get("stochastic") or 0)
    if scenarios:
        from symbiograph.resilience import stochastic_design

        report(0.85, f"two-stage design over {scenarios:,} scenarios")
        sd = stochastic_design(
            network,
            candidates,
            default_inputs(design),
            scenarios=scenarios,
            seed=int(p.get("seed") or 0),
            outage_probability=float(p.get("outage_probability") or 0.0),
            cvar_weight=float(p.get("cvar_weight") or 0.0),
            cvar_level=float(p.get("level") or 0.95),
            settings=settings,
        )
        summary["stochastic"] = {k: _cell(v) for k, v in sd.summary.items()}
        tables["stochastic_values"] = table_records(sd.values)
        tables["stochastic_built"] = table_records(sd.built)
    return {"summary": summary, "tables": tables}


RUNNERS: dict[str, Runner] = {
    "match": run_match,
    "optimize": run_optimize,
    "allocate": run_allocate,
    "resilience": run_resilience,
}


# --- the worker -------------------------------------------------------------------------


@dataclass
class _Running:
    """What the heartbeat thread and the runner share about the job in hand."""

    progress: float = 0.0
    message: str = "started"
    cancel: bool = False
    lost: bool = False
    done: threading.Event = field(default_factory=threading.Event)


def default_name() -> str:
    """A worker's name: host, process id and a thread number."""
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident() % 10_000}"


class Worker:
    """Claims and runs jobs of ``store``'s queue, one at a time.

    ``lease`` (seconds) is how long a claim holds without a heartbeat, sent every
    ``heartbeat`` seconds (default a third of the lease); ``poll`` is the wait between
    looks at an empty queue. ``runners`` (kind -> function) replace the analyses (tests).
    ``hold`` (seconds) waits after a claim before running (a drill: a test kills a worker
    while it holds a job).
    """

    def __init__(
        self,
        store: Store,
        *,
        name: str | None = None,
        lease: float = 30.0,
        heartbeat: float | None = None,
        poll: float = 1.0,
        runners: Mapping[str, Runner] | None = None,
        hold: float = 0.0,
    ) -> None:
        if not 0 < lease < 86_400:
            raise InputError("the lease lasts more than 0 and less than 86,400 seconds")
        self.store = store
        self.jobs = Jobs(store)
        self.name = name or default_name()
        self.lease = float(lease)
        self.heartbeat = float(heartbeat if heartbeat is not None else lease / 3)
        self.poll = float(poll)
        self.runners = dict(RUNNERS if runners is None else runners)
        self.hold = float(hold)

    def _beat(self, job: Job, running: _Running) -> None:
        while not running.done.wait(self.heartbeat):
            try:
                asked = self.jobs.heartbeat(
                    job.id,
                    self.name,
                    job.attempts,
                    progress=running.progress,
                    message=running.message,
                    lease=self.lease,
                )
            except LeaseLostError:
                running.lost = True
                return
            except StoreError:
                continue  # the database is busy or away: try again at the next beat
            running.cancel = running.cancel or asked

    def run_once(self) -> Job | None:
        """Claim one job and run it to its end; the job as it ended (None when the queue
        was empty, or when the worker lost the job to another claim)."""
        job = self.jobs.claim(self.name, self.lease)
        if job is None:
            return None
        running = _Running()
        beat = threading.Thread(target=self._beat, args=(job, running), daemon=True)
        beat.start()
        try:
            return self._run(job, running)
        finally:
            running.done.set()
            beat.join()

    def _run(self, job: Job, running: _Running) -> Job | None:
        def report(progress: float, message: str) -> None:
            if running.cancel:
                raise Cancelled(f"job {job.id} cancelled")
            if running.lost:
                raise LeaseLostError(f"{self.name} lost job {job.id}")
            running.progress, running.message = float(progress), str(message)

        attempt = job.attempts
        try:
            deadline = time.monotonic() + self.hold
            while time.monotonic() < deadline:
                time.sleep(min(0.05, self.hold))
                report(0.0, "held (drill)")
            runner = self.runners.get(job.kind)
            if runner is None:
                raise InputError(f"this worker cannot run {job.kind!r} jobs")
            report(0.01, "reading the park")
            network, mark = self.jobs.inputs(job.park_id)
            digest = content_hash(
                job.kind, job.parameters, dict(network.parameters), network.tables()
            )
            result = runner(network, dict(job.parameters), report)
            report(1.0, "storing the result")
            return self.jobs.finish(
                job.id, self.name, attempt, result, inputs_hash=digest, registry_mark=mark
            )
        except Cancelled:
            return self._end(lambda: self.jobs.cancelled(job.id, self.name, attempt))
        except LeaseLostError:
            return None
        except SymbiographError as exc:
            message = f"{type(exc).__name__}: {exc}".splitlines()[0]
            return self._end(lambda: self.jobs.fail(job.id, self.name, attempt, message))
        except Exception as exc:  # a bug: recorded on the job, the worker goes on
            message = f"internal error ({type(exc).__name__}: {exc})".splitlines()[0]
            return self._end(lambda: self.jobs.fail(job.id, self.name, attempt, message))

    @staticmethod
    def _end(write: Callable[[], Job]) -> Job | None:
        try:
            return write()
        except LeaseLostError:
            return None

    def run(self, stop: threading.Event | None = None, *, max_jobs: int | None = None) -> int:
        """Run jobs until ``stop`` is set (or ``max_jobs`` have run); how many ran. A store
        failure (database away) waits ``poll`` seconds and tries again."""
        stop = stop or threading.Event()
        ran = 0
        while not stop.is_set() and (max_jobs is None or ran < max_jobs):
            try:
                ended = self.run_once()
            except StoreError:
                stop.wait(self.poll)
                continue
            if ended is None:
                stop.wait(self.poll)
            else:
                ran += 1
        return ran


def start_worker_thread(
    store: Store, *, lease: float = 30.0, poll: float = 1.0
) -> tuple[threading.Thread, threading.Event]:
    """A worker for ``store`` in a daemon thread of this process (``serve`` on SQLite) and
    the event that stops it (a job in hand is finished first)."""
    stop = threading.Event()
    worker = Worker(store, lease=lease, poll=poll)
    thread = threading.Thread(
        target=worker.run, args=(stop,), name="symbiograph-worker", daemon=True
    )
    thread.start()
    return thread, stop
