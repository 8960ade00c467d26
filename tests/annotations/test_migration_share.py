"""The sharing migration gives every existing annotation its own share token."""

from __future__ import annotations

import pytest
from django.utils import timezone

from tests.migrations import back_to_latest, migrate

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("annotations", "0001_initial")]
AFTER = [("annotations", "0002_sharing")]


def test_it_gives_existing_annotations_distinct_tokens():
    with back_to_latest("annotations"):
        apps = migrate(BEFORE)
        User = apps.get_model("auth", "User")
        Story = apps.get_model("articles", "Story")
        Revision = apps.get_model("articles", "StoryRevision")
        Annotation = apps.get_model("annotations", "Annotation")
        user = User.objects.create(username="ada")
        story = Story.objects.create(
            title="Old", url="https://ex.com/old", sort_date=timezone.now()
        )
        revision = Revision.objects.create(
            story=story, number=1, title="Old", body_html="<p>Old words here</p>",
            body_text="Old words here", content_hash="x" * 64, origin="file",
        )  # fmt: skip
        fields = {"exact": "Old", "start": 0, "end": 3, "original_exact": "Old"}
        fields |= {"original_start": 0, "original_end": 3}
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
