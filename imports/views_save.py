"""Save from anywhere: the bookmarklet, the window it opens, and the share target."""

from __future__ import annotations

import re
import secrets

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, HttpResponseBase, JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from articles.ingest.urls import is_web_url
from newsreader.http import HtmxHttpRequest
from newsreader.ratelimit import ratelimit

from . import bookmarklet
from .models import SaveKey
from .saving import MAX_SELECTION, Saved, SaveError, save_page


class SaveForm(forms.Form):
    url = forms.URLField(label="Address", max_length=2000, assume_scheme="https")
    title = forms.CharField(max_length=1000, required=False)
    selection = forms.CharField(max_length=MAX_SELECTION, required=False, strip=False)
    html = forms.CharField(max_length=settings.INGEST_MAX_BYTES, required=False, strip=False)
    key = forms.CharField(max_length=64, required=False)

    def clean_url(self) -> str:
        url: str = self.cleaned_data["url"]
        if not is_web_url(url):
            raise forms.ValidationError("Only http(s) pages can be saved.")
        return url


def _origin(request: HtmxHttpRequest) -> str:
    return request.build_absolute_uri("/").rstrip("/")


@login_required
@require_GET
def save_anywhere(request: HtmxHttpRequest) -> HttpResponse:
    key = SaveKey.for_user(request.user)
    return render(
        request,
        "imports/save_anywhere.html",
        {"bookmarklet": bookmarklet.href(_origin(request), key.key)},
    )


@login_required
@require_POST
def save_key_rotate(request: HtmxHttpRequest) -> HttpResponseBase:
    SaveKey.for_user(request.user).rotate()
    messages.success(
        request,
        "Your old bookmarklet no longer saves pages: drag this new one to your bookmarks bar.",
    )
    return redirect("save_anywhere")


@login_required
@require_GET
def save_window(request: HtmxHttpRequest) -> HttpResponse:
    """The small window the bookmarklet opens: its form is filled by the bookmarklet's
    message (and sent at once), or by the address in the query (the reader presses Save:
    a page that cut the window off from itself sends nothing else)."""
    form = SaveForm(
        initial={
            "url": request.GET.get("url", "")[:2000],
            "selection": request.GET.get("selection", "")[:MAX_SELECTION],
        }
    )
    response = render(request, "imports/save_window.html", {"form": form})
    # Django's default (same-origin) would cut this window off from the page that opened
    # it, and the bookmarklet could not post the page into it. Nothing here is worth
    # framing or reading from the opener: the form needs the reader's key to act alone.
    response["Cross-Origin-Opener-Policy"] = "unsafe-none"
    return response


@login_required
@require_POST
@ratelimit(key="user", rate="30/m", scope="add-story")
def save(request: HtmxHttpRequest) -> HttpResponseBase:
    assert request.user.is_authenticated
    form = SaveForm(request.POST)
    if not form.is_valid():
        return render(request, "imports/save_window.html", {"form": form}, status=400)
    data = form.cleaned_data
    key = SaveKey.objects.filter(user=request.user).values_list("key", flat=True).first()
    trusted = bool(key and data["key"] and secrets.compare_digest(key, data["key"]))
    if data["html"] and not trusted:
        form.add_error(
            None,
            "This page came without your bookmarklet's key (an old bookmarklet, or another "
            "site posting it): nothing was saved. Press Save to save it by its address, or "
            "drag the bookmarklet from Save from anywhere again.",
        )
        return render(request, "imports/save_window.html", {"form": form}, status=403)
    try:
        saved = save_page(request.user, data["url"], html=data["html"], selection=data["selection"])
    except SaveError as exc:
        form.add_error("url", str(exc))
        return render(request, "imports/save_window.html", {"form": form}, status=400)
    return _show(request, saved)


def _show(request: HtmxHttpRequest, saved: Saved) -> HttpResponseBase:
    story = saved.story
    note = f"Saved “{story.title}”."
    if saved.own_copy_because:
        note = f"Saved “{story.title}” as you see it, as your own copy: {saved.own_copy_because}."
    messages.success(request, note)
    if saved.highlight_problem:
        messages.warning(request, saved.highlight_problem)
    if saved.highlight is not None:
        return redirect(f"{story.get_absolute_url()}#hl-{saved.highlight.pk}")
    return redirect(story)


# The theme colours of the pages themselves (static/css/app.css: --link and --bg).
THEME_LIGHT, THEME_DARK = "#1f4fa8", "#17171a"
BACKGROUND = "#fbfaf7"


@require_GET
def manifest(request: HtmxHttpRequest) -> JsonResponse:
    """The web app manifest: installable (name, icons, start URL, standalone), and a share
    target, so that a phone's Share → Newsreader sends what is shared to /share/."""
    icons = [
        {"src": static(f"icons/icon-{size}.png"), "sizes": f"{size}x{size}", "type": "image/png"}
        for size in (192, 512)
    ] + [
        {
            "src": static(f"icons/maskable-{size}.png"),
            "sizes": f"{size}x{size}",
            "type": "image/png",
            "purpose": "maskable",
        }
        for size in (192, 512)
    ]
    icons.append({"src": static("favicon.svg"), "sizes": "any", "type": "image/svg+xml"})
    data = {
        "name": "Newsreader",
        "short_name": "Newsreader",
        "description": "Read and annotate tech news.",
        "id": "/",
        "start_url": "/",
        "scope": "/",
        "display": "standalone",
        "theme_color": THEME_LIGHT,
        "background_color": BACKGROUND,
        "icons": icons,
        "share_target": {
            "action": reverse("share_target"),
            "method": "GET",
            "params": {"title": "title", "text": "text", "url": "url"},
        },
    }
    response = JsonResponse(data, content_type="application/manifest+json")
    response["Cache-Control"] = "public, max-age=3600"
    return response


_URL_IN_TEXT = re.compile(r"https?://[^\s<>\"]+")
_QUOTES = "\"'“”‘’«»"


def shared_parts(url: str, text: str) -> tuple[str, str]:
    """(address, passage) of what a phone shared: apps put the address in ``url`` or in
    ``text`` (Chrome shares selected text as “the words” and a link to them); what is
    left of the text, without its quotation marks, is the passage."""
    url, text = url.strip(), text.strip()
    if not url:
        found = _URL_IN_TEXT.search(text)
        if found:
            url = found.group(0)
    passage = _URL_IN_TEXT.sub(" ", text).strip().strip(_QUOTES).strip()
    # A text-fragment link (#:~:text=…) is the passage's address, not the story's.
    return url.split("#:~:", 1)[0], passage


@login_required
@require_GET
def share_target(request: HtmxHttpRequest) -> HttpResponse:
    """What a phone shared, on a form the reader sends with Save. A GET that saved by
    itself would let any link put stories in a signed-in reader's library."""
    url, passage = shared_parts(request.GET.get("url", ""), request.GET.get("text", ""))
    form = SaveForm(initial={"url": url[:2000], "selection": passage[:MAX_SELECTION]})
    return render(request, "imports/save_window.html", {"form": form, "shared": True})
