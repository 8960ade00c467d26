"""Creating once: a request sent twice (a double-click, a retry, Back and send again)
stores one annotation or reply, by its idempotency key or as an identical create moments
after the first (annotations/idempotency.py)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from annotations.anchoring import describe
from annotations.idempotency import KEPT, WINDOW, IdempotencyKey
from annotations.models import Annotation, Reply, Visibility
from annotations.testing import annotate
from annotations.tokens import ApiToken
from tests.factories import make_story

pytestmark = pytest.mark.django_db

BODY = [
    "The ordinance requires every vendor to publish an audit of the model before it is used.",
    "Critics said the audit rule was vague and that café owners would never read it at all.",
]
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def story():
    return make_story("Ordinance", body=BODY).story


@pytest.fixture
def reader(client, ada):
    client.force_login(ada)
    return client


def _selection(story, quote, **extra):
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


def _create_url(story):
    return f"/stories/{story.pk}/annotations/new/"


def _age(model, seconds):
    model.objects.update(created=timezone.now() - timedelta(seconds=seconds))


# --- The forms


def test_the_toolbar_sent_twice_with_its_key_stores_one_highlight(reader, story):
    data = _selection(story, "publish an audit", idempotency_key="k-1")
    first = reader.post(_create_url(story), data, **HTMX)
    annotation = Annotation.objects.get()
    # After the window, only the key says it is the same request.
    _age(Annotation, WINDOW.total_seconds() + 5)
    second = reader.post(_create_url(story), data, **HTMX)
    assert first.status_code == second.status_code == 200
    assert Annotation.objects.count() == 1
    # The first answer puts the card in the list; the repeat redraws it where it is.
    assert 'hx-swap-oob="beforeend:#annotation-list"' in first.content.decode()
    assert f'hx-swap-oob="outerHTML:#annotation-{annotation.pk}"' in second.content.decode()
    # Both give the toolbar a new key for the next highlight.
    for response in (first, second):
        content = response.content.decode()
        assert 'id="annotate-key"' in content and 'value="k-1"' not in content


def test_the_toolbar_sent_twice_without_a_key_stores_one_highlight(reader, story):
    data = _selection(story, "publish an audit", comment="Who audits?", tags="policy, ai")
    reader.post(_create_url(story), data, **HTMX)
    reader.post(_create_url(story), data, **HTMX)
    assert Annotation.objects.count() == 1


def test_the_same_passage_highlighted_again_later_is_a_new_highlight(reader, story):
    data = _selection(story, "publish an audit")
    reader.post(_create_url(story), data, **HTMX)
    _age(Annotation, WINDOW.total_seconds() + 1)
    reader.post(_create_url(story), data, **HTMX)
    assert Annotation.objects.count() == 2


@pytest.mark.parametrize(
    "change",
    [{"colour": "pink"}, {"comment": "Other"}, {"tags": "other"}, {"visibility": "public"}],
)
def test_a_different_highlight_of_the_same_passage_is_not_a_repeat(reader, story, change):
    reader.post(_create_url(story), _selection(story, "publish an audit"), **HTMX)
    reader.post(_create_url(story), _selection(story, "publish an audit", **change), **HTMX)
    assert Annotation.objects.count() == 2


def test_two_readers_highlighting_the_same_words_are_two_highlights(client, ada, bob, story):
    for user in (ada, bob):
        client.force_login(user)
        client.post(_create_url(story), _selection(story, "publish an audit", idempotency_key="k"))
    assert Annotation.objects.count() == 2


def test_the_quote_form_sent_twice_stores_one_highlight(reader, story):
    data = {"quote": "audit rule", "colour": "green", "idempotency_key": "q-1"}
    first = reader.post(_create_url(story), data)
    _age(Annotation, WINDOW.total_seconds() + 5)
    second = reader.post(_create_url(story), data)
    annotation = Annotation.objects.get()
    assert (
        first["Location"]
        == second["Location"]
        == (f"{story.get_absolute_url()}#hl-{annotation.pk}")
    )


def test_a_form_key_that_came_with_another_request_is_ignored(reader, story):
    reader.post(
        _create_url(story), {"quote": "audit rule", "colour": "green", "idempotency_key": "q"}
    )
    reader.post(
        _create_url(story), {"quote": "café owners", "colour": "green", "idempotency_key": "q"}
    )
    assert sorted(Annotation.objects.values_list("exact", flat=True)) == [
        "audit rule",
        "café owners",
    ]


def test_a_reply_sent_twice_stores_one_reply(reader, story, ada):
    annotation = annotate(story, ada, "publish an audit")
    url = f"/annotations/{annotation.pk}/replies/"
    data = {"body": "Who audits the auditors?", "idempotency_key": "r-1"}
    first = reader.post(url, data, **HTMX)
    _age(Reply, WINDOW.total_seconds() + 5)
    second = reader.post(url, data, **HTMX)
    assert first.status_code == second.status_code == 200
    assert Reply.objects.count() == 1
    assert second.content.decode().count("Who audits the auditors?") == 1


def test_a_reply_sent_twice_without_a_key_stores_one_reply(reader, story, ada):
    annotation = annotate(story, ada, "publish an audit")
    url = f"/annotations/{annotation.pk}/replies/"
    reader.post(url, {"body": "Same words"})
    reader.post(url, {"body": "Same words"})
    assert Reply.objects.count() == 1
    _age(Reply, WINDOW.total_seconds() + 1)
    reader.post(url, {"body": "Same words"})
    assert Reply.objects.count() == 2


def test_a_reply_through_a_share_link_sent_twice_stores_one_reply(client, story, ada, bob):
    annotation = annotate(story, ada, "publish an audit", visibility=Visibility.LINK)
    client.force_login(bob)
    url = f"/s/{annotation.share_token}/annotations/{annotation.pk}/replies/"
    data = {"body": "Through the link", "idempotency_key": "s-1"}
    client.post(url, data)
    _age(Reply, WINDOW.total_seconds() + 5)
    client.post(url, data)
    assert Reply.objects.count() == 1


def test_the_forms_carry_a_new_key_each_time_they_are_shown(reader, story, ada):
    annotation = annotate(story, ada, "publish an audit")
    pages = [reader.get(story.get_absolute_url()).content.decode() for _ in range(2)]
    keys = [page.split('name="idempotency_key"')[1].split('value="')[1][:22] for page in pages]
    assert keys[0] != keys[1]
    form = reader.get(f"/annotations/{annotation.pk}/replies/new/", **HTMX).content.decode()
    assert 'name="idempotency_key"' in form


def test_keys_are_forgotten_after_a_day(reader, story):
    data = {"quote": "audit rule", "colour": "green", "idempotency_key": "old"}
    reader.post(_create_url(story), data)
    IdempotencyKey.objects.update(created=timezone.now() - KEPT - timedelta(minutes=1))
    _age(Annotation, KEPT.total_seconds() + 60)
    reader.post(_create_url(story), data)
    assert Annotation.objects.count() == 2
    assert IdempotencyKey.objects.count() == 1  # the stale one was cleared


# --- The API: Idempotency-Key


@pytest.fixture
def token(ada):
    return ApiToken.issue(ada, "t")[1]


def _post(client, data, token, **headers):
    return client.post(
        "/api/annotations/",
        json.dumps(data),
        content_type="application/ld+json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
        **headers,
    )


def _w3c(story, quote="publish an audit", **fields):
    text = story.current_revision.body_text
    start = text.index(quote)
    return {
        "type": "Annotation",
        "target": {
            "source": story.url,
            "selector": [
                {"type": "TextPositionSelector", "start": start, "end": start + len(quote)}
            ],
        },
        **fields,
    }


def test_the_api_answers_a_repeated_key_as_the_first_time(client, story, token):
    first = _post(client, _w3c(story), token, HTTP_IDEMPOTENCY_KEY='"8e03978e-40d5"')
    _age(Annotation, WINDOW.total_seconds() + 5)
    again = _post(client, _w3c(story), token, HTTP_IDEMPOTENCY_KEY='"8e03978e-40d5"')
    assert first.status_code == again.status_code == 201
    assert first["Location"] == again["Location"]
    assert Annotation.objects.count() == 1


def test_the_api_refuses_a_key_reused_for_another_request(client, story, token):
    assert _post(client, _w3c(story), token, HTTP_IDEMPOTENCY_KEY="k").status_code == 201
    reused = _post(client, _w3c(story, "café owners"), token, HTTP_IDEMPOTENCY_KEY="k")
    assert reused.status_code == 422
    assert "Idempotency-Key" in reused.json()["error"]
    assert Annotation.objects.count() == 1


def test_the_api_refuses_a_bad_key(client, story, token):
    assert _post(client, _w3c(story), token, HTTP_IDEMPOTENCY_KEY="x" * 101).status_code == 400
    assert not Annotation.objects.exists()


def test_the_api_takes_an_identical_create_moments_later_as_a_repeat(client, story, token):
    assert _post(client, _w3c(story), token).status_code == 201
    assert _post(client, _w3c(story), token).status_code == 201
    assert Annotation.objects.count() == 1


def test_a_restore_that_says_when_each_was_made_keeps_identical_copies(client, story, token):
    made = (timezone.now() - timedelta(seconds=3)).isoformat()
    for _ in range(2):
        assert _post(client, _w3c(story, created=made), token).status_code == 201
    assert Annotation.objects.count() == 2


def test_an_api_reply_with_a_repeated_key_is_stored_once(client, story, ada, token):
    annotation = annotate(story, ada, "publish an audit")
    reply = {
        "type": "Annotation",
        "motivation": "replying",
        "body": {"type": "TextualBody", "value": "Once"},
        "target": f"http://testserver/api/annotations/{annotation.pk}/",
    }
    first = _post(client, reply, token, HTTP_IDEMPOTENCY_KEY="r")
    _age(Reply, WINDOW.total_seconds() + 5)
    again = _post(client, reply, token, HTTP_IDEMPOTENCY_KEY="r")
    assert first["Location"] == again["Location"]
    assert Reply.objects.count() == 1
    reply["body"]["value"] = "Twice"
    assert _post(client, reply, token, HTTP_IDEMPOTENCY_KEY="r").status_code == 422
