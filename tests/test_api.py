"""The W3C Web Annotation Protocol API (/api/annotations/)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from annotations.export import iter_collection
from annotations.models import Annotation, Reply, Tag, Visibility
from annotations.testing import annotate
from annotations.tokens import ApiToken
from articles.models import Story
from tests.factories import make_story

pytestmark = pytest.mark.django_db

JSONLD = 'application/ld+json; profile="http://www.w3.org/ns/anno.jsonld"'
BODY = [
    "The ordinance requires every vendor to publish an audit of the model before it is used.",
    "Critics said the audit rule was vague, and that café owners would never read it at all.",
]
CONTAINER = "/api/annotations/"


@pytest.fixture
def ada():
    return User.objects.create_user("ada", password="pw")


@pytest.fixture
def bob():
    return User.objects.create_user("bob", password="pw")


@pytest.fixture
def story():
    return make_story("The ordinance", body=BODY, url="https://ex.com/ordinance").story


@pytest.fixture
def token(ada):
    return ApiToken.issue(ada, "tests")[1]


def _auth(token: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def _post(client: Client, data: Any, token: str, **extra: str):
    return client.post(
        CONTAINER, json.dumps(data), content_type="application/ld+json", **_auth(token), **extra
    )


def _put(client: Client, url: str, data: Any, token: str, **extra: str):
    return client.put(
        url, json.dumps(data), content_type="application/ld+json", **_auth(token), **extra
    )


def _new(story: Story, exact: str = "publish an audit", **fields: Any) -> dict[str, Any]:
    text = story.current_revision.body_text
    start = text.index(exact)
    selectors = [
        {
            "type": "TextQuoteSelector",
            "exact": exact,
            "prefix": text[max(0, start - 32) : start],
            "suffix": text[start + len(exact) : start + len(exact) + 32],
        },
        {"type": "TextPositionSelector", "start": start, "end": start + len(exact)},
    ]
    data = {
        "@context": "http://www.w3.org/ns/anno.jsonld",
        "type": "Annotation",
        "target": {"source": story.url, "selector": selectors, "styleClass": "hl-green"},
    }
    data.update(fields)
    return data


# --- Container


def test_it_lists_an_annotation_page_with_the_protocol_headers(client, story, ada):
    annotation = annotate(story, ada, "publish an audit", comment="Note")
    response = client.get(CONTAINER)
    assert response.status_code == 200
    assert response["Content-Type"] == JSONLD
    assert '<http://www.w3.org/ns/ldp#BasicContainer>; rel="type"' in response["Link"]
    assert "POST" in response["Allow"] and "GET" in response["Allow"]
    assert "Accept" in response["Vary"]
    assert response["Accept-Post"] == JSONLD
    data = response.json()
    assert data["@context"] == "http://www.w3.org/ns/anno.jsonld"
    assert data["type"] == "AnnotationPage"
    assert data["partOf"]["id"] == "http://testserver/api/annotations/"
    [item] = data["items"]
    assert item["id"] == f"http://testserver/api/annotations/{annotation.pk}/"
    assert item["type"] == "Annotation"
    assert "next" not in data


def test_it_pages_with_a_keyset_cursor(client, story, ada):
    quotes = ["ordinance", "every vendor", "audit of", "the model", "Critics said"]
    made = [annotate(story, ada, quote).pk for quote in quotes]
    seen: list[int] = []
    url = f"{CONTAINER}?limit=2"
    pages = 0
    while url:
        data = client.get(url).json()
        seen += [int(item["id"].rstrip("/").rsplit("/", 1)[1]) for item in data["items"]]
        url = data.get("next", "").replace("http://testserver", "")
        pages += 1
    assert pages == 3
    assert seen == sorted(made, reverse=True)


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"story": "first"}, {"a1", "b1"}),
        ({"target": "https://ex.com/ordinance"}, {"a1", "b1"}),
        ({"target": "page"}, {"a1", "b1"}),
        ({"author": "bob"}, {"b1", "b2"}),
        ({"tag": "policy"}, {"a1", "b2"}),
        ({"author": "ada", "tag": "policy"}, {"a1"}),
    ],
)
def test_it_filters(client, story, ada, bob, params, expected):
    other = make_story("Other", body=BODY, url="https://ex.com/other").story
    made = {
        "a1": annotate(story, ada, "ordinance", comment="a1", tags=["policy"]),
        "b1": annotate(story, bob, "vendor", comment="b1"),
        "b2": annotate(other, bob, "vendor", comment="b2", tags=["policy"]),
    }
    replace = {"first": str(story.pk), "page": f"http://testserver{story.get_absolute_url()}"}
    query = {name: replace.get(value, value) for name, value in params.items()}
    items = client.get(CONTAINER, query).json()["items"]
    assert {item["body"][0]["value"] for item in items} == expected
    assert len(made) == 3


def test_bad_paging_parameters_are_400(client):
    assert client.get(CONTAINER, {"limit": "0"}).status_code == 400
    assert client.get(CONTAINER, {"before": "nonsense~x"}).status_code == 400
    assert client.get(CONTAINER, {"story": "x"}).status_code == 400


def test_the_listing_costs_a_constant_number_of_queries(client, story, ada, bob):
    annotate(story, ada, "ordinance", tags=["x"])

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(CONTAINER).status_code == 200
        return len(queries)

    before = count()
    for quote in ("every vendor", "audit of", "the model"):
        annotate(story, bob, quote, comment="c", tags=["y", "z"])
    assert count() == before


# --- Creating


def test_it_creates_an_annotation_from_w3c_json(client, story, token):
    data = _new(
        story,
        body=[
            {"type": "TextualBody", "value": "Who *audits*?", "purpose": "commenting"},
            {"type": "TextualBody", "value": "Policy", "purpose": "tagging"},
        ],
        visibility="link",
    )
    response = _post(client, data, token)
    assert response.status_code == 201, response.content
    annotation = Annotation.objects.get()
    assert response["Location"] == f"http://testserver/api/annotations/{annotation.pk}/"
    assert response["ETag"]
    assert (annotation.exact, annotation.colour, annotation.comment) == (
        "publish an audit",
        "green",
        "Who *audits*?",
    )
    assert annotation.tag_names() == ["policy"]
    assert annotation.visibility == Visibility.LINK
    assert annotation.author.username == "ada"


def test_it_anchors_a_quote_without_a_position(client, story, token):
    data = _new(story)
    data["target"]["selector"] = [data["target"]["selector"][0]]
    response = _post(client, data, token)
    assert response.status_code == 201, response.content
    text = story.current_revision.body_text
    assert Annotation.objects.get().start == text.index("publish an audit")


def test_it_anchors_a_position_without_a_quote(client, story, token):
    data = _new(story)
    data["target"]["selector"] = [data["target"]["selector"][1]]
    assert _post(client, data, token).status_code == 201
    assert Annotation.objects.get().exact == "publish an audit"


def test_it_accepts_our_story_page_as_the_source(client, story, token):
    data = _new(story)
    data["target"]["source"] = f"http://testserver{story.get_absolute_url()}"
    assert _post(client, data, token).status_code == 201


def test_a_quote_that_is_not_in_the_story_is_409(client, story, token):
    data = _new(story)
    data["target"]["selector"] = [
        {"type": "TextQuoteSelector", "exact": "words that never appeared in it anywhere"}
    ]
    response = _post(client, data, token)
    assert response.status_code == 409
    assert "could not be found" in response.json()["error"]
    assert not Annotation.objects.exists()


@pytest.mark.parametrize(
    ("change", "status"),
    [
        (lambda d: d["target"].update(source="https://ex.com/unknown"), 404),
        (lambda d: d["target"].update(selector=[]), 400),
        (lambda d: d["target"].update(styleClass="hl-orange"), 400),
        (lambda d: d.update(visibility="friends"), 400),
        (lambda d: d.update(body={"type": "Image", "id": "x"}), 400),
        (lambda d: d.update(body={"type": "TextualBody", "value": "x" * 10_001}), 400),
        (lambda d: d.update(target=[]), 400),
        (lambda d: d.update(created="yesterday"), 400),
        (
            lambda d: d["target"].update(selector=[{"type": "TextPositionSelector", "start": 5}]),
            400,
        ),
        (
            lambda d: d["target"].update(
                selector=[{"type": "TextPositionSelector", "start": 5, "end": 10**6}]
            ),
            409,
        ),
    ],
)
def test_bad_annotations_are_refused_with_a_clear_error(client, story, token, change, status):
    data = _new(story)
    change(data)
    response = _post(client, data, token)
    assert response.status_code == status, response.content
    assert response.json()["error"]
    assert not Annotation.objects.exists()


def test_bad_json_and_media_types_are_refused(client, token):
    response = client.post(CONTAINER, "{nope", content_type="application/ld+json", **_auth(token))
    assert response.status_code == 400
    response = client.post(CONTAINER, "[]", content_type="application/ld+json", **_auth(token))
    assert response.status_code == 400
    response = client.post(CONTAINER, "x", content_type="text/plain", **_auth(token))
    assert response.status_code == 415


# --- Items


def test_it_gets_an_item_with_an_etag(client, story, ada):
    annotation = annotate(story, ada, "publish an audit")
    response = client.get(f"{CONTAINER}{annotation.pk}/")
    assert response.status_code == 200
    assert response["Content-Type"] == JSONLD
    assert response["ETag"].startswith('"')
    assert "PUT" in response["Allow"] and "DELETE" in response["Allow"]
    assert '<http://www.w3.org/ns/ldp#Resource>; rel="type"' in response["Link"]
    assert response.json()["@context"] == "http://www.w3.org/ns/anno.jsonld"


def test_it_updates_with_if_match(client, story, ada, token):
    annotation = annotate(story, ada, "publish an audit", tags=["old"])
    url = f"{CONTAINER}{annotation.pk}/"
    current = client.get(url, **_auth(token))
    data = current.json()
    data["body"] = [
        {"type": "TextualBody", "value": "Now with a note", "purpose": "commenting"},
        {"type": "TextualBody", "value": "new", "purpose": "tagging"},
    ]
    data["target"]["styleClass"] = "hl-blue"
    data["visibility"] = "link"
    response = _put(client, url, data, token, HTTP_IF_MATCH=current["ETag"])
    assert response.status_code == 200, response.content
    annotation.refresh_from_db()
    assert (annotation.comment, annotation.colour, annotation.visibility) == (
        "Now with a note",
        "blue",
        "link",
    )
    assert annotation.tag_names() == ["new"]
    assert response["ETag"] != current["ETag"]
    assert client.get(url, **_auth(token))["ETag"] == response["ETag"]
    # The old ETag is stale now.
    stale = _put(client, url, data, token, HTTP_IF_MATCH=current["ETag"])
    assert stale.status_code == 412


def test_an_update_without_if_match_is_428(client, story, ada, token):
    annotation = annotate(story, ada, "publish an audit")
    url = f"{CONTAINER}{annotation.pk}/"
    response = _put(client, url, client.get(url).json(), token)
    assert response.status_code == 428


def test_the_target_of_an_annotation_cannot_change(client, story, ada, token):
    annotation = annotate(story, ada, "publish an audit")
    url = f"{CONTAINER}{annotation.pk}/"
    current = client.get(url)
    data = current.json()
    data["target"]["selector"][0]["exact"] = "something else"
    response = _put(client, url, data, token, HTTP_IF_MATCH=current["ETag"])
    assert response.status_code == 409


def test_it_deletes(client, story, ada, token):
    annotation = annotate(story, ada, "publish an audit")
    response = client.delete(f"{CONTAINER}{annotation.pk}/", **_auth(token))
    assert response.status_code == 204
    assert not Annotation.objects.exists()


def test_options_describe_the_resources(client, story, ada):
    annotation = annotate(story, ada, "publish an audit")
    response = client.options(CONTAINER)
    assert response.status_code == 204 and "POST" in response["Allow"]
    response = client.options(f"{CONTAINER}{annotation.pk}/")
    assert "PUT" in response["Allow"]


# --- Replies and tags


def test_a_reply_is_an_annotation_replying_to_its_parent(client, story, ada, bob, token):
    annotation = annotate(story, bob, "publish an audit")
    parent = f"http://testserver{CONTAINER}{annotation.pk}/"
    data = {
        "@context": "http://www.w3.org/ns/anno.jsonld",
        "type": "Annotation",
        "motivation": "replying",
        "body": {"type": "TextualBody", "value": "I agree."},
        "target": parent,
    }
    response = _post(client, data, token)
    assert response.status_code == 201, response.content
    reply = Reply.objects.get()
    assert (reply.annotation_id, reply.author, reply.body) == (
        annotation.pk,
        ada_user(),
        "I agree.",
    )
    got = client.get(response["Location"]).json()
    assert got["motivation"] == "replying"
    assert got["target"] == parent
    # Only its author deletes it.
    bob_token = ApiToken.issue(bob, "bob")[1]
    assert client.delete(response["Location"], **_auth(bob_token)).status_code == 403
    assert client.delete(response["Location"], **_auth(token)).status_code == 204


def ada_user() -> User:
    return User.objects.get(username="ada")


def test_a_reply_to_an_annotation_the_caller_cannot_see_is_404(client, story, bob, token):
    hidden = annotate(story, bob, "publish an audit", visibility=Visibility.LINK)
    data = {
        "type": "Annotation",
        "motivation": "replying",
        "body": {"type": "TextualBody", "value": "Hi"},
        "target": f"http://testserver{CONTAINER}{hidden.pk}/",
    }
    assert _post(client, data, token).status_code == 404
    assert not Reply.objects.exists()


def test_tags_are_tagging_bodies(client, story, ada):
    annotation = annotate(story, ada, "publish an audit", tags=["one", "two"])
    body = client.get(f"{CONTAINER}{annotation.pk}/").json()["body"]
    assert {"type": "TextualBody", "value": "one", "purpose": "tagging"} in body
    assert {"type": "TextualBody", "value": "two", "purpose": "tagging"} in body


# --- Round trip


def test_an_export_posted_to_a_fresh_database_gives_the_same_annotations(client, story, ada):
    annotate(story, ada, "publish an audit", comment="Who *audits*?", tags=["policy", "ai"])
    annotate(story, ada, "café owners", colour="pink", visibility=Visibility.LINK)
    annotate(story, ada, "the model", comment="Which one?", visibility=Visibility.PRIVATE)
    client.force_login(ada)
    exported = client.get(reverse("annotation_export"), {"format": "jsonld"}).json()
    fields = [
        "exact", "prefix", "suffix", "start", "end", "colour", "comment", "visibility", "created",
    ]  # fmt: skip

    def snapshot() -> list[tuple[Any, ...]]:
        return sorted(
            (*values, tuple(a.tag_names()))
            for a in Annotation.objects.all()
            for values in [tuple(getattr(a, name) for name in fields)]
        )

    before = snapshot()
    # A fresh database: no annotations, tags or users but the story.
    Annotation.objects.all().delete()
    Tag.objects.all().delete()
    User.objects.all().delete()
    carol = User.objects.create_user("carol", password="pw")
    token = ApiToken.issue(carol, "import")[1]
    fresh = Client()
    for item in iter_collection(exported):
        response = _post(fresh, item, token)
        assert response.status_code == 201, response.content
    assert snapshot() == before
    assert set(Annotation.objects.values_list("author__username", flat=True)) == {"carol"}
