"""The annotation queryset methods the highlights pages are made of (by, matching,
newest_first, listed) and the story lookups beside them (annotated_by, title_of)."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from annotations.models import Annotation, Colour
from annotations.testing import annotate
from articles.models import Story
from tests.factories import make_story

pytestmark = pytest.mark.django_db

BODY = [
    "The ordinance requires every vendor to publish an audit of the model before it is used.",
    "Critics said the audit rule was vague and that café owners would never read the audit.",
]


@pytest.fixture
def ada():
    return User.objects.create_user("ada", password="pw-ada-123456")


@pytest.fixture
def bob():
    return User.objects.create_user("bob", password="pw-bob-123456")


@pytest.fixture
def stories():
    return make_story("First", body=BODY).story, make_story("Second", body=BODY).story


def test_matching_combines_the_filters_and_an_empty_one_is_none(ada, bob, stories):
    first, second = stories
    blue = annotate(first, ada, "audit", colour=Colour.BLUE, tags=["law"])
    yellow = annotate(first, ada, "rule")
    other_story = annotate(second, ada, "audit", colour=Colour.BLUE, tags=["law"])
    annotate(first, bob, "vendor", colour=Colour.BLUE, tags=["law"])
    mine = Annotation.objects.by(ada)
    assert set(mine) == {blue, yellow, other_story}
    assert set(mine.matching(colour=None, tag="", story=None)) == {blue, yellow, other_story}
    assert set(mine.matching(colour=Colour.BLUE)) == {blue, other_story}
    assert set(mine.matching(tag="law", story=first.pk)) == {blue}
    assert set(mine.matching(colour=Colour.YELLOW, tag="law")) == set()


def test_newest_first_pages_from_a_cursor(ada, stories):
    first, _second = stories
    made = [annotate(first, ada, "audit", occurrence=n) for n in range(3)]
    now = timezone.now()
    for minutes, annotation in enumerate(made):
        Annotation.objects.filter(pk=annotation.pk).update(created=now - timedelta(minutes=minutes))
    newest = list(Annotation.objects.by(ada).newest_first())
    assert newest == made
    cursor = (newest[0].created, newest[0].pk)
    assert list(Annotation.objects.by(ada).newest_first(cursor)) == made[1:]


def test_listed_keeps_the_order_it_is_given_and_skips_the_deleted(ada, stories):
    first, _second = stories
    a, b, c = (annotate(first, ada, "audit", occurrence=n, tags=["x"]) for n in range(3))
    gone = c.pk
    c.delete()
    listed = Annotation.objects.listed([b.pk, gone, a.pk])
    assert listed == [b, a]
    assert [tag.name for tag in listed[0].tag_list] == ["x"]


def test_title_of_a_story_only_among_those_annotated(ada, bob, stories):
    first, second = stories
    annotate(first, ada, "audit")
    annotate(second, bob, "audit")
    annotated = Story.objects.visible_to(ada).annotated_by(ada)
    assert annotated.title_of(first.pk) == "First"
    assert annotated.title_of(second.pk) is None
