"""Monte Carlo with the design as built: zero variance gives the deterministic result, price
factors re-price exactly as on paper, volumes below the design's flows scale them down, the
copula correlates, the draws are seeded, and the sensitivity names the input that matters."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from scenarios import three_plant_chain as chain
from symbiograph.errors import InputError
from symbiograph.match import find_candidates
from symbiograph.optimize import design_network
from symbiograph.resilience import Distribution, UncertainInput, monte_carlo, sample_inputs


@pytest.fixture(scope="module")
def chain_design() -> tuple[Any, Any, Any]:
    network = chain()
    candidates = find_candidates(network).candidates
    return network, candidates, design_network(network, candidates)


def _mean(result: Any, org: str) -> float:
    return float(result.summary.set_index("organisation").loc[org, "mean"])


def test_zero_variance_equals_the_deterministic_design(chain_design: Any) -> None:
    network, candidates, design = chain_design
    inputs = [
        UncertainInput("gypsum", "price", Distribution.normal(1.0, 0.0), ("g",)),
        UncertainInput("ash_volume", "volume", Distribution.triangular(1, 1, 1), ("sb_h",)),
        UncertainInput("carbon", "carbon_price", Distribution.lognormal(1.0, 0.0)),
        UncertainInput("virgin_ash", "price", Distribution.empirical([15.0]), ("dc_h",), "value"),
    ]
    result = monte_carlo(network, candidates, design, inputs, draws=20, seed=3)
    expected = design.participants.set_index("organisation")["net_benefit"]
    summary = result.summary.set_index("organisation")
    for org, value in expected.items():
        for column in ("mean", "p05", "p95", "value_at_risk", "cvar"):
            assert summary.loc[org, column] == pytest.approx(value)
        assert summary.loc[org, "sd"] == pytest.approx(0.0, abs=1e-9)
    assert summary.loc["(total)", "mean"] == pytest.approx(design.net_benefit)
    assert (summary["prob_worse_off"] == 0.0).all()
    assert (result.sensitivity["first_order"] == 0.0).all()


def test_price_factors_reprice_as_on_paper(chain_design: Any) -> None:
    """Gypsum prices halved: A gets 100 t x 10 = 1,000, B pays half as much for virgin
    gypsum, so its avoided purchase is 100 x 15 = 1,500 plus its 500 from ash: 2,000."""
    network, candidates, design = chain_design
    inputs = [UncertainInput("gypsum", "price", Distribution.fixed(0.5), ("g",))]
    result = monte_carlo(network, candidates, design, inputs, draws=3)
    assert _mean(result, "A") == pytest.approx(1000.0)
    assert _mean(result, "B") == pytest.approx(2000.0)
    assert _mean(result, "C") == pytest.approx(750.0)


def test_a_volume_below_the_design_scales_its_flows(chain_design: Any) -> None:
    """A's gypsum at 60 t: A->B carries 60 t, A gets 1,200 and B 60 x 30 + 500 = 2,300."""
    network, candidates, design = chain_design
    inputs = [UncertainInput("a", "volume", Distribution.fixed(60.0), ("sa_g",), "value")]
    result = monte_carlo(network, candidates, design, inputs, draws=2)
    assert _mean(result, "A") == pytest.approx(1200.0)
    assert _mean(result, "B") == pytest.approx(2300.0)
    # more volume than the design carries changes nothing: the links are built for its flows
    more = [UncertainInput("a", "volume", Distribution.fixed(2.0), ("sa_g",))]
    assert _mean(monte_carlo(network, candidates, design, more, draws=2), "A") == pytest.approx(
        2000.0
    )


def test_risk_measures_and_worse_off(chain_design: Any) -> None:
    """C's ash price as a normal around -0.5 of today's: C loses in most draws."""
    network, candidates, design = chain_design
    inputs = [
        UncertainInput("ash", "price", Distribution.normal(-0.5, 1.0), ("dc_h",)),
        UncertainInput("gypsum", "price", Distribution.normal(1.0, 0.01), ("g",)),
    ]
    result = monte_carlo(network, candidates, design, inputs, draws=400, seed=1, level=0.9)
    c = result.summary.set_index("organisation").loc["C"]
    assert c["cvar"] <= c["value_at_risk"] <= c["p50"]
    assert 0.55 < c["prob_worse_off"] < 0.8  # P(N(-0.5, 1) < 0) = 0.69
    sens = result.sensitivity[result.sensitivity["organisation"] == "C"].set_index("input")
    assert sens.loc["ash", "first_order"] > 0.9 and sens.loc["gypsum", "first_order"] < 0.05


def test_draws_are_seeded_and_correlated() -> None:
    inputs = [
        UncertainInput("gas", "price", Distribution.normal(1.0, 0.2), ("x",)),
        UncertainInput("power", "price", Distribution.lognormal(1.0, 0.2), ("y",)),
    ]
    corr = pd.DataFrame([[1.0, 0.8], [0.8, 1.0]], index=["gas", "power"], columns=["gas", "power"])
    a = sample_inputs(inputs, 2000, seed=7, correlation=corr)
    b = sample_inputs(inputs, 10, seed=7, correlation=corr)
    pd.testing.assert_frame_equal(a.iloc[:10], b)  # draw k depends only on seed and k
    rho = np.corrcoef(a["gas"], np.log(a["power"]))[0, 1]
    assert rho == pytest.approx(0.8, abs=0.05)
    assert not sample_inputs(inputs, 10, seed=8).equals(sample_inputs(inputs, 10, seed=7))


def test_bad_inputs_are_refused(chain_design: Any) -> None:
    network, candidates, design = chain_design
    with pytest.raises(InputError, match="triangular"):
        Distribution.triangular(2, 1, 3)
    with pytest.raises(InputError, match="positive semi-definite"):
        sample_inputs(
            [UncertainInput(n, "carbon_price", Distribution.normal(1, 1)) for n in "abc"],
            5,
            correlation=np.array([[1, 0.9, -0.9], [0.9, 1, 0.9], [-0.9, 0.9, 1]]),
        )
    nowhere = [UncertainInput("x", "price", Distribution.fixed(1.0), ("no_such",))]
    with pytest.raises(InputError, match="no_such"):
        monte_carlo(network, candidates, design, nowhere, draws=2)


def test_reoptimised_draws_at_zero_variance_equal_the_design(chain_design: Any) -> None:
    network, candidates, design = chain_design
    inputs = [UncertainInput("gypsum", "price", Distribution.fixed(1.0), ("g",))]
    result = monte_carlo(network, candidates, design, inputs, draws=2, reoptimise=True)
    total = result.draws[result.draws["organisation"] == "(total)"]
    assert np.allclose(total["net_benefit_reoptimised"], design.net_benefit)
