"""The seeded fixed-charge region: same seed same tables, the share of pipelines asked
for, one connected part, and candidates design_network takes as they are."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from symbiograph.datasets import fixed_charge_region
from symbiograph.match import CANDIDATE_COLUMNS
from symbiograph.optimize import DesignSettings
from symbiograph.optimize._design import design_problem, independent_parts


def test_same_seed_same_tables_other_seed_other_tables() -> None:
    net_a, cand_a = fixed_charge_region(60, 50, 900, seed=4)
    net_b, cand_b = fixed_charge_region(60, 50, 900, seed=4)
    pd.testing.assert_frame_equal(cand_a, cand_b)
    pd.testing.assert_frame_equal(net_a.streams, net_b.streams)
    pd.testing.assert_frame_equal(net_a.facilities, net_b.facilities)
    _, cand_c = fixed_charge_region(60, 50, 900, seed=5)
    assert not cand_a["fixed_cost_per_yr"].equals(cand_c["fixed_cost_per_yr"])


def test_share_of_fixed_charge_links_and_size() -> None:
    net, cand = fixed_charge_region(200, 200, 5000, fixed_share=0.8, seed=0)
    assert list(cand.columns) == CANDIDATE_COLUMNS
    assert len(cand) >= 5000  # a bridge may be added to join a part left apart
    assert len(cand) <= 5000 + 200
    assert cand["candidate_id"].is_unique
    assert not cand.duplicated(["supply_id", "demand_id"]).any()
    fixed = cand["fixed_cost_per_yr"] > 0
    assert abs(fixed.mean() - 0.8) < 0.03
    assert (cand.loc[fixed, "mode"] == "pipeline").all()
    assert (cand.loc[~fixed, "mode"] == "truck").all()
    # a pipe is sized above what either end could send, so only the tight bound is tight
    quantity = net.streams.set_index("id")["quantity"]
    ends = np.minimum(
        quantity.reindex(cand["supply_id"]).to_numpy(),
        quantity.reindex(cand["demand_id"]).to_numpy(),
    )
    assert (cand.loc[fixed, "max_flow"].to_numpy() > ends[fixed.to_numpy()]).all()
    # every pipe could pay if it ran full, and none pays at a fifth of that
    full = cand["net_benefit_per_unit"] * ends - cand["fixed_cost_per_yr"]
    assert (full[fixed] > 0).mean() > 0.95
    assert (cand["net_benefit_per_unit"] * ends * 0.2 - cand["fixed_cost_per_yr"])[fixed].max() < 0


@settings(max_examples=10, deadline=None)
@given(
    ns=st.integers(1, 40),
    nd=st.integers(1, 40),
    density=st.floats(0.05, 1.0),
    seed=st.integers(0, 10_000),
)
def test_one_connected_part(ns: int, nd: int, density: float, seed: int) -> None:
    links = min(ns * nd, max(nd, int(density * ns * nd)))
    net, cand = fixed_charge_region(ns, nd, links, seed=seed)
    problem = design_problem(net, cand, DesignSettings())
    assert len(np.unique(independent_parts(problem))) == 1
    assert set(cand["demand_id"]) == set(net.demands["id"])  # every demand is offered


def test_full_size_is_one_part_with_most_links_fixed_charge() -> None:
    net, cand = fixed_charge_region(seed=0)
    assert len(net.supplies) == 2000 and len(net.demands) == 2000
    assert 50_000 <= len(cand) <= 50_100
    assert abs((cand["fixed_cost_per_yr"] > 0).mean() - 0.8) < 0.01
    problem = design_problem(net, cand, DesignSettings())
    assert len(np.unique(independent_parts(problem))) == 1


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"n_supplies": 0}, "at least one"),
        ({"n_links": 10, "n_demands": 20}, "n_links"),
        ({"n_supplies": 2, "n_demands": 2, "n_links": 5}, "n_links"),
        ({"fixed_share": 1.5}, "fixed_share"),
        ({"seed": -1}, "seed"),
    ],
)
def test_bad_arguments_are_named(kwargs: dict, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        fixed_charge_region(**kwargs)
