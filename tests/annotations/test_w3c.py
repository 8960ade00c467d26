"""annotations/w3c.py: the one place Web Annotation JSON-LD is written and read (the API,
the export), and the IRIs in it, which must all answer."""

from __future__ import annotations

import json

import pytest
from django.test import Client, RequestFactory
from django.urls import reverse

from annotations import w3c
from annotations.anchoring import describe
from annotations.models import Annotation, Reply
from annotations.testing import annotate
from tests.factories import make_story

pytestmark = pytest.mark.django_db

BODY = [
    "The ordinance requires every vendor to publish an audit of the model before it is used.",
    "Critics said the audit rule was vague 🚀 and that café owners would never read it at all.",
]
SITE = w3c.Site("https://reader.example")


@pytest.fixture
def story():
    return make_story("Ordinance", body=BODY, url="https://news.example/o").story


@pytest.fixture
def pasted():
    """A story with no original address: pasted, uploaded or address-less."""
    return make_story("Pasted", body=BODY, url=None).story


def _loaded(annotation: Annotation) -> Annotation:
    return Annotation.objects.select_related("story", "author", "revision").get(pk=annotation.pk)


def test_it_writes_a_w3c_web_annotation(story, ada):
    annotation = _loaded(annotate(story, ada, "audit rule", comment="Too *vague*", tags=["policy"]))
    data = w3c.annotation(annotation, SITE)
    assert data["@context"] == "http://www.w3.org/ns/anno.jsonld"
    assert data["type"] == "Annotation"
    assert data["id"] == f"https://reader.example/api/annotations/{annotation.pk}/"
    assert data["motivation"] == "commenting"
    assert data["creator"] == {"type": "Person", "nickname": "ada"}
    assert data["body"] == [
        {
            "type": "TextualBody",
            "value": "Too *vague*",
            "format": "text/markdown",
            "purpose": "commenting",
        },
        {"type": "TextualBody", "value": "policy", "purpose": "tagging"},
    ]
    target = data["target"]
    assert target["source"] == story.url
    assert target["styleClass"] == "hl-yellow"
    assert target["state"]["cached"] == f"https://reader.example{story.get_absolute_url()}"
    quote, position = target["selector"]
    assert quote == {
        "type": "TextQuoteSelector",
        "exact": "audit rule",
        "prefix": annotation.prefix,
        "suffix": annotation.suffix,
    }
    assert position == {
        "type": "TextPositionSelector",
        "start": annotation.start,
        "end": annotation.end,
    }
    assert w3c.read_selectors(target["selector"]) == annotation.selectors
    assert data["visibility"] == annotation.visibility
    assert "via" not in data and "canonical" not in data


def test_a_plain_highlight_has_no_body(story, ada):
    data = w3c.annotation(_loaded(annotate(story, ada, "audit rule")), SITE)
    assert data["motivation"] == "highlighting"
    assert "body" not in data


def test_iris_are_built_from_the_sites_root_not_from_the_request(rf: RequestFactory):
    request = rf.get("/api/annotations/12/?x=1")
    site = w3c.Site.of(request)
    assert site.root == "http://testserver"
    assert site.url("/stories/3/pasted/") == "http://testserver/stories/3/pasted/"
    assert site.annotation(12) == "http://testserver/api/annotations/12/"
    with pytest.raises(ValueError):
        site.url("stories/3/")
    assert site.path_of("http://testserver/api/annotations/7/") == "/api/annotations/7/"
    assert site.path_of("https://elsewhere.example/api/annotations/7/") is None


def _absolute_links(data: object) -> list[str]:
    found: list[str] = []
    if isinstance(data, dict):
        for value in data.values():
            found += _absolute_links(value)
    elif isinstance(data, list):
        for value in data:
            found += _absolute_links(value)
    elif isinstance(data, str) and data.startswith("http://testserver"):
        found.append(data)
    return found


def test_every_iri_the_api_gives_for_a_pasted_story_answers(client: Client, pasted, ada):
    """A story without an original address is the target's source through its page here:
    the link must be the page, not the API's address with the page's path glued on."""
    annotation = annotate(pasted, ada, "publish an audit", comment="Who audits?")
    Reply.objects.create(annotation=annotation, author=ada, body="Me.", body_html="<p>Me.</p>")
    client.force_login(ada)
    data = client.get(f"/api/annotations/{annotation.pk}/").json()
    page = f"http://testserver{pasted.get_absolute_url()}"
    assert data["target"]["source"] == page
    assert data["target"]["state"]["cached"] == page
    listing = client.get("/api/annotations/", {"story": pasted.pk}).json()
    export = client.get(reverse("annotation_export"), {"format": "jsonld"}).json()
    links = set(_absolute_links(data) + _absolute_links(listing) + _absolute_links(export))
    assert page in links
    for link in links:
        path = link.removeprefix("http://testserver").split("#")[0]
        assert "//" not in path, link
        assert client.get(path).status_code == 200, link


def test_a_posted_id_is_kept_as_via_and_canonical_as_it_is(client, story, ada):
    from annotations.tokens import ApiToken

    token = ApiToken.issue(ada, "t")[1]
    exported = w3c.annotation(_loaded(annotate(story, ada, "audit rule")), SITE)
    exported["canonical"] = "urn:uuid:5b3c5a5e-1111-4a4a-9d9d-123456789abc"
    response = client.post(
        "/api/annotations/",
        json.dumps(exported),
        content_type="application/ld+json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["id"] != exported["id"]
    assert data["via"] == exported["id"]
    assert data["canonical"] == exported["canonical"]
    # Protocol 5.3: neither can be changed by a PUT.
    data["via"] = "https://other.example/anno/1"
    refused = client.put(
        response["Location"].removeprefix("http://testserver"),
        json.dumps(data),
        content_type="application/ld+json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
        HTTP_IF_MATCH=response["ETag"],
    )
    assert refused.status_code == 409


def test_an_export_collection_pages_both_ways(story, ada):
    items = [annotate(story, ada, word) for word in ("ordinance", "vendor", "audit of", "model")]
    loaded = (
        Annotation.objects.filter(pk__in=[a.pk for a in items])
        .select_related("story", "author", "revision")
        .with_thread()
    )
    data = w3c.export(loaded, SITE, "https://reader.example/x", "t", page_size=3)
    assert data["type"] == "AnnotationCollection" and data["total"] == 4
    assert data["first"]["startIndex"] == 0
    assert data["first"]["next"]["startIndex"] == 3
    assert data["last"] == data["first"]["next"]["id"]
    assert data["first"]["next"]["prev"] == data["first"]["id"]
    assert data["first"]["partOf"]["total"] == 4
    assert len(w3c.iter_collection(data)) == 4


# --- Selectors: written and read here only (the API, the export and the imports)


def test_selectors_are_written_as_the_model_has_them_and_read_back():
    text = "Hello brave new world"
    found = describe(text, 6, 11)
    assert w3c.selectors(found) == [
        {"type": "TextQuoteSelector", "exact": "brave", "prefix": "Hello ", "suffix": " new world"},
        {"type": "TextPositionSelector", "start": 6, "end": 11},
    ]
    assert w3c.read_selectors(w3c.selectors(found)) == found


def test_selectors_without_a_position_or_without_a_quote():
    found = w3c.read_selectors([{"type": "TextQuoteSelector", "exact": "UltraAV"}])
    assert (found.start, found.end, found.prefix) == (-1, -1, "")
    with pytest.raises(ValueError):
        w3c.read_selectors([{"type": "TextPositionSelector", "start": 1, "end": 2}])


def test_a_targets_selectors_and_quotes_ignore_what_is_not_a_selector():
    target = {"selector": [{"type": "TextQuoteSelector", "exact": "a"}, "junk", 3]}
    assert w3c.selector_objects(target) == [{"type": "TextQuoteSelector", "exact": "a"}]
    assert w3c.selector_objects({"selector": {"type": "TextQuoteSelector", "exact": "b"}}) == [
        {"type": "TextQuoteSelector", "exact": "b"}
    ]
    assert w3c.selector_objects("https://example.com/") == []
    assert w3c.quotes(w3c.selector_objects(target)) == ["a"]


@pytest.mark.parametrize(
    ("selector", "status"),
    [
        ([], 400),
        ({"type": "TextQuoteSelector", "exact": 5}, 400),
        (
            [
                {"type": "TextQuoteSelector", "exact": "brave"},
                {"type": "TextPositionSelector", "start": "x"},
            ],
            400,
        ),
        (
            [
                {"type": "TextQuoteSelector", "exact": "brave"},
                {"type": "TextPositionSelector", "start": 1e999},
            ],
            400,
        ),
        ({"type": "TextPositionSelector", "start": "6", "end": 11}, 400),
        ({"type": "TextPositionSelector", "start": 6, "end": 99}, 409),
    ],
)
def test_a_posted_target_with_bad_selectors_is_refused(selector, status):
    with pytest.raises(w3c.W3CError) as refused:
        w3c.target_selectors({"selector": selector}, "Hello brave new world")
    assert refused.value.status == status


def test_a_posted_position_alone_is_read_from_the_text():
    target = {"selector": {"type": "TextPositionSelector", "start": 6, "end": 11}}
    assert w3c.target_selectors(target, "Hello brave new world") == describe(
        "Hello brave new world", 6, 11
    )


def test_the_site_knows_its_own_story_pages_and_no_one_elses(ada):
    story = make_story("Ordinance", body=BODY).story
    page = SITE.url(story.get_absolute_url())
    assert SITE.story_id(page) == story.pk
    assert SITE.story_id(SITE.url(reverse("story_short", args=[story.pk]))) == story.pk
    assert SITE.story_id("https://elsewhere.example" + story.get_absolute_url()) is None
    assert SITE.story_id(SITE.url("/no/such/page/")) is None
    assert SITE.story_id("https://reader.example") is None
    assert SITE.resolve(SITE.annotation(7), "api_annotation") == {"annotation_id": 7}
    assert SITE.resolve(SITE.annotation(7), "story") is None
