"""The design's map and Sankey say existing or new per flow; the Sankey has a money and a
CO2e view beside one quantity view per unit, never t, MWh and m3 on one scale."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from symbiograph.access import FULL, SHARED, band_label
from symbiograph.report import design_network_view, exchange_map, exchange_sankey
from symbiograph.report._design import flow_status

sys.path.insert(0, str(Path(__file__).parents[1] / "access"))
from confidential_scenario import _leaks


def _values(flows: Any) -> Any:
    return flows.set_index("candidate_id")[["net_benefit", "co2e_t"]]


def test_flow_status_follows_the_candidate(kalundborg_design: Any) -> None:
    d = kalundborg_design
    flows = d.solution.flows
    status = flow_status(d.network, flows)
    cands = d.candidates.set_index("candidate_id").loc[flows["candidate_id"]]
    expected = np.where(
        (cands["link_status"] == "built").to_numpy()
        | (cands["exchange_status"] == "existing").to_numpy(),
        "existing",
        "new",
    )
    assert (status == expected).all()
    chosen = flows["flow"].to_numpy() > 0
    assert {"existing", "new"} <= set(status[chosen])  # Kalundborg: kept and added


def test_design_map_says_existing_or_new(kalundborg_design: Any) -> None:
    d = kalundborg_design
    view = design_network_view(d.network, d.solution.flows)
    assert set(view.exchanges["status"]) == {"existing", "new"}
    fig = exchange_map(view, title="Chosen exchanges")
    groups = {t.name for t in fig.data if t.mode == "lines"}
    assert any(g.endswith("(existing)") for g in groups)
    assert any(g.endswith("(new)") for g in groups)
    assert not any("planned" in g for g in groups)
    hover = next(t for t in fig.data if t.name == "exchange (hover)")
    chosen = d.solution.flows[d.solution.flows["flow"] > 0]
    assert sum("<br>new" in h for h in hover.text) == int(
        (flow_status(d.network, chosen) == "new").sum()
    )


def test_sankey_views_money_co2e_and_one_unit_each(kalundborg_design: Any) -> None:
    d = kalundborg_design
    flows = d.solution.flows
    view = design_network_view(d.network, flows)
    fig = exchange_sankey(view, status=("existing", "new"), values=_values(flows))
    views = {b.label: b.args[0] for b in fig.layout.updatemenus[0].buttons}
    labels = list(views)
    assert labels[0].startswith("money (EUR/yr)")  # the money view first, and drawn
    assert any(v.startswith("CO2e avoided (t CO2e/yr)") for v in labels)
    for unit in ("(t/yr)", "(MWh/yr)", "(m3/yr)"):
        assert sum(v.endswith(unit) for v in labels) == 1
    chosen = flows[flows["flow"] > 0]
    money = views[labels[0]]
    positive = chosen.loc[chosen["net_benefit"] > 0, "net_benefit"]
    assert sorted(money["link.value"][0]) == pytest.approx(sorted(positive))
    assert list(fig.data[0].link.value) == money["link.value"][0]
    # each quantity view holds one unit: its labels all end with that unit
    for label, links in views.items():
        if label.startswith(("money", "CO2e")):
            continue
        unit = label[label.rindex("(") + 1 : -1]
        assert all(text.endswith(unit) or f"({unit})" in text for text in links["link.label"][0])
    texts = [t for links in views.values() for t in links["link.label"][0]]
    assert all(t.startswith(("new: ", "existing: ")) for t in texts)


def test_sankey_money_view_bands_a_confidential_flow(secret_design: Any) -> None:
    d = secret_design
    flows = d.solution.flows
    view = design_network_view(d.network, flows)
    shared = exchange_sankey(view, status=("existing", "new"), values=_values(flows))
    text = shared.to_json().replace("\\u002f", "/")
    assert _leaks(text) == {}
    hidden = flows[(flows["supply_id"] == "s1") & (flows["flow"] > 0)]
    assert len(hidden) == 1
    assert band_label(float(hidden["net_benefit"].iloc[0]), "EUR/yr") in text
    full = exchange_sankey(
        view, status=("existing", "new"), values=_values(flows), viewer=FULL
    ).to_json()
    assert "quantity" in _leaks(full)
    assert SHARED != FULL
