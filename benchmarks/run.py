"""Run every benchmark (``make bench``); each writes benchmarks/results/<name>.json."""

from __future__ import annotations

import argparse
import importlib

BENCHMARKS = [
    "benchmarks.bench_io",
    "benchmarks.bench_match",
    "benchmarks.bench_design",
    "benchmarks.bench_allocate",
    "benchmarks.bench_hard",
    "benchmarks.bench_baseline",
    "benchmarks.bench_classify",
    "benchmarks.bench_ledger",
    "benchmarks.bench_resilience",
    "benchmarks.bench_stochastic",
    "benchmarks.bench_parallel",
]


def main() -> None:
    """Run the benchmarks named on the command line, or all of them."""
    parser = argparse.ArgumentParser()
    parser.add_argument("names", nargs="*", default=BENCHMARKS)
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke run")
    args = parser.parse_args()
    for name in args.names:
        module = importlib.import_module(name if "." in name else f"benchmarks.{name}")
        module.main(quick=args.quick)


if __name__ == "__main__":
    main()
