"""Data-migration tests: run an app's migrations back and forth inside a test."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.apps.registry import Apps
from django.core.management.sql import emit_post_migrate_signal
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone


def migrate(targets: list[tuple[str, str]]) -> Apps:
    """Migrate to targets; the models as they are then (every app as far as it is
    migrated: going back in one app also unapplies what depends on it in others)."""
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    loader = MigrationLoader(connection)
    return loader.project_state(sorted(loader.applied_migrations)).apps


@contextmanager
def back_to_latest(app: str) -> Iterator[None]:
    """Whatever the test migrates the app to, the rest of the session runs on the whole
    schema again."""
    loader = MigrationExecutor(connection).loader
    loader.build_graph()
    # Every app's latest, not only this one's: going back in `app` also unapplied the
    # migrations of other apps that depend on it (library 0007 on annotations 0005).
    latest = loader.graph.leaf_nodes()
    assert any(node[0] == app for node in latest), app
    try:
        yield
    finally:
        migrate(latest)
        # As the migrate command does: apps put back what a table rebuild lost (the
        # listed-stories triggers on SQLite, reading/listed.py).
        emit_post_migrate_signal(verbosity=0, interactive=False, db=connection.alias)


def old_story(apps: Apps) -> tuple[Any, Any, Any, dict[str, Any]]:
    """A reader, a story with one revision ("Old words here") and the fields of a highlight
    of its first word, made with the models as they were at `apps`."""
    user = apps.get_model("auth", "User").objects.create(username="ada")
    story = apps.get_model("articles", "Story").objects.create(
        title="Old", url="https://ex.com/old", sort_date=timezone.now()
    )
    revision = apps.get_model("articles", "StoryRevision").objects.create(
        story=story, number=1, title="Old", body_html="<p>Old words here</p>",
        body_text="Old words here", content_hash="x" * 64, origin="file",
    )  # fmt: skip
    fields = {"exact": "Old", "start": 0, "end": 3, "original_exact": "Old"}
    fields |= {"original_start": 0, "original_end": 3}
    return user, story, revision, fields
