"""The executor seam of the fan-out stages: the :class:`Executor` protocol (map a function
over independent tasks, a seed per task, progress, cancellation, results in task order), the
in-process executor, per-task seeds from a root seed and the task key, and a solve cache by
content hash. Pure: the process pool and Dask back-ends live in ``symbiograph.parallel``."""

from symbiograph.tasks._cache import MemoryCache, SolveCache, content_hash, map_cached
from symbiograph.tasks._executor import (
    Cancelled,
    Executor,
    InProcess,
    Progress,
    ShouldStop,
    call_task,
    check_keys,
    task_keys,
    task_seed,
)

__all__ = [
    "Cancelled",
    "Executor",
    "InProcess",
    "MemoryCache",
    "Progress",
    "ShouldStop",
    "SolveCache",
    "call_task",
    "check_keys",
    "content_hash",
    "map_cached",
    "task_keys",
    "task_seed",
]
