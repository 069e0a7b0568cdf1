"""A solve cache keyed by the content of a task's inputs, so a repeated or retried task costs
nothing: :func:`content_hash` of the function, the task and its seed; :class:`MemoryCache`
here; an on-disk cache (a directory workers may share) in ``symbiograph.parallel``."""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import pickle
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol, TypeVar, runtime_checkable

import numpy as np
import pandas as pd

from symbiograph.tasks._executor import (
    Executor,
    InProcess,
    Progress,
    ShouldStop,
    check_keys,
    task_seed,
)

__all__ = ["MemoryCache", "SolveCache", "content_hash", "map_cached"]

R = TypeVar("R")


def _feed(h: Any, value: Any) -> None:
    """Feed ``value``'s content into the hash ``h`` (type-tagged, order-stable)."""
    if value is None or isinstance(value, bool | int | float | str | bytes | complex):
        h.update(f"{type(value).__name__}:{value!r};".encode())
    elif isinstance(value, np.ndarray):
        if value.dtype == object:
            h.update(b"objarray:")
            _feed(h, value.tolist())
        else:
            h.update(f"array:{value.dtype.str}:{value.shape};".encode())
            h.update(np.ascontiguousarray(value).tobytes())
    elif isinstance(value, np.generic):
        _feed(h, value.item())
    elif isinstance(value, pd.DataFrame):
        h.update(f"frame:{len(value)};".encode())
        _feed(h, [str(c) for c in value.columns])
        _feed(h, [str(t) for t in value.dtypes])
        _feed(h, value.index.to_numpy())
        for column in value.columns:
            _feed(h, value[column].to_numpy())
    elif isinstance(value, pd.Series):
        h.update(f"series:{value.name!r}:{value.dtype};".encode())
        _feed(h, value.index.to_numpy())
        _feed(h, value.to_numpy())
    elif isinstance(value, pd.Index):
        _feed(h, value.to_numpy())
    elif isinstance(value, Mapping):
        h.update(f"map:{len(value)};".encode())
        for key in sorted(value, key=repr):
            _feed(h, key)
            _feed(h, value[key])
    elif isinstance(value, list | tuple):
        h.update(f"{type(value).__name__}:{len(value)};".encode())
        for item in value:
            _feed(h, item)
    elif isinstance(value, set | frozenset):
        _feed(h, sorted(value, key=repr))
    elif isinstance(value, functools.partial):
        h.update(b"partial:")
        _feed(h, value.func)
        _feed(h, value.args)
        _feed(h, value.keywords)
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        h.update(f"dataclass:{type(value).__module__}.{type(value).__qualname__};".encode())
        for f in dataclasses.fields(value):
            h.update(f.name.encode())
            _feed(h, getattr(value, f.name))
    elif callable(value) and hasattr(value, "__qualname__"):
        h.update(f"fn:{value.__module__}.{value.__qualname__};".encode())
    else:
        h.update(f"pickle:{type(value).__qualname__};".encode())
        h.update(pickle.dumps(value, protocol=5))


def content_hash(*values: Any) -> str:
    """A hex digest (BLAKE2b, 32 hex digits) of the content of ``values``: tables by their
    columns, dtypes and cells, arrays by their bytes, dataclasses by their fields, functions
    by their qualified name; equal inputs give equal hashes in any process."""
    h = hashlib.blake2b(digest_size=16)
    for value in values:
        _feed(h, value)
    return h.hexdigest()


@runtime_checkable
class SolveCache(Protocol):
    """Results by content hash. ``get(key)`` returns ``(True, result)`` or ``(False, None)``;
    ``put(key, result)`` stores one. ``shared`` is a copy workers may use themselves (a
    directory they all reach), or None when only the caller holds the cache."""

    def get(self, key: str) -> tuple[bool, Any]: ...

    def put(self, key: str, result: Any) -> None: ...

    @property
    def shared(self) -> SolveCache | None: ...


class MemoryCache:
    """A solve cache in this process's memory (a dict); ``hits`` and ``misses`` count look-ups."""

    def __init__(self) -> None:
        self._results: dict[str, Any] = {}
        self.hits = 0
        self.misses = 0

    def get(self, key: str) -> tuple[bool, Any]:
        """``(True, result)`` when ``key`` was stored, else ``(False, None)``."""
        if key in self._results:
            self.hits += 1
            return True, self._results[key]
        self.misses += 1
        return False, None

    def put(self, key: str, result: Any) -> None:
        """Store ``result`` under ``key``."""
        self._results[key] = result

    @property
    def shared(self) -> SolveCache | None:
        """None: workers elsewhere cannot reach this process's memory."""
        return None

    def __len__(self) -> int:
        return len(self._results)


class _WorkerCached:
    """``fn`` behind a cache the worker reaches itself: a task lost after its result was
    stored is answered from the cache when it runs again."""

    def __init__(self, fn: Callable[..., Any], cache: SolveCache) -> None:
        self.fn = fn
        self.cache = cache

    def __call__(self, job: tuple[str, Any], seed: int | None = None) -> Any:
        key, task = job
        found, result = self.cache.get(key)
        if found:
            return result
        result = self.fn(task) if seed is None else self.fn(task, seed)
        self.cache.put(key, result)
        return result


def map_cached(
    fn: Callable[..., R],
    tasks: Sequence[Any],
    *,
    executor: Executor | None = None,
    cache: SolveCache | None = None,
    keys: Sequence[str] | None = None,
    seed: int | None = None,
    context: Any = None,
    progress: Progress | None = None,
    should_stop: ShouldStop | None = None,
) -> list[R]:
    """``executor.map(fn, tasks, ...)`` (default :class:`InProcess`) with each task's result
    looked up in ``cache`` first, by the content hash of ``fn``, ``context`` (inputs every
    task shares, e.g. the network), the task and its seed; only the misses are run, under
    their own keys (so their seeds do not change), and stored. Results in task order."""
    executor = executor or InProcess()
    names = check_keys(tasks, keys)
    if cache is None:
        return executor.map(
            fn, tasks, keys=names, seed=seed, progress=progress, should_stop=should_stop
        )
    shared_context = content_hash(fn, context)
    hashes = [
        content_hash(shared_context, task, None if seed is None else task_seed(seed, names[k]))
        for k, task in enumerate(tasks)
    ]
    out: list[Any] = [None] * len(tasks)
    todo: list[int] = []
    for k, key in enumerate(hashes):
        found, result = cache.get(key)
        if found:
            out[k] = result
        else:
            todo.append(k)
    if todo:
        worker_cache = cache.shared
        run: Callable[..., Any] = fn
        jobs: list[Any] = [tasks[k] for k in todo]
        if worker_cache is not None:
            run = _WorkerCached(fn, worker_cache)
            jobs = [(hashes[k], tasks[k]) for k in todo]
        done_before = len(tasks) - len(todo)

        def report(done: int, total: int) -> None:
            if progress is not None:
                progress(done_before + done, len(tasks))

        results = executor.map(
            run,
            jobs,
            keys=[names[k] for k in todo],
            seed=seed,
            progress=report,
            should_stop=should_stop,
        )
        for k, result in zip(todo, results, strict=True):
            out[k] = result
            cache.put(hashes[k], result)
    elif progress is not None:
        progress(len(tasks), len(tasks))
    return out
