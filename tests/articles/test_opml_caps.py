"""OPML import caps (per import, per reader) and first fetches spread over time
(articles.tasks.add_feeds, issue 13 item 8)."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from articles.models import Source
from articles.tasks import first_fetch_times

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def opml(*urls: str) -> dict:
    outlines = "".join(f'<outline text="F{n}" xmlUrl="{u}"/>' for n, u in enumerate(urls))
    body = f'<opml version="2.0"><body>{outlines}</body></opml>'.encode()
    return {"file": SimpleUploadedFile("feeds.opml", body, content_type="text/x-opml")}


def feeds(n: int, site: str = "a") -> list[str]:
    return [f"https://{site}{i}.example/feed" for i in range(n)]


def text(response) -> str:
    return response.content.decode().replace("&#x27;", "'")


def test_an_import_over_the_per_import_cap_stores_nothing(signed_in, settings):
    settings.OPML_IMPORT_MAX_FEEDS = 5
    response = signed_in.post(reverse("sources_import"), opml(*feeds(6)))
    assert response.status_code == 400
    assert "This file lists 6 feeds; one import takes at most 5. Split it" in text(response)
    assert Source.objects.count() == 0
    response = signed_in.post(reverse("sources_import"), opml(*feeds(5)))
    assert response.status_code == 302
    assert Source.objects.count() == 5


def test_the_default_cap_refuses_thirty_thousand_feeds(signed_in):
    response = signed_in.post(reverse("sources_import"), opml(*feeds(30_000)))
    assert response.status_code == 400
    assert "This file lists 30,000 feeds; one import takes at most 500." in text(response)
    assert Source.objects.count() == 0


def test_a_reader_may_add_so_many_feeds_in_all(signed_in, user, settings):
    settings.FEEDS_PER_USER_MAX = 5
    someone = User.objects.create_user("someone", password="pw")
    for url in feeds(3, "mine"):
        Source.objects.create(name=url, feed_url=url, added_by=user)
    for url in feeds(2, "theirs"):
        Source.objects.create(name=url, feed_url=url, added_by=someone)
    # Three new ones (and two someone else added, which cost this reader nothing): over.
    response = signed_in.post(
        reverse("sources_import"), opml(*feeds(3, "new"), *feeds(2, "theirs")), **HTMX
    )
    assert response.status_code == 200  # htmx: the form with its error, in place
    assert (
        "This would add 3 new feeds to the 3 you have added; one reader may add at most 5."
        in text(response)
    )
    assert Source.objects.filter(added_by=user).count() == 3
    assert Source.objects.count() == 5
    # Two are within it.
    signed_in.post(reverse("sources_import"), opml(*feeds(2, "new"), *feeds(2, "theirs")))
    assert Source.objects.filter(added_by=user).count() == 5


def test_adding_one_feed_counts_towards_the_same_cap(signed_in, user, settings):
    settings.FEEDS_PER_USER_MAX = 1
    Source.objects.create(name="x", feed_url="https://x.example/feed", added_by=user)
    response = signed_in.post(reverse("source_add"), {"url": "https://y.example/feed"})
    assert response.status_code == 400
    assert "one reader may add at most 1." in text(response)
    assert Source.objects.count() == 1


def test_imported_feeds_are_first_due_one_after_another(signed_in, settings):
    settings.OPML_FETCH_SPACING = 10
    before = timezone.now()
    signed_in.post(reverse("sources_import"), opml(*feeds(4)))
    after = timezone.now()
    due = sorted(Source.objects.values_list("next_fetch", flat=True))
    assert before <= due[0] <= after
    assert [round((b - a).total_seconds(), 3) for a, b in itertools.pairwise(due)] == [10.0] * 3


def test_a_big_import_is_spread_over_an_hour_at_most():
    now = timezone.now()
    times = first_fetch_times(500, now)
    assert times[0] == now and times[-1] == now + timedelta(hours=1)
    gaps = {round((b - a).total_seconds(), 3) for a, b in itertools.pairwise(times)}
    assert gaps == {round(3600 / 499, 3)}
    assert first_fetch_times(0, now) == []
    assert first_fetch_times(1, now) == [now]
