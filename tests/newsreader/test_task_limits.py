"""Background tasks stop at their time and CPU limits (newsreader/task_limits.py): the
feed or item says why on the sources page, and the worker goes on to the next task."""

from __future__ import annotations

import signal
import time

import pytest
from django.urls import reverse

from articles import tasks
from articles.models import FeedEntry
from articles.tasks import refresh_feed, subscribe
from newsreader.task_limits import TaskLimitExceeded, limited
from tests.feedsite import article_page, paragraphs, rss, site_fixture  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture
def tight(settings):
    settings.TASK_TIME_LIMIT = 0.5
    settings.TASK_CPU_LIMIT = 0.3
    return settings


def _limits(settings, work) -> None:
    # Only the limit under test is tight: a loaded machine gives a busy loop less than a
    # whole CPU, so a tight wall clock would stop it first.
    if work is _stall:
        settings.TASK_CPU_LIMIT = 10
    else:
        settings.TASK_TIME_LIMIT = 10


def _burn(*_args, **_kwargs):
    while True:
        pass


def _stall(*_args, **_kwargs):
    time.sleep(30)


def _swallow(*_args, **_kwargs):
    # A library that catches every Exception and carries on must not keep the worker.
    while True:
        try:
            sum(range(10_000))
        except Exception:  # noqa: S112
            continue


@pytest.mark.parametrize(
    ("work", "reason"),
    [(_burn, "needed more than 0.3 s of CPU"), (_stall, "took longer than 0.5 s"),
     (_swallow, "needed more than 0.3 s of CPU")],
    ids=["cpu", "wall", "swallowed"],
)  # fmt: skip
def test_a_feed_refresh_over_its_limit_fails_visibly(
    site, tight, client, ada, monkeypatch, work, reason
):
    site.article("/a", "Garbage collector halves pauses", words=150)
    source = subscribe(site.rss("/feed.xml", [site.item("/a", "GC")]), ada).source
    monkeypatch.setattr(tasks, "find_feed_in", work)
    _limits(tight, work)
    source.next_fetch = None
    start = time.monotonic()
    outcome = refresh_feed.call(source.pk)
    assert time.monotonic() - start < 5
    assert outcome.startswith("failed: Stopped: this feed")
    source.refresh_from_db()
    assert reason in source.last_error and source.error_count == 1
    client.force_login(ada)
    assert reason in client.get(reverse("sources")).content.decode()


@pytest.mark.parametrize(
    ("work", "reason"),
    [(_burn, "needed more than 0.3 s of CPU"), (_stall, "took longer than 0.5 s")],
    ids=["cpu", "wall"],
)
def test_an_item_over_its_limit_fails_visibly_and_the_next_one_is_stored(
    site, tight, monkeypatch, work, reason
):
    site.article("/a", "Garbage collector halves pauses", words=150)
    site.article("/b", "Storage layer rewritten", words=150)
    real = tasks.ingest_feed_entry
    _limits(tight, work)

    def first_one_hangs(**kwargs):
        return work() if kwargs["link"].endswith("/a") else real(**kwargs)

    monkeypatch.setattr(tasks, "ingest_feed_entry", first_one_hangs)
    subscribe(site.rss("/feed.xml", [site.item("/a", "GC"), site.item("/b", "Storage")]), None)
    hung, stored = FeedEntry.objects.order_by("link")
    assert reason in hung.error and not hung.pending and hung.story is None
    assert stored.error == "" and stored.story is not None


def test_limits_leave_the_signal_handlers_and_timers_as_they_were(tight):
    before = signal.getsignal(signal.SIGALRM), signal.getsignal(signal.SIGPROF)
    with pytest.raises(TaskLimitExceeded, match=r"took longer than 0\.5 s"), limited("this"):
        time.sleep(5)
    with limited("this test"):
        pass
    assert (signal.getsignal(signal.SIGALRM), signal.getsignal(signal.SIGPROF)) == before
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
    assert signal.getitimer(signal.ITIMER_PROF) == (0.0, 0.0)


def test_a_limit_inside_a_limit_keeps_the_outer_one(tight):
    start = time.monotonic()
    with pytest.raises(TaskLimitExceeded), limited("outer"):
        with limited("inner"):
            pass
        time.sleep(5)
    assert time.monotonic() - start < 2
