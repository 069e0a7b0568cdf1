"""A treatment the park runs as a plant process is not also a pre-treatment of a direct link:
Kwinana's secondary effluent reaches industry only through the reclamation plant (KWRP),
unless an archetype accepts the effluent as it is."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import pytest

from symbiograph.datasets import kwinana
from symbiograph.match import explain_pair, find_candidates
from symbiograph.model import Network

INDUSTRY = ("bp_water_demand", "alcoa_water_demand", "csbp_water_demand", "tiwest_water_demand")


@pytest.fixture(scope="module")
def network() -> Network:
    return kwinana()


def _direct(candidates: pd.DataFrame) -> pd.DataFrame:
    return candidates[
        (candidates["supply_id"] == "wp_effluent_supply") & candidates["demand_id"].isin(INDUSTRY)
    ]


def test_raw_effluent_reaches_industry_only_through_the_plant(network: Network) -> None:
    candidates = find_candidates(network).candidates
    assert _direct(candidates).empty  # it used to offer BP, Alcoa, CSBP and Tiwest raw effluent
    # the plant's own links stay: effluent to the KWRP, reclaimed water to its customers
    pairs = set(zip(candidates["supply_id"], candidates["demand_id"], strict=True))
    assert ("wp_effluent_supply", "kwrp_effluent_demand") in pairs
    assert ("kwrp_reclaimed_water_supply", "bp_water_demand") in pairs
    why = explain_pair(network, "wp_effluent_supply", "bp_water_demand")
    row = why[
        (why["archetype_id"] == "municipal_effluent_to_industrial_water")
        & (why["rule"] == "quality")
    ].iloc[0]
    assert row["verdict"] == "fail"
    assert "through_process:kwrp_treatment" in row["detail"]
    assert row["outcome"] == "fails"


def test_without_the_plant_the_pretreatment_bridges_again(network: Network) -> None:
    """A park that does not model its reclamation plant keeps the archetype's own route (its
    ultrafiltration and reverse osmosis charged per m3)."""
    no_plant = replace(
        network,
        processes=network.processes.iloc[0:0],
        process_ports=network.process_ports.iloc[0:0],
    )
    direct = _direct(find_candidates(no_plant).candidates)
    assert set(direct["demand_id"]) >= {"bp_water_demand", "alcoa_water_demand"}
    assert direct["treatment_cost_per_unit"].tolist() == pytest.approx([0.5] * len(direct))


def test_an_archetype_that_accepts_the_effluent_as_it_is_still_links(network: Network) -> None:
    """Effluent already within the archetype's limits (no pre-treatment needed) is untreated
    use the archetype allows: the plant does not stand in the way."""
    sq = network.stream_quality.copy()
    at = sq["stream_id"] == "wp_effluent_supply"
    clean = {"tss_mg_per_l": 5.0, "tds_mg_per_l": 400.0, "chloride_mg_per_l": 200.0}
    sq.loc[at, "value"] = sq.loc[at, "attribute"].map(clean).to_numpy()
    direct = _direct(find_candidates(replace(network, stream_quality=sq)).candidates)
    assert "bp_water_demand" in set(direct["demand_id"])
