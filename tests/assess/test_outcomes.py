"""Outcome figures of candidates (what the deal pipeline records for a synergy taken from a
candidate): by hand on the gypsum trio, and equal to the design assessment's figures for the
exchanges a design builds."""

from __future__ import annotations

import numpy as np
import pytest

from scenarios import gypsum_trio
from symbiograph.assess import OUTCOME_COLUMNS, assess_design, candidate_outcomes
from symbiograph.errors import InputError
from symbiograph.match import find_candidates
from symbiograph.optimize import design_network


def test_by_hand_on_the_gypsum_trio() -> None:
    """A's 100 t of gypsum to B: 20 EUR/t disposal avoided + 30 EUR/t virgin avoided, no
    transport, no link cost: 5,000 EUR/yr and 100 t of virgin gypsum avoided; at 40 t,
    2,000 EUR/yr and 40 t."""
    network = gypsum_trio()
    candidates = find_candidates(network).candidates.sort_values("demand_id")
    full = candidate_outcomes(network, candidates).set_index("candidate_id")
    to_b = full.loc[candidates.loc[candidates["demand_id"] == "db", "candidate_id"].iloc[0]]
    assert to_b["flow"] == 100.0
    assert to_b["net_benefit"] == pytest.approx(5000.0)
    assert to_b["virgin_material_avoided_t"] == pytest.approx(100.0)
    assert to_b["water_saved_m3"] == 0.0 and to_b["energy_recovered_mwh"] == 0.0
    assert to_b["landfill_diverted_t"] == 0.0  # A's gypsum is not landfilled today
    assert to_b["jobs"] > 0
    part = candidate_outcomes(network, candidates, np.array([40.0, 40.0]))
    assert part["net_benefit"].tolist() == pytest.approx([2000.0, 1800.0])
    assert part["jobs"].to_numpy() == pytest.approx(full["jobs"].to_numpy() * 0.4)
    assert list(part.columns) == ["candidate_id", *OUTCOME_COLUMNS]
    for bad in (np.array([1.0]), np.array([np.nan, 1.0]), np.array([-1.0, 1.0])):
        with pytest.raises(InputError, match="flow"):
            candidate_outcomes(network, candidates, bad)


def test_the_same_figures_as_the_design_assessment() -> None:
    network = gypsum_trio(pairs=2)
    candidates = find_candidates(network).candidates
    solution = design_network(network, candidates)
    assessment = assess_design(network, candidates, solution).exchanges.set_index("candidate_id")
    flows = solution.flows.set_index("candidate_id")["flow"]
    chosen = candidates[candidates["candidate_id"].isin(assessment.index)]
    ours = candidate_outcomes(
        network, chosen, flows.loc[chosen["candidate_id"]].to_numpy()
    ).set_index("candidate_id")
    assert len(ours) == 2  # A -> B and D -> E are built
    for column in (
        "flow",
        "net_benefit",
        "co2e_avoided_t",
        "landfill_diverted_t",
        "virgin_material_avoided_t",
        "water_saved_m3",
        "energy_recovered_mwh",
        "jobs",
    ):
        assert ours[column].to_numpy() == pytest.approx(
            assessment.loc[ours.index, column].to_numpy(), rel=1e-9, abs=1e-9
        ), column
