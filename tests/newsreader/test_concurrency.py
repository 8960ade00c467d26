"""Many clients at once on one story, each thread with its own database connection.

PostgreSQL only: it is the database that serves several web processes; SQLite serializes
writers (and the suite checks its behaviour elsewhere).
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable

import pytest
from django.contrib.auth.models import User
from django.db import connection, connections
from django.test import Client

from annotations.anchoring import describe
from annotations.models import Annotation, Reply, Visibility
from annotations.testing import annotate
from newsreader.ratelimit import Rate, hit
from tests.factories import make_story

pytestmark = pytest.mark.django_db(transaction=True)

THREADS = 8
OPS = 20
BODY = [
    "The ordinance requires every vendor to publish an audit of the model before it is used.",
    "Critics said the audit rule was vague and that café owners would never read it at all.",
    "The council will vote again in spring, after a consultation with residents and firms.",
]
QUOTES = ["publish an audit", "the audit rule", "café owners", "vote again", "residents"]


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("concurrency is measured on PostgreSQL")


def _in_threads(work: Callable[[int], list[int]]) -> list[int]:
    """Run work(n) in THREADS threads started together; their status codes."""
    statuses: list[int] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(THREADS)
    lock = threading.Lock()

    def run(n: int) -> None:
        try:
            barrier.wait()
            got = work(n)
            with lock:
                statuses.extend(got)
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    return statuses


def _selection(story, quote: str, **extra: str) -> dict[str, object]:
    text = story.current_revision.body_text
    start = text.index(quote)
    s = describe(text, start, start + len(quote))
    return {
        "revision": story.current_revision_id,
        "exact": s.exact,
        "prefix": s.prefix,
        "suffix": s.suffix,
        "start": s.start,
        "end": s.end,
        "colour": "blue",
        **extra,
    }


def test_it_loses_no_annotation_reply_or_edit_under_concurrent_clients(settings):
    settings.RATELIMIT_RATES = {"annotate": "10000/m", "reply": "10000/m"}
    story = make_story("Ordinance", body=BODY).story
    users = [User.objects.create_user(f"user{n}", password="pw") for n in range(THREADS)]
    host = User.objects.create_user("host", password="pw")
    thread = annotate(story, host, "spring", visibility=Visibility.PUBLIC)
    own = {n: annotate(story, users[n], "consultation") for n in range(THREADS)}

    def work(n: int) -> list[int]:
        client = Client()
        client.force_login(users[n])
        statuses = []
        for op in range(OPS):
            kind = op % 3
            if kind == 0:
                data = _selection(story, QUOTES[op % len(QUOTES)], comment=f"u{n} op{op}")
                response = client.post(f"/stories/{story.pk}/annotations/new/", data)
            elif kind == 1:
                response = client.post(
                    f"/annotations/{thread.pk}/replies/", {"body": f"reply u{n} op{op}"}
                )
            else:
                response = client.post(
                    f"/annotations/{own[n].pk}/edit/",
                    {"colour": "green", "comment": f"edit u{n} op{op}", "visibility": "private"},
                )
            statuses.append(response.status_code)
        return statuses

    statuses = _in_threads(work)
    assert Counter(statuses) == {302: THREADS * OPS}
    creates = len([op for op in range(OPS) if op % 3 == 0])
    replies = len([op for op in range(OPS) if op % 3 == 1])
    assert Annotation.objects.filter(comment__startswith="u").count() == THREADS * creates
    for n in range(THREADS):
        mine = Annotation.objects.filter(author=users[n], comment__startswith=f"u{n} ")
        assert mine.count() == creates
    assert Reply.objects.filter(annotation=thread).count() == THREADS * replies
    last_edit = max(op for op in range(OPS) if op % 3 == 2)
    for n in range(THREADS):
        own[n].refresh_from_db()
        assert own[n].comment == f"edit u{n} op{last_edit}"
    # The story page counts them all for their authors, and the public thread for anyone.
    client = Client()
    client.force_login(users[0])
    body = client.get(story.get_absolute_url()).content.decode()
    assert f'class="annotation-count">{creates + 2}<' in body


def test_it_counts_every_rate_limited_request_once_under_concurrency():
    rate = Rate(limit=10_000, period=60)

    def work(n: int) -> list[int]:
        return [hit("shared", "one-client", rate)[0] for _ in range(OPS)]

    counts = _in_threads(work)
    # An atomic upsert hands out every count exactly once: no lost update.
    assert sorted(counts) == list(range(1, THREADS * OPS + 1))


@pytest.mark.parametrize("key", ["same-key", ""])
def test_copies_of_one_create_sent_at_once_store_one_highlight_and_one_reply(settings, key):
    """A double-click's requests arrive together: the story (or the annotation replied
    to) is locked, so the second sees the first and answers with it."""
    settings.RATELIMIT_RATES = {"annotate": "10000/m", "reply": "10000/m"}
    story = make_story("Ordinance", body=BODY).story
    ada = User.objects.create_user("ada", password="pw")
    parent = annotate(story, ada, "spring")

    def work(n: int) -> list[int]:
        client = Client()
        client.force_login(ada)
        created = client.post(
            f"/stories/{story.pk}/annotations/new/",
            _selection(story, "publish an audit", idempotency_key=key),
        )
        replied = client.post(
            f"/annotations/{parent.pk}/replies/", {"body": "Once", "idempotency_key": key}
        )
        return [created.status_code, replied.status_code]

    assert set(_in_threads(work)) == {302}
    assert Annotation.objects.filter(exact="publish an audit").count() == 1
    assert Reply.objects.filter(annotation=parent).count() == 1
