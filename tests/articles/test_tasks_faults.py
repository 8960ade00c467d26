"""Faults: the database dropping a connection, a worker killed mid-task, a feed host that
never answers. The app recovers, nothing is half-written, failures are visible."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO
from typing import Any
from wsgiref.util import setup_testing_defaults

import pytest
from django.contrib.auth.models import User
from django.core.handlers.wsgi import WSGIHandler
from django.core.management import call_command
from django.db import connection, connections
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from articles.models import FeedEntry, Source, Story, backoff
from articles.tasks import claim_due_feeds, claim_feed, refresh_feed, subscribe
from newsreader.stale_tasks import Recovered, recover_stale_tasks
from tests.feedsite import site_fixture  # noqa: F401
from tests.httpserver import Response

pytestmark = pytest.mark.django_db(transaction=True)

DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def _terminate(pid: int) -> None:
    """Kill one backend from another connection, as a failover or an admin would."""
    killer = connections.create_connection("default")
    try:
        with killer.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s, 5000)", [pid])
            assert cursor.fetchone()[0], "the backend did not go away"
    finally:
        killer.close()


def _get(path: str) -> int:
    """One request through Django's WSGI handler, with the per-request connection checks a
    server runs (the test client switches them off)."""
    path, _, query = path.partition("?")
    environ: dict[str, object] = {"PATH_INFO": path, "QUERY_STRING": query, "REQUEST_METHOD": "GET"}
    setup_testing_defaults(environ)
    environ["SERVER_NAME"] = "localhost"
    statuses: list[str] = []

    def start_response(status: str, headers: Any, exc_info: Any = None) -> Any:
        statuses.append(status)

    body = WSGIHandler()(environ, start_response)
    b"".join(body)
    getattr(body, "close", lambda: None)()
    return int(statuses[0].split()[0])


def test_it_recovers_when_the_database_drops_the_connection():
    """With CONN_MAX_AGE a connection outlives its request; when PostgreSQL kills it (a
    failover, an admin, an idle timeout), CONN_HEALTH_CHECKS finds it dead at the next
    request and opens another, so the visitor never sees an error."""
    if connection.vendor != "postgresql":
        pytest.skip("pg_terminate_backend is PostgreSQL's")
    for path in ["/", "/healthz", "/accounts/login/", "/search/?q=x"]:
        assert _get("/healthz") == 200
        pid = connection.connection.info.backend_pid
        _terminate(pid)
        assert _get(path) == 200
        assert _get("/healthz") == 200  # a page that needs no query reconnects here
        assert connection.connection.info.backend_pid != pid


def test_it_recovers_between_worker_tasks_when_the_connection_drops(settings):
    """db_worker calls close_old_connections() on waking: a killed backend costs nothing."""
    if connection.vendor != "postgresql":
        pytest.skip("pg_terminate_backend is PostgreSQL's")
    other = connections.create_connection("default")  # stands in for the worker's
    other.ensure_connection()
    pid = other.connection.info.backend_pid
    _terminate(pid)
    other.close_if_unusable_or_obsolete()  # what close_old_connections() does for it
    with other.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        assert cursor.fetchone()[0] != pid
    other.close()


def test_it_refetches_a_killed_workers_feed_after_the_lease(site, settings):
    """What django-tasks-db does when a worker dies mid-task (SIGKILL, OOM, a lost node):
    the task row stays RUNNING: workers only take READY rows and nothing times them out
    (newsreader.stale_tasks retries it later, see below). The feed does not wait for that:
    its claim is a lease (5 minutes) that runs out, the scheduler claims the feed again,
    and its items are stored once."""
    for n in range(3):
        site.article(f"/s{n}", f"Story {n}", words=150)
    feed_url = site.rss("/feed.xml", [site.item(f"/s{n}", f"Story {n}") for n in range(3)])
    settings.TASKS = DB_TASKS
    source = Source.objects.create(name="Feed", feed_url=feed_url, next_fetch=timezone.now())
    assert claim_due_feeds() == [source.pk]
    refresh_feed.enqueue(source.pk)
    row = DBTaskResult.objects.get()
    row.claim("worker-that-dies")  # …and the process is killed here.
    assert DBTaskResult.objects.running().count() == 1
    assert DBTaskResult.objects.ready().count() == 0  # no worker will pick it up again

    # Inside the lease, nobody else fetches the feed.
    assert claim_due_feeds() == []
    assert not claim_feed(source.pk)
    # The lease runs out; the scheduler's next round claims the feed and the work is done.
    Source.objects.filter(pk=source.pk).update(claimed_until=timezone.now() - timedelta(1))
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    assert claim_due_feeds() == [source.pk]
    refresh_feed.call(source.pk)
    assert Story.objects.count() == 3
    # A second refresh (say the dead task's row were re-run by hand) adds nothing.
    assert claim_feed(source.pk)
    refresh_feed.call(source.pk)
    assert Story.objects.count() == 3
    assert FeedEntry.objects.filter(pending=True).count() == 0


def test_it_fails_a_feed_whose_host_times_out_visibly_and_retries_later(site, settings):
    settings.FETCH_TIMEOUT = 0.5
    site.server.add("/slow.xml", Response(body=b"<rss/>", delay=3))
    source = Source.objects.create(
        name="Slow", feed_url=site.url("/slow.xml"), next_fetch=timezone.now()
    )
    before = timezone.now()
    assert claim_feed(source.pk)
    refresh_feed.call(source.pk)
    source.refresh_from_db()
    assert source.error_count == 1
    assert "time" in source.last_error.lower()
    assert source.claimed_until is None  # not stuck: the next round may try again
    assert source.next_fetch is not None
    assert source.next_fetch >= before + backoff(1) - timedelta(seconds=5)
    assert not Story.objects.exists()
    assert not FeedEntry.objects.exists()


def test_it_keeps_nothing_half_written_when_adding_a_feed_times_out(site, settings):
    settings.FETCH_TIMEOUT = 0.5
    site.server.add("/slow.xml", Response(body=b"<rss/>", delay=3))
    user = User.objects.create_user("ada", password="pw")
    with pytest.raises(Exception, match=r"(?i)time"):
        subscribe(site.url("/slow.xml"), user)
    assert not Source.objects.exists()


def _dead_workers_task(site, settings, *, worker_ids: list[str], started_ago: timedelta):
    for n in range(2):
        site.article(f"/d{n}", f"Dead {n}", words=150)
    feed_url = site.rss("/dead.xml", [site.item(f"/d{n}", f"Dead {n}") for n in range(2)])
    settings.TASKS = DB_TASKS
    source = Source.objects.create(name="Feed", feed_url=feed_url, next_fetch=timezone.now())
    assert claim_due_feeds() == [source.pk]
    refresh_feed.enqueue(source.pk)
    row = DBTaskResult.objects.get()
    for worker_id in worker_ids:
        row.claim(worker_id)  # …and each of these processes was killed here.
    DBTaskResult.objects.filter(pk=row.pk).update(started_at=timezone.now() - started_ago)
    # The lease ran out long ago too.
    Source.objects.filter(pk=source.pk).update(claimed_until=timezone.now() - started_ago)
    return row


def test_it_retries_a_task_whose_worker_died_and_a_live_worker_finishes_it(site, settings):
    row = _dead_workers_task(site, settings, worker_ids=["dies"], started_ago=timedelta(hours=2))
    assert recover_stale_tasks() == Recovered(retried=1, failed=0)
    row.refresh_from_db()
    assert row.status == "READY"
    assert row.started_at is None

    call_command("db_worker", "--batch", "--no-startup-delay", "--worker-id", "alive")
    row.refresh_from_db()
    assert row.status == "SUCCESSFUL"
    assert row.worker_ids == ["dies", "alive"]
    assert Story.objects.count() == 2


def test_it_leaves_a_task_alone_while_it_may_still_be_running(site, settings):
    row = _dead_workers_task(site, settings, worker_ids=["busy"], started_ago=timedelta(minutes=5))
    assert recover_stale_tasks() == Recovered(retried=0, failed=0)
    row.refresh_from_db()
    assert row.status == "RUNNING"


def test_it_fails_a_task_visibly_once_its_workers_died_too_often(site, settings):
    settings.TASK_MAX_ATTEMPTS = 3
    row = _dead_workers_task(
        site, settings, worker_ids=["a", "b", "c"], started_ago=timedelta(hours=2)
    )
    out = StringIO()
    call_command("recover_tasks", stdout=out)
    assert "Retried 0 and failed 1" in out.getvalue()
    row.refresh_from_db()
    assert row.status == "FAILED"
    [error] = row.task_result.errors
    assert error.exception_class_path == "newsreader.stale_tasks.WorkerLost"
    assert "stopped without finishing it 3 times" in error.traceback
    assert Story.objects.count() == 0
