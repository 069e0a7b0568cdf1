"""Benchmarks: one script per benchmark, JSON out under benchmarks/results/."""
