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


def test_it_says_what_timesince_says_for_every_age_under_a_week():
    from django.utils.timesince import timesince

    now = timezone.now()
    ages = [61, 119, 120, 3599, 3600, 3661, 7199, 86399, 86400, 90000, 6 * 86400 + 86399]
    ages += list(range(60, 7 * 86400, 4999))
    for seconds in ages:
        value = now - timedelta(seconds=seconds, microseconds=500)
        assert ago(value) == f"{timesince(value, now, depth=1)} ago", seconds
