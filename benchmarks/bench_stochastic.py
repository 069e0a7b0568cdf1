"""Issue 15 benchmark: the two-stage stochastic design with 100 scenarios (prices lognormal
per exchanged resource, carbon price normal, each organisation out with probability 2 %) on
the 50-organisation synthetic park: the extensive form's size, its build and solve time,
the MIP gap reached, VSS and EVPI, beside the peer (a fresh deterministic build and solve).

    .venv/bin/python -m benchmarks.run bench_stochastic          # 100 scenarios, 50 orgs
    .venv/bin/python -m benchmarks.run bench_stochastic --quick  # 10 scenarios, 20 orgs
    .venv/bin/python -m benchmarks.bench_stochastic --scenarios 30 --organisations 50
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from benchmarks._common import peak_rss_mb, timed, write_result
from benchmarks.bench_resilience import _park


def _case(organisations: int, scenarios: int, time_limit_s: float) -> dict[str, Any]:
    from symbiograph.match import find_candidates
    from symbiograph.optimize import DesignSettings, design_network
    from symbiograph.resilience import Distribution, UncertainInput, stochastic_design

    network = _park(organisations)
    candidates, match_s = timed(lambda: find_candidates(network).candidates)
    design, peer_s = timed(lambda: design_network(network, candidates))
    # one price factor per exchanged resource (its supplies and demands move together) and
    # the carbon price
    inputs = [
        UncertainInput("carbon_price", "carbon_price", Distribution.normal(1.0, 0.25)),
        *(
            UncertainInput(f"price:{r}", "price", Distribution.lognormal(1.0, 0.3), (r,))
            for r in sorted(set(candidates["supply_resource"].astype(str)))
        ),
    ]
    settings = DesignSettings(time_limit_s=time_limit_s, mip_gap=1e-4)
    result, total_s = timed(
        lambda: stochastic_design(
            network,
            candidates,
            inputs,
            scenarios=scenarios,
            seed=0,
            outage_probability=0.02,
            settings=settings,
        )
    )
    s = result.summary
    return {
        "case": f"synthetic-{organisations}-organisations",
        "organisations": organisations,
        "candidates": len(candidates),
        "scenarios": scenarios,
        "inputs": len(inputs),
        "rows": int(float(s["rows"])),
        "columns": int(float(s["columns"])),
        "binaries": int(float(s["binaries"])),
        "design_net_benefit": design.net_benefit,
        "match_s": match_s,
        "peer_build_solve_s": peer_s,
        "time_limit_s": time_limit_s,
        "status": s["status"],
        "mip_gap": s["mip_gap"],
        "expected_stochastic": s["expected_stochastic"],
        "expected_mean_value": s["expected_mean_value"],
        "vss": s["vss"],
        "wait_and_see": s["wait_and_see"],
        "evpi": s["evpi"],
        **{f"time_{k}": v for k, v in result.timings.items()},
        "total_s": total_s,
        "ratio_total_to_peer": total_s / peer_s if peer_s > 0 else None,
    }


def main(
    quick: bool = False,
    scenarios: int | None = None,
    organisations: int | None = None,
    time_limit_s: float = 600.0,
) -> None:
    scenarios = scenarios or (10 if quick else 100)
    organisations = organisations or (20 if quick else 50)
    payload = {
        "quick": quick,
        "cases": [_case(organisations, scenarios, time_limit_s)],
        "peak_rss_mb": peak_rss_mb(),
    }
    path = write_result("bench_stochastic", payload)
    print(json.dumps(payload, indent=2))
    print(f"wrote {path}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--scenarios", type=int)
    parser.add_argument("--organisations", type=int)
    parser.add_argument("--time-limit", type=float, default=600.0)
    args = parser.parse_args()
    main(args.quick, args.scenarios, args.organisations, args.time_limit)
