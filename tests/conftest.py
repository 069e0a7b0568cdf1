"""Shared test set-up: make the helpers in tests/ importable (import mode is importlib)."""

from __future__ import annotations

import sys
from pathlib import Path

TESTS = Path(__file__).parent
if str(TESTS) not in sys.path:
    sys.path.insert(0, str(TESTS))

from hypothesis import HealthCheck, settings  # noqa: E402

# Property tests check correctness, never speed: no per-example deadline and no "too slow"
# health check, so a loaded 2-core CI machine cannot fail a property that holds.
settings.register_profile(
    "symbiograph", deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile("symbiograph")
