"""The sharing migration gives every existing annotation its own share token."""

from __future__ import annotations

import pytest

from tests.migrations import back_to_latest, migrate, old_story

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("annotations", "0001_initial")]
AFTER = [("annotations", "0002_sharing")]


def test_it_gives_existing_annotations_distinct_tokens():
    with back_to_latest("annotations"):
        apps = migrate(BEFORE)
        Annotation = apps.get_model("annotations", "Annotation")
        user, story, revision, fields = old_story(apps)
        for _ in range(3):
            Annotation.objects.create(
                story=story, author=user, revision=revision, original_revision=revision, **fields
            )
        apps = migrate(AFTER)
        tokens = list(apps.get_model("annotations", "Annotation").objects.values_list(
            "share_token", flat=True
        ))  # fmt: skip
        assert len(tokens) == 3 and len(set(tokens)) == 3
        assert all(token and len(token) >= 29 for token in tokens)
