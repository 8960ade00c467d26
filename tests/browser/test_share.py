"""Share links in Chromium: a fresh anonymous visitor, with and without JavaScript."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.test import Client
from playwright.sync_api import expect

from annotations.models import Reply, Visibility
from annotations.testing import annotate
from tests.factories import make_story

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FILLER = (
    "The committee heard from residents, vendors and researchers over three long evenings, "
    "and the minutes of each session run to dozens of pages that few people will ever read."
)
PASSAGE = "the audit rule was vague, and that café owners — co-op members too — would never read it"
BODY = [*(f"{FILLER} ({n})" for n in range(14)), f"Critics said {PASSAGE}.", FILLER + " (end)"]


def _login(page, live_server, user):
    client = Client()
    client.force_login(user)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}]
    )


@pytest.fixture
def story():
    return make_story("The long ordinance", body=BODY, url="https://news.example/long").story


@pytest.fixture
def shared(story, ada):
    return annotate(
        story, ada, PASSAGE, comment="Vague *how*? It names no auditor.", visibility=Visibility.LINK
    )


def test_a_permalink_opens_on_the_highlight_for_an_anonymous_visitor(
    page, live_server, shared, story, screenshot_dir
):
    page.goto(shared.share_path())
    mark = page.locator(f"#hl-{shared.pk}")
    expect(mark).to_be_in_viewport()
    expect(mark).to_have_class("hl hl-yellow hl-emphasized")
    card = page.locator(f"#annotation-{shared.pk}")
    expect(card.locator(".annotation-comment em")).to_have_text("how")
    expect(card.get_by_role("link", name="Log in")).to_be_visible()
    og = page.locator('meta[property="og:title"]')
    expect(og).to_have_attribute("content", "The long ordinance")
    description = page.locator('meta[property="og:description"]').get_attribute("content")
    assert description.startswith("“the audit rule was vague")
    expect(page.locator('meta[name="twitter:card"]')).to_have_attribute("content", "summary")
    page.screenshot(path=str(screenshot_dir / "share-permalink.png"))


def test_a_permalink_scrolls_to_the_highlight_without_javascript(
    browser, live_server, shared, screenshot_dir
):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(shared.share_path())
        expect(page.locator(f"#hl-{shared.pk}")).to_be_in_viewport()
        page.screenshot(path=str(screenshot_dir / "share-permalink-nojs.png"))
    finally:
        context.close()


def test_a_link_without_its_fragment_still_scrolls_with_javascript(page, shared):
    page.goto(shared.share_path().split("#")[0])
    expect(page.locator(f"#hl-{shared.pk}")).to_be_in_viewport()


def test_a_signed_in_visitor_replies_on_the_shared_page(page, live_server, shared):
    bob = User.objects.create_user("bob", password="pw-bob-123456")
    _login(page, live_server, bob)
    page.goto(shared.share_path())
    card = page.locator(f"#annotation-{shared.pk}")
    card.get_by_label("Reply").fill("Agreed, *very* vague.")
    card.get_by_role("button", name="Reply").click()
    expect(card.locator(".reply")).to_contain_text("Agreed, very vague.")
    assert Reply.objects.get().author == bob


def test_the_author_copies_the_links_from_the_share_menu(
    page, live_server, shared, story, ada, screenshot_dir
):
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    _login(page, live_server, ada)
    page.goto(story.get_absolute_url() + f"#annotation-{shared.pk}")
    card = page.locator(f"#annotation-{shared.pk}")
    card.get_by_role("link", name="Share").click()
    # The menu is fetched into the card, open, with the focus on it.
    expect(card.locator("details.share-menu summary")).to_be_focused()
    permalink = card.get_by_label("Link to this annotation (anyone with the link)")
    expect(permalink).to_have_value(f"{live_server.url}{shared.share_path()}")
    page.screenshot(path=str(screenshot_dir / "share-menu.png"))
    card.get_by_role("button", name="Copy").first.click()
    expect(card.get_by_role("button", name="Copied")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == permalink.input_value()
    original = card.get_by_label("Link to the passage in the original article").input_value()
    # A long passage: its first and last words.
    assert (
        original
        == "https://news.example/long#:~:text=the%20audit%20rule%20was,would%20never%20read%20it"
    )


def test_the_story_version_page_creates_a_link(page, live_server, shared, story, ada):
    _login(page, live_server, ada)
    page.goto(story.get_absolute_url())
    page.get_by_role("link", name="Share or export your annotated version").click()
    page.get_by_role("button", name="Create a link").click()
    field = page.get_by_label("Link to your annotated version")
    expect(field).to_be_visible()
    url = field.input_value()
    context = page.context.browser.new_context()
    try:
        visitor = context.new_page()
        visitor.goto(url)
        expect(visitor.locator(f"#annotation-{shared.pk}")).to_contain_text("Vague how?")
    finally:
        context.close()
