"""The upgrade that separates blocks in stored text (articles 0009) on a database the old
sanitizer filled: stories whose words touched across list items, table cells and line
breaks get a new revision, and every highlight stays on the same words."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from annotations.anchoring import describe
from annotations.models import Anchoring, Annotation
from annotations.respacing import map_offsets
from articles.models import Story
from newsreader.sanitizer import html_to_text
from search import engine as search
from search.query import parse
from tests.migrations import back_to_latest, migrate

pytestmark = pytest.mark.django_db(transaction=True)

OLD = [("articles", "0008_forget_resolved_addresses")]
NEW = [("articles", "0010_separated_blocks")]
T0 = timezone.now() - timedelta(days=30)

# What the old sanitizer stored: blocks with nothing between them.
GLUED_HTML = (
    "<p>The kit is made of three fibres, the shop says, and each one is certified.</p>"
    "<ul><li>organic cotton</li><li>hemp</li><li>recycled polyester</li></ul>"
    "<table><tbody><tr><th>Pos</th><th>Driver</th></tr>"
    "<tr><td>1</td><td>Kyle Busch</td></tr><tr><td>2</td><td>Denny Hamlin</td></tr>"
    "</tbody></table><p>Line one of the address<br>Line two of the address</p>"
)
SEPARATED_HTML = "<p>Already apart.</p>\n<ul><li>one</li>\n<li>two</li></ul>"
# Quotes as a reader selected them in the old text (it had no separators to select).
QUOTES = {
    "across items": "cottonhemprecycled",
    "inside an item": "organic cotton",
    "across cells": "1Kyle Busch2Denny",
    "across a br": "addressLine two",
    "paragraph": "three fibres, the shop says",
    "from paragraph into list": "certified.organic",
}


def _annotate(apps, story, revision, user, quote: str) -> int:
    start = revision.body_text.index(quote)
    selected = describe(revision.body_text, start, start + len(quote))
    fields = {
        "exact": selected.exact, "prefix": selected.prefix, "suffix": selected.suffix,
        "start": selected.start, "end": selected.end,
    }  # fmt: skip
    original = {f"original_{name}": value for name, value in fields.items()}
    return apps.get_model("annotations", "Annotation").objects.create(
        story=story, author=user, revision=revision, original_revision=revision,
        **fields, **original,
    ).pk  # fmt: skip


def _old_story(apps, title: str, body_html: str):
    Story_ = apps.get_model("articles", "Story")
    Revision = apps.get_model("articles", "StoryRevision")
    story = Story_.objects.create(title=title, url=f"https://news.example/{title}", sort_date=T0)
    revision = Revision.objects.create(
        story=story, number=1, title=title, body_html=body_html,
        body_text=html_to_text(body_html), content_hash="0" * 64, origin="url",
        word_count=len(re.findall(r"\w+", html_to_text(body_html))),
    )  # fmt: skip
    story.current_revision = revision
    story.save()
    return story, revision


def test_it_separates_stored_blocks_and_keeps_every_highlight_on_its_words():
    with back_to_latest("articles"):
        apps = migrate(OLD)
        ada = apps.get_model("auth", "User").objects.create(username="ada")
        glued, old_revision = _old_story(apps, "kit", GLUED_HTML)
        old_text = old_revision.body_text
        assert "cottonhemprecycled" in old_text
        ids = {name: _annotate(apps, glued, old_revision, ada, q) for name, q in QUOTES.items()}
        apart, apart_revision = _old_story(apps, "apart", SEPARATED_HTML)
        kept = _annotate(apps, apart, apart_revision, ada, "one")

        migrate(NEW)

        story = Story.objects.get(pk=glued.pk)
        revision = story.current_revision
        assert revision.number == 2
        assert story.revisions.count() == 2  # the old revision is kept
        text = revision.body_text
        assert text == html_to_text(revision.body_html)
        assert "organic cotton\nhemp\nrecycled polyester" in text
        assert "1\nKyle Busch\n2\nDenny Hamlin" in text
        assert "address\nLine two" in text
        assert revision.word_count > old_revision.word_count  # "cottonhemprecycled" was one
        positions = map_offsets(old_text, text)
        assert positions is not None
        for name, quote in QUOTES.items():
            annotation = Annotation.objects.get(pk=ids[name])
            assert annotation.revision_id == revision.pk, name
            assert annotation.exact == text[annotation.start : annotation.end], name
            # The same characters, only the new separators between them...
            assert annotation.exact.replace("\n", "") == quote, name
            # ...at the place the old offsets map to.
            old_start = old_text.index(quote)
            assert annotation.start == positions[old_start], name
            assert annotation.end == positions[old_start + len(quote) - 1] + 1, name
            assert annotation.anchor_state in (Anchoring.ANCHORED, Anchoring.MOVED), name
            assert annotation.anchor_score == 1.0
            # What the reader selected is never rewritten.
            assert annotation.original_exact == quote
            assert annotation.original_revision_id == old_revision.pk
        assert Annotation.objects.get(pk=ids["paragraph"]).anchor_state == Anchoring.ANCHORED
        across = Annotation.objects.get(pk=ids["across items"])
        assert across.exact == "cotton\nhemp\nrecycled"
        assert across.anchor_state == Anchoring.MOVED

        # A story whose text was already apart is left alone.
        untouched = Story.objects.get(pk=apart.pk)
        assert untouched.current_revision_id == apart_revision.pk
        assert Annotation.objects.get(pk=kept).revision_id == apart_revision.pk

        # Search finds the words that were glued, in the story and in the highlight.
        reader = User.objects.get(username="ada")
        hits = search.rank(search.STORIES, parse("hemp"), None, visible_to=reader)
        assert [hit.pk for hit in hits] == [glued.pk]
        hits = search.rank(search.ANNOTATIONS, parse("hemp"), None, visible_to=reader)
        assert [hit.pk for hit in hits] == [ids["across items"]]
