"""Annotating in Chromium: selecting, highlighting, commenting, replying, deleting."""

import random
import re

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from playwright.sync_api import expect

from annotations.models import Annotation, Reply, Visibility
from annotations.testing import annotate
from articles.ingest.blocks import Block
from articles.ingest.extract import Extracted
from articles.ingest.pipeline import store
from articles.models import Story, StoryRevision
from tests.factories import make_story

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BODY = [
    "The ordinance requires every vendor to publish an audit of the model before it is used.",
    "Critics said the audit rule was vague and that café owners 🚀 would never read it at all.",
    "The council will vote again in spring, after a consultation with residents and firms.",
]

# Client rects of the passage `quote` inside the story body.
RECTS = """([quote, occurrence]) => {
  const root = document.getElementById("story-body");
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  const nodes = [];
  let text = "";
  while (walker.nextNode()) { nodes.push([walker.currentNode, text.length]); text += walker.currentNode.data; }
  let from = -1;
  for (let i = 0; i <= occurrence; i++) from = text.indexOf(quote, from + 1);
  const to = from + quote.length;
  const locate = (offset, isEnd) => {
    for (const [node, begin] of nodes) {
      const end = begin + node.data.length;
      if (offset < end || (isEnd && offset === end)) return [node, offset - begin];
    }
  };
  const range = document.createRange();
  range.setStart(...locate(from, false));
  range.setEnd(...locate(to, true));
  const rects = [...range.getClientRects()].filter((r) => r.width > 0);
  return {first: rects[0].toJSON(), last: rects[rects.length - 1].toJSON()};
}"""


def _login(page, live_server, user):
    client = Client()
    client.force_login(user)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}]
    )


def _select_with_mouse(page, quote, occurrence=0):
    rects = page.evaluate(RECTS, [quote, occurrence])
    first, last = rects["first"], rects["last"]
    page.mouse.move(first["left"] + 1, first["top"] + first["height"] / 2)
    page.mouse.down()
    page.mouse.move(last["right"] - 1, last["top"] + last["height"] / 2, steps=5)
    page.mouse.up()


@pytest.fixture
def story():
    return make_story("The ordinance", body=BODY).story


def test_it_highlights_a_selection_and_keeps_it(page, live_server, story, ada, screenshot_dir):
    _login(page, live_server, ada)
    page.goto(story.get_absolute_url())
    _select_with_mouse(page, "publish an audit of the model")
    toolbar = page.locator("#annotate-toolbar")
    toolbar.wait_for(state="visible")
    page.screenshot(path=str(screenshot_dir / "annotate-toolbar.png"))
    toolbar.get_by_role("button", name="Highlight green: Insight").click()
    mark = page.locator("#story-body mark.hl-green")
    mark.wait_for()
    annotation = Annotation.objects.get()
    assert annotation.exact == "publish an audit of the model"
    assert annotation.colour == "green"
    assert mark.inner_text() == "publish an audit of the model"
    # The sidebar card arrived out of band, the toolbar went away.
    card = page.locator(f"#annotation-{annotation.pk}")
    card.wait_for()
    assert "publish an audit of the model" in card.inner_text()
    assert page.locator(".annotation-count").inner_text() == "1"
    assert toolbar.is_hidden()

    page.reload()
    assert page.locator(f"#hl-{annotation.pk}").inner_text() == "publish an audit of the model"
    page.screenshot(path=str(screenshot_dir / "annotate-highlighted.png"), full_page=True)


def test_it_highlights_with_the_keyboard_in_the_last_colour(page, live_server, story, ada):
    _login(page, live_server, ada)
    page.goto(story.get_absolute_url())
    _select_with_mouse(page, "audit rule")
    page.locator("#annotate-toolbar").wait_for(state="visible")
    page.get_by_role("button", name="Highlight pink: Question").click()
    page.locator("#story-body mark.hl-pink").wait_for()
    _select_with_mouse(page, "vote again in spring")
    page.locator("#annotate-toolbar").wait_for(state="visible")
    page.keyboard.press("h")
    page.wait_for_function(
        "() => document.querySelectorAll('#story-body mark.hl-pink').length === 2"
    )
    assert sorted(Annotation.objects.values_list("exact", "colour")) == [
        ("audit rule", "pink"),
        ("vote again in spring", "pink"),
    ]


def test_it_comments_on_a_selection(page, live_server, story, ada, screenshot_dir):
    _login(page, live_server, ada)
    page.goto(story.get_absolute_url())
    _select_with_mouse(page, "café owners 🚀 would never read it")
    page.locator("#annotate-toolbar").wait_for(state="visible")
    page.keyboard.press("c")
    comment = page.locator("#annotate-comment-text")
    comment.wait_for(state="visible")
    assert comment.evaluate("el => el === document.activeElement")
    comment.fill("Who reads **ordinances** anyway? https://example.org/why")
    page.locator("#annotate-tags").fill("Policy, small business")
    page.locator("#annotate-visibility").select_option("public")
    page.screenshot(path=str(screenshot_dir / "annotate-comment.png"))
    page.locator("#annotate-toolbar").get_by_role("button", name="Save", exact=True).click()
    page.locator("#story-body mark.hl-emphasized").wait_for()
    annotation = Annotation.objects.get()
    assert annotation.exact == "café owners 🚀 would never read it"
    assert annotation.visibility == Visibility.PUBLIC
    assert annotation.tag_names() == ["policy", "small-business"]
    card = page.locator(f"#annotation-{annotation.pk}")
    assert card.locator(".annotation-comment strong").inner_text() == "ordinances"
    assert card.locator(".annotation-comment a").get_attribute("href") == "https://example.org/why"
    assert "#policy" in card.inner_text()
    # The mark links to its card, the card's quote back to the mark.
    page.locator(f"#hl-{annotation.pk}").click()
    page.wait_for_url(re.compile(f"#annotation-{annotation.pk}$"))
    card.locator(".annotation-quote a").click()
    page.wait_for_url(re.compile(f"#hl-{annotation.pk}$"))
    page.screenshot(path=str(screenshot_dir / "annotate-sidebar.png"), full_page=True)


def test_it_shows_an_error_in_the_toolbar_and_keeps_the_comment(page, live_server, story, ada):
    _login(page, live_server, ada)
    page.goto(story.get_absolute_url())
    _select_with_mouse(page, "audit rule")
    page.locator("#annotate-toolbar").wait_for(state="visible")
    page.keyboard.press("c")
    page.locator("#annotate-comment-text").fill("My long thought")
    page.locator("#annotate-tags").fill(", ".join(f"t{i}" for i in range(30)))
    page.locator("#annotate-toolbar").get_by_role("button", name="Save", exact=True).click()
    error = page.locator("#annotate-error")
    error.get_by_text("At most 20 tags.").wait_for()
    assert page.locator("#annotate-comment-text").input_value() == "My long thought"
    assert not Annotation.objects.exists()


def test_a_second_user_replies(page, live_server, story, ada, bob, screenshot_dir):
    annotation = annotate(story, ada, "audit rule", comment="Too vague?")
    _login(page, live_server, bob)
    page.goto(story.get_absolute_url())
    card = page.locator(f"#annotation-{annotation.pk}")
    card.get_by_role("link", name="Reply").click()
    box = card.get_by_label("Reply")
    box.wait_for()
    box.fill("Agreed, *very* vague.")
    card.get_by_role("button", name="Reply").click()
    card.locator(".reply").wait_for()
    assert "Agreed, very vague." in card.locator(".reply").inner_text()
    assert "bob" in card.locator(".reply").inner_text()
    reply = Reply.objects.get()
    assert reply.author == bob
    assert reply.body_html == "<p>Agreed, <em>very</em> vague.</p>"
    page.screenshot(path=str(screenshot_dir / "annotate-reply.png"), full_page=True)
    # bob may not edit or delete ada's annotation.
    assert card.get_by_role("link", name="Edit").count() == 0
    page.reload()
    assert "Agreed, very vague." in page.locator(f"#annotation-{annotation.pk}").inner_text()


def test_the_author_edits_and_deletes_in_place(page, live_server, story, ada, screenshot_dir):
    annotation = annotate(story, ada, "audit rule", comment="First thought")
    _login(page, live_server, ada)
    page.goto(story.get_absolute_url())
    card = page.locator(f"#annotation-{annotation.pk}")
    card.get_by_role("link", name="Edit").click()
    card.locator("form.annotation-edit-form").wait_for()
    page.screenshot(path=str(screenshot_dir / "annotate-edit.png"))
    card.get_by_label("Disagree").check()
    card.get_by_label("Comment").fill("Second thought")
    card.get_by_role("button", name="Save", exact=True).click()
    page.locator(f"#story-body mark.hl-purple[data-annotation='{annotation.pk}']").wait_for()
    card.get_by_text("Second thought").wait_for()
    page.once("dialog", lambda dialog: dialog.accept())
    card.get_by_role("button", name="Delete").click()
    card.wait_for(state="detached")
    assert page.locator("#story-body mark").count() == 0
    assert page.locator(".annotation-count").inner_text() == "0"
    assert not Annotation.objects.exists()


def test_a_private_highlight_stays_private(page, live_server, story, ada, bob):
    private = annotate(story, ada, "audit rule", visibility=Visibility.PRIVATE)
    public = annotate(story, ada, "vote again", visibility=Visibility.PUBLIC)
    _login(page, live_server, bob)
    page.goto(story.get_absolute_url())
    assert page.locator(f"[data-annotation='{public.pk}']").count() == 1
    assert page.locator(f"[data-annotation='{private.pk}']").count() == 0
    assert page.locator(f"#annotation-{private.pk}").count() == 0
    assert page.goto(f"/annotations/{private.pk}/").status == 404
    page.context.clear_cookies()
    page.goto(story.get_absolute_url())
    assert page.locator(f"[data-annotation='{private.pk}']").count() == 0
    assert page.locator(f"[data-annotation='{public.pk}']").count() == 1


def test_it_works_without_javascript_for_reading(browser, live_server, story, ada):
    annotation = annotate(story, ada, "audit rule", comment="Marked")
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    page.goto(story.get_absolute_url())
    assert page.locator(f"#hl-{annotation.pk}").inner_text() == "audit rule"
    page.locator(f"#annotation-{annotation.pk} .annotation-quote a").click()
    assert page.url.endswith(f"#hl-{annotation.pk}")
    context.close()


# The selectors the module computes must agree with the server's body_text, whatever the
# markup: random selections over the sample stories, made by setting DOM ranges.
SELECT_AND_READ = """async ([startNode, startOffset, endNode, endOffset]) => {
  const root = document.getElementById("story-body");
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  const nodes = [];
  while (walker.nextNode()) nodes.push(walker.currentNode);
  const pick = (index) => nodes[Math.min(index, nodes.length - 1)];
  const start = pick(startNode), end = pick(endNode);
  const range = document.createRange();
  range.setStart(start, Math.min(startOffset, start.length));
  range.setEnd(end, Math.min(endOffset, end.length));
  const selection = document.getSelection();
  selection.removeAllRanges();
  selection.addRange(range);
  const form = document.getElementById("annotate-toolbar");
  form.elements.namedItem("exact").value = "";
  await new Promise((resolve) => setTimeout(resolve, 10));
  for (let i = 0; i < 100 && !form.elements.namedItem("exact").value; i++) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const value = (name) => form.elements.namedItem(name).value;
  return {
    exact: value("exact"), prefix: value("prefix"), suffix: value("suffix"),
    start: Number(value("start")), end: Number(value("end")),
    nodes: nodes.length, selected: range.toString(),
  };
}"""


def test_browser_offsets_agree_with_the_server(page, live_server, ada):
    call_command("load_samples", stdout=open("/dev/null", "w"))  # noqa: SIM115
    _login(page, live_server, ada)
    rng = random.Random(4)
    checked = 0
    for story in Story.objects.select_related("current_revision"):
        text = story.current_revision.body_text
        page.goto(story.get_absolute_url())
        count = page.evaluate(
            "() => { const w = document.createTreeWalker(document.getElementById('story-body'),"
            " NodeFilter.SHOW_TEXT); let n = 0; while (w.nextNode()) n++; return n; }"
        )
        for _ in range(12):
            a, b = sorted(rng.randrange(count) for _ in range(2))
            if a == b and rng.random() < 0.5:
                b = min(count - 1, a + rng.randint(1, 6))
            got = page.evaluate(SELECT_AND_READ, [a, rng.randrange(0, 40), b, rng.randrange(0, 80)])
            if not got["selected"].strip():
                continue
            assert got["exact"] == text[got["start"] : got["end"]], story.title
            assert got["prefix"] == text[max(0, got["start"] - 32) : got["start"]]
            assert got["suffix"] == text[got["end"] : got["end"] + 32]
            checked += 1
    assert checked > 50


def test_it_highlights_on_a_touch_screen(browser, live_server, story, ada, screenshot_dir):
    context = browser.new_context(
        base_url=live_server.url,
        viewport={"width": 390, "height": 844},
        has_touch=True,
        is_mobile=True,
        device_scale_factor=2,
    )
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    _login(page, live_server, ada)
    page.goto(story.get_absolute_url())
    # A long press selects a word, the handles extend it: the result is a selection range.
    page.evaluate(
        """(quote) => {
          const root = document.getElementById("story-body");
          const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
          while (walker.nextNode()) {
            const at = walker.currentNode.data.indexOf(quote);
            if (at < 0) continue;
            const range = document.createRange();
            range.setStart(walker.currentNode, at);
            range.setEnd(walker.currentNode, at + quote.length);
            document.getSelection().removeAllRanges();
            document.getSelection().addRange(range);
            return;
          }
        }""",
        "vote again in spring",
    )
    toolbar = page.locator("#annotate-toolbar")
    toolbar.wait_for(state="visible")
    box = toolbar.bounding_box()
    assert box["y"] + box["height"] == pytest.approx(844, abs=2)  # a bar at the bottom
    assert box["width"] == pytest.approx(390, abs=2)
    page.screenshot(path=str(screenshot_dir / "annotate-touch.png"))
    toolbar.get_by_role("button", name="Highlight blue: Reference").tap()
    page.locator("#story-body mark.hl-blue").wait_for()
    assert Annotation.objects.get().exact == "vote again in spring"
    page.screenshot(path=str(screenshot_dir / "annotate-touch-done.png"), full_page=True)
    context.close()
    assert not errors


def test_my_highlights_filters_in_place(page, live_server, ada, screenshot_dir):
    call_command("load_samples", stdout=open("/dev/null", "w"))  # noqa: SIM115
    stories = list(Story.objects.select_related("current_revision")[:3])
    colours = ["yellow", "green", "blue", "pink", "purple"]
    for i, story in enumerate(stories):
        text = story.current_revision.body_text
        words = list(re.finditer(r"\S+", text))
        for j in range(4):
            quote = text[words[10 * j + 3].start() : words[10 * j + 8].end()]
            annotate(
                story,
                ada,
                quote,
                colour=colours[(i + j) % 5],
                comment="Worth a *second* look." if j == 1 else "",
                tags=["follow-up"] if j % 2 else [],
            )
    _login(page, live_server, ada)
    page.goto("/")
    page.get_by_role("link", name="My highlights").click()
    page.wait_for_url("**/highlights/")
    assert page.locator(".highlight-item").count() == 12
    page.screenshot(path=str(screenshot_dir / "my-highlights.png"), full_page=True)
    filters = page.locator(".highlight-filters")
    filters.get_by_label("Colour").select_option("green")
    page.wait_for_url("**/highlights/?*colour=green*")
    expected = Annotation.objects.filter(colour="green").count()
    page.wait_for_function(
        f"() => document.querySelectorAll('.highlight-item').length === {expected}"
    )
    filters.get_by_label("Search").fill("zzzz-nothing")
    page.get_by_text("No highlights match these filters.").wait_for()
    # Leaving the search field sends nothing: its typing already did. (Its change event
    # did, and an answer arriving after a click on "Clear filters" pushed its address and
    # stopped the page from leaving.)
    sent: list[str] = []
    page.on("request", lambda request: sent.append(request.url))
    filters.get_by_label("Search").blur()
    page.wait_for_timeout(600)
    assert not [url for url in sent if "/highlights/" in url]
    page.get_by_role("link", name="Clear filters").click()
    page.wait_for_function("() => document.querySelectorAll('.highlight-item').length === 12")
    first = Annotation.objects.order_by("-created", "-id").first()
    # One story's highlights, then the colour filter within it, then all stories again.
    page.locator(f"#highlight-{first.pk} .highlight-only").click()
    page.wait_for_url(f"**/highlights/?story={first.story_id}")
    expect(page.locator(".highlight-item")).to_have_count(4)
    expect(page.locator(".filter-story strong")).to_have_text(first.story.title)
    filters.get_by_label("Colour").select_option(first.colour)
    page.wait_for_url(f"**/highlights/?*story={first.story_id}*")
    expect(page.locator(".highlight-item")).to_have_count(1)
    page.screenshot(path=str(screenshot_dir / "my-highlights-one-story.png"), full_page=True)
    page.get_by_role("link", name="All stories").click()
    expect(page.locator(".highlight-item")).to_have_count(
        Annotation.objects.filter(colour=first.colour).count()
    )
    page.goto("/highlights/")
    page.locator(f"#highlight-{first.pk} .annotation-quote a").click()
    page.wait_for_url(f"**{first.story.get_absolute_url()}#hl-{first.pk}")
    assert page.locator(f"#hl-{first.pk}").is_visible()


def test_the_reading_view_in_the_dark(browser, live_server, ada, bob, screenshot_dir):
    call_command("load_samples", stdout=open("/dev/null", "w"))  # noqa: SIM115
    story = Story.objects.get(url__contains="rust")
    text = story.current_revision.body_text
    sentences = [s for s in re.split(r"(?<=\.)\s+", text) if 20 < len(s) < 160][:12]
    for i, sentence in enumerate(sentences):
        annotation = annotate(
            story,
            ada if i % 3 else bob,
            sentence,
            colour=["yellow", "green", "blue", "pink", "purple"][i % 5],
            comment="A note with `code` and a [link](https://example.org)." if i % 4 == 0 else "",
            tags=["release"] if i % 2 else [],
        )
        if i == 0:
            reply = Reply(annotation=annotation, author=ada)
            reply.set_body("Replying to **bob**.")
            reply.save()
    context = browser.new_context(
        base_url=live_server.url, color_scheme="dark", viewport={"width": 1400, "height": 900}
    )
    page = context.new_page()
    _login(page, live_server, ada)
    page.goto(story.get_absolute_url())
    assert page.locator(".annotation").count() == len(sentences)
    page.screenshot(path=str(screenshot_dir / "annotate-dark.png"))
    context.close()


def test_a_quick_h_after_a_double_click_highlights_the_word(page, live_server, story, ada):
    _login(page, live_server, ada)
    page.goto(story.get_absolute_url())
    rects = page.evaluate(RECTS, ["vendor", 0])
    first = rects["first"]
    page.mouse.dblclick(first["left"] + 5, first["top"] + first["height"] / 2)
    page.keyboard.press("h")  # no waiting for the toolbar
    page.locator("#story-body mark.hl").wait_for()
    assert Annotation.objects.get().exact == "vendor"


def test_escape_closes_the_toolbar_and_nothing_is_stored(page, live_server, story, ada):
    _login(page, live_server, ada)
    page.goto(story.get_absolute_url())
    _select_with_mouse(page, "audit rule")
    toolbar = page.locator("#annotate-toolbar")
    toolbar.wait_for(state="visible")
    page.keyboard.press("c")
    page.locator("#annotate-comment-text").fill("Never mind")
    page.keyboard.press("Escape")
    toolbar.wait_for(state="hidden")
    # A new selection starts with an empty comment box.
    _select_with_mouse(page, "vote again")
    toolbar.wait_for(state="visible")
    page.keyboard.press("c")
    assert page.locator("#annotate-comment-text").input_value() == ""
    assert not Annotation.objects.exists()


# The colours of a PNG, decoded in a blank page (no CSP there to refuse a data: image).
PIXELS = """async (b64) => {
  const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  const bitmap = await createImageBitmap(new Blob([bytes], {type: "image/png"}));
  const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
  const context = canvas.getContext("2d");
  context.drawImage(bitmap, 0, 0);
  const data = context.getImageData(0, 0, bitmap.width, bitmap.height).data;
  const colours = {};
  for (let i = 0; i < data.length; i += 4) {
    const key = [data[i], data[i + 1], data[i + 2]].join(",");
    colours[key] = (colours[key] || 0) + 1;
  }
  return colours;
}"""


def _colours(browser, png: bytes) -> dict[tuple[int, ...], int]:
    import base64

    blank = browser.new_context().new_page()
    found = blank.evaluate(PIXELS, base64.b64encode(png).decode())
    blank.context.close()
    return {tuple(int(v) for v in key.split(",")): n for key, n in found.items()}


def _near(colour, wanted, tolerance=6):
    return all(abs(a - b) <= tolerance for a, b in zip(colour, wanted, strict=True))


@pytest.mark.parametrize(
    ("scheme", "yellow", "blue"),
    [
        ("light", (0xFD, 0xE6, 0x8A), (0xBF, 0xDB, 0xFE)),
        ("dark", (0x6B, 0x5A, 0x12), (0x1E, 0x3F, 0x6E)),
    ],
)
def test_overlapping_highlights_both_stay_visible(
    browser, live_server, story, ada, screenshot_dir, scheme, yellow, blue
):
    """Where two highlights overlap, the outer one's colour still shows (it would look
    shrunk to the part outside the inner one), and the inner one shows too. No script."""
    outer = annotate(story, ada, "publish an audit of the model", colour="yellow")
    inner = annotate(story, ada, "an audit", colour="blue")
    context = browser.new_context(
        base_url=live_server.url, java_script_enabled=False, color_scheme=scheme
    )
    page = context.new_page()
    page.goto(story.get_absolute_url())
    nested = page.locator(f"mark#hl-{outer.pk} > mark#hl-{inner.pk}")
    expect(nested).to_have_text("an audit")
    nested.scroll_into_view_if_needed()
    page.screenshot(path=str(screenshot_dir / f"overlap-{scheme}.png"))
    colours = _colours(browser, nested.screenshot())
    total = sum(colours.values())
    share = lambda wanted: sum(n for c, n in colours.items() if _near(c, wanted)) / total  # noqa: E731
    # A band of the outer colour runs through the overlap...
    assert share(yellow) > 0.1, colours
    # ...and most of it is neither plain colour: the overlap is a deeper tone of the inner.
    assert share(blue) < 0.2
    # Outside the overlap, the outer highlight keeps its own colour.
    alone = _colours(browser, page.locator(f"mark#hl-{outer.pk}").first.screenshot())
    assert max(alone.items(), key=lambda item: item[1])[0] == pytest.approx(yellow, abs=6)
    context.close()


STRUCTURED = [
    Block("p", "<p>What the kit is made of, and who won the race:</p>", ""),
    Block("ul", "<ul><li>organic cotton</li><li>hemp<br>and linen</li><li>recycled</li></ul>", ""),
    Block(
        "table",
        "<table><tr><th>Pos</th><th>Driver</th></tr><tr><td>1</td><td>Kyle Busch</td></tr>"
        "<tr><td>2</td><td>Denny Hamlin</td></tr></table>",
        "",
    ),
    Block("p", "<p><dl><dt>Stage</dt><dd>Two laps of the long course</dd></dl></p>", ""),
    Block("p", "<p>" + "Filler words so that this counts as an article body. " * 4 + "</p>", ""),
]


def test_browser_text_and_offsets_agree_across_lists_tables_and_line_breaks(page, live_server, ada):
    """Blocks are separated by newline text nodes: the browser's textContent is the stored
    text, and a selection across list items or table cells has the server's offsets."""
    story = store(
        Extracted(title="Kit and results", blocks=STRUCTURED, url="https://a.example/kit"),
        origin=StoryRevision.Origin.FILE,
    ).story
    text = story.current_revision.body_text
    assert "cotton\nhemp\nand linen\nrecycled" in text
    assert "1\nKyle Busch\n2\nDenny Hamlin" in text
    assert "Stage\nTwo laps" in text
    _login(page, live_server, ada)
    page.goto(story.get_absolute_url())
    assert page.evaluate("document.getElementById('story-body').textContent") == text
    # What a reader sees is unchanged: each item and cell on its own, no blank lines.
    assert page.locator("#story-body li").nth(1).inner_text() == "hemp\nand linen"
    _select_with_mouse(page, "hemp\nand linen\nrecycled")
    toolbar = page.locator("#annotate-toolbar")
    toolbar.wait_for(state="visible")
    toolbar.get_by_role("button", name="Highlight green: Insight").click()
    page.locator("#story-body mark.hl-green").first.wait_for()
    annotation = Annotation.objects.get()
    assert annotation.exact == text[annotation.start : annotation.end]
    assert annotation.exact.split() == ["hemp", "and", "linen", "recycled"]
    rng = random.Random(14)
    count = page.evaluate(
        "() => { const w = document.createTreeWalker(document.getElementById('story-body'),"
        " NodeFilter.SHOW_TEXT); let n = 0; while (w.nextNode()) n++; return n; }"
    )
    checked = 0
    for _ in range(30):
        a, b = sorted(rng.randrange(count) for _ in range(2))
        got = page.evaluate(SELECT_AND_READ, [a, rng.randrange(0, 20), b, rng.randrange(0, 30)])
        if not got["selected"].strip():
            continue
        assert got["exact"] == text[got["start"] : got["end"]]
        assert got["prefix"] == text[max(0, got["start"] - 32) : got["start"]]
        checked += 1
    assert checked > 10
