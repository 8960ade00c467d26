from typing import Any

from django.apps import AppConfig
from django.db import connections, transaction
from django.db.models.signals import post_migrate


def _ensure_listed_count(sender: Any, using: str = "default", **kwargs: Any) -> None:
    from . import listed

    with transaction.atomic(using=using):
        listed.ensure(connections[using])


class LibraryConfig(AppConfig):
    name = "library"
    verbose_name = "Reading library"

    def ready(self) -> None:
        # Keeps the search index in step with stories and annotations.
        from . import signals  # noqa: F401

        # A migrate may have rebuilt the stories table (SQLite) and a flush emptied the
        # count: see library/listed.py.
        post_migrate.connect(_ensure_listed_count, sender=self, dispatch_uid="library.listed")
