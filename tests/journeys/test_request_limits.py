"""A reader sends more than the site takes, in Chromium on the production-like server of
tests/journeys/test_journeys.py: the app answers in its own words where they acted, and nothing
they had is lost (issue 12 item 5, issue 13 item 7)."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from articles.models import Source, Story
from tests.journeys.test_journeys import (  # noqa: F401 (fixtures)
    PASTED,
    SHOTS,
    add_by_paste,
    go_to_add,
    local_web,
    people,
    production_server,
    sign_up,
    static_root,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MB = 1024 * 1024


def test_a_reader_sends_too_much_and_keeps_what_they_had(
    people: Any,
    production_server: Any,
) -> None:
    grace = people("grace")
    page = grace.page
    sign_up(grace, "grace")
    kept = add_by_paste(grace, PASTED)
    expect(page.locator("h1.story-title")).to_be_visible()

    # An 8.5 MB paste: the form says what a story may be, and keeps the text.
    go_to_add(grace)
    huge = "Words of a very long story that goes on. " * (int(8.5 * MB) // 41)
    textarea = page.get_by_label("Text or HTML:", exact=True)
    textarea.fill(huge)
    page.get_by_role("button", name="Add the story").click()
    # Sending 8.5 MB takes the browser a while on a busy machine: more than the default 5 s.
    expect(page.locator("#paste-form")).to_contain_text("This is larger than 5 MB.", timeout=30_000)
    assert page.evaluate("document.querySelector('#paste-form textarea').value.length") == len(huge)
    assert page.url.endswith("/add/")
    grace.page.screenshot(path=str(SHOTS / "request-limits-paste-too-large.png"))
    textarea.fill("")

    # A 17 MB file: over what any form takes; the message stands where the form was, with
    # the way back to it.
    page.get_by_label("File:", exact=True).set_input_files(
        {"name": "archive.txt", "mimeType": "text/plain", "buffer": b"word " * (17 * MB // 5)}
    )
    page.get_by_role("button", name="Upload").click()
    alert = page.locator(".request-too-large")
    expect(alert).to_contain_text(
        "This is 17 MB, larger than the 16 MB this form accepts.", timeout=30_000
    )
    expect(alert).to_contain_text("Nothing was stored, and nothing you had is lost.")
    grace.look("upload-too-large")
    alert.get_by_role("link", name="Back to the form").click()
    page.wait_for_url("**/add/")
    expect(page.locator("#upload-form")).to_be_visible()

    # What was stored before is all there.
    assert list(Story.objects.values_list("owner__username", flat=True)) == ["grace"]
    page.goto(kept)
    expect(page.locator("#story-body")).to_contain_text("publish an audit of the model")


def test_a_reader_imports_more_feeds_than_one_file_may_list(
    people: Any,
    production_server: Any,
) -> None:
    lin = people("lin")
    page = lin.page
    sign_up(lin, "lin")
    page.get_by_role("link", name="Sources", exact=True).click()
    page.wait_for_url("**/sources/")
    outlines = "".join(
        f'<outline text="Feed {n}" xmlUrl="https://site{n}.example/feed"/>' for n in range(501)
    )
    body = f'<opml version="2.0"><body>{outlines}</body></opml>'.encode()
    page.get_by_label("OPML file:", exact=True).set_input_files(
        {"name": "feeds.opml", "mimeType": "text/x-opml", "buffer": body}
    )
    page.get_by_role("button", name="Import").click()
    expect(page.locator("#opml-form")).to_contain_text(
        "This file lists 501 feeds; one import takes at most 500. Split it into smaller files."
    )
    lin.look("opml-too-many")
    assert not Source.objects.exists()
