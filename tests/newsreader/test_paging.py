"""newsreader.paging: the keyset cursors every paged list uses, and the filter that starts
a page at one."""

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from articles.models import Story
from newsreader import paging
from tests.factories import make_story

offsets = st.integers(min_value=-23 * 60, max_value=23 * 60).map(
    lambda minutes: timezone(timedelta(minutes=minutes))
)
datetimes = st.datetimes(timezones=st.none() | st.just(UTC) | offsets)
pks = st.integers(min_value=0, max_value=2**63 - 1)
names = st.text().filter(lambda name: "\x00" not in name)


@settings(max_examples=300, deadline=None)
@given(datetimes, pks)
def test_a_datetime_cursor_reads_back_as_it_was_written(when, pk):
    parsed = paging.parse(paging.encode(when, pk))
    assert parsed == (when, pk)
    assert parsed[0].utcoffset() == when.utcoffset()


@settings(max_examples=300, deadline=None)
@given(names, pks)
def test_a_name_cursor_reads_back_as_it_was_written(name, pk):
    # A name may hold "~" itself: the id after the last one never does.
    assert paging.parse(paging.encode(name, pk), str) == (name, pk)


@settings(max_examples=300, deadline=None)
@given(st.floats(allow_nan=False, allow_infinity=False), pks)
def test_a_rank_cursor_reads_back_as_it_was_written(rank, pk):
    assert paging.parse(paging.encode(rank, pk), float) == (rank, pk)


@pytest.mark.parametrize("value", ["nan~5", "inf~5", "-inf~5", "1e999~5", "x~5", "0.5~", "0.5~-1"])
def test_a_bad_rank_cursor_is_none(value):
    assert paging.parse(value, float) is None


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60))
def test_garbage_is_no_cursor_and_never_an_error(value):
    parsed = paging.parse(value)
    assert parsed is None or (isinstance(parsed[0], datetime) and parsed[1] >= 0)
    named = paging.parse(value, str)
    assert named is None or (isinstance(named[0], str) and "\x00" not in named[0])


@pytest.mark.parametrize(
    "value",
    [
        None,
        "",
        "garbage",
        "~",
        "~5",
        "nonsense~x",
        "2026-01-01T00:00:00+00:00",
        "2026-01-01T00:00:00+00:00~",
        "2026-01-01T00:00:00+00:00~x",
        "2026-01-01T00:00:00+00:00~-5",
        "2026-01-01T00:00:00+00:00~ 5",
        "2026-01-01T00:00:00+00:00~²",  # a digit to str.isdigit, not to int()
        "2026-02-30T00:00:00+00:00~5",  # well formed, no such day
        "2026-01-01T25:00:00~5",
        "2026-01-01T00:00:00\x00~5",
    ],
)
def test_a_bad_datetime_cursor_is_none(value):
    assert paging.parse(value) is None


@pytest.mark.parametrize("value", [None, "", "name", "name~", "name~x", "na\x00me~5", "name~-1"])
def test_a_bad_name_cursor_is_none(value):
    assert paging.parse(value, str) is None


def test_cursors_look_as_they_always_have():
    """Links already out there (bookmarked "older" pages) keep working."""
    when = datetime(2026, 3, 1, 12, 30, 15, 250, tzinfo=UTC)
    assert paging.encode(when, 42) == "2026-03-01T12:30:15.000250+00:00~42"
    assert paging.encode("the ~ times", 7) == "the ~ times~7"
    assert paging.parse("2026-03-01T12:30:15+00:00~42") == (when.replace(microsecond=0), 42)


@pytest.mark.parametrize(
    ("rows", "page", "last"),
    [
        ([], [], None),
        ([1, 2], [1, 2], None),
        ([1, 2, 3], [1, 2, 3], None),
        ([1, 2, 3, 4], [1, 2, 3], 3),
    ],
)
def test_split_keeps_a_page_and_names_its_last_row_when_more_follow(rows, page, last):
    assert paging.split(iter(rows), 3) == (page, last)


@pytest.mark.django_db
def test_keyset_starts_after_the_cursor_in_either_direction():
    when = datetime(2026, 1, 1, tzinfo=UTC)
    stories = [make_story(f"Story {n}").story for n in range(5)]
    # Three share a date: the id sorts them out.
    for story, date in zip(
        stories, [when, when, when, when - timedelta(1), when + timedelta(1)], strict=True
    ):
        Story.objects.filter(pk=story.pk).update(sort_date=date)
    newest = list(Story.objects.order_by("-sort_date", "-id"))
    middle = newest[2]
    older = paging.keyset(
        Story.objects.order_by("-sort_date", "-id"),
        "sort_date",
        middle.sort_date,
        middle.pk,
        descending=True,
    )
    assert list(older) == newest[3:]
    newer = paging.keyset(
        Story.objects.order_by("sort_date", "id"),
        "sort_date",
        middle.sort_date,
        middle.pk,
        descending=False,
    )
    assert list(newer) == newest[:2][::-1]
    # The querysets' own keyset methods are this filter.
    assert (
        list(Story.objects.order_by("-sort_date", "-id").before(middle.sort_date, middle.pk))
        == newest[3:]
    )
