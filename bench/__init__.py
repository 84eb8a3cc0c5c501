"""Benchmark scripts named in issues (outside the installed package)."""
