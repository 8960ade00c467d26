from typing import Any

from django.apps import AppConfig
from django.db import connections, transaction
from django.db.models.signals import post_migrate


def _ensure_listed_count(sender: Any, using: str = "default", **kwargs: Any) -> None:
    from . import listed

    with transaction.atomic(using=using):
        listed.ensure(connections[using])


class ReadingConfig(AppConfig):
    name = "reading"
    verbose_name = "Reading"

    def ready(self) -> None:
        # A migrate may have rebuilt the stories table (SQLite) and a flush emptied the
        # count: see reading/listed.py.
        post_migrate.connect(_ensure_listed_count, sender=self, dispatch_uid="reading.listed")
