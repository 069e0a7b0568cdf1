"""The process-pool executor: tasks on this machine's cores, HiGHS one thread per process."""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

from symbiograph.parallel._errors import ClusterError
from symbiograph.tasks import Cancelled, Progress, ShouldStop, call_task, check_keys, task_seed

__all__ = ["ProcessPool", "available_cores"]

R = TypeVar("R")

#: Environment that keeps every numerical library in a worker to one thread: the pool's
#: processes are the parallelism (HiGHS itself runs with threads=1 from the settings).
ONE_THREAD = {
    "OMP_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "NUMEXPR_NUM_THREADS": "1",
}


def available_cores() -> int:
    """Cores this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def _one_thread() -> None:
    os.environ.update(ONE_THREAD)


class ProcessPool:
    """Tasks run in ``workers`` local processes (0: every core this process may use).

    The pool starts at the first ``map`` and is kept for the next (``close()`` or a ``with``
    block ends it). A task lost with its process (killed, out of memory) is run again in a
    fresh pool, at most ``retries`` times per ``map``; a task that raises raises here.
    ``start_method`` is the multiprocessing start method (``fork`` is fastest on Linux;
    ``spawn`` when the caller holds threads)."""

    def __init__(self, workers: int = 0, retries: int = 2, start_method: str | None = None) -> None:
        self.workers = workers if workers > 0 else available_cores()
        self.retries = retries
        default = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
        self.start_method = start_method or default
        self._pool: ProcessPoolExecutor | None = None
        self.lost = 0  # tasks run again after their process was lost

    def _executor(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                self.workers,
                mp_context=multiprocessing.get_context(self.start_method),
                initializer=_one_thread,
            )
        return self._pool

    def close(self) -> None:
        """Stop the pool's processes."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def __enter__(self) -> ProcessPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def map(
        self,
        fn: Callable[..., R],
        tasks: Sequence[Any],
        *,
        keys: Sequence[str] | None = None,
        seed: int | None = None,
        progress: Progress | None = None,
        should_stop: ShouldStop | None = None,
    ) -> list[R]:
        """``fn`` over ``tasks`` in the pool; results in task order (see
        :class:`symbiograph.tasks.Executor`)."""
        names = check_keys(tasks, keys)
        seeds = [None if seed is None else task_seed(seed, k) for k in names]
        results: dict[int, R] = {}
        todo = list(range(len(tasks)))
        attempts = 0
        while todo:
            pool = self._executor()
            running: dict[Future[R], int] = {
                pool.submit(call_task, fn, tasks[k], seeds[k]): k for k in todo
            }
            broken = False
            try:
                while running:
                    if should_stop is not None and should_stop():
                        for future in running:
                            future.cancel()
                        raise Cancelled(f"cancelled after {len(results)} of {len(tasks)} tasks")
                    done, _ = wait(running, timeout=0.2, return_when=FIRST_COMPLETED)
                    for future in done:
                        k = running.pop(future)
                        try:
                            results[k] = future.result()
                        except BrokenProcessPool:
                            broken = True
                            continue
                        if progress is not None:
                            progress(len(results), len(tasks))
                    if broken:
                        break
            except BrokenProcessPool:
                broken = True
            if not broken:
                break
            # a process died: the pool is unusable; run what is left in a fresh one
            self._pool = None
            todo = [k for k in range(len(tasks)) if k not in results]
            self.lost += len(todo)
            attempts += 1
            if attempts > self.retries:
                raise ClusterError(
                    f"a worker process was lost {attempts} times; {len(todo)} tasks not run"
                )
        return [results[k] for k in range(len(tasks))]

    def __repr__(self) -> str:
        return f"ProcessPool(workers={self.workers})"
