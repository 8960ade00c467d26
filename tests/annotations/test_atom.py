"""The Atom feed of a reader's public highlights (annotations/atom.py)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from django.urls import reverse

from annotations.models import Visibility
from annotations.testing import annotate
from tests.factories import make_story

pytestmark = pytest.mark.django_db
ATOM = "{http://www.w3.org/2005/Atom}"
BODY = [
    "The ordinance requires every vendor to publish an audit of the model before it is used.",
    "Critics said the audit rule was vague, and that café owners would never read it at all.",
]


@pytest.fixture
def notes(ada):
    story = make_story("The Ordinance", body=BODY, url="https://ex.com/o").story
    return {
        "public": annotate(
            story,
            ada,
            "publish an audit",
            comment="Who **audits**? <script>x</script>",
            tags=["policy"],
            visibility=Visibility.PUBLIC,
        ),
        "other": annotate(story, ada, "the audit rule was vague", visibility=Visibility.PUBLIC),
        "link": annotate(story, ada, "café owners", visibility=Visibility.LINK),
        "private": annotate(story, ada, "before it is used", visibility=Visibility.PRIVATE),
    }


def entries(response):
    assert response["Content-Type"] == "application/atom+xml; charset=utf-8"
    return ET.fromstring(response.content).findall(f"{ATOM}entry")  # noqa: S314 (our own output)


def test_the_feed_lists_public_highlights_only_with_quote_comment_and_permalink(client, notes):
    found = entries(client.get(reverse("highlights_feed", args=["ada"])))
    assert len(found) == 2  # neither the link-only nor the private one
    by_link = {e.find(f"{ATOM}link").get("href"): e for e in found}
    public = notes["public"]
    permalink = f"http://testserver{public.story.get_absolute_url()}#hl-{public.pk}"
    entry = by_link[permalink]
    content = entry.find(f"{ATOM}summary").text
    assert "<blockquote><p>publish an audit</p></blockquote>" in content
    assert "<strong>audits</strong>" in content and "<script>" not in content
    assert entry.find(f"{ATOM}category").get("term") == "policy"
    assert entry.find(f"{ATOM}id").text.endswith(f"/api/annotations/{public.pk}/")


def test_a_tag_feed_lists_the_highlights_with_that_tag(client, notes):
    found = entries(client.get(reverse("highlights_tag_feed", args=["ada", "Policy"])))
    assert [e.find(f"{ATOM}category").get("term") for e in found] == ["policy"]


def test_an_unknown_reader_has_no_feed(client):
    assert client.get(reverse("highlights_feed", args=["nobody"])).status_code == 404


def test_my_highlights_links_the_feed(client, ada):
    client.force_login(ada)
    content = client.get(reverse("my_highlights")).content.decode()
    assert '<link rel="alternate" type="application/atom+xml"' in content
    assert f'href="{reverse("highlights_feed", args=["ada"])}"' in content
