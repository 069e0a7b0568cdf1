"""A solve cache on disk: one pickle per result in a directory (which workers on other hosts
may share), so a repeated sweep, or a task run again after its worker was lost, is read
back instead of solved."""

from __future__ import annotations

import os
import pickle
import tempfile
from pathlib import Path
from typing import Any

from symbiograph.tasks import MemoryCache, SolveCache

__all__ = ["DiskCache"]


class DiskCache:
    """Results by content hash in memory and under ``directory`` (``<hash>.pickle``, written
    atomically so a reader never sees half a file)."""

    def __init__(self, directory: str | os.PathLike[str]) -> None:
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self._memory = MemoryCache()
        self.hits = 0
        self.misses = 0

    def _path(self, key: str) -> Path:
        return self.directory / f"{key}.pickle"

    def get(self, key: str) -> tuple[bool, Any]:
        """``(True, result)`` when ``key`` is held in memory or on disk, else ``(False, None)``."""
        found, result = self._memory.get(key)
        if not found:
            try:
                result = pickle.loads(self._path(key).read_bytes())
                found = True
                self._memory.put(key, result)
            except (FileNotFoundError, EOFError, pickle.UnpicklingError):
                found = False
        if found:
            self.hits += 1
        else:
            self.misses += 1
        return found, result

    def put(self, key: str, result: Any) -> None:
        """Store ``result`` under ``key`` in memory and on disk."""
        self._memory.put(key, result)
        handle, tmp = tempfile.mkstemp(dir=self.directory, suffix=".part")
        with os.fdopen(handle, "wb") as out:
            pickle.dump(result, out, protocol=5)
        os.replace(tmp, self._path(key))

    @property
    def shared(self) -> SolveCache | None:
        """A cache on the same directory for the workers (picklable)."""
        return DiskCache(self.directory)

    def __getstate__(self) -> dict[str, Any]:
        return {"directory": str(self.directory)}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["directory"])  # type: ignore[misc]
