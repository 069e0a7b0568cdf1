"""Fixed-flow-rate water allocation (sources and sinks): published targets, the water
cascade computed independently, two plants, properties and errors."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from symbiograph.optimize import (
    InfeasibleDesign,
    design_water_allocation,
    design_water_network,
    water_cascade_targets,
)


def _table(rows: list[tuple[str, float, float]], plant: str = "plant") -> list[dict[str, Any]]:
    return [{"id": i, "flow_t_per_h": f, "ppm": c, "plant": plant} for i, f, c in rows]


#: Polley & Polley (2000), Chem. Eng. Prog. 96(2):47-52, the four-sink, four-source example
#: used by Manan, Tan & Foo (2004), AIChE J. 50(12):3169-3183 (water cascade analysis):
#: published targets 70 t/h freshwater, 50 t/h wastewater, pinch at 150 ppm. Caveat: these
#: numbers are transcribed as the literature is remembered; no stored copy of the tables
#: was at hand to check them (the cascade and the LP below agree on them independently).
POLLEY_SINKS = _table([("SK1", 50, 20), ("SK2", 100, 50), ("SK3", 80, 100), ("SK4", 70, 200)])
POLLEY_SOURCES = _table([("SR1", 50, 50), ("SR2", 100, 100), ("SR3", 70, 150), ("SR4", 60, 250)])

#: Wang & Smith (1994) Example 1 written as fixed-flow-rate sinks (limiting flow at Cin,max)
#: and sources (at Cout,max), as in Hallale (2002), Adv. Environ. Res. 6:377-390: 90 t/h of
#: freshwater and of wastewater, pinch at 100 ppm (the fixed-load model gives 90 t/h too);
#: the limiting data and the 90 t/h target are also in Klemes et al., Sustainability in the
#: Process Industry (2010), Table 5.2.
WANG_SMITH_SINKS = _table([("D1", 20, 0), ("D2", 100, 50), ("D3", 40, 50), ("D4", 10, 400)])
WANG_SMITH_SOURCES = _table([("S1", 20, 100), ("S2", 100, 100), ("S3", 40, 800), ("S4", 10, 800)])


def assert_feasible(solution: Any, sinks: pd.DataFrame, sources: pd.DataFrame, fw: float) -> None:
    """Every sink gets its flow at or below its limit; every source is placed in full."""
    k = pd.DataFrame(sinks).set_index("id")
    got = solution.sinks.set_index("id").reindex(k.index)
    assert (got["freshwater_t_per_h"] + got["reused_t_per_h"]).to_numpy() == pytest.approx(
        k["flow_t_per_h"].to_numpy(), rel=1e-7, abs=1e-6
    )
    load = got["freshwater_t_per_h"] * fw
    load = load.add(
        (solution.transfers["flow_t_per_h"] * solution.transfers["ppm"])
        .groupby(solution.transfers["sink"])
        .sum(),
        fill_value=0.0,
    )
    assert (load.reindex(k.index) <= k["flow_t_per_h"] * k["ppm"] * (1 + 1e-6) + 1e-5).all()
    if len(sources):
        s = pd.DataFrame(sources).set_index("id")
        placed = solution.sources.set_index("id").reindex(s.index)
        assert (placed["reused_t_per_h"] + placed["wastewater_t_per_h"]).to_numpy() == (
            pytest.approx(s["flow_t_per_h"].to_numpy(), rel=1e-7, abs=1e-6)
        )


@pytest.mark.parametrize(
    ("sinks", "sources", "fresh", "waste", "pinch"),
    [
        (POLLEY_SINKS, POLLEY_SOURCES, 70.0, 50.0, 150.0),
        (WANG_SMITH_SINKS, WANG_SMITH_SOURCES, 90.0, 90.0, 100.0),
    ],
    ids=["polley_polley_2000", "wang_smith_1994_fixed_flow"],
)
def test_published_targets(
    sinks: list[dict[str, Any]],
    sources: list[dict[str, Any]],
    fresh: float,
    waste: float,
    pinch: float,
) -> None:
    targets = water_cascade_targets(sinks, sources)
    assert targets.freshwater_t_per_h == pytest.approx(fresh, abs=1e-9)
    assert targets.wastewater_t_per_h == pytest.approx(waste, abs=1e-9)
    assert targets.pinch_ppm == pytest.approx(pinch)
    solution = design_water_allocation(sinks, sources)
    assert solution.freshwater_t_per_h == pytest.approx(fresh, rel=1e-7)
    assert solution.wastewater_t_per_h == pytest.approx(waste, rel=1e-7)
    assert_feasible(solution, pd.DataFrame(sinks), pd.DataFrame(sources), 0.0)


def test_fixed_flow_and_fixed_load_forms_of_wang_smith_agree() -> None:
    operations = [
        {"operation_id": k["id"], "limiting_flow_t_per_h": k["flow_t_per_h"],
         "cin_max_ppm": k["ppm"], "cout_max_ppm": s["ppm"]}
        for k, s in zip(WANG_SMITH_SINKS, WANG_SMITH_SOURCES, strict=True)
    ]  # fmt: skip
    fixed_load = design_water_network(operations).freshwater_t_per_h
    fixed_flow = design_water_allocation(WANG_SMITH_SINKS, WANG_SMITH_SOURCES).freshwater_t_per_h
    assert fixed_load == pytest.approx(fixed_flow, rel=1e-7) == pytest.approx(90.0)


def test_two_plants_save_by_piping_water_between_them() -> None:
    """Polley & Polley split over two plants: the clean sources sit in plant A, the dirty
    sinks in plant B. Apart each plant needs its own cascade target; together they reach
    the 70 t/h of the whole problem, and the saving is what is piped across."""
    in_a = {"SK1", "SK2", "SR1", "SR2"}
    sinks = [{**r, "plant": "A" if r["id"] in in_a else "B"} for r in POLLEY_SINKS]
    sources = [{**r, "plant": "A" if r["id"] in in_a else "B"} for r in POLLEY_SOURCES]
    apart_target = sum(
        water_cascade_targets(
            [r for r in sinks if r["plant"] == p], [r for r in sources if r["plant"] == p]
        ).freshwater_t_per_h
        for p in ("A", "B")
    )
    # plant A: 150 t/h of sinks, sources 50 at 50 ppm and 100 at 100 ppm; plant B: 150 t/h
    # of sinks at 100/200 ppm, sources at 150/250 ppm
    apart = design_water_allocation(sinks, sources, inter_plant=False)
    together = design_water_allocation(sinks, sources)
    assert apart.freshwater_t_per_h == pytest.approx(apart_target, rel=1e-7)
    assert together.freshwater_t_per_h == pytest.approx(70.0, rel=1e-7)
    assert apart_target > 70.0 + 1.0
    assert together.totals["inter_plant_t_per_h"] > 0
    assert not apart.transfers["inter_plant"].any()
    # penalising piping heavily brings back the separate plants
    dear = design_water_allocation(sinks, sources, inter_plant_penalty=10.0)
    assert dear.freshwater_t_per_h == pytest.approx(apart_target, rel=1e-7)


def test_infeasible_and_bad_input_are_named() -> None:
    with pytest.raises(InfeasibleDesign, match="SK1"):
        design_water_allocation(POLLEY_SINKS, POLLEY_SOURCES, freshwater_ppm=30.0)
    with pytest.raises(ValueError, match="SK1"):
        water_cascade_targets(POLLEY_SINKS, POLLEY_SOURCES, freshwater_ppm=30.0)
    broken = [dict(r) for r in POLLEY_SOURCES]
    broken[2]["flow_t_per_h"] = -5
    with pytest.raises(ValueError, match="sources: 'SR3': flow_t_per_h"):
        design_water_allocation(POLLEY_SINKS, broken)
    with pytest.raises(ValueError, match="duplicate id 'SK1'"):
        water_cascade_targets([*POLLEY_SINKS, POLLEY_SINKS[0]], POLLEY_SOURCES)


@st.composite
def problems(draw: st.DrawFn) -> tuple[list[dict[str, Any]], list[dict[str, Any]], float]:
    fw = draw(st.sampled_from([0.0, 0.0, 5.0, 20.0]))
    ppm = st.floats(0.0, 500.0, allow_nan=False).map(lambda v: round(v, 1))
    flow = st.floats(0.5, 200.0, allow_nan=False).map(lambda v: round(v, 2))
    plant = st.sampled_from(["A", "B"])
    sinks = [
        {"id": f"K{i}", "flow_t_per_h": draw(flow), "ppm": fw + draw(ppm), "plant": draw(plant)}
        for i in range(draw(st.integers(1, 6)))
    ]
    sources = [
        {"id": f"S{i}", "flow_t_per_h": draw(flow), "ppm": draw(ppm), "plant": draw(plant)}
        for i in range(draw(st.integers(0, 6)))
    ]
    return sinks, sources, fw


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems())
def test_property_allocation_meets_the_cascade_target(
    case: tuple[list[dict[str, Any]], list[dict[str, Any]], float],
) -> None:
    """The LP's freshwater and wastewater equal the water cascade targets, its network is
    feasible, and keeping water inside each plant never needs less freshwater."""
    sinks, sources, fw = case
    targets = water_cascade_targets(sinks, sources, fw)
    solution = design_water_allocation(sinks, sources, fw)
    scale = max(1.0, targets.freshwater_t_per_h)
    assert solution.freshwater_t_per_h == pytest.approx(
        targets.freshwater_t_per_h, abs=1e-6 * scale
    )
    assert solution.wastewater_t_per_h == pytest.approx(
        targets.wastewater_t_per_h, abs=1e-6 * scale
    )
    assert_feasible(solution, pd.DataFrame(sinks), pd.DataFrame(sources), fw)
    apart = design_water_allocation(sinks, sources, fw, inter_plant=False)
    assert apart.freshwater_t_per_h >= solution.freshwater_t_per_h - 1e-6 * scale
    assert np.isfinite(targets.cascade["cumulative_load_kg_per_h"]).all()
    assert (targets.cascade["cumulative_load_kg_per_h"] >= -1e-9 * scale).all()
