"""The fixed-load water network: published minimum-freshwater targets, the water pinch
computed here independently (a problem-table cascade over concentration intervals),
regeneration, two plants that save water together, and property tests against the cascade."""

from __future__ import annotations

from itertools import pairwise
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from symbiograph.optimize import InfeasibleDesign
from symbiograph.optimize._water import (
    WaterRegeneration,
    design_water_network,
    t_per_h_to_m3_per_yr,
    water_operations,
)

#: Wang & Smith (1994), Example 1, limiting water data: limiting flow (t/h), Cin, Cout (ppm).
WANG_SMITH_1 = [
    {"operation_id": "op1", "limiting_flow_t_per_h": 20.0, "cin_max_ppm": 0.0, "cout_max_ppm": 100.0},
    {"operation_id": "op2", "limiting_flow_t_per_h": 100.0, "cin_max_ppm": 50.0, "cout_max_ppm": 100.0},
    {"operation_id": "op3", "limiting_flow_t_per_h": 40.0, "cin_max_ppm": 50.0, "cout_max_ppm": 800.0},
    {"operation_id": "op4", "limiting_flow_t_per_h": 10.0, "cin_max_ppm": 400.0, "cout_max_ppm": 800.0},
]  # fmt: skip


def pinch_cascade(
    operations: pd.DataFrame,
    freshwater_ppm: float = 0.0,
    regenerated_t_per_h: float = 0.0,
    regenerated_ppm: float = 0.0,
) -> tuple[float, float]:
    """Minimum freshwater (t/h) and pinch concentration (ppm) by the water problem table.

    The concentration intervals between all limiting inlet/outlet concentrations carry the
    mass load of the operations spanning them (limiting flow x interval width); the cascade
    of cumulative load, divided by how far water can rise from the freshwater concentration,
    is the flow needed at each interval's top. An optional second clean source of
    ``regenerated_t_per_h`` at ``regenerated_ppm`` takes up its share first (the water
    supply line of two sources). Written here, apart from the LP, on purpose.
    """
    load = operations["load_kg_per_h"].to_numpy(dtype=float) * 1000.0  # g/h
    c_in = operations["cin_max_ppm"].to_numpy(dtype=float)
    c_out = operations["cout_max_ppm"].to_numpy(dtype=float)
    limiting_flow = load / (c_out - c_in)  # t/h
    levels = np.unique(np.concatenate([c_in, c_out, [freshwater_ppm, regenerated_ppm]]))
    levels = levels[levels >= freshwater_ppm]
    cumulative = 0.0
    best, pinch = 0.0, float(freshwater_ppm)
    for low, high in pairwise(levels):
        spanning = (c_in <= low) & (c_out >= high)
        cumulative += float(limiting_flow[spanning].sum()) * (high - low)
        picked_by_regenerated = regenerated_t_per_h * max(high - regenerated_ppm, 0.0)
        need = (cumulative - picked_by_regenerated) / (high - freshwater_ppm)
        if need > best + 1e-12:
            best, pinch = need, float(high)
    return best, pinch


def assert_feasible(solution: Any, operations: pd.DataFrame, freshwater_ppm: float = 0.0) -> None:
    """Every operation's water and contaminant balances close and its inlet limit holds."""
    ops = water_operations(operations).set_index("operation_id")
    table = solution.operations.set_index("operation_id")
    inflow = table["freshwater_t_per_h"] + table["reuse_in_t_per_h"]
    inflow = inflow + table["regenerated_in_t_per_h"]
    np.testing.assert_allclose(inflow, table["throughput_t_per_h"], rtol=1e-9, atol=1e-7)
    reused_out = solution.reuse.groupby("from_operation")["flow_t_per_h"].sum()
    regen_out = solution.regeneration.groupby("from_operation")["flow_t_per_h"].sum()
    outflow = table["wastewater_t_per_h"] + reused_out.reindex(table.index, fill_value=0.0)
    outflow = outflow + regen_out.reindex(table.index, fill_value=0.0)
    np.testing.assert_allclose(outflow, table["throughput_t_per_h"], rtol=1e-7, atol=1e-6)
    used = table["throughput_t_per_h"] > 1e-9
    assert (
        table["inlet_ppm"][used] <= ops["cin_max_ppm"][used] + 1e-6 * (1 + ops["cin_max_ppm"][used])
    ).all()
    picked = table["throughput_t_per_h"] * (table["outlet_ppm"] - table["inlet_ppm"].fillna(0.0))
    np.testing.assert_allclose(picked / 1000.0, ops["load_kg_per_h"], rtol=1e-6, atol=1e-6)


def test_wang_smith_1994_example_1_minimum_freshwater_is_90_t_per_h() -> None:
    """Wang, Y.P. & Smith, R. (1994) Wastewater minimisation. Chem. Eng. Sci. 49(7):981-1006,
    Example 1: four operations (limiting flows 20, 100, 40, 10 t/h; Cin 0, 50, 50, 400 ppm;
    Cout 100, 100, 800, 800 ppm; loads 2, 5, 30, 4 kg/h). Published target: 90 t/h of
    freshwater with maximum reuse, pinch at 100 ppm, against 170 t/h with none.

    The cascade here gives 90 t/h at 100 ppm: (2 + 5 + 40 x 50 / 1000) kg/h / 100 ppm.
    """
    ops = water_operations(WANG_SMITH_1)
    np.testing.assert_allclose(ops["load_kg_per_h"], [2.0, 5.0, 30.0, 4.0])
    target, pinch = pinch_cascade(ops)
    assert target == pytest.approx(90.0, rel=1e-12)
    assert pinch == 100.0
    solution = design_water_network(WANG_SMITH_1)
    assert solution.status == "optimal"
    assert solution.freshwater_t_per_h == pytest.approx(90.0, rel=1e-7)
    assert solution.freshwater_t_per_h == pytest.approx(target, rel=1e-7)
    assert solution.wastewater_t_per_h == pytest.approx(90.0, rel=1e-7)  # flow-through
    assert solution.totals["contaminant_to_wastewater_kg_per_h"] == pytest.approx(41.0)
    assert solution.regenerated_t_per_h == 0.0
    assert (solution.reuse["concentration_ppm"] == 100.0).all()  # reuse of the pinch water
    assert_feasible(solution, WANG_SMITH_1)
    # 90 t/h, 1 t ~ 1 m3, 8760 h a year
    assert solution.totals["freshwater_m3_per_yr"] == pytest.approx(788_400.0, rel=1e-7)
    assert t_per_h_to_m3_per_yr(1.0) == 8760.0
    np.testing.assert_allclose(t_per_h_to_m3_per_yr(np.array([1.0, 2.0]), 8000.0), [8e3, 16e3])


def test_shadow_prices_of_loads_and_inlet_limits() -> None:
    """At the pinch (100 ppm) the freshwater is (load taken below 100 ppm) / 100 ppm, so one
    more kg/h on op1 or op2 costs 10 t/h, on op3 (50-800 ppm, 50/750 of it below the pinch)
    2/3 t/h, on op4 (above the pinch) nothing. Inlet limits: checked by finite difference."""
    solution = design_water_network(WANG_SMITH_1)
    duals = solution.duals.set_index(["constraint", "operation_id"])["shadow_price"]
    loads = duals["contaminant_balance"]
    np.testing.assert_allclose(loads[["op1", "op2", "op3", "op4"]], [10, 10, 2 / 3, 0], atol=1e-6)
    ops = water_operations(WANG_SMITH_1)
    ops.loc[ops["operation_id"] == "op3", "cin_max_ppm"] += 0.01
    relaxed = design_water_network(ops)
    saving_per_ppm = (solution.freshwater_t_per_h - relaxed.freshwater_t_per_h) / 0.01
    assert duals[("inlet_concentration", "op3")] == pytest.approx(saving_per_ppm, rel=1e-3)
    assert duals[("inlet_concentration", "op3")] > 0.3


def test_regeneration_recycling_to_5_ppm_leaves_only_op1_on_freshwater() -> None:
    """Wang & Smith (1994) Example 1 with a regeneration unit to 5 ppm (the post-regeneration
    concentration of their regeneration example), regenerated water free to return to any
    operation: op1 accepts only 0 ppm water, which nothing but freshwater has, and needs
    2 kg/h / 100 ppm = 20 t/h of it; every other operation can run on regenerated water.
    So the freshwater falls from 90 to 20 t/h, the least regenerated flow for it being
    (9000 - 20 x 100) g/h / (100 - 5) ppm = 73.7 t/h (the cascade at the 100 ppm pinch)."""
    free = design_water_network(WANG_SMITH_1, regeneration=WaterRegeneration(outlet_ppm=5.0))
    assert free.freshwater_t_per_h == pytest.approx(20.0, rel=1e-6)
    removed = free.totals["contaminant_removed_kg_per_h"]
    to_wastewater = free.totals["contaminant_to_wastewater_kg_per_h"]
    assert removed + to_wastewater == pytest.approx(41.0, rel=1e-6)  # 41 kg/h picked up
    assert_feasible(free, WANG_SMITH_1)
    priced = design_water_network(
        WANG_SMITH_1, regeneration=WaterRegeneration(outlet_ppm=5.0, relative_cost=0.5)
    )
    assert priced.freshwater_t_per_h == pytest.approx(20.0, rel=1e-6)
    assert priced.regenerated_t_per_h == pytest.approx(7000.0 / 95.0, rel=1e-6)
    assert priced.totals["objective_t_per_h"] == pytest.approx(20.0 + 0.5 * 7000.0 / 95.0)
    ops = water_operations(WANG_SMITH_1)
    target, _ = pinch_cascade(ops, regenerated_t_per_h=7000.0 / 95.0, regenerated_ppm=5.0)
    assert target == pytest.approx(20.0)
    # a removal ratio of 90 % reaches the same 20 t/h; each outlet leaves at 10 % of its ppm
    ratio = design_water_network(WANG_SMITH_1, regeneration=WaterRegeneration(removal_ratio=0.9))
    assert ratio.freshwater_t_per_h == pytest.approx(20.0, rel=1e-6)
    np.testing.assert_allclose(
        ratio.regeneration["outlet_ppm"], 0.1 * ratio.regeneration["inlet_ppm"]
    )
    assert_feasible(ratio, WANG_SMITH_1)


@pytest.mark.parametrize("capacity", [5.0, 10.0, 30.0, 60.0])
def test_regeneration_capacity_follows_the_two_source_cascade(capacity: float) -> None:
    """With at most R t/h regenerated to 5 ppm, the 100 ppm pinch gives
    (9000 - R x 95) / 100 t/h: 10 t/h of capacity saves 9.5 t/h (80.5 t/h)."""
    regeneration = WaterRegeneration(outlet_ppm=5.0, capacity_t_per_h=capacity)
    solution = design_water_network(WANG_SMITH_1, regeneration=regeneration)
    ops = water_operations(WANG_SMITH_1)
    target, _ = pinch_cascade(ops, regenerated_t_per_h=capacity, regenerated_ppm=5.0)
    assert solution.freshwater_t_per_h == pytest.approx(target, rel=1e-7)
    assert solution.freshwater_t_per_h == pytest.approx((9000.0 - 95.0 * capacity) / 100.0)
    price = solution.duals.set_index("constraint").loc["regeneration_capacity", "shadow_price"]
    assert price == pytest.approx(0.95, rel=1e-6)
    assert_feasible(solution, WANG_SMITH_1)


def test_regeneration_dearer_than_freshwater_is_not_used() -> None:
    """A t/h of regenerated water can replace at most a t/h of freshwater (swap it for
    freshwater, which is cleaner, and send its feed to wastewater), so at 1.5 times the
    price of freshwater the unit stays idle and the freshwater is the 90 t/h of reuse."""
    regeneration = WaterRegeneration(outlet_ppm=5.0, relative_cost=1.5)
    solution = design_water_network(WANG_SMITH_1, regeneration=regeneration)
    assert solution.freshwater_t_per_h == pytest.approx(90.0, rel=1e-7)
    assert solution.regenerated_t_per_h == 0.0
    assert solution.regeneration.empty


TWO_PLANTS = [
    {"operation_id": "A1", "plant": "A", "load_kg_per_h": 1.0, "cin_max_ppm": 0.0, "cout_max_ppm": 100.0},
    {"operation_id": "B1", "plant": "B", "load_kg_per_h": 1.0, "cin_max_ppm": 100.0, "cout_max_ppm": 200.0},
]  # fmt: skip


def test_two_plants_save_freshwater_by_inter_plant_reuse() -> None:
    """A1 needs 1 kg/h / 100 ppm = 10 t/h of freshwater; alone, B1 takes freshwater to
    200 ppm: 1 kg/h / 200 ppm = 5 t/h, 15 t/h in all. A1's 10 t/h outlet at 100 ppm is
    exactly what B1 needs ((200 - 100) ppm x 10 t/h = 1 kg/h), so together: 10 t/h.
    Each t/h piped saves 0.5 t/h of freshwater: a piping penalty of 0.4 t/h per t/h keeps
    the exchange (objective 10 + 0.4 x 10 = 14), 0.6 kills it (15)."""
    together = design_water_network(TWO_PLANTS)
    apart = design_water_network(TWO_PLANTS, inter_plant=False)
    assert together.freshwater_t_per_h == pytest.approx(10.0, rel=1e-7)
    assert apart.freshwater_t_per_h == pytest.approx(15.0, rel=1e-7)
    assert together.totals["inter_plant_t_per_h"] == pytest.approx(10.0, rel=1e-7)
    assert together.reuse[["from_operation", "to_operation"]].values.tolist() == [["A1", "B1"]]
    assert bool(together.reuse["inter_plant"].iloc[0])
    assert apart.reuse.empty
    for plant, alone in (("A", 10.0), ("B", 5.0)):
        own = [op for op in TWO_PLANTS if op["plant"] == plant]
        assert design_water_network(own).freshwater_t_per_h == pytest.approx(alone, rel=1e-7)
    cheap = design_water_network(TWO_PLANTS, inter_plant_penalty=0.4)
    assert cheap.freshwater_t_per_h == pytest.approx(10.0, rel=1e-7)
    assert cheap.totals["objective_t_per_h"] == pytest.approx(14.0, rel=1e-7)
    dear = design_water_network(TWO_PLANTS, inter_plant_penalty=0.6)
    assert dear.freshwater_t_per_h == pytest.approx(15.0, rel=1e-7)
    assert dear.totals["inter_plant_t_per_h"] == 0.0


def test_wang_smith_split_over_two_plants() -> None:
    """Wang & Smith (1994) Example 1 with op1, op2 in plant X and op3, op4 in plant Y.
    Alone X needs 7 kg/h / 100 ppm = 70 t/h and Y 34 kg/h / 800 ppm = 42.5 t/h (cascade),
    112.5 t/h in all; with water crossing the fence, 90 t/h: a saving of 22.5 t/h."""
    ops = water_operations(WANG_SMITH_1)
    ops["plant"] = ["X", "X", "Y", "Y"]
    apart = design_water_network(ops, inter_plant=False)
    together = design_water_network(ops)
    x_alone, _ = pinch_cascade(ops[ops["plant"] == "X"])
    y_alone, _ = pinch_cascade(ops[ops["plant"] == "Y"])
    assert (x_alone, y_alone) == (pytest.approx(70.0), pytest.approx(42.5))
    assert apart.freshwater_t_per_h == pytest.approx(112.5, rel=1e-7)
    assert together.freshwater_t_per_h == pytest.approx(90.0, rel=1e-7)
    assert (apart.reuse["from_plant"] == apart.reuse["to_plant"]).all()
    assert together.totals["inter_plant_t_per_h"] > 0


def test_bad_operations_get_clear_errors() -> None:
    good = {"operation_id": "a", "load_kg_per_h": 1.0, "cin_max_ppm": 0.0, "cout_max_ppm": 50.0}
    with pytest.raises(ValueError, match="duplicate operation_id 'a'"):
        water_operations([good, good])
    with pytest.raises(ValueError, match="'a': cout_max_ppm must exceed cin_max_ppm"):
        water_operations([{**good, "cin_max_ppm": 50.0}])
    with pytest.raises(ValueError, match="'a': load_kg_per_h must be a finite number"):
        water_operations([{**good, "load_kg_per_h": float("nan")}])
    with pytest.raises(ValueError, match="missing column 'cout_max_ppm'"):
        water_operations([{"operation_id": "a", "load_kg_per_h": 1.0, "cin_max_ppm": 0.0}])
    with pytest.raises(ValueError, match="exactly one of outlet_ppm and removal_ratio"):
        WaterRegeneration(outlet_ppm=5.0, removal_ratio=0.9)
    with pytest.raises(ValueError, match="exactly one"):
        WaterRegeneration()


def test_freshwater_too_dirty_is_infeasible_and_named() -> None:
    """Freshwater at 10 ppm cannot feed an operation that accepts at most 0 ppm."""
    ops = [
        {"operation_id": "rinse", "load_kg_per_h": 1.0, "cin_max_ppm": 0.0, "cout_max_ppm": 50.0}
    ]
    with pytest.raises(InfeasibleDesign, match="operation rinse cannot get water clean enough"):
        design_water_network(ops, freshwater_ppm=10.0)
    # a regeneration unit to 0 ppm rescues it: its own outlet, regenerated, is clean enough
    rescued = design_water_network(
        ops, freshwater_ppm=10.0, regeneration=WaterRegeneration(outlet_ppm=0.0)
    )
    assert rescued.freshwater_t_per_h == pytest.approx(0.0, abs=1e-6)


@st.composite
def operation_sets(draw: st.DrawFn) -> tuple[pd.DataFrame, float]:
    """1-7 operations with loads 0.01-50 kg/h, inlet limits at or above the freshwater
    concentration (so freshwater alone is always feasible), outlets 1-1000 ppm higher, on
    one to three plants; freshwater at 0 ppm or a little above."""
    n = draw(st.integers(1, 7))
    freshwater_ppm = draw(st.sampled_from([0.0, 0.0, 2.5, 10.0]))
    ppm = st.floats(0.0, 400.0, allow_nan=False).map(lambda v: round(v, 1))
    rows = []
    for k in range(n):
        cin = freshwater_ppm + draw(st.one_of(st.just(0.0), ppm))
        rows.append(
            {
                "operation_id": f"op{k}",
                "plant": draw(st.sampled_from(["A", "B", "C"])),
                "load_kg_per_h": draw(st.floats(0.01, 50.0)),
                "cin_max_ppm": cin,
                "cout_max_ppm": cin + round(draw(st.floats(1.0, 1000.0)), 1),
            }
        )
    return pd.DataFrame(rows), freshwater_ppm


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(operation_sets())
def test_property_reuse_meets_the_pinch_target(case: tuple[pd.DataFrame, float]) -> None:
    """Without regeneration the LP's freshwater equals the pinch cascade target; kept inside
    each plant it equals the sum of the plants' own targets, which is never below it."""
    ops, freshwater_ppm = case
    target, _ = pinch_cascade(ops, freshwater_ppm)
    solution = design_water_network(ops, freshwater_ppm=freshwater_ppm)
    assert solution.freshwater_t_per_h == pytest.approx(target, rel=1e-6, abs=1e-7)
    assert solution.wastewater_t_per_h == pytest.approx(solution.freshwater_t_per_h, rel=1e-6)
    assert_feasible(solution, ops, freshwater_ppm)
    apart = design_water_network(ops, freshwater_ppm=freshwater_ppm, inter_plant=False)
    per_plant = sum(
        pinch_cascade(ops[ops["plant"] == plant], freshwater_ppm)[0]
        for plant in ops["plant"].unique()
    )
    assert apart.freshwater_t_per_h == pytest.approx(per_plant, rel=1e-6, abs=1e-7)
    assert apart.freshwater_t_per_h >= solution.freshwater_t_per_h * (1 - 1e-7) - 1e-7


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    operation_sets(),
    st.floats(0.0, 50.0, allow_nan=False).map(lambda v: round(v, 1)),
    st.floats(0.0, 200.0, allow_nan=False),
)
def test_property_regeneration_meets_the_two_source_cascade(
    case: tuple[pd.DataFrame, float], regenerated_ppm: float, capacity: float
) -> None:
    """With up to R t/h regenerated to Co (at or above the freshwater concentration), the
    freshwater equals the cascade with a second source of R t/h at Co and lies between the
    reuse-only target less R and that target; regeneration never costs freshwater."""
    ops, freshwater_ppm = case
    target, _ = pinch_cascade(ops, freshwater_ppm)
    regeneration = WaterRegeneration(outlet_ppm=regenerated_ppm, capacity_t_per_h=capacity)
    solution = design_water_network(ops, freshwater_ppm=freshwater_ppm, regeneration=regeneration)
    tol = 1e-6 * max(1.0, target)
    assert solution.freshwater_t_per_h <= target + tol
    assert solution.regenerated_t_per_h <= capacity + tol
    if regenerated_ppm >= freshwater_ppm:
        # regenerated water no cleaner than freshwater saves at most its own flow
        assert solution.freshwater_t_per_h >= target - capacity - tol
        with_regeneration, _ = pinch_cascade(ops, freshwater_ppm, capacity, regenerated_ppm)
        assert solution.freshwater_t_per_h == pytest.approx(
            max(with_regeneration, 0.0), rel=1e-6, abs=1e-6
        )
    assert_feasible(solution, ops, freshwater_ppm)
