"""A scenario sweep: the design (and optionally its fair shares) at every combination of
policy levels on a grid, as one tidy table.

Each grid point is one task of an executor (``symbiograph.tasks.Executor``; in this process
by default), cached by the content of its inputs, so a repeated sweep, or a point run again
after its worker was lost, costs nothing; results come back in grid order, so the table is
the same, bit for bit, on every back-end.
"""

from __future__ import annotations

import dataclasses
import functools
import itertools
import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from symbiograph.errors import InputError, SymbiographError
from symbiograph.model import Network, attributes
from symbiograph.optimize import DesignSettings, design_network
from symbiograph.tasks import (
    Executor,
    InProcess,
    Progress,
    ShouldStop,
    SolveCache,
    map_cached,
)

__all__ = [
    "POLICY_LEVERS",
    "SWEEP_COLUMNS",
    "SweepResult",
    "grid_points",
    "parse_grid",
    "sweep_design",
]

#: The policy levers a sweep may vary: the scenario parameters that ``DesignSettings``
#: overrides (see ``optimize.policy_parameters``), in the parameters table's order.
POLICY_LEVERS: tuple[str, ...] = tuple(
    a.name
    for a in attributes("parameters")
    if a.name in {f.name for f in dataclasses.fields(DesignSettings)}
)

#: The sweep table's columns after the point number and the levers.
SWEEP_COLUMNS = [
    "kind",
    "id",
    "supply_id",
    "demand_id",
    "giver",
    "taker",
    "built",
    "flow",
    "unit",
    "net_benefit",
    "co2e_t",
    "shapley",
    "status",
]
#: At most this many grid points in one sweep.
MAX_POINTS = 100_000


def _bounds(lever: str) -> tuple[float | None, float | None]:
    found = next(a for a in attributes("parameters") if a.name == lever)
    return found.min, found.max


def _levels(name: str, text: str) -> list[float]:
    """``start:stop:step`` (stop included when the steps reach it) or ``a,b,c``."""
    try:
        if ":" in text:
            parts = [float(p) for p in text.split(":")]
            if len(parts) != 3:
                raise ValueError
            start, stop, step = parts
            if not step > 0 or stop < start:
                raise InputError(
                    f"--grid {name}={text}: a range is start:stop:step with step > 0 and "
                    "stop >= start"
                )
            count = math.floor((stop - start) / step + 1e-9) + 1
            values = [start + k * step for k in range(count)]
        else:
            values = [float(p) for p in text.split(",") if p.strip()]
    except ValueError:
        raise InputError(
            f"--grid {name}={text}: levels are numbers, as start:stop:step or a,b,c"
        ) from None
    if not values or not all(math.isfinite(v) for v in values):
        raise InputError(f"--grid {name}={text}: no finite levels")
    return values


def parse_grid(specs: Sequence[str]) -> dict[str, list[float]]:
    """Grid levels by lever from ``NAME=start:stop:step`` or ``NAME=a,b,c`` texts (e.g.
    ``carbon_price=0:200:25``: 0, 25, ..., 200). Names are :data:`POLICY_LEVERS`; levels
    are checked against the parameter's range in the schema. Raises InputError naming the
    text at fault."""
    grid: dict[str, list[float]] = {}
    for spec in specs:
        name, sep, text = spec.partition("=")
        name = name.strip()
        if not sep:
            raise InputError(f"--grid {spec!r}: write NAME=LEVELS, e.g. carbon_price=0:200:25")
        if name not in POLICY_LEVERS:
            raise InputError(
                f"--grid {spec!r}: {name!r} is not a policy lever "
                f"(choose from {', '.join(POLICY_LEVERS)})"
            )
        if name in grid:
            raise InputError(f"--grid {name} is given twice")
        grid[name] = _levels(name, text.strip())
    return grid


def grid_points(grid: Mapping[str, Sequence[float]]) -> pd.DataFrame:
    """One row per combination of the levels (the last lever varies fastest), numbered in
    ``point`` from 0. Raises InputError on an unknown lever, a level outside its schema
    range or a grid of more than ``MAX_POINTS`` points."""
    if not grid:
        raise InputError("a sweep needs at least one lever on its grid")
    for name, levels in grid.items():
        if name not in POLICY_LEVERS:
            raise InputError(f"{name!r} is not a policy lever ({', '.join(POLICY_LEVERS)})")
        low, high = _bounds(name)
        for level in levels:
            if (low is not None and level < low) or (high is not None and level > high):
                raise InputError(f"{name} = {level:g} is outside its range [{low}, {high}]")
        if len(set(levels)) != len(levels):
            raise InputError(f"{name}: a level is repeated")
    size = math.prod(len(v) for v in grid.values())
    if size > MAX_POINTS:
        raise InputError(f"a grid of {size:,} points is larger than {MAX_POINTS:,}")
    names = list(grid)
    rows = list(itertools.product(*(list(map(float, grid[n])) for n in names)))
    points = pd.DataFrame(rows, columns=names, dtype=float)
    points.insert(0, "point", np.arange(len(points), dtype=np.int64))
    return points


@dataclass
class SweepResult:
    """A sweep's tidy table (one row per grid point and thing: the network's ``total``,
    each built ``exchange``, each ``participant``), its grid points and timings (s).

    Columns: ``point``, the levers, then :data:`SWEEP_COLUMNS`: for an exchange its
    candidate id, streams, giver and taker, flow (canonical unit/yr), net benefit
    (currency/yr) and CO2e avoided (t/yr); for a participant its gain at zero transfer
    price (currency/yr) and, with allocation, its Shapley value (currency/yr); for the
    total the design's net benefit, CO2e, the number of exchanges built (``flow``) and the
    solver's status (or why the point failed)."""

    table: pd.DataFrame
    points: pd.DataFrame
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def totals(self) -> pd.DataFrame:
        """The total rows: one per grid point."""
        return self.table[self.table["kind"] == "total"].reset_index(drop=True)


def _empty_rows() -> dict[str, list[object]]:
    return {c: [] for c in SWEEP_COLUMNS}


def _design_point(
    network: Network,
    candidates: pd.DataFrame,
    settings: DesignSettings,
    allocate: bool,
    levels: tuple[tuple[str, float], ...],
) -> pd.DataFrame:
    """A task: the design at one grid point as rows of the sweep table (without the point
    and lever columns)."""
    overrides: dict[str, Any] = dict(levels)
    point_settings = dataclasses.replace(settings, **overrides)
    rows = _empty_rows()

    def add(**values: object) -> None:
        for column in SWEEP_COLUMNS:
            rows[column].append(values.get(column))

    try:
        solution = design_network(network, candidates, point_settings)
    except SymbiographError as exc:
        add(kind="total", id="network", built=False, flow=0.0, status=f"failed: {exc}")
        return _frame(rows)
    shapley: pd.Series | None = None
    if allocate:
        from symbiograph.allocate import CoalitionGame

        try:
            game = CoalitionGame.from_solution(network, candidates, solution, InProcess())
            if max((p.n for p in game.parts), default=0) <= 20:
                shapley = game.shapley()
            else:
                shapley = game.shapley_sampled(
                    seed=settings.seed, target_halfwidth=0.005 * abs(solution.net_benefit)
                )[0]
        except SymbiographError:
            shapley = None
    flows = solution.flows
    built = flows[flows["built"].to_numpy(dtype=bool) | (flows["flow"].to_numpy() > 0)]
    add(
        kind="total",
        id="network",
        built=bool(len(built)),
        flow=float(len(built)),
        unit="exchanges",
        net_benefit=solution.net_benefit,
        co2e_t=solution.co2e_avoided_t,
        shapley=float(shapley.sum()) if shapley is not None else math.nan,
        status=solution.status,
    )
    for row in built.itertuples(index=False):
        add(
            kind="exchange",
            id=row.candidate_id,
            supply_id=row.supply_id,
            demand_id=row.demand_id,
            giver=row.supply_organisation,
            taker=row.demand_organisation,
            built=bool(row.built),
            flow=float(row.flow),
            unit=row.unit,
            net_benefit=float(row.net_benefit),
            co2e_t=float(row.co2e_t),
            shapley=math.nan,
            status=solution.status,
        )
    participants = solution.participants
    if "organisation" in participants.columns:
        participants = participants.set_index("organisation")
    names = sorted(set(participants.index) | (set(shapley.index) if shapley is not None else set()))
    for name in names:
        add(
            kind="participant",
            id=name,
            built=False,
            net_benefit=float(participants["net_benefit"].get(name, 0.0)),
            shapley=float(shapley.get(name, 0.0)) if shapley is not None else math.nan,
            status=solution.status,
        )
    return _frame(rows)


def _frame(rows: dict[str, list[object]]) -> pd.DataFrame:
    frame = pd.DataFrame({c: pd.Series(rows[c], dtype=object) for c in SWEEP_COLUMNS})
    for column in ("flow", "net_benefit", "co2e_t", "shapley"):
        frame[column] = pd.to_numeric(frame[column]).astype(float)
    frame["built"] = frame["built"].fillna(False).astype(bool)
    for column in ("kind", "id", "supply_id", "demand_id", "giver", "taker", "unit", "status"):
        frame[column] = frame[column].fillna("").astype(str).astype(object)
    return frame


def sweep_design(
    network: Network,
    candidates: pd.DataFrame,
    grid: Mapping[str, Sequence[float]],
    settings: DesignSettings | None = None,
    *,
    allocate: bool = False,
    executor: Executor | None = None,
    cache: SolveCache | None = None,
    progress: Progress | None = None,
    should_stop: ShouldStop | None = None,
) -> SweepResult:
    """The design of ``network`` over ``candidates`` at every point of ``grid`` (lever ->
    levels: carbon_price and landfill_tax in currency/t and so on, see
    :data:`POLICY_LEVERS`), under ``settings`` otherwise, and with ``allocate`` each
    participant's Shapley value; one task per point on ``executor`` (default in this
    process), looked up in ``cache`` first. Returns the tidy :class:`SweepResult`."""
    settings = settings or DesignSettings()
    points = grid_points(grid)
    levers = [c for c in points.columns if c != "point"]
    tasks = [
        tuple((name, float(value)) for name, value in zip(levers, row, strict=True))
        for row in points[levers].itertuples(index=False)
    ]
    start = time.perf_counter()
    fn = functools.partial(_design_point, network, candidates, settings, allocate)
    parts = map_cached(
        fn,
        tasks,
        executor=executor,
        cache=cache,
        keys=[f"point-{k}" for k in range(len(tasks))],
        progress=progress,
        should_stop=should_stop,
    )
    seconds = time.perf_counter() - start
    frames = []
    for (k, point), part in zip(points.iterrows(), parts, strict=True):
        part = part.copy()
        for name in reversed(levers):
            part.insert(0, name, float(point[name]))
        part.insert(0, "point", np.int64(k))
        frames.append(part)
    table = pd.concat(frames, ignore_index=True)
    table["point"] = table["point"].astype(np.int64)
    return SweepResult(table=table, points=points, timings={"sweep_s": seconds})
