from django.apps import AppConfig


class LibraryConfig(AppConfig):
    name = "library"
    verbose_name = "Reading library"

    def ready(self) -> None:
        # Keeps the search index in step with stories and annotations.
        from . import signals  # noqa: F401
