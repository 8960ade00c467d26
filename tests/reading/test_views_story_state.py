"""The reading view as part of the library: read on opening, save / read buttons, newer
and older story links."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from reading.models import ReadingState
from tests.factories import make_story

pytestmark = pytest.mark.django_db

BASE = datetime(2026, 6, 1, tzinfo=UTC)


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


def test_newer_and_older_stay_in_the_list_the_reader_came_from(reader, ada):
    oldest, old, middle, new, newest = (_story(t, d) for d, t in enumerate("ABCDE"))
    for story in (oldest, middle, newest):
        ReadingState.objects.set_flags(ada, story, saved=True)
    ReadingState.objects.set_flags(ada, old, read=True)
    # From the Saved tab: the saved story on either side, and the links stay in Saved.
    content = reader.get(middle.get_absolute_url() + "?show=saved").content.decode()
    assert f'rel="prev" href="{newest.get_absolute_url()}?show=saved"' in content
    assert f'rel="next" href="{oldest.get_absolute_url()}?show=saved"' in content
    assert "Older saved story" in content
    # From Unread: read stories are passed over (the middle one since it was opened).
    content = reader.get(newest.get_absolute_url() + "?show=unread").content.decode()
    assert f'rel="next" href="{new.get_absolute_url()}?show=unread"' in content
    content = reader.get(new.get_absolute_url() + "?show=unread").content.decode()
    assert f'rel="next" href="{oldest.get_absolute_url()}?show=unread"' in content
    assert "Older unread story" in content
    # All (or no filter): every story.
    content = reader.get(middle.get_absolute_url()).content.decode()
    assert f'rel="next" href="{old.get_absolute_url()}"' in content
    assert "Older story" in content


def test_a_visitor_or_an_unknown_filter_gets_every_story(client, reader):
    old, story = _story("Old", 0), _story("Story", 1)
    for browser in (client, reader):
        content = browser.get(story.get_absolute_url() + "?show=nonsense").content.decode()
        assert f'rel="next" href="{old.get_absolute_url()}"' in content
    client.logout()
    content = client.get(story.get_absolute_url() + "?show=saved").content.decode()
    assert f'rel="next" href="{old.get_absolute_url()}"' in content


def test_the_front_page_links_keep_its_filter(reader, ada):
    story = _story("Saved one")
    ReadingState.objects.set_flags(ada, story, saved=True)
    content = reader.get("/?show=saved").content.decode()
    assert f'href="{story.get_absolute_url()}?show=saved"' in content
    content = reader.get("/").content.decode()
    assert f'href="{story.get_absolute_url()}"' in content


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


@pytest.mark.parametrize("show", ["unread", "saved", "annotated"])
def test_a_filtered_reading_view_costs_what_the_plain_one_does(reader, ada, show):
    story = _story("Measured", 50)
    reader.get(story.get_absolute_url())
    for i in range(30):
        ReadingState.objects.set_flags(ada, _story(f"S{i}", i), read=i % 2 == 0, saved=True)
    plain = _queries(reader, story)
    with CaptureQueriesContext(connection) as ctx:
        assert reader.get(f"{story.get_absolute_url()}?show={show}").status_code == 200
    assert len(ctx.captured_queries) == plain
