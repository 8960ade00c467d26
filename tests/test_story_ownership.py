"""A reader's own text never changes what another reader sees (issue 13, item 5).

Text the server fetched makes shared stories; text a reader supplies (paste, upload) makes
their own copy, found and revised among their copies only. The attacks: a paste or an
upload naming another story's URL directly, with tracking parameters, or through a
rel=canonical in pasted HTML.
"""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from annotations.models import Anchoring
from annotations.testing import annotate
from articles.ingest.extract import Extracted
from articles.ingest.pipeline import ingest_document, store
from articles.models import Story, StoryRevision
from tests.factories import make_story, paragraphs
from tests.feedsite import article_page, site_fixture  # noqa: F401

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
