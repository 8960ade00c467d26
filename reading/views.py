from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from django.http import HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET

from annotations.in_story import StoryAnnotations
from articles.models import Story
from newsreader.http import HtmxHttpRequest

from . import listing
from .items import render_items
from .models import ReadingState

PAGE_SIZE = 25


def _parse_cursor(value: str | None) -> tuple[datetime, int] | None:
    """Keyset cursor "<sort_date ISO>~<id>"; a bad cursor just means the first page."""
    if not value or "~" not in value:
        return None
    when, _, pk = value.rpartition("~")
    try:
        return datetime.fromisoformat(when), int(pk)
    except ValueError:
        return None


def _cursor_for(story: Story) -> str:
    return f"{story.sort_date.isoformat()}~{story.pk}"


@require_GET
def story_list(request: HtmxHttpRequest) -> HttpResponse:
    # All, unread, saved or annotated: the reader's own library (a visitor sees all).
    show = listing.parse_show(request.GET.get("show"), request.user)
    listed = Story.objects.visible_to(request.user).for_listing()
    stories = listing.with_reading_state(listing.only(listed, request.user, show), request.user)
    cursor = _parse_cursor(request.GET.get("before"))
    if cursor is not None:
        stories = stories.before(*cursor)
    page = list(stories[: PAGE_SIZE + 1])
    next_cursor = _cursor_for(page[PAGE_SIZE - 1]) if len(page) > PAGE_SIZE else None
    next_query = None
    if next_cursor:
        next_query = urlencode(
            {"show": show, "before": next_cursor}
            if show != listing.ALL
            else {"before": next_cursor}
        )
    next_url = request.get_full_path()  # the buttons' way back, once for all stories
    show_query = listing.show_query(show)
    context: dict[str, Any] = {
        "stories": page[:PAGE_SIZE],
        "story_items": render_items(page[:PAGE_SIZE], request, show_query, next_url),
        "next_cursor": next_cursor,
        "next_query": next_query,
        "show": show,
        "show_query": show_query,
        "next_url": next_url,
    }
    template = "reading/story_list.html"
    if request.htmx and cursor is not None:
        template += "#page"
    elif request.user.is_authenticated:
        context["shows"] = listing.tabs(request.user, show)
    return render(request, template, context)


def _get_story(request: HtmxHttpRequest, story_id: int) -> Story:
    return get_object_or_404(
        Story.objects.visible_to(request.user)
        .select_related("source", "current_revision")
        .filter(current_revision__isnull=False),
        pk=story_id,
    )


@require_GET
def story_detail(request: HtmxHttpRequest, story_id: int, slug: str = "") -> HttpResponseBase:
    story = _get_story(request, story_id)
    if slug != story.slug:
        return redirect(story, permanent=True)
    return render_story(request, story)


def render_story(
    request: HtmxHttpRequest, story: Story, extra: dict[str, Any] | None = None, status: int = 200
) -> HttpResponse:
    """The reading view; ``extra`` context from a form posted on it that is shown again
    with its errors (a quote to highlight that was not found)."""
    revision = story.current_revision
    assert revision is not None
    # The annotations the reader may see, drawn into the body as <mark>s and listed beside
    # it, in a constant number of queries however many there are.
    annotations = StoryAnnotations.load(story, revision, request.user)
    # Opening a story reads it; its progress lets the reading view scroll back.
    state = None
    if request.user.is_authenticated:
        state = ReadingState.objects.mark_read(request.user, story)
    # Newer / older within the list the reader came from: "next" from the Unread tab is
    # the next unread story.
    show = listing.parse_show(request.GET.get("show"), request.user)
    newer, older = listing.neighbours(story, request.user, show)
    return render(
        request,
        "reading/story_detail.html",
        {
            "story": story,
            "revision": revision,
            **annotations.context(request),
            **listing.story_state_context(story, state),
            "progress": state.progress if state else 0,
            # The reader's own tags for the story (imported from Pocket, Omnivore, …).
            "story_tags": list(state.tags.values_list("name", flat=True)) if state else [],
            "newer": newer,
            "older": older,
            "show_query": listing.show_query(show),
            "nav_scope": "" if show == listing.ALL else f"{show} ",
            **(extra or {}),
        },
        status=status,
    )
