from django.apps import AppConfig


class BenchConfig(AppConfig):
    """The benchmarks' management commands (make bench): outside the product apps, which
    never import this package."""

    name = "bench"
    verbose_name = "Benchmarks"
