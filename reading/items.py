"""The front page's stories rendered once and kept in the configured cache
(newsreader/fragments.py), under everything an item shows — title, address, source, date,
length, the reader's progress, highlights, saved and read state, the way back — and the
reader it was rendered for: a save, a read, a highlight or a new title is a new key."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.safestring import SafeString

from articles.models import Story
from newsreader import fragments

ITEM = "reading/story_list.html#story_item"


def render_items(
    stories: list[Story], request: HttpRequest, show_query: str, next_url: str
) -> list[SafeString]:
    """stories come from reading.listing.with_reading_state (is_read, is_saved, progress,
    highlight_count)."""
    user = request.user
    viewer = user.pk if user.is_authenticated else None
    items = []
    for story in stories:
        revision = story.current_revision
        parts = (
            viewer,
            story.title,
            story.get_absolute_url(),
            story.is_own_copy,
            story.display_source,
            story.sort_date.isoformat(),
            revision.reading_minutes if revision else None,
            story.progress,  # type: ignore[attr-defined]
            story.highlight_count,  # type: ignore[attr-defined]
            story.dek,
            story.is_read,  # type: ignore[attr-defined]
            story.is_saved,  # type: ignore[attr-defined]
            show_query,
            next_url,
        )
        context = {"story": story, "show_query": show_query, "next_url": next_url}
        context |= {"user": user, "request": request}
        items.append((fragments.key(ITEM, "story", story.pk, parts), context))
    return fragments.render(ITEM, items, request)
