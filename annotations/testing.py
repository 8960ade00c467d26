"""Helpers for tests that need annotations (imported by tests/, not by the app)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from articles.models import Story

from .anchoring import describe
from .models import Annotation, Colour, Visibility

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def annotate(
    story: Story,
    author: User,
    quote: str,
    *,
    occurrence: int = 0,
    colour: str = Colour.YELLOW,
    comment: str = "",
    tags: Sequence[str] = (),
    visibility: str = Visibility.PUBLIC,
) -> Annotation:
    """Highlight the occurrence-th copy of quote in the story's current text."""
    revision = story.current_revision
    assert revision is not None
    text = revision.body_text
    start = -1
    for _ in range(occurrence + 1):
        start = text.index(quote, start + 1)
    return Annotation.objects.create_from_selection(
        story=story,
        author=author,
        revision_id=revision.pk,
        selectors=describe(text, start, start + len(quote)),
        colour=colour,
        comment=comment,
        tags=tags,
        visibility=visibility,
    )
