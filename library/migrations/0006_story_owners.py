"""Stories have owners (articles 0004/0005): a reader's own copy is counted, listed and found
for them only.

* The count of listed stories (library/listed.py) counts shared stories only; the front
  page adds each reader's own copies.
* The story index keeps each story's owner (library/search.py), so a search leaves out
  other readers' copies on the index rows themselves. Stories articles 0005 moved or
  restored are indexed again, with their annotations, and so is any listed story the
  index missed (0002 left stories to this migration: it ran before they had owners).
"""

from typing import Any

from django.db import migrations

TOKENIZER = "porter unicode61 remove_diacritics 2"
TABLE = "library_story_search"


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


def _add_owner_column(schema_editor: Any) -> bool:
    """Give the story index its owner column; True when the table was made anew (empty)."""
    if "owner_id" in _columns(schema_editor):
        return False
    run = schema_editor.execute
    if schema_editor.connection.vendor == "postgresql":
        run(f"ALTER TABLE {TABLE} ADD COLUMN owner_id bigint")
        run(
            f"UPDATE {TABLE} d SET owner_id = s.owner_id FROM articles_story s "  # noqa: S608
            "WHERE s.id = d.story_id AND s.owner_id IS NOT NULL"
        )
        return False
    # FTS5 tables take no new columns: a new one, filled below from the stories.
    run(f"DROP TABLE IF EXISTS {TABLE}_terms")
    run(f"DROP TABLE {TABLE}")
    run(
        f"CREATE VIRTUAL TABLE {TABLE} USING fts5(title, dek, byline, body, "
        f"owner_id UNINDEXED, tokenize='{TOKENIZER}')"
    )
    run(f"CREATE VIRTUAL TABLE {TABLE}_terms USING fts5vocab({TABLE}, instance)")
    return True


def forwards(apps: Any, schema_editor: Any) -> None:
    # Today's search and count code, as 0002 and 0003 use it: the tables it reads are
    # the ones this migration leaves.
    from reading import listed
    from search import engine as search

    connection = schema_editor.connection
    listed.uninstall(connection)
    listed.install(connection, shared_only=True)

    Story = apps.get_model("articles", "Story")
    Annotation = apps.get_model("annotations", "Annotation")
    remade = _add_owner_column(schema_editor)
    listed_stories = Story.objects.filter(current_revision__isnull=False)
    if remade:
        stories = list(listed_stories.values_list("pk", flat=True))
    else:
        key = "story_id" if connection.vendor == "postgresql" else "rowid"
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {key} FROM {TABLE}")  # noqa: S608
            indexed = {row[0] for row in cursor.fetchall()}
        touched = listed_stories.filter(owner__isnull=False) | listed_stories.filter(
            revisions__origin__in=["paste", "file"]
        )
        stories = sorted(
            set(touched.values_list("pk", flat=True))
            | (set(listed_stories.values_list("pk", flat=True)) - indexed)
        )
    for start in range(0, len(stories), 500):
        batch = stories[start : start + 500]
        search.index_stories(batch)
        search.index_annotations(
            list(Annotation.objects.filter(story_id__in=batch).values_list("pk", flat=True))
        )


def backwards(apps: Any, schema_editor: Any) -> None:
    from reading import listed

    # The index's owner column stays: this code writes it whichever migration is applied.
    listed.uninstall(schema_editor.connection)
    listed.install(schema_editor.connection, shared_only=False)


class Migration(migrations.Migration):
    dependencies = [
        ("library", "0005_sessions_use_preferences_backend"),
        ("articles", "0006_reader_copies"),
        ("annotations", "0003_listing_indexes"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
