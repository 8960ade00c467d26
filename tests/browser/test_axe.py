"""Accessibility: axe-core (tests/vendor/axe.min.js) on the main pages, light and dark.

axe is evaluated through the DevTools protocol (page.evaluate), which the page's
Content-Security-Policy does not apply to: add_script_tag would inject an inline script,
which the policy rightly blocks. No moderate, serious or critical violation is allowed;
minor ones are printed, for the record.
"""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.test import Client

from annotations.models import Colour, Visibility
from annotations.testing import annotate
from reading.models import ReadingState, UserPreferences
from tests.factories import LOREM, make_story

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = (Path(__file__).parent.parent / "vendor" / "axe.min.js").read_text()
BLOCKING = {"moderate", "serious", "critical"}
RUN_AXE = """async () => {
  const results = await axe.run(document, {resultTypes: ["violations"]});
  return results.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 5).map((n) => n.target.join(" ") + " :: " + n.failureSummary),
  }));
}"""


def login(page, live_server, user):
    client = Client()
    client.force_login(user)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}]
    )


def check(page, name: str, screenshot_dir: Path) -> None:
    page.evaluate(AXE)
    violations = page.evaluate(RUN_AXE)
    page.screenshot(path=str(screenshot_dir / f"axe-{name}.png"), full_page=True)
    for violation in violations:
        print(f"[{name}] {violation['impact']}: {violation['id']} – {violation['help']}")
        print("    " + "\n    ".join(violation["nodes"]))
    blocking = [v for v in violations if v["impact"] in BLOCKING]
    assert not blocking, "\n".join(
        f"{v['impact']} {v['id']}: {v['help']}\n  " + "\n  ".join(v["nodes"]) for v in blocking
    )


@pytest.fixture
def library(page, live_server):
    """A reader with stories in every state, highlights, comments and tags."""
    ada = User.objects.create_user("ada", password="pw-ada-123456")
    bob = User.objects.create_user("bob", password="pw-bob-123456")
    base = datetime(2026, 8, 1, tzinfo=UTC)
    stories = [
        make_story(
            f"Grid batteries, part {i}",
            dek="Storage is the new peak plant.",
            byline="Ada Lovelace",
            site_name="Energy Wire",
            published=base + timedelta(days=i),
            body=[f"Grid batteries smooth the evening peak in town {i}.", LOREM, LOREM],
        ).story
        for i in range(4)
    ]
    ReadingState.objects.set_flags(ada, stories[0], read=True, saved=True)
    ReadingState.objects.record_progress(ada, stories[1], 0.4)
    annotate(stories[3], ada, "Grid batteries", colour=Colour.GREEN, tags=["storage"])
    annotate(stories[3], ada, "evening peak", comment="Compare with **pumped hydro**.")
    annotate(stories[3], bob, "smooth", comment="A public note", visibility=Visibility.PUBLIC)
    login(page, live_server, ada)
    return ada, stories


def test_the_front_page(page, library, screenshot_dir):
    page.goto("/")
    check(page, "front-page", screenshot_dir)
    page.goto("/?show=unread")
    check(page, "front-page-unread", screenshot_dir)


def test_the_reading_view(page, library, screenshot_dir):
    page.goto(library[1][3].get_absolute_url())
    check(page, "reading-view", screenshot_dir)


def test_search(page, library, screenshot_dir):
    page.goto("/search/?q=batteries")
    check(page, "search", screenshot_dir)
    page.goto("/search/?q=peak&kind=highlights")
    check(page, "search-highlights", screenshot_dir)
    page.goto("/search/?q=batteries&since=2026-09-01&until=2026-08-01")
    check(page, "search-error", screenshot_dir)


def test_my_highlights(page, library, screenshot_dir):
    page.goto("/highlights/")
    check(page, "my-highlights", screenshot_dir)


def test_preferences_and_the_shortcuts_dialog(page, library, screenshot_dir):
    page.goto("/preferences/")
    check(page, "preferences", screenshot_dir)
    page.goto("/")
    page.keyboard.press("?")
    page.get_by_role("dialog").wait_for()
    check(page, "shortcuts", screenshot_dir)


@pytest.mark.parametrize("how", ["system", "chosen"])
def test_the_dark_theme(page, library, screenshot_dir, how):
    ada, stories = library
    if how == "system":
        page.emulate_media(color_scheme="dark")
    else:
        UserPreferences.objects.create(user=ada, theme="dark", text_size="large")
    page.goto("/")
    check(page, f"dark-{how}-front-page", screenshot_dir)
    page.goto(stories[3].get_absolute_url())
    check(page, f"dark-{how}-reading-view", screenshot_dir)
    page.goto("/search/?q=batteries&kind=highlights")
    check(page, f"dark-{how}-search", screenshot_dir)
    page.goto("/search/?q=-batteries")
    check(page, f"dark-{how}-search-error", screenshot_dir)


def test_a_visitor_sees_accessible_pages_too(browser, live_server, screenshot_dir):
    make_story("Grid batteries", body=["Grid batteries smooth the evening peak.", LOREM])
    context = browser.new_context(base_url=live_server.url)
    page = context.new_page()
    page.goto("/")
    check(page, "visitor-front-page", screenshot_dir)
    page.goto("/search/?q=grid")
    check(page, "visitor-search", screenshot_dir)
    context.close()
