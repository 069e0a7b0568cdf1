"""Scenario sweeps: the design (and optionally the fair shares) at every combination of
policy levels on a grid, one task per point on an executor, as one tidy table."""

from symbiograph.sweep._sweep import (
    POLICY_LEVERS,
    SWEEP_COLUMNS,
    SweepResult,
    grid_points,
    parse_grid,
    sweep_design,
)

__all__ = [
    "POLICY_LEVERS",
    "SWEEP_COLUMNS",
    "SweepResult",
    "grid_points",
    "parse_grid",
    "sweep_design",
]
