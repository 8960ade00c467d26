"""Keyboard use in Chromium: the shortcuts (static/js/shortcuts.js), reading progress
(static/js/progress.js) and making a highlight without a mouse."""

from datetime import UTC, datetime, timedelta

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.test import Client
from playwright.sync_api import expect

from annotations.models import Annotation, Colour
from reading.models import ReadingState
from tests.factories import LOREM, make_story

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BASE = datetime(2026, 7, 1, tzinfo=UTC)


def login(page, live_server, user):
    client = Client()
    client.force_login(user)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}]
    )


@pytest.fixture
def ada(ada, page, live_server):
    """conftest's ada, signed in in the browser."""
    login(page, live_server, ada)
    return ada


@pytest.fixture
def stories():
    return [
        make_story(
            title, published=BASE + timedelta(days=days), body=[f"{title} opens here.", LOREM]
        ).story
        for days, title in enumerate(["Third story", "Second story", "First story"])
    ]  # the front page shows them First, Second, Third


def focused_text(page) -> str:
    return page.evaluate("document.activeElement?.textContent?.trim() || ''")


def test_j_and_k_move_through_the_stories_and_o_opens_one(page, ada, stories, screenshot_dir):
    page.goto("/")
    page.keyboard.press("j")
    assert focused_text(page) == "First story"
    page.keyboard.press("j")
    page.keyboard.press("j")
    assert focused_text(page) == "Third story"
    page.keyboard.press("k")
    assert focused_text(page) == "Second story"
    # The focus ring shows where the selection is.
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"
    assert page.locator(".story-item.is-selected").count() == 1
    page.screenshot(path=str(screenshot_dir / "keyboard-front-page.png"))
    page.keyboard.press("o")
    page.wait_for_url(f"**{stories[1].get_absolute_url()}")
    assert page.locator("h1.story-title").inner_text() == "Second story"


def test_enter_opens_the_selected_story(page, ada, stories):
    page.goto("/")
    page.keyboard.press("j")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**{stories[2].get_absolute_url()}")


def test_j_and_k_in_the_reading_view_go_to_the_older_and_newer_story(page, ada, stories):
    page.goto(stories[1].get_absolute_url())
    page.keyboard.press("j")
    page.wait_for_url(f"**{stories[0].get_absolute_url()}")
    page.keyboard.press("k")
    page.wait_for_url(f"**{stories[1].get_absolute_url()}")
    page.keyboard.press("k")
    page.wait_for_url(f"**{stories[2].get_absolute_url()}")
    page.keyboard.press("k")  # the newest story: nowhere to go
    page.wait_for_timeout(200)
    assert page.url.endswith(stories[2].get_absolute_url())


def test_s_and_m_send_through_htmx_before_it_has_wired_the_form(page, ada, stories):
    # htmx wires swapped-in content only after its settle delay (and the page's forms a tick
    # after the page loads, later still on a slow machine): a long delay holds that window
    # open. A key pressed in it must not send the whole page away and lose the selection.
    page.goto("/")
    page.evaluate("htmx.config.defaultSettleDelay = 3000; window.samePage = true")
    page.keyboard.press("j")
    first = stories[2]
    page.keyboard.press("s")
    expect(page.locator(f"#save-{first.pk}")).to_have_text("Unsave “First story”")
    page.keyboard.press("m")
    expect(page.locator(f"#read-{first.pk}")).to_have_text("Mark unread “First story”")
    assert page.evaluate("window.samePage === true")
    assert focused_text(page) == "First story"
    state = ReadingState.objects.get(user=ada, story=first)
    assert state.is_saved and state.is_read


def test_s_saves_and_m_marks_read_in_the_list(page, ada, stories):
    page.goto("/")
    page.keyboard.press("j")
    first = stories[2]
    saved_tab = page.locator(".library-tabs a", has_text="Saved").locator(".tab-count")
    unread_tab = page.locator(".library-tabs a", has_text="Unread").locator(".tab-count")
    expect(saved_tab).to_have_text("0")
    expect(unread_tab).to_have_text("3")
    page.keyboard.press("s")
    expect(page.locator(f"#save-{first.pk}")).to_have_text("Unsave “First story”")
    assert ReadingState.objects.get(user=ada, story=first).is_saved
    # The tab counts follow at once, without a reload.
    expect(saved_tab).to_have_text("1")
    page.keyboard.press("m")
    expect(page.locator(f"#read-{first.pk}")).to_have_text("Mark unread “First story”")
    assert ReadingState.objects.get(user=ada, story=first).is_read
    expect(unread_tab).to_have_text("2")
    # The selection stayed where it was (htmx settles the swapped button first: wait for it).
    for _ in range(50):
        if focused_text(page) == "First story":
            break
        page.wait_for_timeout(100)
    assert focused_text(page) == "First story"
    page.keyboard.press("s")
    expect(page.locator(f"#save-{first.pk}")).to_have_text("Save “First story”")
    assert not ReadingState.objects.get(user=ada, story=first).is_saved


def test_s_and_m_in_the_reading_view(page, ada, stories):
    story = stories[0]
    page.goto(story.get_absolute_url())
    page.keyboard.press("s")
    expect(page.locator(f"#save-{story.pk}")).to_have_text("Unsave “Third story”")
    page.keyboard.press("m")  # opening it read it: m makes it unread
    expect(page.locator(f"#read-{story.pk}")).to_have_text("Mark read “Third story”")
    state = ReadingState.objects.get(user=ada, story=story)
    assert state.is_saved and not state.is_read


def test_slash_focuses_search_and_the_results_work_the_same(page, ada, stories):
    page.goto("/")
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "site-search-q"
    page.keyboard.type("second")
    page.keyboard.press("Enter")
    page.wait_for_url("**/search/?q=second")
    expect(page.locator(".story-item-title mark.search-hit")).to_have_text("Second")
    page.keyboard.press("/")  # on the search page: its own box
    assert page.evaluate("document.activeElement.id") == "id_q"
    page.locator("main").focus()
    page.keyboard.press("j")
    assert focused_text(page) == "Second story"
    page.keyboard.press("s")
    expect(page.locator(f"#save-{stories[1].pk}")).to_have_text("Unsave “Second story”")


def test_typing_is_never_a_shortcut(page, ada, stories):
    page.goto("/")
    page.locator("#site-search-q").click()
    page.keyboard.type("jks/?m")
    assert page.locator("#site-search-q").input_value() == "jks/?m"
    assert page.locator(".story-item.is-selected").count() == 0
    assert not page.locator("#shortcuts-help").is_visible()
    assert not ReadingState.objects.exists()


def test_question_mark_lists_the_shortcuts(page, ada, stories, screenshot_dir):
    page.goto("/")
    help_button = page.get_by_role("button", name="Keyboard shortcuts")
    expect(help_button).to_be_visible()  # shown by the script that makes them work
    page.keyboard.press("?")
    dialog = page.get_by_role("dialog", name="Keyboard shortcuts")
    expect(dialog).to_be_visible()
    assert "Next / previous story" in dialog.inner_text()
    assert "Select text with the keyboard" in dialog.inner_text()
    # 1–5 press the toolbar's colours in their order: the list names them in that order.
    colours = ", ".join(label for _value, label in Colour.choices)
    assert f"Highlight it in a colour: {colours}" in dialog.inner_text()
    page.screenshot(path=str(screenshot_dir / "keyboard-help.png"))
    page.keyboard.press("j")  # the dialog is modal: nothing moves behind it
    assert page.locator(".story-item.is-selected").count() == 0
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    help_button.click()
    expect(dialog).to_be_visible()
    dialog.get_by_role("button", name="Close").click()
    expect(dialog).to_be_hidden()


def test_without_javascript_the_help_button_stays_hidden(browser, live_server):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    page.goto("/")
    assert page.locator("[data-shortcuts-help]").get_attribute("hidden") is not None
    assert not page.locator("[data-shortcuts-help]").is_visible()
    context.close()


# --- Reading progress


@pytest.fixture
def long_story():
    paragraphs = [f"Paragraph {i}. {LOREM} {LOREM}" for i in range(80)]
    return make_story("A long read", body=paragraphs).story


def test_progress_is_saved_while_scrolling_and_resumed(page, ada, long_story, screenshot_dir):
    url = long_story.get_absolute_url()
    page.goto(url)
    assert page.evaluate("window.scrollY") == 0
    with page.expect_request(lambda r: r.url.endswith("/reading/progress/"), timeout=10_000):
        page.evaluate(
            """() => {
              const story = document.querySelector("article.story");
              const top = story.getBoundingClientRect().top + window.scrollY;
              const travel = story.offsetHeight - window.innerHeight;
              window.scrollTo(0, top + travel / 2);
            }"""
        )
    page.wait_for_timeout(300)
    progress = ReadingState.objects.get(user=ada, story=long_story).progress
    assert progress == pytest.approx(0.5, abs=0.02)

    page.goto("/")
    page.goto(url)
    page.wait_for_function("window.scrollY > 0")
    resumed = page.evaluate(
        """() => {
          const story = document.querySelector("article.story");
          const top = story.getBoundingClientRect().top + window.scrollY;
          return (window.scrollY - top) / (story.offsetHeight - window.innerHeight);
        }"""
    )
    assert resumed == pytest.approx(progress, abs=0.02)
    page.screenshot(path=str(screenshot_dir / "progress-resumed.png"))


def test_a_link_to_a_highlight_wins_over_the_saved_place(page, ada, long_story):
    ReadingState.objects.record_progress(ada, long_story, 0.8)
    page.goto(long_story.get_absolute_url() + "#story-body")
    page.wait_for_timeout(300)
    scrolled = page.evaluate(
        """() => {
          const story = document.querySelector("article.story");
          const top = story.getBoundingClientRect().top + window.scrollY;
          return (window.scrollY - top) / (story.offsetHeight - window.innerHeight);
        }"""
    )
    assert scrolled < 0.5


# --- A highlight from the keyboard


SELECT_TEXT = """([quote]) => {
  // What caret browsing (F7) and Shift+arrows give a keyboard user: a selection.
  const body = document.getElementById("story-body");
  const walker = document.createTreeWalker(body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const at = walker.currentNode.data.indexOf(quote);
    if (at >= 0) {
      const range = document.createRange();
      range.setStart(walker.currentNode, at);
      range.setEnd(walker.currentNode, at + quote.length);
      document.getSelection().removeAllRanges();
      document.getSelection().addRange(range);
      return true;
    }
  }
  return false;
}"""


def test_a_highlight_and_a_comment_can_be_made_with_the_keyboard(page, ada, stories):
    story = stories[0]
    page.goto(story.get_absolute_url())
    assert page.evaluate(SELECT_TEXT, ["opens here"])
    toolbar = page.locator("#annotate-toolbar")
    expect(toolbar).to_be_visible()
    page.keyboard.press("h")
    expect(page.locator("#story-body mark.hl")).to_have_text("opens here")
    assert Annotation.objects.get().exact == "opens here"

    assert page.evaluate(SELECT_TEXT, ["Third story"])
    expect(toolbar).to_be_visible()
    page.keyboard.press("c")
    assert page.evaluate("document.activeElement.name") == "comment"
    page.keyboard.type("Typed without a mouse")
    page.keyboard.press("Tab")  # tags
    page.keyboard.type("keyboard")
    page.keyboard.press("Tab")  # visibility
    page.keyboard.press("Tab")  # Save
    assert page.evaluate("document.activeElement.textContent") == "Save"
    page.keyboard.press("Enter")
    expect(page.locator("#story-body mark.hl")).to_have_count(2)
    noted = Annotation.objects.get(comment="Typed without a mouse")
    assert noted.exact == "Third story"
    assert noted.tag_names() == ["keyboard"]


# --- Selecting text with the keyboard alone ("v", Shift+arrows)

KEYBOARD_BODY = [
    "Café owners 🚀 said the ordinance requires every vendor to publish an audit.",
    "The council will vote again in spring, after a consultation with residents.",
]
# Trusted pointer and mouse events: there must be none, the keyboard does it all.
COUNT_MOUSE = """() => {
  window.mouseEvents = 0;
  for (const type of ["pointerdown", "mousedown", "mouseup", "mousemove"]) {
    document.addEventListener(type, (event) => { if (event.isTrusted) window.mouseEvents++; }, true);
  }
}"""


@pytest.fixture
def keyboard_story():
    return make_story("Selecting by keyboard", body=[*KEYBOARD_BODY, LOREM]).story


def press(page, key, times=1):
    for _ in range(times):
        page.keyboard.press(key)


def outline(page) -> str:
    return page.evaluate("getComputedStyle(document.activeElement).outlineStyle")


def assert_text_contract(annotation):
    text = annotation.revision.body_text
    assert text[annotation.start : annotation.end] == annotation.exact


def test_v_and_shift_arrows_select_and_enter_highlights(page, ada, keyboard_story, screenshot_dir):
    page.goto(keyboard_story.get_absolute_url())
    page.evaluate(COUNT_MOUSE)
    page.keyboard.press("v")
    # The first paragraph on screen has the focus, and shows it.
    focused = page.evaluate("document.activeElement.textContent")
    assert focused == KEYBOARD_BODY[0]
    assert outline(page) != "none"
    hint = page.locator("#annotate-keys")
    expect(hint).to_contain_text("Shift+arrows select")
    # The caret is drawn (a collapsed selection is not, in text that is not editable).
    assert page.evaluate("CSS.highlights.has('annotate-caret')")
    page.screenshot(path=str(screenshot_dir / "keyboard-caret.png"))
    # By character, across an emoji (two UTF-16 units, one code point), then by word.
    press(page, "Shift+ArrowRight", 13)
    press(page, "Control+Shift+ArrowRight", 1)
    expect(page.locator("#annotate-toolbar")).to_be_visible()
    expect(hint).to_contain_text("Enter or h highlights")
    page.screenshot(path=str(screenshot_dir / "keyboard-selecting.png"))
    page.keyboard.press("Enter")
    mark = page.locator("#story-body mark.hl")
    expect(mark).to_have_text("Café owners 🚀 said")
    annotation = Annotation.objects.get()
    assert annotation.exact == "Café owners 🚀 said"
    assert (annotation.start, annotation.end) == (0, len("Café owners 🚀 said"))
    assert_text_contract(annotation)
    # The focus lands on the new highlight, visibly; the toolbar and the hint are gone.
    expect(page.locator(f"#hl-{annotation.pk}")).to_be_focused()
    assert outline(page) != "none"
    expect(page.locator("#annotate-toolbar")).to_be_hidden()
    expect(hint).to_have_text("")
    page.screenshot(path=str(screenshot_dir / "keyboard-highlighted.png"))
    assert page.evaluate("window.mouseEvents") == 0


def test_a_selection_goes_on_after_a_highlight_in_a_chosen_colour(page, ada, keyboard_story):
    page.goto(keyboard_story.get_absolute_url())
    page.evaluate(COUNT_MOUSE)
    page.keyboard.press("v")
    press(page, "Control+Shift+ArrowRight", 2)
    page.keyboard.press("h")
    first = page.locator("#story-body mark.hl")
    expect(first).to_have_text("Café owners")
    # From the focused highlight, "v" starts just after it: skip the emoji and a space.
    page.keyboard.press("v")
    press(page, "ArrowRight", 3)
    press(page, "Control+Shift+ArrowRight", 2)
    page.keyboard.press("3")  # the third colour: blue, "Reference"
    expect(page.locator("#story-body mark.hl-blue")).to_have_text("said the")
    blue = Annotation.objects.get(colour="blue")
    assert blue.exact == "said the"
    assert_text_contract(blue)
    expect(page.locator(f"#hl-{blue.pk}")).to_be_focused()
    # Down a line reaches the next paragraph; Shift+End takes the rest of its line.
    page.keyboard.press("v")
    page.keyboard.press("Control+ArrowDown")
    page.keyboard.press("Home")
    press(page, "Shift+ArrowRight", len("The council"))
    page.keyboard.press("2")
    expect(page.locator("#story-body mark.hl-green")).to_have_text("The council")
    green = Annotation.objects.get(colour="green")
    assert green.exact == "The council"
    assert_text_contract(green)
    # Enter on a highlight goes to its card in the sidebar.
    expect(page.locator(f"#hl-{green.pk}")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator(f"#annotation-{green.pk}")).to_be_focused()
    assert page.evaluate("window.mouseEvents") == 0


def test_a_selection_begun_as_the_highlight_arrives_is_kept(page, ada, keyboard_story):
    # htmx holds the end of a request (and any event the answer triggers) for its settle
    # delay after the new body is in: a long delay holds that window open. "v" pressed in
    # it starts after the new highlight, and nothing resets that selection later.
    page.goto(keyboard_story.get_absolute_url())
    page.evaluate("htmx.config.defaultSettleDelay = 2000")
    page.keyboard.press("v")
    press(page, "Control+Shift+ArrowRight", 2)
    page.keyboard.press("h")
    expect(page.locator("#story-body mark.hl")).to_have_text("Café owners")
    page.keyboard.press("v")
    press(page, "ArrowRight", 3)
    press(page, "Control+Shift+ArrowRight", 2)
    page.wait_for_timeout(2500)  # past the settle delay of the first answer
    assert page.evaluate("document.getSelection().toString()") == "said the"
    page.keyboard.press("3")
    expect(page.locator("#story-body mark.hl-blue")).to_have_text("said the")


def test_escape_cancels_a_keyboard_selection(page, ada, keyboard_story):
    page.goto(keyboard_story.get_absolute_url())
    page.keyboard.press("v")
    press(page, "Control+Shift+ArrowRight", 2)
    toolbar = page.locator("#annotate-toolbar")
    expect(toolbar).to_be_visible()
    page.keyboard.press("Escape")
    expect(toolbar).to_be_hidden()
    expect(page.locator("#annotate-keys")).to_have_text("")
    assert page.evaluate("document.getSelection().isCollapsed")
    # Still in the paragraph it began in; the keys are plain keys again.
    assert page.evaluate("document.activeElement.textContent") == KEYBOARD_BODY[0]
    page.keyboard.press("h")
    page.keyboard.press("Enter")
    page.wait_for_timeout(300)
    assert not Annotation.objects.exists()


def test_tab_takes_a_keyboard_selection_to_the_toolbar(page, ada, keyboard_story):
    page.goto(keyboard_story.get_absolute_url())
    page.keyboard.press("v")
    press(page, "Control+Shift+ArrowRight", 2)
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Highlight yellow: Important")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Highlight green: Insight")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#story-body mark.hl-green")).to_have_text("Café owners")
    annotation = Annotation.objects.get()
    assert (annotation.exact, annotation.colour) == ("Café owners", "green")
    expect(page.locator(f"#hl-{annotation.pk}")).to_be_focused()


def test_without_javascript_a_quote_is_highlighted_from_the_sidebar(
    browser, live_server, keyboard_story, screenshot_dir
):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    login(page, live_server, User.objects.create_user("ada", password="pw-ada-123456"))
    page.goto(keyboard_story.get_absolute_url())
    page.get_by_text("Highlight a quote").focus()
    page.keyboard.press("Enter")  # opens the <details>
    page.keyboard.press("Tab")
    page.keyboard.type("vote again  in spring")  # the spaces need not be the same
    page.keyboard.press("Tab")
    page.keyboard.press("ArrowDown")  # Insight
    page.screenshot(path=str(screenshot_dir / "keyboard-quote-form.png"))
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    page.wait_for_url("**#hl-*")
    annotation = Annotation.objects.get()
    assert (annotation.exact, annotation.colour) == ("vote again in spring", "green")
    assert_text_contract(annotation)
    assert page.locator(f"#hl-{annotation.pk}").inner_text() == "vote again in spring"
    context.close()
