"""Green technologies of the shipped catalogue sited as candidate processes: the design
builds and sizes them when they pay (hand-checked parks, see tests/scenarios.py), their
results reach the assessment and the report, and random parks never let a technology make
more than its capacity or its inputs allow."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scenarios import _free_transport, heat_pump_site, plant
from symbiograph.assess import assess_design
from symbiograph.io import network_from_document
from symbiograph.match import annuity_factor, find_candidates
from symbiograph.model import Network
from symbiograph.optimize import DesignSettings, DesignSolution, design_network
from symbiograph.report import write_design_report
from symbiograph.taxonomy import technology_ports

EXACT = DesignSettings(mip_gap=0.0)
#: One MW of the catalogue's heat pump per year: capex annuity (8 %, 25 yr) + fixed O&M.
PER_MW = 700_000 * annuity_factor(0.08, 25) + 2_000


def _design(network: Network, design: DesignSettings = EXACT) -> DesignSolution:
    return design_network(network, find_candidates(network).candidates, design)


def _flow(solution: DesignSolution, supply: str, demand: str) -> float:
    f = solution.flows
    return float(f.loc[(f["supply_id"] == supply) & (f["demand_id"] == demand), "flow"].sum())


def test_the_site_becomes_a_sized_candidate_process() -> None:
    network = heat_pump_site()
    process = network.processes.set_index("id").loc["hp"]
    assert process["technology_id"] == "heat_pump_waste_heat"
    assert process["status"] == "candidate"
    assert process["capacity"] == 8_000  # 2 MW x 4,000 h
    assert process["capex_per_capacity"] == pytest.approx(700_000 / 4_000)
    assert process["fixed_cost_per_capacity"] == pytest.approx(2_000 / 4_000)
    assert process["min_capacity"] == 4_000  # 1 MW
    assert process["operating_cost"] == pytest.approx(2.0 + 0.30 * 50)
    assert process["co2e_t_per_unit"] == pytest.approx(0.30 * 0.251)
    streams = network.streams.set_index("id")
    assert streams.loc["hp.heat", "direction"] == "supply"
    assert streams.loc["hp.heat", "quantity"] == 8_000
    assert streams.loc["hp.waste_heat", "direction"] == "demand"
    assert streams.loc["hp.waste_heat", "quantity"] == pytest.approx(5_600)
    assert np.isnan(streams.loc["hp.waste_heat", "price"])  # it can only be received
    assert sorted(network.process_ports["stream_id"]) == ["hp.heat", "hp.waste_heat"]


def test_a_heat_pump_that_pays_is_built_at_full_size() -> None:
    solution = _design(heat_pump_site())
    assert solution.optimal
    assert round(solution.net_benefit, 2) == 208_849.71
    assert round(8_000 * 43 - 2 * PER_MW, 2) == 208_849.71
    row = solution.processes.set_index("process_id").loc["hp"]
    assert bool(row["built"]) and row["technology_id"] == "heat_pump_waste_heat"
    assert row["capacity_built"] == pytest.approx(8_000)
    assert row["activity"] == pytest.approx(8_000)
    assert row["capacity_use"] == pytest.approx(1.0)
    assert row["investment"] == pytest.approx(1_400_000)
    assert round(row["capex"], 2) == round(-2 * 700_000 * annuity_factor(0.08, 25), 2)
    assert round(row["fixed_cost"], 2) == -4_000.00
    assert round(row["operating_cost"], 2) == -(8_000 * 17 + 4_000)
    assert _flow(solution, "d_heat", "hp.waste_heat") == pytest.approx(5_600)
    assert _flow(solution, "hp.heat", "g_heat") == pytest.approx(8_000)
    accounts = solution.participants.set_index("organisation")
    assert round(accounts.loc["P", "as_process"], 2) == round(-(8_000 * 17) - 2 * PER_MW, 2)
    assert accounts["net_benefit"].sum() == pytest.approx(solution.net_benefit)


def test_the_heat_pump_is_sized_to_the_demand_and_never_below_its_smallest_size() -> None:
    six = _design(heat_pump_site(heat_demand=6_000))
    assert round(six.net_benefit, 2) == 156_637.28
    assert six.processes["capacity_built"].iloc[0] == pytest.approx(6_000)  # 1.5 MW
    three = _design(heat_pump_site(heat_demand=3_000))
    assert round(three.net_benefit, 2) == 61_424.85
    row = three.processes.iloc[0]
    assert row["capacity_built"] == pytest.approx(4_000)  # 1 MW, the smallest
    assert row["activity"] == pytest.approx(3_000)
    assert row["capacity_use"] == pytest.approx(0.75)


def test_a_heat_pump_that_does_not_pay_is_not_built() -> None:
    solution = _design(heat_pump_site(electricity_price=150))
    assert PER_MW > 4_000 * (60 - 2 - 0.30 * 150)  # 52,000 < 67,575.15 per MW
    assert solution.net_benefit == 0.0
    row = solution.processes.iloc[0]
    assert not bool(row["built"])
    assert row["capacity_built"] == 0.0 and row["activity"] == 0.0
    assert row["capex"] == 0.0 and row["operating_cost"] == 0.0
    assert _flow(solution, "hp.heat", "g_heat") == 0.0
    assert _flow(solution, "d_heat", "hp.waste_heat") == 0.0


def test_a_grant_and_a_budget_speak_of_the_technology_capex() -> None:
    network = heat_pump_site()
    annuity = 700_000 * annuity_factor(0.08, 25)
    half = _design(network, replace(EXACT, capex_grant_share=0.5))
    assert round(half.net_benefit, 2) == round(8_000 * 43 - 2 * (annuity / 2 + 2_000), 2)
    # a budget of 100,000 EUR/yr of annualised capex buys 100,000 / annuity MW
    tight = _design(network, replace(EXACT, budget=100_000))
    size = 100_000 / annuity
    assert tight.processes["capacity_built"].iloc[0] == pytest.approx(4_000 * size)
    assert round(tight.net_benefit, 2) == round(size * (4_000 * 43 - PER_MW), 2)


def test_the_assessment_counts_what_the_technology_buys_and_not_its_input() -> None:
    network = heat_pump_site()
    candidates = find_candidates(network).candidates
    solution = design_network(network, candidates, EXACT)
    assessment = assess_design(network, candidates, solution)
    summary = assessment.summary.set_index("indicator")["value"]
    # the greenhouse's gas heat avoided (8,000 MWh x 224.7 kg) less the heat pump's grid
    # electricity (0.30 x 8,000 MWh x 251 kg); the waste heat it takes replaces nothing
    assert summary["co2e_avoided"] == pytest.approx(8_000 * 0.2247 - 0.30 * 8_000 * 0.251)
    lines = assessment.co2e_lines
    into = lines[lines["demand_id"] == "hp.waste_heat"]
    assert "virgin_production" not in set(into["component"])
    bought = lines[lines["component"] == "process_purchases"]
    assert bought["t_per_yr"].sum() == pytest.approx(-602.4)
    accounts = assessment.participants.set_index("organisation")
    # P gives the heat (half of its 1,797.6 t, the giver's share) and buys the electricity
    assert accounts.loc["P", "co2e_avoided_t"] == pytest.approx(1_797.6 / 2 - 602.4)
    assert round(summary["net_benefit"], 2) == 208_849.71
    # the design says the same: matching gives the waste heat into the heat pump no virgin
    # CO2e, and the solution's total takes off what the processes buy
    into_pump = candidates[candidates["demand_id"] == "hp.waste_heat"]
    assert into_pump["co2e_t_per_unit"].abs().max() < 0.01
    assert solution.co2e_avoided_t == pytest.approx(summary["co2e_avoided"])


def test_the_design_report_lists_the_technology(tmp_path: Path) -> None:
    network = heat_pump_site()
    solution = _design(network)
    paths = write_design_report(network, solution, tmp_path)
    table = pd.read_csv(paths["processes"])
    assert table.set_index("process_id").loc["hp", "built"]
    html = paths["report"].read_text(encoding="utf-8")
    assert "Processes and technologies" in html
    assert "heat_pump_waste_heat" in html
    assert "2 of 2 MW (8,000 of 8,000 MWh/yr)" in html
    assert "low-grade waste heat 5,600 MWh/yr from" in html
    assert "district heat 8,000 MWh/yr to" in html
    assert "buys 0.3 electricity per unit at 50 EUR" in html


def test_kalundborg_sites_no_technology() -> None:
    from symbiograph.datasets import kalundborg

    network = kalundborg()
    assert not len(network.technology_sites)
    assert not (network.processes["technology_id"] != "").any()


# --- random parks: a technology never makes more than its capacity or its inputs allow ---

_PARKS = ("heat_pump_waste_heat", "biogas_plant", "electrolyser_alkaline")


def _random_park(
    technology: str,
    supply: float,
    demands: list[float],
    prices: list[float],
    size: float,
    market: float,
) -> dict[str, Any]:
    """A giver of each stream input of ``technology``, one taker per stream output (demand
    and price from ``demands``/``prices``), and the technology on a shared site S of up to
    ``size`` units of its capacity, its market inputs at ``market`` per unit."""
    ports = technology_ports(technology)
    resources = [
        {"id": p.port, "name": p.port.replace("_", " "), "kind": p.kind, "unit": p.unit}
        for p in ports.itertuples()
        if p.role == "stream"
    ]
    facilities = [plant("s", "P", 11.0)]
    streams: list[dict[str, Any]] = []
    quality = {"temperature_C": 30}
    for k, p in enumerate(ports.itertuples()):
        if p.role != "stream":
            continue
        fid = f"f{k}"
        facilities.append(plant(fid, f"O{k}", 11.0))
        if p.direction == "in":
            row = {"id": f"give_{p.port}", "direction": "supply", "quantity": supply, "price": 0.0}
            if p.port == "waste_heat":
                row["quality"] = quality
        else:
            j = len([s for s in streams if s["direction"] == "demand"])
            row = {
                "id": f"take_{p.port}",
                "direction": "demand",
                "quantity": demands[j % len(demands)],
                "price": prices[j % len(prices)],
            }
        streams.append({**row, "facility_id": fid, "resource_id": p.port})
    market_ports = ports[ports["role"] == "market"]["port"]
    drop_heat = technology == "electrolyser_alkaline"  # its waste heat needs no taker here
    site = {
        "id": "tech",
        "technology_id": technology,
        "facility_id": "s",
        "max_capacity": size,
        "min_capacity": 0,
        "market_prices": ";".join(f"{m}={market:g}" for m in market_ports),
    }
    if drop_heat:
        resources = [r for r in resources if r["id"] != "waste_heat"]
        streams = [s for s in streams if s["resource_id"] != "waste_heat"]
        site["resources"] = "waste_heat=-"
    return {
        "resources": resources,
        "facilities": facilities,
        "streams": streams,
        "transport_modes": _free_transport("pipeline", "grid", "truck"),
        "technology_sites": [site],
    }


@settings(
    max_examples=12,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(
    technology=st.sampled_from(_PARKS),
    supply=st.floats(100, 200_000),
    demands=st.lists(st.floats(10, 200_000), min_size=1, max_size=3),
    prices=st.lists(st.floats(0, 5_000), min_size=1, max_size=3),
    size=st.floats(0.5, 50_000),
    market=st.floats(0, 200),
)
def test_a_technology_never_makes_more_than_its_capacity_and_inputs_allow(
    technology: str,
    supply: float,
    demands: list[float],
    prices: list[float],
    size: float,
    market: float,
) -> None:
    network = network_from_document(_random_park(technology, supply, demands, prices, size, market))
    solution = _design(network)
    assert solution.optimal
    row = solution.processes.set_index("process_id").loc["tech"]
    largest = float(network.processes.set_index("id").loc["tech", "capacity"])
    built, activity = float(row["capacity_built"]), float(row["activity"])
    tol = 1e-6 * max(1.0, largest)
    assert -tol <= activity <= built + tol
    assert built <= largest + tol
    if not row["built"]:
        assert built == 0.0 and activity == 0.0
    ports = network.process_ports[network.process_ports["process_id"] == "tech"]
    flows = solution.flows
    inputs = ports[ports["direction"] == "in"]
    for port in ports.itertuples():
        if port.direction == "out":
            sent = float(flows.loc[flows["supply_id"] == port.stream_id, "flow"].sum())
            assert sent <= port.ratio * built + tol  # capacity x ratio
            for feed in inputs.itertuples():  # inputs received x ratios
                got = float((flows.loc[flows["demand_id"] == feed.stream_id, "flow"]).sum())
                assert sent <= port.ratio / feed.ratio * got + tol
        else:
            got = float(flows.loc[flows["demand_id"] == port.stream_id, "flow"].sum())
            assert got == pytest.approx(port.ratio * activity, rel=1e-6, abs=tol)
    assert solution.net_benefit >= -1e-6  # not building is always possible


def test_the_coalition_game_needs_all_three_for_the_heat_pump() -> None:
    """D's waste heat, P's heat pump and G's heat demand: any two of them earn nothing, all
    three 208,849.71 EUR/yr, so each one's Shapley value is a third: 69,616.57."""
    from symbiograph.allocate import CoalitionGame, dual_allocation

    network = heat_pump_site()
    game = CoalitionGame(network, find_candidates(network).candidates, EXACT)
    assert sorted(game.players) == ["D", "G", "P"]
    shapley = game.shapley()
    for player in ("D", "G", "P"):
        assert round(float(shapley[player]), 2) == 69_616.57
    shares = dual_allocation(game)  # the process's capacity rows and columns are owned by P
    assert set(shares.index) == {"D", "G", "P"}
    assert np.isfinite(shares.to_numpy(dtype=float)).all()


def test_the_example_park_builds_what_pays() -> None:
    """examples/green_technologies.yaml: at 45 EUR/MWh of district heat and electricity at
    90 EUR/MWh, a heat pump MWh earns 45 - 2 - 27 = 16 EUR (96,000 EUR/yr per MW at 6,000 h,
    more than its 67,575): built; wind at 2,600 h costs 1,210,000 x 0.0888 + 41,000 = 148,480
    EUR/yr per MW, 57 EUR/MWh, less than the factory's 90: built to the factory's 15,000
    MWh; solar at 1,000 h costs 93.7 EUR/MWh, more than 90: not built; the digester earns
    about 55 EUR per t (gate fee 35, biogas 24, digestate 4, less 8 to run) for 76 EUR per t
    of capacity a year: not built."""
    path = Path(__file__).resolve().parents[2] / "examples" / "green_technologies.yaml"
    from symbiograph.io import read_network

    network = read_network(path)
    solution = _design(network, DesignSettings())
    built = solution.processes.set_index("process_id")
    assert bool(built.loc["heat_pump", "built"]) and bool(built.loc["wind", "built"])
    assert not built.loc["solar", "built"] and not built.loc["digester", "built"]
    assert built.loc["wind", "activity"] == pytest.approx(15_000, rel=1e-6)
    assert solution.net_benefit > 0
