"""Back-ends of the executor seam (``symbiograph.tasks.Executor``): a process pool on this
machine's cores and a Dask cluster (a scheduler address or a LocalCluster), an on-disk solve
cache, and a local Dask cluster for a user without one. An adapter: the core stages take an
executor object and never import this package; Dask is imported only when asked for."""

from symbiograph.parallel._cluster import start_local_cluster
from symbiograph.parallel._dask import DaskExecutor, require_dask
from symbiograph.parallel._disk import DiskCache
from symbiograph.parallel._errors import ClusterError
from symbiograph.parallel._make import EXECUTORS, ExecutorName, close_executor, make_executor
from symbiograph.parallel._pool import ProcessPool, available_cores

__all__ = [
    "EXECUTORS",
    "ClusterError",
    "DaskExecutor",
    "DiskCache",
    "ExecutorName",
    "ProcessPool",
    "available_cores",
    "close_executor",
    "make_executor",
    "require_dask",
    "start_local_cluster",
]
