from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect

from tests.factories import make_story

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


@pytest.mark.parametrize("scripts", [True, False])
def test_on_a_phone_the_header_is_one_row_with_a_menu(browser, live_server, scripts):
    """The links fold into a menu (a <details>) on a phone, with or without JavaScript;
    on a wide screen they are in the bar."""
    from django.contrib.auth.models import User

    User.objects.create_user("ada", password="pw-ada-123456")
    phone = browser.new_context(
        base_url=live_server.url,
        viewport={"width": 390, "height": 800},
        is_mobile=True,
        has_touch=True,
        java_script_enabled=scripts,
    )
    page = phone.new_page()
    page.goto("/accounts/login/")
    page.fill("#id_username", "ada")
    page.fill("#id_password", "pw-ada-123456")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"{live_server.url}/")
    header = page.locator(".site-header").bounding_box()
    assert header is not None and header["height"] < 64  # one row, not three
    my_highlights = page.get_by_role("link", name="My highlights")
    expect(my_highlights).to_be_hidden()
    page.get_by_text("Menu").click()
    expect(my_highlights).to_be_visible()
    for name in ("Add", "Sources", "Display", "API tokens"):
        expect(page.get_by_role("link", name=name, exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    my_highlights.click()
    page.wait_for_url("**/highlights/")
    phone.close()

    wide = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 800})
    page = wide.new_page()
    page.goto("/")
    expect(page.get_by_text("Menu", exact=True)).to_be_hidden()
    expect(page.get_by_role("link", name="Log in")).to_be_visible()
    wide.close()
