"""articles/0008: stored fetch errors stop naming the address a refused host resolved to."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps

from articles.models import FeedEntry, Source, StoryRevision
from tests.factories import make_story

pytestmark = pytest.mark.django_db

migration = importlib.import_module("articles.migrations.0008_forget_resolved_addresses")

OLD = "Refused: wiki.corp resolves to 10.0.0.5, which is not a public address"
NEW = "Refused: wiki.corp is not a public address"


def test_it_rewrites_stored_errors_and_leaves_the_others_alone():
    source = Source.objects.create(name="f", feed_url="https://f.example/feed", last_error=OLD)
    other = Source.objects.create(
        name="g", feed_url="https://g.example/feed", last_error="The server answered 404 Not Found"
    )
    entry = FeedEntry.objects.create(
        source=source, guid_hash="h", guid="g", entry_hash="e", error=OLD
    )
    revision = make_story().revision
    StoryRevision.objects.filter(pk=revision.pk).update(
        page_error=f"Shown from the feed: {OLD.replace('10.0.0.5', '[fd00::7]')}"
    )

    migration.forget_addresses(apps, None)

    source.refresh_from_db()
    entry.refresh_from_db()
    revision.refresh_from_db()
    other.refresh_from_db()
    assert source.last_error == NEW
    assert entry.error == NEW
    assert revision.page_error == f"Shown from the feed: {NEW}"
    assert other.last_error == "The server answered 404 Not Found"
