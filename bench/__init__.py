"""Benchmarks: python -m bench.NAME; results in BENCHMARKS.md."""
