from datetime import UTC, datetime, timedelta

from django.utils import timezone

from annotations.templatetags.annotation_tags import ago


def test_it_says_how_long_ago():
    now = timezone.now()
    assert ago(now) == "just now"
    assert ago(now - timedelta(seconds=59)) == "just now"
    assert ago(now - timedelta(minutes=5, seconds=3)) == "5\xa0minutes ago"
    assert ago(now - timedelta(days=2, hours=3)) == "2\xa0days ago"
    assert ago(None) == ""


def test_it_gives_the_date_after_a_week():
    assert ago(datetime(2024, 3, 9, 12, tzinfo=UTC)) == "9 Mar 2024"
