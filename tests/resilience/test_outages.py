"""Outages on a chain of three plants worked out on paper, the cascade rule, the property
rewired <= frozen, and the Kalundborg backtest (the coal phase-out at Asnæs)."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scenarios import three_plant_chain as chain
from symbiograph.errors import InputError
from symbiograph.match import find_candidates
from symbiograph.model import Network
from symbiograph.optimize import design_network
from symbiograph.resilience import betweenness, degree, outage_analysis
from symbiograph.tasks import InProcess


def _run(network: Network, **kwargs: Any) -> tuple[Any, Any]:
    candidates = find_candidates(network).candidates
    design = design_network(network, candidates)
    return design, outage_analysis(network, candidates, design, **kwargs)


def _loss(result: Any, scenario: str, reading: str) -> pd.Series:
    rows = result.losses[
        (result.losses["scenario"] == scenario) & (result.losses["reading"] == reading)
    ]
    assert len(rows) == 1, rows
    return rows.iloc[0]


def _org_loss(result: Any, scenario: str, reading: str) -> dict[str, float]:
    p = result.participants
    rows = p[(p["scenario"] == scenario) & (p["reading"] == reading)]
    return dict(zip(rows["organisation"], rows["net_benefit_loss"].round(6), strict=True))


def test_chain_design_is_as_on_paper() -> None:
    design, _ = _run(chain(), elements=[("organisation", "A")])
    assert design.net_benefit == pytest.approx(6250.0)
    flows = design.flows.set_index("candidate_id")["flow"]
    assert flows[flows > 0].sum() == pytest.approx(150.0)


def test_middle_plant_fails_frozen_and_rewired_on_paper() -> None:
    _, result = _run(chain())
    frozen = _loss(result, "organisation:B", "frozen")
    rewired = _loss(result, "organisation:B", "rewired")
    assert frozen["net_benefit_loss"] == pytest.approx(6250.0)
    assert frozen["tonnes_loss"] == pytest.approx(150.0)
    assert frozen["failed_exchanges"] == 2
    assert _org_loss(result, "organisation:B", "frozen") == {"A": 2000.0, "B": 3500.0, "C": 750.0}
    assert rewired["net_benefit_loss"] == pytest.approx(4000.0)
    assert rewired["tonnes_loss"] == pytest.approx(100.0)  # 150 t lost, 50 t A->C new
    assert _org_loss(result, "organisation:B", "rewired") == {
        "A": 1000.0,
        "B": 3500.0,
        "C": -500.0,
    }
    # the facility outage is the same as its organisation's here
    assert _loss(result, "facility:b", "rewired")["net_benefit_loss"] == pytest.approx(4000.0)
    # the new A->C flow is listed among the rewired changes
    f = result.failures
    new = f[
        (f["scenario"] == "organisation:B") & (f["reading"] == "rewired") & (f["flow_design"] == 0)
    ]
    assert list(new["supply_organisation"] + ">" + new["demand_organisation"]) == ["A>C"]
    assert new["flow_after"].iloc[0] == pytest.approx(50.0)


def test_without_the_alternative_rewired_equals_frozen() -> None:
    _, result = _run(chain(c_gypsum=None))
    assert _loss(result, "organisation:B", "frozen")["net_benefit_loss"] == pytest.approx(6250.0)
    assert _loss(result, "organisation:B", "rewired")["net_benefit_loss"] == pytest.approx(6250.0)


def test_an_outage_that_touches_no_flow_loses_nothing() -> None:
    network = chain()
    _, result = _run(network, elements=[("stream", "dc_g")])  # C's gypsum demand: unused
    for reading in ("frozen", "rewired"):
        row = _loss(result, "stream:dc_g", reading)
        assert row["net_benefit_loss"] == 0.0 and row["failed_exchanges"] == 0


def test_cascade_a_plant_without_its_input_stops_its_output() -> None:
    """B makes its ash from the gypsum it takes: when A leaves, B->C fails in round 1."""
    deps = pd.DataFrame({"supply_id": ["sb_h"], "demand_id": ["db_g"]})
    _, result = _run(chain(c_gypsum=None), elements=[("organisation", "A")], dependencies=deps)
    frozen = _loss(result, "organisation:A", "frozen")
    assert frozen["net_benefit_loss"] == pytest.approx(6250.0)
    assert frozen["cascade_rounds"] == 1
    f = result.failures[result.failures["reading"] == "frozen"].set_index("supply_organisation")
    assert f.loc["A", "round"] == 0 and f.loc["B", "round"] == 1
    assert _loss(result, "organisation:A", "rewired")["net_benefit_loss"] == pytest.approx(6250.0)

    # the same cascade from a rule (as plant processes would give it)
    def rule(starved: frozenset[str]) -> frozenset[str]:
        return frozenset({"sb_h"}) if "db_g" in starved else frozenset()

    _, ruled = _run(chain(c_gypsum=None), elements=[("organisation", "A")], cascade=rule)
    assert _loss(ruled, "organisation:A", "frozen")["cascade_rounds"] == 1
    assert _loss(ruled, "organisation:A", "rewired")["net_benefit_loss"] == pytest.approx(6250.0)
    # without the dependency, B keeps sending its ash
    _, plain = _run(chain(c_gypsum=None), elements=[("organisation", "A")])
    assert _loss(plain, "organisation:A", "frozen")["net_benefit_loss"] == pytest.approx(5000.0)


def test_dependency_at_two_facilities_is_refused() -> None:
    deps = pd.DataFrame({"supply_id": ["sa_g"], "demand_id": ["db_g"]})
    with pytest.raises(InputError, match="different facilities"):
        _run(chain(), dependencies=deps)


def test_pairs_are_screened_by_the_sum_of_their_losses() -> None:
    _, result = _run(chain(), elements=[("organisation", o) for o in "ABC"], max_pairs=1)
    pairs = result.losses[result.losses["order"] == 2]
    # frozen N-1: A 5,000, B 6,250, C 1,250: the worst pair by the bound is A + B
    assert set(pairs["scenario"]) == {"organisation:A + organisation:B"}
    assert _loss(result, "organisation:A + organisation:B", "frozen")[
        "net_benefit_loss"
    ] == pytest.approx(6250.0)


def test_criticality_ranks_money_beside_topology() -> None:
    _, result = _run(chain())
    crit = result.criticality[result.criticality["kind"] == "organisation"].set_index("element_id")
    assert crit.loc["B", "rank_frozen"] == 1 and crit.loc["B", "betweenness"] == pytest.approx(1.0)
    assert crit.loc["A", "degree"] == 1 and crit.loc["B", "degree"] == 2


def test_betweenness_matches_the_textbook_values() -> None:
    # a star: the centre lies on every path between two leaves
    nodes, edges = betweenness([("c", x) for x in "abcd" if x != "c"])
    assert nodes["c"] == pytest.approx(1.0) and nodes["a"] == 0.0
    # a path a-b-c-d: b lies on a-c and a-d of the 3 pairs without it
    nodes, edges = betweenness([("a", "b"), ("b", "c"), ("c", "d")])
    assert nodes["b"] == pytest.approx(2 / 3)
    assert edges[frozenset(("b", "c"))] == pytest.approx(4 / 6)
    assert degree([("a", "b"), ("a", "b"), ("b", "c")]) == {"a": 1, "b": 2, "c": 1}


@settings(max_examples=12)
@given(
    a_supply=st.floats(10.0, 200.0),
    c_gypsum=st.sampled_from([None, 20.0, 80.0]),
    prices=st.tuples(*[st.floats(0.0, 40.0) for _ in range(5)]),
)
def test_rewired_loss_never_exceeds_frozen(
    a_supply: float, c_gypsum: float | None, prices: tuple[float, ...]
) -> None:
    _, result = _run(chain(a_supply, c_gypsum, prices))
    wide = result.losses.pivot(index="scenario", columns="reading", values="net_benefit_loss")
    tol = 1e-6 * (1.0 + wide["frozen"].abs())
    assert (wide["rewired"] <= wide["frozen"] + tol).all(), wide
    assert (wide["rewired"] >= -tol).all(), wide


class _Recording(InProcess):
    """The in-process executor, noting the keys of the tasks handed to it."""

    def __init__(self) -> None:
        self.keys: list[str] = []

    def map(self, fn: Any, tasks: Any, **kwargs: Any) -> Any:
        self.keys.extend(kwargs.get("keys") or [])
        return super().map(fn, tasks, **kwargs)


def test_rewiring_goes_through_the_executor_seam() -> None:
    """One task per outage that touches the design (B, A, C, their facilities and the two
    exchanges); an outage that touches nothing needs no solve."""
    runner = _Recording()
    _, result = _run(chain(), executor=runner)
    touched = result.losses[
        (result.losses["reading"] == "rewired") & (result.losses["status"] != "unchanged")
    ]
    assert len(runner.keys) == len(touched) == 8
    assert len(set(runner.keys)) == len(runner.keys)


def test_partial_outage_on_paper() -> None:
    """B at 50 % for six months: a quarter of the year's A->B and B->C flows lost. Frozen:
    6,250 / 4 = 1,562.5. Rewired: A->B 75 t (3,750), B->C 37.5 t (937.5) and A's spare 25 t
    to C (25 x 45 = 1,125): 5,812.5, so 437.5 lost."""
    from symbiograph.resilience import partial_outage

    network = chain()
    candidates = find_candidates(network).candidates
    design = design_network(network, candidates)
    table = partial_outage(
        network, candidates, design, [("organisation", "B")], availability=0.5, months=6
    ).set_index("reading")
    assert table.loc["frozen", "lost_share"] == pytest.approx(0.25)
    assert table.loc["frozen", "net_benefit_loss"] == pytest.approx(1562.5)
    assert table.loc["frozen", "tonnes_loss"] == pytest.approx(37.5)
    assert table.loc["rewired", "net_benefit_loss"] == pytest.approx(437.5)
    assert table.loc["rewired", "tonnes_loss"] == pytest.approx(12.5)
    with pytest.raises(InputError):
        partial_outage(network, candidates, design, [("organisation", "B")], availability=1.5)
