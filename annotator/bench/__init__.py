"""Benchmarks behind `annotator bench`: one module per budget in DESIGN.md."""
