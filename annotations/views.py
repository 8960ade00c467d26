from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from articles.models import Story, get_visible_story_or_404
from newsreader.http import HtmxHttpRequest, render_fragments
from newsreader.ratelimit import ratelimit

from .forms import (
    AnnotationEditForm,
    AttachForm,
    ReplyForm,
)
from .in_story import StoryAnnotations, quote_choices
from .models import Annotation, QuoteAmbiguous, Reply, SelectionError

if TYPE_CHECKING:
    from django.contrib.auth.models import User

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


# --- Fragments sent back to the reading view.


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
            return redirect(annotation.url_in_story())
        annotation = _get_own_annotation(request, annotation_id)
        return render_fragments(
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
            choices = quote_choices(annotation.story, exc)
        except SelectionError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "Highlight attached.")
            return redirect(annotation.url_in_story("hl"))
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
    return render_fragments(request, *_story_updates(request, story))


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
        return redirect(annotation.url_in_story())
    return _replies(request, annotation)


# --- My highlights
