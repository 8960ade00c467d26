"""The search page in Chromium: filters applied in place, more results, tabs, errors."""

from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect

from annotations.testing import annotate
from reading.models import ReadingState
from search.views import PAGE_SIZE
from tests.browser.test_keyboard import login
from tests.factories import LOREM, make_story

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BASE = datetime(2026, 9, 1, tzinfo=UTC)


@pytest.fixture
def ada(ada, page, live_server):
    """conftest's ada, signed in in the browser."""
    login(page, live_server, ada)
    return ada


def test_filters_apply_in_place_and_results_load_more(page, ada, screenshot_dir):
    stories = [
        make_story(
            f"Solar farm {i:02d}",
            published=BASE + timedelta(days=i),
            body=[LOREM, "Solar " * (1 + i % 3)],
        ).story
        for i in range(PAGE_SIZE + 4)
    ]
    ReadingState.objects.set_flags(ada, stories[0], saved=True)
    annotate(stories[1], ada, "Engineers", comment="solar thoughts")

    page.goto("/")
    page.locator("#site-search-q").fill("solar")
    page.locator("#site-search-q").press("Enter")
    page.wait_for_url("**/search/?q=solar")
    expect(page.locator("#search-results > .story-item")).to_have_count(PAGE_SIZE)
    expect(page.locator(".search-preview .highlight-item")).to_have_count(1)
    page.get_by_role("link", name="More results").click()
    expect(page.locator("#search-results > .story-item")).to_have_count(PAGE_SIZE + 4)
    titles = page.locator(".story-item-title").all_inner_texts()
    assert len(set(titles)) == PAGE_SIZE + 4

    page.get_by_label("Saved").check()  # htmx: the page is redrawn in place
    expect(page.locator("#search-results > .story-item")).to_have_count(1)
    assert "saved=on" in page.url
    expect(page.locator(".story-item-title")).to_have_text("Solar farm 00")
    page.screenshot(path=str(screenshot_dir / "search-saved.png"), full_page=True)

    page.get_by_role("link", name="Highlights", exact=True).click()
    expect(page.locator(".search-page")).to_contain_text("No highlights match")
    page.get_by_label("Saved").uncheck()
    expect(page.locator("#search-results .highlight-item")).to_have_count(1)
    expect(page.locator("#search-results mark.search-hit")).to_have_text("solar")


def test_a_bad_date_range_is_shown_beside_the_field(page, ada):
    make_story("Wind power", body=[LOREM, "Wind turbines."])
    page.goto("/search/?q=wind")
    page.get_by_label("From", exact=True).fill("2026-09-10")
    page.get_by_label("To", exact=True).fill("2026-09-01")
    error = page.locator(".search-filter", has=page.locator("#id_until")).locator(".errorlist")
    expect(error).to_have_text("The end date is before the start date.")
    expect(page.locator("#id_q")).to_have_value("wind")
    # The form was not redrawn: the focus and both dates are where the reader left them.
    assert page.evaluate("document.activeElement.id") == "id_until"
    expect(page.locator("#id_since")).to_have_value("2026-09-10")
    expect(page.locator("#search-results .story-item")).to_have_count(0)


def test_it_works_without_javascript(browser, live_server):
    make_story("Wind power", body=[LOREM, "Wind turbines."])
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    page.goto("/")
    page.locator("#site-search-q").fill("turbines")
    page.get_by_role("button", name="Search", exact=True).click()
    page.wait_for_url("**/search/?q=turbines")
    expect(page.locator(".story-item-title")).to_have_text("Wind power")
    context.close()
