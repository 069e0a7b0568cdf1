"""The documented review states a kept exchange's margin per unit: a built link's running
cost per year is a fixed cost, not part of the per-unit margin (seen on the Ulsan workbook:
'net 500,077,865.45 per unit' for a steam link of 77,865 KRW/MWh and 500 million KRW/yr)."""

from __future__ import annotations

from pathlib import Path

from symbiograph.io import read_network
from symbiograph.match import find_candidates
from symbiograph.optimize import design_network, review_documented

DATA = Path(__file__).parent.parent / "data"


def test_running_cost_per_year_is_not_added_to_the_margin_per_unit() -> None:
    net = read_network(DATA / "two_plants.yaml")
    net.exchanges["operating_cost_per_yr"] = 50_000.0
    candidates = find_candidates(net).candidates
    review = review_documented(net.exchanges, candidates, design_network(net, candidates))
    (row,) = review.itertuples(index=False)
    assert row.verdict == "kept"
    # by hand: 20 EUR/t disposal + 35 EUR/t gypsum - transport (a few km by truck) < 55
    margin = float(row.reason.split("net ")[1].split(" per unit")[0].replace(",", ""))
    assert 50.0 < margin < 55.0
