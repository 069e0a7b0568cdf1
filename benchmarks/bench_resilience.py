"""Issue 15 benchmark: N-1 outages over every organisation (frozen and rewired) plus 1,000
Monte Carlo draws with the design as built, for Kalundborg (target < 30 s on 2 cores) and a
50-organisation synthetic park (target < 120 s), each beside its peer in the same run: the
time of a fresh build and solve of the design (the ratio says how many fresh solves the
whole run costs).

    .venv/bin/python -m benchmarks.run bench_resilience          # full sizes
    .venv/bin/python -m benchmarks.run bench_resilience --quick  # 100 draws
"""

from __future__ import annotations

import json
from typing import Any

from benchmarks._common import peak_rss_mb, timed, write_result


def _park(organisations: int, seed: int = 0) -> Any:
    """A synthetic region with exactly ``organisations`` organisations (the first ones by id
    of a seeded region large enough), each facility of an organisation kept."""
    from symbiograph.datasets import synthetic
    from symbiograph.model import Network

    facilities = organisations
    while True:
        net = synthetic(facilities, seed=seed)
        orgs = sorted(set(net.facilities["organisation"]))
        if len(orgs) >= organisations:
            break
        facilities = int(facilities * 1.3) + 1
    keep = set(orgs[:organisations])
    fac = net.facilities[net.facilities["organisation"].isin(keep)]
    ids = set(fac["id"])
    streams = net.streams[net.streams["facility_id"].isin(ids)]
    quality = net.stream_quality[net.stream_quality["stream_id"].isin(set(streams["id"]))]
    tables = {**net.tables(), "facilities": fac, "streams": streams, "stream_quality": quality}
    tables["exchanges"] = net.exchanges.iloc[0:0]
    tables.pop("parameters", None)
    return Network(parameters=dict(net.parameters), **tables)


def _case(name: str, network: Any, draws: int) -> dict[str, Any]:
    from symbiograph.match import find_candidates
    from symbiograph.optimize import design_network
    from symbiograph.resilience import (
        default_inputs,
        design_elements,
        monte_carlo,
        outage_analysis,
    )

    candidates, match_s = timed(lambda: find_candidates(network).candidates)
    design, peer_s = timed(lambda: design_network(network, candidates))
    elements = design_elements(network, design, kinds=("organisation",))
    outages, outage_s = timed(
        lambda: outage_analysis(network, candidates, design, elements=elements)
    )
    inputs = default_inputs(design)
    mc, mc_s = timed(lambda: monte_carlo(network, candidates, design, inputs, draws=draws, seed=0))
    rewired = outages.losses[
        (outages.losses["reading"] == "rewired") & (outages.losses["status"] != "unchanged")
    ]
    total_s = outage_s + mc_s
    return {
        "case": name,
        "organisations": len(elements),
        "candidates": len(candidates),
        "design_net_benefit": design.net_benefit,
        "match_s": match_s,
        "peer_build_solve_s": peer_s,
        "n_minus_1_s": outage_s,
        "rewired_solves": len(rewired),
        "monte_carlo_draws": draws,
        "monte_carlo_s": mc_s,
        "sensitivity_method": str(mc.sensitivity["method"].iloc[0]) if len(mc.sensitivity) else "",
        "total_s": total_s,
        "ratio_total_to_peer": total_s / peer_s if peer_s > 0 else None,
        "worst_organisation": str(
            outages.criticality.sort_values("frozen_loss", ascending=False)["element_id"].iloc[0]
        ),
    }


def main(quick: bool = False) -> None:
    from symbiograph.datasets import kalundborg

    draws = 100 if quick else 1000
    cases = [
        (_case("kalundborg", kalundborg(), draws), 30.0),
        (_case("synthetic-50-organisations", _park(50), draws), 120.0),
    ]
    results = [
        {**case, "target_s": target, "within_target": case["total_s"] < target}
        for case, target in cases
    ]
    payload = {"quick": quick, "cases": results, "peak_rss_mb": peak_rss_mb()}
    path = write_result("bench_resilience", payload)
    print(json.dumps(payload, indent=2))
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
