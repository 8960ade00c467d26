"""manage.py bench_pages: the page benchmark (bench/pages.py)."""

from bench.pages import Command

__all__ = ["Command"]
