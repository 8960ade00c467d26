"""How many shared stories the front page lists (those with a current revision and no
owner), without counting them: a one-row table (reading.models.ListedStories) kept by
database triggers on the stories table. A reader's own copies are added per reader, from
the index on their owner (reading.listing.counts).

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


def _listed(row: str = "", *, shared_only: bool = True) -> str:
    """The condition for a counted story (of the NEW or OLD row in a SQLite trigger): it
    has a revision and no owner. Before stories had owners (shared_only=False, for
    migration 0003), every story with a revision."""
    condition = f"{row}current_revision_id IS NOT NULL"
    if shared_only:
        condition += f" AND {row}owner_id IS NULL"
    return f"({condition})"


def _postgres(shared_only: bool) -> list[str]:
    listed = _listed(shared_only=shared_only)
    return [
        f"""
        CREATE OR REPLACE FUNCTION {_FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE
            delta bigint := 0;
        BEGIN
            IF TG_OP IN ('INSERT', 'UPDATE') THEN
                delta := delta + (SELECT count(*) FROM new_rows WHERE {listed});
            END IF;
            IF TG_OP IN ('UPDATE', 'DELETE') THEN
                delta := delta - (SELECT count(*) FROM old_rows WHERE {listed});
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


def _sqlite(shared_only: bool) -> list[str]:
    old = _listed("OLD.", shared_only=shared_only)
    new = _listed("NEW.", shared_only=shared_only)
    columns = "current_revision_id, owner_id" if shared_only else "current_revision_id"
    return [
        f"CREATE TRIGGER IF NOT EXISTS {TRIGGERS[0]} AFTER INSERT ON {STORIES} "
        f"WHEN {new} BEGIN {_UPSERT.format(delta=1)}; END",
        f"CREATE TRIGGER IF NOT EXISTS {TRIGGERS[1]} AFTER UPDATE OF {columns} ON {STORIES} "
        f"WHEN {old} <> {new} "
        f"BEGIN {_UPSERT.format(delta=f'CASE WHEN {new} THEN 1 ELSE -1 END')}; END",
        f"CREATE TRIGGER IF NOT EXISTS {TRIGGERS[2]} AFTER DELETE ON {STORIES} "
        f"WHEN {old} BEGIN {_UPSERT.format(delta=-1)}; END",
    ]


_STATEMENTS = {"postgresql": _postgres, "sqlite": _sqlite}


def install(connection: BaseDatabaseWrapper, *, shared_only: bool = True) -> None:
    """(Re)create the triggers and set the count from the stories, in one transaction.
    shared_only=False: for the stories table before it had owners (migration 0003)."""
    try:
        statements = _STATEMENTS[connection.vendor](shared_only)
    except KeyError:
        raise NotImplementedError(
            f"Listed stories are not counted on {connection.vendor}."
        ) from None
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)
        cursor.execute(
            f"INSERT INTO {TABLE} (id, total) "  # noqa: S608
            f"SELECT 1, count(*) FROM {STORIES} WHERE {_listed(shared_only=shared_only)} "
            # "AND true": SQLite would read ON CONFLICT as part of the SELECT's join.
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
    SQLite deletes the stories and the count in whichever order). A migrate may have gone
    back to before stories had owners."""
    if connection.vendor not in _STATEMENTS:
        return
    if TABLE not in connection.introspection.table_names():
        return
    with connection.cursor() as cursor:
        columns = connection.introspection.get_table_description(cursor, STORIES)
    shared_only = any(column.name == "owner_id" for column in columns)
    if not shared_only:
        # Triggers of the owners' schema would name a column that is not there.
        uninstall(connection)
    install(connection, shared_only=shared_only)
