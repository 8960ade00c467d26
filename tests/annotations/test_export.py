"""Exports: Markdown and W3C Web Annotation JSON-LD, per story and all annotations."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from annotations.models import Reply, Visibility
from annotations.testing import annotate
from annotations.w3c import iter_collection
from tests.factories import make_story

pytestmark = pytest.mark.django_db

BODY = [
    "The ordinance requires every vendor to publish an audit of the model before it is used.",
    "Critics said the audit rule was vague, and that café owners would never read it at all.",
]


@pytest.fixture
def story():
    return make_story("The Ordinance: what it means", body=BODY, url="https://ex.com/o").story


@pytest.fixture
def annotations(story, ada):
    return [
        annotate(story, ada, "publish an audit", comment="Who *audits*?", tags=["policy", "ai"]),
        annotate(story, ada, "café owners", visibility=Visibility.PRIVATE, colour="pink"),
    ]


def test_it_downloads_markdown_for_a_story(client, ada, story, annotations):
    client.force_login(ada)
    response = client.get(reverse("story_export", args=[story.pk]), {"format": "md"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/markdown; charset=utf-8"
    assert response["Content-Disposition"] == (
        'attachment; filename="newsreader-the-ordinance-what-it-means-annotations.md"'
    )
    text = response.content.decode()
    story_url = f"http://testserver{story.get_absolute_url()}"
    assert f"## [The Ordinance: what it means]({story_url})" in text
    assert "Original: <https://ex.com/o>" in text
    assert "> publish an audit\n" in text
    assert "Who *audits*?" in text
    assert "#ai #policy" in text
    assert f"[link]({story_url}#hl-{annotations[0].pk})" in text
    assert "> café owners" in text and "Question · Only me" in text
    # Text order.
    assert text.index("publish an audit") < text.index("café owners")


def test_markdown_is_the_default(client, ada, story, annotations):
    client.force_login(ada)
    response = client.get(reverse("story_export", args=[story.pk]))
    assert response["Content-Disposition"].endswith('-annotations.md"')


def test_it_downloads_json_ld_for_everything(client, ada, story, annotations):
    client.force_login(ada)
    response = client.get(reverse("annotation_export"), {"format": "jsonld"})
    assert response["Content-Type"] == (
        'application/ld+json; profile="http://www.w3.org/ns/anno.jsonld"'
    )
    assert (
        response["Content-Disposition"]
        == 'attachment; filename="newsreader-ada-annotations.jsonld"'
    )
    data = json.loads(response.content)
    assert data["@context"] == "http://www.w3.org/ns/anno.jsonld"
    assert data["type"] == "AnnotationCollection"
    assert data["total"] == 2
    assert data["first"]["type"] == "AnnotationPage"
    items = iter_collection(data)
    assert len(items) == 2
    for item in items:
        # The model's required fields.
        assert item["type"] == "Annotation"
        assert item["id"].startswith("http://testserver/api/annotations/")
        assert item["created"] and item["modified"]
        assert item["creator"] == {"type": "Person", "nickname": "ada"}
        assert item["motivation"] in ("commenting", "highlighting")
        target = item["target"]
        assert target["source"] == "https://ex.com/o"
        types = {selector["type"] for selector in target["selector"]}
        assert types == {"TextQuoteSelector", "TextPositionSelector"}
    first = next(i for i in items if i["target"]["selector"][0]["exact"] == "publish an audit")
    assert {"type": "TextualBody", "value": "ai", "purpose": "tagging"} in first["body"]
    assert first["body"][0]["value"] == "Who *audits*?"


def test_it_exports_only_the_readers_own(client, ada, story, annotations):
    bob = User.objects.create_user("bob", password="pw")
    annotate(story, bob, "vendor", comment="Bob was here")
    client.force_login(ada)
    text = client.get(reverse("annotation_export")).content.decode()
    assert "Bob was here" not in text
    client.force_login(bob)
    text = client.get(reverse("annotation_export")).content.decode()
    assert "Bob was here" in text and "Who *audits*?" not in text


def _reply(annotation, author, body):
    reply = Reply(annotation=annotation, author=author)
    reply.set_body(body)
    reply.save()
    return reply


def test_it_exports_the_threads_under_the_readers_annotations(client, ada, story, annotations):
    bob = User.objects.create_user("bob", password="pw")
    _reply(annotations[0], bob, "The city does.\nSee section 4.")
    _reply(annotations[0], ada, "Thanks!")
    client.force_login(ada)

    text = client.get(reverse("annotation_export")).content.decode()
    assert "- **bob** (" in text
    assert "): The city does.\n  See section 4.\n- **ada** (" in text
    assert text.index("Who *audits*?") < text.index("The city does.") < text.index("café")

    data = json.loads(client.get(reverse("annotation_export"), {"format": "jsonld"}).content)
    items = iter_collection(data)
    assert data["total"] == len(items) == 4
    parent = items[0]
    replies = [item for item in items if item["motivation"] == "replying"]
    assert [r["body"]["value"] for r in replies] == ["The city does.\nSee section 4.", "Thanks!"]
    assert {r["target"] for r in replies} == {parent["id"]}
    assert replies[0]["creator"] == {"type": "Person", "nickname": "bob"}
    assert items[1:3] == replies  # each thread right after its annotation


def test_an_export_needs_an_account(client, story):
    for url in (reverse("annotation_export"), reverse("story_export", args=[story.pk])):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_an_unknown_story_is_404(client, ada):
    client.force_login(ada)
    assert client.get(reverse("story_export", args=[999])).status_code == 404


def test_an_empty_export_is_still_a_file(client, ada):
    client.force_login(ada)
    data = json.loads(client.get(reverse("annotation_export"), {"format": "jsonld"}).content)
    assert data["total"] == 0 and "first" not in data
    assert client.get(reverse("annotation_export")).content.decode().startswith("# Annotations")


def test_an_export_costs_a_constant_number_of_queries(client, ada, story, annotations):
    client.force_login(ada)

    def count(fmt: str) -> int:
        with CaptureQueriesContext(connection) as queries:
            client.get(reverse("annotation_export"), {"format": fmt})
        return len(queries)

    before = count("md"), count("jsonld")
    other = make_story("Another", body=BODY).story
    for quote in ("every vendor", "the model", "vague"):
        annotation = annotate(other, ada, quote, tags=[quote.split()[-1]])
        _reply(annotation, ada, "A reply")
    assert (count("md"), count("jsonld")) == before


def test_markdown_links_each_passage_in_the_original_with_a_text_fragment(
    client, ada, story, annotations
):
    client.force_login(ada)
    text = client.get(reverse("story_export", args=[story.pk])).content.decode()
    fragment = annotations[0].original_passage_url()
    assert fragment.startswith("https://ex.com/o#:~:text=")
    assert "publish%20an%20audit" in fragment
    assert f"[in the original](<{fragment}>)" in text
