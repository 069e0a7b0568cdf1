"""The ``months`` field of a seasonal stream ("5-9", "11,12,1,2", "10-3") as months."""

from __future__ import annotations

from functools import lru_cache

import numpy as np

__all__ = ["months_available"]


@lru_cache(maxsize=4096)
def _parse(text: str) -> tuple[bool, ...]:
    mask = [False] * 12
    for part in text.replace(" ", "").split(","):
        if not part:
            continue
        if "-" in part:
            a, b = (int(x) for x in part.split("-", 1))
            span = list(range(a, b + 1)) if a <= b else [*range(a, 13), *range(1, b + 1)]
        else:
            span = [int(part)]
        for m in span:
            if 1 <= m <= 12:
                mask[m - 1] = True
    return tuple(mask) if any(mask) else (True,) * 12


def months_available(text: str) -> np.ndarray:
    """Twelve booleans, January first: the months of ``text`` (ranges may wrap the year
    end, e.g. "11-2"); an empty or unreadable-as-months text means all year."""
    return np.array(_parse(str(text)), dtype=bool)
