"""Shared helpers for writers: a Network table as plain cells (text, numbers, empty)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from symbiograph.model import attributes

__all__ = ["cell_records", "parameter_rows", "plain_value"]


def plain_value(value: Any) -> Any:
    """A cell as a plain Python value: None for missing, int/float/bool/str otherwise."""
    if value is None or value is pd.NA:
        return None
    if isinstance(value, float | np.floating):
        return None if np.isnan(value) else float(value)
    if isinstance(value, np.bool_ | bool):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, str) and value == "":
        return None
    return value


def cell_records(table: str, frame: pd.DataFrame) -> list[list[Any]]:
    """Rows of plain values in schema column order (None for missing)."""
    cols = [a.name for a in attributes(table)]
    out: list[list[Any]] = []
    arrays = [frame[c].to_numpy(dtype=object) for c in cols]
    for i in range(len(frame)):
        out.append([plain_value(a[i]) for a in arrays])
    return out


def parameter_rows(parameters: dict[str, Any]) -> list[tuple[str, Any]]:
    """Scenario parameters in schema order as (key, value) pairs."""
    return [(a.name, parameters[a.name]) for a in attributes("parameters") if a.name in parameters]
