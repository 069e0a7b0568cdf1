"""Issue 11 benchmark: the design benchmark's synthetic instance (1k, 10k, 100k candidates)
with 10 % of the candidates running today (their links built: sunk, a running cost only),
5 % of the facilities with a plant process (one of its demands in, one of its supplies out)
and 5 % of the demands in shared duties (two demands of a facility filling one need).

Per size, in the same run: the current model on the plain instance (the design benchmark's
``ours``), the same model with the baseline, processes and duties (``full``), today's
network valued by the same builder (``today``), and the peers (Pyomo + HiGHS, PuLP + CBC)
given the same model as ``full`` (the existing links' fixed costs as ours sees them, sunk:
running cost only, and the processes and duties written out as bench_design._extras says),
so their time and objective are compared with ``full``; ``baseline_only`` is ours without
processes and duties.

    .venv/bin/python -m benchmarks.run bench_baseline          # full (1k, 10k, 100k)
    .venv/bin/python -m benchmarks.run bench_baseline --quick  # 1k and 5k
"""

from __future__ import annotations

import json
import sys
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from benchmarks._common import peak_rss_mb, run_child, timed, write_result

GAP = 0.01
EXISTING_SHARE = 0.10
PROCESS_SHARE = 0.05
DUTY_SHARE = 0.05


def _instance(n: int, extras: bool) -> tuple[Any, pd.DataFrame]:
    """The design benchmark's instance; with ``extras`` 10 % of its candidates run today
    (documented exchanges at half their largest flow, links built), 5 % of its facilities
    have a process and 5 % of its demands sit in shared duties."""
    from benchmarks.bench_design import _instance as plain

    net, cand = plain(n)
    if not extras:
        return net, cand
    rng = np.random.default_rng(23)
    cand = cand.copy()
    running = rng.random(len(cand)) < EXISTING_SHARE
    # one exchange per supply-demand pair
    running &= ~cand.duplicated(["supply_id", "demand_id"]).to_numpy()
    ids = np.array([f"EX{k:07d}" for k in range(int(running.sum()))], dtype=object)
    exchanges = pd.DataFrame(
        {
            "id": ids,
            "supply_id": cand.loc[running, "supply_id"].to_numpy(dtype=object),
            "demand_id": cand.loc[running, "demand_id"].to_numpy(dtype=object),
            "quantity": 0.0,
            "status": "existing",
        }
    )
    # documented quantities that fit their streams: half of each stream shared equally
    streams = net.streams.set_index("id")["quantity"]
    per_supply = exchanges.groupby("supply_id")["id"].transform("count").to_numpy()
    per_demand = exchanges.groupby("demand_id")["id"].transform("count").to_numpy()
    ratio = cand.loc[running, "demand_units_per_unit"].to_numpy(dtype=float)
    exchanges["quantity"] = np.minimum(
        0.5 * streams.reindex(exchanges["supply_id"]).to_numpy() / per_supply,
        0.5 * streams.reindex(exchanges["demand_id"]).to_numpy() / per_demand / ratio,
    )
    cand.loc[running, "exchange_id"] = ids
    cand.loc[running, "exchange_status"] = "existing"
    cand.loc[running, "link_status"] = "built"
    cand.loc[running, "capex_per_yr"] = 0.0
    cand.loc[running, "operating_cost_per_yr"] = 0.05 * cand.loc[running, "fixed_cost_per_yr"]
    cand.loc[running, "fixed_cost_per_yr"] = cand.loc[running, "operating_cost_per_yr"]
    full = exchanges.reindex(columns=net.exchanges.columns)
    for col in ("id", "supply_id", "demand_id", "quantity", "status"):
        full[col] = exchanges[col].to_numpy()
    st = net.streams
    facilities = st.groupby("facility_id")
    processes, ports, duties, members = [], [], [], []
    taken: set[str] = set()
    for fid, group in facilities:
        sup = group[group["direction"] == "supply"]
        dem = group[group["direction"] == "demand"]
        if len(sup) and len(dem) and rng.random() < PROCESS_SHARE:
            pid = f"P{len(processes):06d}"
            inlet, outlet = dem.iloc[0], sup.iloc[0]
            processes.append(
                {
                    "id": pid,
                    "facility_id": fid,
                    "unit": "t/yr",
                    "capacity": float(inlet["quantity"]),
                    "operating_cost": 0.5,
                    "status": "existing",
                }
            )
            ports.append(
                {"process_id": pid, "stream_id": inlet["id"], "direction": "in", "ratio": 1.0}
            )
            ports.append(
                {"process_id": pid, "stream_id": outlet["id"], "direction": "out", "ratio": 0.9}
            )
            taken |= {inlet["id"], outlet["id"]}
        free = dem[~dem["id"].isin(taken)]
        if len(free) >= 2 and rng.random() < 2 * DUTY_SHARE:
            did = f"D{len(duties):06d}"
            pair = free.iloc[:2]
            duties.append(
                {
                    "id": did,
                    "facility_id": fid,
                    "unit": "t/yr",
                    "amount": float(pair["quantity"].max()),
                }
            )
            for sid in pair["id"]:
                members.append({"duty_id": did, "stream_id": sid, "ratio": 1.0})
    from symbiograph.model import empty_table

    def table(name: str, rows: list[dict[str, Any]]) -> pd.DataFrame:
        frame = empty_table(name)
        if not rows:
            return frame
        data = pd.DataFrame(rows).reindex(columns=frame.columns)
        return data

    net = replace(
        net,
        exchanges=full,
        processes=table("processes", processes),
        process_ports=table("process_ports", ports),
        duties=table("duties", duties),
        duty_members=table("duty_members", members),
    )
    return net, cand


def _design(n: int, extras: bool) -> dict[str, Any]:
    from symbiograph.optimize import DesignSettings, design_network

    net, cand = _instance(n, extras)
    sol, total = timed(lambda: design_network(net, cand, DesignSettings(mip_gap=GAP)))
    return {
        "candidates": len(cand),
        "existing": int((cand.get("exchange_status") == "existing").sum()),
        "processes": len(net.processes),
        "duties": len(net.duties),
        "duty_demands": len(net.duty_members),
        "objective": sol.net_benefit,
        "status": sol.status,
        "mip_gap": sol.mip_gap,
        "parts": sol.parts,
        "build_s": sol.timings["build_s"],
        "solve_s": sol.timings["solve_s"],
        "total_s": total,
        "peak_rss_mb": peak_rss_mb(),
    }


def _today(n: int) -> dict[str, Any]:
    from symbiograph.optimize import design_today

    net, cand = _instance(n, True)
    sol, total = timed(lambda: design_today(net, cand))
    return {"objective": sol.net_benefit, "status": sol.status, "total_s": total}


def _peer(name: str, n: int) -> dict[str, Any]:
    """A peer on the same model as ``full``: the existing links' fixed costs as ours sees
    them (sunk: running cost only), the plant processes and the shared duties written as
    bench_design._extras says."""
    import benchmarks.bench_design as design

    instance = _instance(n, True)
    return dict(design._pyomo(n, instance) if name == "pyomo" else design._pulp(n, instance))


def _baseline_only(n: int) -> dict[str, Any]:
    """Ours on the peers' instance: existing links sunk, no processes or duties."""
    from symbiograph.optimize import DesignSettings, design_network

    net, cand = _instance(n, True)
    net = replace(
        net,
        processes=net.processes.iloc[0:0],
        process_ports=net.process_ports.iloc[0:0],
        duties=net.duties.iloc[0:0],
        duty_members=net.duty_members.iloc[0:0],
    )
    sol, total = timed(lambda: design_network(net, cand, DesignSettings(mip_gap=GAP)))
    return {
        "objective": sol.net_benefit,
        "status": sol.status,
        "build_s": sol.timings["build_s"],
        "solve_s": sol.timings["solve_s"],
        "total_s": total,
    }


def main(quick: bool = False) -> None:
    """Run the model with and without the baseline, processes and duties, today's
    valuation and the peers at each size; write benchmarks/results/bench_baseline.json."""
    sizes = [1_000, 5_000] if quick else [1_000, 10_000, 100_000]
    rows = []
    for n in sizes:
        plain = run_child("benchmarks.bench_baseline", "plain", str(n))
        full = run_child("benchmarks.bench_baseline", "full", str(n))
        today = run_child("benchmarks.bench_baseline", "today", str(n))
        ours_same = run_child("benchmarks.bench_baseline", "baseline_only", str(n))
        pyomo = run_child("benchmarks.bench_baseline", "pyomo", str(n))
        pulp_ = run_child("benchmarks.bench_baseline", "pulp", str(n))
        rows.append(
            {
                "candidates": n,
                "plain": plain,
                "full": full,
                "today": today,
                "baseline_only": ours_same,
                "pyomo_highs": pyomo,
                "pulp_cbc": pulp_,
                "time_ratio_full_vs_plain": full["total_s"] / max(plain["total_s"], 1e-9),
                "solve_ratio_pyomo": pyomo["solve_s"] / max(full["solve_s"], 1e-9),
                "solve_ratio_pulp": pulp_["solve_s"] / max(full["solve_s"], 1e-9),
                "objective_rel_diff_pyomo": abs(pyomo["objective"] - full["objective"])
                / max(abs(full["objective"]), 1.0),
                "objective_rel_diff_pulp": abs(pulp_["objective"] - full["objective"])
                / max(abs(full["objective"]), 1.0),
                "design_at_least_today": full["objective"] >= today["objective"] - 1e-6,
            }
        )
        print(json.dumps(rows[-1]), flush=True)
    result = {
        "gap": GAP,
        "existing_share": EXISTING_SHARE,
        "process_share_of_facilities": PROCESS_SHARE,
        "duty_share_of_demands": DUTY_SHARE,
        "runs": rows,
    }
    path = write_result("bench_baseline" + ("_quick" if quick else ""), result)
    print(f"wrote {path}")


if __name__ == "__main__":
    phase, size = sys.argv[1], int(sys.argv[2])
    runners = {
        "plain": lambda k: _design(k, False),
        "full": lambda k: _design(k, True),
        "today": _today,
        "baseline_only": _baseline_only,
        "pyomo": lambda k: _peer("pyomo", k),
        "pulp": lambda k: _peer("pulp", k),
    }
    print(json.dumps(runners[phase](size), default=float))
