"""Issue 5 benchmark: exact Shapley for synthetic parks of 10, 15 and 20 organisations with
sparse candidate graphs (coalition values from one design model, bounds changed per
coalition, parts cached), sampled Shapley for larger parks, and the straightforward peer in
the same run: a fresh model build and solve for every coalition (same values?).

    .venv/bin/python -m benchmarks.run bench_allocate          # 10/15/20 exact, peer at 15
    .venv/bin/python -m benchmarks.run bench_allocate --quick  # 8/10 exact, peer at 8
"""

from __future__ import annotations

import json
import sys
import time
from collections import deque
from typing import Any

import numpy as np
import pandas as pd

from benchmarks._common import peak_rss_mb, run_child, timed, write_result


def _park(k: int, seed: int = 3) -> tuple[Any, pd.DataFrame]:
    """A park of exactly k organisations joined by candidates (breadth-first from the most
    connected organisation of a synthetic region)."""
    from symbiograph.datasets import synthetic
    from symbiograph.match import find_candidates

    facilities = 8 * k
    while True:
        net = synthetic(facilities, seed=seed, region_km=10)
        cand = find_candidates(net).candidates
        cand = cand[cand["supply_organisation"] != cand["demand_organisation"]]
        links: dict[str, set[str]] = {}
        for a, b in zip(cand["supply_organisation"], cand["demand_organisation"], strict=True):
            links.setdefault(a, set()).add(b)
            links.setdefault(b, set()).add(a)
        if links:
            start = max(links, key=lambda o: len(links[o]))
            chosen, queue = [start], deque([start])
            while queue and len(chosen) < k:
                for nxt in sorted(links[queue.popleft()]):
                    if nxt not in chosen and len(chosen) < k:
                        chosen.append(nxt)
                        queue.append(nxt)
            if len(chosen) == k:
                inside = cand["supply_organisation"].isin(chosen) & cand[
                    "demand_organisation"
                ].isin(chosen)
                return net, cand[inside].reset_index(drop=True)
        facilities = int(facilities * 1.5)


def _exact(k: int) -> dict[str, Any]:
    from symbiograph.allocate import CoalitionGame, shapley_exact

    net, cand = _park(k)
    start = time.perf_counter()
    game = CoalitionGame(net, cand)
    values = game.values()
    shapley = shapley_exact(values)
    seconds = time.perf_counter() - start
    return {
        "organisations": game.n,
        "candidates": len(cand),
        "seconds": seconds,
        "solves": game.solves,
        "solve_s": game.seconds,
        "v_N": float(values[-1]),
        "shapley": shapley.tolist(),
        "peak_rss_mb": peak_rss_mb(),
    }


def _naive(k: int) -> dict[str, Any]:
    """Every coalition: filter the candidates, build a fresh model, solve."""
    from symbiograph.allocate import shapley_exact
    from symbiograph.optimize import DesignSettings, design_network

    net, cand = _park(k)
    from symbiograph.allocate import CoalitionGame

    players = CoalitionGame(net, cand).players  # the same player order
    index = {p: i for i, p in enumerate(players)}
    giver = cand["supply_organisation"].map(index).to_numpy()
    taker = cand["demand_organisation"].map(index).to_numpy()
    values = np.zeros(1 << len(players))
    settings = DesignSettings(decompose=False)

    def run() -> None:
        for mask in range(1, 1 << len(players)):
            inside = ((mask >> giver) & 1).astype(bool) & ((mask >> taker) & 1).astype(bool)
            if inside.any():
                values[mask] = max(design_network(net, cand[inside], settings).net_benefit, 0.0)

    _, seconds = timed(run)
    return {
        "organisations": len(players),
        "seconds": seconds,
        "shapley": shapley_exact(values).tolist(),
    }


def main(quick: bool = False) -> None:
    """Run the exact sizes and the peer; write benchmarks/results/bench_allocate.json."""
    sizes = [8, 10] if quick else [10, 15, 20]
    peer_size = 8 if quick else 15
    exact = [run_child("benchmarks.bench_allocate", "exact", str(k)) for k in sizes]
    naive = run_child("benchmarks.bench_allocate", "naive", str(peer_size))
    ours = next(r for r in exact if r["organisations"] == peer_size)
    result = {
        "exact": [{k: v for k, v in r.items() if k != "shapley"} for r in exact],
        "peer_fresh_build_per_coalition": {
            "organisations": peer_size,
            "seconds": naive["seconds"],
            "ours_seconds": ours["seconds"],
            "speedup": naive["seconds"] / ours["seconds"],
            "same_values": bool(
                np.allclose(naive["shapley"], ours["shapley"], rtol=1e-6, atol=1e-3)
            ),
        },
        "targets": {"20_orgs_exact_s": 60},
    }
    path = write_result("bench_allocate" + ("_quick" if quick else ""), result)
    print(json.dumps(result, indent=2))
    print(f"wrote {path}")


if __name__ == "__main__":
    phase, size = sys.argv[1], int(sys.argv[2])
    print(json.dumps({"exact": _exact, "naive": _naive}[phase](size)))
