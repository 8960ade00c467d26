"""A reader's own text never changes what another reader sees (issue 13, item 5).

Text the server fetched makes shared stories; text a reader supplies (paste, upload) makes
their own copy, found and revised among their copies only. The attacks: a paste or an
upload naming another story's URL directly, with tracking parameters, or through a
rel=canonical in pasted HTML.
"""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from annotations.anchoring import describe
from annotations.models import Anchoring, Annotation, VisibilityError
from annotations.testing import annotate
from annotations.tokens import ApiToken
from articles.feeds import parse_feed
from articles.ingest.extract import Extracted
from articles.ingest.pipeline import ingest_document, store
from articles.ingest.urls import same_site
from articles.models import FeedEntry, Source, Story, StoryRevision
from articles.tasks import store_entries
from tests.factories import make_story, paragraphs
from tests.feedsite import article_page, rss, site_fixture  # noqa: F401

pytestmark = pytest.mark.django_db

Origin = StoryRevision.Origin
URL = "https://news.example/2026/05/storage-layer"
SHARED_WORDS = "The maintainers rewrote the storage layer so that writes stay ordered."
ATTACK = "Attacker text replaces the story everybody reads and detaches their highlights."


def _prose(lead: str, count: int = 8) -> list[str]:
    return [f"{lead} Paragraph {i} goes on about the release in some detail." for i in range(count)]


def _text_document(title: str, lead: str) -> str:
    return title + "\n\n" + "\n\n".join(_prose(lead))


def _html_document(title: str, lead: str, canonical: str) -> str:
    return article_page(title, _prose(lead), canonical=canonical).decode()


@pytest.fixture
def shared(ada):
    """A shared story at URL, highlighted by Ada."""
    story = make_story("The storage layer", body=_prose(SHARED_WORDS), url=URL).story
    annotation = annotate(story, ada, "rewrote the storage layer")
    return story, annotation


def _unchanged(shared) -> None:
    story, annotation = shared
    before = story.current_revision_id
    story.refresh_from_db()
    assert story.owner_id is None
    assert story.current_revision_id == before
    assert story.revisions.count() == 1
    annotation.refresh_from_db()
    assert annotation.story_id == story.pk
    assert annotation.anchor_state == Anchoring.ANCHORED


PASTES = {
    "the URL field": lambda: {"text": _text_document("Hijack", ATTACK), "url": URL},
    "the URL with utm_ parameters": lambda: {
        "text": _text_document("Hijack", ATTACK),
        "url": URL + "?utm_source=newsletter&utm_medium=email",
    },
    "a rel=canonical in pasted HTML": lambda: {
        "text": _html_document("Hijack", ATTACK, canonical=URL + "?utm_campaign=x")
    },
}


@pytest.mark.parametrize("how", list(PASTES))
def test_a_paste_naming_a_shared_story_makes_the_readers_own_copy(client, shared, ada, bob, how):
    client.force_login(bob)
    response = client.post(reverse("add_paste"), {"format": "auto", **PASTES[how]()})
    copy = Story.objects.get(owner=bob)
    assert response["Location"] == copy.get_absolute_url()
    assert copy.url == URL
    assert ATTACK in copy.current_revision.body_text
    _unchanged(shared)
    # What Ada reads under that URL is what it was.
    client.force_login(ada)
    page = client.get(shared[0].get_absolute_url()).content.decode()
    assert SHARED_WORDS in page
    assert ATTACK not in page
    assert client.get(copy.get_absolute_url()).status_code == 404


UPLOADS = {
    "text with the URL field": lambda: {
        "file": SimpleUploadedFile("hijack.txt", _text_document("Hijack", ATTACK).encode()),
        "url": URL + "?utm_source=x",
    },
    "a page with a rel=canonical": lambda: {
        "file": SimpleUploadedFile(
            "hijack.html", _html_document("Hijack", ATTACK, canonical=URL).encode()
        )
    },
}


@pytest.mark.parametrize("how", list(UPLOADS))
def test_an_upload_naming_a_shared_story_makes_the_readers_own_copy(client, shared, bob, how):
    client.force_login(bob)
    client.post(reverse("add_upload"), UPLOADS[how]())
    copy = Story.objects.get(owner=bob)
    assert copy.url == URL
    assert copy.current_revision.origin == Origin.FILE
    _unchanged(shared)


def test_a_reader_revises_only_their_own_copy(shared, ada, bob):
    first = ingest_document(
        _text_document("Mine", "First draft."), "text", origin=Origin.PASTE, owner=bob, url=URL
    )
    again = ingest_document(
        _text_document("Mine", "First draft."), "text", origin=Origin.PASTE, owner=bob, url=URL
    )
    assert first.created and again.story == first.story and not again.changed
    changed = ingest_document(
        _text_document("Mine", "Second draft."), "text", origin=Origin.PASTE, owner=bob, url=URL
    )
    assert changed.story == first.story and changed.changed
    assert changed.revision.number == 2
    # Another reader's paste of the same URL is theirs, never merged with Bob's.
    hers = ingest_document(
        _text_document("Mine", "Second draft."), "text", origin=Origin.PASTE, owner=ada, url=URL
    )
    assert hers.created and hers.story.owner == ada
    assert Story.objects.filter(url=URL).count() == 3
    _unchanged(shared)


def test_a_reader_copy_without_a_url_is_found_by_its_content_among_their_own(ada, bob):
    body = _text_document("No address", "Only the text says which story this is.")
    bobs = ingest_document(body, "text", origin=Origin.PASTE, owner=bob)
    assert ingest_document(body, "text", origin=Origin.PASTE, owner=bob).story == bobs.story
    adas = ingest_document(body, "text", origin=Origin.PASTE, owner=ada)
    assert adas.created and adas.story != bobs.story
    # A shared story made from the same file (the operator's) is a third one.
    extracted = Extracted(
        title="No address", blocks=paragraphs(*_prose("Only the text says which story this is."))
    )
    assert store(extracted, origin=Origin.FILE).created


def test_server_fetched_text_never_lands_in_a_readers_copy(shared, bob):
    copy = ingest_document(
        _text_document("Mine", "My paywalled text."),
        "text",
        origin=Origin.PASTE,
        owner=bob,
        url=URL,
    ).story
    extracted = Extracted(
        title="The storage layer", blocks=paragraphs(*_prose("A new version.")), url=URL
    )
    fetched = store(extracted, origin=Origin.URL, url=URL)
    assert fetched.story == shared[0] and fetched.changed
    copy.refresh_from_db()
    assert copy.revisions.count() == 1
    assert "My paywalled text." in copy.current_revision.body_text


def test_a_short_paste_is_measured_against_the_readers_own_copy_only(shared, bob):
    """The refetch check compares a new version with the story it would revise: a short
    paste under a long shared story's URL is a new copy, not a refused "shrunken" version
    (and the refusal's numbers would tell about a story the reader may not see)."""
    short = "Short\n\n" + " ".join(["A few words of a teaser."] * 6)
    result = ingest_document(short, "text", origin=Origin.PASTE, owner=bob, url=URL)
    assert result.created and result.story.owner == bob
    _unchanged(shared)


def test_a_feed_item_never_links_to_a_readers_copy(bob, site):
    """A new feed item whose page is a stored story is linked to it without a fetch: only
    to a shared one. A reader's copy under that URL is no story of the feed's."""
    page = site.article("/fresh", "Fresh story", words=150)
    ingest_document(_text_document("Fresh story", "My own text of it."), "text",
                    origin=Origin.PASTE, owner=bob, url=page)  # fmt: skip
    source = Source.objects.create(name="Feed", feed_url=site.url("/feed.xml"))
    feed = parse_feed(rss([site.item("/fresh", "Fresh story")]), url=source.feed_url)
    pending = store_entries(source, feed.entries)
    entry = FeedEntry.objects.get()
    assert entry.story is None and pending == [entry.pk]


def test_the_api_names_the_readers_own_copy_before_the_shared_story(client, shared, bob):
    copy = ingest_document(
        _text_document("Mine", ATTACK), "text", origin=Origin.PASTE, owner=bob, url=URL
    ).story
    token = ApiToken.issue(bob, "t")[1]
    body = {
        "type": "Annotation",
        "visibility": "link",
        "target": {
            "source": URL,
            "selector": {"type": "TextQuoteSelector", "prefix": "Attacker text ",
                         "exact": "replaces the story", "suffix": " everybody reads"},
        },
    }  # fmt: skip
    response = client.post(
        reverse("api_annotations"),
        json.dumps(body),
        content_type="application/ld+json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.status_code == 201, response.content
    assert Annotation.objects.get(author=bob).story == copy


@pytest.mark.parametrize("visibility", ["private", "link", "public"])
def test_a_highlight_on_a_readers_copy_is_never_public(client, bob, visibility):
    copy = make_story("Mine", owner=bob).story
    client.force_login(bob)
    page = client.get(copy.get_absolute_url()).content.decode()
    assert 'value="public"' not in page
    assert "Your own copy" in page
    text = copy.current_revision.body_text
    start = text.index("storage layer")
    selected = describe(text, start, start + len("storage layer"))
    response = client.post(
        reverse("annotation_create", args=[copy.pk]),
        {"revision": copy.current_revision_id, "exact": selected.exact,
         "prefix": selected.prefix, "suffix": selected.suffix, "start": selected.start,
         "end": selected.end, "colour": "yellow", "visibility": visibility},
    )  # fmt: skip
    made = Annotation.objects.filter(story=copy)
    if visibility == "public":
        assert response.status_code == 400
        assert "cannot be public" in response.content.decode()
        assert not made.exists()
    else:
        assert made.get().visibility == visibility
    # Nor by the edit form, the API or the model itself.
    annotation = annotate(copy, bob, "faster start-up", occurrence=0, visibility="link")
    response = client.post(
        reverse("annotation_edit", args=[annotation.pk]),
        {"colour": "yellow", "comment": "", "tags": "", "visibility": "public"},
    )
    assert response.status_code == 400
    assert "cannot be public" in response.content.decode()
    annotation.refresh_from_db()
    assert annotation.visibility == "link"
    annotation.visibility = "public"
    with pytest.raises(VisibilityError):
        annotation.save()


def test_the_api_refuses_a_public_highlight_on_a_readers_copy(client, bob):
    copy = make_story("Mine", owner=bob).story
    annotation = annotate(copy, bob, "faster start-up", visibility="link")
    token = ApiToken.issue(bob, "t")[1]
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    url = reverse("api_annotation", args=[annotation.pk])
    etag = client.get(url, **auth)["ETag"]
    data = client.get(url, **auth).json()
    data["visibility"] = "public"
    response = client.put(url, json.dumps(data), content_type="application/ld+json",
                          HTTP_IF_MATCH=etag, **auth)  # fmt: skip
    assert response.status_code == 400
    assert "cannot be public" in response.json()["error"]


def test_a_share_link_shows_a_readers_copy_to_whoever_has_it(client, bob, ada):
    copy = make_story("Behind my paywall", owner=bob).story
    annotation = annotate(copy, bob, "faster start-up", comment="Worth it", visibility="link")
    link = reverse("shared", args=[annotation.share_token])
    for viewer in (None, ada):
        client.logout()
        if viewer is not None:
            client.force_login(viewer)
        page = client.get(link).content.decode()
        assert "Behind my paywall" in page and "Worth it" in page
        assert copy.get_absolute_url() not in page  # the story itself stays a 404 to them
        assert "own copy of the story, shown through this link only" in page
        assert client.get(copy.get_absolute_url()).status_code == 404
    client.force_login(bob)
    assert copy.get_absolute_url() in client.get(link).content.decode()


def test_a_page_naming_another_sites_story_as_canonical_is_filed_under_its_own_address(
    client, shared, bob, site
):
    """A page anyone can publish, fetched by Add → From the web (or a feed), speaks for its
    own site only: its rel=canonical naming another site's story does not revise it."""
    body = article_page("Hijack", _prose(ATTACK), canonical=URL + "?utm_source=x")
    site.server.route("/hijack", body, headers={"Content-Type": "text/html"})
    client.force_login(bob)
    client.post(reverse("add_url"), {"url": site.url("/hijack")})
    fetched = Story.objects.exclude(pk=shared[0].pk).get()
    assert fetched.url == site.url("/hijack") and fetched.owner is None
    _unchanged(shared)


@pytest.mark.parametrize(
    ("first", "second", "same"),
    [
        ("https://amp.example.co.uk/a", "https://www.example.co.uk/b", True),
        ("https://example.com/a", "https://news.example.com/b", True),
        ("https://alice.github.io/a", "https://bob.github.io/a", False),
        ("https://example.com.evil.net/a", "https://example.com/a", False),
        ("http://127.0.0.1:8001/a", "http://127.0.0.1:8001/b", True),
        ("http://127.0.0.1:8001/a", "http://10.0.0.1/a", False),
    ],
)
def test_same_site_means_one_registered_domain(first, second, same):
    assert same_site(first, second) is same
    assert same_site(second, first) is same


def test_deleting_an_account_deletes_its_own_copies_and_nothing_shared(shared, ada, bob):
    copy = make_story("Mine", owner=bob).story
    annotate(copy, bob, "faster start-up", visibility="link")
    annotate(shared[0], bob, "storage layer", visibility="public")
    bob.delete()
    assert not Story.objects.filter(pk=copy.pk).exists()
    assert not StoryRevision.objects.filter(story_id=copy.pk).exists()
    _unchanged(shared)
    assert list(Annotation.objects.all()) == [shared[1]]


# --- The rules on loaded objects (found by mutation testing: docs/mutation.md)


def _own_copy(owner) -> Story:
    story = make_story("A reader's copy").story
    Story.objects.filter(pk=story.pk).update(owner=owner)
    story.refresh_from_db()
    return story


def test_a_loaded_story_answers_who_may_see_it_as_the_queryset_does(ada, bob):
    from django.contrib.auth.models import AnonymousUser

    shared, copy = make_story("Shared").story, _own_copy(ada)
    for user in (AnonymousUser(), ada, bob):
        listed = set(Story.objects.visible_to(user))
        for story in (shared, copy):
            assert story.is_visible_to(user) == (story in listed), (user, story)
    assert shared.is_visible_to(AnonymousUser()) and shared.is_visible_to(bob)
    assert copy.is_visible_to(ada) and not copy.is_visible_to(bob)


def test_a_public_highlight_on_an_own_copy_is_refused_by_validation_and_by_save(ada):
    from django.core.exceptions import ValidationError

    from annotations.models import Visibility

    copy = _own_copy(ada)
    quote = " ".join(copy.current_revision.body_text.split()[:3])
    annotation = annotate(copy, ada, quote, visibility=Visibility.PRIVATE)
    annotation.visibility = Visibility.PUBLIC
    with pytest.raises(ValidationError) as info:
        annotation.clean()
    assert "visibility" in info.value.message_dict
    with pytest.raises(VisibilityError):
        annotation.save(update_fields=["visibility"])
    # Saving other fields does not check (nor store) the visibility.
    annotation.comment = "Kept"
    annotation.save(update_fields=["comment"])
    annotation.refresh_from_db()
    assert (annotation.comment, annotation.visibility) == ("Kept", Visibility.PRIVATE)
