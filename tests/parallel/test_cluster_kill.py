"""A real cluster: a ``dask scheduler`` and two ``dask worker`` processes started as separate
processes on 127.0.0.1; a sweep runs on them through the executor given the scheduler's
address, one worker is killed with SIGKILL once the first results are in, and the sweep
still completes with the in-process table: no point lost, none duplicated."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from symbiograph.datasets import synthetic
from symbiograph.match import find_candidates
from symbiograph.parallel import close_executor, make_executor
from symbiograph.sweep import sweep_design

pytest.importorskip("distributed")

pytestmark = pytest.mark.slow

#: Eight points of about a second each on this 150-facility park.
GRID = {"carbon_price": [0.0, 25.0, 50.0, 75.0, 100.0, 125.0, 150.0, 175.0]}


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _dask_command() -> list[str]:
    script = Path(sys.executable).parent / "dask"
    return [str(script)] if script.exists() else [sys.executable, "-m", "dask"]


def _stop(process: subprocess.Popen[bytes]) -> None:
    """Stop one process this test started (by its own id), politely first."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


class Cluster:
    """The scheduler's address and the worker processes, by their names."""

    def __init__(self, address: str, workers: dict[str, subprocess.Popen[bytes]]) -> None:
        self.address = address
        self.workers = workers


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[Cluster]:
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    started: list[subprocess.Popen[bytes]] = []
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
    logs = [open(tmp_path / f"{name}.log", "wb") for name in ("scheduler", "w1", "w2")]  # noqa: SIM115
    try:
        started.append(
            subprocess.Popen(
                [
                    *_dask_command(),
                    "scheduler",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(port),
                    "--no-dashboard",
                    "--dashboard-address",
                    "127.0.0.1:0",
                ],
                stdout=logs[0],
                stderr=subprocess.STDOUT,
                env=env,
            )
        )
        workers: dict[str, subprocess.Popen[bytes]] = {}
        for name, log in zip(("w1", "w2"), logs[1:], strict=True):
            # no nanny: the worker is this process itself, so SIGKILL loses it for good
            workers[name] = subprocess.Popen(
                [
                    *_dask_command(),
                    "worker",
                    address,
                    "--name",
                    name,
                    "--nthreads",
                    "1",
                    "--no-nanny",
                    "--host",
                    "127.0.0.1",
                    "--no-dashboard",
                    "--memory-limit",
                    "0",
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
                env=env,
            )
            started.append(workers[name])
        yield Cluster(address, workers)
    finally:
        for process in reversed(started):
            _stop(process)
        for log in logs:
            log.close()


def test_a_sweep_survives_a_worker_killed_in_the_middle(cluster: Cluster) -> None:
    network = synthetic(150, seed=3)
    candidates = find_candidates(network).candidates
    expected = sweep_design(network, candidates, GRID).table
    assert len(expected[expected["kind"] == "total"]) == len(GRID["carbon_price"])

    executor: Any = make_executor("dask", scheduler=cluster.address)
    try:
        executor.client.wait_for_workers(2, timeout=60)
        names = {w["name"]: a for a, w in executor.client.scheduler_info()["workers"].items()}
        assert sorted(names) == ["w1", "w2"]
        victim = cluster.workers["w2"]
        seen: list[int] = []
        in_flight: list[str] = []

        def kill_after_first(done: int, total: int) -> None:
            seen.append(done)
            if done == 1:
                in_flight.extend(executor.client.processing(workers=[names["w2"]])[names["w2"]])
                os.kill(victim.pid, signal.SIGKILL)
                victim.wait(timeout=10)

        result = sweep_design(
            network, candidates, GRID, executor=executor, progress=kill_after_first
        )
        # the worker was killed with most of the sweep still to run
        assert victim.returncode == -signal.SIGKILL
        assert in_flight, "the killed worker held no task: nothing was lost to recover"
        assert seen == list(range(1, len(GRID["carbon_price"]) + 1))
        deadline = time.monotonic() + 30
        while len(executor.client.scheduler_info()["workers"]) != 1:
            assert time.monotonic() < deadline, "the scheduler still lists the killed worker"
            time.sleep(0.2)
    finally:
        close_executor(executor)

    table = result.table
    totals = table[table["kind"] == "total"]
    assert totals["point"].tolist() == list(range(len(GRID["carbon_price"])))  # none lost or twice
    pd.testing.assert_frame_equal(table, expected, check_exact=True)
