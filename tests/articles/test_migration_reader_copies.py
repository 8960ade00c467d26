"""The ownership migration on a database the old code made: shared stories show the text
the server fetched again, and readers' pastes and uploads become their own copies, with
nothing lost and no annotation detached (articles 0006, library 0006)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser, User
from django.utils import timezone

from annotations.anchoring import describe
from annotations.models import Anchoring, Annotation
from articles.models import Story
from newsreader.sanitizer import html_to_text
from reading import listing as reading
from search import engine as search
from search.query import parse
from tests.migrations import back_to_latest, migrate

pytestmark = pytest.mark.django_db(transaction=True)

OLD = [("articles", "0003_feed_schedule")]
NEW = [("library", "0006_story_owners")]
T0 = timezone.now() - timedelta(days=30)
FETCHED = ["The council passed the ordinance on Tuesday.", "Vendors must publish an audit."]
PASTED = [FETCHED[0], "Nothing was decided, according to this zeppelin hoax."]


class OldDatabase:
    """Rows written with the models as they were before stories had owners."""

    def __init__(self, apps) -> None:
        self.apps = apps
        self.Story = apps.get_model("articles", "Story")
        self.Revision = apps.get_model("articles", "StoryRevision")
        self.Annotation = apps.get_model("annotations", "Annotation")
        self.ReadingState = apps.get_model("library", "ReadingState")
        self.users = {
            name: apps.get_model("auth", "User").objects.create(username=name)
            for name in ("ada", "bob", "carol", "dave", "erin")
        }

    def story(self, title: str, url: str | None, *revisions: tuple[str, list[str], str]):
        story = self.Story.objects.create(title=title, url=url, sort_date=T0)
        for number, (origin, paragraphs, detail) in enumerate(revisions, start=1):
            body_html = "".join(f"<p>{text}</p>" for text in paragraphs)
            revision = self.Revision.objects.create(
                story=story, number=number, title=title, body_html=body_html,
                body_text=html_to_text(body_html), content_hash=f"{number:064}",
                word_count=20, origin=origin, origin_detail=detail,
            )  # fmt: skip
            self.Revision.objects.filter(pk=revision.pk).update(created=self.at(number))
            story.current_revision = revision
        story.save()
        return story

    @staticmethod
    def at(number: int, seconds: int = 0):
        """Revision n was stored n days after T0."""
        return T0 + timedelta(days=number, seconds=seconds)

    def read(self, story, user: str, when, *, saved: bool = False) -> None:
        self.ReadingState.objects.create(
            user=self.users[user], story=story, read_at=when, saved_at=when if saved else None
        )

    def annotate(self, story, user: str, quote: str, revision_number: int, visibility: str):
        revision = self.Revision.objects.get(story=story, number=revision_number)
        start = revision.body_text.index(quote)
        selected = describe(revision.body_text, start, start + len(quote))
        fields = {
            "exact": selected.exact, "prefix": selected.prefix, "suffix": selected.suffix,
            "start": selected.start, "end": selected.end,
        }  # fmt: skip
        original = {f"original_{name}": value for name, value in fields.items()}
        return self.Annotation.objects.create(
            story=story, author=self.users[user], revision=revision,
            original_revision=revision, visibility=visibility, **fields, **original,
        ).pk  # fmt: skip


def _make_old_database(apps) -> dict[str, int]:
    old = OldDatabase(apps)
    ids: dict[str, int] = {}
    # A shared story Bob rewrote with a paste naming its URL; Ada highlighted the words
    # both texts have, Bob his own.
    hijacked = old.story(
        "Ordinance passed",
        "https://news.example/ordinance",
        ("feed", FETCHED, "https://news.example/feed.xml"),
        ("paste", PASTED, ""),
    )
    old.read(hijacked, "ada", old.at(1, 60))
    old.read(hijacked, "bob", old.at(2, 2))  # sent to the story by the Add page
    ids["hijacked"] = hijacked.pk
    ids["ada on both"] = old.annotate(hijacked, "ada", "passed the ordinance", 2, "public")
    ids["bob on his text"] = old.annotate(hijacked, "bob", "zeppelin hoax", 2, "public")
    # Carol's paste, read by Erin too: Carol's alone.
    pasted = old.story("Carol's paste", None, ("paste", PASTED, ""))
    old.read(pasted, "carol", old.at(1, 3))
    old.read(pasted, "erin", old.at(1, 3600))
    ids["carol's paste"] = pasted.pk
    ids["carol's note"] = old.annotate(pasted, "carol", "zeppelin hoax", 1, "public")
    # Dave's paste that Erin annotated: her highlight keeps it shared.
    annotated = old.story("Dave's paste", "https://else.example/a", ("paste", FETCHED, ""))
    old.read(annotated, "dave", old.at(1, 1))
    old.annotate(annotated, "erin", "publish an audit", 1, "private")
    ids["annotated by others"] = annotated.pk
    # Dave's paste a feed item links to (the old code linked items to any story by URL).
    carried = old.story("Carried", "https://feed.example/c", ("paste", FETCHED, ""))
    old.read(carried, "dave", old.at(1, 1))
    source = apps.get_model("articles", "Source").objects.create(
        name="Feed", feed_url="https://feed.example/feed.xml"
    )
    apps.get_model("articles", "FeedEntry").objects.create(
        source=source, guid_hash="c", guid="c", entry_hash="c", story=carried, pending=False
    )
    ids["carried by a feed"] = carried.pk
    # A paste nobody was sent to: whose it is cannot be told.
    ids["unknown paste"] = old.story("Unknown", None, ("paste", FETCHED, "")).pk
    # A sample the operator loaded, opened at once by Erin; Dave's upload.
    sample = old.story("Sample", None, ("file", FETCHED, "rust-1-100-release.html"))
    old.read(sample, "erin", old.at(1, 5))
    ids["sample"] = sample.pk
    upload = old.story("Upload", "https://up.example/x", ("file", PASTED, "notes.html"))
    old.read(upload, "dave", old.at(1, 2))
    ids["upload"] = upload.pk
    return ids


def test_it_gives_readers_their_text_and_everyone_the_fetched_one():
    with back_to_latest("library"), back_to_latest("articles"):
        ids = _make_old_database(migrate(OLD))
        migrate(NEW)
        users = {user.username: user for user in User.objects.all()}

        hijacked = Story.objects.get(pk=ids["hijacked"])
        assert hijacked.owner is None
        assert hijacked.current_revision.number == 1
        assert hijacked.current_revision.body_text == "".join(FETCHED)
        assert hijacked.revisions.count() == 2  # the history keeps Bob's text
        ada_note = Annotation.objects.get(pk=ids["ada on both"])
        assert ada_note.story == hijacked
        assert ada_note.revision == hijacked.current_revision
        assert ada_note.anchor_state in (Anchoring.ANCHORED, Anchoring.MOVED)
        assert ada_note.visibility == "public"

        copy = Story.objects.get(owner=users["bob"])
        assert copy.url == hijacked.url
        assert copy.current_revision.body_text == "".join(PASTED)
        assert copy.current_revision.origin == "paste"
        assert copy.revisions.count() == 1
        bob_note = Annotation.objects.get(pk=ids["bob on his text"])
        assert bob_note.story == copy
        assert bob_note.revision == bob_note.original_revision == copy.current_revision
        assert bob_note.anchor_state == Anchoring.ANCHORED
        assert bob_note.visibility == "link"  # no one else may open the story
        assert copy.reading_states.get().user == users["bob"]

        pasted = Story.objects.get(pk=ids["carol's paste"])
        assert pasted.owner == users["carol"]
        assert [s.user.username for s in pasted.reading_states.all()] == ["carol"]
        assert Annotation.objects.get(pk=ids["carol's note"]).visibility == "link"

        for kept in ("annotated by others", "carried by a feed", "unknown paste", "sample"):
            assert Story.objects.get(pk=ids[kept]).owner is None, kept
        assert Story.objects.get(pk=ids["upload"]).owner == users["dave"]

        # What others see: the counts, the search index, the reading view.
        assert reading.counts(AnonymousUser())["all"] == 5
        assert reading.counts(users["bob"])["all"] == 6
        hits = search.rank(search.STORIES, parse("zeppelin"), None, visible_to=users["ada"])
        assert hits == []
        hits = search.rank(search.STORIES, parse("zeppelin"), None, visible_to=users["bob"])
        assert [hit.pk for hit in hits] == [copy.pk]
        hits = search.rank(search.STORIES, parse("audit"), None, visible_to=AnonymousUser())
        assert hijacked.pk in [hit.pk for hit in hits]

        # Back: the copies are folded into the shared stories, the old URL rule holds.
        apps = migrate(OLD)
        OldStory = apps.get_model("articles", "Story")
        assert OldStory.objects.filter(url=hijacked.url).count() == 1
        assert OldStory.objects.get(pk=hijacked.pk).current_revision.number == 1
        assert apps.get_model("annotations", "Annotation").objects.count() == 4
