"""The front page as a reader's library: all / unread / saved / annotated, with counts."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from annotations.testing import annotate
from reading.models import ReadingState
from reading.views import PAGE_SIZE
from tests.factories import make_story

pytestmark = pytest.mark.django_db

BASE = datetime(2026, 5, 1, tzinfo=UTC)


@pytest.fixture
def reader(client, ada):
    client.force_login(ada)
    return client


def _story(title, hours=0):
    return make_story(title, published=BASE + timedelta(hours=hours)).story


def _titles(response) -> list[str]:
    return re.findall(
        r'class="story-item-title"><a href="[^"]+">([^<]+)</a>', response.content.decode()
    )


def _tabs(response) -> dict[str, str]:
    return dict(
        re.findall(
            r'<a href="/(?:\?show=\w+)?"(?: aria-current="page")?>(\w+) '
            r'<span class="tab-count">(\d+)</span>',
            response.content.decode(),
        )
    )


@pytest.fixture
def library(ada):
    read = _story("Read one", 3)
    saved = _story("Saved one", 2)
    noted = _story("Noted one", 1)
    _story("Untouched", 0)
    ReadingState.objects.set_flags(ada, read, read=True)
    ReadingState.objects.set_flags(ada, saved, saved=True)
    annotate(noted, ada, "Engineers")
    return read, saved, noted


def test_it_shows_each_filter_with_its_count(reader, library):
    response = reader.get("/")
    assert _tabs(response) == {"All": "4", "Unread": "3", "Saved": "1", "Annotated": "1"}
    assert 'aria-current="page">All' in response.content.decode()


def test_each_filter_lists_its_stories(reader, library):
    assert _titles(reader.get("/?show=unread")) == ["Saved one", "Noted one", "Untouched"]
    assert _titles(reader.get("/?show=saved")) == ["Saved one"]
    assert _titles(reader.get("/?show=annotated")) == ["Noted one"]
    assert _titles(reader.get("/?show=bogus")) == [
        "Read one",
        "Saved one",
        "Noted one",
        "Untouched",
    ]


def test_empty_filters_say_what_to_do(reader):
    _story("Only")
    assert "No saved stories" in reader.get("/?show=saved").content.decode()


def test_each_story_shows_its_state_and_buttons(reader, ada, library):
    content = reader.get("/").content.decode()
    read, saved, _noted = library
    assert f'id="story-state-{read.pk}"' in content
    read_block = content[content.index(f'id="story-state-{read.pk}"') :]
    assert ">Mark unread<" in read_block[: read_block.index("</div>")]
    saved_block = content[content.index(f'id="story-state-{saved.pk}"') :]
    saved_block = saved_block[: saved_block.index("</div>")]
    assert 'class="state-badge state-saved">Saved<' in saved_block
    assert ">Unsave<" in saved_block
    assert "1 highlight<" in content


def test_progress_shows_on_the_front_page(reader, ada, library):
    ReadingState.objects.record_progress(ada, library[0], 0.42)
    assert "42% read" in reader.get("/").content.decode()


def test_a_visitor_sees_all_stories_without_buttons(client, library):
    response = client.get("/?show=saved")
    assert len(_titles(response)) == 4
    content = response.content.decode()
    assert "story-state" not in content
    assert "tab-count" not in content


def test_paging_keeps_the_filter(reader, ada):
    for i in range(PAGE_SIZE + 4):
        ReadingState.objects.set_flags(ada, _story(f"Saved {i:02d}", i), saved=True)
    _story("Not saved", 100)
    first = reader.get("/?show=saved")
    assert len(_titles(first)) == PAGE_SIZE
    next_query = first.context["next_query"]
    assert "show=saved" in next_query
    second = reader.get("/?" + next_query)
    assert _titles(second) == [f"Saved {i:02d}" for i in range(3, -1, -1)]


def test_paging_is_unmoved_by_stories_arriving_between_pages(reader):
    for i in range(PAGE_SIZE + 5):
        _story(f"Story {i:02d}", i)
    first = reader.get("/")
    # New stories, newer and older than the page boundary and on its very date.
    for i in range(3):
        _story(f"Late newest {i}", 500 + i)
    boundary = first.context["stories"][-1]
    make_story("Late tie", published=boundary.sort_date)
    _story("Late oldest", -10)
    second = reader.get("/?" + first.context["next_query"])
    seen = _titles(first) + _titles(second)
    assert len(seen) == len(set(seen))
    assert {f"Story {i:02d}" for i in range(PAGE_SIZE + 5)} <= set(seen)
    assert "Late oldest" in _titles(second)
    assert not any(title.startswith("Late newest") for title in seen)


def test_reading_between_pages_of_unread_skips_nothing(reader, ada):
    stories = [_story(f"Story {i:02d}", i) for i in range(PAGE_SIZE + 5)]
    first = reader.get("/?show=unread")
    # The reader opens some of the first page (read now) before asking for more.
    for story in stories[-3:]:
        reader.get(story.get_absolute_url())
    second = reader.get("/?" + first.context["next_query"])
    assert _titles(second) == [f"Story {i:02d}" for i in range(4, -1, -1)]


def _queries(client, path) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(path).status_code == 200
    return len(ctx.captured_queries)


def test_it_runs_a_constant_number_of_queries_for_a_reader(reader, ada):
    story = _story("First")
    annotate(story, ada, "Engineers")
    few = _queries(reader, "/")
    for i in range(40):
        story = _story(f"S{i}", i)
        ReadingState.objects.set_flags(ada, story, read=i % 2 == 0, saved=i % 3 == 0)
        if i % 5 == 0:
            annotate(story, ada, "Engineers")
    for path in ("/", "/?show=unread", "/?show=saved", "/?show=annotated"):
        assert _queries(reader, path) == few
    # Session, the user with their preferences, the page, the counts.
    assert few == 4
