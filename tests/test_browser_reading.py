from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect

from .factories import make_story

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_it_opens_a_story_from_the_front_page(page, screenshot_dir):
    base = datetime(2026, 3, 1, tzinfo=UTC)
    make_story("An older story", published=base)
    make_story(
        "Browsers render highlights",
        published=base + timedelta(days=1),
        dek="A story opened from the front page.",
        byline="Grace Hopper",
        site_name="Compiler Times",
    )
    page.goto("/")
    page.screenshot(path=str(screenshot_dir / "front-page.png"), full_page=True)
    page.get_by_role("link", name="Browsers render highlights").click()
    page.wait_for_url("**/stories/**")
    assert page.locator("h1.story-title").inner_text() == "Browsers render highlights"
    assert "Grace Hopper" in page.locator(".story-meta").inner_text()
    page.screenshot(path=str(screenshot_dir / "reading-view.png"), full_page=True)


def test_it_loads_older_stories_in_place(page, live_server):
    base = datetime(2026, 3, 1, tzinfo=UTC)
    for i in range(30):
        make_story(f"Paged story {i:02d}", published=base + timedelta(hours=i))
    page.goto("/")
    assert page.locator(".story-item").count() == 25
    page.get_by_role("link", name="Older stories").click()
    expect(page.locator(".story-item")).to_have_count(30)
    assert page.url == f"{live_server.url}/"  # loaded in place, no navigation
    assert page.locator(".story-item").last.inner_text().startswith("Paged story 00")
