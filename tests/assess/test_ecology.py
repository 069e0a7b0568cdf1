"""Ecological network analysis on graphs small enough to check by hand."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from symbiograph.assess import (
    ecological_analysis,
    finn_cycling_index,
    flow_matrix,
    link_structure,
    shannon_diversity,
    supplier_diversity,
)


def _matrix(nodes: list[str], entries: dict[tuple[str, str], float]) -> pd.DataFrame:
    m = pd.DataFrame(0.0, index=nodes, columns=nodes)
    for (i, j), v in entries.items():
        m.loc[i, j] = v
    return m


def _flows(rows: list[tuple[str, str, float, str]]) -> pd.DataFrame:
    return pd.DataFrame(
        rows, columns=["supply_organisation", "demand_organisation", "flow", "unit"]
    )


def test_chain_has_no_cycling() -> None:
    # A -> B -> C, 10 in at A: nothing comes back, every n_jj = 1
    m = _matrix(["A", "B", "C"], {("A", "B"): 10, ("B", "C"): 10})
    fci, efficiency = finn_cycling_index(m, {"A": 10})
    assert fci == 0 and (efficiency == 0).all()


def test_two_node_cycle_by_hand() -> None:
    # A -> B 10, B -> A 5, 10 imported into A. Throughflow T_A = 10 + 5 = 15, T_B = 10.
    # G_AB = 10/15 = 2/3, G_BA = 5/10 = 1/2; det(I - G) = 1 - 1/3 = 2/3, so n_AA = n_BB = 3/2
    # and each node cycles (3/2 - 1)/(3/2) = 1/3 of its throughflow: FCI = 1/3.
    m = _matrix(["A", "B"], {("A", "B"): 10, ("B", "A"): 5})
    fci, efficiency = finn_cycling_index(m, {"A": 10})
    assert fci == pytest.approx(1 / 3)
    assert efficiency["A"] == pytest.approx(1 / 3) and efficiency["B"] == pytest.approx(1 / 3)
    # imports default to what balances each node: A gives 10 and gets 5, so 5 comes in;
    # T_A = 10, T_B = 10, G_AB = 1, G_BA = 1/2: n = 1/(1 - 1/2) = 2, CE = 1/2 on both
    fci_default, _ = finn_cycling_index(m)
    assert fci_default == pytest.approx(1 / 2)


def test_closed_loop_with_exports() -> None:
    # A -> B 8, B -> A 4, B exports 4, 4 imported into A; cycle probability = (8/8)(4/8)
    m = _matrix(["A", "B"], {("A", "B"): 8, ("B", "A"): 4})
    fci, _ = finn_cycling_index(m, {"A": 4})
    assert fci == pytest.approx(0.5)


def test_connectance_of_a_complete_graph() -> None:
    nodes = ["A", "B", "C", "D"]
    everyone = {(i, j): 1.0 for i in nodes for j in nodes if i != j}
    s = link_structure(_matrix(nodes, everyone))
    assert s["nodes"] == 4 and s["links"] == 12
    assert s["connectance_no_self"] == pytest.approx(1.0)
    assert s["connectance"] == pytest.approx(12 / 16)
    assert s["linkage_density"] == pytest.approx(3.0)
    with_self = {(i, j): 1.0 for i in nodes for j in nodes}
    assert link_structure(_matrix(nodes, with_self))["connectance"] == pytest.approx(1.0)


def test_shannon_diversity_of_equal_shares() -> None:
    for k in (1, 2, 3, 7):
        assert shannon_diversity(np.full(k, 5.0)) == pytest.approx(math.log(k))
    assert shannon_diversity(np.array([1.0, 0.0])) == 0.0
    assert math.isnan(shannon_diversity(np.zeros(3)))
    # shares 1/2, 1/4, 1/4: H' = 1.5 ln 2
    assert shannon_diversity(np.array([2.0, 1.0, 1.0])) == pytest.approx(1.5 * math.log(2))


def test_supplier_diversity_per_participant() -> None:
    m = _matrix(
        ["A", "B", "C", "D"],
        {("A", "D"): 5, ("B", "D"): 5, ("C", "D"): 5, ("A", "B"): 1, ("D", "D"): 9},
    )
    d = supplier_diversity(m).set_index("organisation")
    assert d.loc["D", "suppliers"] == 3  # its own facilities are not a supplier
    assert d.loc["D", "shannon_diversity"] == pytest.approx(math.log(3))
    assert d.loc["D", "evenness"] == pytest.approx(1.0)
    assert d.loc["B", "suppliers"] == 1 and d.loc["B", "shannon_diversity"] == 0
    assert d.loc["A", "suppliers"] == 0 and math.isnan(d.loc["A", "shannon_diversity"])


def test_flow_matrix_needs_one_unit() -> None:
    flows = _flows([("A", "B", 10, "t/yr"), ("B", "A", 5, "MWh/yr"), ("A", "B", 2, "t/yr")])
    with pytest.raises(ValueError, match="several units"):
        flow_matrix(flows)
    m = flow_matrix(flows, weights={"t/yr": 1.0, "MWh/yr": 2.0})
    assert m.loc["A", "B"] == 12 and m.loc["B", "A"] == 10
    only_t = flow_matrix(flows, weights={"t/yr": 1.0, "MWh/yr": 0.0})
    assert only_t.loc["B", "A"] == 0
    with pytest.raises(KeyError, match="no weight"):
        flow_matrix(flows, weights={"t/yr": 1.0})


def test_ecological_analysis_summary() -> None:
    flows = _flows([("A", "B", 10, "t/yr"), ("B", "A", 5, "t/yr"), ("B", "C", 5, "t/yr")])
    e = ecological_analysis(flows, imports={"A": 10})
    t = e.totals
    assert t["nodes"] == 3 and t["links"] == 3
    assert t["connectance"] == pytest.approx(3 / 9)
    assert t["connectance_no_self"] == pytest.approx(3 / 6)
    assert t["linkage_density"] == pytest.approx(1.0)
    # T_A = 15, T_B = 10, T_C = 5; n_AA = n_BB = 3/2 -> cycled (15 + 10)/3
    assert t["total_system_throughflow"] == pytest.approx(30)
    assert t["finn_cycling_index"] == pytest.approx((25 / 3) / 30)
    p = e.participants.set_index("organisation")
    assert p.loc["C", "exports"] == pytest.approx(5) and p.loc["A", "imports"] == 10
    assert p.loc["B", "customers"] == 2 and p.loc["B", "throughflow"] == pytest.approx(10)


def test_empty_network() -> None:
    e = ecological_analysis(_flows([]))
    assert e.totals["nodes"] == 0 and math.isnan(e.totals["finn_cycling_index"])
