"""Feed refreshes and feed items becoming stories (articles.tasks), end to end against the
local HTTP server. Tasks run immediately under pytest (TASKS_IMMEDIATE)."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone

from articles.models import (
    BACKOFF_BASE,
    MAX_BACKOFF,
    FeedEntry,
    Source,
    Story,
    StoryRevision,
    backoff,
)
from articles.tasks import (
    claim_due_feeds,
    claim_feed,
    refresh_due_feeds,
    refresh_feed,
    store_entries,
    subscribe,
)
from tests.feedsite import article_page, paragraphs, rss, site_fixture  # noqa: F401

pytestmark = pytest.mark.django_db


def add_feed(url: str) -> Source:
    return subscribe(url, None).source


def refresh(source: Source) -> None:
    """What the scheduler does for a due feed: claim it, then run the refresh task."""
    assert claim_feed(source.pk)
    refresh_feed.call(source.pk)
    source.refresh_from_db()


def test_it_turns_feed_items_into_stories(site):
    site.article("/a", "Garbage collector halves pauses", words=150)
    site.article("/b", "Storage layer rewritten", words=150)
    feed = site.rss("/feed.xml", [site.item("/a", "GC halves pauses"), site.item("/b", "Storage")])
    source = add_feed(feed)
    assert source.name == "Example News"
    stories = Story.objects.order_by("title")
    assert [s.title for s in stories] == [
        "Garbage collector halves pauses",
        "Storage layer rewritten",
    ]
    for story in stories:
        assert story.source == source
        assert story.url.startswith(site.url("/"))
        assert story.current_revision.origin == StoryRevision.Origin.FEED
        assert story.current_revision.page_error == ""
        assert story.current_revision.word_count > 100
    assert set(FeedEntry.objects.values_list("pending", "error")) == {(False, "")}
    source.refresh_from_db()
    assert source.last_success is not None
    assert source.next_fetch > timezone.now() + timedelta(minutes=55)
    assert source.claimed_until is None


def test_it_stores_a_story_two_feeds_carry_once(site):
    site.article("/shared", "One story, two feeds", words=150)
    one = site.rss("/one.xml", [site.item("/shared", "Shared", guid="one-1")], title="One")
    two = site.atom("/two.xml", [site.item("/shared?utm_source=two", "Shared", guid="two-1")])
    first, second = add_feed(one), add_feed(two)
    assert Story.objects.count() == 1
    assert StoryRevision.objects.count() == 1
    story = Story.objects.get()
    assert set(story.feed_entries.values_list("source", flat=True)) == {first.pk, second.pk}
    # The second feed linked the stored story without fetching its page again.
    assert len(site.server.requests_to("/shared")) == 1
    counts = {s.pk: s.story_count for s in Source.objects.for_sources_page(_staff())}
    assert counts == {first.pk: 1, second.pk: 1}


def _staff():
    from django.contrib.auth.models import User

    return User.objects.create_user("staff-viewer", is_staff=True)


def test_it_uses_the_pages_canonical_url_as_identity(site):
    canonical = site.url("/news/the-story")
    body = article_page("Canonical story", paragraphs(120), canonical=canonical + "?utm_medium=rss")
    site.server.route("/amp/the-story", body, headers={"Content-Type": "text/html"})
    site.server.redirect("/r/123", "/amp/the-story")
    feed = site.rss("/feed.xml", [site.item("/r/123", "Canonical story")])
    add_feed(feed)
    assert Story.objects.get().url == canonical


def test_it_ignores_a_canonical_pointing_at_the_home_page(site):
    body = article_page("Lazy canonical", paragraphs(120), canonical=site.url("/"))
    site.server.route("/posts/lazy", body, headers={"Content-Type": "text/html"})
    add_feed(site.rss("/feed.xml", [site.item("/posts/lazy", "Lazy canonical")]))
    assert Story.objects.get().url == site.url("/posts/lazy")


def test_it_adds_a_revision_when_a_changed_item_leads_to_a_changed_page(site):
    site.article("/a", "Evolving story", words=150, seed="first")
    items = [site.item("/a", "Evolving story", description="First summary.")]
    source = add_feed(site.rss("/feed.xml", items))
    story = Story.objects.get()
    site.article("/a", "Evolving story", words=150, seed="second")
    items = [site.item("/a", "Evolving story", description="Updated summary.")]
    site.rss("/feed.xml", items)
    refresh(source)
    story.refresh_from_db()
    assert [r.number for r in story.revisions.all()] == [1, 2]
    assert "first" in story.revisions.get(number=1).body_text
    assert "second" in story.current_revision.body_text


def test_it_adds_nothing_when_the_feed_has_not_changed(site):
    site.article("/a", "Stable story", words=150)
    source = add_feed(site.rss("/feed.xml", [site.item("/a", "Stable story")]))
    refresh(source)
    assert StoryRevision.objects.count() == 1
    # The item was seen before and has not changed: its page is not fetched again.
    assert len(site.server.requests_to("/a")) == 1


def test_it_makes_conditional_gets_and_a_304_adds_nothing(site):
    site.article("/a", "Cached story", words=150)
    body = rss([site.item("/a", "Cached story")])

    def feed(request):
        if request.headers.get("if-none-match") == '"v1"':
            return 304, {"ETag": '"v1"'}, b""
        return 200, {"Content-Type": "application/rss+xml", "ETag": '"v1"'}, body

    site.server.add("/feed.xml", feed)
    source = add_feed(site.url("/feed.xml"))
    assert source.etag == '"v1"'
    before = FeedEntry.objects.get().updated
    refresh(source)
    requests = site.server.requests_to("/feed.xml")
    assert requests[-1].headers["if-none-match"] == '"v1"'
    assert StoryRevision.objects.count() == 1
    assert FeedEntry.objects.get().updated == before
    assert source.error_count == 0
    assert source.last_success is not None


def test_it_sends_if_modified_since(site):
    site.article("/a", "Dated story", words=150)
    stamp = "Wed, 01 Jan 2026 00:00:00 GMT"
    body = rss([site.item("/a", "Dated story")])
    site.server.add(
        "/feed.xml",
        lambda r: (
            (304, {}, b"")
            if r.headers.get("if-modified-since") == stamp
            else (200, {"Content-Type": "application/rss+xml", "Last-Modified": stamp}, body)
        ),
    )
    source = add_feed(site.url("/feed.xml"))
    refresh(source)
    assert site.server.requests_to("/feed.xml")[-1].headers["if-modified-since"] == stamp
    assert StoryRevision.objects.count() == 1


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (200, b"<html><body><p>Oops.</p></body></html>"),  # an error page served as 200
        (200, b""),  # empty
        (404, b"gone"),
        (500, b"broken"),
    ],
)
def test_it_keeps_a_stored_story_when_its_page_breaks(site, status, body):
    site.article("/a", "Story that breaks", words=150, seed="original")
    source = add_feed(site.rss("/feed.xml", [site.item("/a", "Story that breaks")]))
    story = Story.objects.get()
    site.server.route("/a", body, status=status, headers={"Content-Type": "text/html"})
    site.rss("/feed.xml", [site.item("/a", "Story that breaks", description="Edited.")])
    refresh(source)
    story.refresh_from_db()
    assert story.revisions.count() == 1
    assert "original" in story.current_revision.body_text
    assert story.current_revision.page_error == ""
    entry = FeedEntry.objects.get()
    assert entry.pending is False
    assert "the stored story was kept" in entry.error
    assert entry.story == story


def test_it_refuses_a_refetch_that_lost_most_of_the_text(site):
    site.article("/a", "Long story", words=400, seed="full")
    source = add_feed(site.rss("/feed.xml", [site.item("/a", "Long story")]))
    story = Story.objects.get()
    site.article("/a", "Long story", words=60, seed="teaser")  # a paywall teaser
    site.rss("/feed.xml", [site.item("/a", "Long story", description="Changed.")])
    refresh(source)
    story.refresh_from_db()
    assert story.revisions.count() == 1
    assert "full" in story.current_revision.body_text
    error = FeedEntry.objects.get().error
    assert "far fewer than the" in error and "the stored story was kept" in error


def test_it_falls_back_to_the_feeds_text_and_says_why(site):
    summary = " ".join(f"<p>{p}</p>" for p in paragraphs(60, "summary"))
    item = site.item("/missing", "Only in the feed", description=summary)
    add_feed(site.rss("/feed.xml", [item]))
    story = Story.objects.get()
    revision = story.current_revision
    assert story.title == "Only in the feed"
    assert story.url == site.url("/missing")
    assert revision.origin == StoryRevision.Origin.FEED
    assert revision.page_error == "The server answered 404 Not Found"
    assert "summary paragraph 1" in revision.body_text
    assert FeedEntry.objects.get().error == ""


def test_it_says_on_the_story_that_it_comes_from_the_feed(site, client):
    summary = " ".join(f"<p>{p}</p>" for p in paragraphs(60, "summary"))
    add_feed(site.rss("/feed.xml", [site.item("/missing", "From the feed", description=summary)]))
    content = client.get(Story.objects.get().get_absolute_url(), follow=True).content.decode()
    assert (
        "Shown from the feed&#x27;s summary; the page could not be fetched: "
        "The server answered 404 Not Found"
    ) in content.replace("'", "&#x27;")


def test_it_replaces_the_feeds_text_once_the_page_can_be_fetched(site):
    summary = " ".join(f"<p>{p}</p>" for p in paragraphs(40, "summary"))
    source = add_feed(site.rss("/feed.xml", [site.item("/late", "Late page", description=summary)]))
    site.article("/late", "Late page", words=200, seed="fullpage")
    site.rss("/feed.xml", [site.item("/late", "Late page", description=summary + "<p>More.</p>")])
    refresh(source)
    story = Story.objects.get()
    assert story.revisions.count() == 2
    assert story.current_revision.page_error == ""
    assert "fullpage" in story.current_revision.body_text


def test_it_stores_nothing_for_an_item_with_neither_page_nor_text(site):
    item = site.item("/missing", "Nothing here", description="Too short.")
    add_feed(site.rss("/feed.xml", [item]))
    assert Story.objects.count() == 0
    entry = FeedEntry.objects.get()
    assert entry.pending is False
    assert entry.error == (
        "The page could not be fetched (The server answered 404 Not Found), and the feed's "
        "own text for it is too short to make a story."
    )


def test_it_backs_off_exponentially_on_errors(site):
    site.article("/a", "A story", words=150)
    source = add_feed(site.rss("/feed.xml", [site.item("/a", "A story")]))
    site.server.route("/feed.xml", b"down", status=503)
    waits = []
    for _ in range(3):
        before = timezone.now()
        refresh(source)
        waits.append(source.next_fetch - before)
    assert source.error_count == 3
    assert source.last_error == "The server answered 503 Service Unavailable"
    assert [round(w / BACKOFF_BASE) for w in waits] == [1, 2, 4]
    assert backoff(30) == MAX_BACKOFF
    # Success resets it.
    site.rss("/feed.xml", [site.item("/a", "A story")])
    refresh(source)
    assert source.error_count == 0
    assert source.last_error == ""
    assert StoryRevision.objects.count() == 1  # the failures lost nothing


@pytest.mark.parametrize(
    ("body", "content_type", "message"),
    [
        (b"<?xml version='1.0'?><rss><channel><item><title>x", "application/rss+xml", ""),
        (b"<?xml version='1.0'?><note><to>x</to></note>", "application/xml", "not a feed"),
        (b"<html><body><p>Moved.</p></body></html>", "text/html", "web page, not a feed"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00", "image/png", "binary"),
        (b"", "application/rss+xml", "empty"),
    ],
)
def test_it_records_why_a_feed_cannot_be_read(site, body, content_type, message):
    site.article("/a", "A story", words=150)
    source = add_feed(site.rss("/feed.xml", [site.item("/a", "A story")]))
    site.server.route("/feed.xml", body, headers={"Content-Type": content_type})
    refresh(source)
    if message:
        assert source.error_count == 1
        assert message in source.last_error.lower()
    assert Story.objects.count() == 1


def test_it_claims_due_feeds_once():
    now = timezone.now()
    due = Source.objects.create(name="Due", feed_url="https://a.example/feed", next_fetch=now)
    Source.objects.create(
        name="Later", feed_url="https://b.example/feed", next_fetch=now + timedelta(hours=1)
    )
    Source.objects.create(
        name="Paused", feed_url="https://c.example/feed", next_fetch=now, paused=True
    )
    Source.objects.create(name="Not a feed", site_url="https://d.example/")
    assert claim_due_feeds() == [due.pk]
    assert claim_due_feeds() == []
    due.refresh_from_db()
    assert due.claimed_until > now
    assert not claim_feed(due.pk)  # "Refresh now" waits for the claim too


def test_it_claims_again_once_a_lease_runs_out():
    past = timezone.now() - timedelta(hours=1)
    feed = Source.objects.create(
        name="Stuck", feed_url="https://a.example/feed", next_fetch=past, claimed_until=past
    )
    assert claim_due_feeds() == [feed.pk]


def test_it_refreshes_due_feeds_from_the_command(site):
    site.article("/a", "Scheduled story", words=150)
    feed_url = site.rss("/feed.xml", [site.item("/a", "Scheduled story")])
    Source.objects.create(name=feed_url, feed_url=feed_url, next_fetch=timezone.now())
    out = StringIO()
    call_command("refresh_feeds", stdout=out)
    assert "Queued 1 feed" in out.getvalue()
    assert Story.objects.get().title == "Scheduled story"
    source = Source.objects.get()
    assert source.name == "Example News"  # an untitled (imported) feed takes the feed's name
    assert source.claimed_until is None
    out = StringIO()
    call_command("refresh_feeds", stdout=out)
    assert "Queued 0 feeds" in out.getvalue()


def test_it_reports_the_number_of_feeds_queued():
    assert refresh_due_feeds.call() == 0


def test_it_requeues_an_item_whose_task_was_lost(site):
    from articles.feeds import parse_feed

    site.article("/a", "Lost story", words=150)
    feed_url = site.rss("/feed.xml", [site.item("/a", "Lost story")])
    source = Source.objects.create(name="Feed", feed_url=feed_url)
    # Recorded, but the worker died before ingesting it.
    store_entries(source, parse_feed(rss([site.item("/a", "Lost story")]), url=feed_url).entries)
    FeedEntry.objects.update(pending_since=timezone.now() - timedelta(hours=2))
    assert Story.objects.count() == 0
    refresh(source)
    assert Story.objects.get().title == "Lost story"
    assert FeedEntry.objects.get().pending is False


def test_it_keeps_the_feeds_date_when_the_page_has_none(site):
    site.article("/a", "Undated page", words=150)
    when = datetime(2026, 2, 3, 4, 5, tzinfo=UTC)
    add_feed(site.rss("/feed.xml", [site.item("/a", "Undated page", published=when)]))
    story = Story.objects.get()
    assert story.published == when
    assert story.sort_date == when


def test_it_records_entries_in_constant_queries(site, django_assert_max_num_queries):
    source = Source.objects.create(name="Many", feed_url="https://many.example/feed")
    from articles.feeds import parse_feed

    items = [site.item(f"/s{i}", f"Story {i}") for i in range(40)]
    parsed = parse_feed(rss(items), url="https://many.example/feed")
    with django_assert_max_num_queries(6):
        pending = store_entries(source, parsed.entries)
    assert len(pending) == 40
    with django_assert_max_num_queries(4):
        assert store_entries(source, parsed.entries) == []


postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SKIP LOCKED is PostgreSQL's; SQLite serializes"
)


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_it_skips_a_feed_another_worker_holds_instead_of_waiting():
    now = timezone.now()
    held = Source.objects.create(name="Held", feed_url="https://held.example/f", next_fetch=now)
    free = Source.objects.create(name="Free", feed_url="https://free.example/f", next_fetch=now)
    locked, release = threading.Event(), threading.Event()

    def other_worker():
        try:
            with transaction.atomic():
                list(Source.objects.select_for_update().filter(pk=held.pk))
                locked.set()
                release.wait(10)
        finally:
            connection.close()

    thread = threading.Thread(target=other_worker)
    thread.start()
    try:
        assert locked.wait(5)
        started = time.monotonic()
        assert claim_due_feeds() == [free.pk]
        assert time.monotonic() - started < 2
    finally:
        release.set()
        thread.join()


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_it_never_gives_one_feed_to_two_workers_claiming_at_once():
    now = timezone.now()
    feeds = [
        Source.objects.create(name=f"F{i}", feed_url=f"https://f{i}.example/", next_fetch=now)
        for i in range(40)
    ]
    claimed: list[list[int]] = []
    start = threading.Barrier(4)

    def worker():
        try:
            start.wait(5)
            for _ in range(5):
                claimed.append(claim_due_feeds(limit=3))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    every = [pk for batch in claimed for pk in batch]
    assert len(every) == len(set(every))
    assert set(every) <= {f.pk for f in feeds}
    # Whatever was not claimed is still there for the next round, and nothing twice.
    rest = claim_due_feeds(limit=100)
    assert sorted(every + rest) == sorted(f.pk for f in feeds)


def test_it_tries_an_item_again_once_its_page_is_live(site):
    item = site.item("/soon", "Published early", description="Short.")
    source = add_feed(site.rss("/feed.xml", [item]))
    assert Story.objects.count() == 0
    site.article("/soon", "Published early", words=150)
    refresh(source)
    assert Story.objects.get().title == "Published early"
    entry = FeedEntry.objects.get()
    assert (entry.pending, entry.error) == (False, "")


def test_it_stops_trying_an_item_after_a_day(site):
    item = site.item("/never", "Never there", description="Short.")
    source = add_feed(site.rss("/feed.xml", [item]))
    FeedEntry.objects.update(first_seen=timezone.now() - timedelta(days=2))
    refresh(source)
    assert len(site.server.requests_to("/never")) == 1


def test_it_requeues_lost_items_even_when_the_feed_is_not_modified(site):
    site.article("/a", "Lost behind a 304", words=150)
    body = rss([site.item("/a", "Lost behind a 304")])
    site.server.add(
        "/feed.xml",
        lambda r: (
            (304, {}, b"")
            if r.headers.get("if-none-match") == '"v1"'
            else (200, {"Content-Type": "application/rss+xml", "ETag": '"v1"'}, body)
        ),
    )
    source = Source.objects.create(name="Feed", feed_url=site.url("/feed.xml"), etag='"v1"')
    from articles.feeds import parse_feed

    store_entries(source, parse_feed(body, url=source.feed_url).entries)
    FeedEntry.objects.update(pending_since=timezone.now() - timedelta(hours=1))
    refresh(source)
    assert Story.objects.get().title == "Lost behind a 304"


def test_it_keeps_a_story_filed_under_its_canonical_url_when_the_link_breaks(site):
    canonical = site.url("/news/real")
    page = article_page("Canonical and kept", paragraphs(150), canonical=canonical)
    site.server.route("/news/real", page, headers={"Content-Type": "text/html"})
    site.server.redirect("/r/1", "/news/real")
    source = add_feed(site.rss("/feed.xml", [site.item("/r/1", "Canonical and kept")]))
    story = Story.objects.get()
    assert story.url == canonical
    site.server.route("/r/1", b"gone", status=410)
    summary = "".join(f"<p>{p}</p>" for p in paragraphs(60, "summary"))
    site.rss("/feed.xml", [site.item("/r/1", "Canonical and kept", description=summary)])
    refresh(source)
    assert Story.objects.count() == 1
    assert story.revisions.count() == 1
    assert "the stored story was kept" in FeedEntry.objects.get().error


def test_it_reads_a_feed_served_as_html(site):
    site.article("/a", "Mislabelled feed item", words=150)
    site.server.route(
        "/feed",
        rss([site.item("/a", "Mislabelled feed item")]),
        headers={"Content-Type": "text/html"},
    )
    add_feed(site.url("/feed"))
    assert Story.objects.get().title == "Mislabelled feed item"
