"""The sources page in pages: keyset paging by name (case-insensitive), then id; a "More
feeds" link that htmx loads in place and that works as a plain link."""

from __future__ import annotations

import re
from html import unescape

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from articles import views_sources
from articles.models import Source

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
PAGE = 4
_ROW = re.compile(r'<tr id="source-(\d+)"')
_MORE = re.compile(r'<a href="\?([^"#]*)(?:#feeds-title)?"\s+hx-get="\?([^"]*)"')


@pytest.fixture(autouse=True)
def small_pages(monkeypatch):
    monkeypatch.setattr(views_sources, "PAGE_SIZE", PAGE)


def add(*names: str) -> list[Source]:
    return [
        Source.objects.create(name=name, feed_url=f"https://feeds.example/{Source.objects.count()}")
        for name in names
    ]


def rows(content: str) -> list[int]:
    return [int(pk) for pk in _ROW.findall(content)]


def more(content: str) -> str | None:
    """The query of the "More feeds" link, checking that the plain link and htmx agree."""
    match = _MORE.search(content)
    if match is None:
        return None
    assert match[1] == match[2]
    return unescape(match[1])


def listing_order(user: User) -> list[int]:
    """The order the database gives the whole list: what the pages must add up to."""
    return list(Source.objects.for_sources_page(user).values_list("pk", flat=True))


# Mixed case, shared names across page boundaries, "~" (the cursor's separator) and
# characters a URL must escape.
NAMES = [
    "zeta", "Alpha", "alpha", "beta", "Beta", "beta", "a~1", "a~1", "Ünicode",
    "gamma & co", "delta?x=1", "Epsilon", "epsilon", "100% news", "  spaced",
]  # fmt: skip


def walk(client, *, htmx: bool) -> list[int]:
    seen: list[int] = []
    response = client.get(reverse("sources"))
    content = response.content.decode()
    pages = 0
    while True:
        seen += rows(content)
        pages += 1
        query = more(content)
        if query is None:
            break
        response = client.get(f"{reverse('sources')}?{query}", **(HTMX if htmx else {}))
        assert response.status_code == 200
        content = response.content.decode()
        if htmx:
            # Only the next rows and the next link: no page around them, no forms.
            assert "<html" not in content and 'id="feed-form"' not in content
            assert content.lstrip().startswith("<tr")
        else:
            assert "<html" in content and "Back to the first feeds" in content
    assert pages == -(-len(seen) // PAGE)
    return seen


@pytest.mark.parametrize("htmx", [False, True])
def test_it_pages_through_every_feed_once_in_order(signed_in, user, htmx):
    add(*NAMES)
    Source.objects.create(name="A publication", site_url="https://pub.example/")
    seen = walk(signed_in, htmx=htmx)
    assert seen == listing_order(user)
    assert len(seen) == len(set(seen)) == len(NAMES)
    names = [Source.objects.get(pk=pk).name.lower() for pk in seen]
    ascii_names = [n for n in names if n.isascii() and n.isalpha()]
    assert ascii_names == sorted(ascii_names)


def test_it_shows_no_link_when_everything_fits(signed_in):
    add("one", "two", "three", "four")
    content = signed_in.get(reverse("sources")).content.decode()
    assert len(rows(content)) == 4
    assert more(content) is None


def test_it_stays_correct_when_feeds_come_and_go_between_pages(signed_in, user):
    add("b1", "b2", "c1", "c2", "d1", "d2", "e1")
    first = signed_in.get(reverse("sources")).content.decode()
    page_one = rows(first)
    query = more(first)
    assert query is not None
    last = Source.objects.get(pk=page_one[-1])
    assert last.name == "c2"
    # Added after the first page was shown: before the cursor (seen on page one if at all),
    # at it (same name, higher id: after it), and after it.
    early, same, late = add("a0", "c2", "cz")
    # The feed the cursor points at goes: the cursor still knows where it was.
    last.delete()
    later: list[int] = []
    next_query: str | None = query
    while next_query is not None:
        content = signed_in.get(f"{reverse('sources')}?{next_query}", **HTMX).content.decode()
        later += rows(content)
        next_query = more(content)
    assert later[:2] == [same.pk, late.pk]
    assert early.pk not in later
    assert later == [pk for pk in listing_order(user) if pk not in page_one and pk != early.pk]


@pytest.mark.parametrize("cursor", ["", "nonsense", "name~notanumber", "~", "x~1~"])
def test_it_shows_the_first_page_for_a_bad_cursor(signed_in, cursor):
    add("a", "b", "c", "d", "e")
    content = signed_in.get(reverse("sources"), {"after": cursor}).content.decode()
    assert rows(content) == list(Source.objects.order_by("name").values_list("pk", flat=True))[:4]


def test_it_keeps_a_row_action_on_its_page_without_javascript(signed_in, user):
    feeds = add("a", "b", "c", "d", "e", "f")
    Source.objects.update(added_by=user)
    content = signed_in.get(reverse("sources")).content.decode()
    query = more(content)
    assert query is not None
    page_two = signed_in.get(f"{reverse('sources')}?{query}").content.decode()
    target = feeds[4]
    row = page_two[page_two.index(f'id="source-{target.pk}"') :]
    cursor = re.search(r'name="page" value="([^"]*)"', row)
    assert cursor is not None and cursor[1] == "d~" + str(feeds[3].pk)
    response = signed_in.post(
        reverse("source_pause", args=[target.pk]), {"paused": "1", "page": unescape(cursor[1])}
    )
    assert response["Location"] == f"/sources/?{query}#source-{target.pk}"
    assert target.pk in rows(signed_in.get(response["Location"]).content.decode())
    # A forged page value is not passed on.
    response = signed_in.post(
        reverse("source_pause", args=[target.pk]), {"paused": "0", "page": "//evil.example"}
    )
    assert response["Location"] == f"/sources/#source-{target.pk}"


def test_it_pages_in_constant_queries(signed_in):
    add(*[f"feed {i:02d}" for i in range(3 * PAGE)])
    first = signed_in.get(reverse("sources")).content.decode()
    query = more(first)

    def count(url: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert signed_in.get(url, **HTMX).status_code == 200
        return sum("articles_source" in q["sql"] for q in captured.captured_queries)

    # One query for the page's feeds, however deep the page.
    assert count(f"{reverse('sources')}?{query}") == 1
