from __future__ import annotations

from datetime import datetime

from django.http import HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET

from newsreader.http import HtmxHttpRequest

from .models import Story

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
    stories = Story.objects.for_listing()
    cursor = _parse_cursor(request.GET.get("before"))
    if cursor is not None:
        stories = stories.before(*cursor)
    page = list(stories[: PAGE_SIZE + 1])
    next_cursor = _cursor_for(page[PAGE_SIZE - 1]) if len(page) > PAGE_SIZE else None
    context = {"stories": page[:PAGE_SIZE], "next_cursor": next_cursor}
    template = "articles/story_list.html"
    if request.htmx and cursor is not None:
        template += "#page"
    return render(request, template, context)


def _get_story(story_id: int) -> Story:
    return get_object_or_404(
        Story.objects.select_related("source", "current_revision").filter(
            current_revision__isnull=False
        ),
        pk=story_id,
    )


@require_GET
def story_detail(request: HtmxHttpRequest, story_id: int, slug: str = "") -> HttpResponseBase:
    story = _get_story(story_id)
    if slug != story.slug:
        return redirect(story, permanent=True)
    revision = story.current_revision
    assert revision is not None
    return render(
        request,
        "articles/story_detail.html",
        {"story": story, "revision": revision, "body_html": revision.body_html},
    )
