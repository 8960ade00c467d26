from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from articles.models import Story
from reading.views import PAGE_SIZE
from tests.factories import make_story

pytestmark = pytest.mark.django_db


def test_it_lists_newest_first_with_meta(client):
    base = datetime(2026, 1, 1, tzinfo=UTC)
    make_story("Older one", published=base, site_name="Old Gazette", dek="An older dek.")
    make_story("Newer one", published=base + timedelta(days=1), site_name="New Times")
    response = client.get("/")
    assert response.status_code == 200
    content = response.content.decode()
    assert content.index("Newer one") < content.index("Older one")
    assert "Old Gazette" in content
    assert "An older dek." in content
    assert "min read" in content
    assert "1 Jan 2026" in content


def test_it_shows_an_empty_state(client):
    response = client.get("/")
    assert b"No stories yet" in response.content


def _titles(content: bytes) -> list[str]:
    import re

    return re.findall(r'class="story-item-title"><a href="[^"]+">([^<]+)</a>', content.decode())


def test_it_pages_with_a_keyset_cursor(client):
    base = datetime(2026, 1, 1, tzinfo=UTC)
    for i in range(PAGE_SIZE + 5):
        make_story(f"Story {i:03d}", published=base + timedelta(hours=i))
    first = client.get("/")
    titles = _titles(first.content)
    assert len(titles) == PAGE_SIZE
    assert titles[0] == f"Story {PAGE_SIZE + 4:03d}"
    assert "Older stories" in first.content.decode()
    cursor = first.context["next_cursor"]
    second = client.get("/", {"before": cursor})
    assert _titles(second.content) == [f"Story {i:03d}" for i in range(4, -1, -1)]
    assert "Older stories" not in second.content.decode()


def test_it_keeps_ties_on_the_same_date_apart(client):
    when = datetime(2026, 2, 1, tzinfo=UTC)
    for i in range(PAGE_SIZE + 3):
        make_story(f"Same day {i:03d}", published=when)
    first = client.get("/")
    second = client.get("/", {"before": first.context["next_cursor"]})
    seen = _titles(first.content) + _titles(second.content)
    assert len(seen) == len(set(seen)) == PAGE_SIZE + 3


def test_it_returns_only_the_page_fragment_to_htmx(client):
    base = datetime(2026, 1, 1, tzinfo=UTC)
    for i in range(PAGE_SIZE + 2):
        make_story(f"Story {i:03d}", published=base + timedelta(hours=i))
    cursor = client.get("/").context["next_cursor"]
    response = client.get("/", {"before": cursor}, headers={"HX-Request": "true"})
    content = response.content.decode()
    assert "<html" not in content
    assert 'class="story-item"' in content
    assert content.count('class="story-item"') == 2


def test_it_ignores_a_malformed_cursor(client):
    make_story("Only story")
    response = client.get("/", {"before": "garbage"})
    assert response.status_code == 200
    assert b"Only story" in response.content


def _count_queries(client) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get("/").status_code == 200
    return len(ctx.captured_queries)


def test_it_runs_a_constant_number_of_queries(client):
    make_story()
    one = _count_queries(client)
    for _ in range(49):
        make_story()
    assert Story.objects.count() == 50
    fifty = _count_queries(client)
    assert one == fifty
    assert fifty <= 3
