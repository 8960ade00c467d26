"""The bookmarklet on pages whose own defences get in its way (README, "Import and save"):
a CSP sandbox without pop-ups stops the window and the reader is told; a page sent with
Cross-Origin-Opener-Policy: same-origin is cut off from the window, which then saves the
address and selection from its own URL when the reader presses Save."""

from __future__ import annotations

import re
from urllib.parse import unquote

import pytest
from playwright.sync_api import expect

from annotations.models import Annotation
from articles.models import Story
from tests.importsite import PAGES
from tests.importsite import page as article_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSAGE = "Drivers in C remain welcome"


@pytest.fixture
def reader(page, live_server, local_server, settings):
    from tests.browser.test_feeds import sign_in

    settings.FETCH_ALLOWED_HOSTS = [f"127.0.0.1:{local_server.port}"]
    sign_in(page)
    page.goto("/save/")
    href = page.get_by_role("link", name="Save to Newsreader").get_attribute("href")
    return unquote(href.removeprefix("javascript:"))


def serve(server, path, **headers):
    title, paragraphs = PAGES["/rust"]
    server.route(
        path, article_page(title, paragraphs), headers={"Content-Type": "text/html", **headers}
    )
    return server.url(path)


def select(tab, quote):
    tab.evaluate(
        """(quote) => {
          const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
          while (walker.nextNode()) {
            const at = walker.currentNode.data.indexOf(quote);
            if (at < 0) continue;
            const range = document.createRange();
            range.setStart(walker.currentNode, at);
            range.setEnd(walker.currentNode, at + quote.length);
            getSelection().removeAllRanges();
            getSelection().addRange(range);
            return;
          }
        }""",
        quote,
    )


def test_a_sandboxed_page_cannot_open_the_window_and_the_reader_is_told(page, reader, local_server):
    page.goto(
        serve(
            local_server,
            "/sandboxed",
            **{"Content-Security-Policy": "sandbox allow-scripts allow-modals"},
        )
    )
    said: list[str] = []
    page.on("dialog", lambda dialog: (said.append(dialog.message), dialog.accept()))
    page.evaluate(reader)
    page.wait_for_timeout(500)
    assert said == ["Newsreader: this page does not allow pop-up windows."]
    # Chromium reports the blocked window on the console: that is the point here.
    blocked = [e for e in page.console_errors if "'allow-popups' permission" in e]
    assert len(blocked) == 1
    page.console_errors.remove(blocked[0])
    assert Story.objects.count() == 0


def test_a_page_that_cuts_off_its_windows_is_saved_by_address_when_the_reader_presses_save(
    page, reader, local_server
):
    address = serve(local_server, "/isolated", **{"Cross-Origin-Opener-Policy": "same-origin"})
    page.goto(address)
    select(page, PASSAGE)
    with page.context.expect_page() as opened:
        page.evaluate(reader)
    window = opened.value
    window.wait_for_load_state()
    expect(window.get_by_label("Address:")).to_have_value(address)
    expect(window.get_by_label("Passage to highlight (optional):")).to_have_value(PASSAGE)
    assert Story.objects.count() == 0  # nothing was posted into it
    window.get_by_role("button", name="Save").click()
    window.wait_for_url(re.compile(r".*/stories/\d+/.*#hl-\d+$"))
    story = Story.objects.get(url=address)
    assert story.owner is None
    assert [a.exact for a in Annotation.objects.filter(story=story)] == [PASSAGE]


def test_the_page_is_sent_without_its_scripts_and_styles(page, reader, local_server):
    title, paragraphs = PAGES["/rust"]
    html = article_page(title, paragraphs).replace(
        b"</head>", b"<style>p { color: red }</style><script>window.marker = 1</script></head>"
    )
    address = serve_bytes(local_server, "/with-scripts", html)
    sent: list[str] = []
    page.context.on(
        "request",
        lambda request: request.method == "POST" and sent.append(request.post_data or ""),
    )
    page.goto(address)
    with page.context.expect_page() as opened:
        page.evaluate(reader)
    opened.value.wait_for_url(re.compile(r".*/stories/\d+/.*"))
    [form] = [body for body in sent if "key=" in body]
    dom = unquote(form.replace("+", " "))
    assert "remain welcome" in dom
    assert "<script" not in dom and "<style" not in dom
    assert page.evaluate("window.marker") == 1  # the page itself is untouched


def serve_bytes(server, path, body):
    server.route(path, body, headers={"Content-Type": "text/html"})
    return server.url(path)
