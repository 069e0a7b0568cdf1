"""The executor seam: how a stage that fans out (coalition values, sampled Shapley, a policy
sweep, tiles of a registry's matching) hands its independent tasks to whoever runs them.

The core defines the :class:`Executor` protocol and runs tasks in this process
(:class:`InProcess`); ``symbiograph.parallel`` (an adapter) provides a process pool and a
Dask cluster behind the same protocol. Every executor returns the results in task order,
whatever order they finish in, and gives each task the same seed (derived from a root seed
and the task's key), so a stage's tables are bit-identical on every back-end.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from typing import Any, Protocol, TypeVar, runtime_checkable

import numpy as np

from symbiograph.errors import SymbiographError

__all__ = [
    "Cancelled",
    "Executor",
    "InProcess",
    "Progress",
    "ShouldStop",
    "task_keys",
    "task_seed",
]

T = TypeVar("T")
R = TypeVar("R")

#: ``progress(done, total)``: called after each task finishes (in the caller's process).
Progress = Callable[[int, int], None]
#: ``should_stop() -> bool``: polled between tasks; True cancels the tasks not yet done.
ShouldStop = Callable[[], bool]


class Cancelled(SymbiographError):
    """A run was cancelled before every task finished (by its ``should_stop``)."""

    exit_code = 130


def task_keys(count: int, prefix: str = "task") -> list[str]:
    """Default keys ``prefix-0``, ``prefix-1``, ...: one per task, in task order."""
    return [f"{prefix}-{k}" for k in range(count)]


def task_seed(root_seed: int, key: str) -> int:
    """The seed of the task named ``key`` under ``root_seed``: a 63-bit integer drawn from
    ``numpy.random.SeedSequence(root_seed, spawn_key=<words of blake2b(key)>)``, so it
    depends only on the two, never on which worker runs the task or when."""
    digest = hashlib.blake2b(key.encode("utf-8"), digest_size=16).digest()
    words = tuple(int.from_bytes(digest[i : i + 4], "little") for i in range(0, 16, 4))
    sequence = np.random.SeedSequence(int(root_seed), spawn_key=words)
    return int(sequence.generate_state(1, np.uint64)[0] >> np.uint64(1))


def call_task(fn: Callable[..., R], task: Any, seed: int | None) -> R:
    """``fn(task)``, or ``fn(task, seed)`` for a seeded run."""
    return fn(task) if seed is None else fn(task, seed)


@runtime_checkable
class Executor(Protocol):
    """Runs ``fn`` over independent tasks and returns the results in task order.

    ``workers`` is how many tasks it runs at once (1 in process). ``map(fn, tasks)`` calls
    ``fn(task)`` for each task; with ``seed`` (a root seed) it calls ``fn(task, s)`` where
    ``s = task_seed(seed, key)`` and ``key`` is the task's entry in ``keys`` (default
    ``task-0``, ``task-1``, ...). ``progress(done, total)`` is called as tasks finish;
    ``should_stop()`` is polled and, once True, the tasks not yet finished are cancelled and
    :class:`Cancelled` is raised. A task lost with its worker is run again (up to the
    executor's retries); a task that raises raises its error here. ``fn`` and the tasks
    must be picklable for executors that run them elsewhere.
    """

    @property
    def workers(self) -> int:
        """Tasks run at once."""
        ...

    def map(
        self,
        fn: Callable[..., R],
        tasks: Sequence[Any],
        *,
        keys: Sequence[str] | None = None,
        seed: int | None = None,
        progress: Progress | None = None,
        should_stop: ShouldStop | None = None,
    ) -> list[R]: ...


def check_keys(tasks: Sequence[Any], keys: Sequence[str] | None) -> list[str]:
    """``keys`` as a list (default keys when None); ValueError unless one unique key per task."""
    found = task_keys(len(tasks)) if keys is None else [str(k) for k in keys]
    if len(found) != len(tasks):
        raise ValueError(f"{len(found)} keys for {len(tasks)} tasks")
    if len(set(found)) != len(found):
        raise ValueError("task keys must be unique")
    return found


class InProcess:
    """Runs every task here, one after the other (the default executor; tests)."""

    workers = 1

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
        """``fn`` over ``tasks`` in order (see :class:`Executor`)."""
        names = check_keys(tasks, keys)
        out: list[R] = []
        for k, task in enumerate(tasks):
            if should_stop is not None and should_stop():
                raise Cancelled(f"cancelled after {k} of {len(tasks)} tasks")
            out.append(call_task(fn, task, None if seed is None else task_seed(seed, names[k])))
            if progress is not None:
                progress(k + 1, len(tasks))
        return out

    def __repr__(self) -> str:
        return "InProcess()"
