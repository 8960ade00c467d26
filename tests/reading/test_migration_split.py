"""The library app's split on a database the old layout made: reading state, display
preferences, the listed-stories count, their content types and admin permissions all
reach the reading app unchanged, and going back gives them back (library 0008, reading
0001)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group, Permission, User
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from reading.models import ListedStories, ReadingState, UserPreferences
from tests.migrations import back_to_latest, migrate

pytestmark = pytest.mark.django_db(transaction=True)

OLD = [("library", "0007_readingstate_tags"), ("reading", None)]
T0 = timezone.now() - timedelta(days=3)


def _old_rows(apps) -> dict[str, object]:
    user = apps.get_model("auth", "User").objects.create(username="ada")
    Story = apps.get_model("articles", "Story")
    story = Story.objects.create(title="Kept", url="https://example.com/kept", sort_date=T0)
    other = Story.objects.create(title="Other", url="https://example.com/other", sort_date=T0)
    tag = apps.get_model("annotations", "Tag").objects.create(name="later")
    state = apps.get_model("library", "ReadingState").objects.create(
        user=user, story=story, read_at=T0, saved_at=T0 + timedelta(hours=1), progress=0.4
    )
    state.tags.add(tag)
    apps.get_model("library", "ReadingState").objects.create(user=user, story=other, progress=1)
    apps.get_model("library", "UserPreferences").objects.create(
        user=user, theme="dark", text_size="xlarge"
    )
    ContentType = apps.get_model("contenttypes", "ContentType")
    state_type, _ = ContentType.objects.get_or_create(app_label="library", model="readingstate")
    permission = apps.get_model("auth", "Permission").objects.create(
        content_type=state_type, codename="audit_readingstate", name="Can audit reading"
    )
    group = apps.get_model("auth", "Group").objects.create(name="auditors")
    group.permissions.add(permission)
    return {"user": user.pk, "story": story.pk, "other": other.pk, "type": state_type.pk}


def test_rows_made_by_the_old_layout_belong_to_the_reading_app_after_it():
    with back_to_latest("reading"):
        # Content types made by the test database's set-up stand for an old install's.
        ContentType.objects.filter(app_label="reading").delete()
        old = _old_rows(migrate(OLD))
        listed_before = (
            ListedStories.objects.get(pk=1).total if ListedStories.objects.exists() else 0
        )
        migrate([("library", "0008_models_move_to_reading")])

        states = ReadingState.objects.filter(user_id=old["user"]).order_by("story_id")
        assert [(s.story_id, s.read_at, s.saved_at, s.progress) for s in states] == [
            (old["story"], T0, T0 + timedelta(hours=1), 0.4),
            (old["other"], None, None, 1.0),
        ]
        assert list(states[0].tags.values_list("name", flat=True)) == ["later"]
        preferences = UserPreferences.objects.get(user_id=old["user"])
        assert preferences.html_classes == "theme-dark text-xlarge"
        assert (
            ListedStories.objects.filter(pk=1).values_list("total", flat=True).first() or 0
        ) == listed_before

        # The same content type row, now the reading app's: permissions granted on it
        # still apply.
        state_type = ContentType.objects.get(pk=old["type"])
        assert (state_type.app_label, state_type.model_class()) == ("reading", ReadingState)
        ada = User.objects.get(pk=old["user"])
        ada.groups.add(Group.objects.get(name="auditors"))
        assert ada.has_perm("reading.audit_readingstate")
        assert Permission.objects.get(codename="audit_readingstate").content_type_id == old["type"]

        # And back: the old layout finds its rows where it left them.
        apps = migrate(OLD)
        OldState = apps.get_model("library", "ReadingState")
        assert OldState.objects.filter(user_id=old["user"]).count() == 2
        assert apps.get_model("contenttypes", "ContentType").objects.get(
            pk=old["type"]
        ).app_label == ("library")
