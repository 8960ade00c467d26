"""manage.py generate_data: the benchmarks' data, written the way the app writes it."""

import io

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.management import call_command

from annotations.models import Annotation
from articles.models import Story
from bench.generate import EMPTY_TITLE, HEAVY_TITLE, URL_PREFIX
from newsreader.sanitizer import html_to_text
from reading import listing as reading
from search import engine as search
from search.query import parse

pytestmark = pytest.mark.django_db


def _generate(**options):
    options = {"stories": 30, "annotations": 90, "heavy": 12, "users": 3, "batch": 8} | options
    call_command("generate_data", stdout=io.StringIO(), **options)


def test_it_writes_stories_revisions_and_annotations():
    _generate()
    stories = Story.objects.filter(url__startswith=URL_PREFIX).select_related("current_revision")
    assert stories.count() == 30
    for story in stories:
        revision = story.current_revision
        assert revision is not None
        assert revision.number == story.revisions.count()  # the last one is current
        assert html_to_text(revision.body_html) == revision.body_text  # the text contract
    assert Annotation.objects.count() == 90
    assert Annotation.objects.filter(story__title=HEAVY_TITLE).count() >= 12
    assert not Annotation.objects.filter(story__title=EMPTY_TITLE).exists()
    for annotation in Annotation.objects.select_related("revision"):
        text = annotation.revision.body_text
        assert text[annotation.start : annotation.end] == annotation.exact
    assert reading.counts(AnonymousUser())["all"] == 30


def test_what_it_writes_is_searchable():
    _generate()
    story = Story.objects.get(title=HEAVY_TITLE)
    found = search.rank(search.STORIES, parse("heavily annotated"), None)
    assert [hit.pk for hit in found] == [story.pk]
    # The body too: its longest word (no stop word in either database).
    word = max(story.current_revision.body_text.replace(".", "").split(), key=len)
    found = search.rank(search.STORIES, parse(word), None, limit=100)
    assert story.pk in {hit.pk for hit in found}
    note = Annotation.objects.exclude(comment="").first()
    hits = search.rank(search.ANNOTATIONS, parse(note.comment), Annotation.objects.all())
    assert note.pk in {hit.pk for hit in hits}


def test_more_annotations_go_to_the_stories_there_are():
    _generate()
    _generate(stories=0, annotations=20, heavy=0)
    assert Story.objects.count() == 30
    assert Annotation.objects.count() == 110
    # Still none on the story kept without them.
    assert not Annotation.objects.filter(story__title=EMPTY_TITLE).exists()
