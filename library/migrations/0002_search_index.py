"""The full-text indexes (see library/search.py): tsvector tables with GIN indexes on
PostgreSQL, FTS5 tables on SQLite. They are not models (neither kind maps onto fields), so
each operation runs only on the database it is written for."""

from typing import Any

from django.db import migrations

TOKENIZER = "porter unicode61 remove_diacritics 2"

# STORAGE MAIN keeps a story's tsvector in its row (compressed) rather than in TOAST:
# ranking reads every match's vector, and fetching each from TOAST made a common word's
# search several times slower (and hid the table's real size from the planner).
# fastupdate off: a GIN pending list, until vacuumed, makes the planner shun the index;
# stories arrive one at a time, so inserting straight into the index costs little.
POSTGRES = {
    "forwards": [
        "CREATE TABLE library_story_search ("
        " story_id bigint PRIMARY KEY, document tsvector NOT NULL)",
        "ALTER TABLE library_story_search ALTER COLUMN document SET STORAGE MAIN",
        "CREATE INDEX library_story_search_gin ON library_story_search"
        " USING gin (document) WITH (fastupdate = off)",
        # The author and visibility since 0004 (which adds them to tables made before).
        "CREATE TABLE library_annotation_search ("
        " annotation_id bigint PRIMARY KEY, document tsvector NOT NULL,"
        " author_id bigint NOT NULL, visibility varchar(16) NOT NULL)",
        "ALTER TABLE library_annotation_search ALTER COLUMN document SET STORAGE MAIN",
        "CREATE INDEX library_annotation_search_gin ON library_annotation_search"
        " USING gin (document) WITH (fastupdate = off)",
    ],
    "backwards": [
        "DROP TABLE IF EXISTS library_annotation_search",
        "DROP TABLE IF EXISTS library_story_search",
    ],
}

SQLITE = {
    "forwards": [
        "CREATE VIRTUAL TABLE library_story_search USING fts5("
        f"title, dek, byline, body, tokenize='{TOKENIZER}')",
        "CREATE VIRTUAL TABLE library_story_search_terms"
        " USING fts5vocab(library_story_search, instance)",
        "CREATE VIRTUAL TABLE library_annotation_search USING fts5("
        f"quote, tags, comment, author_id UNINDEXED, visibility UNINDEXED, tokenize='{TOKENIZER}')",
        "CREATE VIRTUAL TABLE library_annotation_search_terms"
        " USING fts5vocab(library_annotation_search, instance)",
    ],
    "backwards": [
        "DROP TABLE IF EXISTS library_annotation_search_terms",
        "DROP TABLE IF EXISTS library_annotation_search",
        "DROP TABLE IF EXISTS library_story_search_terms",
        "DROP TABLE IF EXISTS library_story_search",
    ],
}

STATEMENTS = {"postgresql": POSTGRES, "sqlite": SQLITE}


def _run(schema_editor: Any, direction: str) -> None:
    vendor = schema_editor.connection.vendor
    if vendor not in STATEMENTS:
        raise RuntimeError(f"Full-text search is not implemented for {vendor}.")
    for statement in STATEMENTS[vendor][direction]:
        schema_editor.execute(statement)


def create_indexes(apps: Any, schema_editor: Any) -> None:
    _run(schema_editor, "forwards")
    # Index the annotations already stored (`manage.py rebuild_search_index` does the
    # same). The search module reads the tables directly, with today's column names: a new
    # database has nothing to index and skips it. Stories are indexed by 0006, once they
    # have owners (their index rows keep them).
    from search import engine as search

    if not apps.get_model("articles", "Story").objects.exists():
        return
    with schema_editor.connection.cursor() as cursor:
        search.backend(schema_editor.connection.vendor).index(cursor, search.ANNOTATIONS, None)


def drop_indexes(apps: Any, schema_editor: Any) -> None:
    _run(schema_editor, "backwards")


class Migration(migrations.Migration):
    dependencies = [
        ("library", "0001_initial"),
        ("articles", "0001_initial"),
        ("annotations", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_indexes, drop_indexes)]
