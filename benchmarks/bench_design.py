"""Issue 4 benchmark: network design on synthetic networks with 1k, 10k and 100k candidate
links; peers in the same run: the same model written with Pyomo (solved by HiGHS through
appsi) and with PuLP (solved by CBC), given whole; build- and solve-time ratios and whether
the objectives agree.

    .venv/bin/python -m benchmarks.run bench_design          # full
    .venv/bin/python -m benchmarks.run bench_design --quick  # 1k and 5k
"""

from __future__ import annotations

import json
import sys
import time
from typing import Any

import numpy as np
import pandas as pd

from benchmarks._common import peak_rss_mb, run_child, timed, write_result

GAP = 0.01
PEER_TIME_LIMIT_S = 300.0


def _instance(candidates_wanted: int) -> tuple[Any, pd.DataFrame]:
    from symbiograph.datasets import synthetic
    from symbiograph.match import find_candidates

    facilities = max(50, candidates_wanted // 4)
    net = synthetic(facilities, seed=11)
    cand = find_candidates(net).candidates
    while len(cand) < candidates_wanted:
        facilities = int(facilities * 1.3)
        net = synthetic(facilities, seed=11)
        cand = find_candidates(net).candidates
    rng = np.random.default_rng(5)
    keep = np.sort(rng.choice(len(cand), size=candidates_wanted, replace=False))
    return net, cand.iloc[keep].reset_index(drop=True)


def _ours(n: int) -> dict[str, Any]:
    from symbiograph.optimize import DesignSettings, design_network

    net, cand = _instance(n)
    sol, total = timed(lambda: design_network(net, cand, DesignSettings(mip_gap=GAP)))
    return {
        "candidates": len(cand),
        "binaries": int((cand["fixed_cost_per_yr"] > 0).sum()),
        "objective": sol.net_benefit,
        "status": sol.status,
        "mip_gap": sol.mip_gap,
        "parts": sol.parts,
        "build_s": sol.timings["build_s"],
        "solve_s": sol.timings["solve_s"],
        "duals_s": sol.timings["duals_s"],
        "total_s": total,
        "peak_rss_mb": peak_rss_mb(),
    }


def _data(net: Any, cand: pd.DataFrame) -> dict[str, Any]:
    quantity = net.streams.set_index("id")["quantity"]
    return {
        "ids": cand["candidate_id"].tolist(),
        "unit": (cand["net_benefit_per_unit"] + 0.0 * cand["co2e_t_per_unit"]).tolist(),
        "upper": cand["max_flow"].tolist(),
        "fixed": cand["fixed_cost_per_yr"].tolist(),
        "ratio": cand["demand_units_per_unit"].tolist(),
        "supply": cand.groupby("supply_id").indices,
        "demand": cand.groupby("demand_id").indices,
        "quantity": quantity,
    }


def _pyomo(n: int) -> dict[str, Any]:
    import pyomo.environ as pyo

    net, cand = _instance(n)
    d = _data(net, cand)
    start = time.perf_counter()
    m = pyo.ConcreteModel()
    idx = range(len(d["ids"]))
    with_fixed = [i for i in idx if d["fixed"][i] > 0]
    m.x = pyo.Var(idx, bounds=lambda _m, i: (0, d["upper"][i]))
    m.y = pyo.Var(with_fixed, domain=pyo.Binary)
    m.link = pyo.Constraint(with_fixed, rule=lambda _m, i: _m.x[i] <= d["upper"][i] * _m.y[i])
    supplies = list(d["supply"].items())
    demands = list(d["demand"].items())
    m.supply = pyo.Constraint(
        range(len(supplies)),
        rule=lambda _m, k: sum(_m.x[i] for i in supplies[k][1]) <= d["quantity"][supplies[k][0]],
    )
    m.demand = pyo.Constraint(
        range(len(demands)),
        rule=lambda _m, k: (
            sum(d["ratio"][i] * _m.x[i] for i in demands[k][1]) <= d["quantity"][demands[k][0]]
        ),
    )
    m.obj = pyo.Objective(
        expr=sum(d["unit"][i] * m.x[i] for i in idx)
        - sum(d["fixed"][i] * m.y[i] for i in with_fixed),
        sense=pyo.maximize,
    )
    build_s = time.perf_counter() - start
    from pyomo.contrib.appsi.solvers import Highs

    solver = Highs()
    solver.config.time_limit = PEER_TIME_LIMIT_S
    solver.config.mip_gap = GAP
    solver.config.load_solution = False
    start = time.perf_counter()
    result = solver.solve(m)
    solve_s = time.perf_counter() - start
    return {
        "candidates": len(cand),
        "objective": float(result.best_feasible_objective or np.nan),
        "status": str(result.termination_condition),
        "build_s": build_s,
        "solve_s": solve_s,
        "peak_rss_mb": peak_rss_mb(),
    }


def _pulp(n: int) -> dict[str, Any]:
    import pulp

    net, cand = _instance(n)
    d = _data(net, cand)
    start = time.perf_counter()
    prob = pulp.LpProblem("design", pulp.LpMaximize)
    x = [pulp.LpVariable(f"x{i}", 0, d["upper"][i]) for i in range(len(d["ids"]))]
    terms = [d["unit"][i] * x[i] for i in range(len(x))]
    for i in range(len(x)):
        if d["fixed"][i] > 0:
            y = pulp.LpVariable(f"y{i}", cat="Binary")
            prob += x[i] <= d["upper"][i] * y
            terms.append(-d["fixed"][i] * y)
    prob += pulp.lpSum(terms)
    for sid, rows in d["supply"].items():
        prob += pulp.lpSum(x[i] for i in rows) <= d["quantity"][sid]
    for did, rows in d["demand"].items():
        prob += pulp.lpSum(d["ratio"][i] * x[i] for i in rows) <= d["quantity"][did]
    build_s = time.perf_counter() - start
    start = time.perf_counter()
    prob.solve(pulp.PULP_CBC_CMD(msg=False, gapRel=GAP, timeLimit=PEER_TIME_LIMIT_S))
    solve_s = time.perf_counter() - start
    return {
        "candidates": len(cand),
        "objective": float(pulp.value(prob.objective) or np.nan),
        "status": pulp.LpStatus[prob.status],
        "build_s": build_s,
        "solve_s": solve_s,
        "peak_rss_mb": peak_rss_mb(),
    }


def main(quick: bool = False) -> None:
    """Run ours and both peers at each size; write benchmarks/results/bench_design.json."""
    sizes = [1_000, 5_000] if quick else [1_000, 10_000, 100_000]
    rows = []
    for n in sizes:
        ours = run_child("benchmarks.bench_design", "ours", str(n))
        pyomo = run_child("benchmarks.bench_design", "pyomo", str(n))
        pulp_ = run_child("benchmarks.bench_design", "pulp", str(n))
        rows.append(
            {
                "candidates": n,
                "ours": ours,
                "pyomo_highs": pyomo,
                "pulp_cbc": pulp_,
                "build_ratio_pyomo": pyomo["build_s"] / max(ours["build_s"], 1e-9),
                "build_ratio_pulp": pulp_["build_s"] / max(ours["build_s"], 1e-9),
                "solve_ratio_pyomo": pyomo["solve_s"] / max(ours["solve_s"], 1e-9),
                "solve_ratio_pulp": pulp_["solve_s"] / max(ours["solve_s"], 1e-9),
                "objective_rel_diff_pyomo": abs(pyomo["objective"] - ours["objective"])
                / max(abs(ours["objective"]), 1.0),
                "objective_rel_diff_pulp": abs(pulp_["objective"] - ours["objective"])
                / max(abs(ours["objective"]), 1.0),
            }
        )
        print(json.dumps(rows[-1]), flush=True)
    result = {
        "gap": GAP,
        "peer_time_limit_s": PEER_TIME_LIMIT_S,
        "runs": rows,
        "targets": {"100k_build_s": 5, "100k_solve_s": 120},
    }
    path = write_result("bench_design" + ("_quick" if quick else ""), result)
    print(f"wrote {path}")


if __name__ == "__main__":
    phase, size = sys.argv[1], int(sys.argv[2])
    print(json.dumps({"ours": _ours, "pyomo": _pyomo, "pulp": _pulp}[phase](size)))
