"""The API follows the pages' permissions: every role × visibility × action.

Same rules as tests/annotations/test_permission_matrix.py: what a reader may not see is a 404, never a
403; someone else's annotation they may see is a 403 on change; anonymous writes are 401
(the API's "log in"). Link-only annotations are reached through their share link only, so
by id, in the API as on the pages, they are the author's alone.
"""

from __future__ import annotations

import json

import pytest
from django.contrib.auth.models import User
from django.test import Client

from annotations.models import Annotation, Reply, Visibility
from annotations.testing import annotate
from annotations.tokens import ApiToken
from tests.factories import make_story

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "author", "other", "staff"]
STATES = [*Visibility.values, "deleted"]
MARKER = "quokkaxylophone"


@pytest.fixture
def world(state):
    ada = User.objects.create_user("ada", password="pw")
    bob = User.objects.create_user("bob", password="pw")
    sam = User.objects.create_user("sam", password="pw", is_staff=True, is_superuser=True)
    story = make_story("A story with an annotation").story
    visibility = Visibility.PRIVATE if state == "deleted" else state
    annotation = annotate(
        story, ada, "rewritten storage layer", comment=f"Note {MARKER}", visibility=visibility
    )
    replies = {}
    # The author's reply, and one by another reader (left while the annotation was public:
    # the author may have made it private since).
    for role, user in (("author", ada), ("other", bob)):
        reply = Reply(annotation=annotation, author=user)
        reply.set_body(f"Follow-up by {user.username}")
        reply.save()
        replies[role] = reply.pk
    annotation_id = annotation.pk
    if state == "deleted":
        annotation.delete()
    tokens = {name: ApiToken.issue(user, "t")[1] for name, user in
              [("author", ada), ("other", bob), ("staff", sam)]}  # fmt: skip
    return {
        "annotation": annotation_id,
        "reply": replies["author"],
        "replies": replies,
        "tokens": tokens,
    }


def _headers(world, role):
    token = world["tokens"].get(role)
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}


def _visible(role, state):
    if state == "deleted":
        return False
    return state == Visibility.PUBLIC or role == "author"


def _expected_write(role, state, ok):
    if role == "anonymous":
        return 401
    if not _visible(role, state):
        return 404
    return ok if role == "author" else 403


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("role", ROLES)
def test_it_reads_what_the_pages_show(client: Client, world, role, state):
    headers = _headers(world, role)
    item = client.get(f"/api/annotations/{world['annotation']}/", **headers)
    assert item.status_code == (200 if _visible(role, state) else 404)
    thread = client.get(f"/api/annotations/replies/{world['reply']}/", **headers)
    assert thread.status_code == (200 if _visible(role, state) else 404)
    listed = MARKER in client.get("/api/annotations/", **headers).content.decode()
    assert listed == _visible(role, state)


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("role", ROLES)
def test_it_changes_what_the_pages_let_change(client: Client, world, role, state):
    headers = _headers(world, role)
    url = f"/api/annotations/{world['annotation']}/"
    data = {"type": "Annotation", "target": {}, "body": "Changed", "visibility": "private"}
    response = client.put(
        url, json.dumps(data), content_type="application/ld+json", HTTP_IF_MATCH="*", **headers
    )
    assert response.status_code == _expected_write(role, state, 200)
    changed = Annotation.objects.filter(comment="Changed").exists()
    assert changed == (response.status_code == 200)


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("role", ROLES)
def test_it_deletes_what_the_pages_let_delete(client: Client, world, role, state):
    headers = _headers(world, role)
    response = client.delete(f"/api/annotations/{world['annotation']}/", **headers)
    assert response.status_code == _expected_write(role, state, 204)
    exists = Annotation.objects.filter(pk=world["annotation"]).exists()
    assert exists == (state != "deleted" and response.status_code != 204)


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("role", ROLES)
def test_it_replies_where_the_pages_let_reply(client: Client, world, role, state):
    headers = _headers(world, role)
    data = {
        "type": "Annotation",
        "motivation": "replying",
        "body": {"type": "TextualBody", "value": "A reply."},
        "target": f"http://testserver/api/annotations/{world['annotation']}/",
    }
    response = client.post(
        "/api/annotations/", json.dumps(data), content_type="application/ld+json", **headers
    )
    if role == "anonymous":
        assert response.status_code == 401
    else:
        assert response.status_code == (201 if _visible(role, state) else 404)


def _expected_reply_write(role, state, replier, ok):
    """A reply is changed or deleted by its author only, wherever the annotation is."""
    if role == "anonymous":
        return 401
    if not _visible(role, state):
        return 404
    return ok if role == replier else 403


@pytest.mark.parametrize("replier", ["author", "other"])
@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("role", ROLES)
def test_it_rewrites_a_reply_for_its_author_only(client: Client, world, role, state, replier):
    url = f"/api/annotations/replies/{world['replies'][replier]}/"
    data = {"type": "Annotation", "body": {"type": "TextualBody", "value": "Rewritten"}}
    response = client.put(
        url,
        json.dumps(data),
        content_type="application/ld+json",
        HTTP_IF_MATCH="*",
        **_headers(world, role),
    )
    assert response.status_code == _expected_reply_write(role, state, replier, 200)
    rewritten = Reply.objects.filter(body="Rewritten").exists()
    assert rewritten == (response.status_code == 200)


@pytest.mark.parametrize("replier", ["author", "other"])
@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("role", ROLES)
def test_it_deletes_a_reply_for_its_author_only(client: Client, world, role, state, replier):
    reply_id = world["replies"][replier]
    response = client.delete(f"/api/annotations/replies/{reply_id}/", **_headers(world, role))
    assert response.status_code == _expected_reply_write(role, state, replier, 204)
    exists = Reply.objects.filter(pk=reply_id).exists()
    assert exists == (state != "deleted" and response.status_code != 204)
