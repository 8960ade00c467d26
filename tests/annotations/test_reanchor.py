"""Annotations follow their passage into each new revision, through the ingest pipeline."""

from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from annotations.anchoring import describe
from annotations.models import Anchoring, Annotation
from annotations.testing import annotate
from articles.models import Story, StoryRevision
from tests.factories import make_story

pytestmark = pytest.mark.django_db

BODY = [
    "The ordinance requires every vendor to publish an audit of the model before it is used.",
    "Critics said the audit rule was vague and that café owners would never read it at all.",
    "The council will vote again in spring, after a consultation with residents and firms.",
]
LEAD = "Update: the council published a new draft of the ordinance on Monday morning."


@pytest.fixture
def story():
    return make_story("Ordinance", body=BODY).story


def _revise(story, body):
    result = make_story("Ordinance", body=body, url=story.url)
    assert result.changed
    return result.revision


def _reload(annotation):
    return Annotation.objects.select_related("revision").get(pk=annotation.pk)


def test_it_stays_anchored_when_the_text_after_it_changes(story, ada):
    annotation = annotate(story, ada, "publish an audit of the model")
    revision = _revise(story, [BODY[0], BODY[1], "The council will not vote again."])
    annotation = _reload(annotation)
    assert annotation.revision == revision
    assert annotation.anchor_state == Anchoring.ANCHORED
    assert (annotation.start, annotation.end) == (
        annotation.original_start,
        annotation.original_end,
    )


def test_it_moves_with_its_passage(story, ada):
    annotation = annotate(story, ada, "café owners would never read it")
    revision = _revise(story, [LEAD, *BODY])
    annotation = _reload(annotation)
    assert annotation.revision == revision
    assert annotation.anchor_state == Anchoring.MOVED
    assert revision.body_text[annotation.start : annotation.end] == annotation.exact
    assert annotation.exact == annotation.original_exact
    assert annotation.start > annotation.original_start
    # The selectors describe the new place, context included.
    assert annotation.selectors == describe(revision.body_text, annotation.start, annotation.end)


def test_it_follows_an_edited_passage_and_keeps_the_original_quote(story, ada):
    annotation = annotate(story, ada, "the audit rule was vague and that café owners")
    edited = BODY[1].replace("was vague", "was far too vague")
    revision = _revise(story, [BODY[0], edited, BODY[2]])
    annotation = _reload(annotation)
    assert annotation.anchor_state == Anchoring.CHANGED
    assert annotation.text_changed
    assert annotation.exact == "the audit rule was far too vague and that café owners"
    assert revision.body_text[annotation.start : annotation.end] == annotation.exact
    assert annotation.original_exact == "the audit rule was vague and that café owners"
    assert 0.75 <= annotation.anchor_score < 1


def test_a_lost_passage_is_orphaned_and_kept(story, ada):
    annotation = annotate(story, ada, "café owners would never read it", comment="Kept!")
    first = story.current_revision
    revision = _revise(story, [BODY[0], BODY[2], LEAD])
    annotation = _reload(annotation)
    assert annotation.anchor_state == Anchoring.ORPHANED
    assert annotation.anchor_score == 0.0
    assert annotation.is_detached
    assert annotation.comment == "Kept!"
    # The last place it was found, and the original, are both still there.
    assert annotation.revision == first != revision
    assert annotation.exact == annotation.original_exact == "café owners would never read it"


def test_an_orphan_comes_back_when_its_passage_does(story, ada):
    annotation = annotate(story, ada, "café owners would never read it")
    _revise(story, [BODY[0], BODY[2], LEAD])
    assert _reload(annotation).is_detached
    revision = _revise(story, [LEAD, *BODY])
    annotation = _reload(annotation)
    assert annotation.revision == revision
    assert annotation.anchor_state == Anchoring.MOVED
    assert revision.body_text[annotation.start : annotation.end] == annotation.original_exact


def test_an_undone_edit_brings_back_the_original_words(story, ada):
    annotation = annotate(story, ada, "the audit rule was vague and that café owners")
    edited = BODY[1].replace("was vague", "was far too vague")
    _revise(story, [BODY[0], edited, BODY[2]])
    assert _reload(annotation).text_changed
    revision = _revise(story, [*BODY, LEAD])
    annotation = _reload(annotation)
    assert annotation.revision == revision
    assert annotation.exact == annotation.original_exact
    assert annotation.anchor_state == Anchoring.ANCHORED
    assert annotation.anchor_score == 1.0


def test_it_follows_several_revisions(story, ada):
    annotation = annotate(story, ada, "vote again in spring")
    _revise(story, [LEAD, *BODY])
    _revise(story, [LEAD, BODY[0], BODY[2]])
    revision = _revise(story, [BODY[2], LEAD])
    annotation = _reload(annotation)
    assert annotation.revision == revision
    assert revision.body_text[annotation.start : annotation.end] == "vote again in spring"


def test_ingesting_the_same_content_changes_nothing(story, ada):
    annotation = annotate(story, ada, "vote again in spring")
    result = make_story("Ordinance", body=BODY, url=story.url)
    assert not result.changed
    assert _reload(annotation).updated == annotation.updated


def test_it_happens_in_the_transaction_that_stores_the_revision(story, ada):
    annotate(story, ada, "vote again in spring")
    with (
        mock.patch.object(type(Annotation.objects), "reanchor", side_effect=RuntimeError),
        pytest.raises(RuntimeError),
    ):
        _revise(story, [LEAD, *BODY])
    # Nothing was stored: no revision whose annotations would point into the old text.
    story.refresh_from_db()
    assert StoryRevision.objects.filter(story=story).count() == 1
    assert Annotation.objects.get().revision_id == story.current_revision_id


def test_it_reanchors_every_annotation_of_the_story_only(story, ada):
    other = make_story("Another", body=BODY).story
    mine = [annotate(story, ada, quote) for quote in ("every vendor", "audit rule", "spring")]
    theirs = annotate(other, ada, "audit rule")
    revision = _revise(story, [LEAD, *BODY])
    assert {a.revision_id for a in Annotation.objects.filter(pk__in=[a.pk for a in mine])} == {
        revision.pk
    }
    assert _reload(theirs).revision_id == other.current_revision_id


def test_many_annotations_move_in_a_few_queries(story, ada):
    # As many queries for 200 annotations as for 20: they are read, moved and indexed
    # in bulk. (The index writes are most of them: on SQLite each index's rows and
    # stored scores take seven statements, search/engine.py.)

    def annotate_and_revise(count, body):
        revision = Story.objects.get(pk=story.pk).current_revision
        text = revision.body_text
        for i in range(count):
            start = (i * 7) % (len(text) - 20)
            Annotation.objects.create_from_selection(
                story=story,
                author=ada,
                revision_id=revision.pk,
                selectors=describe(text, start, start + 12 + i % 9),
                colour="yellow",
            )
        with CaptureQueriesContext(connection) as queries:
            _revise(story, body)
        return len(queries)

    few = annotate_and_revise(20, [LEAD, *BODY])
    Annotation.objects.all().delete()
    many = annotate_and_revise(200, BODY)
    assert many == few <= 30
    revision = Story.objects.get(pk=story.pk).current_revision
    for annotation in Annotation.objects.all():
        if not annotation.is_detached:
            assert annotation.revision_id == revision.pk
            assert revision.body_text[annotation.start : annotation.end] == annotation.exact


WORDS = st.sampled_from(
    ["model", "audit", "vendor", "the", "council", "café", "🚀", "spring", "rule", "vote"]
)


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    edits=st.lists(
        st.tuples(
            st.sampled_from(["insert", "delete", "replace"]),
            st.integers(0, 2),
            st.integers(0, 30),
            st.lists(WORDS, min_size=1, max_size=6),
        ),
        min_size=1,
        max_size=4,
    ),
    spans=st.lists(
        st.tuples(st.integers(0, 2), st.integers(0, 12), st.integers(1, 8)), min_size=1, max_size=5
    ),
)
def test_an_anchor_always_holds_its_quote(ada, edits, spans):
    """Whatever the edit, an annotation is either detached or its quote is in the text."""
    story = make_story("Property", body=[*BODY, LEAD]).story
    text = story.current_revision.body_text
    annotations = []
    for paragraph, first_word, length in spans:
        words = BODY[paragraph].split(" ")
        first_word = min(first_word, len(words) - 1)
        quote = " ".join(words[first_word : first_word + length])
        annotations.append(annotate(story, ada, quote, occurrence=0) if quote in text else None)
    body = [p.split(" ") for p in BODY]
    for kind, paragraph, at, words in edits:
        target = body[paragraph]
        at = min(at, len(target))
        if kind == "insert":
            target[at:at] = words
        elif kind == "delete":
            del target[at : at + len(words)]
        else:
            target[at : at + len(words)] = words
        if len(target) < 3:
            target.extend(["filler", "words", "here"])
    body = [" ".join(words) for words in body]
    result = make_story("Property", body=[*body, LEAD], url=story.url)
    revision = result.revision
    for annotation in filter(None, annotations):
        annotation = _reload(annotation)
        if annotation.is_detached:
            continue
        assert annotation.revision_id == revision.pk
        assert revision.body_text[annotation.start : annotation.end] == annotation.exact
        if annotation.anchor_state in (Anchoring.ANCHORED, Anchoring.MOVED):
            assert annotation.exact == annotation.original_exact
        else:
            assert annotation.exact != annotation.original_exact


def test_a_passage_lost_in_its_last_wording_is_found_in_its_original_one(story, ada):
    # The last known place is tried first; when the passage is gone in that wording but
    # is back in the words first highlighted, elsewhere, the original selectors find it.
    annotation = annotate(story, ada, "the audit rule was vague and that café owners")
    edited = BODY[1].replace("was vague", "was far too vague")
    _revise(story, [BODY[0], edited, BODY[2]])
    assert _reload(annotation).exact == "the audit rule was far too vague and that café owners"
    moved = "Some noted that the audit rule was vague and that café owners kept quiet about it."
    revision = _revise(story, [LEAD, moved])
    annotation = _reload(annotation)
    assert annotation.revision == revision
    assert annotation.anchor_state == Anchoring.MOVED
    assert annotation.exact == annotation.original_exact
    assert revision.body_text[annotation.start : annotation.end] == annotation.original_exact


def test_it_follows_its_last_wording_over_a_copy_of_its_first(story, ada):
    # Found where it was last seen, it stays there, though its original words are now
    # quoted elsewhere in the story (a pull quote of the first version).
    annotation = annotate(story, ada, "the audit rule was vague and that café owners")
    edited = BODY[1].replace("was vague", "was far too vague")
    _revise(story, [BODY[0], edited, BODY[2]])
    quote = "Last week: “the audit rule was vague and that café owners”, a critic wrote then."
    revision = _revise(story, [BODY[0], edited, BODY[2], quote])
    annotation = _reload(annotation)
    assert annotation.revision == revision
    assert annotation.exact == "the audit rule was far too vague and that café owners"
    assert revision.body_text[annotation.start : annotation.end] == annotation.exact


def test_an_orphan_still_at_its_original_place_is_searched_for_once(story, ada, monkeypatch):
    import annotations.models

    annotation = annotate(story, ada, "café owners would never read it")
    searched = []

    def anchor(selectors, text, diff=None):
        searched.append(selectors)
        return real(selectors, text, diff)

    real = annotations.models.anchor
    monkeypatch.setattr(annotations.models, "anchor", anchor)
    annotation.move_to(story.current_revision, "Nothing of the first version is left.")
    assert annotation.is_detached
    assert searched == [annotation.original_selectors]  # the same selectors, not twice
