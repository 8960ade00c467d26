"""Feed items in the admin (listed, searched and filtered, never edited there) and the
sources' schedule there."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from articles.models import FeedEntry, Source

pytestmark = pytest.mark.django_db

LIST = "/admin/articles/feedentry/"


@pytest.fixture
def admin_client(client):
    client.force_login(User.objects.create_superuser("root", password="pw-root-123456"))
    return client


@pytest.fixture
def entries() -> tuple[FeedEntry, FeedEntry]:
    source = Source.objects.create(name="Example News", feed_url="https://news.example/feed")
    stored = FeedEntry.objects.create(
        source=source, guid_hash="1", guid="g1", title="Stored item", entry_hash="h",
        link="https://news.example/stored", pending=False,
    )  # fmt: skip
    failed = FeedEntry.objects.create(
        source=source, guid_hash="2", guid="g2", title="Broken item", entry_hash="h",
        pending=False, pending_since=timezone.now(),
        error="The page could not be fetched (The server answered 404 Not Found)" + "!" * 100,
    )  # fmt: skip
    return stored, failed


def test_it_lists_searches_and_filters_feed_items(admin_client, entries):
    content = admin_client.get(LIST).content.decode()
    assert "Stored item" in content and "Broken item" in content
    assert "Example News" in content
    # Long errors are cut short in the list.
    assert "404 Not Found" in content and "!" * 100 not in content
    searched = admin_client.get(LIST, {"q": "broken"}).content.decode()
    assert "Broken item" in searched and "Stored item" not in searched
    with_error = admin_client.get(LIST, {"error__isempty": "0"}).content.decode()
    assert "Broken item" in with_error and "Stored item" not in with_error
    pending = admin_client.get(LIST, {"pending__exact": "1"}).content.decode()
    assert "Broken item" not in pending and "Stored item" not in pending


def test_it_shows_a_feed_item_read_only(admin_client, entries):
    stored, _failed = entries
    url = f"{LIST}{stored.pk}/change/"
    page = admin_client.get(url)
    assert page.status_code == 200
    content = page.content.decode()
    assert "Stored item" in content
    assert 'name="title"' not in content  # no inputs: nothing to edit
    assert admin_client.post(url, {"title": "Changed"}).status_code == 403
    assert admin_client.get(f"{LIST}add/").status_code == 403
    assert admin_client.get(f"{LIST}{stored.pk}/delete/").status_code == 403
    stored.refresh_from_db()
    assert stored.title == "Stored item"


def test_it_reschedules_a_source_whose_interval_changes_in_the_admin(admin_client):
    fetched = timezone.now() - timedelta(minutes=10)
    source = Source.objects.create(
        name="Admin feed", feed_url="https://a.example/f", last_fetch=fetched,
        next_fetch=fetched + timedelta(hours=1),
    )  # fmt: skip
    url = f"/admin/articles/source/{source.pk}/change/"
    form = admin_client.get(url).context["adminform"].form
    data = {}
    for name in form.fields:
        value = form[name].value()
        if isinstance(value, datetime):  # the admin splits these into a date and a time
            local = timezone.localtime(value)
            data[f"{name}_0"], data[f"{name}_1"] = f"{local:%Y-%m-%d}", f"{local:%H:%M:%S}"
        else:
            data[name] = "" if value is None else value
    data["refresh_minutes"] = "15"
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    source.refresh_from_db()
    assert source.refresh_minutes == 15
    assert abs(source.next_fetch - (fetched + timedelta(minutes=15))) < timedelta(seconds=2)


def test_it_lists_the_schedule_of_sources(admin_client):
    Source.objects.create(name="Chosen", feed_url="https://c.example/f", refresh_minutes=120)
    content = admin_client.get("/admin/articles/source/").content.decode()
    assert "Chosen" in content and ">120<" in content
