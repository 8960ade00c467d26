"""Keyboard use in Chromium: the shortcuts (static/js/shortcuts.js), reading progress
(static/js/progress.js) and making a highlight without a mouse."""

from datetime import UTC, datetime, timedelta

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.test import Client
from playwright.sync_api import expect

from annotations.models import Annotation
from library.models import ReadingState

from .factories import LOREM, make_story

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
def ada(page, live_server):
    user = User.objects.create_user("ada", password="pw-ada-123456")
    login(page, live_server, user)
    return user


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


def test_s_saves_and_m_marks_read_in_the_list(page, ada, stories):
    page.goto("/")
    page.keyboard.press("j")
    first = stories[2]
    page.keyboard.press("s")
    expect(page.locator(f"#save-{first.pk}")).to_have_text("Unsave “First story”")
    assert ReadingState.objects.get(user=ada, story=first).is_saved
    page.keyboard.press("m")
    expect(page.locator(f"#read-{first.pk}")).to_have_text("Mark unread “First story”")
    assert ReadingState.objects.get(user=ada, story=first).is_read
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
