"""Adding one story: by URL, by uploading a file, by pasting text or HTML.

All three run the ingest pipeline in the request (a page fetch is bounded by
FETCH_TIMEOUT) so that a bad address or file is an error on the form the user filled in.
A page fetched by URL is a shared story; an upload or a paste is the reader's own copy
(articles.ingest.pipeline).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRedirect

from newsreader.http import HtmxHttpRequest
from newsreader.ratelimit import ratelimit

from .forms import PasteForm, UploadForm, UrlForm
from .ingest.extract import ExtractionError
from .ingest.fetch import FetchError
from .ingest.pipeline import IngestResult, ingest_document, ingest_url
from .models import StoryRevision

Origin = StoryRevision.Origin
TEMPLATE = "articles/add.html"


def _render(request: HtmxHttpRequest, partial: str | None = None, **forms: Any) -> HttpResponse:
    context = {
        "url_form": forms.get("url_form") or UrlForm(),
        "upload_form": forms.get("upload_form") or UploadForm(),
        "paste_form": forms.get("paste_form") or PasteForm(),
    }
    if partial is None:
        return render(request, TEMPLATE, context)
    if request.htmx:
        # htmx swaps only 2xx answers: the form with its errors comes back as a 200.
        return render(request, f"{TEMPLATE}#{partial}", context)
    return render(request, TEMPLATE, context, status=400)


def _show_story(request: HtmxHttpRequest, result: IngestResult) -> HttpResponseBase:
    story = result.story
    if result.created and story.is_own_copy:
        messages.success(
            request, f"Added “{story.title}” to your library: this copy is yours, only you see it."
        )
    elif result.created:
        messages.success(request, f"Added “{story.title}”.")
    elif result.changed:
        messages.success(
            request,
            f"Updated “{story.title}”: this is version {result.revision.number}; "
            "the earlier versions are kept.",
        )
    else:
        messages.info(request, f"“{story.title}” was already here, unchanged.")
    if request.htmx:
        return HttpResponseClientRedirect(story.get_absolute_url())
    return redirect(story)


@login_required
@require_GET
def add(request: HtmxHttpRequest) -> HttpResponse:
    return _render(request)


@login_required
@require_POST
@ratelimit(key="user", rate="30/m", scope="add-story")
def add_url(request: HtmxHttpRequest) -> HttpResponseBase:
    form = UrlForm(request.POST)
    if form.is_valid():
        try:
            result = ingest_url(form.cleaned_data["url"], origin=Origin.URL)
        except (FetchError, ExtractionError) as exc:
            form.add_error("url", str(exc))
        else:
            return _show_story(request, result)
    return _render(request, "url_form", url_form=form)


@login_required
@require_POST
@ratelimit(key="user", rate="30/m", scope="add-story")
def add_upload(request: HtmxHttpRequest) -> HttpResponseBase:
    assert request.user.is_authenticated
    form = UploadForm(request.POST, request.FILES)
    if form.is_valid():
        content, kind, name = form.cleaned_data["file"]
        try:
            result = ingest_document(
                content,
                kind,
                origin=Origin.FILE,
                owner=request.user,
                origin_detail=name,
                url=form.cleaned_data["url"] or None,
            )
        except ExtractionError as exc:
            form.add_error("file", str(exc))
        else:
            return _show_story(request, result)
    return _render(request, "upload_form", upload_form=form)


@login_required
@require_POST
@ratelimit(key="user", rate="30/m", scope="add-story")
def add_paste(request: HtmxHttpRequest) -> HttpResponseBase:
    assert request.user.is_authenticated
    form = PasteForm(request.POST)
    if form.is_valid():
        try:
            result = ingest_document(
                form.cleaned_data["text"],
                form.kind,
                origin=Origin.PASTE,
                owner=request.user,
                url=form.cleaned_data["url"] or None,
            )
        except ExtractionError as exc:
            form.add_error("text", str(exc))
        else:
            return _show_story(request, result)
    return _render(request, "paste_form", paste_form=form)
