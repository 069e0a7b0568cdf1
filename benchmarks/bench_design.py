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


def _extras(net: Any, cand: pd.DataFrame) -> dict[str, Any]:
    """The plant processes and shared duties of ``net`` as the peers write them (the rows of
    optimize._processes): per process an activity in [0, capacity] at its operating cost per
    unit; per out-port stream, what the candidates send <= sum ratio * activity; per in-port
    stream, what they deliver (in its units) = sum ratio * activity when the stream has no
    price, <= it and sum ratio * activity <= the stream's quantity when it has one; per duty,
    sum over members of ratio * delivered <= amount. Only existing processes without a
    minimum load (the benchmark's): anything else is refused, not approximated."""
    procs = net.processes
    if len(procs) and (
        (procs["status"].fillna("existing") != "existing").any()
        or (procs["min_load"].fillna(0) > 0).any()
    ):
        raise ValueError("the peers model existing processes without a minimum load only")
    streams = net.streams.drop_duplicates("id").set_index("id")
    position = {pid: k for k, pid in enumerate(procs["id"])}
    units = cand["demand_units_per_unit"].to_numpy(dtype=float)
    by_supply = cand.groupby("supply_id").indices
    by_demand = cand.groupby("demand_id").indices
    outputs, inputs = [], []
    for sid, ports in net.process_ports.groupby("stream_id", sort=True):
        makers = [
            (position[p], float(r))
            for p, r in zip(ports["process_id"], ports["ratio"], strict=True)
        ]
        if (ports["direction"] == "out").all():
            outputs.append(([int(i) for i in by_supply.get(sid, [])], makers))
        else:
            price = streams.loc[sid, "price"]
            feeds = [(int(i), float(units[i])) for i in by_demand.get(sid, [])]
            priced = bool(pd.notna(price))
            inputs.append((feeds, makers, priced, float(streams.loc[sid, "quantity"])))
    duties = []
    members = net.duty_members.groupby("duty_id")
    for did, amount in zip(net.duties["id"], net.duties["amount"], strict=True):
        group = members.get_group(did)
        terms = [
            (int(i), float(r) * float(units[i]))
            for sid, r in zip(group["stream_id"], group["ratio"], strict=True)
            for i in by_demand.get(sid, [])
        ]
        duties.append((float(amount), terms))
    return {
        "capacity": procs["capacity"].astype(float).tolist(),
        "operating_cost": procs["operating_cost"].fillna(0.0).astype(float).tolist(),
        "outputs": outputs,
        "inputs": inputs,
        "duties": duties,
    }


def _pyomo(n: int, instance: tuple[Any, pd.DataFrame] | None = None) -> dict[str, Any]:
    """Pyomo + HiGHS on the design of :func:`_instance` (or of ``instance``, with its
    processes and duties when it has any)."""
    import pyomo.environ as pyo

    net, cand = instance or _instance(n)
    d = _data(net, cand)
    extra = _extras(net, cand)
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
    procs = range(len(extra["capacity"]))
    m.a = pyo.Var(procs, bounds=lambda _m, p: (0, extra["capacity"][p]))
    outputs, inputs, duties = extra["outputs"], extra["inputs"], extra["duties"]
    m.output = pyo.Constraint(
        range(len(outputs)),
        rule=lambda _m, k: (
            sum(_m.x[i] for i in outputs[k][0]) <= sum(r * _m.a[p] for p, r in outputs[k][1])
        ),
    )

    def _input(_m: Any, k: int) -> Any:
        feeds, makers, priced, _ = inputs[k]
        made = sum(r * _m.a[p] for p, r in makers)
        delivered = sum(u * _m.x[i] for i, u in feeds)
        return delivered <= made if priced else delivered == made

    m.input = pyo.Constraint(range(len(inputs)), rule=_input)
    bought = [k for k in range(len(inputs)) if inputs[k][2]]
    m.purchase = pyo.Constraint(
        bought, rule=lambda _m, k: sum(r * _m.a[p] for p, r in inputs[k][1]) <= inputs[k][3]
    )
    m.duty = pyo.Constraint(
        [k for k in range(len(duties)) if duties[k][1]],  # a duty nothing can fill: no row
        rule=lambda _m, k: sum(c * _m.x[i] for i, c in duties[k][1]) <= duties[k][0],
    )
    m.obj = pyo.Objective(
        expr=sum(d["unit"][i] * m.x[i] for i in idx)
        - sum(d["fixed"][i] * m.y[i] for i in with_fixed)
        - sum(extra["operating_cost"][p] * m.a[p] for p in procs),
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


def _pulp(n: int, instance: tuple[Any, pd.DataFrame] | None = None) -> dict[str, Any]:
    """PuLP + CBC on the design of :func:`_instance` (or of ``instance``, with its processes
    and duties when it has any)."""
    import pulp

    net, cand = instance or _instance(n)
    d = _data(net, cand)
    extra = _extras(net, cand)
    start = time.perf_counter()
    prob = pulp.LpProblem("design", pulp.LpMaximize)
    x = [pulp.LpVariable(f"x{i}", 0, d["upper"][i]) for i in range(len(d["ids"]))]
    terms = [d["unit"][i] * x[i] for i in range(len(x))]
    for i in range(len(x)):
        if d["fixed"][i] > 0:
            y = pulp.LpVariable(f"y{i}", cat="Binary")
            prob += x[i] <= d["upper"][i] * y
            terms.append(-d["fixed"][i] * y)
    a = [pulp.LpVariable(f"a{p}", 0, cap) for p, cap in enumerate(extra["capacity"])]
    terms += [-cost * a[p] for p, cost in enumerate(extra["operating_cost"])]
    prob += pulp.lpSum(terms)
    for sid, rows in d["supply"].items():
        prob += pulp.lpSum(x[i] for i in rows) <= d["quantity"][sid]
    for did, rows in d["demand"].items():
        prob += pulp.lpSum(d["ratio"][i] * x[i] for i in rows) <= d["quantity"][did]
    for feeds, makers in extra["outputs"]:
        prob += pulp.lpSum(x[i] for i in feeds) <= pulp.lpSum(r * a[p] for p, r in makers)
    for feeds, makers, priced, quantity in extra["inputs"]:
        made = pulp.lpSum(r * a[p] for p, r in makers)
        delivered = pulp.lpSum(u * x[i] for i, u in feeds)
        if priced:
            prob += delivered <= made
            prob += made <= quantity
        else:
            prob += delivered == made
    for amount, duty_terms in extra["duties"]:
        prob += pulp.lpSum(c * x[i] for i, c in duty_terms) <= amount
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
