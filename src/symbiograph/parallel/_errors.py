"""The failure of a back-end itself (not of a task)."""

from __future__ import annotations

from symbiograph.errors import EXIT_STORE, SymbiographError

__all__ = ["ClusterError"]


class ClusterError(SymbiographError):
    """The executor cannot do what was asked: Dask missing, a scheduler that does not
    answer, tasks lost with their workers more often than the retries allow."""

    exit_code = EXIT_STORE
