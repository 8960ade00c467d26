"""Data-migration tests: run an app's migrations back and forth inside a test."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.apps.registry import Apps
from django.db import connection
from django.db.migrations.executor import MigrationExecutor


def migrate(targets: list[tuple[str, str]]) -> Apps:
    """Migrate to targets; the models as they are then (the other apps at their latest)."""
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    apps = {app for app, _name in targets}
    others = [leaf for leaf in executor.loader.graph.leaf_nodes() if leaf[0] not in apps]
    return executor.loader.project_state([*targets, *others]).apps


@contextmanager
def back_to_latest(app: str) -> Iterator[None]:
    """Whatever the test migrates the app to, the rest of the session runs on the whole
    schema again."""
    loader = MigrationExecutor(connection).loader
    loader.build_graph()
    latest = max(node for node in loader.graph.leaf_nodes() if node[0] == app)
    try:
        yield
    finally:
        migrate([latest])
