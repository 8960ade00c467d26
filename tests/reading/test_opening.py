"""reading.opening: the story, its revision and source, and the reader's state in one
statement; the same instances and the same reading rules as the ORM lookups it replaced."""

import pytest
from django.contrib.auth.models import AnonymousUser, User
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext

from annotations.models import Tag
from articles.models import Source, Story, get_visible_story_or_404
from reading.models import ReadingState
from reading.opening import open_story
from tests.factories import make_story

pytestmark = pytest.mark.django_db


@pytest.fixture
def ada():
    return User.objects.create_user("ada", password="pw-ada-123456")


def _same(found: Story, expected: Story) -> None:
    for model_field in Story._meta.concrete_fields:
        name = model_field.attname
        assert getattr(found, name) == getattr(expected, name), name
    assert found.current_revision is not None and expected.current_revision is not None
    for model_field in found.current_revision._meta.concrete_fields:
        name = model_field.attname
        assert getattr(found.current_revision, name) == getattr(expected.current_revision, name)


def test_it_finds_what_the_orm_finds(ada):
    story = make_story("Opened", dek="A dek.", byline="B. Writer", site_name="Site").story
    story.source = Source.objects.create(name="The Source")
    story.save()
    opened = open_story(ada, story.pk)
    _same(opened.story, get_visible_story_or_404(ada, story.pk))
    assert opened.story.source is not None and opened.story.source.name == "The Source"
    assert opened.story.display_source == "Site"
    assert opened.story.published == story.published
    assert opened.story.sort_date.tzinfo is not None


def test_a_story_without_a_source(ada):
    story = make_story("No source").story
    assert open_story(ada, story.pk).story.source is None


def test_another_readers_copy_and_a_story_without_text_are_not_found(ada):
    bob = User.objects.create_user("bob", password="pw-bob-123456")
    copy = make_story("Bob's copy", owner=bob).story
    assert open_story(bob, copy.pk).story == copy
    with pytest.raises(Http404):
        open_story(ada, copy.pk)
    with pytest.raises(Http404):
        open_story(AnonymousUser(), copy.pk)
    Story.objects.filter(pk=copy.pk).update(current_revision=None)
    with pytest.raises(Http404):
        open_story(bob, copy.pk)


def test_a_visitor_gets_no_state():
    story = make_story("Public").story
    opened = open_story(AnonymousUser(), story.pk)
    assert (opened.state, opened.tags) == (None, [])
    assert not ReadingState.objects.exists()


def test_opening_reads_it_once_and_again_after_marked_unread(ada):
    story = make_story("To read").story
    first = open_story(ada, story.pk).state
    assert first is not None and first.is_read
    again = open_story(ada, story.pk).state
    assert again is not None and again.read_at == first.read_at
    ReadingState.objects.set_flags(ada, story, read=False)
    reread = open_story(ada, story.pk).state
    assert reread is not None and reread.is_read
    assert ReadingState.objects.get().is_read
    assert ReadingState.objects.count() == 1


def test_the_readers_tags_by_name_asked_for_only_when_there_are_some(ada):
    story = make_story("Tagged").story
    open_story(ada, story.pk)
    with CaptureQueriesContext(connection) as untagged:
        assert open_story(ada, story.pk).tags == []
    assert len(untagged) == 1
    state = ReadingState.objects.get()
    state.tags.add(Tag.objects.create(name="zeta"), Tag.objects.create(name="alpha"))
    with CaptureQueriesContext(connection) as tagged:
        assert open_story(ada, story.pk).tags == ["alpha", "zeta"]
    assert len(tagged) == 2
    content = _page(ada, story)
    assert "Your tags: " in content and content.index("alpha") < content.index("zeta")


def _page(user, story):
    from django.test import Client

    client = Client()
    client.force_login(user)
    response = client.get(story.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()
