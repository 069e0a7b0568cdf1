"""Water in the Network's canonical units and as a coalition game of plants: the saving of
pooling Polley & Polley's plants is the gap between their separate cascade targets and the
70 t/h of the whole problem, and the Shapley shares add up to it."""

from __future__ import annotations

from typing import Any

import pytest

from symbiograph.allocate import shapley_exact
from symbiograph.datasets import kalundborg
from symbiograph.errors import InputError
from symbiograph.io import network_from_document
from symbiograph.optimize import (
    HOURS_PER_YEAR,
    design_water_allocation,
    design_water_network,
    network_water,
    water_cascade_targets,
    water_game,
)

POLLEY_SINKS = [("SK1", 50, 20), ("SK2", 100, 50), ("SK3", 80, 100), ("SK4", 70, 200)]
POLLEY_SOURCES = [("SR1", 50, 50), ("SR2", 100, 100), ("SR3", 70, 150), ("SR4", 60, 250)]
IN_A = {"SK1", "SK2", "SR1", "SR2"}


def _rows(rows: list[tuple[str, float, float]], m3: bool = False) -> list[dict[str, Any]]:
    flow = "flow_m3_per_yr" if m3 else "flow_t_per_h"
    return [
        {
            "id": i,
            flow: f * HOURS_PER_YEAR if m3 else f,
            "ppm": c,
            "plant": "A" if i in IN_A else "B",
        }
        for i, f, c in rows
    ]


def test_flows_in_m3_per_yr_give_the_same_network() -> None:
    per_hour = design_water_allocation(_rows(POLLEY_SINKS), _rows(POLLEY_SOURCES))
    per_year = design_water_allocation(_rows(POLLEY_SINKS, True), _rows(POLLEY_SOURCES, True))
    assert per_year.freshwater_t_per_h == pytest.approx(70.0, rel=1e-7)
    assert per_year.freshwater_m3_per_yr == pytest.approx(70.0 * 8760, rel=1e-7)
    assert per_year.totals["wastewater_m3_per_yr"] == pytest.approx(
        per_hour.totals["wastewater_m3_per_yr"]
    )
    # the fixed-load form takes loads per year too: Wang & Smith's op 1, 2 kg/h over 8760 h
    ops = [{"operation_id": "op1", "load_kg_per_yr": 2.0 * 8760, "cin_max_ppm": 0,
            "cout_max_ppm": 100}]  # fmt: skip
    assert design_water_network(ops).freshwater_t_per_h == pytest.approx(20.0, rel=1e-7)


def test_the_game_values_what_pooling_saves() -> None:
    sinks, sources = _rows(POLLEY_SINKS), _rows(POLLEY_SOURCES)
    apart = sum(
        water_cascade_targets(
            [r for r in sinks if r["plant"] == p], [r for r in sources if r["plant"] == p]
        ).freshwater_t_per_h
        for p in ("A", "B")
    )
    game = water_game(sinks, sources, price_per_m3=0.5)
    assert game.players == ["A", "B"]
    assert game.values[0] == 0.0 and game.values[1] == 0.0 and game.values[2] == 0.0
    assert game.values[3] == pytest.approx(0.5 * (apart - 70.0) * 8760, rel=1e-7)
    assert game.freshwater_m3_per_yr[3] == pytest.approx(70.0 * 8760, rel=1e-7)
    shares = shapley_exact(game.values)
    assert shares.sum() == pytest.approx(game.values[3])
    assert shares == pytest.approx([game.values[3] / 2] * 2)  # two symmetric partners


def _park() -> Any:
    facility = {"nace_code": "20.14", "lat": 55.0, "lon": 11.0}
    return network_from_document(
        {
            "resources": [{"id": "w", "name": "Water", "kind": "water", "unit": "m3/yr"}],
            "facilities": [
                {"id": "fa", "name": "A", "organisation": "A", **facility},
                {"id": "fb", "name": "B", "organisation": "B", **facility},
            ],
            "streams": [
                {
                    "id": "cooling_out",
                    "facility_id": "fa",
                    "resource_id": "w",
                    "direction": "supply",
                    "quantity": 438_000,
                },
                {
                    "id": "process_in",
                    "facility_id": "fb",
                    "resource_id": "w",
                    "direction": "demand",
                    "quantity": 876_000,
                },
            ],
            "stream_quality": [
                {"stream_id": "cooling_out", "attribute": "tss_mg_per_l", "value": 10.0},
                {"stream_id": "process_in", "attribute": "tss_mg_per_l", "max": 20.0},
            ],
        }
    )


def test_a_network_s_water_streams_become_sinks_and_sources() -> None:
    sinks, sources = network_water(_park(), "tss_mg_per_l")
    assert sinks["flow_t_per_h"].tolist() == pytest.approx([100.0])  # 876,000 m3/yr
    assert sources["flow_t_per_h"].tolist() == pytest.approx([50.0])
    assert sinks["plant"].tolist() == ["B"] and sources["plant"].tolist() == ["A"]
    game = water_game(sinks, sources, price_per_m3=2.0)
    # B alone buys 100 t/h of freshwater; with A's 50 t/h at 10 ppm under its 20 ppm limit
    # it buys 50: 50 t/h x 8760 h x 2 EUR/m3 saved, shared half and half
    assert game.values[3] == pytest.approx(50 * 8760 * 2.0)
    assert shapley_exact(game.values) == pytest.approx([50 * 8760.0] * 2)


def test_a_source_without_its_concentration_is_named() -> None:
    with pytest.raises(InputError, match=r"water supply '.*': no tss_mg_per_l"):
        network_water(kalundborg(), "tss_mg_per_l")
