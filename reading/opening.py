"""Opening a story in the reading view: the story with its current revision and source,
and the reader's reading state, in one statement written out.

Through the ORM these were a story lookup, a reading-state lookup and the state's tags:
building them took the ORM ten times what the database took to answer them, on every
story opened. The statement here asks the database the same questions; the rows become
the same model instances the ORM would have made (Model.from_db, each field's converters).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import connection
from django.http import Http404
from django.utils import timezone

from articles.models import Source, Story, StoryRevision
from newsreader.rows import columns, split

from .models import ReadingState

if TYPE_CHECKING:
    from .models import Viewer


@dataclass(frozen=True)
class Opened:
    story: Story  # with current_revision and source loaded
    state: ReadingState | None  # the reader's, marked read; None for a visitor
    tags: list[str]  # the reader's own tags for the story, by name


def open_story(user: Viewer, story_id: int) -> Opened:
    """The story at /stories/<id>/ as `user` reads it (404 for another reader's copy or a
    story without text yet, as get_visible_story_or_404), marked read for a signed-in
    reader: opening a story reads it (ReadingStateQuerySet.mark_read)."""
    parts = [
        columns(Story, "s"),
        columns(StoryRevision, "r"),
        columns(Source, "src"),
        columns(ReadingState, "st"),
    ]
    q = connection.ops.quote_name
    tags = q(ReadingState.tags.through._meta.db_table)
    reader = int(user.pk) if user.is_authenticated and user.pk is not None else None
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {', '.join(part.sql for part in parts)}, "  # noqa: S608
            # Whether the reader tagged it: their tags are looked up only then.
            f"EXISTS (SELECT 1 FROM {tags} t WHERE t.readingstate_id = st.id) "
            f"FROM {q(Story._meta.db_table)} s "
            f"JOIN {q(StoryRevision._meta.db_table)} r ON r.id = s.current_revision_id "
            f"LEFT JOIN {q(Source._meta.db_table)} src ON src.id = s.source_id "
            f"LEFT JOIN {q(ReadingState._meta.db_table)} st "
            "ON st.story_id = s.id AND st.user_id = %s "
            "WHERE s.id = %s AND (s.owner_id IS NULL OR s.owner_id = %s)",
            [reader, story_id, reader],
        )
        row = cursor.fetchone()
    if row is None:
        raise Http404("No Story matches the given query.")
    story_values, revision_values, source_values, state_values = split(row, parts)
    story: Story = parts[0].instance(story_values)
    story.current_revision = parts[1].instance(revision_values)
    story.source = parts[2].instance(source_values) if source_values[0] is not None else None
    if reader is None:
        return Opened(story, None, [])
    state: ReadingState | None = None
    if state_values[0] is not None:
        state = parts[3].instance(state_values)
    if state is None:
        # The first opening: created as mark_read creates it (another request may have
        # just done so).
        state = ReadingState.objects.mark_read(user, story)  # type: ignore[arg-type]
    elif state.read_at is None:
        state.read_at = timezone.now()
        state.save(update_fields=["read_at", "updated"])
    names: list[str] = []
    if row[-1]:
        names = list(state.tags.values_list("name", flat=True))
    return Opened(story, state, names)
