"""A local Dask scheduler and workers for a user without a cluster."""

from __future__ import annotations

from typing import Any

from symbiograph.parallel._dask import require_dask

__all__ = ["start_local_cluster"]


def start_local_cluster(
    workers: int = 2, host: str = "127.0.0.1", port: int = 8786, memory_limit: str = "auto"
) -> Any:
    """A running LocalCluster: a scheduler on ``host:port`` and ``workers`` worker
    processes of one thread each (``memory_limit`` per worker, e.g. ``"4GB"``). The caller
    closes it; its ``scheduler_address`` is what ``--scheduler`` takes."""
    distributed = require_dask()
    return distributed.LocalCluster(
        n_workers=workers,
        threads_per_worker=1,
        processes=True,
        host=host,
        scheduler_port=port,
        dashboard_address=None,
        memory_limit=memory_limit,
    )
