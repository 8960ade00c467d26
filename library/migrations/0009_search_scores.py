"""SQLite: each indexed document's score per term, stored beside the FTS5 tables
(search.engine) so that ranking reads the candidates' scores instead of every occurrence of
a common word. Filled from the FTS5 indexes as they are; PostgreSQL has nothing to do."""

from typing import Any

from django.db import migrations


def forwards(apps: Any, schema_editor: Any) -> None:
    from search import engine as search

    connection = schema_editor.connection
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        for spec in search.INDEXES:
            search.install_scores(cursor, spec)
            search.SQLiteBackend().rescore(cursor, spec)


def backwards(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "sqlite":
        return
    for table in ("library_annotation_search_scores", "library_story_search_scores"):
        schema_editor.execute(f"DROP TABLE IF EXISTS {table}")


class Migration(migrations.Migration):
    dependencies = [("library", "0008_models_move_to_reading")]

    operations = [migrations.RunPython(forwards, backwards)]
