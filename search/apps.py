from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "search"
    verbose_name = "Search"

    def ready(self) -> None:
        # Keeps the search index in step with stories and annotations.
        from . import signals  # noqa: F401
