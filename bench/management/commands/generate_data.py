"""manage.py generate_data: the benchmarks' data (bench/generate.py)."""

from bench.generate import Command

__all__ = ["Command"]
