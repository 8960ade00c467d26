"""bench/floors.py: the same-content floors produce the pages' HTML, whatever the data."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth.models import User
from django.test import Client, override_settings
from django.utils import timezone

from annotations.models import Anchoring, Annotation, Reply, Visibility
from annotations.testing import annotate
from bench.floors import first_difference, normalise
from reading.models import ReadingState
from tests.factories import LOREM, make_story

pytestmark = pytest.mark.django_db


@pytest.fixture
def people():
    return User.objects.create_user("ada", password="pw"), User.objects.create_user("bob")


@pytest.fixture
def reader(people):
    client = Client(HTTP_HOST="localhost")
    client.force_login(people[0])
    return client


def _library(ada: User, bob: User):
    published = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
    shared = make_story(
        "A story with <everything> & more",
        body=["The first paragraph says something worth keeping.", LOREM, "A last line."],
        dek="A dek with “quotes” & an ampersand",
        byline="Ada Lovelace",
        site_name="Engine Weekly",
        published=published,
    ).story
    older = make_story("An older story", published=published - timedelta(days=1)).story
    make_story("The oldest story", published=published - timedelta(days=2))
    own = make_story("My own copy", body=[LOREM], owner=ada, published=published).story
    make_story("Bob's copy", body=[LOREM], owner=bob, published=published)
    mine = annotate(shared, ada, "first paragraph", comment="*Why* this", tags=["b-tag", "a&b"])
    annotate(shared, ada, "worth keeping", visibility=Visibility.PRIVATE)
    annotate(shared, ada, "A last line", visibility=Visibility.LINK)
    theirs = annotate(shared, bob, "says something", colour="green", tags=["theirs"])
    annotate(shared, bob, "paragraph says", visibility=Visibility.PRIVATE)  # never shown
    gone = annotate(shared, bob, "something worth")
    changed = annotate(shared, ada, "keeping")
    Annotation.objects.filter(pk=gone.pk).update(anchor_state=Anchoring.ORPHANED)
    Annotation.objects.filter(pk=changed.pk).update(
        anchor_state=Anchoring.CHANGED, original_exact="keeping it all"
    )
    Reply.post(theirs, ada, "I agree, **strongly**.")
    Reply.post(theirs, bob, "Thanks <b>Ada</b>")
    Reply.post(mine, bob, "Old reply", created=timezone.now() - timedelta(days=30))
    ReadingState.objects.set_flags(ada, older, saved=True)
    ReadingState.objects.filter(user=ada, story=older).update(progress=0.5)
    annotate(own, ada, LOREM.split()[0], visibility=Visibility.PRIVATE)
    return shared, older, own


def _same(client: Client, page: str, floor: str) -> None:
    with override_settings(ROOT_URLCONF="bench.urls"):
        expected = client.get(page)
        got = client.get(floor)
    assert expected.status_code == got.status_code == 200
    assert first_difference(expected.content.decode(), got.content.decode()) is None


def test_the_front_page_floor_is_the_front_page(people, reader):
    _library(*people)
    _same(reader, "/", "/__bench/same/front/")


def test_the_reading_view_floor_is_the_reading_view(people, reader):
    shared, older, own = _library(*people)
    for story in (shared, older, own):
        # Twice: the first visit marks the story read, in both.
        _same(reader, story.get_absolute_url(), f"/__bench/same/stories/{story.pk}/")
        _same(reader, story.get_absolute_url(), f"/__bench/same/stories/{story.pk}/")


def test_a_floor_that_differs_is_caught(people, reader):
    shared, older, _own = _library(*people)
    with override_settings(ROOT_URLCONF="bench.urls"):
        page = reader.get(shared.get_absolute_url()).content.decode()
        other = reader.get(f"/__bench/same/stories/{older.pk}/").content.decode()
    assert first_difference(page, other) is not None
    assert first_difference(page, page.replace("</h1>", " </h1>")) is None
    assert normalise(page) != normalise(page.replace("Annotations", "Annotation"))


def test_the_floors_are_never_routed_by_the_product(reader):
    assert reader.get("/__bench/same/front/").status_code == 404
