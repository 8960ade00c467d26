"""reading.models and reading.listing: reading state, preferences, counts, neighbours."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth.models import AnonymousUser, User
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from annotations.testing import annotate
from articles.models import Story
from reading import listed
from reading import listing as reading
from reading.models import ReadingState, UserPreferences
from tests.factories import make_story

pytestmark = pytest.mark.django_db

BASE = datetime(2026, 4, 1, tzinfo=UTC)


def _story(title="A story", days=0):
    return make_story(title, published=BASE + timedelta(days=days)).story


def test_opening_a_story_reads_it_once(ada):
    story = _story()
    first = ReadingState.objects.mark_read(ada, story)
    assert first.is_read
    again = ReadingState.objects.mark_read(ada, story)
    assert again.read_at == first.read_at
    assert ReadingState.objects.count() == 1


def test_a_story_marked_unread_is_read_again_when_opened(ada):
    story = _story()
    ReadingState.objects.set_flags(ada, story, read=False)
    assert ReadingState.objects.mark_read(ada, story).is_read


def test_flags_are_set_not_toggled(ada):
    story = _story()
    state = ReadingState.objects.set_flags(ada, story, saved=True)
    saved_at = state.saved_at
    state = ReadingState.objects.set_flags(ada, story, saved=True)
    assert state.is_saved and state.saved_at == saved_at
    assert not state.is_read
    state = ReadingState.objects.set_flags(ada, story, read=True, saved=False)
    assert state.is_read and not state.is_saved


def test_progress_is_stored_and_reads_the_story(ada):
    story = _story()
    ReadingState.objects.record_progress(ada, story, 0.4)
    state = ReadingState.objects.get()
    assert state.progress == 0.4 and state.is_read
    read_at = state.read_at
    ReadingState.objects.record_progress(ada, story, 0.7)
    state.refresh_from_db()
    assert state.progress == 0.7 and state.read_at == read_at


def test_the_database_refuses_progress_out_of_range(ada):
    with pytest.raises(IntegrityError), transaction.atomic():
        ReadingState.objects.create(user=ada, story=_story(), progress=1.5)


def test_one_state_per_reader_and_story(ada, bob):
    story = _story()
    ReadingState.objects.set_flags(ada, story, saved=True)
    ReadingState.objects.set_flags(bob, story, read=True)
    assert ReadingState.objects.count() == 2
    with pytest.raises(IntegrityError), transaction.atomic():
        ReadingState.objects.create(user=ada, story=story)


def test_preferences_default_until_saved(ada):
    assert UserPreferences.for_user(AnonymousUser()).html_classes == "theme-system text-medium"
    assert UserPreferences.for_user(ada).html_classes == "theme-system text-medium"
    UserPreferences.objects.create(user=ada, theme="dark", text_size="large")
    assert UserPreferences.for_user(ada).html_classes == "theme-dark text-large"


# --- reading.listing


def test_it_annotates_each_story_with_the_readers_state(ada, bob):
    read, saved, plain = _story("Read", 2), _story("Saved", 1), _story("Plain", 0)
    ReadingState.objects.record_progress(ada, read, 0.5)
    ReadingState.objects.set_flags(ada, saved, saved=True)
    ReadingState.objects.set_flags(bob, plain, read=True, saved=True)
    annotate(read, ada, "Engineers")
    annotate(read, bob, "Engineers")
    stories = {s.title: s for s in reading.with_reading_state(Story.objects.for_listing(), ada)}
    assert (stories["Read"].is_read, stories["Read"].progress) == (True, 0.5)
    assert stories["Read"].highlight_count == 1
    assert (stories["Saved"].is_saved, stories["Saved"].is_read) == (True, False)
    assert (stories["Plain"].is_read, stories["Plain"].is_saved) == (False, False)
    assert stories["Plain"].highlight_count == 0


def test_the_filters_pick_the_readers_stories(ada, bob):
    read, saved, noted = _story("Read", 2), _story("Saved", 1), _story("Noted", 0)
    ReadingState.objects.set_flags(ada, read, read=True)
    ReadingState.objects.set_flags(ada, saved, saved=True)
    ReadingState.objects.set_flags(bob, noted, read=True, saved=True)
    annotate(noted, ada, "Engineers")

    def titles(show):
        return [s.title for s in reading.only(Story.objects.for_listing(), ada, show)]

    assert titles(reading.ALL) == ["Read", "Saved", "Noted"]
    assert titles(reading.UNREAD) == ["Saved", "Noted"]
    assert titles(reading.SAVED) == ["Saved"]
    assert titles(reading.ANNOTATED) == ["Noted"]


def test_counts_come_from_a_few_queries(ada, bob):
    stories = [_story(f"S{i}", i) for i in range(6)]
    ReadingState.objects.set_flags(ada, stories[0], read=True, saved=True)
    ReadingState.objects.set_flags(ada, stories[1], read=True)
    ReadingState.objects.set_flags(ada, stories[2], saved=True)
    annotate(stories[3], ada, "Engineers")
    annotate(stories[3], ada, "storage")
    make_story("Ada's own copy", owner=ada)
    make_story("Bob's own copy", owner=bob)
    with CaptureQueriesContext(connection) as ctx:
        counts = reading.counts(ada)
    assert counts == {"all": 7, "unread": 5, "saved": 2, "annotated": 1}
    assert len(ctx.captured_queries) == 1
    # The shared stories are not counted: their total is kept beside them. Only the
    # reader's own copies are, by their owner.
    sql = ctx.captured_queries[0]["sql"]
    assert sql.count('FROM "articles_story"') == 1
    assert re.search(
        rf'FROM "articles_story"( "?U0"?)? WHERE \(?[^)]*"?owner_id"? = {ada.pk}\b', sql
    )
    assert reading.counts(AnonymousUser()) == {"all": 6}
    assert reading.counts(bob)["all"] == 7


def test_counts_start_at_zero(ada):
    assert reading.counts(ada) == {"all": 0, "unread": 0, "saved": 0, "annotated": 0}
    assert reading.counts(AnonymousUser()) == {"all": 0}


def _listed() -> int:
    return reading.counts(AnonymousUser())["all"]


def _counted() -> int:
    return Story.objects.filter(current_revision__isnull=False).count()


def test_the_listed_count_follows_every_kind_of_write():
    stories = [_story(f"S{i}", i) for i in range(4)]
    assert _listed() == _counted() == 4
    # A story without a revision is not listed, whichever way it is written.
    Story.objects.create(title="Draft", sort_date=BASE)
    Story.objects.bulk_create([Story(title=f"Draft {i}", sort_date=BASE) for i in range(3)])
    assert _listed() == _counted() == 4
    # Queryset updates and deletes send no signals; the count follows them all the same.
    Story.objects.filter(pk__in=[stories[0].pk, stories[1].pk]).update(current_revision=None)
    assert _listed() == _counted() == 2
    Story.objects.filter(pk=stories[0].pk).update(current_revision=stories[0].revisions.get())
    assert _listed() == _counted() == 3
    Story.objects.filter(title="Draft").update(title="Still a draft")  # no change in count
    assert _listed() == _counted() == 3
    Story.objects.filter(title__startswith="Draft").delete()
    assert _listed() == _counted() == 3
    # Deleted by SQL, without the ORM's cascades and signals.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM articles_story WHERE id = %s", [stories[2].pk])
        cursor.execute("DELETE FROM articles_storyrevision WHERE story_id = %s", [stories[2].pk])
    assert _listed() == _counted() == 2


def test_a_rolled_back_story_is_not_counted():
    _story("Kept")
    with transaction.atomic():
        _story("Rolled back", 1)
        assert _listed() == 2
        transaction.set_rollback(True)
    assert _listed() == _counted() == 1


def test_lost_triggers_are_put_back_and_the_count_redone():
    """SQLite rebuilds a table to alter it, without its triggers: the next migrate (its
    post_migrate) reinstalls them and counts again."""
    from django.core.management import call_command

    _story("Before")
    listed.uninstall(connection)
    _story("Unseen", 1)
    assert _listed() == 1
    call_command("migrate", verbosity=0)
    assert _listed() == _counted() == 2
    _story("After", 2)
    assert _listed() == _counted() == 3


def test_a_visitor_only_has_all():
    assert reading.parse_show("saved", AnonymousUser()) == reading.ALL


def test_neighbours_follow_the_front_page_order():
    older, same_a, same_b, newer = (
        _story("Older", 0),
        _story("A", 1),
        _story("B", 1),
        _story("N", 2),
    )
    visitor = AnonymousUser()
    # Front page: N, B, A, Older (equal dates: the higher id first).
    assert reading.neighbours(same_b, visitor) == (newer, same_a)
    assert reading.neighbours(same_a, visitor) == (same_b, older)
    assert reading.neighbours(newer, visitor) == (None, same_b)
    assert reading.neighbours(older, visitor) == (same_a, None)


@pytest.mark.parametrize("signed_in", [False, True])
def test_neighbours_are_two_index_lookups_in_one_statement(signed_in):
    stories = [_story(f"S{i}", i) for i in range(40)]
    reader = User.objects.create_user("reader") if signed_in else AnonymousUser()
    if connection.vendor == "postgresql":
        # The statistics autovacuum keeps: without them PostgreSQL plans for an empty
        # table, where any index whose condition matches will do.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE articles_story")
    with CaptureQueriesContext(connection) as ctx:
        reading.neighbours(stories[20], reader)
    assert len(ctx.captured_queries) == 1
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + _explainable(ctx.captured_queries[0]["sql"]))
        plan = " ".join(str(row) for row in cursor.fetchall())
    used = plan.count("story_listing_idx") + plan.count("articles_story_sort_date")
    assert used >= 2, plan


def _explainable(sql: str) -> str:
    # SQLite wants EXPLAIN QUERY PLAN for a readable plan.
    return ("QUERY PLAN " + sql) if connection.vendor == "sqlite" else sql


def test_neighbours_within_a_filter_and_among_what_the_reader_may_see(ada):
    bob = User.objects.create_user("bob", password="pw-bob-123456")
    oldest, older, middle, newer, newest = (_story(f"S{i}", i) for i in range(5))
    mine = make_story("Mine", published=BASE + timedelta(days=2, hours=12), owner=ada).story
    make_story("Bob's", published=BASE + timedelta(days=1), owner=bob)
    # All: ada's own copy is listed for her (and for nobody else), bob's never.
    assert reading.neighbours(middle, ada) == (mine, older)
    assert reading.neighbours(middle, AnonymousUser()) == (newer, older)
    ReadingState.objects.mark_read(ada, older)
    ReadingState.objects.mark_read(ada, mine)
    assert reading.neighbours(middle, ada, reading.UNREAD) == (newer, oldest)
    ReadingState.objects.set_flags(ada, newest, saved=True)
    assert reading.neighbours(middle, ada, reading.SAVED) == (newest, None)
    annotate(oldest, ada, oldest.current_revision.body_text.split()[0])
    assert reading.neighbours(middle, ada, reading.ANNOTATED) == (None, oldest)
    found, _ = reading.neighbours(middle, ada)
    assert (found.title, found.sort_date) == ("Mine", mine.sort_date)
