"""Property: a Monte Carlo whose every input has zero spread (any distribution kind, any
centre equal to the scenario's own value) gives every participant exactly the design's
result, in every draw, whatever the links cost."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scenarios import three_plant_chain
from symbiograph.match import find_candidates
from symbiograph.optimize import design_network
from symbiograph.resilience import Distribution, UncertainInput, monte_carlo


@pytest.fixture(scope="module")
def chain() -> tuple[Any, pd.DataFrame]:
    network = three_plant_chain()
    return network, find_candidates(network).candidates


def _degenerate(kind: str) -> Distribution:
    """A factor of 1 with no spread, as each kind writes it."""
    return {
        "fixed": Distribution.fixed(1.0),
        "normal": Distribution.normal(1.0, 0.0),
        "lognormal": Distribution.lognormal(1.0, 0.0),
        "triangular": Distribution.triangular(1.0, 1.0, 1.0),
        "empirical": Distribution.empirical([1.0, 1.0]),
    }[kind]


kinds = st.sampled_from(["fixed", "normal", "lognormal", "triangular", "empirical"])


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    capex=st.lists(st.floats(0.0, 4000.0, allow_nan=False), min_size=3, max_size=3),
    price_kind=kinds,
    volume_kind=kinds,
    carbon_kind=kinds,
    seed=st.integers(0, 2**16),
)
def test_zero_variance_monte_carlo_is_the_deterministic_design(
    chain: Any, capex: list[float], price_kind: str, volume_kind: str, carbon_kind: str, seed: int
) -> None:
    network, candidates = chain
    c = candidates.copy()
    c["capex_per_yr"] = capex
    design = design_network(network, c)
    inputs = [
        UncertainInput("g", "price", _degenerate(price_kind), ("g",)),
        UncertainInput("h", "volume", _degenerate(volume_kind), ("h",)),
        UncertainInput("carbon", "carbon_price", _degenerate(carbon_kind)),
    ]
    result = monte_carlo(network, c, design, inputs, draws=8, seed=seed, sensitivity=False)
    expected = design.participants.set_index("organisation")["net_benefit"]
    summary = result.summary.set_index("organisation")
    for org, value in expected.items():
        assert summary.loc[org, "mean"] == pytest.approx(value, abs=1e-6)
        assert summary.loc[org, "sd"] == pytest.approx(0.0, abs=1e-6)
    assert summary.loc["(total)", "mean"] == pytest.approx(design.net_benefit, abs=1e-6)
