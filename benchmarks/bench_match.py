"""Issue 3 benchmark: candidate generation on synthetic networks of 10k, 100k and 1M streams
(radius 50 km for solids, 5 km for pipelines), a fitted scaling exponent, and a peer in the
same run: straightforward all-pairs matching of a 20k-stream network (same candidates?).

    .venv/bin/python -m benchmarks.run bench_match          # full
    .venv/bin/python -m benchmarks.run bench_match --quick  # small sizes
"""

from __future__ import annotations

import json
import sys
from typing import Any

import numpy as np

from benchmarks._common import peak_rss_mb, run_child, timed, write_result

STREAMS_PER_FACILITY = 1.93  # what synthetic() draws on average


def _settings() -> Any:
    from symbiograph.match import MatchSettings

    return MatchSettings(
        max_km_by_mode={
            "truck": 50.0,
            "rail": 50.0,
            "ship": 50.0,
            "pipeline": 5.0,
            "conveyor": 5.0,
            "grid": 5.0,
            "none": 5.0,
        },
        max_km_by_kind={},
        use_archetype_distance=False,
    )


def _warm_up() -> float:
    """Load the archetypes and fit the text classifier once (a fixed cost, timed apart)."""
    from symbiograph.datasets import synthetic
    from symbiograph.match import find_candidates

    _, seconds = timed(lambda: find_candidates(synthetic(50, seed=1), _settings()))
    return seconds


def _one(streams: int) -> dict[str, Any]:
    from symbiograph.datasets import synthetic
    from symbiograph.match import find_candidates

    warm_up_s = _warm_up()
    net = synthetic(round(streams / STREAMS_PER_FACILITY), seed=7)
    result, seconds = timed(lambda: find_candidates(net, _settings()))
    return {
        "streams": len(net.streams),
        "supplies": len(net.supplies),
        "demands": len(net.demands),
        "candidates": len(result.candidates),
        "seconds": seconds,
        "warm_up_s": warm_up_s,
        "timings": result.timings,
        "peak_rss_mb": peak_rss_mb(),
    }


def _peer(streams: int) -> dict[str, Any]:
    from symbiograph.datasets import synthetic
    from symbiograph.match import find_candidates, find_candidates_all_pairs

    _warm_up()
    net = synthetic(round(streams / STREAMS_PER_FACILITY), seed=7)
    fast, fast_s = timed(lambda: find_candidates(net, _settings()))
    slow, slow_s = timed(lambda: find_candidates_all_pairs(net, _settings()))
    key_f = set(zip(fast.candidates["supply_id"], fast.candidates["demand_id"], strict=True))
    key_s = set(zip(slow.candidates["supply_id"], slow.candidates["demand_id"], strict=True))
    return {
        "streams": len(net.streams),
        "kdtree_s": fast_s,
        "all_pairs_s": slow_s,
        "speedup": slow_s / fast_s,
        "pair_search_speedup": slow_s / max(fast.timings["pairs_s"], 1e-9),
        "same_candidates": key_f == key_s,
        "candidates": len(key_f),
    }


def main(quick: bool = False) -> None:
    """Run the sizes and the peer; write benchmarks/results/bench_match.json."""
    sizes = [2_000, 10_000, 40_000] if quick else [10_000, 100_000, 1_000_000]
    runs = [run_child("benchmarks.bench_match", "one", str(n)) for n in sizes]
    peer = run_child("benchmarks.bench_match", "peer", str(5_000 if quick else 20_000))
    n = np.array([r["streams"] for r in runs], dtype=float)
    t = np.array([r["seconds"] for r in runs], dtype=float)
    exponent = float(np.polyfit(np.log(n), np.log(t), 1)[0])
    nlogn = n * np.log(n)
    ratio_to_nlogn = (t / nlogn) / (t[0] / nlogn[0])
    result = {
        "runs": runs,
        "scaling_exponent": exponent,
        "time_per_nlogn_relative_to_smallest": ratio_to_nlogn.tolist(),
        "peer_all_pairs": peer,
        "targets": {"1M_streams_s": 60, "1M_peak_mb": 8192},
        "note": "exponent 1.0-1.1 is N log N-like; all-pairs grows as supplies x demands",
    }
    path = write_result("bench_match" + ("_quick" if quick else ""), result)
    print(json.dumps(result, indent=2))
    print(f"wrote {path}")


if __name__ == "__main__":
    phase, size = sys.argv[1], int(sys.argv[2])
    print(json.dumps(_one(size) if phase == "one" else _peer(size)))
