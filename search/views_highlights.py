"""My highlights: every annotation of the signed-in reader, newest first, filtered by
colour, tag and story, and ranked by the search index when words are given."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from annotations.models import Annotation, Tag
from articles.models import Story
from newsreader import paging
from newsreader.http import HtmxHttpRequest

from . import engine
from .forms import HighlightFilterForm

if TYPE_CHECKING:
    from django.contrib.auth.models import User

PAGE_SIZE = 25


@require_GET
@login_required
def my_highlights(request: HtmxHttpRequest) -> HttpResponse:
    user = cast("User", request.user)
    tags = list(Tag.objects.filter(annotations__author_id=user.pk).distinct())
    form = HighlightFilterForm(request.GET, tags=[tag.name for tag in tags])
    filters = form.filters()
    # A story the reader never annotated is no filter (and its title is not shown).
    story_title = None
    if filters.get("story"):
        story_title = Story.objects.visible_to(user).annotated_by(user).title_of(filters["story"])
        if story_title is None:
            filters["story"] = None
    annotations = Annotation.objects.by(user).matching(
        colour=filters.get("colour"), tag=filters.get("tag"), story=filters.get("story")
    )
    query = request.GET.copy()
    query.pop("after", None)
    query.pop("before", None)
    every_story = query.copy()
    every_story.pop("story", None)
    next_query = None
    page: list[Annotation] = []
    more = False  # a page after the first: only its rows are sent to htmx
    cut = False
    if "q" in form.errors:
        pass  # said above the results: every highlight would answer another question
    elif form.query.is_searchable:
        # Best match first, paged by (rank, id): "after" is the last one shown.
        after = engine.Cursor.parse(request.GET.get("after"))
        more = after is not None
        hits = engine.rank(engine.ANNOTATIONS, form.query, annotations, after, PAGE_SIZE + 1)
        page = Annotation.objects.listed([hit.pk for hit in hits[:PAGE_SIZE]])
        cut = hits.cut
        if len(hits) > PAGE_SIZE:
            query["after"] = str(hits[PAGE_SIZE - 1].cursor)
            next_query = query.urlencode()
    else:
        # Newest first, paged by (created, id): "before" is the last one shown.
        cursor = paging.parse(request.GET.get("before"))
        more = cursor is not None
        newest = annotations.newest_first(cursor).select_related("story")
        page, last = paging.split(newest[: PAGE_SIZE + 1].with_thread(replies=False), PAGE_SIZE)
        if last is not None:
            query["before"] = paging.encode(last.created, last.pk)
            next_query = query.urlencode()
    context = {
        "form": form,
        "annotations": page,
        "next_query": next_query,
        "ranked": form.query.is_searchable,
        "cut": cut,
        "candidates": settings.SEARCH_CANDIDATES,
        "story_title": story_title,
        "every_story_query": every_story.urlencode(),
        "filtered": any(filters.get(name) for name in ("q", "colour", "tag", "story"))
        or "q" in form.errors,
    }
    template = "search/highlights.html"
    if request.htmx and not request.htmx.history_restore_request:
        template += "#page" if more else "#results"
    return render(request, template, context)
