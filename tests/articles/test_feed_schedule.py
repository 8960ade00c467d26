"""Each feed's own refresh schedule: the interval its adder chose, else the one the feed
asks for (<ttl>, sy:updatePeriod / sy:updateFrequency), else hourly; the error back-off on
top; and the sources page showing and changing it."""

from __future__ import annotations

from datetime import datetime, timedelta
from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from articles.feeds import parse_feed
from articles.models import BACKOFF_BASE, REFRESH_DEFAULT, Source
from articles.tasks import claim_feed, refresh_feed, subscribe
from tests.feedsite import rss, site_fixture  # noqa: F401

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
SY = 'xmlns:sy="http://purl.org/rss/1.0/modules/syndication/"'


def a_feed(site, channel: str = "", path: str = "/feed.xml") -> str:
    site.article("/a", "A story", words=120)
    site.server.route(
        path,
        rss([site.item("/a", "A story")], channel=channel),
        headers={"Content-Type": "application/rss+xml"},
    )
    return site.url(path)


def refresh(source: Source) -> None:
    assert claim_feed(source.pk)
    refresh_feed.call(source.pk)
    source.refresh_from_db()


def assert_about(when: datetime | None, expected: datetime) -> None:
    assert when is not None
    assert abs(when - expected) < timedelta(seconds=30), (when, expected)


def row_of(content: str, source: Source) -> str:
    row = content[content.index(f'id="source-{source.pk}"') :]
    return row[: row.index("</tr>")]


# --- What a feed asks for ---


def _hint(channel: str, version: str = "2.0") -> int | None:
    body = f'<?xml version="1.0"?><rss version="{version}" {SY}><channel><title>T</title>'
    body += f"{channel}<item><title>x</title><link>https://e.example/x</link></item>"
    body += "</channel></rss>"
    return parse_feed(body.encode(), url="https://e.example/feed").update_minutes


@pytest.mark.parametrize(
    ("channel", "minutes"),
    [
        ("", None),
        ("<ttl>90</ttl>", 90),
        ("<ttl> 30 </ttl>", 30),
        ("<ttl>0</ttl>", None),
        ("<ttl>soon</ttl>", None),
        ("<sy:updatePeriod>hourly</sy:updatePeriod>", 60),
        ("<sy:updatePeriod>hourly</sy:updatePeriod><sy:updateFrequency>2</sy:updateFrequency>", 30),
        ("<sy:updatePeriod>daily</sy:updatePeriod><sy:updateFrequency>4</sy:updateFrequency>", 360),
        ("<sy:updatePeriod> Weekly </sy:updatePeriod>", 10080),
        ("<sy:updateFrequency>2</sy:updateFrequency>", 720),  # the module's default: daily
        ("<sy:updatePeriod>often</sy:updatePeriod>", None),
        (
            "<sy:updatePeriod>hourly</sy:updatePeriod><sy:updateFrequency>x</sy:updateFrequency>",
            None,
        ),
        # Both say "not more often than this": the longer wins.
        ("<ttl>120</ttl><sy:updatePeriod>hourly</sy:updatePeriod>", 120),
        ("<ttl>20</ttl><sy:updatePeriod>daily</sy:updatePeriod>", 1440),
    ],
)
def test_it_reads_the_interval_a_feed_asks_for(channel, minutes):
    assert _hint(channel) == minutes


def test_it_reads_the_syndication_module_in_rss_1_and_atom():
    rdf = f"""<?xml version="1.0"?><rdf:RDF {SY}
      xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/">
      <channel rdf:about="https://e.example/"><title>RDF</title><link>https://e.example/</link>
      <sy:updatePeriod>hourly</sy:updatePeriod><sy:updateFrequency>3</sy:updateFrequency>
      </channel><item rdf:about="https://e.example/a"><title>a</title>
      <link>https://e.example/a</link></item></rdf:RDF>"""
    assert parse_feed(rdf.encode(), url="https://e.example/f").update_minutes == 20
    atom = f"""<feed xmlns="http://www.w3.org/2005/Atom" {SY}><title>A</title><id>urn:a</id>
      <sy:updatePeriod>daily</sy:updatePeriod><entry><title>a</title><id>urn:a:1</id>
      <link href="https://e.example/a"/></entry></feed>"""
    assert parse_feed(atom.encode(), url="https://e.example/f").update_minutes == 1440


def test_it_finds_no_interval_in_a_json_feed():
    body = b'{"version": "https://jsonfeed.org/version/1.1", "title": "J", "items": []}'
    assert parse_feed(body, url="https://e.example/f.json").update_minutes is None


# --- The schedule a fetch sets ---


def test_it_follows_the_feeds_ttl(site):
    source = subscribe(a_feed(site, "<ttl>180</ttl>"), None).source
    source.refresh_from_db()
    assert source.feed_refresh_minutes == 180
    assert source.refresh_minutes is None
    assert source.refresh_interval == timedelta(hours=3)
    assert_about(source.next_fetch, source.last_fetch + timedelta(hours=3))


@pytest.mark.parametrize(
    ("channel", "minutes"),
    [
        ("<ttl>1</ttl>", 15),  # a feed may not make us poll every minute
        (
            "<sy:updatePeriod>hourly</sy:updatePeriod><sy:updateFrequency>60</sy:updateFrequency>",
            15,
        ),
        ("<sy:updatePeriod>weekly</sy:updatePeriod>", 1440),  # nor wait a week
        ("<ttl>100000</ttl>", 1440),
    ],
)
def test_it_keeps_the_feeds_interval_between_a_quarter_hour_and_a_day(site, channel, minutes):
    source = subscribe(a_feed(site, channel), None).source
    source.refresh_from_db()
    assert source.feed_refresh_minutes == minutes
    assert_about(source.next_fetch, source.last_fetch + timedelta(minutes=minutes))


def test_it_fetches_hourly_when_the_feed_does_not_say(site):
    source = subscribe(a_feed(site), None).source
    source.refresh_from_db()
    assert source.feed_refresh_minutes is None
    assert REFRESH_DEFAULT == 60
    assert_about(source.next_fetch, source.last_fetch + timedelta(minutes=60))


def test_it_follows_the_feed_when_its_hint_changes_and_keeps_it_over_a_304(site):
    source = subscribe(a_feed(site, "<ttl>30</ttl>"), None).source
    a_feed(site, "<ttl>240</ttl>")
    refresh(source)
    assert source.feed_refresh_minutes == 240
    assert_about(source.next_fetch, source.last_fetch + timedelta(hours=4))
    a_feed(site, "")
    refresh(source)
    assert source.feed_refresh_minutes is None
    assert_about(source.next_fetch, source.last_fetch + timedelta(hours=1))
    # A 304 carries no channel: what the feed said last time still holds.
    a_feed(site, "<ttl>120</ttl>")
    refresh(source)
    site.server.add("/feed.xml", (304, {}, b""))
    refresh(source)
    assert source.feed_refresh_minutes == 120
    assert_about(source.next_fetch, source.last_fetch + timedelta(hours=2))


def test_it_prefers_the_chosen_interval_to_the_feeds(site):
    source = subscribe(a_feed(site, "<ttl>180</ttl>"), None).source
    source.set_refresh_minutes(30)
    refresh(source)
    assert source.refresh_minutes == 30
    assert source.feed_refresh_minutes == 180  # still known, for when the choice goes
    assert_about(source.next_fetch, source.last_fetch + timedelta(minutes=30))


def test_it_backs_off_on_errors_whatever_the_interval(site):
    source = subscribe(a_feed(site), None).source
    source.set_refresh_minutes(1440)
    site.server.route("/feed.xml", b"down", status=503)
    waits = []
    for _ in range(3):
        before = timezone.now()
        refresh(source)
        waits.append(source.next_fetch - before)
    assert [round(w / BACKOFF_BASE) for w in waits] == [1, 2, 4]
    # Choosing another interval while failing keeps the back-off.
    backed_off = source.next_fetch
    source.set_refresh_minutes(15)
    source.refresh_from_db()
    assert source.next_fetch == backed_off
    a_feed(site)
    refresh(source)
    assert source.error_count == 0
    assert_about(source.next_fetch, source.last_fetch + timedelta(minutes=15))


def test_it_refuses_an_interval_out_of_range_in_the_database(site):
    source = Source.objects.create(name="F", feed_url="https://f.example/feed")
    for minutes in (14, 1441):
        source.refresh_minutes = minutes
        with pytest.raises(ValidationError):
            source.full_clean()
        with pytest.raises(IntegrityError), transaction.atomic():
            Source.objects.filter(pk=source.pk).update(refresh_minutes=minutes)


def test_the_scheduler_claims_a_feed_when_its_own_interval_is_up(site, signed_in, user):
    fast = subscribe(a_feed(site, path="/fast.xml"), user).source
    slow = subscribe(a_feed(site, path="/slow.xml"), user).source
    # Both were fetched 20 minutes ago, on the default hourly schedule.
    ago = timedelta(minutes=20)
    Source.objects.update(last_fetch=F("last_fetch") - ago, next_fetch=F("next_fetch") - ago)
    out = StringIO()
    call_command("refresh_feeds", stdout=out)
    assert "Queued 0 feeds" in out.getvalue()
    signed_in.post(reverse("source_schedule", args=[fast.pk]), {"refresh_minutes": "15"})
    fast.refresh_from_db()
    assert_about(fast.next_fetch, timezone.now() - timedelta(minutes=5))
    requests = len(site.server.requests_to("/fast.xml")), len(site.server.requests_to("/slow.xml"))
    out = StringIO()
    call_command("refresh_feeds", stdout=out)
    assert "Queued 1 feed for refresh." in out.getvalue()
    assert len(site.server.requests_to("/fast.xml")) == requests[0] + 1
    assert len(site.server.requests_to("/slow.xml")) == requests[1]
    fast.refresh_from_db()
    assert_about(fast.next_fetch, timezone.now() + timedelta(minutes=15))
    slow.refresh_from_db()
    assert_about(slow.next_fetch, timezone.now() + timedelta(minutes=40))


# --- The sources page ---


def test_it_shows_the_schedule_and_where_it_comes_from(signed_in, site, user):
    mine = subscribe(a_feed(site, "<ttl>180</ttl>", path="/mine.xml"), user).source
    theirs = subscribe(a_feed(site, path="/theirs.xml"), None).source
    content = signed_in.get(reverse("sources")).content.decode()
    row = row_of(content, mine)
    assert "in 2\xa0hours, 59\xa0minutes" in row or "in 3\xa0hours" in row
    assert 'name="refresh_minutes"' in row
    assert "every 3 hours, as the feed asks" in row
    assert '<option value="" selected>automatic</option>' in row
    row = row_of(content, theirs)
    assert "every 1 hour (the default)" in row
    assert 'name="refresh_minutes"' not in row  # only who added it (or staff) changes it


def test_it_changes_the_interval_without_javascript(signed_in, site, user):
    source = subscribe(a_feed(site, "<ttl>180</ttl>"), user).source
    source.refresh_from_db()
    url = reverse("source_schedule", args=[source.pk])
    response = signed_in.post(url, {"refresh_minutes": "360"})
    assert response.status_code == 302
    assert response["Location"] == f"/sources/#source-{source.pk}"
    source.refresh_from_db()
    assert source.refresh_minutes == 360
    assert_about(source.next_fetch, source.last_fetch + timedelta(hours=6))
    content = signed_in.get(response["Location"]).content.decode()
    assert "“Example News” is fetched every 6 hours." in content
    row = row_of(content, source)
    assert "in 5\xa0hours, 59\xa0minutes" in row or "in 6\xa0hours" in row
    assert '<option value="360" selected>6 hours</option>' in row
    assert '<span class="feed-schedule-note">every 6 hours</span>' in row
    # Empty goes back to what the feed asks for.
    signed_in.post(url, {"refresh_minutes": ""})
    source.refresh_from_db()
    assert source.refresh_minutes is None
    assert_about(source.next_fetch, source.last_fetch + timedelta(hours=3))


def test_it_changes_the_interval_with_htmx_and_returns_the_row(signed_in, site, user):
    source = subscribe(a_feed(site), user).source
    response = signed_in.post(
        reverse("source_schedule", args=[source.pk]), {"refresh_minutes": "15"}, **HTMX
    )
    assert response.status_code == 200
    row = response.content.decode().lstrip()
    assert row.startswith(f'<tr id="source-{source.pk}"')
    assert '<option value="15" selected>15 minutes</option>' in row
    assert "in 14\xa0minutes" in row or "in 15\xa0minutes" in row


@pytest.mark.parametrize("value", ["5", "14", "1441", "10080", "-60", "soon"])
def test_it_refuses_an_interval_out_of_range(signed_in, site, user, value):
    source = subscribe(a_feed(site), user).source
    source.refresh_from_db()
    url = reverse("source_schedule", args=[source.pk])
    response = signed_in.post(url, {"refresh_minutes": value})
    assert response.status_code == 400
    assert "“Example News”:" in response.content.decode()
    row = signed_in.post(url, {"refresh_minutes": value}, **HTMX).content.decode()
    assert 'aria-invalid="true"' in row and 'class="feed-error"' in row
    unchanged = Source.objects.get()
    assert unchanged.refresh_minutes is None
    assert unchanged.next_fetch == source.next_fetch


def test_it_shows_an_interval_chosen_elsewhere(signed_in, user):
    source = Source.objects.create(
        name="Odd", feed_url="https://odd.example/f", added_by=user, refresh_minutes=45
    )
    row = row_of(signed_in.get(reverse("sources")).content.decode(), source)
    assert '<option value="45" selected>45 minutes</option>' in row


def test_it_lets_only_the_adder_or_staff_change_the_interval(client, user):
    source = Source.objects.create(name="Theirs", feed_url="https://t.example/f", added_by=user)
    other = User.objects.create_user("other")
    client.force_login(other)
    url = reverse("source_schedule", args=[source.pk])
    assert client.post(url, {"refresh_minutes": "30"}).status_code == 403
    assert Source.objects.get().refresh_minutes is None
    other.is_staff = True
    other.save()
    assert client.post(url, {"refresh_minutes": "30"}).status_code == 302
    assert Source.objects.get().refresh_minutes == 30


def test_it_needs_a_post_from_a_signed_in_user(client, user):
    source = Source.objects.create(name="Mine", feed_url="https://m.example/f", added_by=user)
    url = reverse("source_schedule", args=[source.pk])
    assert client.post(url, {"refresh_minutes": "30"})["Location"].startswith(reverse("login"))
    client.force_login(user)
    assert client.get(url).status_code == 405
    assert Source.objects.get().refresh_minutes is None
