"""The schedule migration: feeds that had the old fixed 60 minutes follow their feed; an
interval changed in the admin is kept, within the new bounds."""

from __future__ import annotations

import pytest

from tests.migrations import back_to_latest, migrate

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("articles", "0002_feeds")]
AFTER = [("articles", "0003_feed_schedule")]


def test_it_turns_the_old_fixed_interval_into_the_feeds_own():
    with back_to_latest("articles"):
        apps = migrate(BEFORE)
        Source = apps.get_model("articles", "Source")
        for name, minutes in [("default", 60), ("chosen", 240), ("tiny", 5), ("huge", 9000)]:
            Source.objects.create(
                name=name, feed_url=f"https://{name}.example/f", refresh_minutes=minutes
            )
        apps = migrate(AFTER)
        Source = apps.get_model("articles", "Source")
        assert dict(Source.objects.values_list("name", "refresh_minutes")) == {
            "default": None,
            "chosen": 240,
            "tiny": 15,
            "huge": 1440,
        }
        apps = migrate(BEFORE)
        Source = apps.get_model("articles", "Source")
        assert Source.objects.get(name="default").refresh_minutes == 60
