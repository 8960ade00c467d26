"""The sources page: feeds shared by everyone on the instance, their fetch state, and
adding, refreshing, pausing, deleting, importing and exporting them."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import Http404, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from newsreader import paging
from newsreader.http import HtmxHttpRequest
from newsreader.ratelimit import ratelimit

from .feeds import FeedError, OpmlFeed, export_opml, parse_opml
from .forms import FeedForm, OpmlForm, ScheduleForm
from .ingest.fetch import FetchError
from .models import FeedEntry, Source
from .tasks import AlreadySubscribed, TooManyFeeds, add_feeds, refresh_now, subscribe

TEMPLATE = "articles/sources.html"
PROBLEMS_SHOWN = 3
PAGE_SIZE = 50


def _page_of(request: HtmxHttpRequest) -> str:
    """The cursor of the page a row's form was on (sent back by the row's forms and its
    polling), so that a request without JavaScript lands on that page again."""
    value = request.POST.get("page") or request.GET.get("page") or ""
    return value if paging.parse(value, str) else ""


def _interval_context() -> dict[str, Any]:
    options = ScheduleForm.options()
    return {"interval_options": options, "interval_minutes": [m for m, _ in options]}


def _sources_url(page: str = "", source: Source | None = None) -> str:
    url = reverse("sources")
    if page:
        url += "?" + urlencode({"after": page})
    return url + (f"#source-{source.pk}" if source is not None else "")


def _feeds(request: HtmxHttpRequest) -> Any:
    """The feeds as the page shows them: two queries, however many feeds."""
    assert request.user.is_authenticated
    problems = (
        FeedEntry.objects.filter(pending=False)
        .exclude(error="")
        .only("pk", "source_id", "title", "link", "error", "updated")
        .order_by("-updated", "-pk")
    )
    return Source.objects.for_sources_page(request.user).prefetch_related(
        Prefetch("entries", queryset=problems[:PROBLEMS_SHOWN], to_attr="problems")
    )


def _get_feed(request: HtmxHttpRequest, source_id: int, *, manage: bool = False) -> Source:
    """The feed as a row of the page; 404 if there is none, 403 if `manage` and the user
    neither added it nor is staff."""
    source = _feeds(request).filter(pk=source_id).first()
    if source is None:
        raise Http404("No such feed.")
    if manage and not source.may_be_managed_by(request.user):
        raise PermissionDenied("Only who added this feed, or staff, may change it.")
    return source


def _page(
    request: HtmxHttpRequest,
    *,
    feed_form: FeedForm | None = None,
    opml_form: OpmlForm | None = None,
    notice: str = "",
    status: int = 200,
    cursor: tuple[str, int] | None = None,
) -> HttpResponse:
    feeds = _feeds(request)
    if cursor is not None:
        feeds = feeds.after(*cursor)
    page, last = paging.split(feeds[: PAGE_SIZE + 1], PAGE_SIZE)
    next_cursor = paging.encode(last.sort_name, last.pk) if last else None
    context = {
        "sources": page,
        "page_after": paging.encode(*cursor) if cursor else "",
        "next_query": urlencode({"after": next_cursor}) if next_cursor else None,
        "feed_form": feed_form or FeedForm(),
        "opml_form": opml_form or OpmlForm(),
        **_interval_context(),
        "notice": notice,
        "now": timezone.now(),
    }
    if request.htmx:
        # "More feeds" asks for the next rows only; the page's forms ask for the region.
        part = "feed_page" if cursor is not None and request.method == "GET" else "sources_body"
        return render(request, f"{TEMPLATE}#{part}", context)
    return render(request, TEMPLATE, context, status=status)


def _done(request: HtmxHttpRequest, notice: str, anchor: str = "") -> HttpResponseBase:
    """After a successful POST: the refreshed region for htmx, else redirect (PRG)."""
    if request.htmx:
        return _page(request, notice=notice)
    messages.success(request, notice)
    return redirect(reverse("sources") + anchor)


def _row(request: HtmxHttpRequest, source: Source, schedule_error: str = "") -> HttpResponse:
    context = {
        "source": source,
        "now": timezone.now(),
        "page_after": _page_of(request),
        **_interval_context(),
        "schedule_error": schedule_error,
    }
    return render(request, f"{TEMPLATE}#source_row", context)


@login_required
@require_GET
def sources(request: HtmxHttpRequest) -> HttpResponse:
    # Keyset paging by (lower-cased name, id); a bad cursor just means the first page.
    return _page(request, cursor=paging.parse(request.GET.get("after"), str))


@login_required
@require_POST
@ratelimit(key="user", rate="30/m", scope="add-feed")
def source_add(request: HtmxHttpRequest) -> HttpResponseBase:
    form = FeedForm(request.POST)
    if form.is_valid():
        assert request.user.is_authenticated
        try:
            added = subscribe(form.cleaned_data["url"], request.user)
        except (FetchError, FeedError, AlreadySubscribed) as exc:
            form.add_error("url", str(exc))
        else:
            count = added.queued
            what = f"fetching its {count} stor{'y' if count == 1 else 'ies'}…" if count else ""
            notice = f"Added “{added.source.name}”" + (f"; {what}" if what else ".")
            return _done(request, notice, f"#source-{added.source.pk}")
    return _page(request, feed_form=form, status=400)


@login_required
@require_GET
def source_row(request: HtmxHttpRequest, source_id: int) -> HttpResponseBase:
    """One feed's row: what the page polls while the feed is being fetched."""
    source = _get_feed(request, source_id)
    if request.htmx:
        return _row(request, source)
    return redirect(_sources_url(_page_of(request), source))


@login_required
@require_POST
@ratelimit(key="user", rate="30/m", scope="refresh-feed")
def source_refresh(request: HtmxHttpRequest, source_id: int) -> HttpResponseBase:
    source = _get_feed(request, source_id)
    if refresh_now([source.pk]):
        notice = f"Refreshing “{source.name}”…"
    else:
        notice = f"“{source.name}” is being fetched already."
    if request.htmx:
        return _row(request, _get_feed(request, source_id))
    messages.info(request, notice)
    return redirect(_sources_url(_page_of(request), source))


@login_required
@require_POST
def source_pause(request: HtmxHttpRequest, source_id: int) -> HttpResponseBase:
    source = _get_feed(request, source_id, manage=True)
    # An explicit value, not a toggle: a double submit leaves it as the user meant.
    paused = request.POST.get("paused") == "1"
    Source.objects.filter(pk=source.pk).update(paused=paused)
    if request.htmx:
        return _row(request, _get_feed(request, source_id))
    messages.info(request, f"“{source.name}” is {'paused' if paused else 'fetched again'}.")
    return redirect(_sources_url(_page_of(request), source))


@login_required
@require_POST
def source_schedule(request: HtmxHttpRequest, source_id: int) -> HttpResponseBase:
    """Set how often a feed is fetched (empty: as the feed asks); the next fetch moves."""
    source = _get_feed(request, source_id, manage=True)
    form = ScheduleForm(request.POST)
    if not form.is_valid():
        error = " ".join(str(message) for message in form.errors["refresh_minutes"])
        if request.htmx:
            # htmx swaps only 2xx answers: the row comes back with the error in it.
            return _row(request, source, schedule_error=error)
        return _page(request, notice=f"“{source.name}”: {error}", status=400)
    source.set_refresh_minutes(form.cleaned_data["refresh_minutes"])
    if request.htmx:
        return _row(request, _get_feed(request, source_id))
    messages.success(request, f"“{source.name}” is fetched {source.refresh_label}.")
    return redirect(_sources_url(_page_of(request), source))


@login_required
@require_POST
def source_delete(request: HtmxHttpRequest, source_id: int) -> HttpResponseBase:
    source = _get_feed(request, source_id, manage=True)
    name, count = source.name, source.story_count  # type: ignore[attr-defined]
    # Stories keep existing (Story.source is SET_NULL); only the feed and its items go.
    source.delete()
    if request.htmx:
        return HttpResponse("")  # the row swaps itself out
    messages.success(
        request, f"Deleted the feed “{name}”; its {count} stor{'y' if count == 1 else 'ies'} stay."
    )
    return redirect("sources")


@login_required
@require_POST
@ratelimit(key="user", rate="10/m", scope="import-feeds")
def sources_import(request: HtmxHttpRequest) -> HttpResponseBase:
    form = OpmlForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            listed = parse_opml(form.cleaned_data["file"])
        except FeedError as exc:
            form.add_error("file", str(exc))
        else:
            assert request.user.is_authenticated
            feeds = [item for item in listed if isinstance(item, OpmlFeed)]
            skipped = [item for item in listed if isinstance(item, str)]
            try:
                added = add_feeds(((f.xml_url, f.title, f.html_url) for f in feeds), request.user)
            except TooManyFeeds as exc:
                form.add_error("file", str(exc))
            else:
                notice = _import_notice(added, len(feeds) - added, skipped)
                return _done(request, notice)
    return _page(request, opml_form=form, status=400)


def _import_notice(added: int, present: int, skipped: list[str]) -> str:
    parts = [f"Imported {added} feed{'' if added == 1 else 's'}"]
    if added:
        parts[0] += " (fetched in the background)"
    if present:
        parts.append(f"{present} {'was' if present == 1 else 'were'} here already")
    if skipped:
        parts.append("skipped " + "; ".join(skipped[:5]) + ("; …" if len(skipped) > 5 else ""))
    return "; ".join(parts) + "."


@login_required
@require_GET
def sources_export(request: HtmxHttpRequest) -> HttpResponse:
    feeds = (
        OpmlFeed(title=s.name, xml_url=s.feed_url or "", html_url=s.site_url)
        for s in Source.objects.feeds().order_by("name", "pk")
    )
    response = HttpResponse(export_opml(feeds), content_type="text/x-opml; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="newsreader-feeds.opml"'
    return response
