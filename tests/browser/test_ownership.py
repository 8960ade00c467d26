"""Two readers in Chromium: what one pastes under a shared story's address is their own
copy, and the other keeps reading, and highlighting, the shared story (issue 13)."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from annotations.models import Annotation
from articles.models import Story

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SAMPLE_URL = (
    "https://www.civiccircuit.example/policy/2026/09/30/port-ellery-algorithmic-systems-ordinance"
)
PASTED = "\n\n".join(
    [
        "Port Ellery scraps its ordinance",
        "The council quietly dropped the rules on Tuesday, according to this pasted text.",
        *(f"Paragraph {n} of a text only its reader should see, with zeppelin details." for n in range(8)),
    ]
)  # fmt: skip

# Client rects of the passage `quote` inside the story body (as in the annotation tests).
RECTS = """(quote) => {
  const root = document.getElementById("story-body");
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  const nodes = [];
  let text = "";
  while (walker.nextNode()) { nodes.push([walker.currentNode, text.length]); text += walker.currentNode.data; }
  const from = text.indexOf(quote), to = from + quote.length;
  const locate = (offset, isEnd) => {
    for (const [node, begin] of nodes) {
      const end = begin + node.data.length;
      if (offset < end || (isEnd && offset === end)) return [node, offset - begin];
    }
  };
  const range = document.createRange();
  range.setStart(...locate(from, false));
  range.setEnd(...locate(to, true));
  range.startContainer.parentElement.scrollIntoView({block: "center"});
  const rects = [...range.getClientRects()].filter((r) => r.width > 0);
  return {first: rects[0].toJSON(), last: rects[rects.length - 1].toJSON()};
}"""


def _select(page, quote: str) -> None:
    # Where the words are once the page has settled (fonts, the notice above the story):
    # under load a rect measured a moment too early put the drag a few letters off.
    page.evaluate("document.fonts.ready")
    rects = page.evaluate(RECTS, quote)
    for _ in range(20):
        page.wait_for_timeout(100)
        again = page.evaluate(RECTS, quote)
        if again == rects:
            break
        rects = again
    first, last = rects["first"], rects["last"]
    page.mouse.move(first["left"] + 1, first["top"] + first["height"] / 2)
    page.mouse.down()
    page.mouse.move(last["right"] - 1, last["top"] + last["height"] / 2, steps=5)
    page.mouse.up()
    page.locator("#annotate-toolbar").wait_for(state="visible")


def _sign_up(page, name: str) -> None:
    page.goto("/accounts/signup/")
    page.get_by_label("Username").fill(name)
    page.locator("input[name=password1]").fill("correct-horse-battery-staple")
    page.locator("input[name=password2]").fill("correct-horse-battery-staple")
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def _a_phrase(text: str) -> str:
    words = text.split()
    for start in range(len(words) - 5):
        phrase = " ".join(words[start : start + 5])
        if text.count(phrase) == 1 and phrase.isascii() and phrase[-1].isalpha():
            return phrase
    raise AssertionError("no phrase to select")


def test_a_readers_paste_never_changes_what_another_reader_sees(browser, live_server):
    call_command("load_samples", verbosity=0)
    shared = Story.objects.get(url=SAMPLE_URL)
    shared_text = shared.current_revision.body_text
    ada = browser.new_context(base_url=live_server.url).new_page()
    bob = browser.new_context(base_url=live_server.url).new_page()

    # Ada highlights a passage of the shared story.
    _sign_up(ada, "ada")
    ada.goto(shared.get_absolute_url())
    ada_quote = _a_phrase(shared_text)
    _select(ada, ada_quote)
    ada.get_by_role("button", name="Highlight green: Insight").click()
    ada.locator("#story-body mark.hl-green").wait_for()

    # Bob pastes his own text under the story's address, tracking parameters and all.
    _sign_up(bob, "bob")
    bob.get_by_role("link", name="Add").click()
    bob.get_by_role("textbox", name="Text or HTML").fill(PASTED)
    bob.locator("#paste-form").get_by_label("Original address").fill(
        SAMPLE_URL + "?utm_source=newsletter"
    )
    bob.get_by_role("button", name="Add the story").click()
    expect(bob.locator(".story-title")).to_have_text("Port Ellery scraps its ordinance")
    expect(bob.get_by_role("note").filter(has_text="Your own copy")).to_be_visible()
    copy = Story.objects.get(owner__username="bob")
    assert copy.url == SAMPLE_URL

    # His highlights on it can be shared by link, never made public.
    _select(bob, "zeppelin details")
    bob.keyboard.press("c")
    visibility = bob.locator("#annotate-visibility")
    visibility.wait_for(state="visible")
    assert visibility.locator("option").all_inner_texts() == ["Only me", "Anyone with the link"]
    visibility.select_option("link")
    bob.locator("#annotate-comment-text").fill("Only my copy says this.")
    bob.locator(".annotate-comment").get_by_role("button", name="Save").click()
    bob.locator("#story-body mark.hl-yellow").wait_for()
    note = Annotation.objects.get(author__username="bob")
    assert note.story == copy and note.visibility == "link"

    # Ada reads what she read, her highlight where it was; Bob's copy is nowhere for her.
    ada.goto(shared.get_absolute_url())
    expect(ada.locator("#story-body")).not_to_contain_text("zeppelin")
    expect(ada.locator("#story-body mark.hl-green")).to_have_text(ada_quote)
    shared.refresh_from_db()
    assert shared.revisions.count() == 1 and shared.current_revision.body_text == shared_text
    ada.goto("/")
    expect(ada.locator("#story-list")).not_to_contain_text("scraps its ordinance")
    assert ada.goto(copy.get_absolute_url()).status == 404
    ada.goto("/search/?q=zeppelin")
    expect(ada.locator("main")).not_to_contain_text("scraps its ordinance")

    # Through the link Bob sends, she sees his copy, and only there.
    ada.goto(note.share_path())
    expect(ada.locator(".shared-banner")).to_contain_text("bob’s own copy")
    expect(ada.locator("#story-body mark.hl-emphasized")).to_have_text("zeppelin details")
    for page in (ada, bob):
        page.context.close()
