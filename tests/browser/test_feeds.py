from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.utils import timezone
from playwright.sync_api import expect

from articles.models import FeedEntry, Source
from tests.feedsite import paragraphs, site_fixture  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, username: str = "reader") -> User:
    user = User.objects.create_user(username, password="a-long-test-password")
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill("a-long-test-password")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/")
    return user


def test_it_adds_a_feed_and_shows_its_stories_on_the_front_page(page, site, screenshot_dir):
    site.article("/posts/compiler", "Compiler gets faster", words=200)
    summary = "".join(f"<p>{p}</p>" for p in paragraphs(60, "from the feed"))
    feed_url = site.rss(
        "/feed.xml",
        [
            site.item("/posts/compiler", "Compiler gets faster"),
            site.item("/posts/gone", "Only the summary survives", description=summary),
        ],
        title="Local Tech News",
    )
    sign_in(page)
    page.get_by_role("link", name="Sources").click()
    page.wait_for_url("**/sources/")
    page.get_by_label("Feed or site address").fill(feed_url)
    page.get_by_role("button", name="Add feed").click()
    row = page.locator(".feed-row", has_text="Local Tech News")
    row.wait_for()
    assert page.locator(".notice").inner_text().startswith("Added “Local Tech News”")
    assert row.locator("td.num").inner_text() == "2"
    page.screenshot(path=str(screenshot_dir / "sources.png"), full_page=True)

    page.get_by_role("link", name="Newsreader").click()
    page.wait_for_url("**/")
    titles = page.locator(".story-item-title").all_inner_texts()
    assert "Compiler gets faster" in titles
    assert "Only the summary survives" in titles
    page.get_by_role("link", name="Only the summary survives").click()
    notice = page.locator(".story-notice")
    assert notice.inner_text() == (
        "Shown from the feed's summary; the page could not be fetched: "
        "The server answered 404 Not Found"
    )
    page.screenshot(path=str(screenshot_dir / "story-from-feed-summary.png"), full_page=True)


def test_it_polls_a_feed_row_until_fetching_is_done(page):
    user = sign_in(page)
    source = Source.objects.create(
        name="Slow feed", feed_url="https://slow.example/f", added_by=user
    )
    FeedEntry.objects.create(
        source=source,
        guid_hash="1",
        guid="1",
        entry_hash="h",
        pending=True,
        pending_since=timezone.now(),
    )
    page.goto("/sources/")
    row = page.locator(f"#source-{source.pk}")
    assert "Fetching…" in row.inner_text()
    FeedEntry.objects.update(pending=False)
    expect(row).not_to_contain_text("Fetching", timeout=10_000)
    assert "Pause" in row.inner_text()


def test_it_explains_a_bad_feed_in_place(page, site, screenshot_dir):
    sign_in(page)
    page.goto("/sources/")
    page.get_by_label("Feed or site address").fill(site.url("/not-there.xml"))
    page.get_by_role("button", name="Add feed").click()
    error = page.locator("#feed-form .errorlist")
    error.wait_for()
    assert "The server answered 404 Not Found" in error.inner_text()
    assert page.get_by_label("Feed or site address").input_value() == site.url("/not-there.xml")
    page.screenshot(path=str(screenshot_dir / "sources-error.png"), full_page=True)


def test_it_adds_a_story_by_url_and_by_paste(page, site, screenshot_dir):
    url = site.article("/a", "Added by address", words=150)
    sign_in(page)
    page.get_by_role("link", name="Add", exact=True).click()
    page.wait_for_url("**/add/")
    page.screenshot(path=str(screenshot_dir / "add.png"), full_page=True)
    page.get_by_label("Page address").fill(url)
    page.get_by_role("button", name="Fetch the story").click()
    page.wait_for_url("**/stories/**")
    assert page.locator("h1.story-title").inner_text() == "Added by address"
    assert "Added “Added by address”." in page.locator(".messages").inner_text()

    page.goto("/add/")
    page.get_by_role("textbox", name="Text or HTML").fill("Too short\n\nNot a story.")
    page.get_by_role("button", name="Add the story").click()
    page.locator("#paste-form .errorlist").wait_for()
    assert "does not look like an article" in page.locator("#paste-form .errorlist").inner_text()
    text = "A pasted story\n\n" + "\n\n".join(paragraphs(80, "pasted"))
    page.get_by_role("textbox", name="Text or HTML").fill(text)
    page.get_by_role("button", name="Add the story").click()
    page.wait_for_url("**/stories/**")
    assert page.locator("h1.story-title").inner_text() == "A pasted story"


def test_it_deletes_a_feed_after_confirming(page):
    user = sign_in(page)
    source = Source.objects.create(name="Doomed", feed_url="https://d.example/f", added_by=user)
    page.goto("/sources/")
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator(f"#source-{source.pk}").get_by_role("button", name="Delete").click()
    page.locator(f"#source-{source.pk}").wait_for(state="detached")
    assert not Source.objects.exists()


def test_it_shows_each_feed_state(page, screenshot_dir):
    from datetime import timedelta

    user = sign_in(page)
    now = timezone.now()
    broken = Source.objects.create(
        name="Flaky Gazette",
        feed_url="https://flaky.example/rss",
        site_url="https://flaky.example/",
        error_count=3,
        last_error="The server answered 503 Service Unavailable",
        last_fetch=now - timedelta(minutes=12),
        next_fetch=now + timedelta(minutes=28),
    )
    FeedEntry.objects.create(
        source=broken,
        guid_hash="1",
        guid="1",
        title="A story behind a paywall",
        link="https://flaky.example/paywalled",
        entry_hash="h",
        pending=False,
        error="The page now has 40 words of article text, far fewer than the 900 stored; "
        "the stored story was kept.",
    )
    Source.objects.create(
        name="Quiet Weekly",
        feed_url="https://quiet.example/feed",
        paused=True,
        added_by=user,
        last_fetch=now - timedelta(days=2),
    )
    Source.objects.create(
        name="Healthy Daily",
        feed_url="https://healthy.example/atom.xml",
        last_fetch=now - timedelta(minutes=5),
        last_success=now - timedelta(minutes=5),
        next_fetch=now + timedelta(minutes=55),
        added_by=user,
    )
    page.goto("/sources/")
    row = page.locator(f"#source-{broken.pk}")
    row.get_by_text("1 item with problems").click()
    assert "far fewer than the 900 stored" in row.inner_text()
    assert "Resume" in page.locator(".feed-row", has_text="Quiet Weekly").inner_text()
    page.screenshot(path=str(screenshot_dir / "sources-states.png"), full_page=True)
    page.set_viewport_size({"width": 420, "height": 900})
    page.screenshot(path=str(screenshot_dir / "sources-narrow.png"), full_page=True)
