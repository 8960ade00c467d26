from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.http import HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from annotations.in_story import StoryAnnotations
from articles.models import Story
from newsreader import paging
from newsreader.http import HtmxHttpRequest

from . import listing
from .items import render_items
from .models import ReadingState
from .opening import Opened, open_story

PAGE_SIZE = 25


@require_GET
def story_list(request: HtmxHttpRequest) -> HttpResponse:
    # All, unread, saved or annotated: the reader's own library (a visitor sees all).
    show = listing.parse_show(request.GET.get("show"), request.user)
    listed = Story.objects.visible_to(request.user).for_listing()
    stories = listing.with_reading_state(listing.only(listed, request.user, show), request.user)
    # Keyset paging: "before" is the last story shown (a bad cursor: the first page).
    cursor = paging.parse(request.GET.get("before"))
    if cursor is not None:
        stories = stories.before(*cursor)
    page, last = paging.split(stories[: PAGE_SIZE + 1], PAGE_SIZE)
    next_cursor = paging.encode(last.sort_date, last.pk) if last else None
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
        "stories": page,
        "story_items": render_items(page, request, show_query, next_url),
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


@require_GET
def story_detail(request: HtmxHttpRequest, story_id: int, slug: str = "") -> HttpResponseBase:
    opened = open_story(request.user, story_id)
    if slug != opened.story.slug:
        return redirect(opened.story, permanent=True)
    return render_story(request, opened.story, opened=opened)


def render_story(
    request: HtmxHttpRequest,
    story: Story,
    extra: dict[str, Any] | None = None,
    status: int = 200,
    opened: Opened | None = None,
) -> HttpResponse:
    """The reading view; ``extra`` context from a form posted on it that is shown again
    with its errors (a quote to highlight that was not found); ``opened``: the story as
    open_story found it with the reader's state (else looked up here)."""
    revision = story.current_revision
    assert revision is not None
    # The annotations the reader may see, drawn into the body as <mark>s and listed beside
    # it, in a constant number of queries however many there are.
    annotations = StoryAnnotations.load(story, revision, request.user)
    # Opening a story reads it; its progress lets the reading view scroll back.
    state, tags = (opened.state, opened.tags) if opened else (None, [])
    if opened is None and request.user.is_authenticated:
        state = ReadingState.objects.mark_read(request.user, story)
        tags = list(state.tags.values_list("name", flat=True))
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
            "story_tags": tags,
            "newer": newer,
            "older": older,
            "show_query": listing.show_query(show),
            "nav_scope": "" if show == listing.ALL else f"{show} ",
            **(extra or {}),
        },
        status=status,
    )
