"""The diversity-based resilience index (after Fraccascia, Giannoccaro and Albino 2017) on a
tiny network worked out by hand, and beside degree and betweenness in the criticality
ranking."""

from __future__ import annotations

import pytest

from scenarios import three_plant_chain
from symbiograph.match import find_candidates
from symbiograph.optimize import design_network
from symbiograph.resilience import diversity_resilience, outage_analysis


def test_diversity_index_on_paper() -> None:
    """A gives r1 to B, and C also makes r1 (not exchanged); B gives r2 to D. E = 2.

    A removed: B loses its r1 input but C makes r1 too: 1/(1 + 1) = 1/2; R_A = 1 - 0.5/2 =
    0.75. B removed: A's r1 outlet has no other user (1) and D's r2 input no other maker
    (1): R_B = 1 - 2/2 = 0. D removed: B's r2 outlet has no other user: R_D = 1 - 1/2 = 0.5.
    Exchange e1 alone: (1/2 + 1)/2 = 0.75 unreplaced, R = 1 - 0.75/2 = 0.625; e2: (1 + 1)/2,
    R = 0.5. C exchanges nothing, so it is no node of the exchange graph."""
    exchanges = [("A", "B", "r1", "e1"), ("B", "D", "r2", "e2")]
    producers = {"r1": {"A", "C"}, "r2": {"B"}}
    users = {"r1": {"B"}, "r2": {"D"}}
    nodes, edges = diversity_resilience(exchanges, producers, users)
    assert nodes == pytest.approx({"A": 0.75, "B": 0.0, "D": 0.5})
    assert edges == pytest.approx({"e1": 0.625, "e2": 0.5})


def test_a_second_user_makes_the_giver_safer() -> None:
    """One exchange A -> B of r; a second user E of r halves the giver's unreplaced outlet:
    removing B then loses 1/(1 + 1) of the one exchange: R_B = 0.5; A still 0 (B has no
    other maker)."""
    nodes, edges = diversity_resilience([("A", "B", "r", "e")], {"r": {"A"}}, {"r": {"B", "E"}})
    assert nodes == pytest.approx({"A": 0.0, "B": 0.5})
    assert edges["e"] == pytest.approx(1 - 0.75)
    empty_nodes, empty_edges = diversity_resilience([], {}, {})
    assert empty_nodes == {} and empty_edges == {}


def test_criticality_has_the_diversity_index_beside_degree_and_betweenness() -> None:
    network = three_plant_chain()
    candidates = find_candidates(network).candidates
    design = design_network(network, candidates)
    crit = outage_analysis(network, candidates, design, rewired=False).criticality
    assert {"degree", "betweenness", "diversity_index", "rank_diversity"} <= set(crit.columns)
    assert crit["diversity_index"].between(0.0, 1.0).all()
    orgs = crit[crit["kind"] == "organisation"].set_index("element_id")
    # the lowest index ranks first
    worst = orgs["diversity_index"].idxmin()
    assert orgs.loc[worst, "rank_diversity"] == 1
