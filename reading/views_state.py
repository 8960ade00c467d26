"""The reader's library: read / unread, saved for later, reading progress, preferences."""

from __future__ import annotations

import copy
import math
from urllib.parse import urlsplit

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, HttpResponseBadRequest, HttpResponseBase, QueryDict
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from articles.models import get_visible_story_or_404
from newsreader.http import HtmxHttpRequest

from . import listing
from .forms import PreferencesForm
from .listing import story_state_context
from .models import ReadingState, UserPreferences

STATE_FRAGMENT = "reading/story_list.html#story_state"
_FLAGS = {"1": True, "0": False}


def _flag(request: HtmxHttpRequest, name: str) -> bool | None:
    """A "1"/"0" field: the state the reader asked for; absent means unchanged."""
    value = request.POST.get(name)
    if value is None:
        return None
    if value not in _FLAGS:
        raise ValueError(name)
    return _FLAGS[value]


def _next_url(request: HtmxHttpRequest, default: str) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


@require_POST
@login_required
def story_state(request: HtmxHttpRequest, story_id: int) -> HttpResponseBase:
    """Save / unsave and mark read / unread. The form says which state it wants (not
    "toggle"), so a form sent twice does what the reader saw on the button."""
    story = get_visible_story_or_404(request.user, story_id)
    try:
        read, saved = _flag(request, "read"), _flag(request, "saved")
    except ValueError:
        return HttpResponseBadRequest("read and saved are 1 or 0.")
    assert request.user.is_authenticated
    state = ReadingState.objects.set_flags(request.user, story, read=read, saved=saved)
    if request.htmx:
        context = story_state_context(story, state)
        context["next_url"] = _next_url(request, story.get_absolute_url())
        response = render(request, STATE_FRAGMENT, context)
        # On the front page the tabs count what was just read or saved: send them along.
        page = urlsplit(request.htmx.current_url or "")
        if page.path == reverse("home"):
            show = listing.parse_show(QueryDict(page.query).get("show"), request.user)
            tabs = {"shows": listing.tabs(request.user, show), "oob": True}
            response.write(render_to_string("reading/story_list.html#tabs", tabs, request))
        return response
    target = _next_url(request, story.get_absolute_url())
    if read is False:
        messages.success(request, f"“{story.title}” marked unread.")
        # Not back to the story: opening it would read it again at once.
        if target.startswith(reverse("story_short", args=[story.pk])):
            target = reverse("home")
    return redirect(target)


@require_POST
@login_required
def story_progress(request: HtmxHttpRequest, story_id: int) -> HttpResponse:
    """Where the reader is in the story: a fraction from 0 (top) to 1 (end), posted by
    static/js/progress.js as they scroll."""
    story = get_visible_story_or_404(request.user, story_id)
    try:
        fraction = float(request.POST.get("progress", ""))
    except ValueError:
        return HttpResponseBadRequest("progress must be a number from 0 to 1.")
    if not math.isfinite(fraction) or not 0 <= fraction <= 1:
        return HttpResponseBadRequest("progress must be a number from 0 to 1.")
    assert request.user.is_authenticated
    ReadingState.objects.record_progress(request.user, story, round(fraction, 4))
    return HttpResponse(status=204)


@require_http_methods(["GET", "POST"])
@login_required
def preferences(request: HtmxHttpRequest) -> HttpResponseBase:
    # A copy: the form writes its valid fields into the instance even when it is refused,
    # and the page around it takes its classes from the reader's (saved) preferences.
    instance = copy.copy(UserPreferences.for_user(request.user))
    form = PreferencesForm(request.POST or None, instance=instance)
    if request.method == "POST":
        if form.is_valid():
            form.save()
            messages.success(request, "Preferences saved.")
            return redirect("preferences")
        return render(request, "reading/preferences.html", {"form": form}, status=400)
    return render(request, "reading/preferences.html", {"form": form})
