from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import reswap, retarget

from articles.models import Story, get_visible_story_or_404
from newsreader import paging
from newsreader.http import HtmxHttpRequest
from newsreader.ratelimit import ratelimit
from reading.views import render_story
from search import engine as search

from .forms import (
    AnnotationCreateForm,
    AnnotationEditForm,
    AttachForm,
    HighlightFilterForm,
    QuoteForm,
    ReplyForm,
)
from .idempotency import new_key
from .in_story import StoryAnnotations
from .models import Annotation, QuoteAmbiguous, Reply, SelectionError, Tag

if TYPE_CHECKING:
    from django.contrib.auth.models import User

PAGE_SIZE = 25
CARD = "annotations/annotation.html#card"


# --- Access helpers: whatever the user may not see is a 404.


def _get_annotation_for_user(request: HtmxHttpRequest, annotation_id: int) -> Annotation:
    annotation = get_object_or_404(
        Annotation.objects.visible_to(request.user).select_related("story", "author"),
        pk=annotation_id,
    )
    return annotation.show_to(request.user)


def _get_own_annotation(request: HtmxHttpRequest, annotation_id: int) -> Annotation:
    annotation = _get_annotation_for_user(request, annotation_id)
    if not annotation.can_edit(request.user):
        raise PermissionDenied("Only the author can change this annotation.")
    return annotation


def _get_reply_for_user(request: HtmxHttpRequest, reply_id: int) -> Reply:
    visible = Annotation.objects.visible_to(request.user)
    return get_object_or_404(
        Reply.objects.filter(annotation__in=visible).select_related("annotation"), pk=reply_id
    )


def _signed_in(request: HtmxHttpRequest) -> User:
    """request.user in a view behind login_required."""
    assert request.user.is_authenticated
    return cast("User", request.user)


def _in_story(annotation: Annotation, anchor: str = "annotation") -> str:
    return f"{annotation.story_url}#{anchor}-{annotation.pk}"


# --- Fragments sent back to the reading view.


def _fragments(request: HtmxHttpRequest, *parts: tuple[str, dict[str, Any]]) -> HttpResponse:
    """One response made of several rendered partials (the first is the swap target's)."""
    return HttpResponse(
        "".join(render_to_string(template, context, request) for template, context in parts)
    )


def _story_updates(request: HtmxHttpRequest, story: Story) -> list[tuple[str, dict[str, Any]]]:
    """Out-of-band swaps that redraw the story body's marks and the sidebar's count."""
    story = get_visible_story_or_404(request.user, story.pk)
    revision = story.current_revision
    assert revision is not None
    annotations = StoryAnnotations.load(story, revision, request.user)
    return [
        (
            "reading/story_detail.html#body",
            {"revision": revision, "body_html": annotations.body_html(), "oob": True},
        ),
        (
            "annotations/sidebar.html#summary",
            {"annotation_count": annotations.count, "oob": True},
        ),
    ]


# --- Views


QUOTE_CHOICES = 20  # places offered when typed words are in the story more than once
CHOICE_CONTEXT = 50  # characters of context on each side of a place


def _quote_choices(story: Story, error: QuoteAmbiguous) -> list[dict[str, Any]]:
    """The places a typed quote is in, with some words around each, to choose from."""
    revision = story.current_revision
    assert revision is not None
    text = revision.body_text
    choices = []
    for number, (start, end) in enumerate(error.occurrences[:QUOTE_CHOICES], start=1):
        before = " ".join(text[max(0, start - CHOICE_CONTEXT) : start].split(" ")[1:])
        after = " ".join(text[end : end + CHOICE_CONTEXT].split(" ")[:-1])
        choices.append(
            {
                "value": f"{number}:{revision.pk}",
                "before": " ".join(before.split()),
                "quote": " ".join(text[start:end].split()),
                "after": " ".join(after.split()),
            }
        )
    return choices


@require_POST
@login_required
@ratelimit(key="user", rate="120/m", scope="annotate")
def annotation_create(request: HtmxHttpRequest, story_id: int) -> HttpResponseBase:
    story = get_visible_story_or_404(request.user, story_id)
    annotation: Annotation | None = None
    problem: SelectionError | None = None
    # "Highlight a quote" sends typed or pasted words, found in the story by the server;
    # the selection toolbar sends W3C selectors.
    form: AnnotationCreateForm | QuoteForm = (
        QuoteForm(request.POST)
        if "quote" in request.POST
        else AnnotationCreateForm(request.POST, story=story)
    )
    if form.is_valid():
        try:
            annotation = Annotation.objects.create_from_selection(
                story=story, author=_signed_in(request), **form.annotation_fields()
            )
        except SelectionError as exc:
            problem = exc
            form.add_error(None, str(exc))
    if annotation is None:
        errors = [error for field_errors in form.errors.values() for error in field_errors]
        if request.htmx:
            # Shown in the toolbar, where the reader acted; what they typed stays there.
            response = render(request, "annotations/toolbar.html#error", {"errors": errors})
            return reswap(retarget(response, "#annotate-error"), "outerHTML")
        if isinstance(form, QuoteForm):
            # Back on the story, the form open and filled in, saying what went wrong; words
            # found in several places offer them to choose from.
            choices = _quote_choices(story, problem) if isinstance(problem, QuoteAmbiguous) else []
            extra = {"quote_form": form, "quote_open": True, "quote_choices": choices}
            if isinstance(problem, QuoteAmbiguous):
                extra["quote_more"] = len(problem.occurrences) - len(choices)
            return render_story(request, story, extra, status=400)
        return render(
            request,
            "annotations/create_error.html",
            {"story": story, "errors": errors},
            status=400,
        )
    if not request.htmx:
        return redirect(_in_story(annotation, "hl"))

    story = get_visible_story_or_404(request.user, story.pk)
    revision = story.current_revision
    assert revision is not None
    annotations = StoryAnnotations.load(story, revision, request.user)
    created = next(
        (a for a in annotations.anchored if a.pk == annotation.pk), annotation.show_to(request.user)
    )
    following = annotations.next_after(created)
    if annotation.repeated:
        # The card is on the page already (the first request put it there): redraw it.
        oob_swap = f"outerHTML:#annotation-{annotation.pk}"
    elif following is not None:
        oob_swap = f"beforebegin:#annotation-{following.pk}"
    else:
        oob_swap = "beforeend:#annotation-list"
    return _fragments(
        request,
        (
            # data-created: annotate.js focuses the new highlight as the body is swapped in
            # (an HX-Trigger event would come after htmx's settle delay, and a key pressed
            # in between would start a selection that the late event then reset).
            "reading/story_detail.html#body",
            {
                "revision": revision,
                "body_html": annotations.body_html(),
                "created": annotation.pk,
            },
        ),
        ("annotations/annotation.html#card_oob", {"annotation": created, "oob_swap": oob_swap}),
        (
            "annotations/sidebar.html#summary",
            {"annotation_count": annotations.count, "oob": True},
        ),
        # The next highlight is another request: the toolbar gets a new key.
        ("annotations/toolbar.html#key", {"idempotency_key": new_key(), "oob": True}),
    )


@require_GET
def annotation_detail(request: HtmxHttpRequest, annotation_id: int) -> HttpResponse:
    annotation = _get_annotation_for_user(request, annotation_id)
    template = "annotations/annotation.html"
    if request.htmx:
        template = CARD
    return render(request, template, {"annotation": annotation})


@require_GET
def annotation_share_menu(request: HtmxHttpRequest, annotation_id: int) -> HttpResponse:
    """An annotation's share menu, asked for from its card: htmx swaps it in for the card's
    Share link; without JavaScript it opens on the annotation's page."""
    annotation = _get_annotation_for_user(request, annotation_id)
    if request.htmx:
        return render(
            request, "annotations/share_menu.html", {"annotation": annotation, "open": True}
        )
    return render(
        request, "annotations/annotation.html", {"annotation": annotation, "share_open": True}
    )


@require_http_methods(["GET", "POST"])
@login_required
def annotation_edit(request: HtmxHttpRequest, annotation_id: int) -> HttpResponseBase:
    annotation = _get_own_annotation(request, annotation_id)
    form = AnnotationEditForm(request.POST or None, instance=annotation)
    if request.method == "POST" and form.is_valid():
        form.save()
        if not request.htmx:
            return redirect(_in_story(annotation))
        annotation = _get_own_annotation(request, annotation_id)
        return _fragments(
            request,
            (CARD, {"annotation": annotation}),
            *_story_updates(request, annotation.story),
        )
    status = 400 if request.method == "POST" and not request.htmx else 200
    template = "annotations/annotation.html"
    if request.htmx:
        template += "#edit_card"
    context = {"annotation": annotation, "form": form, "editing": True}
    return render(request, template, context, status=status)


@require_http_methods(["GET", "POST"])
@login_required
def annotation_attach(request: HtmxHttpRequest, annotation_id: int) -> HttpResponseBase:
    """Attach a detached annotation to words its author picks in the story's current text.

    GET (or words not found, or found in several places): the annotation's page with the
    form open, what was typed kept, and the places to choose from."""
    annotation = _get_own_annotation(request, annotation_id)
    form = AttachForm(request.POST or None, annotation_id=annotation.pk)
    choices: list[dict[str, Any]] = []
    if request.method == "POST" and form.is_valid():
        try:
            annotation.attach_by_hand(
                form.cleaned_data["quote"], form.place(annotation.story.current_revision_id)
            )
        except QuoteAmbiguous as exc:
            form.add_error(None, str(exc))
            choices = _quote_choices(annotation.story, exc)
        except SelectionError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "Highlight attached.")
            return redirect(_in_story(annotation, "hl"))
    elif request.method == "GET":
        form = AttachForm(initial={"quote": annotation.original_exact}, annotation_id=annotation.pk)
    context = {"annotation": annotation, "attach_form": form, "attach_choices": choices}
    status = 400 if request.method == "POST" else 200
    return render(request, "annotations/annotation.html", context, status=status)


@require_POST
@login_required
def annotation_delete(request: HtmxHttpRequest, annotation_id: int) -> HttpResponseBase:
    annotation = _get_own_annotation(request, annotation_id)
    story = annotation.story
    annotation.delete()
    if not request.htmx:
        messages.success(request, "Annotation deleted.")
        return redirect(f"{story.get_absolute_url()}#annotations")
    # The card's target swap gets nothing: it disappears.
    return _fragments(request, *_story_updates(request, story))


def _replies(
    request: HtmxHttpRequest,
    annotation: Annotation,
    reply_form: ReplyForm | None = None,
    status: int = 200,
) -> HttpResponse:
    template = "annotations/annotation.html"
    if request.htmx:
        template += "#replies"
    context = {"annotation": annotation, "reply_form": reply_form}
    return render(request, template, context, status=status)


@require_http_methods(["GET", "POST"])
@ratelimit(key="user", rate="30/m", scope="reply")
def annotation_replies(request: HtmxHttpRequest, annotation_id: int) -> HttpResponseBase:
    """GET: the thread. POST: reply (signed-in readers who can see the annotation)."""
    if request.method == "POST" and not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    annotation = _get_annotation_for_user(request, annotation_id)
    if request.method == "GET":
        return _replies(request, annotation)
    form = ReplyForm(request.POST, annotation_id=annotation.pk)
    if not form.is_valid():
        return _replies(request, annotation, form, status=200 if request.htmx else 400)
    reply = Reply.post(annotation, _signed_in(request), form.cleaned_data["body"], once=form.once())
    if not request.htmx:
        return redirect(f"{annotation.story.get_absolute_url()}#reply-{reply.pk}")
    return _replies(request, _get_annotation_for_user(request, annotation_id))


@require_GET
@login_required
def reply_form(request: HtmxHttpRequest, annotation_id: int) -> HttpResponse:
    annotation = _get_annotation_for_user(request, annotation_id)
    return _replies(request, annotation, ReplyForm(annotation_id=annotation.pk))


@require_POST
@login_required
def reply_delete(request: HtmxHttpRequest, reply_id: int) -> HttpResponseBase:
    reply = _get_reply_for_user(request, reply_id)
    if not reply.can_delete(request.user):
        raise PermissionDenied("Only the author can delete this reply.")
    annotation_id = reply.annotation_id
    reply.delete()
    annotation = _get_annotation_for_user(request, annotation_id)
    if not request.htmx:
        return redirect(_in_story(annotation))
    return _replies(request, annotation)


# --- My highlights


@require_GET
@login_required
def my_highlights(request: HtmxHttpRequest) -> HttpResponse:
    user = _signed_in(request)
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
        after = search.Cursor.parse(request.GET.get("after"))
        more = after is not None
        hits = annotations.search(form.query, after, PAGE_SIZE + 1)
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
    template = "annotations/highlights.html"
    if request.htmx and not request.htmx.history_restore_request:
        template += "#page" if more else "#results"
    return render(request, template, context)
