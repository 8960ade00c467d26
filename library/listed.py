"""How many stories the front page lists (those with a current revision), without counting
them: a one-row table (library.models.ListedStories) kept by database triggers on the
stories table.

Triggers rather than signals: stories are also written by bulk_create, queryset updates
and deletes (generate_data, the admin, cascades), which send no signals, and every one of
those writes must move the count. Each trigger adds its change with an upsert, so the row
exists from the first listed story on; a missing row means no story is listed (a flush
empties both tables together).

PostgreSQL: statement-level triggers over the transition tables, one upsert per statement
and none when the statement listed or unlisted nothing (the row lock is only taken by
writes that change the count). SQLite: row-level triggers whose WHEN clause skips the
same writes.

SQLite rebuilds a table to alter it (Django's schema editor copies it into a new one), and
the copy has no triggers: `ensure`, run after every migrate and flush
(apps.LibraryConfig), puts them back and counts again.
"""

from __future__ import annotations

from django.db.backends.base.base import BaseDatabaseWrapper

STORIES = "articles_story"
TABLE = "library_listedstories"
TRIGGERS = (
    "library_listed_inserted",
    "library_listed_updated",
    "library_listed_deleted",
)
_FUNCTION = "library_listed_count"

_UPSERT = (
    f"INSERT INTO {TABLE} (id, total) VALUES (1, {{delta}}) "  # noqa: S608
    f"ON CONFLICT (id) DO UPDATE SET total = {TABLE}.total + excluded.total"
)

_POSTGRES = [
    f"""
    CREATE OR REPLACE FUNCTION {_FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
        delta bigint := 0;
    BEGIN
        IF TG_OP IN ('INSERT', 'UPDATE') THEN
            delta := delta + (SELECT count(*) FROM new_rows
                              WHERE current_revision_id IS NOT NULL);
        END IF;
        IF TG_OP IN ('UPDATE', 'DELETE') THEN
            delta := delta - (SELECT count(*) FROM old_rows
                              WHERE current_revision_id IS NOT NULL);
        END IF;
        IF delta <> 0 THEN
            {_UPSERT.format(delta="delta")};
        END IF;
        RETURN NULL;
    END
    $$
    """,  # noqa: S608
    f"CREATE OR REPLACE TRIGGER {TRIGGERS[0]} AFTER INSERT ON {STORIES} "
    f"REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION {_FUNCTION}()",
    f"CREATE OR REPLACE TRIGGER {TRIGGERS[1]} AFTER UPDATE ON {STORIES} "
    "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows "
    f"FOR EACH STATEMENT EXECUTE FUNCTION {_FUNCTION}()",
    f"CREATE OR REPLACE TRIGGER {TRIGGERS[2]} AFTER DELETE ON {STORIES} "
    f"REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION {_FUNCTION}()",
]

_SQLITE = [
    f"CREATE TRIGGER IF NOT EXISTS {TRIGGERS[0]} AFTER INSERT ON {STORIES} "
    f"WHEN NEW.current_revision_id IS NOT NULL BEGIN {_UPSERT.format(delta=1)}; END",
    f"CREATE TRIGGER IF NOT EXISTS {TRIGGERS[1]} AFTER UPDATE OF current_revision_id "
    f"ON {STORIES} WHEN (OLD.current_revision_id IS NULL) <> (NEW.current_revision_id IS NULL) "
    "BEGIN "
    + _UPSERT.format(delta="CASE WHEN NEW.current_revision_id IS NULL THEN -1 ELSE 1 END")
    + "; END",
    f"CREATE TRIGGER IF NOT EXISTS {TRIGGERS[2]} AFTER DELETE ON {STORIES} "
    f"WHEN OLD.current_revision_id IS NOT NULL BEGIN {_UPSERT.format(delta=-1)}; END",
]

_STATEMENTS = {"postgresql": _POSTGRES, "sqlite": _SQLITE}


def _statements(connection: BaseDatabaseWrapper) -> list[str]:
    try:
        return _STATEMENTS[connection.vendor]
    except KeyError:
        raise NotImplementedError(
            f"Listed stories are not counted on {connection.vendor}."
        ) from None


def install(connection: BaseDatabaseWrapper) -> None:
    """(Re)create the triggers and set the count from the stories, in one transaction."""
    with connection.cursor() as cursor:
        for statement in _statements(connection):
            cursor.execute(statement)
        cursor.execute(
            f"INSERT INTO {TABLE} (id, total) "  # noqa: S608
            f"SELECT 1, count(*) FROM {STORIES} WHERE current_revision_id IS NOT NULL "
            # "WHERE true": SQLite would read ON CONFLICT as part of the SELECT's join.
            "AND true ON CONFLICT (id) DO UPDATE SET total = excluded.total"
        )


def uninstall(connection: BaseDatabaseWrapper) -> None:
    with connection.cursor() as cursor:
        for name in TRIGGERS:
            if connection.vendor == "postgresql":
                cursor.execute(f"DROP TRIGGER IF EXISTS {name} ON {STORIES}")
            else:
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
        if connection.vendor == "postgresql":
            cursor.execute(f"DROP FUNCTION IF EXISTS {_FUNCTION}()")


def ensure(connection: BaseDatabaseWrapper) -> None:
    """After a migrate or a flush: the triggers in place and the count right (a flush on
    SQLite deletes the stories and the count in whichever order)."""
    if connection.vendor in _STATEMENTS and TABLE in connection.introspection.table_names():
        install(connection)
