"""Persistent jobs: a match job end to end, cancel (queued and running), a failure recorded,
a lost worker's job retried or marked failed after its lease (in process and with kill -9
of a worker process), and on PostgreSQL two workers never claiming one job (SKIP LOCKED).
On SQLite and PostgreSQL (the ``store`` fixture)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from scenarios import gypsum_trio
from store.storekit import cli, dump, integrity, one_error_line
from symbiograph.errors import InfeasibleError, InputError, NotFoundError
from symbiograph.model import Network
from symbiograph.store import Jobs, LeaseLostError, Registry, Store, Tenant
from symbiograph.tasks import content_hash
from symbiograph.web._worker import Report, Worker, check_parameters


def trio_park(store: Store) -> int:
    registry = Registry(store)
    park = registry.create_park("trio").row_id
    registry.import_network(park, gypsum_trio())
    return park


@pytest.fixture
def park(store: Store) -> int:
    return trio_park(store)


def wait_for(check: Any, seconds: float = 60.0) -> Any:
    """Poll ``check()`` until it gives something true (or fail after ``seconds``)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.05)
    pytest.fail(f"gave up waiting after {seconds} s")


def test_a_match_job_end_to_end(store: Store, park: int) -> None:
    """The gypsum trio on paper: A's 100 t can go to B (20 + 30 = 50 EUR/t) or C (45 EUR/t),
    so two candidates worth 5,000 and 4,500 EUR/yr."""
    facilitator = Jobs(store, Tenant("u-fac", "facilitator", park_id=park))
    job = facilitator.submit(park, "match", check_parameters("match", {}))
    assert (job.state, job.attempts, job.organisation_id) == ("queued", 0, None)
    ended = Worker(store, name="w1").run_once()
    assert ended is not None and ended.id == job.id
    assert (ended.state, ended.progress, ended.attempts, ended.worker) == ("done", 1.0, 1, "w1")
    result = facilitator.result(job.id)
    by_pair = {
        (c["supply_id"], c["demand_id"]): c["annual_net_benefit"]
        for c in result["tables"]["candidates"]
    }
    assert by_pair == pytest.approx({("sa", "db"): 5000.0, ("sa", "dc"): 4500.0})
    network, mark = Jobs(store).inputs(park)
    assert ended.registry_mark == mark and mark > 0
    assert ended.inputs_hash == content_hash(
        "match", job.parameters, dict(network.parameters), network.tables()
    )
    # a later change of the park moves the registry mark on; the stored result keeps its own
    Registry(store).create_organisation(park, "D")
    assert Jobs(store).inputs(park)[1] > ended.registry_mark
    assert Worker(store).run_once() is None  # the queue is empty


def _slow(started: threading.Event) -> Any:
    def runner(network: Network, p: dict[str, Any], report: Report) -> dict[str, Any]:
        started.set()
        for step in range(2000):
            report(step / 2000, f"step {step}")  # raises Cancelled once a cancel is seen
            time.sleep(0.01)
        return {"summary": {"steps": 2000}}

    return runner


def test_cancel_a_queued_and_a_running_job(store: Store, park: int) -> None:
    jobs = Jobs(store, Tenant("u-fac", "facilitator", park_id=park))
    queued = jobs.submit(park, "match")
    cancelled = jobs.cancel(queued.id)
    assert cancelled.state == "cancelled" and cancelled.finished_at is not None
    with pytest.raises(InputError, match="nothing to cancel"):
        jobs.cancel(queued.id)
    running = jobs.submit(park, "match")
    started = threading.Event()
    worker = Worker(store, name="w", lease=5, heartbeat=0.05, runners={"match": _slow(started)})
    ended: list[Any] = []
    thread = threading.Thread(target=lambda: ended.append(worker.run_once()))
    thread.start()
    assert started.wait(60)
    wait_for(lambda: jobs.get(running.id).progress > 0)
    asked = jobs.cancel(running.id)
    assert asked.state == "running" and asked.cancel_requested
    thread.join(60)
    assert ended and ended[0].state == "cancelled"
    final = jobs.get(running.id)
    assert final.state == "cancelled" and not final.has_result
    with pytest.raises(NotFoundError):
        jobs.result(running.id)


def test_a_failing_job_is_recorded_and_the_worker_goes_on(store: Store, park: int) -> None:
    def infeasible(network: Network, p: dict[str, Any], report: Report) -> dict[str, Any]:
        raise InfeasibleError("the demand of db cannot be met\nsecond line")

    def bug(network: Network, p: dict[str, Any], report: Report) -> dict[str, Any]:
        return {"x": 1 / 0}

    jobs = Jobs(store)
    first, second = jobs.submit(park, "optimize"), jobs.submit(park, "allocate")
    worker = Worker(store, runners={"optimize": infeasible, "allocate": bug})
    assert worker.run(max_jobs=2) == 2
    one, two = jobs.get(first.id), jobs.get(second.id)
    assert (one.state, one.error) == ("failed", "InfeasibleError: the demand of db cannot be met")
    assert two.state == "failed" and two.error is not None
    assert two.error.startswith("internal error (ZeroDivisionError")
    assert one.attempts == two.attempts == 1  # a failure of the analysis is not retried


def test_a_lost_worker_is_retried_then_failed(store: Store, park: int) -> None:
    jobs = Jobs(store)
    job = jobs.submit(park, "match", max_attempts=2)
    first = jobs.claim("dead-1", lease=0.3)
    assert first is not None and first.attempts == 1
    assert jobs.claim("other", lease=0.3) is None  # held: nobody else gets it
    time.sleep(0.4)
    second = jobs.claim("dead-2", lease=0.3)
    assert second is not None and (second.id, second.attempts) == (job.id, 2)
    with pytest.raises(LeaseLostError):  # the first worker may no longer write
        jobs.finish(job.id, "dead-1", 1, {"late": True}, inputs_hash="x", registry_mark=0)
    with pytest.raises(LeaseLostError):
        jobs.heartbeat(job.id, "dead-1", 1)
    time.sleep(0.4)
    assert jobs.claim("third", lease=0.3) is None  # no attempt left
    failed = jobs.get(job.id)
    assert failed.state == "failed" and not failed.has_result
    assert failed.error is not None and "dead-2 was lost" in failed.error


def test_who_sees_which_job(store: Store, park: int) -> None:
    orgs = {o.name: o.row_id for o in Registry(store).organisations(park)[0]}
    fac = Jobs(store, Tenant("u-fac", "facilitator", park_id=park))
    a_member = Jobs(store, Tenant("u-a", "member", park, orgs["A"]))
    b_admin = Jobs(store, Tenant("u-b", "org_admin", park, orgs["B"]))
    theirs = fac.submit(park, "optimize")
    mine = a_member.submit(park, "match")
    assert mine.organisation_id == orgs["A"]
    assert [j.id for j in a_member.list(park)[0]] == [mine.id]
    assert [j.id for j in fac.list(park)[0]] == [mine.id, theirs.id]
    for hidden in (theirs.id,):
        with pytest.raises(NotFoundError):
            a_member.get(hidden)
    with pytest.raises(NotFoundError):
        b_admin.cancel(mine.id)
    with pytest.raises(InputError):
        Jobs(store, Tenant("u-o", "observer", park_id=park)).submit(park, "match")


def _worker_process(store: Store, url: str, *args: str) -> subprocess.Popen[str]:
    command = [sys.executable, "-m", "symbiograph", "worker", "--db", url, *args]
    if store.schema is not None:
        command += ["--schema", store.schema]
    return subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "COLUMNS": "200", "NO_COLOR": "1"},
    )


@pytest.fixture
def killed() -> Iterator[list[subprocess.Popen[str]]]:
    started: list[subprocess.Popen[str]] = []
    yield started
    for process in started:
        if process.poll() is None:
            process.kill()
        process.communicate(timeout=30)


@pytest.mark.slow
@pytest.mark.parametrize("attempts", [2, 1])
def test_kill_9_of_a_worker_mid_job(
    store: Store, park: int, attempts: int, killed: list[subprocess.Popen[str]]
) -> None:
    """A worker process holding a job is killed with SIGKILL: no committed row is lost, and
    the job runs again on another worker (attempt 2) or, with no attempt left, is failed."""
    url = store.url
    jobs = Jobs(store)
    job = jobs.submit(park, "match", max_attempts=attempts)
    org_before = Registry(store).create_organisation(park, "committed before the kill")
    victim = _worker_process(store, url, "--lease", "1", "--hold", "120", "--name", "victim")
    killed.append(victim)
    wait_for(lambda: (j := jobs.get(job.id)).state == "running" and j.worker == "victim", 120)
    wait_for(lambda: jobs.get(job.id).message == "held (drill)", 60)  # it heartbeats
    committed = {k: v for k, v in dump(url, store.schema).items() if k != "sg_jobs"}
    os.kill(victim.pid, signal.SIGKILL)
    victim.wait(30)
    assert victim.returncode == -signal.SIGKILL
    after = {k: v for k, v in dump(url, store.schema).items() if k != "sg_jobs"}
    assert after == committed and sum(map(len, after.values())) > 0
    if url.startswith("sqlite:///"):
        assert integrity(Path(url.removeprefix("sqlite:///"))) == "ok"
    registry = Registry(store)
    assert registry.organisation(org_before.row_id).name == "committed before the kill"
    assert jobs.get(job.id).state == "running"  # until its lease runs out
    time.sleep(1.2)
    rescuer = Worker(store, name="rescuer")
    ended = wait_for(rescuer.run_once, 30) if attempts > 1 else None
    final = jobs.get(job.id)
    if attempts > 1:
        assert ended is not None and ended.id == job.id
        assert (final.state, final.attempts, final.worker) == ("done", 2, "rescuer")
        assert len(jobs.result(job.id)["tables"]["candidates"]) == 2
    else:
        assert rescuer.run_once() is None
        final = jobs.get(job.id)
        assert final.state == "failed" and final.attempts == 1
        assert final.error is not None and "victim was lost" in final.error
    assert registry.organisation(org_before.row_id).version == 1


@pytest.mark.postgres
def test_skip_locked_a_held_job_is_passed_over(pg_url: str, pg_schema: str) -> None:
    with Store(pg_url, schema=pg_schema, lock_timeout=2) as store:
        park = trio_park(store)
        jobs = Jobs(store)
        first, second = jobs.submit(park, "match"), jobs.submit(park, "match")
        with store.engine.connect() as other, other.begin():
            other.execute(
                sa.text("SELECT id FROM sg_jobs WHERE id = :i FOR UPDATE"), {"i": first.id}
            )
            claimed = jobs.claim("w1")  # would wait (and fail at 2 s) without SKIP LOCKED
            assert claimed is not None and claimed.id == second.id
            assert jobs.claim("w2") is None
        again = jobs.claim("w2")
        assert again is not None and again.id == first.id


@pytest.mark.postgres
def test_two_workers_never_claim_one_job(pg_url: str, pg_schema: str) -> None:
    with Store(pg_url, schema=pg_schema) as store:
        park = trio_park(store)
        jobs = Jobs(store)
        submitted = {jobs.submit(park, "match").id for _ in range(40)}
        claimed: dict[str, list[int]] = {f"w{k}": [] for k in range(4)}
        barrier = threading.Barrier(len(claimed))

        def claim_all(name: str) -> None:
            mine = Jobs(store)
            barrier.wait()
            while (job := mine.claim(name)) is not None:
                claimed[name].append(job.id)

        threads = [threading.Thread(target=claim_all, args=(n,)) for n in claimed]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        every = [i for ids in claimed.values() for i in ids]
        assert sorted(every) == sorted(submitted)  # each job once, none twice
        rows = jobs.list(park, limit=100)[0]
        assert all(j.state == "running" and j.attempts == 1 for j in rows)
        assert {j.worker for j in rows} <= set(claimed)


def test_the_worker_command_runs_one_job(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'jobs.db'}"
    with Store(url) as store:
        park = trio_park(store)
        job = Jobs(store).submit(park, "match")
    done = cli("worker", "--db", url, "--once", "--name", "cli-worker")
    assert done.returncode == 0, done.stderr
    assert f"job {job.id} done" in done.stdout
    with Store(url) as store:
        ended = Jobs(store).get(job.id)
        assert (ended.state, ended.worker) == ("done", "cli-worker")
    missing = cli("worker", "--db", f"sqlite:///{tmp_path / 'nope.db'}", "--once")
    assert missing.returncode == 3
    assert one_error_line(missing.stderr).startswith("error: no database at")


def test_optimize_and_allocate_jobs(store: Store, park: int) -> None:
    """The trio on paper: the design builds A -> B (5,000 EUR/yr, better than A -> C at
    4,500); Shapley over v(AB) = 5,000, v(AC) = 4,500, v(ABC) = 5,000 and 0 for the rest
    gives A (0 + 0 + 5,000 + 4,500 + 5,000 + 5,000) / 6 = 3,250, B 1,000 and C 750."""
    jobs = Jobs(store)
    design = jobs.submit(park, "optimize", check_parameters("optimize", {}))
    shares = jobs.submit(park, "allocate", check_parameters("allocate", {"methods": ["shapley"]}))
    assert Worker(store).run(max_jobs=2) == 2
    assert jobs.get(design.id).state == jobs.get(shares.id).state == "done"
    made = jobs.result(design.id)
    assert made["summary"]["net_benefit"] == pytest.approx(5000.0)
    assert [(f["supply_id"], f["demand_id"]) for f in made["tables"]["flows"]] == [("sa", "db")]
    shared = {r["participant"]: r["shapley"] for r in jobs.result(shares.id)["tables"]["shares"]}
    assert shared == pytest.approx({"A": 3250.0, "B": 1000.0, "C": 750.0})
    assert jobs.result(shares.id)["summary"]["total"] == pytest.approx(5000.0)


def test_a_resilience_job(store: Store, park: int) -> None:
    """The trio's design A -> B (5,000 EUR/yr): with B out nothing flows as built (frozen
        loss 5,000) and the survivors rewire to A -> C (4,500: loss 500); with A out both lose
        5,000; with C out nothing is lost. Three Monte Carlo draws and a two-stage design over
    four scenarios come with the outages."""
    jobs = Jobs(store)
    parameters = check_parameters("resilience", {"draws": 3, "seed": 1, "stochastic": 4})
    job = jobs.submit(park, "resilience", parameters)
    assert Worker(store).run(max_jobs=1) == 1
    assert jobs.get(job.id).state == "done"
    made = jobs.result(job.id)
    assert made["summary"]["design_net_benefit"] == pytest.approx(5000.0)
    assert made["summary"]["draws"] == 3
    losses = {
        (r["scenario"], r["reading"]): r["net_benefit_loss"]
        for r in made["tables"]["outage_losses"]
        if r["order"] == 1 and r["kind"] == "organisation"
    }
    assert losses == pytest.approx(
        {
            ("organisation:A", "frozen"): 5000.0,
            ("organisation:A", "rewired"): 5000.0,
            ("organisation:B", "frozen"): 5000.0,
            ("organisation:B", "rewired"): 500.0,
            ("organisation:C", "frozen"): 0.0,
            ("organisation:C", "rewired"): 0.0,
        }
    )
    assert {r["organisation"] for r in made["tables"]["mc_summary"]} >= {"A", "B"}
    # the two-stage design over 4 price scenarios: never worse than the mean-value design
    # on them, never better than deciding after seeing each (RP >= EEV, WS >= RP)
    stochastic = made["summary"]["stochastic"]
    assert stochastic["vss"] >= -1e-6
    assert stochastic["wait_and_see"] >= stochastic["expected_stochastic"] - 1e-6
    assert len(made["tables"]["stochastic_values"]) == 4
    with pytest.raises(InputError, match="draws"):
        check_parameters("resilience", {"draws": -1})
