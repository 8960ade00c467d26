"""The reading view as part of the library: read on opening, save / read buttons, newer
and older story links."""

from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext

from library.models import ReadingState

from .factories import make_story

pytestmark = pytest.mark.django_db

BASE = datetime(2026, 6, 1, tzinfo=UTC)


@pytest.fixture
def ada():
    return User.objects.create_user("ada", password="pw")


@pytest.fixture
def reader(client, ada):
    client.force_login(ada)
    return client


def _story(title, days=0):
    return make_story(title, published=BASE + timedelta(days=days)).story


def test_opening_a_story_marks_it_read(reader, ada):
    story = _story("Opened")
    content = reader.get(story.get_absolute_url()).content.decode()
    assert ReadingState.objects.get(user=ada, story=story).is_read
    assert f'id="story-state-{story.pk}"' in content
    assert ">Mark unread<" in content
    assert ">Save<" in content


def test_a_visitor_leaves_no_trace(client):
    story = _story("Opened")
    content = client.get(story.get_absolute_url()).content.decode()
    assert not ReadingState.objects.exists()
    assert "story-state" not in content
    assert "data-progress-url" not in content


def test_it_links_the_newer_and_older_stories(client):
    older, story, newer = _story("Older", 0), _story("Middle", 1), _story("Newer", 2)
    content = client.get(story.get_absolute_url()).content.decode()
    assert f'rel="prev" href="{newer.get_absolute_url()}"' in content
    assert f'rel="next" href="{older.get_absolute_url()}"' in content
    first = client.get(newer.get_absolute_url()).content.decode()
    assert 'rel="prev"' not in first
    assert f'rel="next" href="{story.get_absolute_url()}"' in first


def _queries(client, story) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(story.get_absolute_url()).status_code == 200
    return len(ctx.captured_queries)


def test_the_reading_view_costs_the_same_however_big_the_library(reader, ada):
    story = _story("Measured", 50)
    reader.get(story.get_absolute_url())  # the reading state exists from now on
    few = _queries(reader, story)
    for i in range(60):
        ReadingState.objects.set_flags(ada, _story(f"S{i}", i), read=True, saved=True)
    assert _queries(reader, story) == few
