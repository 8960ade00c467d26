"""Journeys for bringing reading in (see tests/journeys/test_journeys.py for how journeys run):
importing an export file through Sources → Import, and saving a page from another site
with the bookmarklet, the passage selected with the mouse highlighted, also on a page
with a strict Content-Security-Policy of its own and on a page behind a login.

The bookmarklet is run the way a click on a bookmark runs it: as a script of the
reader's, outside the page's own scripts (Playwright's evaluate, which a page's CSP does
not govern, as it does not govern a bookmark in Chromium). The page it runs in is served
from a second origin (127.0.0.1, the server being localhost)."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote_plus, unquote

import pytest
from playwright.sync_api import Page, expect

from annotations.models import Annotation
from articles.models import Story
from tests.importsite import PAGES, fixture, page, serve
from tests.journeys.test_journeys import (  # noqa: F401  (fixtures)
    PASSWORD,
    browser_with_history,
    local_web,
    people,
    production_server,
    sign_up,
    static_root,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSAGE = "Memory safety bugs account for most of the security fixes"
STRICT_CSP = "default-src 'none'; script-src 'none'; style-src 'none'; img-src 'none'"
TEASER = "Subscribe to read the rest of this story. Already a subscriber? Log in."

# The on-screen box of a passage anywhere in a page's text.
FIND = """(quote) => {
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode, at = node.data.indexOf(quote);
    if (at < 0) continue;
    const range = document.createRange();
    range.setStart(node, at);
    range.setEnd(node, at + quote.length);
    const rects = [...range.getClientRects()].filter((r) => r.width > 0);
    return {first: rects[0].toJSON(), last: rects[rects.length - 1].toJSON()};
  }
  return null;
}"""


def select_with_the_mouse(tab: Page, quote: str) -> None:
    boxes = tab.evaluate(FIND, quote)
    assert boxes, f"{quote!r} is not on the page"
    first, last = boxes["first"], boxes["last"]
    tab.mouse.move(first["left"] + 1, first["top"] + first["height"] / 2)
    tab.mouse.down()
    tab.mouse.move(last["right"] - 1, last["top"] + last["height"] / 2, steps=6)
    tab.mouse.up()
    assert tab.evaluate("String(getSelection())").strip() == quote


def bookmarklet_of(person: Any) -> str:
    tab = person.page
    if person.width < 500:
        tab.get_by_text("Menu", exact=True).click()
    tab.get_by_role("link", name="Add", exact=True).click()
    tab.get_by_role("link", name="Save from anywhere").click()
    tab.wait_for_url("**/save/")
    person.look("save-from-anywhere")
    href = tab.get_by_role("link", name="Save to Newsreader").get_attribute("href")
    assert href and href.startswith("javascript:")
    return unquote(href.removeprefix("javascript:"))


def click_bookmarklet(person: Any, code: str) -> Page:
    with person.context.expect_page() as opened:
        person.page.evaluate(code)
    window = opened.value
    window.on("console", lambda msg: msg.type == "error" and person.errors.append(msg.text))
    window.on("pageerror", lambda exc: person.errors.append(str(exc)))
    window.wait_for_url(re.compile(r".*/stories/\d+/.*"), timeout=20_000)
    return window


def serve_story(web: Any, path: str, **headers: str) -> str:
    title, paragraphs = PAGES["/rust"]
    web.route(path, page(title, paragraphs), headers={"Content-Type": "text/html", **headers})
    return web.url(path)


def test_a_reader_saves_pages_from_other_sites_with_the_bookmarklet(
    people: Any,
    production_server: Any,
    local_web: Any,
) -> None:
    reader = people("maya")
    sign_up(reader, "maya")
    code = bookmarklet_of(reader)

    # A story on another site, the passage selected with the mouse.
    address = serve_story(local_web, "/news/rust")
    reader.page.goto(address)
    select_with_the_mouse(reader.page, PASSAGE)
    window = click_bookmarklet(reader, code)
    story = Story.objects.get(url=address)
    assert story.owner is None  # the server fetched it: everyone's story
    [mark] = Annotation.objects.filter(story=story)
    assert mark.exact == PASSAGE and mark.author.username == "maya"
    assert window.url.endswith(f"#hl-{mark.pk}")
    expect(window.locator(f"#hl-{mark.pk}")).to_have_text(PASSAGE)
    expect(window.get_by_text("Saved “Rust in the kernel”.")).to_be_visible()

    # A page whose own CSP forbids every script, style and image: the bookmarklet still
    # opens the window and posts into it.
    strict = serve_story(local_web, "/news/strict", **{"Content-Security-Policy": STRICT_CSP})
    reader.page.goto(strict)
    select_with_the_mouse(reader.page, "Drivers in C remain welcome")
    window = click_bookmarklet(reader, code)
    strict_story = Story.objects.get(url=strict)
    assert [a.exact for a in strict_story.annotations.all()] == ["Drivers in C remain welcome"]

    # Behind a login: the site gives the server a teaser, the reader the story. What they
    # see is saved, as their own copy.
    title, paragraphs = PAGES["/rust"]
    full, teaser = page(title, paragraphs), page(title, [TEASER])
    local_web.add(
        "/members/rust",
        lambda request: (
            200,
            {"Content-Type": "text/html"},
            full if "member=1" in request.headers.get("cookie", "") else teaser,
        ),
    )
    members = local_web.url("/members/rust")
    reader.context.add_cookies([{"name": "member", "value": "1", "url": members}])
    reader.page.goto(members)
    select_with_the_mouse(reader.page, PASSAGE)
    window = click_bookmarklet(reader, code)
    copy = Story.objects.get(url=members, owner__username="maya")
    assert "Drivers in C remain welcome" in copy.current_revision.body_text
    expect(window.get_by_text("as your own copy")).to_be_visible()
    expect(window.locator("mark.hl")).to_have_text(PASSAGE)
    assert not Story.objects.filter(
        url=members, owner=None, revisions__body_text__contains="Drivers"
    ).exists()
    window.screenshot(path=str(reader_shot(reader, "saved-window")), full_page=True)


def reader_shot(person: Any, what: str) -> Any:
    from tests.journeys.test_journeys import SHOTS

    SHOTS.mkdir(parents=True, exist_ok=True)
    return SHOTS / f"{person.name}-{what}.png"


def test_a_reader_imports_an_instapaper_export_and_finds_stories_and_highlights(
    people: Any,
    production_server: Any,
    local_web: Any,
    tmp_path: Any,
) -> None:
    serve(local_web)
    export = tmp_path / "instapaper-export.csv"
    export.write_bytes(fixture("instapaper.csv", local_web))
    reader = people("noor")
    sign_up(reader, "noor")
    tab = reader.page
    tab.get_by_role("link", name="Sources", exact=True).click()
    tab.get_by_role("link", name="Import your reading").click()
    tab.wait_for_url("**/import/")
    reader.look("import")
    tab.get_by_label("Export file").set_input_files(str(export))
    tab.get_by_role("button", name="Import").click()
    tab.wait_for_url(re.compile(r".*/import/\d+/$"))
    expect(tab.locator("#progress-title")).to_have_text("Done")
    expect(tab.locator('[data-count="stories"]')).to_have_text("3")
    expect(tab.locator('[data-count="highlights"]')).to_have_text("1")
    reader.look("import-done")

    tab.get_by_role("link", name="My highlights").first.click()
    quote = "A rewritten storage layer keeps writes ordered even when the disk fills up."
    tab.get_by_role("link", name=quote).click()
    expect(tab.locator("mark.hl").first).to_have_text(quote)
    tab.goto("/?show=saved")
    expect(tab.get_by_role("link", name="Rust in the kernel")).to_be_visible()
    expect(tab.get_by_role("link", name="Support policy")).to_be_visible()
    reader.look("saved-after-import")


def test_a_reader_on_a_phone_shares_a_story_and_a_quote_to_the_installed_app(
    people: Any,
    production_server: Any,
    local_web: Any,
) -> None:
    address = serve_story(local_web, "/news/shared")
    reader = people("ines", width=390)
    tab = reader.page
    tab.goto("/")
    tab.get_by_text("Menu", exact=True).click()
    tab.get_by_role("link", name="Sign up").click()
    tab.get_by_label("Username:", exact=True).fill("ines")
    tab.get_by_label("Password:", exact=True).fill(PASSWORD)
    tab.get_by_label("Password confirmation:", exact=True).fill(PASSWORD)
    tab.get_by_role("button", name="Create account").click()
    tab.wait_for_url(f"{production_server.url}/")
    manifest_url = tab.locator('link[rel="manifest"]').get_attribute("href")
    manifest = tab.evaluate("(url) => fetch(url).then((r) => r.json())", manifest_url)
    target = manifest["share_target"]
    assert manifest["display"] == "standalone" and target["method"] == "GET"
    # What the share sheet opens: the action with what was shared (Chrome on Android puts
    # selected text in `text`, with a link to it).
    shared = f"“{PASSAGE}”\n{address}#:~:text=Memory%20safety"
    tab.goto(f"{target['action']}?title=Rust&text={quote_plus(shared)}")
    reader.look("shared")
    expect(tab.get_by_label("Address:")).to_have_value(address)
    tab.get_by_role("button", name="Save").click()
    tab.wait_for_url(re.compile(r".*/stories/\d+/.*#hl-\d+$"))
    expect(tab.locator("mark.hl")).to_have_text(PASSAGE)
    story = Story.objects.get(url=address)
    assert [a.exact for a in story.annotations.all()] == [PASSAGE]
    reader.look("shared-story")
