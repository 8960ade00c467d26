"""One search box for stories and highlights, with the library's filters."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from django.conf import settings
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Lower
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.safestring import SafeString
from django.views.decorators.http import require_GET

from annotations.models import Annotation, AnnotationQuerySet, Tag
from articles.models import Source, Story, StoryQuerySet
from newsreader import fragments, paging
from newsreader.http import HtmxHttpRequest
from newsreader.sanitizer import markdown_to_text
from reading import listing
from reading.models import ReadingState

from . import engine
from .forms import HIGHLIGHTS, STORIES, SearchForm
from .query import HIT_START, SearchQuery, mark_hits

PAGE_SIZE = 20
# Highlights shown above the stories that match; the Highlights tab has all of them.
HIGHLIGHT_PREVIEW = 3


@dataclass(frozen=True)
class StoryResult:
    story: Story
    title_html: SafeString
    snippet_html: SafeString | None
    html: SafeString | None = None  # the whole result, once rendered (_rendered)


@dataclass(frozen=True)
class HighlightResult:
    annotation: Annotation
    quote_html: SafeString
    comment_html: SafeString | None


@dataclass(frozen=True)
class Page:
    results: list[Any]
    cursor: str | None  # where the next page starts; None on the last page
    cut: bool = False  # more matched than were ranked (settings.SEARCH_CANDIDATES)


# --- The filters, as querysets of what may be shown


def _stories(form: SearchForm, request: HtmxHttpRequest) -> StoryQuerySet:
    data = form.cleaned_data
    stories = Story.objects.visible_to(request.user).filter(current_revision__isnull=False)
    if data.get("source"):
        stories = stories.filter(source_id=data["source"])
    since, until = form.date_range()
    if since:
        stories = stories.filter(sort_date__gte=since)
    if until:
        stories = stories.filter(sort_date__lt=until)
    return listing.filter_stories(
        stories,
        request.user,
        unread=data.get("unread", False),
        saved=data.get("saved", False),
        annotated=data.get("annotated", False),
        tag=data.get("tag", ""),
        colour=data.get("colour", ""),
    )


def _highlights(form: SearchForm, request: HtmxHttpRequest) -> AnnotationQuerySet:
    """Highlights the reader may see; "with my highlights" narrows them to their own, and
    the date range is when they were made."""
    data, user = form.cleaned_data, request.user
    annotations = Annotation.objects.visible_to(user)
    if data.get("source"):
        annotations = annotations.filter(story__source_id=data["source"])
    since, until = form.date_range()
    if since:
        annotations = annotations.filter(created__gte=since)
    if until:
        annotations = annotations.filter(created__lt=until)
    if user.is_authenticated:
        states = ReadingState.objects.filter(story=OuterRef("story"), user_id=user.pk)
        if data.get("unread"):
            annotations = annotations.filter(~Exists(states.filter(read_at__isnull=False)))
        if data.get("saved"):
            annotations = annotations.filter(Exists(states.filter(saved_at__isnull=False)))
        if data.get("annotated"):
            annotations = annotations.filter(author_id=user.pk)
        if data.get("tag"):
            annotations = annotations.filter(tags__name=data["tag"])
        if data.get("colour"):
            annotations = annotations.filter(colour=data["colour"])
    return annotations


# --- One page of results


def _search_stories(
    query: SearchQuery,
    allowed: QuerySet[Story] | None,
    request: HtmxHttpRequest,
    after: str | None,
) -> Page:
    """allowed: the filters' stories; None without filters (the index lists no others, and
    its rows say whose copy a story is)."""
    hits = engine.rank(
        engine.STORIES,
        query,
        allowed,
        engine.Cursor.parse(after),
        PAGE_SIZE + 1,
        visible_to=request.user,
    )
    page = hits[:PAGE_SIZE]
    ids = [hit.pk for hit in page]
    listed = Story.objects.visible_to(request.user).for_listing()
    stories = listing.with_reading_state(listed, request.user).in_bulk(ids)
    snippets = engine.snippets(engine.STORIES, query, ids)
    results = []
    for pk in ids:
        story = stories.get(pk)
        if story is None:  # deleted between the two queries
            continue
        title, dek, _byline, body = snippets.get(pk, (story.title, "", "", ""))
        # The body's best fragment; the dek when only the dek has the words.
        snippet = dek if HIT_START not in body and HIT_START in dek else body
        results.append(StoryResult(story, mark_hits(title), mark_hits(snippet) or None))
    cursor = str(page[-1].cursor) if len(hits) > PAGE_SIZE else None
    return Page(results, cursor, hits.cut)


def _browse_stories(allowed: QuerySet[Story], request: HtmxHttpRequest, after: str | None) -> Page:
    """No words to search for, only filters: newest first, like the front page."""
    listed = Story.objects.visible_to(request.user).for_listing()
    stories = listing.with_reading_state(listed.filter(pk__in=allowed.values("pk")), request.user)
    cursor = paging.parse(after)
    if cursor is not None:
        stories = stories.before(*cursor)
    found, last = paging.split(stories[: PAGE_SIZE + 1], PAGE_SIZE)
    results = [StoryResult(story, mark_hits(story.title), None) for story in found]
    return Page(results, paging.encode(last.sort_date, last.pk) if last else None)


STORY_RESULT = "search/search.html#story_result"


def _rendered(results: list[StoryResult], request: HtmxHttpRequest) -> list[StoryResult]:
    """Each story found rendered once and kept (newsreader/fragments.py, as the front
    page keeps its stories), under everything it shows and the reader it was rendered
    for: a page of results rendered each item's markup anew, a few times what finding
    and ranking them took for a word in every story."""
    user = request.user
    viewer = user.pk if user.is_authenticated else None
    back = request.get_full_path()  # where the save / read buttons come back to
    items = []
    for result in results:
        story, revision = result.story, result.story.current_revision
        parts = (
            viewer,
            str(result.title_html),
            None if result.snippet_html is None else str(result.snippet_html),
            story.get_absolute_url(),
            story.is_own_copy,
            story.display_source,
            story.sort_date.isoformat(),
            revision.reading_minutes if revision else None,
            story.highlight_count,  # type: ignore[attr-defined]
            story.dek,
            story.title,
            story.is_read,  # type: ignore[attr-defined]
            story.is_saved,  # type: ignore[attr-defined]
            back,
        )
        key = fragments.key(
            STORY_RESULT, "search", story.pk, parts, includes=["reading/story_list.html"]
        )
        items.append((key, {"result": result, "user": user, "request": request}))
    html = fragments.render(STORY_RESULT, items, request)
    return [replace(result, html=rendered) for result, rendered in zip(results, html, strict=True)]


def _highlight_results(
    annotations: list[Annotation], snippets: dict[int, tuple[str, ...]]
) -> list[HighlightResult]:
    results = []
    for annotation in annotations:
        quote, _tags, comment = snippets.get(annotation.pk, (annotation.exact, "", ""))
        # The index holds the comment's Markdown; a snippet is shown as the text it renders
        # to (the hit markers are private-use characters, kept as text by the renderer).
        comment = markdown_to_text(comment) if comment else ""
        results.append(
            HighlightResult(annotation, mark_hits(quote), mark_hits(comment) if comment else None)
        )
    return results


def _search_highlights(
    query: SearchQuery,
    allowed: QuerySet[Annotation] | None,
    request: HtmxHttpRequest,
    after: str | None,
    limit: int = PAGE_SIZE,
) -> Page:
    """allowed: the filters' highlights; None without filters (the index rows say who may
    see them)."""
    hits = engine.rank(
        engine.ANNOTATIONS,
        query,
        allowed,
        engine.Cursor.parse(after),
        limit + 1,
        visible_to=request.user,
    )
    page = hits[:limit]
    ids = [hit.pk for hit in page]
    results = _highlight_results(
        Annotation.objects.listed(ids), engine.snippets(engine.ANNOTATIONS, query, ids)
    )
    cursor = str(page[-1].cursor) if len(hits) > limit else None
    return Page(results, cursor, hits.cut)


def _browse_highlights(allowed: AnnotationQuerySet, after: str | None) -> Page:
    annotations = allowed.order_by("-created", "-id")
    cursor = paging.parse(after)
    if cursor is not None:
        annotations = annotations.before(*cursor)
    found, last = paging.split(annotations.values_list("pk", "created")[: PAGE_SIZE + 1], PAGE_SIZE)
    ids = [pk for pk, _created in found]
    results = _highlight_results(Annotation.objects.listed(ids), {})
    return Page(results, paging.encode(last[1], last[0]) if last else None)


# --- The view


def _choices(request: HtmxHttpRequest) -> dict[str, Any]:
    # A feed's stories are shared ones: no reader's copy has a source.
    has_stories = Story.objects.shared().filter(
        source=OuterRef("pk"), current_revision__isnull=False
    )
    sources = list(
        Source.objects.filter(Exists(has_stories))
        .order_by(Lower("name"), "pk")
        .values_list("pk", "name")
    )
    tags = None
    if request.user.is_authenticated:
        # My highlights' tags and my own tags on stories (imported), in one query.
        mine = Q(annotations__author_id=request.user.pk) | Q(
            pk__in=ReadingState.tags.through.objects.filter(
                readingstate__user_id=request.user.pk
            ).values("tag_id")
        )
        tags = list(
            Tag.objects.filter(mine).distinct().order_by("name").values_list("name", flat=True)
        )
    return {"sources": sources, "tags": tags}


@require_GET
def search_view(request: HtmxHttpRequest) -> HttpResponse:
    form = SearchForm(request.GET, **_choices(request))
    kind = form.selected_kind
    after = request.GET.get("after")
    page = Page([], None)
    preview = Page([], None)
    active = False
    if form.is_valid():
        query = form.query
        filtered = form.filtered()
        active = query.is_searchable or filtered
        # Without filters, the index alone says what may be found: no pass over every
        # story or highlight to list the allowed ones.
        stories = _stories(form, request) if filtered else None
        highlights = _highlights(form, request) if filtered else None
        if kind == STORIES and query.is_searchable:
            page = _search_stories(query, stories, request, after)
            if not after:
                preview = _search_highlights(query, highlights, request, None, HIGHLIGHT_PREVIEW)
        elif kind == STORIES and active:
            page = _browse_stories(_stories(form, request), request, after)
        elif kind == HIGHLIGHTS and query.is_searchable:
            page = _search_highlights(query, highlights, request, after)
        elif kind == HIGHLIGHTS and active:
            page = _browse_highlights(_highlights(form, request), after)

    if kind == STORIES:
        page = replace(page, results=_rendered(page.results, request))

    params = request.GET.copy()
    params.pop("after", None)
    next_query = None
    if page.cursor:
        following = params.copy()
        following["after"] = page.cursor
        next_query = following.urlencode()
    tabs = []
    for value, label in (STORIES, "Stories"), (HIGHLIGHTS, "Highlights"):
        tab = params.copy()
        tab["kind"] = value
        tabs.append({"kind": value, "label": label, "query": tab.urlencode()})
    context = {
        "form": form,
        "kind": kind,
        "active": active,
        "results": page.results,
        "cut": page.cut,
        "candidates": settings.SEARCH_CANDIDATES,
        "next_query": next_query,
        "preview": preview.results,
        "more_highlights": preview.cursor is not None,
        "highlights_query": tabs[1]["query"],
        "tabs": tabs,
        "q": form.cleaned_data.get("q", "") if form.is_valid() else request.GET.get("q", ""),
    }
    template = "search/search.html"
    if request.htmx and not request.htmx.history_restore_request:
        template += "#page" if after else "#results"
        context["oob_errors"] = not after
    return render(request, template, context)
