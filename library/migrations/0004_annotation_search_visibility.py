"""The annotation index keeps each annotation's author and visibility (library/search.py),
so that a search over what a reader may see reads the matches only.

0002 creates the table with them now; this adds them to a table it made before, filled
from the annotations."""

from typing import Any

from django.db import migrations

TOKENIZER = "porter unicode61 remove_diacritics 2"
TABLE = "library_annotation_search"


def _columns(schema_editor: Any) -> set[str]:
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_name = %s",
                [TABLE],
            )
        else:
            cursor.execute("SELECT name FROM pragma_table_info(%s)", [TABLE])
        return {row[0] for row in cursor.fetchall()}


def add_columns(apps: Any, schema_editor: Any) -> None:
    if "author_id" in _columns(schema_editor):
        return
    run = schema_editor.execute
    if schema_editor.connection.vendor == "postgresql":
        run(f"ALTER TABLE {TABLE} ADD COLUMN author_id bigint, ADD COLUMN visibility varchar(16)")
        run(
            "UPDATE library_annotation_search d "
            "SET author_id = a.author_id, visibility = a.visibility "
            "FROM annotations_annotation a WHERE a.id = d.annotation_id"
        )
        # Rows of annotations deleted without their index row.
        run("DELETE FROM library_annotation_search WHERE author_id IS NULL")
        run(
            f"ALTER TABLE {TABLE} ALTER COLUMN author_id SET NOT NULL, "
            "ALTER COLUMN visibility SET NOT NULL"
        )
        return
    # FTS5 tables take no new columns: a new table, the rows copied into it.
    run(f"DROP TABLE {TABLE}_terms")
    run(f"ALTER TABLE {TABLE} RENAME TO {TABLE}_old")
    run(
        f"CREATE VIRTUAL TABLE {TABLE} USING fts5(quote, tags, comment, "
        f"author_id UNINDEXED, visibility UNINDEXED, tokenize='{TOKENIZER}')"
    )
    run(
        "INSERT INTO library_annotation_search "
        "(rowid, quote, tags, comment, author_id, visibility) "
        "SELECT d.rowid, d.quote, d.tags, d.comment, a.author_id, a.visibility "
        "FROM library_annotation_search_old d JOIN annotations_annotation a ON a.id = d.rowid"
    )
    run(f"DROP TABLE {TABLE}_old")
    run(f"CREATE VIRTUAL TABLE {TABLE}_terms USING fts5vocab({TABLE}, instance)")


class Migration(migrations.Migration):
    dependencies = [
        ("library", "0003_listed_stories"),
        ("annotations", "0001_initial"),
    ]

    # Backwards the columns stay: this code writes them whichever migration is applied.
    operations = [migrations.RunPython(add_columns, migrations.RunPython.noop)]
