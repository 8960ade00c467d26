"""What the lists and the reading view need to know about a reader's library, each in a
constant number of indexed queries."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from django.db import connection
from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    FilteredRelation,
    FloatField,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce

from annotations.models import Annotation
from articles.models import Story

from .models import ListedStories, ReadingState

if TYPE_CHECKING:
    from .models import Viewer

ALL, UNREAD, SAVED, ANNOTATED = "all", "unread", "saved", "annotated"
SHOWS = [(ALL, "All"), (UNREAD, "Unread"), (SAVED, "Saved"), (ANNOTATED, "Annotated")]


def parse_show(value: str | None, user: Viewer) -> str:
    """The front page's filter; an unknown one, or any but "all" for a visitor, is "all"."""
    if not user.is_authenticated or value not in dict(SHOWS):
        return ALL
    return value


def show_query(show: str) -> str:
    """The query string that keeps a story link in its front-page list ("" for all)."""
    return "" if show == ALL else f"?{urlencode({'show': show})}"


def _reader_id(user: Viewer) -> int:
    assert user.pk is not None, "only for a signed-in reader"
    return int(user.pk)


def with_reading_state[S: QuerySet[Story]](stories: S, user: Viewer) -> S:
    """Annotate is_read, is_saved, progress and highlight_count (the reader's own) on each
    story: one LEFT JOIN and one subquery in the same query, for any number of stories."""
    if not user.is_authenticated:
        return stories.annotate(
            is_read=Value(False), is_saved=Value(False), progress=Value(0.0)
        ).annotate(highlight_count=Value(0))
    mine = (
        Annotation.objects.filter(story=OuterRef("pk"), author_id=_reader_id(user))
        .order_by()
        .values("story")
        .annotate(n=Count("*"))  # not the ids: the (author, story) index answers alone
        .values("n")
    )
    return stories.annotate(
        state=FilteredRelation(
            "reading_states", condition=Q(reading_states__user_id=_reader_id(user))
        ),
    ).annotate(
        is_read=ExpressionWrapper(Q(state__read_at__isnull=False), output_field=BooleanField()),
        is_saved=ExpressionWrapper(Q(state__saved_at__isnull=False), output_field=BooleanField()),
        progress=Coalesce(F("state__progress"), Value(0.0), output_field=FloatField()),
        highlight_count=Coalesce(Subquery(mine, output_field=IntegerField()), Value(0)),
    )


def _states(user: Viewer) -> QuerySet[ReadingState]:
    return ReadingState.objects.filter(story=OuterRef("pk"), user_id=_reader_id(user))


def _my_annotations(user: Viewer) -> QuerySet[Annotation]:
    return Annotation.objects.filter(story=OuterRef("pk"), author_id=_reader_id(user))


def only[S: QuerySet[Story]](stories: S, user: Viewer, show: str) -> S:
    """The stories of one front-page filter."""
    if show == UNREAD:
        return stories.filter(~Exists(_states(user).filter(read_at__isnull=False)))
    if show == SAVED:
        return stories.filter(Exists(_states(user).filter(saved_at__isnull=False)))
    if show == ANNOTATED:
        return stories.filter(Exists(_my_annotations(user)))
    return stories


def filter_stories[S: QuerySet[Story]](
    stories: S,
    user: Viewer,
    *,
    unread: bool = False,
    saved: bool = False,
    annotated: bool = False,
    tag: str = "",
    colour: str = "",
) -> S:
    """The search page's reader filters; tag and colour mean "with a highlight of mine
    with that tag and that colour". A tag alone also finds the stories I tagged myself
    (ReadingState.tags: Pocket's tags, Omnivore's labels, brought in by an import)."""
    if not user.is_authenticated:
        return stories
    if unread:
        stories = only(stories, user, UNREAD)
    if saved:
        stories = only(stories, user, SAVED)
    if annotated or tag or colour:
        highlights = _my_annotations(user)
        if tag:
            highlights = highlights.filter(tags__name=tag)
        if colour:
            highlights = highlights.filter(colour=colour)
        found = Q(Exists(highlights))
        if tag and not colour and not annotated:
            tagged = ReadingState.objects.filter(
                story=OuterRef("pk"), user_id=_reader_id(user), tags__name=tag
            )
            found |= Q(Exists(tagged))
        stories = stories.filter(found)
    return stories


def counts(user: Viewer) -> dict[str, int]:
    """How many stories each front-page filter shows, in one query that never passes over
    the shared stories: their total is kept by triggers (reading/listed.py); the reader's
    own copies, read, saved and annotated stories are counted from indexes on their own
    stories, reading states and annotations (a reader has states and annotations on the
    stories they may see only)."""
    if not user.is_authenticated:
        listed = ListedStories.objects.filter(pk=1).values_list("total", flat=True)
        return {ALL: listed.first() or 0}
    # One statement of five indexed scalar subqueries, written out: the ORM spent longer
    # building it than the database spent answering it, on every front page.
    q = connection.ops.quote_name
    story, state = q(Story._meta.db_table), q(ReadingState._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT COALESCE((SELECT total FROM {q(ListedStories._meta.db_table)} "  # noqa: S608
            "WHERE id = 1), 0), "
            f"(SELECT COUNT(*) FROM {story} WHERE owner_id = %s "
            "AND current_revision_id IS NOT NULL), "
            f"(SELECT COUNT(*) FROM {state} WHERE user_id = %s AND read_at IS NOT NULL), "
            f"(SELECT COUNT(*) FROM {state} WHERE user_id = %s AND saved_at IS NOT NULL), "
            "(SELECT COUNT(DISTINCT story_id) FROM "
            f"{q(Annotation._meta.db_table)} WHERE author_id = %s)",
            [_reader_id(user)] * 4,
        )
        shared, copies, read, saved, annotated = cursor.fetchone()
    total = shared + copies
    return {ALL: total, UNREAD: max(0, total - read), SAVED: saved, ANNOTATED: annotated}


def tabs(user: Viewer, show: str) -> list[dict[str, Any]]:
    """The front page's All / Unread / Saved / Annotated tabs with their counts."""
    found = counts(user)
    return [
        {"value": value, "label": label, "count": found[value], "current": value == show}
        for value, label in SHOWS
    ]


def neighbours(story: Story, user: Viewer, show: str = ALL) -> tuple[Story | None, Story | None]:
    """The stories before (newer) and after (older) this one in the front-page list the
    reader came from (all, unread, saved or annotated), among those they may see.

    Two lookups on the (sort_date, id) listing index, in one statement written out: the
    ORM spent ten times longer building the two than the database spent answering them.
    The range condition on sort_date alone is what lets the database start at the story in
    the index; the tie-break on id only filters stories sharing its date. A filter adds an
    indexed probe of the reader's own reading state or annotations per story passed over.
    Each found story has its id, title and sort_date only.
    """
    q = connection.ops.quote_name
    table, state = q(Story._meta.db_table), q(ReadingState._meta.db_table)
    where, params = "current_revision_id IS NOT NULL AND owner_id IS NULL", []
    if user.is_authenticated:
        reader = _reader_id(user)
        where = "current_revision_id IS NOT NULL AND (owner_id IS NULL OR owner_id = %s)"
        params = [reader]
        mine = {
            UNREAD: f"NOT EXISTS (SELECT 1 FROM {state} r WHERE r.story_id = s.id "  # noqa: S608
            "AND r.user_id = %s AND r.read_at IS NOT NULL)",
            SAVED: f"EXISTS (SELECT 1 FROM {state} r WHERE r.story_id = s.id "  # noqa: S608
            "AND r.user_id = %s AND r.saved_at IS NOT NULL)",
            ANNOTATED: f"EXISTS (SELECT 1 FROM {q(Annotation._meta.db_table)} a "  # noqa: S608
            "WHERE a.story_id = s.id AND a.author_id = %s)",
        }.get(show)
        if mine:
            where, params = f"{where} AND {mine}", [reader, reader]
    when = connection.ops.adapt_datetimefield_value(story.sort_date)
    listed = f"SELECT %s, s.id, s.title, s.sort_date FROM {table} s WHERE {where}"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT * FROM ({listed} AND s.sort_date >= %s "  # noqa: S608
            "AND (s.sort_date > %s OR s.id > %s) ORDER BY s.sort_date, s.id LIMIT 1) newer "
            f"UNION ALL SELECT * FROM ({listed} AND s.sort_date <= %s "
            "AND (s.sort_date < %s OR s.id < %s) "
            "ORDER BY s.sort_date DESC, s.id DESC LIMIT 1) older",
            [0, *params, when, when, story.pk, 1, *params, when, when, story.pk],
        )
        rows = cursor.fetchall()
    column = Story._meta.get_field("sort_date").get_col(Story._meta.db_table)
    converters = connection.ops.get_db_converters(column) + column.get_db_converters(connection)
    found: list[Story | None] = [None, None]
    for side, pk, title, value in rows:
        for converter in converters:
            value = converter(value, column, connection)
        found[side] = Story(pk=pk, title=title, sort_date=value)
    return found[0], found[1]


def story_state_context(story: Any, state: ReadingState | None) -> dict[str, Any]:
    """Context for the save / read toggles ("reading/story_list.html#story_state")."""
    return {
        "story": story,
        "is_read": state.is_read if state else False,
        "is_saved": state.is_saved if state else False,
    }
