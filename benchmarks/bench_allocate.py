"""Issue 5 benchmark: exact Shapley for synthetic parks of 10, 15 and 20 organisations with
sparse candidate graphs (the design game valued part by part: each independent part of the
model is built once, its bounds changed per coalition, its connected pieces cached), sampled
Shapley for regions of 200 and 1,000 organisations (candidates as a facilitator would
shortlist them: the best 3 per supply), and the straightforward peer in the same run: a
fresh model build and solve for every coalition (same values?).

    .venv/bin/python -m benchmarks.run bench_allocate          # full sizes, peer at 15
    .venv/bin/python -m benchmarks.run bench_allocate --quick  # 8/10 exact, 100 sampled, peer at 8
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


def _region(k: int, seed: int = 3) -> tuple[Any, pd.DataFrame]:
    """A region of exactly k organisations: a synthetic region (industrial parks of about 40
    facilities), candidates shortlisted to the best 3 per supply, organisations taken
    breadth-first from the most connected until there are k."""
    from symbiograph.datasets import synthetic
    from symbiograph.match import MatchSettings, find_candidates

    facilities = int(1.4 * k)
    while True:
        net = synthetic(facilities, seed=seed)
        cand = find_candidates(net, MatchSettings(top=3)).candidates
        cand = cand[cand["supply_organisation"] != cand["demand_organisation"]]
        links: dict[str, set[str]] = {}
        for a, b in zip(cand["supply_organisation"], cand["demand_organisation"], strict=True):
            links.setdefault(a, set()).add(b)
            links.setdefault(b, set()).add(a)
        if len(links) >= k:
            chosen: list[str] = []
            seen: set[str] = set()
            for start in sorted(links, key=lambda o: (-len(links[o]), o)):
                if start in seen:
                    continue
                seen.add(start)
                queue = deque([start])
                while queue and len(chosen) < k:
                    org = queue.popleft()
                    chosen.append(org)
                    for nxt in sorted(links[org]):
                        if nxt not in seen:
                            seen.add(nxt)
                            queue.append(nxt)
                if len(chosen) == k:
                    break
            inside = cand["supply_organisation"].isin(chosen) & cand["demand_organisation"].isin(
                chosen
            )
            return net, cand[inside].reset_index(drop=True)
        facilities = int(facilities * 1.3)


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


def _one_part(k: int) -> tuple[Any, pd.DataFrame]:
    """A worst case for exact values: k organisations that all sit in one independent part
    of the model (taken breadth-first inside the largest part of a 200-organisation region),
    so nothing splits but their connected pieces."""
    from symbiograph.allocate import CoalitionGame

    net, cand = _region(200)
    game = CoalitionGame(net, cand)
    part = max(game.parts, key=lambda p: p.n)
    chosen, queue = [0], deque([0])
    while queue and len(chosen) < k:
        i = queue.popleft()
        for j in range(part.n):
            if part.neighbours[i] >> j & 1 and j not in chosen and len(chosen) < k:
                chosen.append(j)
                queue.append(j)
    orgs = {game.players[part.players[i]] for i in chosen}
    inside = cand["supply_organisation"].isin(orgs) & cand["demand_organisation"].isin(orgs)
    return net, cand[inside].reset_index(drop=True)


def _parts(game: Any) -> dict[str, Any]:
    sizes = sorted((p.n for p in game.parts), reverse=True)
    return {"parts": len(sizes), "largest_parts": sizes[:5]}


def _exact(k: int, one_part: bool = False) -> dict[str, Any]:
    from symbiograph.allocate import CoalitionGame, shapley_exact

    net, cand = _one_part(k) if one_part else _park(k)
    start = time.perf_counter()
    game = CoalitionGame(net, cand)
    shapley = game.shapley()
    seconds = time.perf_counter() - start
    v_n = game.value((1 << game.n) - 1)
    # the same values from the whole 2**n table (the way nucleolus and the core see it)
    table = game.values()
    return {
        "organisations": game.n,
        "candidates": len(cand),
        **_parts(game),
        "seconds": seconds,
        "solves": game.solves,
        "lp_answers": game.lp_answers,
        "solve_s": game.seconds,
        "v_N": v_n,
        "efficiency_gap": float(shapley.sum() - v_n),
        "same_as_whole_table": bool(
            np.allclose(shapley, shapley_exact(table), rtol=1e-9, atol=1e-6)
        ),
        "shapley": shapley.tolist(),
        "peak_rss_mb": peak_rss_mb(),
    }


def _sampled(k: int) -> dict[str, Any]:
    from symbiograph.allocate import CoalitionGame

    net, cand = _region(k)
    start = time.perf_counter()
    game = CoalitionGame(net, cand)
    v_n = game.value((1 << game.n) - 1)
    target = 0.005 * abs(v_n)  # 95% interval narrower than 1% of v(N)
    estimate, halfwidth, permutations = game.shapley_sampled(seed=1, target_halfwidth=target)
    seconds = time.perf_counter() - start
    return {
        "organisations": game.n,
        "candidates": len(cand),
        **_parts(game),
        "exact_parts": sum(p.n <= 12 for p in game.parts),
        "seconds": seconds,
        "solves": game.solves,
        "lp_answers": game.lp_answers,
        "permutations": permutations,
        "v_N": v_n,
        "efficiency_gap_share": float((estimate.sum() - v_n) / v_n),
        "widest_interval_share_of_v_N": float(2 * halfwidth.max() / abs(v_n)),
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

    def run() -> int:
        solved = 0
        for mask in range(1, 1 << len(players)):
            inside = ((mask >> giver) & 1).astype(bool) & ((mask >> taker) & 1).astype(bool)
            if inside.any():
                values[mask] = max(design_network(net, cand[inside], settings).net_benefit, 0.0)
                solved += 1
        return solved

    solved, seconds = timed(run)
    return {
        "organisations": len(players),
        "seconds": seconds,
        "solved": solved,
        "shapley": shapley_exact(values).tolist(),
    }


def main(quick: bool = False) -> None:
    """Run the exact sizes, the sampled sizes and the peer; write
    benchmarks/results/bench_allocate.json."""
    sizes = [8, 10] if quick else [10, 15, 20]
    sampled_sizes = [100] if quick else [200, 1000]
    peer_size = 8 if quick else 15
    exact = [run_child("benchmarks.bench_allocate", "exact", str(k)) for k in sizes]
    worst = run_child("benchmarks.bench_allocate", "one_part", str(sizes[-1]))
    sampled = [run_child("benchmarks.bench_allocate", "sampled", str(k)) for k in sampled_sizes]
    naive = run_child("benchmarks.bench_allocate", "naive", str(peer_size))
    ours = next(r for r in exact if r["organisations"] == peer_size)
    result = {
        "exact": [{k: v for k, v in r.items() if k != "shapley"} for r in exact],
        "exact_all_in_one_part": {k: v for k, v in worst.items() if k != "shapley"},
        "sampled": sampled,
        "peer_fresh_build_per_coalition": {
            "organisations": peer_size,
            "seconds": naive["seconds"],
            "coalitions_solved": naive["solved"],
            "ours_seconds": ours["seconds"],
            "speedup": naive["seconds"] / ours["seconds"],
            "same_values": bool(
                np.allclose(naive["shapley"], ours["shapley"], rtol=1e-6, atol=1e-3)
            ),
            "largest_difference": float(
                np.max(np.abs(np.subtract(naive["shapley"], ours["shapley"])))
            ),
        },
        "targets": {"20_orgs_exact_s": 60, "1000_orgs_sampled_s": 600, "interval_share": 0.01},
    }
    path = write_result("bench_allocate" + ("_quick" if quick else ""), result)
    print(json.dumps(result, indent=2))
    print(f"wrote {path}")


if __name__ == "__main__":
    phase, size = sys.argv[1], int(sys.argv[2])
    print(
        json.dumps(
            {
                "exact": _exact,
                "one_part": lambda k: _exact(k, one_part=True),
                "sampled": _sampled,
                "naive": _naive,
            }[phase](size)
        )
    )
