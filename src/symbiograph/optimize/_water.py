"""Water network design: the fixed-load water-using network of process integration.

Water-using operations (washing, extraction, scrubbing ...) each pick up a fixed contaminant
load (kg/h) and accept water up to a maximum inlet concentration and release it up to a
maximum outlet concentration (ppm = g/t = mg/L). Water reaches an operation as freshwater,
as reuse of another operation's outlet, or as regenerated water (an outlet cleaned by a
regeneration unit); what is left goes to wastewater. Operations are flow-through (inlet flow
= outlet flow) and may belong to different plants, so the same model designs water exchange
inside one plant and between plants of an industrial park.

For a single contaminant some optimal network has every outlet at its maximum concentration
(Savelski & Bagajewicz 2000, Chem. Eng. Sci. 55:5035-5048), so the concentrations are known
and the design is a linear programme over flows (t/h):

* ``water_balance`` per operation: freshwater + reuse in + regenerated in
  = reuse out + to regeneration + wastewater;
* ``contaminant_balance`` per operation: sum over inflows of (Cout_max - C_source) x flow
  = load (kg/h), i.e. inlet mass + load = outlet flow x Cout_max;
* ``inlet_concentration`` per operation: sum over inflows of (C_source - Cin_max) x flow <= 0;
* ``regeneration_capacity`` (optional): regenerated flow <= capacity.

The objective minimises freshwater, plus regenerated water and inter-plant piping weighted in
freshwater-equivalent t/h; a second pass keeps that optimum and minimises the piped flows, so
the reported network has no needless reuse. Built as a :class:`DesignModel` and solved by
:func:`solve_model`, like every other model of :mod:`symbiograph.optimize`.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from symbiograph.errors import SolverError
from symbiograph.optimize._builder import DesignModel, RowBlocks
from symbiograph.optimize._diagnose import InfeasibleDesign, diagnose_infeasibility
from symbiograph.optimize._solve import SolveResult, solve_model

__all__ = [
    "HOURS_PER_YEAR",
    "WaterRegeneration",
    "WaterSolution",
    "WaterTotals",
    "design_water_network",
    "t_per_h_to_m3_per_yr",
    "water_operations",
]

#: Operating hours in a year of continuous operation.
HOURS_PER_YEAR = 8760.0

#: Columns of a water operations table, in order.
OPERATION_COLUMNS = ("operation_id", "plant", "load_kg_per_h", "cin_max_ppm", "cout_max_ppm")

# flows below this (t/h) are solver noise, not pipes
_FLOW_TOL = 1e-7

_WORDS = {
    "inlet_concentration": "operation {ref} cannot get water clean enough for its maximum "
    "inlet concentration",
    "contaminant_balance": "operation {ref} cannot pick up its contaminant load below its "
    "maximum outlet concentration",
    "water_balance": "the water balance of operation {ref} cannot close",
    "regeneration_capacity": "the regeneration unit is too small",
}


def t_per_h_to_m3_per_yr(flow_t_per_h: Any, hours_per_year: float = HOURS_PER_YEAR) -> Any:
    """Water flow in t/h as m3/yr (1 t of water ~ 1 m3; ``hours_per_year`` of operation)."""
    if np.ndim(flow_t_per_h):
        return np.asarray(flow_t_per_h, dtype=float) * float(hours_per_year)
    return float(flow_t_per_h) * float(hours_per_year)


def water_operations(
    operations: pd.DataFrame | Iterable[Mapping[str, Any]],
    default_plant: str = "plant",
    hours_per_year: float = HOURS_PER_YEAR,
) -> pd.DataFrame:
    """A checked operations table: operation_id, plant, load_kg_per_h, cin_max_ppm,
    cout_max_ppm.

    ``operations`` is a DataFrame or records with those columns; ``plant`` may be left out
    (all in ``default_plant``), and the load may be given instead as the limiting flow
    ``limiting_flow_t_per_h`` (load = flow x (Cout_max - Cin_max) / 1000, as in published
    limiting water data). In the Network's canonical units, give ``load_kg_per_yr`` or
    ``limiting_flow_m3_per_yr`` instead (over ``hours_per_year`` of operation). Raises ValueError naming the row and field on a missing id, a
    duplicate id, a missing or negative number, or Cout_max <= Cin_max.
    """
    table = operations.copy() if isinstance(operations, pd.DataFrame) else pd.DataFrame(operations)
    table = table.reset_index(drop=True)
    if "plant" not in table.columns:
        table["plant"] = default_plant
    for name in ("operation_id", "cin_max_ppm", "cout_max_ppm"):
        if name not in table.columns:
            raise ValueError(f"water operations: missing column {name!r}")
    hours = float(hours_per_year)
    if "load_kg_per_h" not in table.columns and "load_kg_per_yr" in table.columns:
        table["load_kg_per_h"] = pd.to_numeric(table["load_kg_per_yr"], errors="coerce") / hours
    if "limiting_flow_t_per_h" not in table.columns and "limiting_flow_m3_per_yr" in table:
        flow_m3 = pd.to_numeric(table["limiting_flow_m3_per_yr"], errors="coerce")
        table["limiting_flow_t_per_h"] = flow_m3 / hours
    if "load_kg_per_h" not in table.columns:
        if "limiting_flow_t_per_h" not in table.columns:
            raise ValueError(
                "water operations: give load_kg_per_h (or load_kg_per_yr) or "
                "limiting_flow_t_per_h (or limiting_flow_m3_per_yr) for each operation"
            )
        flow = pd.to_numeric(table["limiting_flow_t_per_h"], errors="coerce")
        table["load_kg_per_h"] = (
            flow
            * (
                pd.to_numeric(table["cout_max_ppm"], errors="coerce")
                - pd.to_numeric(table["cin_max_ppm"], errors="coerce")
            )
            / 1000.0
        )
    ids = table["operation_id"]
    if ids.isna().any():
        raise ValueError(f"water operations: row {int(np.flatnonzero(ids.isna())[0])}: no id")
    table["operation_id"] = ids.astype(str)
    table["plant"] = table["plant"].astype(str)
    duplicated = table["operation_id"].duplicated()
    if duplicated.any():
        raise ValueError(
            "water operations: duplicate operation_id "
            f"{table['operation_id'][duplicated].iloc[0]!r}"
        )
    for name in ("load_kg_per_h", "cin_max_ppm", "cout_max_ppm"):
        values = pd.to_numeric(table[name], errors="coerce").astype(float)
        bad = ~np.isfinite(values.to_numpy()) | (values.to_numpy() < 0)
        if bad.any():
            row = int(np.flatnonzero(bad)[0])
            raise ValueError(
                f"water operations: operation {table['operation_id'][row]!r}: {name} must be a "
                f"finite number >= 0, got {table[name][row]!r}"
            )
        table[name] = values
    flat = table["cout_max_ppm"].to_numpy() <= table["cin_max_ppm"].to_numpy()
    if flat.any():
        row = int(np.flatnonzero(flat)[0])
        raise ValueError(
            f"water operations: operation {table['operation_id'][row]!r}: cout_max_ppm must "
            "exceed cin_max_ppm"
        )
    extra = [c for c in table.columns if c not in OPERATION_COLUMNS]
    return table[[*OPERATION_COLUMNS, *extra]]


@dataclass(frozen=True)
class WaterRegeneration:
    """A regeneration unit that cleans operation outlets and returns them to inlets.

    Give exactly one of ``outlet_ppm`` (regenerated water leaves at this concentration, the
    post-regeneration concentration of Wang & Smith 1994) or ``removal_ratio`` (share of the
    contaminant removed, 0-1; each outlet's water is regenerated to (1 - ratio) x its
    concentration, as in a unit treating each source stream separately). Regenerated water
    may return to any operation, also the one it came from (regeneration-recycling).
    ``relative_cost`` weighs a t/h of regenerated water against a t/h of freshwater in the
    objective; ``capacity_t_per_h`` caps the regenerated flow (None: no cap).
    """

    outlet_ppm: float | None = None
    removal_ratio: float | None = None
    relative_cost: float = 0.0
    capacity_t_per_h: float | None = None

    def __post_init__(self) -> None:
        if (self.outlet_ppm is None) == (self.removal_ratio is None):
            raise ValueError("regeneration: give exactly one of outlet_ppm and removal_ratio")
        if self.outlet_ppm is not None and not (
            np.isfinite(self.outlet_ppm) and self.outlet_ppm >= 0
        ):
            raise ValueError(f"regeneration: outlet_ppm must be >= 0, got {self.outlet_ppm}")
        if self.removal_ratio is not None and not 0 < self.removal_ratio <= 1:
            raise ValueError(
                f"regeneration: removal_ratio must be in (0, 1], got {self.removal_ratio}"
            )
        if not (np.isfinite(self.relative_cost) and self.relative_cost >= 0):
            raise ValueError(f"regeneration: relative_cost must be >= 0, got {self.relative_cost}")
        if self.capacity_t_per_h is not None and not self.capacity_t_per_h >= 0:
            raise ValueError(
                f"regeneration: capacity_t_per_h must be >= 0, got {self.capacity_t_per_h}"
            )

    def regenerated_ppm(self, source_ppm: np.ndarray) -> np.ndarray:
        """Concentration (ppm) of regenerated water made from outlets at ``source_ppm``."""
        if self.outlet_ppm is not None:
            return np.full(len(source_ppm), float(self.outlet_ppm))
        assert self.removal_ratio is not None
        return (1.0 - float(self.removal_ratio)) * np.asarray(source_ppm, dtype=float)


@dataclass
class WaterTotals:
    """The totals every water result carries: ``totals`` (a Series by name, t/h unless the
    name says otherwise), the solver ``status`` and ``timings`` (s)."""

    totals: pd.Series
    status: str
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def freshwater_t_per_h(self) -> float:
        """Total freshwater, t/h."""
        return float(self.totals["freshwater_t_per_h"])

    @property
    def wastewater_t_per_h(self) -> float:
        """Total wastewater, t/h."""
        return float(self.totals["wastewater_t_per_h"])

    @property
    def freshwater_m3_per_yr(self) -> float:
        """Total freshwater in the Network's canonical unit, m3/yr (continuous operation)."""
        return t_per_h_to_m3_per_yr(self.freshwater_t_per_h)


@dataclass
class WaterSolution(WaterTotals):
    """A water network as tables (flows in t/h, concentrations in ppm, loads in kg/h).

    ``operations``: per operation its freshwater, reuse and regenerated water received,
    throughput (inlet = outlet flow), inlet and outlet concentration and wastewater.
    ``reuse``: outlet-to-inlet flows (from/to operation and plant, concentration,
    ``inter_plant``). ``regeneration``: flows from an outlet through the regeneration unit
    to an inlet, with the contaminant removed. ``totals``: freshwater_t_per_h,
    wastewater_t_per_h, reused_t_per_h, regenerated_t_per_h, inter_plant_t_per_h,
    contaminant_removed_kg_per_h, contaminant_to_wastewater_kg_per_h, freshwater_m3_per_yr,
    wastewater_m3_per_yr, objective_t_per_h (freshwater-equivalent). ``duals``: shadow
    prices in freshwater-equivalent t/h per unit (see the ``unit`` column) of each
    contaminant load, inlet limit and the regeneration capacity.
    """

    operations: pd.DataFrame = field(default_factory=pd.DataFrame)
    reuse: pd.DataFrame = field(default_factory=pd.DataFrame)
    regeneration: pd.DataFrame = field(default_factory=pd.DataFrame)
    duals: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def regenerated_t_per_h(self) -> float:
        """Total regenerated water, t/h."""
        return float(self.totals["regenerated_t_per_h"])


@dataclass
class _Columns:
    """The flow columns of the water model, by position (origin -1 = freshwater,
    destination -1 = wastewater)."""

    group: np.ndarray
    origin: np.ndarray
    destination: np.ndarray
    concentration: np.ndarray  # ppm of the water in the pipe (at the destination's inlet)
    removed_ppm: np.ndarray  # regeneration only: concentration drop across the unit
    inter_plant: np.ndarray


def _columns(
    ops: pd.DataFrame,
    freshwater_ppm: float,
    regeneration: WaterRegeneration | None,
    inter_plant: bool,
) -> _Columns:
    n = len(ops)
    cout = ops["cout_max_ppm"].to_numpy(dtype=float)
    plant = ops["plant"].to_numpy(dtype=object)
    src, dst = (a.ravel() for a in np.meshgrid(np.arange(n), np.arange(n), indexing="ij"))
    pair = src != dst  # a local recycle never saves water: it only dirties the inlet
    crossing = plant[src] != plant[dst]
    if not inter_plant:
        pair &= ~crossing
    reuse_src, reuse_dst = src[pair], dst[pair]
    if regeneration is not None:
        regen_ppm_of = regeneration.regenerated_ppm(cout)
        regen_pair = regen_ppm_of[src] < cout[src]  # only outlets the unit actually cleans
        if not inter_plant:
            regen_pair &= ~crossing
        regen_src, regen_dst = src[regen_pair], dst[regen_pair]
    else:
        regen_ppm_of = np.zeros(n)
        regen_src = regen_dst = np.zeros(0, dtype=np.int64)
    nr, ng = len(reuse_src), len(regen_src)
    ops_pos = np.arange(n)
    none = np.full(n, -1)
    group = np.concatenate(
        [
            np.full(n, "freshwater", dtype=object),
            np.full(nr, "reuse", dtype=object),
            np.full(ng, "regenerated", dtype=object),
            np.full(n, "wastewater", dtype=object),
        ]
    )
    origin = np.concatenate([none, reuse_src, regen_src, ops_pos])
    destination = np.concatenate([ops_pos, reuse_dst, regen_dst, none])
    concentration = np.concatenate(
        [np.full(n, float(freshwater_ppm)), cout[reuse_src], regen_ppm_of[regen_src], cout]
    )
    removed = np.concatenate(
        [np.zeros(n + nr), cout[regen_src] - regen_ppm_of[regen_src], np.zeros(n)]
    )
    cross = np.zeros(len(group), dtype=bool)
    both = (origin >= 0) & (destination >= 0)
    cross[both] = plant[origin[both]] != plant[destination[both]]
    return _Columns(group, origin, destination, concentration, removed, cross)


def _water_model(
    ops: pd.DataFrame,
    cols: _Columns,
    regeneration: WaterRegeneration | None,
    inter_plant_penalty: float,
) -> DesignModel:
    """The water network LP as a DesignModel (maximise minus freshwater-equivalent t/h)."""
    n, m = len(ops), len(cols.group)
    ids = ops["operation_id"].to_numpy(dtype=object)
    cout = ops["cout_max_ppm"].to_numpy(dtype=float)
    cin = ops["cin_max_ppm"].to_numpy(dtype=float)
    load = ops["load_kg_per_h"].to_numpy(dtype=float)
    j = np.arange(m)
    into = np.flatnonzero(cols.destination >= 0)
    out_of = np.flatnonzero(cols.origin >= 0)
    d = cols.destination[into]
    c = cols.concentration[into]
    rows = RowBlocks()
    rows.add(
        np.r_[d, cols.origin[out_of]],
        np.r_[j[into], j[out_of]],
        np.r_[np.ones(len(into)), -np.ones(len(out_of))],
        np.zeros(n),
        np.zeros(n),
        "water_balance",
        ids,
    )
    # kg/h picked up per t/h of this inflow: inlet mass + load = outlet flow x Cout_max
    rows.add(d, j[into], (cout[d] - c) / 1000.0, load, load, "contaminant_balance", ids)
    # kg/h above the inlet limit per t/h of this inflow
    rows.add(
        d,
        j[into],
        (c - cin[d]) / 1000.0,
        np.full(n, -np.inf),
        np.zeros(n),
        "inlet_concentration",
        ids,
    )
    regenerated = np.flatnonzero(cols.group == "regenerated")
    if regeneration is not None and regeneration.capacity_t_per_h is not None:
        rows.add(
            np.zeros(len(regenerated), dtype=np.int64),
            regenerated,
            np.ones(len(regenerated)),
            np.array([-np.inf]),
            np.array([float(regeneration.capacity_t_per_h)]),
            "regeneration_capacity",
            np.array(["regeneration"], dtype=object),
        )
    weight = np.zeros(m)
    weight[cols.group == "freshwater"] = 1.0
    if regeneration is not None:
        weight[regenerated] += float(regeneration.relative_cost)
    weight[cols.inter_plant] += float(inter_plant_penalty)
    label = np.where(cols.origin >= 0, ids[np.maximum(cols.origin, 0)], "freshwater")
    label = (
        label
        + " -> "
        + np.where(cols.destination >= 0, ids[np.maximum(cols.destination, 0)], "wastewater")
    )
    return rows.model(
        -weight, np.zeros(m), np.full(m, np.inf), np.zeros(m, dtype=bool), cols.group, label
    )


def _least_piping(model: DesignModel, best: float) -> DesignModel:
    """``model`` held at (within tolerance) its optimum ``best``, minimising piped flow."""
    piped = np.isin(model.col_group, ["reuse", "regenerated"]).astype(float)
    slack = 1e-9 * max(1.0, abs(best))
    return dataclasses.replace(
        model.with_rows(
            model.cost.reshape(1, -1), [best - slack], [np.inf], "optimum", ["objective"]
        ),
        cost=-piped,
    )


def solve_least_piping(
    model: DesignModel, words: Mapping[str, str], what: str, time_limit_s: float
) -> tuple[np.ndarray, SolveResult, SolveResult]:
    """Solve a water LP (maximise minus freshwater-equivalent t/h), then hold its optimum and
    minimise the piped flow (columns of group reuse/regenerated). Returns the flows (t/h,
    solver noise below 1e-7 set to 0) and both solve results. An infeasible model raises
    InfeasibleDesign with the culprit rows told by ``words`` (row group -> message with
    ``{ref}``); another stop raises SolverError naming ``what``."""
    first = solve_model(model, time_limit_s=time_limit_s, mip_gap=0.0, duals=False)
    if first.status in ("infeasible", "unbounded"):
        culprits = diagnose_infeasibility(model)
        culprits["message"] = [
            words[g].format(ref=r) if g in words else m
            for g, r, m in zip(culprits["group"], culprits["ref"], culprits["message"], strict=True)
        ]
        raise InfeasibleDesign(culprits)
    if first.status != "optimal":
        raise SolverError(f"{what}: solver stopped with status {first.status!r}")
    second = solve_model(
        _least_piping(model, first.objective), time_limit_s=time_limit_s, mip_gap=0.0, duals=False
    )
    x = second.x if second.status == "optimal" else first.x
    return np.where(x > _FLOW_TOL, x, 0.0), first, second


def design_water_network(
    operations: pd.DataFrame | Iterable[Mapping[str, Any]],
    freshwater_ppm: float = 0.0,
    regeneration: WaterRegeneration | None = None,
    inter_plant: bool = True,
    inter_plant_penalty: float = 0.0,
    time_limit_s: float = 60.0,
) -> WaterSolution:
    """The least-freshwater water network of ``operations`` (see :func:`water_operations`).

    ``freshwater_ppm`` is the contaminant concentration of freshwater; ``regeneration`` an
    optional :class:`WaterRegeneration`. With ``inter_plant`` False, water (reused or
    regenerated) stays inside its plant; otherwise a t/h piped between plants costs
    ``inter_plant_penalty`` freshwater-equivalent t/h. The objective is freshwater plus the
    weighted regenerated and inter-plant flows (t/h). Returns a :class:`WaterSolution`;
    raises InfeasibleDesign naming the operations whose limits cannot be met.
    """
    started = time.perf_counter()
    ops = water_operations(operations)
    if not (np.isfinite(freshwater_ppm) and freshwater_ppm >= 0):
        raise ValueError(f"freshwater_ppm must be >= 0, got {freshwater_ppm}")
    if not (np.isfinite(inter_plant_penalty) and inter_plant_penalty >= 0):
        raise ValueError(f"inter_plant_penalty must be >= 0, got {inter_plant_penalty}")
    cols = _columns(ops, freshwater_ppm, regeneration, inter_plant)
    model = _water_model(ops, cols, regeneration, inter_plant_penalty)
    built = time.perf_counter()
    x, first, second = solve_least_piping(model, _WORDS, "water network", time_limit_s)
    solved = time.perf_counter()
    solution = _tables(ops, cols, model, x, first.row_dual, freshwater_ppm)
    solution.timings = {
        "build_s": built - started,
        "solve_s": first.solve_s + second.solve_s,
        "post_s": time.perf_counter() - solved,
    }
    return solution


def _tables(
    ops: pd.DataFrame,
    cols: _Columns,
    model: DesignModel,
    x: np.ndarray,
    row_dual: np.ndarray,
    freshwater_ppm: float,
) -> WaterSolution:
    n = len(ops)
    ids = ops["operation_id"].to_numpy(dtype=object)
    plant = ops["plant"].to_numpy(dtype=object)
    cout = ops["cout_max_ppm"].to_numpy(dtype=float)

    def per_operation(group: str, by: np.ndarray) -> np.ndarray:
        pick = cols.group == group
        return np.bincount(by[pick], weights=x[pick], minlength=n)

    fresh = per_operation("freshwater", cols.destination)
    reuse_in = per_operation("reuse", cols.destination)
    regen_in = per_operation("regenerated", cols.destination)
    waste = per_operation("wastewater", cols.origin)
    into = cols.destination >= 0
    throughput = np.bincount(cols.destination[into], weights=x[into], minlength=n)
    inlet_mass = np.bincount(
        cols.destination[into], weights=x[into] * cols.concentration[into], minlength=n
    )
    with np.errstate(invalid="ignore", divide="ignore"):
        inlet_ppm = np.where(throughput > 0, inlet_mass / throughput, np.nan)
    operations = pd.DataFrame(
        {
            "operation_id": ids,
            "plant": plant,
            "freshwater_t_per_h": fresh,
            "reuse_in_t_per_h": reuse_in,
            "regenerated_in_t_per_h": regen_in,
            "throughput_t_per_h": throughput,
            "inlet_ppm": inlet_ppm,
            "outlet_ppm": cout,
            "wastewater_t_per_h": waste,
        }
    )

    def pipes(group: str) -> pd.DataFrame:
        pick = np.flatnonzero((cols.group == group) & (x > 0))
        o, d = cols.origin[pick], cols.destination[pick]
        return pd.DataFrame(
            {
                "from_operation": ids[o],
                "to_operation": ids[d],
                "from_plant": plant[o],
                "to_plant": plant[d],
                "flow_t_per_h": x[pick],
                "concentration_ppm": cols.concentration[pick],
                "inter_plant": cols.inter_plant[pick],
                "removed_kg_per_h": x[pick] * cols.removed_ppm[pick] / 1000.0,
            }
        )

    reuse = pipes("reuse").drop(columns="removed_kg_per_h")
    regeneration = pipes("regenerated").rename(columns={"concentration_ppm": "outlet_ppm"})
    regeneration.insert(5, "inlet_ppm", cout[cols.origin[(cols.group == "regenerated") & (x > 0)]])
    freshwater = float(fresh.sum())
    wastewater = float(waste.sum())
    totals = pd.Series(
        {
            "freshwater_t_per_h": freshwater,
            "wastewater_t_per_h": wastewater,
            "reused_t_per_h": float(reuse_in.sum()),
            "regenerated_t_per_h": float(regen_in.sum()),
            "inter_plant_t_per_h": float(x[cols.inter_plant].sum()),
            "contaminant_removed_kg_per_h": float(regeneration["removed_kg_per_h"].sum()),
            "contaminant_to_wastewater_kg_per_h": float(waste @ cout) / 1000.0,
            "freshwater_m3_per_yr": t_per_h_to_m3_per_yr(freshwater),
            "wastewater_m3_per_yr": t_per_h_to_m3_per_yr(wastewater),
            "objective_t_per_h": float(-(model.cost @ x)),
            "freshwater_ppm": float(freshwater_ppm),
        }
    )
    # shadow prices as the freshwater-equivalent t/h one more unit would cost (max -> min)
    load_rows = model.rows("contaminant_balance")
    inlet_rows = model.rows("inlet_concentration")
    # relaxing Cin_max by 1 ppm lets throughput x 1 ppm more contaminant in: t/h per ppm
    inlet_price = row_dual[inlet_rows] * throughput / 1000.0
    parts = [
        pd.DataFrame(
            {
                "constraint": "contaminant_balance",
                "operation_id": ids,
                "shadow_price": -row_dual[load_rows],
                "unit": "t/h freshwater-equivalent per kg/h of load",
            }
        ),
        pd.DataFrame(
            {
                "constraint": "inlet_concentration",
                "operation_id": ids,
                "shadow_price": inlet_price,
                "unit": "t/h freshwater-equivalent saved per ppm more Cin_max",
            }
        ),
    ]
    capacity_rows = model.rows("regeneration_capacity")
    if len(capacity_rows):
        parts.append(
            pd.DataFrame(
                {
                    "constraint": "regeneration_capacity",
                    "operation_id": [""],
                    "shadow_price": row_dual[capacity_rows],
                    "unit": "t/h freshwater-equivalent saved per t/h more capacity",
                }
            )
        )
    duals = pd.concat(parts, ignore_index=True)
    return WaterSolution(
        totals=totals,
        status="optimal",
        operations=operations,
        reuse=reuse,
        regeneration=regeneration,
        duals=duals,
    )
