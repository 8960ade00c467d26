"""The sources page: feeds listed with their state; add, refresh, pause, delete, OPML."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from articles.feeds import parse_opml
from articles.models import FeedEntry, Source, Story, StoryRevision
from tests.factories import make_story
from tests.feedsite import article_page, paragraphs, site_fixture  # noqa: F401

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def other() -> User:
    return User.objects.create_user("other", password="pw")


def a_feed(site, path="/feed.xml", *, title="Example News", stories=("/a",)) -> str:
    items = []
    for story in stories:
        site.article(story, f"Story at {story}", words=120)
        items.append(site.item(story, f"Story at {story}"))
    return site.rss(path, items, title=title)


# --- Access ---


@pytest.mark.parametrize(
    ("method", "name", "args"),
    [
        ("get", "sources", []),
        ("post", "source_add", []),
        ("get", "source_row", [1]),
        ("post", "source_refresh", [1]),
        ("post", "source_pause", [1]),
        ("post", "source_delete", [1]),
        ("post", "sources_import", []),
        ("get", "sources_export", []),
    ],
)
def test_it_needs_a_signed_in_user(client, method, name, args):
    url = reverse(name, args=args)
    response = getattr(client, method)(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_it_allows_only_the_right_methods(signed_in):
    assert signed_in.post(reverse("sources")).status_code == 405
    assert signed_in.get(reverse("source_add")).status_code == 405


def test_it_shows_sources_in_the_nav_only_when_signed_in(client, user):
    assert 'href="/sources/"' not in client.get("/").content.decode()
    client.force_login(user)
    content = client.get("/").content.decode()
    assert 'href="/sources/"' in content and 'href="/add/"' in content


# --- Adding a feed ---


def test_it_adds_a_feed_by_its_url(signed_in, site, user):
    feed_url = a_feed(site, stories=("/a", "/b"))
    response = signed_in.post(reverse("source_add"), {"url": feed_url})
    source = Source.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/sources/#source-{source.pk}"
    assert source.feed_url == feed_url
    assert source.added_by == user
    assert Story.objects.count() == 2
    page = signed_in.get(response["Location"]).content.decode()
    assert "Added “Example News”; fetching its 2 stories…" in page
    row = page[page.index(f'id="source-{source.pk}"') :]
    assert '<td class="num" data-label="Stories">2</td>' in row


def test_it_adds_a_feed_by_a_sites_url(signed_in, site):
    feed_url = a_feed(site, "/blog/atom.xml", title="Discovered")
    home = article_page(
        "Home", paragraphs(40), feed_links=[("application/rss+xml", "/blog/atom.xml")]
    )
    site.server.route("/", home, headers={"Content-Type": "text/html"})
    signed_in.post(reverse("source_add"), {"url": site.url("/")})
    source = Source.objects.get()
    assert source.feed_url == feed_url
    assert source.name == "Discovered"


def test_it_adds_a_feed_with_htmx(signed_in, site):
    feed_url = a_feed(site)
    response = signed_in.post(reverse("source_add"), {"url": feed_url}, **HTMX)
    assert response.status_code == 200
    content = response.content.decode()
    assert "<html" not in content
    assert 'id="feed-form"' in content
    assert "Added “Example News”" in content
    assert f'id="source-{Source.objects.get().pk}"' in content
    # htmx shows the notice in place; it must not turn up again on the next page.
    assert "Added “Example News”" not in signed_in.get(reverse("sources")).content.decode()


@pytest.mark.parametrize(
    ("path", "route", "message"),
    [
        ("/missing.xml", None, "The server answered 404 Not Found"),
        ("/broken.xml", (500, b"oops"), "The server answered 500 Internal Server Error"),
        ("/page", (200, article_page("A page", paragraphs(40))), "does not name a feed"),
        ("/note.xml", (200, b"<?xml version='1.0'?><note/>"), "This is not a feed"),
        ("/bad.xml", (200, b"<?xml version='1.0'?><rss version='2.0'><channel><ti"), "malformed"),
        ("/empty.xml", (200, b""), "The feed is empty."),
        ("/bin", (200, b"\x00\x01\x02" * 50), "binary"),
        ("/loop", "loop", "redirects in a loop"),
        ("/huge.xml", (200, b"<rss>" + b"x" * 3000), "larger than"),
    ],
)
def test_it_explains_a_bad_feed_on_the_form(signed_in, site, settings, path, route, message):
    settings.FETCH_MAX_BYTES = 2000
    if route == "loop":
        site.server.redirect("/loop", "/loop2")
        site.server.redirect("/loop2", "/loop")
    elif route is not None:
        site.server.route(path, route[1], status=route[0])
    response = signed_in.post(reverse("source_add"), {"url": site.url(path)})
    assert response.status_code == 400
    content = response.content.decode()
    assert message in content.replace("&#x27;", "'").replace("&quot;", '"').replace("&lt;", "<")
    assert site.url(path) in content  # what the user typed is still there
    assert Source.objects.count() == 0


def test_it_explains_a_bad_feed_to_htmx(signed_in, site):
    response = signed_in.post(reverse("source_add"), {"url": site.url("/nope")}, **HTMX)
    assert response.status_code == 200
    assert "The server answered 404 Not Found" in response.content.decode()


def test_it_times_out_on_a_slow_feed(signed_in, site, settings):
    settings.FETCH_TIMEOUT = 0.5
    site.server.route("/slow.xml", b"<rss/>", delay=2)
    response = signed_in.post(reverse("source_add"), {"url": site.url("/slow.xml")})
    assert "Timed out" in response.content.decode()
    assert Source.objects.count() == 0


def test_it_refuses_addresses_that_are_not_public(signed_in, settings):
    settings.FETCH_ALLOWED_HOSTS = []
    response = signed_in.post(reverse("source_add"), {"url": "http://127.0.0.1:9/feed"})
    assert response.status_code == 400
    assert "not a public address" in response.content.decode().replace("&#x27;", "'")


@pytest.mark.parametrize("value", ["", "ftp://a.example/feed", "javascript:alert(1)", "not a url"])
def test_it_refuses_what_is_not_a_web_address(signed_in, value):
    response = signed_in.post(reverse("source_add"), {"url": value})
    assert response.status_code == 400
    assert 'class="errorlist' in response.content.decode()
    assert Source.objects.count() == 0


def test_it_says_when_a_feed_is_there_already(signed_in, site):
    feed_url = a_feed(site)
    signed_in.post(reverse("source_add"), {"url": feed_url})
    requests = len(site.server.requests_to("/feed.xml"))
    response = signed_in.post(reverse("source_add"), {"url": feed_url})
    assert response.status_code == 400
    assert "already on the sources page as “Example News”" in response.content.decode()
    assert Source.objects.count() == 1
    assert len(site.server.requests_to("/feed.xml")) == requests  # not even fetched


# --- The list ---


def test_it_lists_feeds_with_their_state(signed_in, site, user):
    a_feed(site)
    signed_in.post(reverse("source_add"), {"url": site.url("/feed.xml")})
    broken = Source.objects.create(
        name="Broken feed",
        feed_url="https://broken.example/feed",
        error_count=3,
        last_error="The server answered 503 Service Unavailable",
        last_fetch=timezone.now() - timedelta(minutes=5),
        next_fetch=timezone.now() + timedelta(hours=2),
    )
    paused = Source.objects.create(name="Quiet feed", feed_url="https://q.example/f", paused=True)
    Source.objects.create(name="A publication, not a feed", site_url="https://pub.example/")
    FeedEntry.objects.create(
        source=broken,
        guid_hash="x",
        guid="x",
        title="An item",
        entry_hash="h",
        pending=False,
        error="The page could not be fetched (Timed out after 15 s)",
    )
    content = signed_in.get(reverse("sources")).content.decode()
    assert "A publication, not a feed" not in content
    row = content[content.index(f'id="source-{broken.pk}"') :]
    row = row[: row.index("</tr>")]
    assert "3 failed fetches in a row" in row
    assert "503 Service Unavailable" in row
    assert "5\xa0minutes ago" in row
    assert "in 1\xa0hour" in row
    # Why the next fetch is not on the hourly schedule.
    assert (
        "retrying: after 3 failed fetches in a row the wait is 40 minutes (it doubles each "
        "time, up to a day)" in row
    )
    assert "otherwise every 1 hour" in row
    assert "1 item with problems" in row and "Timed out after 15 s" in row
    assert "Pause" not in row  # not added by this user
    assert "Refresh now" in row
    row = content[content.index(f'id="source-{paused.pk}"') :]
    assert "Paused" in row[: row.index("</tr>")]
    mine = Source.objects.get(added_by=user)
    row = content[content.index(f'id="source-{mine.pk}"') :]
    row = row[: row.index("</tr>")]
    assert "Pause" in row and "Delete" in row
    assert '<td class="num" data-label="Stories">1</td>' in row


def test_a_feed_fetched_moments_ago_was_fetched_just_now(signed_in):
    source = Source.objects.create(
        name="Fresh feed",
        feed_url="https://fresh.example/feed",
        last_fetch=timezone.now() - timedelta(seconds=20),
        next_fetch=timezone.now() + timedelta(seconds=30),
    )
    content = signed_in.get(reverse("sources")).content.decode()
    row = content[content.index(f'id="source-{source.pk}"') :]
    row = row[: row.index("</tr>")]
    assert ">just now</time>" in row
    assert ">in under a minute</time>" in row
    assert "0\xa0minutes" not in row


def test_it_shows_an_empty_list(signed_in):
    assert "No feeds yet" in signed_in.get(reverse("sources")).content.decode()


def test_it_lists_sources_in_constant_queries(signed_in):
    def make(n):
        for i in range(n):
            source = Source.objects.create(name=f"F{i}{n}", feed_url=f"https://f{i}-{n}.example/")
            FeedEntry.objects.create(
                source=source,
                guid_hash=f"g{i}",
                guid="g",
                entry_hash="h",
                pending=False,
                error="broken",
            )

    def queries() -> list[str]:
        with CaptureQueriesContext(connection) as captured:
            response = signed_in.get(reverse("sources"))
        assert response.status_code == 200
        return [q["sql"] for q in captured.captured_queries]

    make(1)
    queries()  # warm the session
    one = queries()
    make(10)
    eleven = queries()
    assert len(eleven) == len(one)
    # The feeds and their recent problems: one query each, whatever else the page asks.
    assert sum("articles_source" in q for q in eleven) == 1
    assert sum("articles_feedentry" in q for q in eleven) == 2
    assert signed_in.get(reverse("sources")).content.decode().count('class="feed-row') == 11


def test_it_polls_a_row_while_the_feed_is_being_fetched(signed_in, user):
    source = Source.objects.create(name="Busy", feed_url="https://busy.example/f", added_by=user)
    FeedEntry.objects.create(
        source=source,
        guid_hash="1",
        guid="1",
        entry_hash="h",
        pending=True,
        pending_since=timezone.now(),
    )
    row_url = reverse("source_row", args=[source.pk])
    content = signed_in.get(reverse("sources")).content.decode()
    assert f'hx-get="{row_url}" hx-trigger="every 3s"' in content
    assert f'<a href="{row_url}">Fetching…</a>' in content
    assert "1 story to go" in content
    response = signed_in.get(row_url, **HTMX)
    assert response.content.decode().lstrip().startswith(f'<tr id="source-{source.pk}"')
    FeedEntry.objects.update(pending=False)
    row = signed_in.get(row_url, **HTMX).content.decode()
    assert "hx-trigger" not in row
    assert "Fetching" not in row


def test_it_stops_saying_fetching_when_an_item_was_lost(signed_in):
    source = Source.objects.create(name="Lost", feed_url="https://lost.example/f")
    FeedEntry.objects.create(
        source=source,
        guid_hash="1",
        guid="1",
        entry_hash="h",
        pending=True,
        pending_since=timezone.now() - timedelta(hours=3),
    )
    assert "Fetching…</a>" not in signed_in.get(reverse("sources")).content.decode()


def test_it_sends_a_plain_row_request_to_the_page(signed_in):
    source = Source.objects.create(name="Row", feed_url="https://row.example/f")
    response = signed_in.get(reverse("source_row", args=[source.pk]))
    assert response.status_code == 302
    assert response["Location"] == f"/sources/#source-{source.pk}"


def test_it_404s_for_a_missing_feed(signed_in):
    assert signed_in.get(reverse("source_row", args=[999]), **HTMX).status_code == 404
    assert signed_in.post(reverse("source_refresh", args=[999])).status_code == 404


# --- Refresh, pause, delete ---


def test_it_refreshes_a_feed_now(signed_in, site):
    a_feed(site, stories=("/a",))
    signed_in.post(reverse("source_add"), {"url": site.url("/feed.xml")})
    source = Source.objects.get()
    a_feed(site, stories=("/a", "/b"))
    response = signed_in.post(reverse("source_refresh", args=[source.pk]))
    assert response.status_code == 302
    assert Story.objects.count() == 2
    content = signed_in.get(response["Location"]).content.decode()
    assert "Refreshing “Example News”…" in content


def test_it_refreshes_with_htmx_and_returns_the_row(signed_in, site, other):
    a_feed(site)
    signed_in.post(reverse("source_add"), {"url": site.url("/feed.xml")})
    source = Source.objects.get()
    Source.objects.update(added_by=other)  # anyone signed in may refresh
    response = signed_in.post(reverse("source_refresh", args=[source.pk]), **HTMX)
    assert response.status_code == 200
    assert response.content.decode().lstrip().startswith(f'<tr id="source-{source.pk}"')


def test_it_does_not_refresh_a_feed_being_fetched(signed_in):
    source = Source.objects.create(
        name="Claimed",
        feed_url="https://claimed.example/f",
        claimed_until=timezone.now() + timedelta(minutes=3),
    )
    response = signed_in.post(reverse("source_refresh", args=[source.pk]), follow=True)
    assert "is being fetched already" in response.content.decode()


def test_it_pauses_and_resumes_a_feed(signed_in, user):
    source = Source.objects.create(name="Mine", feed_url="https://mine.example/f", added_by=user)
    url = reverse("source_pause", args=[source.pk])
    signed_in.post(url, {"paused": "1"})
    signed_in.post(url, {"paused": "1"})  # a double submit leaves it paused
    source.refresh_from_db()
    assert source.paused
    response = signed_in.post(url, {"paused": "0"}, **HTMX)
    assert "Pause</button>" in response.content.decode()
    source.refresh_from_db()
    assert not source.paused


def test_it_lets_only_the_adder_or_staff_pause_or_delete(client, other, user):
    source = Source.objects.create(name="Theirs", feed_url="https://t.example/f", added_by=user)
    client.force_login(other)
    assert (
        client.post(reverse("source_pause", args=[source.pk]), {"paused": "1"}).status_code == 403
    )
    assert client.post(reverse("source_delete", args=[source.pk])).status_code == 403
    source.refresh_from_db()
    assert not source.paused
    other.is_staff = True
    other.save()
    assert client.post(reverse("source_delete", args=[source.pk])).status_code == 302
    assert not Source.objects.exists()


def test_it_deletes_a_feed_but_keeps_its_stories(signed_in, site):
    a_feed(site, stories=("/a", "/b"))
    signed_in.post(reverse("source_add"), {"url": site.url("/feed.xml")})
    source = Source.objects.get()
    response = signed_in.post(reverse("source_delete", args=[source.pk]), follow=True)
    assert "Deleted the feed “Example News”; its 2 stories stay." in response.content.decode()
    assert Source.objects.count() == 0
    assert FeedEntry.objects.count() == 0
    assert Story.objects.count() == 2
    assert StoryRevision.objects.count() == 2


def test_it_deletes_with_htmx(signed_in, user):
    source = Source.objects.create(name="Mine", feed_url="https://mine.example/f", added_by=user)
    response = signed_in.post(reverse("source_delete", args=[source.pk]), **HTMX)
    assert response.status_code == 200
    assert response.content == b""


# --- OPML ---


def opml_upload(body: bytes, name="feeds.opml") -> dict:
    return {"file": SimpleUploadedFile(name, body, content_type="text/x-opml")}


def test_it_imports_opml(signed_in, user):
    Source.objects.create(name="Have it", feed_url="https://have.example/feed")
    body = b"""<?xml version="1.0"?><opml version="2.0"><body>
      <outline text="Folder">
        <outline type="rss" text="New one" xmlUrl="https://new.example/feed" htmlUrl="https://new.example/"/>
        <outline type="rss" text="Have it" xmlUrl="https://have.example/feed"/>
        <outline type="rss" text="Weird" xmlUrl="gopher://weird.example/"/>
      </outline></body></opml>"""
    response = signed_in.post(reverse("sources_import"), opml_upload(body), follow=True)
    content = response.content.decode()
    assert (
        "Imported 1 feed (fetched in the background); 1 was here already; skipped Weird" in content
    )
    new = Source.objects.get(feed_url="https://new.example/feed")
    assert new.name == "New one"
    assert new.site_url == "https://new.example/"
    assert new.added_by == user
    assert new.next_fetch <= timezone.now()  # due: the scheduler fetches it next


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"<opml><body><outline", "not valid XML"),
        (b"<html><body>hi</body></html>", "not an OPML file"),
        (b"", "empty"),
    ],
)
def test_it_explains_bad_opml_on_the_form(signed_in, body, message):
    response = signed_in.post(reverse("sources_import"), opml_upload(body))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert Source.objects.count() == 0


def test_it_imports_opml_with_htmx(signed_in):
    body = (
        b"<opml version='2.0'><body><outline text='A' xmlUrl='https://a.example/f'/></body></opml>"
    )
    response = signed_in.post(reverse("sources_import"), opml_upload(body), **HTMX)
    assert response.status_code == 200
    assert "Imported 1 feed" in response.content.decode()


def test_it_exports_opml_that_imports_back(signed_in, client, other):
    Source.objects.create(
        name="B & Co", feed_url="https://b.example/feed?a=1&b=2", site_url="https://b.example/"
    )
    Source.objects.create(name="A", feed_url="https://a.example/feed")
    Source.objects.create(name="Not a feed", site_url="https://c.example/")
    response = signed_in.get(reverse("sources_export"))
    assert response["Content-Type"] == "text/x-opml; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    listed = parse_opml(response.content)
    assert [(f.title, f.xml_url) for f in listed] == [
        ("A", "https://a.example/feed"),
        ("B & Co", "https://b.example/feed?a=1&b=2"),
    ]
    Source.objects.all().delete()
    client.force_login(other)
    client.post(reverse("sources_import"), opml_upload(response.content))
    assert sorted(Source.objects.values_list("name", "feed_url", "site_url")) == [
        ("A", "https://a.example/feed", ""),
        ("B & Co", "https://b.example/feed?a=1&b=2", "https://b.example/"),
    ]


@pytest.mark.parametrize("adder", ["ada", "bob", None])
def test_who_may_manage_a_feed(adder):
    from django.contrib.auth.models import AnonymousUser

    users = {
        "ada": User.objects.create_user("ada", password="pw"),
        "bob": User.objects.create_user("bob", password="pw"),
        "staff": User.objects.create_user("sam", password="pw", is_staff=True),
    }
    feed = Source.objects.create(
        name="Feed", feed_url="https://feeds.test/rss", added_by=users.get(adder)
    )
    expected = {"ada": adder == "ada", "bob": adder == "bob", "staff": True}
    for name, user in users.items():
        assert feed.may_be_managed_by(user) == expected[name], name
        listed = Source.objects.for_sources_page(user).get(pk=feed.pk)
        assert bool(listed.can_manage) == expected[name], name  # NULL for an ownerless feed
    # A feed nobody added (loaded by a command) is not anybody's, least of all a visitor's.
    assert not feed.may_be_managed_by(AnonymousUser())
    assert not Source.objects.for_sources_page(AnonymousUser()).get(pk=feed.pk).can_manage


def test_the_sources_page_counts_stories_waiting_and_failed_entries():
    feed = Source.objects.create(name="Feed", feed_url="https://feeds.test/rss")
    story = make_story("Fetched").story
    now = timezone.now()

    def entry(n, **fields):
        FeedEntry.objects.create(source=feed, guid_hash=f"{n:064}", guid=str(n), **fields)

    entry(1, story=story, pending=False)
    entry(2, story=story, pending=False)  # the same story through another entry: one story
    entry(3, pending=True, pending_since=now)  # waiting
    entry(4, pending=True, pending_since=now - timedelta(hours=2))  # given up waiting
    entry(5, pending=False, error="Timed out")  # failed
    entry(6, pending=True, pending_since=now, error="Timed out once")  # retrying: waiting
    entry(7, pending=False)  # read, no story (not an article)
    listed = Source.objects.for_sources_page(User.objects.create_user("ada")).get()
    assert (listed.story_count, listed.pending_count, listed.failed_count) == (1, 2, 1)
