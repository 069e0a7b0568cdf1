"""Shared helpers for benchmarks: timing, peak memory of a child process, JSON output."""

from __future__ import annotations

import json
import platform
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

RESULTS = Path(__file__).parent / "results"
T = TypeVar("T")


def timed(fn: Callable[[], T]) -> tuple[T, float]:
    """Run ``fn`` and return its result and the wall time in seconds."""
    start = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - start


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def run_child(module: str, *args: str) -> dict[str, Any]:
    """Run ``python -m module args`` in a fresh process; it prints one JSON line last."""
    proc = subprocess.run(
        [sys.executable, "-m", module, *args], capture_output=True, text=True, check=False
    )
    if proc.returncode != 0:
        raise RuntimeError(f"{module} {args} failed:\n{proc.stderr[-4000:]}")
    return dict(json.loads(proc.stdout.strip().splitlines()[-1]))


def write_result(name: str, payload: dict[str, Any]) -> Path:
    """Write ``payload`` with machine facts to benchmarks/results/<name>.json."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    payload = {
        "benchmark": name,
        "machine": {
            "python": platform.python_version(),
            "cpu": platform.processor(),
            "cores": _cores(),
        },
        **payload,
    }
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps(payload, indent=2))
    return path


def _cores() -> int:
    import os

    return len(os.sched_getaffinity(0))
