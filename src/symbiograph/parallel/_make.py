"""Choosing an executor by name, as the command line does."""

from __future__ import annotations

from typing import Literal, get_args

from symbiograph.errors import InputError
from symbiograph.parallel._dask import DaskExecutor
from symbiograph.parallel._pool import ProcessPool
from symbiograph.tasks import Executor, InProcess

__all__ = ["EXECUTORS", "ExecutorName", "close_executor", "make_executor"]

ExecutorName = Literal["inprocess", "processes", "dask"]
EXECUTORS: tuple[str, ...] = get_args(ExecutorName)


def make_executor(
    name: str = "inprocess", workers: int = 0, scheduler: str | None = None
) -> Executor:
    """The executor called ``name``: ``inprocess`` (default), ``processes`` (``workers``
    local processes, 0 = every core) or ``dask`` (the cluster at ``scheduler``, or a local
    cluster of ``workers`` processes, 2 when 0). A scheduler address implies ``dask``."""
    if scheduler and name == "inprocess":
        name = "dask"
    if name == "inprocess":
        return InProcess()
    if name == "processes":
        return ProcessPool(workers)
    if name == "dask":
        return DaskExecutor(scheduler, workers=workers if workers > 0 else 2)
    raise InputError(f"executor must be {', '.join(EXECUTORS)}, not {name!r}")


def close_executor(executor: Executor) -> None:
    """Stop what ``executor`` started (its processes, client or local cluster), if anything."""
    close = getattr(executor, "close", None)
    if callable(close):
        close()
