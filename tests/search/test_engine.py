"""search.engine: the stored index, ranking, keyset pages and snippets, on SQLite (FTS5)
and on PostgreSQL (tsvector + GIN): the same tests on both."""

from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth.models import AnonymousUser, User
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from annotations.models import Annotation, Visibility
from annotations.testing import annotate
from articles.models import Story
from search import engine as search
from search.query import HIT_END, HIT_START, parse
from tests.factories import LOREM, make_story

pytestmark = pytest.mark.django_db


def _ids(text, allowed=None, **kwargs):
    allowed = Story.objects.all() if allowed is None else allowed
    return [hit.pk for hit in search.rank(search.STORIES, parse(text), allowed, **kwargs)]


def _story(title="A story", *, body=None, **kwargs):
    return make_story(title, body=body or [LOREM, LOREM], **kwargs).story


# --- Matching


def test_it_finds_stories_by_title_dek_byline_and_body():
    by_title = _story("Quasar telescopes")
    by_dek = _story("Plain", dek="A quasar dek")
    by_byline = _story("Plainer", byline="Quasar Jones")
    by_body = _story("Plainest", body=[LOREM, "The quasar was bright tonight, it is said."])
    _story("Unrelated")
    assert set(_ids("quasar")) == {by_title.pk, by_dek.pk, by_byline.pk, by_body.pk}


def test_it_matches_word_forms():
    story = _story("Kernel", body=[LOREM, "The maintainers released three kernels."])
    assert _ids("releases kernel") == [story.pk]


def test_a_phrase_needs_its_words_together():
    together = _story("One", body=[LOREM, "Rust brings memory safety to systems code."])
    apart = _story("Two", body=[LOREM, "Memory is cheap; safety is not, said the engineers."])
    assert _ids('"memory safety"') == [together.pk]
    assert set(_ids("memory safety")) == {together.pk, apart.pk}


def test_a_minus_leaves_stories_out():
    safe = _story("Rust one", body=[LOREM, "Rust code without escape hatches at all."])
    _story("Rust two", body=[LOREM, "Rust code with unsafe blocks in the driver."])
    assert _ids("rust -unsafe") == [safe.pk]
    assert _ids('rust -"unsafe blocks"') == [safe.pk]


def test_or_finds_either():
    chrome = _story("Chrome ships", body=[LOREM, "The browser update is out."])
    firefox = _story("Firefox ships", body=[LOREM, "The browser update is out."])
    _story("Safari ships", body=[LOREM, "The browser update is out."])
    assert set(_ids("browser chrome or firefox")) == {chrome.pk, firefox.pk}


def test_only_exclusions_find_nothing():
    _story("Rust", body=[LOREM, "Rust code."])
    assert _ids("-rust") == []


def test_user_input_is_never_fts5_syntax():
    story = _story("Colons", body=[LOREM, "title: NEAR the AND of it (really)."])
    assert _ids('title: NEAR(the AND "of" it* ^really') == [story.pk]


def test_it_searches_only_what_is_allowed():
    kept = _story("Quasar one")
    other = _story("Quasar two")
    assert _ids("quasar", Story.objects.filter(pk=kept.pk)) == [kept.pk]
    assert _ids("quasar", Story.objects.exclude(pk=kept.pk)) == [other.pk]


# --- Ranking


def test_title_ranks_above_dek_above_byline_above_body():
    body = _story("Plain A", body=[LOREM, "A note about the pulsar survey."])
    byline = _story("Plain B", byline="Pulsar Smith")
    dek = _story("Plain C", dek="The pulsar story")
    title = _story("Pulsar found")
    assert _ids("pulsar") == [title.pk, dek.pk, byline.pk, body.pk]


def test_more_mentions_rank_higher():
    once = _story("Once", body=[LOREM, "One mention of magnetars here."])
    often = _story(
        "Often",
        body=[LOREM, "Magnetars, magnetars. More magnetars than ever; magnetars everywhere."],
    )
    assert _ids("magnetar") == [often.pk, once.pk]


def test_a_rank_does_not_move_when_other_stories_arrive():
    """The keyset cursor relies on it (FTS5's bm25() would move)."""
    story = _story("Nebula notes", body=[LOREM, "The nebula was mapped."])
    before = search.rank(search.STORIES, parse("nebula"), Story.objects.all())[0].rank
    for i in range(12):
        _story(f"Nebula {i}", body=[LOREM, "Nebula " * (i + 1)])
    hits = search.rank(search.STORIES, parse("nebula"), Story.objects.all(), limit=100)
    assert {hit.pk: hit.rank for hit in hits}[story.pk] == before


def test_it_ranks_by_what_is_searched_for_not_what_is_left_out():
    strong = _story("Comet comet", body=[LOREM, "Comet comet comet."])
    weak = _story("Plain", body=[LOREM, "A comet."])
    _story("Comet with tail", body=[LOREM, "A tail."])
    assert _ids("comet -tail") == [strong.pk, weak.pk]


# --- Keyset pages


def test_pages_follow_each_other_without_gaps_or_repeats():
    stories = [
        _story(f"Item {i}", body=[LOREM, "Photon " * (1 + i % 4)]) for i in range(11)
    ]  # ranks repeat: ties are broken by id
    seen, after = [], None
    while True:
        hits = search.rank(search.STORIES, parse("photon"), Story.objects.all(), after, limit=4)
        seen += [hit.pk for hit in hits]
        if len(hits) < 4:
            break
        after = hits[-1].cursor
    assert sorted(seen) == sorted(story.pk for story in stories)
    assert seen == _ids("photon", limit=100)


def test_pages_stay_put_when_stories_arrive_between_them():
    for i in range(9):
        _story(f"Old {i}", body=[LOREM, "Gluon " * (1 + i % 3)])
    everything = _ids("gluon", limit=100)
    first = search.rank(search.STORIES, parse("gluon"), Story.objects.all(), limit=4)
    # New stories rank everywhere: above, between and below the first page.
    for i in range(6):
        _story(f"New {i}", body=[LOREM, "Gluon " * (1 + i)])
    rest, after = [], first[-1].cursor
    while hits := search.rank(search.STORIES, parse("gluon"), Story.objects.all(), after, 4):
        rest += [hit.pk for hit in hits]
        after = hits[-1].cursor
    shown = [hit.pk for hit in first] + rest
    assert len(shown) == len(set(shown))
    # Every story that was there on the first page is on exactly one page.
    assert set(everything) <= set(shown)


def test_a_cursor_reads_back_as_it_was_written():
    cursor = search.Cursor(0.0607927106320858, 42)
    assert search.Cursor.parse(str(cursor)) == cursor
    for bad in ("", "x", "1~y", "nan~3", "inf~1", "~"):
        assert search.Cursor.parse(bad) is None


# --- The index follows the stories


def test_a_new_revision_replaces_the_indexed_text():
    url = "https://news.example/revised"
    story = make_story("Revised", url=url, body=[LOREM, "The tokamak design."]).story
    assert _ids("tokamak") == [story.pk]
    make_story("Revised", url=url, body=[LOREM, "The stellarator design."])
    assert _ids("tokamak") == []
    assert _ids("stellarator") == [story.pk]


def _delete(story):
    story.delete()


def test_a_deleted_story_leaves_the_index():
    story = _story("Boson news")
    _delete(story)
    assert _ids("boson") == []
    assert search.snippets(search.STORIES, parse("boson"), [story.pk]) == {}


def test_the_index_is_written_in_the_storys_transaction():
    with pytest.raises(RuntimeError), transaction.atomic():
        _story("Muon news")
        raise RuntimeError
    assert _ids("muon") == []


def test_searching_reads_the_stored_index_only():
    _story("Lepton news")
    with CaptureQueriesContext(connection) as queries:
        _ids("lepton")
    sql = " ".join(query["sql"] for query in queries.captured_queries).lower()
    assert "to_tsvector" not in sql
    assert "body_text" not in sql


def test_a_rebuild_gives_the_same_results():
    stories = [_story(f"Hadron {i}", body=[LOREM, "Hadron " * i]) for i in range(1, 4)]
    before = _ids("hadron")
    search.rebuild()
    assert _ids("hadron") == before == [story.pk for story in reversed(stories)]


def test_ranks_after_edits_and_deletions_are_those_of_a_rebuild():
    # A story's rank is kept as it was indexed (SQLite: its stored scores): every
    # change must leave what a fresh index would give, or a word the story lost
    # would still count for it.
    url = "https://news.example/edited"
    kept = _story("Gluon kept", body=[LOREM, "Gluon gluon tokamak."])
    edited = make_story("Gluon edited", url=url, body=[LOREM, "Tokamak tokamak gluon."]).story
    _delete(_story("Gluon gone", body=[LOREM, "Gluon tokamak tokamak tokamak."]))
    make_story("Gluon edited", url=url, body=[LOREM, "Stellarator gluon gluon gluon."])
    queries = ["gluon", "tokamak", "gluon OR tokamak", "stellarator gluon"]

    def ranks():
        return {
            text: [(hit.pk, hit.rank) for hit in search.rank(search.STORIES, parse(text), None)]
            for text in queries
        }

    before = ranks()
    search.rebuild()
    assert ranks() == before
    assert [pk for pk, _rank in before["tokamak"]] == [kept.pk]
    assert [pk for pk, _rank in before["gluon"]] == [edited.pk, kept.pk]


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's stored scores")
def test_sqlite_ranks_read_the_candidates_scores_not_every_occurrence():
    _story("Lepton news", body=[LOREM, "Lepton."])
    with CaptureQueriesContext(connection) as queries:
        _ids("lepton")
    sql = " ".join(query["sql"] for query in queries.captured_queries)
    assert search.STORIES.scores_table in sql
    assert search.STORIES.terms_table not in sql


# --- Snippets


def test_snippets_mark_the_hits_in_title_and_text():
    story = _story(
        "Graphene <b>batteries</b>",
        body=[LOREM, "Researchers say graphene cells charge fast.", LOREM],
    )
    title, _dek, _byline, body = search.snippets(search.STORIES, parse("graphene"), [story.pk])[
        story.pk
    ]
    assert title.replace(HIT_START, "[").replace(HIT_END, "]") == "[Graphene] <b>batteries</b>"
    assert f"{HIT_START}graphene{HIT_END} cells" in body
    assert len(body.split()) < 60


# --- Annotations


@pytest.fixture
def page_story():
    return _story(
        "Annotated",
        body=[
            LOREM,
            "The reactor vessel was replaced in spring.",
            "Operators trained for months before the restart.",
        ],
    )


def _annotation_ids(text, allowed=None):
    allowed = Annotation.objects.all() if allowed is None else allowed
    return [hit.pk for hit in search.rank(search.ANNOTATIONS, parse(text), allowed)]


def test_it_finds_annotations_by_quote_comment_and_tag(page_story, ada):
    quote = annotate(page_story, ada, "reactor vessel")
    comment = annotate(page_story, ada, "Operators trained", comment="Ask about the reactor crew")
    tagged = annotate(page_story, ada, "restart", tags=["reactor-safety"])
    assert set(_annotation_ids("reactor")) == {quote.pk, comment.pk, tagged.pk}
    assert _annotation_ids("crew") == [comment.pk]
    assert _annotation_ids("reactor-safety") == [tagged.pk]


def test_a_quote_ranks_above_a_comment(page_story, ada):
    comment = annotate(page_story, ada, "Operators trained", comment="The vessel inspection")
    quote = annotate(page_story, ada, "reactor vessel")
    assert _annotation_ids("vessel") == [quote.pk, comment.pk]


def test_editing_an_annotation_reindexes_it(page_story, ada):
    annotation = annotate(page_story, ada, "restart", tags=["old-tag"], comment="first")
    annotation.set_comment("second thoughts")
    annotation.save()
    annotation.set_tags(["new-tag"])
    assert _annotation_ids("first") == []
    assert _annotation_ids("second") == [annotation.pk]
    assert _annotation_ids("old-tag") == []
    assert _annotation_ids("new-tag") == [annotation.pk]
    annotation.tags.clear()
    assert _annotation_ids("new-tag") == []


def test_removing_a_tag_from_its_side_reindexes(page_story, ada):
    annotation = annotate(page_story, ada, "restart", tags=["fusion"])
    tag = annotation.tags.get()
    tag.annotations.clear()
    assert _annotation_ids("fusion") == []
    tag.annotations.add(annotation)
    assert _annotation_ids("fusion") == [annotation.pk]


def test_a_deleted_annotation_leaves_the_index(page_story, ada):
    annotation = annotate(page_story, ada, "restart")
    annotation.delete()
    assert _annotation_ids("restart") == []
    annotate(page_story, ada, "reactor")
    _delete(page_story)  # its annotations go with it, and from the index
    assert _annotation_ids("reactor") == []


def test_a_new_revision_reindexes_the_words_now_highlighted(ada):
    url = "https://news.example/moved"
    story = make_story(
        "Moved", url=url, body=[LOREM, "The quick brown fox jumps over the lazy dog."]
    ).story
    annotation = annotate(story, ada, "quick brown fox jumps")
    make_story("Moved", url=url, body=[LOREM, "The quick brown cat jumps over the lazy dog."])
    annotation.refresh_from_db()
    assert annotation.exact != annotation.original_exact
    # The words highlighted now, and those the reader highlighted, both find it.
    assert _annotation_ids("cat") == [annotation.pk]
    assert _annotation_ids("fox") == [annotation.pk]


def test_only_visible_annotations_are_searched(page_story, ada, bob):
    mine = annotate(page_story, ada, "reactor vessel", visibility=Visibility.PRIVATE)
    theirs_private = annotate(page_story, bob, "reactor vessel", visibility=Visibility.PRIVATE)
    theirs_public = annotate(page_story, bob, "reactor", visibility=Visibility.PUBLIC)
    found = _annotation_ids("reactor", Annotation.objects.visible_to(ada))
    assert set(found) == {mine.pk, theirs_public.pk}
    assert theirs_private.pk not in found


def _visible_ids(text, viewer):
    hits = search.rank(search.ANNOTATIONS, parse(text), None, visible_to=viewer)
    return [hit.pk for hit in hits]


def test_the_index_rows_know_who_may_see_them(page_story, ada, bob):
    """A search needs no pass over every annotation to leave out those the reader may not
    see: the index rows answer as visible_to does."""
    for author in (ada, bob):
        for visibility in Visibility.values:
            annotate(page_story, author, "reactor vessel", visibility=visibility)
    for viewer in (ada, bob, AnonymousUser()):
        expected = _annotation_ids("reactor", Annotation.objects.visible_to(viewer))
        assert _visible_ids("reactor", viewer) == expected
        assert len(expected) == (2 if viewer.is_anonymous else 4)
    with CaptureQueriesContext(connection) as queries:
        _visible_ids("reactor", ada)
    assert "annotations_annotation" not in queries.captured_queries[-1]["sql"]


def test_a_change_of_visibility_reaches_the_index(page_story, ada, bob):
    annotation = annotate(page_story, ada, "reactor vessel", visibility=Visibility.PRIVATE)
    assert _visible_ids("reactor", bob) == []
    annotation.visibility = Visibility.PUBLIC
    annotation.save()
    assert _visible_ids("reactor", bob) == [annotation.pk]


def test_the_story_index_rows_know_whose_copy_a_story_is(ada, bob):
    """A search needs no pass over the stories to leave out other readers' copies: the
    index rows answer as Story.objects.visible_to does."""
    _story("Boson shared")
    for owner in (ada, bob):
        make_story(f"Boson of {owner.username}", owner=owner)
    for viewer in (ada, bob, AnonymousUser()):
        expected = _ids("boson", Story.objects.visible_to(viewer))
        hits = search.rank(search.STORIES, parse("boson"), None, visible_to=viewer)
        assert [hit.pk for hit in hits] == expected
        assert len(expected) == (1 if viewer.is_anonymous else 2)
    with CaptureQueriesContext(connection) as queries:
        search.rank(search.STORIES, parse("boson"), None, visible_to=ada)
    assert "articles_story" not in queries.captured_queries[-1]["sql"]


def test_an_unfiltered_story_search_reads_the_index_only():
    stories = [_story(f"Boson {i}", body=[LOREM, "Boson " * i]) for i in range(1, 4)]
    with CaptureQueriesContext(connection) as queries:
        found = [hit.pk for hit in search.rank(search.STORIES, parse("boson"), None)]
    assert found == _ids("boson") == [story.pk for story in reversed(stories)]
    assert "articles_story" not in queries.captured_queries[-1]["sql"]


def test_annotation_snippets_mark_quote_and_comment(page_story, ada):
    annotation = annotate(page_story, ada, "reactor vessel", comment="Check the <vessel> specs")
    quote, _tags, comment = search.snippets(search.ANNOTATIONS, parse("vessel"), [annotation.pk])[
        annotation.pk
    ]
    assert f"{HIT_START}vessel{HIT_END}" in quote
    assert f"<{HIT_START}vessel{HIT_END}>" in comment


def test_text_in_angle_brackets_is_text(page_story, ada):
    annotation = annotate(page_story, ada, "restart", comment="Returns Vec<Widget> now")
    assert _annotation_ids("widget") == [annotation.pk]
    _quote, _tags, comment = search.snippets(search.ANNOTATIONS, parse("widget"), [annotation.pk])[
        annotation.pk
    ]
    assert comment.replace(HIT_START, "").replace(HIT_END, "") == "Returns Vec<Widget> now"


def test_old_stories_keep_their_date_order_after_reindexing():
    base = datetime(2026, 1, 1, tzinfo=UTC)
    older = _story("Quark", published=base)
    newer = _story("Quark", published=base + timedelta(days=1))
    # Equal ranks: the newer id first, page after page.
    assert _ids("quark") == [newer.pk, older.pk]


# --- A bounded candidate set


def test_a_common_word_ranks_only_the_newest_candidates_and_says_so():
    stories = [_story(f"Quark {i}", body=[LOREM, "Quark " * (1 + i % 3)]) for i in range(7)]
    hits = search.rank(search.STORIES, parse("quark"), None, limit=100, candidates=4)
    # The four newest, best first among themselves; the three oldest never ranked.
    assert {hit.pk for hit in hits} == {story.pk for story in stories[-4:]}
    assert [hit.rank for hit in hits] == sorted((hit.rank for hit in hits), reverse=True)
    assert hits.cut
    everything = search.rank(search.STORIES, parse("quark"), None, limit=100, candidates=7)
    assert len(everything) == 7
    assert not everything.cut


def test_pages_of_a_cut_search_follow_each_other_within_the_candidates():
    stories = [_story(f"Muon {i}", body=[LOREM, "Muon " * (1 + i % 4)]) for i in range(12)]
    seen, after = [], None
    while True:
        hits = search.rank(search.STORIES, parse("muon"), None, after, limit=3, candidates=8)
        assert hits.cut
        seen += [hit.pk for hit in hits]
        if len(hits) < 3:
            break
        after = hits[-1].cursor
    assert sorted(seen) == sorted(story.pk for story in stories[-8:])


def test_the_candidates_are_the_readers_own_matches_not_others():
    ada = User.objects.create_user("ada-c")
    bob = User.objects.create_user("bob-c")
    mine = _story("Lepton mine", body=[LOREM, "Lepton."], owner=ada)
    for i in range(3):
        _story(f"Lepton bob {i}", body=[LOREM, "Lepton."], owner=bob)
    hits = search.rank(
        search.STORIES, parse("lepton"), None, limit=10, candidates=1, visible_to=ada
    )
    # Bob's newer copies neither fill the candidate set nor count towards the cut.
    assert [hit.pk for hit in hits] == [mine.pk]
    assert not hits.cut


def test_documents_among_the_candidates_that_are_not_candidates_are_not_ranked():
    # Between the oldest candidate and the newest, stories with the word that are not
    # candidates: another reader's copy, and one the query leaves out.
    ada = User.objects.create_user("ada-r")
    bob = User.objects.create_user("bob-r")
    oldest = _story("Boson oldest", body=[LOREM, "Boson."])
    _story("Boson of bob", body=[LOREM, "Boson boson boson."], owner=bob)
    _story("Boson gluon", body=[LOREM, "Boson gluon boson."])
    newest = _story("Boson newest", body=[LOREM, "Boson boson."])
    hits = search.rank(
        search.STORIES, parse("boson -gluon"), None, limit=10, candidates=5, visible_to=ada
    )
    assert [hit.pk for hit in hits] == [newest.pk, oldest.pk]
    assert not hits.cut
    alone = search.rank(search.STORIES, parse("boson"), Story.objects.filter(pk=oldest.pk))
    assert [hit.rank for hit in hits][1] == alone[0].rank
