"""The two-stage stochastic design: a two-scenario case whose VSS and EVPI are worked out on
paper, and the properties every stochastic design has (RP >= EEV, WS >= RP, zero variance
gives the deterministic design)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scenarios import three_plant_chain, two_plants
from symbiograph.errors import InputError
from symbiograph.io import network_from_document
from symbiograph.match import find_candidates
from symbiograph.optimize import design_network
from symbiograph.resilience import (
    Distribution,
    UncertainInput,
    scenario_table,
    stochastic_design,
)


@pytest.fixture(scope="module")
def one_link() -> tuple[Any, pd.DataFrame]:
    """The two plants (P offers 100 kt gypsum, B takes 80 kt) with one candidate priced by
    hand: the taker saves 100 EUR/t of virgin gypsum at today's price and pays 40 EUR/t
    transport; no disposal saving, no CO2e; the link costs 3.6 MEUR/yr once built."""
    network = network_from_document(two_plants({"carbon_price": 0.0, "landfill_tax": 0.0}))
    c = find_candidates(network).candidates.iloc[:1].copy()
    c["disposal_price_per_unit"] = 0.0
    c["avoided_virgin_per_unit"] = 100.0
    c["transport_cost_per_unit"] = 40.0
    c["treatment_cost_per_unit"] = 0.0
    c["capex_per_yr"] = 3_600_000.0
    c["co2e_t_per_unit"] = 0.0
    c["landfill_diverted"] = False
    return network, c


VIRGIN = [UncertainInput("virgin", "price", Distribution.empirical([1.4, 0.2]), ("d1",))]


def test_two_scenarios_vss_and_evpi_on_paper(one_link: Any) -> None:
    """Two equally likely virgin-gypsum prices: factor 1.4 (saving 140 - 40 = 100 EUR/t) or
    0.2 (20 - 40 = -20 EUR/t, so nothing is sent). 80 kt can flow; the link costs 3.6 M.

    Mean-value design: mean factor 0.8, 80 - 40 = 40 EUR/t, 80 kt x 40 = 3.2 M < 3.6 M: build
    nothing, so EEV = 0 (and the mean-value objective 0).
    Stochastic design: build; scenario 1 sends 80 kt: 8.0 M - 3.6 M = 4.4 M; scenario 2 sends
    nothing: -3.6 M; RP = (4.4 - 3.6) / 2 = 0.4 M > 0 (not building gives 0). VSS = RP - EEV
    = 0.4 M EUR/yr.
    Wait and see: build in scenario 1 only: WS = 4.4 / 2 = 2.2 M; EVPI = WS - RP = 1.8 M.
    CVaR at 50 %: the worse half, -3.6 M for the stochastic design, 0 for the mean-value."""
    network, c = one_link
    table = pd.DataFrame({"virgin": [1.4, 0.2]})
    r = stochastic_design(network, c, VIRGIN, table=table, cvar_level=0.5)
    s = r.summary
    assert s["expected_mean_value"] == pytest.approx(0.0, abs=1e-6)
    assert s["mean_value_objective"] == pytest.approx(0.0, abs=1e-6)
    assert s["expected_stochastic"] == pytest.approx(400_000.0)
    assert r.vss == pytest.approx(400_000.0)
    assert s["wait_and_see"] == pytest.approx(2_200_000.0)
    assert r.evpi == pytest.approx(1_800_000.0)
    assert s["cvar_stochastic"] == pytest.approx(-3_600_000.0)
    assert s["cvar_mean_value"] == pytest.approx(0.0, abs=1e-6)
    assert r.values["stochastic"].tolist() == pytest.approx([4_400_000.0, -3_600_000.0])
    assert r.built["stochastic"].tolist() == [True]
    assert r.built["mean_value"].tolist() == [False]


def test_a_cvar_weight_buys_safety(one_link: Any) -> None:
    """With the CVaR (50 %) weighted 1: building scores 0.4 M + (-3.6 M) < 0 = not building,
    so the risk-averse design builds nothing and equals the mean-value design (VSS 0)."""
    network, c = one_link
    table = pd.DataFrame({"virgin": [1.4, 0.2]})
    r = stochastic_design(network, c, VIRGIN, table=table, cvar_weight=1.0, cvar_level=0.5)
    assert r.built["stochastic"].tolist() == [False]
    assert r.summary["expected_stochastic"] == pytest.approx(0.0, abs=1e-6)
    assert r.vss == pytest.approx(0.0, abs=1e-6)


def test_unequal_probabilities_and_out_of_sample(one_link: Any) -> None:
    """Scenario 2 at probability 0.9: RP of building = 0.1 x 4.4 - 0.9 x 3.6 < 0, so the
    stochastic design builds nothing either; the out-of-sample draws value both designs."""
    network, c = one_link
    table = pd.DataFrame({"virgin": [1.4, 0.2], "probability": [0.1, 0.9]})
    r = stochastic_design(network, c, VIRGIN, table=table, evaluate=5, wait_and_see=False)
    assert r.built["stochastic"].tolist() == [False]
    assert np.isnan(r.evpi)
    assert len(r.evaluation) == 5
    assert r.summary["out_of_sample_stochastic"] == pytest.approx(0.0, abs=1e-6)


def test_bad_tables_are_refused(one_link: Any) -> None:
    network, c = one_link
    with pytest.raises(InputError, match="lacks a column"):
        stochastic_design(network, c, VIRGIN, table=pd.DataFrame({"x": [1.0]}))
    with pytest.raises(InputError, match="row 2, virgin"):
        stochastic_design(network, c, VIRGIN, table=pd.DataFrame({"virgin": [1.0, np.nan]}))
    with pytest.raises(InputError, match="sum to 1"):
        stochastic_design(
            network, c, VIRGIN, table=pd.DataFrame({"virgin": [1.0], "probability": [0.5]})
        )
    with pytest.raises(InputError, match="no organisation"):
        stochastic_design(
            network, c, VIRGIN, table=pd.DataFrame({"virgin": [1.0], "available:Z": [1.0]})
        )


def test_outages_are_sampled_per_organisation(one_link: Any) -> None:
    network, c = one_link
    table = scenario_table(network, c, VIRGIN, 40, seed=2, outage_probability=0.25)
    up = table[["available:B", "available:P"]].to_numpy()
    assert set(np.unique(up)) <= {0.0, 1.0} and 0 < (up == 0).sum() < up.size
    again = scenario_table(network, c, VIRGIN, 40, seed=2, outage_probability=0.25)
    pd.testing.assert_frame_equal(table, again)


@pytest.fixture(scope="module")
def chain() -> tuple[Any, pd.DataFrame]:
    network = three_plant_chain()
    return network, find_candidates(network).candidates


CHAIN_INPUTS = [
    UncertainInput("g_b", "price", Distribution.fixed(1.0), ("db_g",)),
    UncertainInput("g_c", "price", Distribution.fixed(1.0), ("dc_g",)),
    UncertainInput("h_c", "price", Distribution.fixed(1.0), ("dc_h",)),
    UncertainInput("a_volume", "volume", Distribution.fixed(1.0), ("sa_g",)),
]
factor = st.floats(0.0, 2.0, allow_nan=False)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    capex=st.lists(st.floats(0.0, 4000.0, allow_nan=False), min_size=3, max_size=3),
    rows=st.lists(st.tuples(factor, factor, factor, factor), min_size=2, max_size=3),
    weights=st.lists(st.floats(0.05, 1.0), min_size=3, max_size=3),
    up=st.lists(st.booleans(), min_size=3, max_size=3),
)
def test_stochastic_beats_the_mean_value_design_and_perfect_information_beats_both(
    chain: Any,
    capex: list[float],
    rows: list[tuple[float, ...]],
    weights: list[float],
    up: list[bool],
) -> None:
    network, candidates = chain
    c = candidates.copy()
    c["capex_per_yr"] = capex
    table = pd.DataFrame(rows, columns=[i.name for i in CHAIN_INPUTS])
    p = np.asarray(weights[: len(table)])
    table["probability"] = p / p.sum()
    table["available:B"] = [1.0 if u else 0.0 for u in up[: len(table)]]
    r = stochastic_design(network, c, CHAIN_INPUTS, table=table)
    s = r.summary
    scale = 1.0 + abs(float(s["wait_and_see"]))
    assert s["status"] == "optimal"
    assert s["expected_stochastic"] >= s["expected_mean_value"] - 1e-3 * scale
    assert r.vss >= -1e-3 * scale
    assert s["wait_and_see"] >= s["expected_stochastic"] - 1e-3 * scale
    assert r.evpi >= -1e-3 * scale


@settings(
    max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    capex=st.lists(st.floats(0.0, 4000.0, allow_nan=False), min_size=3, max_size=3),
    copies=st.integers(1, 4),
)
def test_zero_variance_is_the_deterministic_design(
    chain: Any, capex: list[float], copies: int
) -> None:
    """Every scenario the scenario as given: the stochastic design is the deterministic one,
    with nothing to gain from the stochastic solution or from perfect information."""
    network, candidates = chain
    c = candidates.copy()
    c["capex_per_yr"] = capex
    table = pd.DataFrame(
        [[1.0] * len(CHAIN_INPUTS)] * copies, columns=[i.name for i in CHAIN_INPUTS]
    )
    r = stochastic_design(network, c, CHAIN_INPUTS, table=table)
    deterministic = design_network(network, c).net_benefit
    scale = 1.0 + abs(deterministic)
    assert r.summary["expected_stochastic"] == pytest.approx(deterministic, abs=1e-3 * scale)
    assert r.summary["expected_mean_value"] == pytest.approx(deterministic, abs=1e-3 * scale)
    assert r.vss == pytest.approx(0.0, abs=1e-3 * scale)
    assert r.evpi == pytest.approx(0.0, abs=1e-3 * scale)


def test_a_candidate_process_is_a_first_stage_decision() -> None:
    """The heat pump of the heat-pump park is a candidate process: its switch is decided in
    the first stage, and with every scenario as given the design is the deterministic one."""
    from scenarios import heat_pump_park

    network = heat_pump_park()
    c = find_candidates(network).candidates
    deterministic = design_network(network, c)
    one = [UncertainInput("v", "volume", Distribution.fixed(1.0), (str(network.streams["id"][0]),))]
    r = stochastic_design(network, c, one, table=pd.DataFrame({"v": [1.0, 1.0]}))
    built = r.built.set_index(["group", "id"])
    assert bool(built.loc[("process_switch", "heat_pump"), "stochastic"])
    assert r.summary["expected_stochastic"] == pytest.approx(deterministic.net_benefit, rel=1e-6)


def test_scenario_models_and_wait_and_see_go_through_the_executor_seam(one_link: Any) -> None:
    """One task per scenario model and one per scenario designed alone; progress told."""
    from symbiograph.tasks import InProcess

    class Recording(InProcess):
        def __init__(self) -> None:
            self.keys: list[str] = []

        def map(self, fn: Any, tasks: Any, **kwargs: Any) -> Any:
            self.keys.extend(kwargs.get("keys") or [])
            return super().map(fn, tasks, **kwargs)

    network, c = one_link
    runner, told = Recording(), []
    table = pd.DataFrame({"virgin": [1.4, 0.2]})
    r = stochastic_design(
        network, c, VIRGIN, table=table, executor=runner, progress=lambda d, t: told.append(d)
    )
    assert runner.keys == ["scenario-1", "scenario-2", "alone-1", "alone-2"]
    assert told == [1, 2, 1, 2]
    assert r.vss == pytest.approx(400_000.0)


@pytest.fixture(scope="module")
def two_sources() -> tuple[Any, pd.DataFrame]:
    """B (80 kt/yr of gypsum) can take it from P (net 60 EUR/t: saves 100, transport 40; its
    link 1.0 MEUR/yr) or from Q (net 20 EUR/t: transport 80; its link 0.3 MEUR/yr). No
    disposal saving, no CO2e: each candidate's economics set by hand."""
    document = two_plants({"carbon_price": 0.0, "landfill_tax": 0.0})
    document["facilities"].append(
        {
            "id": "power2",
            "name": "Second power",
            "organisation": "Q",
            "nace_code": "35.11",
            "lat": 54.95,
            "lon": 11.0,
        }
    )
    second = dict(document["streams"][0], id="s2", facility_id="power2")
    document["streams"].append(second)
    network = network_from_document(document)
    c = find_candidates(network).candidates
    c = c[c["demand_id"] == "d1"].sort_values("supply_id").reset_index(drop=True)
    assert c["supply_id"].tolist() == ["s1", "s2"]
    c["disposal_price_per_unit"] = 0.0
    c["avoided_virgin_per_unit"] = 100.0
    c["transport_cost_per_unit"] = [40.0, 80.0]
    c["treatment_cost_per_unit"] = 0.0
    c["capex_per_yr"] = [1_000_000.0, 300_000.0]
    c["co2e_t_per_unit"] = 0.0
    c["landfill_diverted"] = False
    return network, c


def test_a_backup_supply_is_built_where_it_pays(two_sources: Any) -> None:
    """Backup supply as a design option: P is out with probability 0.25.

    Deterministic (everyone there): P alone earns 80 kt x 60 - 1.0 M = 3.8 M; adding Q's
    link only costs 0.3 M more (3.5 M); so the deterministic design builds P's link only.
    Stochastic: P alone: 0.75 x 3.8 M + 0.25 x (-1.0 M) = 2.6 M; Q alone: 80 kt x 20 - 0.3 M
    = 1.3 M; both: P's link when P runs (3.5 M), Q's when it is out (1.6 - 1.3 = 0.3 M):
    0.75 x 3.5 + 0.25 x 0.3 = 2.7 M, the best; so the stochastic design buys Q's link as a
    backup, which carries nothing while P runs. VSS against the deterministic design on the
    same scenarios: 2.7 - 2.6 = 0.1 M EUR/yr."""
    network, c = two_sources
    deterministic = design_network(network, c)
    built = deterministic.flows.set_index("supply_id")["built"].astype(bool)
    assert built.to_dict() == {"s1": True, "s2": False}
    assert deterministic.net_benefit == pytest.approx(3_800_000.0)
    table = pd.DataFrame({"available:P": [1.0, 0.0], "probability": [0.75, 0.25]})
    r = stochastic_design(network, c, [], table=table, wait_and_see=False)
    links = r.built[r.built["group"] == "build"]
    assert links["stochastic"].tolist() == [True, True]
    assert r.values["stochastic"].tolist() == pytest.approx([3_500_000.0, 300_000.0])
    assert r.summary["expected_stochastic"] == pytest.approx(2_700_000.0)
    assert r.values["mean_value"].tolist() == pytest.approx([3_800_000.0, -1_000_000.0])
    assert r.vss == pytest.approx(100_000.0)
