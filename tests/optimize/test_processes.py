"""Plant processes and shared duties in the design MILP: hand-computed parks (see their
docstrings in tests/scenarios.py) to the cent, then properties of random ones."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scenarios import (
    boiler_duty,
    heat_pump_park,
    heat_pump_park_document,
    reclamation_park,
    reclamation_park_document,
)
from symbiograph.io import network_from_document
from symbiograph.match import find_candidates
from symbiograph.model import Network
from symbiograph.optimize import DesignSettings, DesignSolution, design_network

EXACT = DesignSettings(mip_gap=0.0)


def _design(
    network: Network, settings: DesignSettings = EXACT, drop: tuple[str, ...] = ()
) -> DesignSolution:
    candidates = find_candidates(network).candidates
    if drop:
        candidates = candidates[~candidates["supply_id"].isin(drop)].reset_index(drop=True)
    return design_network(network, candidates, settings)


def _flow(solution: DesignSolution, supply: str, demand: str) -> float:
    f = solution.flows
    return float(f.loc[(f["supply_id"] == supply) & (f["demand_id"] == demand), "flow"].sum())


def test_reclaimed_water_is_sold_only_as_far_as_effluent_is_received() -> None:
    solution = _design(reclamation_park())
    assert solution.optimal
    assert round(solution.net_benefit, 2) == 1_600_000.00
    assert _flow(solution, "r_reclaimed", "s_water") == pytest.approx(720_000)
    assert _flow(solution, "w_effluent", "r_effluent") == pytest.approx(800_000)
    process = solution.processes.set_index("process_id").loc["reclaim"]
    assert process["activity"] == pytest.approx(800_000)
    assert round(solution.objective["process_operating_cost"], 2) == -240_000.00
    accounts = solution.participants.set_index("organisation")
    assert round(accounts.loc["R", "as_process"], 2) == -240_000.00
    assert round(accounts.loc["R", "net_benefit"], 2) == -240_000.00
    assert accounts["net_benefit"].sum() == pytest.approx(solution.net_benefit)


def test_without_the_effluent_the_plant_sells_nothing() -> None:
    solution = _design(reclamation_park(effluent=False))
    assert solution.net_benefit == 0.0
    assert _flow(solution, "r_reclaimed", "s_water") == 0.0
    # the same park with the effluent candidate left out of the design
    dropped = _design(reclamation_park(), drop=("w_effluent",))
    assert dropped.net_benefit == 0.0


def test_without_the_process_the_model_would_sell_water_from_nothing() -> None:
    assert round(_design(reclamation_park(process=False)).net_benefit, 2) == 2_000_000.00


def test_a_plant_below_its_minimum_load_stays_off() -> None:
    doc = reclamation_park_document()
    doc["processes"][0]["min_load"] = 0.95  # 950,000 m3 of effluent, but W has 800,000
    solution = _design(network_from_document(doc))
    assert solution.net_benefit == 0.0
    assert solution.processes["activity"].iloc[0] == 0.0
    assert _flow(solution, "w_effluent", "r_effluent") == 0.0  # nothing to take it
    doc["processes"][0]["min_load"] = 0.5
    assert round(_design(network_from_document(doc)).net_benefit, 2) == 1_600_000.00


def test_the_boiler_duty_is_filled_once() -> None:
    solution = _design(boiler_duty())
    assert round(solution.net_benefit, 2) == 4_488_888.89
    assert _flow(solution, "c_steam", "f_steam") == pytest.approx(80_000)
    assert round(_flow(solution, "g_gas", "f_gas"), 2) == 22_222.22
    assert round(_design(boiler_duty(duty=False)).net_benefit, 2) == 9_600_000.00


def test_processes_and_duties_join_their_parts() -> None:
    # one candidate per batch: the effluent and the reclaimed water (and steam and gas) are
    # separate parts of the candidate graph, joined by the process (the duty)
    one_each = replace(EXACT, batch_columns=1)
    park = _design(reclamation_park(), one_each)
    assert park.parts == 1 and round(park.net_benefit, 2) == 1_600_000.00
    boiler = _design(boiler_duty(), one_each)
    assert boiler.parts == 1 and round(boiler.net_benefit, 2) == 4_488_888.89
    assert _design(boiler_duty(duty=False), one_each).parts == 2


def test_a_heat_pump_is_built_when_it_pays() -> None:
    cheap = _design(heat_pump_park(1_000_000))
    assert round(cheap.net_benefit, 2) == 218_147.79
    row = cheap.processes.set_index("process_id").loc["heat_pump"]
    assert bool(row["built"]) and row["activity"] == pytest.approx(8_000)
    assert round(row["capex"], 2) == -101_852.21
    assert _flow(cheap, "d_heat", "h_source") == pytest.approx(6_000)
    dear = _design(heat_pump_park(10_000_000))
    assert dear.net_benefit == 0.0
    assert not dear.processes["built"].iloc[0]
    assert _flow(dear, "h_heat", "g_heat") == 0.0


def test_a_budget_and_a_grant_speak_of_the_process_capex() -> None:
    network = heat_pump_park(1_000_000)
    assert _design(network, replace(EXACT, budget=100_000)).net_benefit == 0.0
    half = _design(network, replace(EXACT, capex_grant_share=0.5))
    assert round(half.net_benefit, 2) == round(320_000 - 101_852.20882315058 / 2, 2)


def test_a_priced_input_can_be_bought() -> None:
    """The utility may buy low-grade heat at 5 EUR/MWh. The heat pump is new, so today it
    buys none: what the design buys is a new cost. Without D's heat the pump buys its 6,000
    MWh: 218,147.79 - 6,000 x 5 = 188,147.79 EUR/yr (the model used to give it for free,
    218,147.79). With D's heat nothing is bought: the exchange earns back the 30,000 as the
    purchase it avoids, 218,147.79 (it used to count that purchase as avoided although it
    never happened today: 248,147.79)."""
    doc = heat_pump_park_document()
    doc["streams"][1]["price"] = 5.0
    network = network_from_document(doc)
    bought = _design(network, drop=("d_heat",))
    assert round(bought.net_benefit, 2) == 188_147.79
    assert round(bought.objective["process_input_purchase"], 2) == -30_000.00
    row = bought.processes.set_index("process_id").loc["heat_pump"]
    assert round(row["input_purchase"], 2) == -30_000.00
    assert round(row["net_benefit"], 2) == -291_852.21
    accounts = bought.participants.set_index("organisation")
    assert round(accounts.loc["H", "as_process"], 2) == -291_852.21
    assert accounts["net_benefit"].sum() == pytest.approx(bought.net_benefit)
    received = _design(network)
    assert round(received.net_benefit, 2) == 218_147.79
    assert _flow(received, "d_heat", "h_source") == pytest.approx(6_000)
    assert round(received.objective["process_input_purchase"], 2) == -30_000.00
    assert round(received.objective["avoided_virgin"], 2) == 510_000.00
    # dear heat: buying it costs more than the pump earns (60 - 20 - 0.75 x 60 < 0)
    doc["streams"][1]["price"] = 60.0
    assert _design(network_from_document(doc), drop=("d_heat",)).net_benefit == 0.0


def test_the_assessment_and_the_game_see_the_purchase() -> None:
    from symbiograph.allocate import CoalitionGame
    from symbiograph.assess import assess_design

    doc = heat_pump_park_document()
    doc["streams"][1]["price"] = 5.0
    network = network_from_document(doc)
    candidates = find_candidates(network).candidates
    candidates = candidates[candidates["supply_id"] != "d_heat"].reset_index(drop=True)
    solution = design_network(network, candidates, EXACT)
    totals = assess_design(network, candidates, solution).totals
    assert round(totals["process_input_purchase"], 2) == -30_000.00
    assert round(totals["net_benefit"], 2) == 188_147.79
    game = CoalitionGame(network, candidates, EXACT)
    assert round(float(game.shapley().sum()), 2) == 188_147.79


def test_an_existing_process_buys_as_today() -> None:
    """The cogeneration-like case: an existing process's priced input is today's purchase
    (the demand's quantity), so running it costs no purchase beyond today."""
    doc = heat_pump_park_document()
    doc["streams"][1]["price"] = 5.0
    doc["processes"][0]["status"] = "existing"
    solution = _design(network_from_document(doc), drop=("d_heat",))
    assert round(solution.net_benefit, 2) == 320_000.00
    assert solution.objective["process_input_purchase"] == 0.0


def test_individual_rationality_counts_the_process_cost() -> None:
    # the plant's owner R pays the running cost and earns nothing at zero prices, so a design
    # every organisation gains from leaves the plant idle, and with it the effluent
    solution = _design(reclamation_park(), replace(EXACT, individual_rationality=True))
    assert solution.net_benefit == 0.0
    assert solution.processes["activity"].iloc[0] == 0.0
    assert solution.participants.set_index("organisation")["net_benefit"].min() >= -1e-6


def test_kalundborg_keeps_its_figures() -> None:
    from symbiograph.datasets import kalundborg

    network = kalundborg()
    solution = design_network(network, find_candidates(network).candidates)
    # (61,930,974 since existing links are sunk and go by their documented mode: issue 11)
    assert round(solution.net_benefit) == 61_930_974
    assert round(solution.co2e_avoided_t) == 215_069
    assert solution.processes.empty
    assert list(solution.participants.columns) == [
        "organisation",
        "as_giver",
        "as_taker",
        "net_benefit",
    ]


_QUIET = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.fixture(scope="module")
def park() -> tuple[Network, pd.DataFrame]:
    """The reclamation park with room to vary (2 Mm3/yr everywhere) and its candidates."""
    doc = reclamation_park_document()
    for stream in doc["streams"]:
        stream["quantity"] = 2_000_000
    network = network_from_document(doc)
    return network, find_candidates(network).candidates


@pytest.fixture(scope="module")
def boiler() -> tuple[Network, pd.DataFrame]:
    """The boiler duty park and its candidates."""
    network = boiler_duty()
    return network, find_candidates(network).candidates


def _with_quantities(network: Network, quantities: dict[str, float]) -> pd.DataFrame:
    streams = network.streams.copy()
    for sid, q in quantities.items():
        at = streams["id"] == sid
        streams.loc[at, ["quantity", "quantity_min", "quantity_max"]] = q
    return streams


@_QUIET
@given(
    effluent=st.floats(0, 2e6),
    ratio=st.floats(0.1, 1.5),
    capacity=st.floats(1e4, 2e6),
    cost=st.floats(0, 3),
    demand=st.floats(0, 2e6),
    min_load=st.one_of(st.none(), st.floats(0, 1)),
    candidate=st.booleans(),
)
def test_outputs_never_exceed_inputs_times_ratios(
    park: tuple[Network, pd.DataFrame],
    effluent: float,
    ratio: float,
    capacity: float,
    cost: float,
    demand: float,
    min_load: float | None,
    candidate: bool,
) -> None:
    base, candidates = park
    processes = base.processes.copy()
    processes.loc[0, ["capacity", "operating_cost"]] = [capacity, cost]
    processes.loc[0, "min_load"] = np.nan if min_load is None else min_load
    if candidate:
        processes.loc[0, ["status", "capex"]] = ["candidate", 2_000_000.0]
    ports = base.process_ports.copy()
    ports.loc[ports["stream_id"] == "r_reclaimed", "ratio"] = ratio
    network = replace(
        base,
        streams=_with_quantities(base, {"w_effluent": effluent, "s_water": demand}),
        processes=processes,
        process_ports=ports,
    )
    solution = design_network(network, candidates)
    received = _flow(solution, "w_effluent", "r_effluent")
    row = solution.processes.iloc[0]
    activity = float(row["activity"])
    sold = _flow(solution, "r_reclaimed", "s_water")
    tol = 1e-6 * max(1.0, effluent, demand, capacity)
    assert activity == pytest.approx(received, abs=tol)  # what arrives is treated
    assert activity <= capacity + tol
    assert sold <= ratio * activity + tol
    assert sold <= ratio * received + tol
    if min_load is not None and activity > tol:
        assert activity >= min_load * capacity - tol
    if candidate and activity > tol:
        assert row["built"]
    # the books balance: the objective is the flows' money less the process's costs
    money = solution.flows["net_benefit"].sum() + solution.processes["net_benefit"].sum()
    assert solution.net_benefit == pytest.approx(money, rel=1e-9, abs=1e-6)
    assert solution.net_benefit >= -1e-6  # doing nothing is always possible


@_QUIET
@given(
    amount=st.floats(0, 3e5),
    steam_ratio=st.floats(0.1, 2),
    gas_ratio=st.floats(0.1, 2),
    steam=st.floats(0, 1e5),
    gas=st.floats(0, 1.5e5),
)
def test_a_duty_is_never_overfilled(
    boiler: tuple[Network, pd.DataFrame],
    amount: float,
    steam_ratio: float,
    gas_ratio: float,
    steam: float,
    gas: float,
) -> None:
    base, candidates = boiler
    duties = base.duties.assign(amount=[amount])
    members = base.duty_members.assign(ratio=[steam_ratio, gas_ratio])
    network = replace(
        base,
        streams=_with_quantities(base, {"c_steam": steam, "g_gas": gas}),
        duties=duties,
        duty_members=members,
    )
    solution = design_network(network, candidates)
    steam_in, gas_in = _flow(solution, "c_steam", "f_steam"), _flow(solution, "g_gas", "f_gas")
    assert steam_ratio * steam_in + gas_ratio * gas_in <= amount + 1e-6 * max(1.0, amount)
    # the best a duty can earn: fill it with the member worth most per unit of duty
    best = max(45 / steam_ratio, 40 / gas_ratio)
    assert solution.net_benefit <= best * amount * (1 + 1e-6) + 1e-6
    assert solution.net_benefit == pytest.approx(45 * steam_in + 40 * gas_in, rel=1e-9, abs=1e-6)


def test_the_flow_table_keeps_its_columns() -> None:
    solution = _design(reclamation_park())
    assert isinstance(solution.flows, pd.DataFrame)
    assert np.isfinite(solution.flows["flow"].to_numpy()).all()


def test_the_coalition_game_knows_the_process() -> None:
    """v(W,R) = 160,000 (the effluent treated for W's 0.50 at R's 0.30, the water wasted),
    v(R,S) = 0 (no effluent), v(N) = 1,600,000, singletons and v(W,S) = 0: Shapley W = R =
    (2 x 1,600,000 + 160,000) / 6 = 560,000 and S = 2 x 1,440,000 / 6 = 480,000."""
    from symbiograph.allocate import CoalitionGame

    network = reclamation_park()
    game = CoalitionGame(network, find_candidates(network).candidates, EXACT)
    assert sorted(game.players) == ["R", "S", "W"]
    shapley = game.shapley()
    assert round(float(shapley.sum()), 2) == 1_600_000.00
    assert round(float(shapley["W"]), 2) == 560_000.00
    assert round(float(shapley["R"]), 2) == 560_000.00
    assert round(float(shapley["S"]), 2) == 480_000.00


def test_the_assessment_counts_the_process_costs() -> None:
    from symbiograph.assess import assess_design

    network = heat_pump_park(1_000_000)
    candidates = find_candidates(network).candidates
    solution = design_network(network, candidates, EXACT)
    assessment = assess_design(network, candidates, solution)
    totals = assessment.totals
    assert round(totals["net_benefit"], 2) == 218_147.79
    assert round(totals["process_operating_cost"], 2) == -160_000.00
    assert round(totals["process_capex"], 2) == -101_852.21
    assert round(totals["capex"], 2) == 1_000_000.00  # the heat pump, links cost nothing
    accounts = assessment.participants.set_index("organisation")
    assert round(accounts.loc["H", "net_benefit"], 2) == -261_852.21
    assert accounts["net_benefit"].sum() == pytest.approx(solution.net_benefit)
    # payback: 1,000,000 / (218,147.79 + 101,852.21) = 3.125 years
    assert totals["payback_years"] == pytest.approx(3.125)


def test_the_design_report_writes_the_processes(tmp_path: Path) -> None:
    from symbiograph.report import write_design_report

    network = reclamation_park()
    solution = _design(network)
    paths = write_design_report(network, solution, tmp_path)
    table = pd.read_csv(paths["processes"])
    assert table["process_id"].tolist() == ["reclaim"]
    assert round(float(table["operating_cost"].iloc[0]), 2) == -240_000.00


@pytest.mark.parametrize(
    ("network", "total"),
    [(reclamation_park(), 1_600_000.00), (heat_pump_park(1_000_000), 218_147.79)],
    ids=["reclamation", "heat_pump"],
)
def test_the_dual_allocation_shares_the_process_park(network: Network, total: float) -> None:
    from symbiograph.allocate import CoalitionGame, dual_allocation

    game = CoalitionGame(network, find_candidates(network).candidates, EXACT)
    shares = dual_allocation(game)
    # the LP relaxation is tight here (no fixed cost binds), so the shares add up to v(N)
    assert round(float(shares.sum()), 2) == total
