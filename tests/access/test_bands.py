"""The disclosure rule by hand and by property: bands of the 1-2-5 series, viewers, redaction
of the Network and of result tables."""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np
import pandas as pd
import pytest
from confidential_scenario import PRICE, QUALITY, QUANTITY, _doc, _found
from hypothesis import given, settings
from hypothesis import strategies as st

from symbiograph.access import (
    FULL,
    SHARED,
    Disclosure,
    Viewer,
    band,
    band_label,
    band_middle,
    hidden_rows,
    hidden_streams,
    redact_columns,
    redact_network,
    redact_table,
    redact_text,
    total_label,
)
from symbiograph.io import network_from_document
from symbiograph.report import facility_table, network_summary


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (12_500, (10_000, 20_000)),
        (13_579, (10_000, 20_000)),
        (20_000, (20_000, 50_000)),
        (49_999, (20_000, 50_000)),
        (50_000, (50_000, 100_000)),
        (1_000, (1_000, 2_000)),
        (999.9, (500, 1_000)),
        (0.37, (0.2, 0.5)),
        (47.13, (20, 50)),
        (-12.5, (-20, -10)),
        (0, (0, 0)),
    ],
)
def test_bands_by_hand(value: float, expected: tuple[float, float]) -> None:
    assert band(value) == expected


def test_labels_by_hand() -> None:
    assert band_label(12_500, "t/yr") == "10,000 to 20,000 t/yr"
    assert band_label(0.037) == "0.02 to 0.05"
    assert band_label(-7.5) == "-10 to -5"
    assert band_label(0.0) == "0"
    assert band_label(math.nan) == ""
    assert redact_text("up to 13579 t/yr; net 47.13 per t") == (
        "up to [10,000 to 20,000] t/yr; net [20 to 50] per t"
    )
    assert band_middle(np.array([12_500.0, 0.0]))[0] == pytest.approx(math.sqrt(2e8))


@given(st.floats(min_value=1e-6, max_value=1e12, allow_nan=False))
def test_a_band_holds_its_value_and_keeps_its_order_of_magnitude(value: float) -> None:
    low, high = band(value)
    assert low <= value < high * (1 + 1e-12)
    assert high / low <= 2.5 + 1e-9
    assert band(-value) == (-high, -low)
    low_m = band_middle(np.array([value]))[0]
    assert low <= low_m <= high


def test_viewers() -> None:
    assert not SHARED.full and FULL.full
    assert Viewer(Disclosure.FACILITATOR).sees("anyone")
    assert not Viewer(Disclosure.PUBLIC).sees("P")
    assert Viewer.owner(["P"]).sees("P") and not Viewer.owner(["P"]).sees("B")
    net = network_from_document(_doc())
    assert hidden_streams(net) == {"s1"}
    assert hidden_streams(net, Viewer.owner(["P"])) == frozenset()
    assert hidden_streams(net, FULL) == frozenset()


def test_redact_network_keeps_the_band_and_nothing_else() -> None:
    net = network_from_document(_doc())
    shared = redact_network(net)
    s1 = shared.streams.set_index("id").loc["s1"]
    assert math.isnan(s1["quantity"]) and math.isnan(s1["price"])
    assert (s1["quantity_min"], s1["quantity_max"]) == (10_000, 20_000)
    q = shared.stream_quality.set_index("stream_id").loc["s1"]
    assert math.isnan(q["value"]) and (q["min"], q["max"]) == (50, 100)
    assert math.isnan(shared.exchanges.set_index("id").loc["e1", "quantity"])
    # the open supply, the other tables and the original network are untouched
    assert shared.streams.set_index("id").loc["s2"].equals(net.streams.set_index("id").loc["s2"])
    assert net.streams.set_index("id").loc["s1", "quantity"] == QUANTITY
    assert redact_network(net, FULL) is net


def test_result_rows_of_a_hidden_stream_show_bands() -> None:
    net = network_from_document(_doc())
    flows = pd.DataFrame(
        {
            "candidate_id": ["C1", "C2"],
            "supply_id": ["s1", "s2"],
            "demand_id": ["d1", "d1"],
            "route_km": [15.0, 9.0],
            "flow": [QUANTITY, 4_000.0],
            "built": [True, True],
            "net_benefit": [1_054_816.72, 170_920.0],
            "co2e_t": [71.98, 22.13],
        }
    )
    shared = redact_table(flows, "flows", net)
    assert list(shared["flow"]) == ["10,000 to 20,000", 4_000.0]
    assert shared.loc[0, "route_km"] == 15.0  # distance is public
    assert shared.loc[0, "built"]
    assert redact_table(flows, "flows", net, FULL).equals(flows)
    mask = hidden_rows(flows, {"s1"})
    assert total_label(flows["flow"], mask) == "10,000 to 20,000"
    assert total_label(flows["flow"], np.zeros(2, bool)) == "17,579"
    assert redact_columns(flows, mask, ["missing"]).equals(flows)


def _not_a_coordinate(value: float) -> bool:
    """True unless ``value`` rounds like a public number of the fixed scenario: its
    longitudes and latitudes (11.0, 55.0, printed in the facility table) and the open
    supply's price (12.0), none of them confidential."""
    return all(abs(value - c) > 0.6 for c in (11.0, 12.0, 55.0))


def _inside(value: float) -> bool:
    """True if ``value`` is not within 1 % of a band edge (rounded, it would print as one)."""
    low, high = band(value)
    return low * 1.01 < value < high * 0.99


@settings(max_examples=25, deadline=None)
@given(
    quantity=st.integers(min_value=10_000, max_value=10**9).map(lambda n: n + 0.5).filter(_inside),
    price=st.integers(min_value=1_001, max_value=99_999)
    .filter(lambda n: n % 100 != 0)
    .map(lambda n: n / 100)
    .filter(_inside)
    .filter(_not_a_coordinate),
    purity=st.integers(min_value=1_001, max_value=9_899)
    .filter(lambda n: n % 100 != 0)
    .map(lambda n: n / 100)
    .filter(_inside)
    .filter(_not_a_coordinate),
)
def test_random_confidential_values_never_reach_shared_tables(
    quantity: float, price: float, purity: float
) -> None:
    def shared_text(q: float, p: float, u: float) -> tuple[str, Any]:
        doc = _doc()
        doc["streams"][0].update(quantity=q, price=p, quality={"purity_pct": u})
        doc["exchanges"][0]["quantity"] = q
        net = network_from_document(doc)
        shared = redact_network(net)
        text = "\n".join(
            [
                shared.streams.to_csv(),
                shared.stream_quality.to_csv(),
                shared.exchanges.to_csv(),
                facility_table(net).to_csv(),
                json.dumps(network_summary(net)),
            ]
        )
        return text, net

    text, net = shared_text(quantity, price, purity)
    # the same outputs with the confidential figures elsewhere: a form of a drawn value
    # that shows there too is one of the scenario's public numbers (a coordinate, the open
    # supply's price), not a leak
    public, _ = shared_text(quantity * 7.31, price * 3.7, purity * 0.53)
    for value in (quantity, price, purity):
        if _found(public, value):
            continue
        assert not _found(text, value), value
    assert _found(facility_table(net, FULL).to_csv(), quantity)
    assert {QUANTITY, PRICE, QUALITY}  # the fixed scenario's figures stay distinct
