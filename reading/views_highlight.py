"""Highlighting from the reading view. The selection toolbar and "Highlight a quote" post
here, beside the reading view, because a typed quote that is not found (or found more than
once) shows the reading view again with the form filled in; the annotations app makes the
annotation and draws the fragments."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from django.contrib.auth.decorators import login_required
from django.http import HttpResponseBase
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST
from django_htmx.http import reswap, retarget

from annotations.forms import AnnotationCreateForm, QuoteForm
from annotations.idempotency import new_key
from annotations.in_story import StoryAnnotations, quote_choices
from annotations.models import Annotation, QuoteAmbiguous, SelectionError
from articles.models import get_visible_story_or_404
from newsreader.http import HtmxHttpRequest, render_fragments
from newsreader.ratelimit import ratelimit

from .views import render_story

if TYPE_CHECKING:
    from django.contrib.auth.models import User


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
                story=story, author=cast("User", request.user), **form.annotation_fields()
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
            choices = quote_choices(story, problem) if isinstance(problem, QuoteAmbiguous) else []
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
        return redirect(annotation.url_in_story("hl"))

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
    return render_fragments(
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
