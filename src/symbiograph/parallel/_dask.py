"""The Dask executor: tasks on a dask.distributed cluster (a scheduler address) or on a
LocalCluster started here. Dask is an optional extra (``pip install symbiograph[dask]``),
imported only when a Dask executor is made."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from symbiograph.parallel._errors import ClusterError
from symbiograph.tasks import Cancelled, Progress, ShouldStop, call_task, check_keys, task_seed

__all__ = ["ClusterError", "DaskExecutor", "require_dask"]

R = TypeVar("R")


def require_dask() -> Any:
    """``distributed`` (the module), or ClusterError saying how to install it."""
    try:
        import distributed
    except ImportError as exc:
        raise ClusterError(
            "the Dask executor needs dask and distributed, which are not installed: "
            "pip install 'symbiograph[dask]'"
        ) from exc
    return distributed


class DaskExecutor:
    """Tasks run on a Dask cluster: the scheduler at ``scheduler`` (``tcp://host:port``), or
    a LocalCluster of ``workers`` workers started here (one thread each; ``processes`` False
    runs them as threads of this process, for tests). A task lost with its worker is
    re-run by the scheduler on another; one lost so often that the scheduler gives up
    (KilledWorker) is submitted again, at most ``retries`` times. ``close()`` (or a ``with``
    block) closes the client and any cluster started here."""

    def __init__(
        self,
        scheduler: str | None = None,
        workers: int = 2,
        processes: bool = True,
        retries: int = 2,
        timeout_s: float = 30.0,
    ) -> None:
        distributed = require_dask()
        self.retries = retries
        self._cluster: Any = None
        try:
            if scheduler:
                self.client = distributed.Client(scheduler, timeout=timeout_s)
            else:
                self._cluster = distributed.LocalCluster(
                    n_workers=workers,
                    threads_per_worker=1,
                    processes=processes,
                    host="127.0.0.1",
                    dashboard_address=None,
                )
                self.client = distributed.Client(self._cluster, timeout=timeout_s)
        except OSError as exc:
            raise ClusterError(f"the Dask scheduler {scheduler!r} does not answer: {exc}") from exc
        self.resubmitted = 0

    @property
    def workers(self) -> int:
        """Worker threads in the cluster now."""
        return max(1, sum(self.client.nthreads().values()))

    @property
    def address(self) -> str:
        """The scheduler's address."""
        return str(self.client.scheduler.address)

    def close(self) -> None:
        """Close the client and the cluster started here."""
        self.client.close()
        if self._cluster is not None:
            self._cluster.close()
            self._cluster = None

    def __enter__(self) -> DaskExecutor:
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
        """``fn`` over ``tasks`` on the cluster; results in task order (see
        :class:`symbiograph.tasks.Executor`)."""
        distributed = require_dask()
        names = check_keys(tasks, keys)
        seeds = [None if seed is None else task_seed(seed, k) for k in names]
        token = uuid.uuid4().hex[:12]
        results: dict[int, R] = {}
        attempts = dict.fromkeys(range(len(tasks)), 0)

        def submit(k: int) -> Any:
            return self.client.submit(
                call_task,
                fn,
                tasks[k],
                seeds[k],
                key=f"{names[k]}-{token}-{attempts[k]}",
                pure=False,
            )

        futures = {submit(k): k for k in range(len(tasks))}
        pending = distributed.as_completed(list(futures), with_results=False)
        try:
            for future in pending:
                if should_stop is not None and should_stop():
                    raise Cancelled(f"cancelled after {len(results)} of {len(tasks)} tasks")
                k = futures.pop(future)
                try:
                    results[k] = future.result()
                except distributed.KilledWorker as exc:
                    attempts[k] += 1
                    self.resubmitted += 1
                    if attempts[k] > self.retries:
                        raise ClusterError(
                            f"task {names[k]} was lost with its worker {attempts[k]} times"
                        ) from exc
                    again = submit(k)
                    futures[again] = k
                    pending.add(again)
                    continue
                if progress is not None:
                    progress(len(results), len(tasks))
        finally:
            if futures:
                self.client.cancel(list(futures))
        return [results[k] for k in range(len(tasks))]

    def __repr__(self) -> str:
        return f"DaskExecutor({self.address})"
