"""What people do with Newsreader, end to end, in Chromium, the way they do it.

Each journey starts from nothing and takes every step a person takes: the sign-up form,
not ``force_login``; stories added through the Add page, not a factory; a highlight made
by dragging the mouse over the words; files downloaded through the links on the page;
a restore through the API with a token made on the API tokens page. The test reads the
database only to check what a step stored, never to make what a person would make.

The server is the production configuration as far as a server in a test allows:

* the settings module of a deployment, with DEBUG off, the configured
  AUTHENTICATION_BACKENDS, the whole middleware stack (WhiteNoise, sessions, CSRF,
  Content-Security-Policy, the private-pages cache headers, htmx), the rate limits on;
* static files collected by ``collectstatic`` into a fresh STATIC_ROOT and served by
  WhiteNoise from the manifest (CompressedManifestStaticFilesStorage), so a missing or
  misnamed static file is a failure here, as it would be on a deployment;
* the production password hasher (the rest of the suite uses a fast one).

What differs, and why: the server speaks plain HTTP on 127.0.0.1 (a test has no
certificate), so SECURE_SSL_REDIRECT, HSTS and secure cookies are off; background tasks
run in the request (TASKS_IMMEDIATE, the test default) instead of a separate worker;
FETCH_ALLOWED_HOSTS lets the fetcher reach the local server that plays the web; the
database is the test database (SQLite or PostgreSQL, whichever the run uses; on SQLite,
whose test database lives in memory on one connection, requests take turns). Every
console error (a CSP violation included) fails the journey.

Screenshots of every page a journey visits land in test-artifacts/journeys/; with
JOURNEY_SCREENSHOTS=all each is also taken at phone width and in the dark.
"""

from __future__ import annotations

import json
import os
import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.request import Request, urlopen

import pytest
from django.conf import global_settings
from django.core.management import call_command
from django.test.testcases import LiveServerThread
from django.test.utils import override_settings
from playwright.sync_api import Browser, BrowserContext, expect

from annotations.models import Annotation, Reply
from articles.models import Story
from tests.conftest import ARTIFACTS
from tests.feedsite import article_page
from tests.httpserver import LocalServer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = ARTIFACTS / "journeys"
ALL_VARIANTS = os.environ.get("JOURNEY_SCREENSHOTS") == "all"
PASSWORD = "a long pass phrase for tests"

PASTED = """The ordinance that asks vendors to show their work
A city rule on automated decisions takes effect in spring

The ordinance requires every vendor to publish an audit of the model before it is used by any city office.

Critics said the audit rule was vague, and that café owners would never read it at all. Supporters answered that the rule names the auditor and the deadline.

The council will vote again in spring, after a consultation with residents and firms. Until then the old procurement rules apply to every contract.
"""
UPLOADED_TITLE = "Rivers rise as spring melt arrives early"
UPLOADED = [
    "Hydrologists reported that rivers in the northern valleys rose two weeks earlier than usual this year.",
    "The early melt filled reservoirs quickly, and the operators opened spillways to keep levels safe.",
    "Farmers downstream welcomed the water but worried about a dry summer once the snow is gone.",
]
FETCHED_TITLE = "A storage engine keeps its writes in order"
FETCHED = [
    "The maintainers said the release focuses on reliability and a faster start-up for every user.",
    "A rewritten storage layer keeps writes ordered even when the disk fills up during a burst.",
    "Operators who run the software themselves asked for fewer surprises during their upgrades.",
]


# --- The server, configured as a deployment


@pytest.fixture(scope="module")
def static_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """STATIC_ROOT as a deployment has it: collected, hashed names, a manifest."""
    root = tmp_path_factory.mktemp("static")
    with override_settings(**_static_settings(root)):
        call_command("collectstatic", interactive=False, verbosity=0)
    assert (root / "staticfiles.json").is_file()
    return root


def _static_settings(root: Path) -> dict[str, Any]:
    from django.conf import settings

    storages = dict(settings.STORAGES)
    storages["staticfiles"] = {"BACKEND": "newsreader.storage.StaticStorage"}
    return {"STORAGES": storages, "STATIC_ROOT": str(root)}


class _Untouched:
    """The live server's static handler, replaced by nothing: WhiteNoise, in the
    middleware like on a deployment, serves the collected files."""

    def __new__(cls, application: Any) -> Any:
        return application


class _InTurn:
    """The same, for a test database in SQLite's memory, which the server's threads share
    as one connection: requests take turns (a double-click's two requests at once would
    meet in that connection; a deployment has a connection per thread, and SQLite
    serializes writers anyway)."""

    def __init__(self, application: Any) -> None:
        self.application = application
        self.lock = threading.Lock()

    def __call__(self, environ: Any, start_response: Any) -> Any:
        with self.lock:
            return list(self.application(environ, start_response))


@pytest.fixture
def production_server(
    static_root: Path, tmp_path: Path, local_web: LocalServer
) -> Iterator[LiveServerThread]:
    from django.db import connections

    production = {
        **_static_settings(static_root),
        "DEBUG": False,
        "WHITENOISE_AUTOREFRESH": False,
        "WHITENOISE_USE_FINDERS": False,
        "PASSWORD_HASHERS": global_settings.PASSWORD_HASHERS,
        # Only /media/ is media (an empty MEDIA_URL would make the test server's media
        # handler try every path as a file first).
        "MEDIA_URL": "/media/",
        "MEDIA_ROOT": str(tmp_path),
        "FETCH_ALLOWED_HOSTS": [f"127.0.0.1:{local_web.port}"],
    }
    with override_settings(**production):
        shared = {
            conn.alias: conn
            for conn in connections.all()
            if conn.vendor == "sqlite" and conn.is_in_memory_db()
        }
        handler = _InTurn if shared else _Untouched
        thread = LiveServerThread("localhost", handler, connections_override=shared)
        thread.daemon = True
        for conn in shared.values():
            conn.inc_thread_sharing()
        thread.start()
        thread.is_ready.wait()
        if thread.error:
            raise thread.error
        thread.url = f"http://localhost:{thread.port}"  # type: ignore[attr-defined]
        yield thread
        thread.terminate()
        for conn in shared.values():
            conn.dec_thread_sharing()


@pytest.fixture
def local_web() -> Iterator[LocalServer]:
    """The rest of the web: a news site on 127.0.0.1."""
    with LocalServer() as server:
        server.add(
            "/news/storage-engine",
            (
                200,
                {"Content-Type": "text/html; charset=utf-8"},
                article_page(FETCHED_TITLE, FETCHED),
            ),
        )
        yield server


# --- People


class Person:
    """One browser context: a person at their computer (or phone), with what their
    browser said on the console."""

    def __init__(
        self, browser: Browser, server: Any, name: str, *, width: int = 1280, scheme: str = "light"
    ) -> None:
        self.browser, self.server, self.name = browser, server, name
        self.width, self.scheme = width, scheme
        self.context = self._context(width, scheme, accept_downloads=True)
        self.errors: list[str] = []
        self.page = self.context.new_page()
        self.page.on("console", lambda msg: msg.type == "error" and self.errors.append(msg.text))
        self.page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        self.page.on("dialog", lambda dialog: dialog.accept())  # "Delete this highlight?"
        # The console does not name a stylesheet that failed: every static file must load.
        static = f"{server.url}/static/"
        self.page.on(
            "response",
            lambda response: (
                response.url.startswith(static)
                and response.status >= 400
                and self.errors.append(f"static {response.status} {response.url}")
            ),
        )
        # (One the browser gave up on as the page went on to the next is not a failure.)
        self.page.on(
            "requestfailed",
            lambda request: (
                request.url.startswith(static)
                and "ERR_ABORTED" not in (request.failure or "")
                and self.errors.append(f"static failed {request.url}: {request.failure}")
            ),
        )
        self.shots = 0

    def _context(self, width: int, scheme: str, **options: Any) -> BrowserContext:
        phone = width < 500
        return self.browser.new_context(
            base_url=self.server.url,
            viewport={"width": width, "height": 900},
            color_scheme=scheme,  # type: ignore[arg-type]
            is_mobile=phone,
            has_touch=phone,
            **options,
        )

    def look(self, what: str) -> None:
        """A screenshot of the page as it is; with JOURNEY_SCREENSHOTS=all, the same
        address also at phone width and in the dark."""
        SHOTS.mkdir(parents=True, exist_ok=True)
        self.shots += 1
        stem = f"{self.name}-{self.shots:02d}-{what}"
        self.page.screenshot(path=str(SHOTS / f"{stem}-desktop-light.png"), full_page=True)
        if not ALL_VARIANTS:
            return
        state = self.context.storage_state()
        for label, width, scheme in (
            ("desktop-dark", 1280, "dark"),
            ("phone-light", 390, "light"),
            ("phone-dark", 390, "dark"),
        ):
            other = self._context(width, scheme, storage_state=state)
            page = other.new_page()
            page.goto(self.page.url)
            page.screenshot(path=str(SHOTS / f"{stem}-{label}.png"), full_page=True)
            other.close()

    def real_errors(self) -> list[str]:
        # Sample images point at hosts this machine cannot reach; anything else is a bug.
        return [
            e
            for e in self.errors
            if e.startswith("static ")
            or ("net::ERR" not in e and "Failed to load resource" not in e)
        ]

    def close(self) -> None:
        self.context.close()


@pytest.fixture(scope="module")
def browser_with_history(browser: Browser) -> Iterator[Browser]:
    """Chromium as people have it: Playwright turns the back/forward cache off, and that
    cache is what shows a page again on Back without asking the server."""
    from tests.conftest import CHROMIUM, CHROMIUM_ARGS

    launched = browser.browser_type.launch(
        executable_path=CHROMIUM,
        args=CHROMIUM_ARGS,
        ignore_default_args=["--disable-back-forward-cache"],
    )
    yield launched
    launched.close()


@pytest.fixture
def people(
    request: pytest.FixtureRequest, browser: Browser, production_server: Any
) -> Iterator[Any]:
    made: list[Person] = []
    journey = request.node.name.removeprefix("test_")[:28].rstrip("_")

    def person(name: str, *, browser_to_use: Browser | None = None, **options: Any) -> Person:
        made.append(
            Person(browser_to_use or browser, production_server, f"{journey}-{name}", **options)
        )
        return made[-1]

    yield person
    errors = {p.name: p.real_errors() for p in made}
    for p in made:
        p.close()
    assert not any(errors.values()), f"console errors: {errors}"


# --- Steps, as a person takes them


def sign_up(person: Person, username: str) -> None:
    page = person.page
    page.goto("/")
    page.get_by_role("link", name="Sign up").click()
    page.get_by_label("Username:", exact=True).fill(username)
    page.get_by_label("Password:", exact=True).fill(PASSWORD)
    page.get_by_label("Password confirmation:", exact=True).fill(PASSWORD)
    person.look("sign-up")
    page.get_by_role("button", name="Create account").click()
    page.wait_for_url(f"{person.server.url}/")
    # Signed in on the page the form leads to, and on the next: the session the sign-up
    # made survives the requests after it.
    expect(page.locator(".nav-user")).to_have_text(username)
    expect(page.get_by_text(f"Welcome, {username}: you are signed in.")).to_be_visible()
    if person.width < 500:
        page.get_by_text("Menu", exact=True).click()
    page.get_by_role("link", name="My highlights").click()
    page.wait_for_url("**/highlights/")
    expect(page.locator(".nav-user")).to_have_text(username)
    person.look("signed-in")


def go_to_add(person: Person) -> None:
    person.page.goto("/")
    person.page.get_by_role("link", name="Add", exact=True).click()
    person.page.wait_for_url("**/add/")


def add_by_paste(person: Person, text: str) -> str:
    go_to_add(person)
    person.page.get_by_label("Text or HTML:", exact=True).fill(text)
    person.look("add-paste")
    person.page.get_by_role("button", name="Add the story").click()
    person.page.wait_for_url("**/stories/**")
    return person.page.url


def add_by_upload(person: Person, path: Path) -> str:
    go_to_add(person)
    person.page.get_by_label("File:", exact=True).set_input_files(str(path))
    person.page.get_by_role("button", name="Upload").click()
    person.page.wait_for_url("**/stories/**")
    return person.page.url


def add_by_address(person: Person, address: str) -> str:
    go_to_add(person)
    person.page.get_by_label("Page address:", exact=True).fill(address)
    person.page.get_by_role("button", name="Fetch the story").click()
    person.page.wait_for_url("**/stories/**")
    return person.page.url


# The on-screen boxes of the first and last line of a passage in the story body, which is
# where a person's eyes find it.
PASSAGE = """([quote, occurrence]) => {
  const root = document.getElementById("story-body");
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  const nodes = [];
  let text = "";
  while (walker.nextNode()) { nodes.push([walker.currentNode, text.length]); text += walker.currentNode.data; }
  let from = -1;
  for (let i = 0; i <= occurrence; i++) from = text.indexOf(quote, from + 1);
  if (from < 0) return null;
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


def drag_over(person: Person, quote: str, occurrence: int = 0) -> None:
    """Press the mouse before the first letter and release it after the last."""
    page = person.page
    page.locator("#story-body").scroll_into_view_if_needed()
    boxes = page.evaluate(PASSAGE, [quote, occurrence])
    assert boxes, f"{quote!r} is not on the page"
    first, last = boxes["first"], boxes["last"]
    page.mouse.move(first["left"] + 1, first["top"] + first["height"] / 2)
    page.mouse.down()
    page.mouse.move((first["left"] + last["right"]) / 2, last["top"] + last["height"] / 2, steps=4)
    page.mouse.move(last["right"] - 1, last["top"] + last["height"] / 2, steps=4)
    page.mouse.up()
    expect(page.locator("#annotate-toolbar")).to_be_visible()
    assert page.evaluate("document.getSelection().toString()").strip() == quote


def highlight(person: Person, quote: str, colour: str) -> int:
    drag_over(person, quote)
    before = person.page.locator("#story-body mark.hl").count()
    person.page.locator(f"#annotate-toolbar button[data-colour='{colour}']").click()
    expect(person.page.locator("#story-body mark.hl")).to_have_count(before + 1)
    mark = person.page.locator(f"#story-body mark.hl-{colour}", has_text=quote.split()[0]).last
    return int(mark.get_attribute("data-annotation") or 0)


def comment(person: Person, quote: str, text: str, tags: str) -> int:
    drag_over(person, quote)
    page = person.page
    page.locator("#annotate-toolbar").get_by_role("button", name="Comment").click()
    page.get_by_label("Comment", exact=True).fill(text)
    page.get_by_label("Tags").fill(tags)
    person.look("comment-box")
    cards = page.locator("#annotation-list > li").count()
    page.locator("#annotate-toolbar").get_by_role("button", name="Save").click()
    expect(page.locator("#annotation-list > li")).to_have_count(cards + 1)
    return int(
        page.locator("#story-body mark.hl-emphasized").last.get_attribute("data-annotation") or 0
    )


def reply(person: Person, annotation: int, text: str) -> None:
    card = person.page.locator(f"#annotation-{annotation}")
    card.get_by_role("link", name="Reply").click()
    card.get_by_label("Reply:", exact=True).fill(text)
    card.get_by_role("button", name="Reply").click()
    expect(card.locator(".reply-body")).to_contain_text(text)


def make_link_only(person: Person, annotation: int) -> str:
    card = person.page.locator(f"#annotation-{annotation}")
    card.get_by_role("link", name="Edit").click()
    card.get_by_label("Visibility:", exact=True).select_option(label="Anyone with the link")
    card.get_by_role("button", name="Save").click()
    expect(card.locator(".annotation-private")).to_have_text("Link only")
    card.get_by_role("link", name="Share").click()
    link = card.get_by_label("Link to this annotation (anyone with the link)")
    expect(link).to_be_visible()
    person.look("share-menu")
    return link.input_value()


def marks(person: Person) -> list[tuple[str, int, str, str]]:
    """What is highlighted where: each mark's words, where they start in the story's text,
    its colour, and the comment on its card (ids aside: a restore gives new ones)."""
    return person.page.evaluate(
        """() => {
          const root = document.getElementById("story-body");
          const found = [];
          for (const mark of root.querySelectorAll("mark.hl")) {
            if (mark.parentElement.closest("mark.hl")) continue;
            const range = document.createRange();
            range.setStart(root, 0);
            range.setEndBefore(mark);
            const id = mark.dataset.annotation;
            const card = document.getElementById(`annotation-${id}`);
            const comment = card?.querySelector(".annotation-comment")?.innerHTML || "";
            const replies = [...(card?.querySelectorAll(".reply-body") || [])].map((r) => r.innerHTML);
            found.push([mark.textContent, range.toString().length, mark.className, comment + replies.join("|")]);
          }
          return found;
        }"""
    )


def download(person: Person, link_name: str) -> Path:
    with person.page.expect_download() as event:
        person.page.get_by_role("link", name=link_name, exact=True).last.click()
    path = Path(event.value.path())
    assert path.stat().st_size > 0
    return path


def delete_every_highlight(person: Person, story_url: str) -> None:
    page = person.page
    page.goto(story_url)
    while page.locator("#annotation-list > li").count():
        cards = page.locator("#annotation-list > li").count()
        page.locator("#annotation-list > li").first.get_by_role(
            "button", name="Delete"
        ).first.click()
        expect(page.locator("#annotation-list > li")).to_have_count(cards - 1)


def create_token(person: Person) -> str:
    page = person.page
    page.goto("/")
    if person.width < 500:
        page.get_by_text("Menu", exact=True).click()
    page.get_by_role("link", name="API tokens").click()
    page.get_by_label("Name").fill("restore")
    page.get_by_role("button", name="Create token").click()
    token = page.get_by_role("textbox", name="New token").input_value()
    person.look("api-token")
    assert token
    return token


def restore(server: Any, export: dict[str, Any], token: str, username: str) -> int:
    """The README's restore: every item of the export, page after page, POSTed to the API
    in order; replies by others stay out (they cannot be restored under their names)."""
    posted = 0
    page = export.get("first")
    while isinstance(page, dict):
        for item in page["items"]:
            if item.get("motivation") == "replying" and item["creator"]["nickname"] != username:
                continue
            request = Request(
                f"{server.url}/api/annotations/",
                data=json.dumps(item).encode(),
                headers={
                    "Authorization": f"Bearer {token}",
                    "Content-Type": "application/ld+json",
                },
                method="POST",
            )
            with urlopen(request) as response:
                assert response.status == 201
            posted += 1
        page = page.get("next")
    return posted


# --- Journeys


def test_a_reader_signs_up_reads_highlights_shares_exports_and_restores(
    people: Any, production_server: Any, local_web: LocalServer, tmp_path: Path
) -> None:
    ada = people("ada")
    page = ada.page
    sign_up(ada, "ada")

    # Three stories, the three ways the Add page offers.
    pasted = add_by_paste(ada, PASTED)
    expect(page.locator("h1.story-title")).to_have_text(
        "The ordinance that asks vendors to show their work"
    )
    ada.look("story-pasted")
    upload = tmp_path / "rivers.html"
    upload.write_bytes(article_page(UPLOADED_TITLE, UPLOADED))
    uploaded = add_by_upload(ada, upload)
    expect(page.locator("h1.story-title")).to_have_text(UPLOADED_TITLE)
    fetched = add_by_address(ada, local_web.url("/news/storage-engine"))
    expect(page.locator("h1.story-title")).to_have_text(FETCHED_TITLE)
    ada.look("story-fetched")
    assert Story.objects.count() == 3

    # Reading: the front page lists them, a title opens one.
    page.goto("/")
    ada.look("front-page")
    page.get_by_role("link", name="The ordinance that asks vendors to show their work").click()
    page.wait_for_url(pasted)
    expect(page.locator("#story-body")).to_contain_text("publish an audit of the model")

    # Highlighting with the mouse, a Markdown comment with tags, a reply.
    highlight(ada, "publish an audit of the model", "green")
    noted = comment(
        ada,
        "the audit rule was vague",
        "**Who** audits? See [the rule](https://city.example/rule) and `section 4`.",
        "policy, AI",
    )
    card = page.locator(f"#annotation-{noted}")
    expect(card.locator(".annotation-comment strong")).to_have_text("Who")
    expect(card.locator(".annotation-comment a")).to_have_attribute(
        "href", "https://city.example/rule"
    )
    expect(card.locator(".tag-list")).to_contain_text("#ai")
    reply(ada, noted, "Section 4 names the city auditor.")
    ada.look("story-annotated")
    assert Annotation.objects.filter(author__username="ada").count() == 2

    # Shared by link: a visitor without an account sees the passage marked and in view,
    # and the preview says the comment as text.
    link = make_link_only(ada, noted)
    visitor = people("visitor")
    visitor.page.goto(link)
    mark = visitor.page.locator(f"#hl-{noted}")
    expect(mark).to_have_text("the audit rule was vague")
    expect(mark).to_be_in_viewport()
    visitor.look("shared-link")
    for selector in (
        'meta[name="description"]',
        'meta[property="og:description"]',
        'meta[name="twitter:description"]',
    ):
        description = visitor.page.locator(selector).get_attribute("content") or ""
        assert "Who audits? See the rule and section 4." in description, description
        assert not re.search(r"\*\*|\]\(|`", description), description

    # A highlight on the story with an address of its own, one on the uploaded story.
    page.goto(fetched)
    highlight(ada, "keeps writes ordered", "blue")
    page.goto(uploaded)
    highlight(ada, "filled reservoirs quickly", "pink")

    before = {}
    for url in (pasted, fetched, uploaded):
        page.goto(url)
        before[url] = marks(ada)
    assert sum(len(found) for found in before.values()) == 4

    # Export through the links on the page, both formats.
    page.goto(pasted)
    page.get_by_role("link", name="Share or export your annotated version").click()
    ada.look("share-and-export")
    markdown = download(ada, "Markdown").read_text()
    assert "> the audit rule was vague" in markdown
    assert "**Who** audits?" in markdown  # a Markdown file keeps the Markdown
    assert "Section 4 names the city auditor." in markdown
    exported = json.loads(download(ada, "JSON-LD").read_text())
    assert exported["type"] == "AnnotationCollection" and exported["total"] == 5

    # Everything deleted, from the story pages.
    for url in (pasted, fetched, uploaded):
        delete_every_highlight(ada, url)
    page.goto("/highlights/")
    expect(page.locator(".highlight-item")).to_have_count(0)
    assert not Annotation.objects.exists() and not Reply.objects.exists()

    # Restored through the API with a token from the API tokens page: the same highlights
    # in the same places, with their comments, tags, colours and the reply.
    token = create_token(ada)
    assert restore(production_server, exported, token, "ada") == 5
    for url in (pasted, fetched, uploaded):
        page.goto(url)
        assert marks(ada) == before[url], url
    ada.look("restored")
    page.get_by_role("searchbox", name="Search stories and highlights").fill("audits")
    page.keyboard.press("Enter")
    page.wait_for_url("**/search/?q=audits")
    expect(page.locator(".story-item-title")).to_contain_text(["The ordinance"])
    ada.look("search")
    page.get_by_role("navigation", name="Results").get_by_role("link", name="Highlights").click()
    expect(page.locator(".highlight-item")).to_have_count(2)
    # The comment as text, its words marked: no Markdown showing.
    expect(page.locator(".highlight-item .annotation-comment")).to_have_text(
        "Who audits? See the rule and section 4."
    )
    ada.look("search-highlights")
    page.goto("/highlights/")
    expect(page.locator(".highlight-item")).to_have_count(4)
    ada.look("my-highlights")
    restored = Annotation.objects.get(comment__startswith="**Who**")
    assert restored.visibility == "link" and restored.tag_names() == ["ai", "policy"]
    assert [r.body for r in restored.replies.all()] == ["Section 4 names the city auditor."]


def test_a_second_reader_never_sees_the_first_ones_private_things(
    people: Any, production_server: Any, browser_with_history: Browser, local_web: LocalServer
) -> None:
    ada = people("ada", browser_to_use=browser_with_history)
    sign_up(ada, "ada")
    # Her own copy of a pasted text, and a story from the web that every reader shares.
    pasted = add_by_paste(ada, PASTED)
    story = add_by_address(ada, local_web.url("/news/storage-engine"))
    secret = comment(ada, "keeps writes ordered", "My *secret* note about vendors", "hidden-tag")
    shared_private = ada.page.locator(f"#annotation-{secret}")
    expect(shared_private.locator(".annotation-private")).to_have_text("Private")

    bob = people("bob")
    sign_up(bob, "bob")
    # What would give the private annotation away (the searches themselves repeat words).
    markers = (
        "secret</em> note",
        "secret note",
        "#hidden-tag",
        f'data-annotation="{secret}"',
        f"annotation-{secret}",
        f"/api/annotations/{secret}/",
    )
    pages = [
        "/",
        "/?show=annotated",
        story,
        "/highlights/",
        "/search/?q=secret",
        "/search/?q=secret&kind=highlights",
        "/search/?q=note&kind=highlights",
        "/search/?q=ordered&kind=highlights",
        "/search/?tag=hidden-tag&kind=highlights",
        "/highlights/?tag=hidden-tag",
        "/api/annotations/",
        f"/api/annotations/?story={story.rstrip('/').split('/')[-2]}",
        f"/api/annotations/?target={local_web.url('/news/storage-engine')}",
    ]
    for url in pages:
        response = bob.page.goto(url)
        assert response is not None and response.ok, url
        content = bob.page.content()
        for marker in markers:
            assert marker not in content, (url, marker)
        bob.look(re.sub(r"\W+", "-", url.removeprefix(production_server.url)).strip("-") or "front")
    for url in (
        f"/annotations/{secret}/",
        f"/annotations/{secret}/share/",
        f"/api/annotations/{secret}/",
        pasted,  # her own copy: hers alone
    ):
        response = bob.page.goto(url)
        assert response is not None and response.status == 404, url

    # Ada logs out; Back shows nothing private from the browser's history or cache.
    ada.page.goto("/highlights/")
    expect(ada.page.get_by_text("My secret note about vendors")).to_be_visible()
    if ada.width < 500:
        ada.page.get_by_text("Menu", exact=True).click()
    ada.page.get_by_role("button", name="Log out").click()
    ada.page.wait_for_url(f"{production_server.url}/")
    ada.page.go_back(wait_until="commit")  # a page from the back/forward cache fires no load
    # Asked for again (it may not be kept), and now it is the log-in page.
    expect(ada.page).to_have_url(re.compile(r"/accounts/login/\?next=/highlights/$"))
    expect(ada.page.locator("body")).not_to_contain_text("secret note")
    ada.look("back-after-log-out")


def test_double_clicks_store_one_thing(people: Any, production_server: Any) -> None:
    ada = people("ada")
    sign_up(ada, "ada")
    add_by_paste(ada, PASTED)
    page = ada.page

    # A colour swatch double-clicked: one highlight.
    drag_over(ada, "publish an audit of the model")
    page.locator("#annotate-toolbar button[data-colour='yellow']").dblclick()
    expect(page.locator("#story-body mark.hl")).to_have_count(1)
    page.wait_for_timeout(500)  # a second request, had one gone out, is answered by now
    assert Annotation.objects.count() == 1
    expect(page.locator("#annotation-list > li")).to_have_count(1)

    # The comment box's Save double-clicked: one annotation.
    drag_over(ada, "the audit rule was vague")
    page.locator("#annotate-toolbar").get_by_role("button", name="Comment").click()
    page.get_by_label("Comment", exact=True).fill("Once is enough")
    page.locator("#annotate-toolbar").get_by_role("button", name="Save").dblclick()
    expect(page.locator("#annotation-list > li")).to_have_count(2)
    page.wait_for_timeout(500)
    assert Annotation.objects.filter(comment="Once is enough").count() == 1

    # Reply double-clicked: one reply, on the page and stored.
    annotation = Annotation.objects.get(comment="Once is enough")
    card = page.locator(f"#annotation-{annotation.pk}")
    card.get_by_role("link", name="Reply").click()
    card.get_by_label("Reply:", exact=True).fill("Said once")
    card.get_by_role("button", name="Reply").dblclick()
    expect(card.locator(".reply-body")).to_have_count(1)
    page.wait_for_timeout(500)
    assert Reply.objects.filter(body="Said once").count() == 1
    page.reload()
    expect(page.locator(".reply-body", has_text="Said once")).to_have_count(1)

    # "Highlight a quote" (a plain form, no script involved) double-clicked: one highlight.
    page.get_by_text("Highlight a quote").click()
    page.get_by_label("Words from the story:", exact=True).fill("café owners would never read it")
    page.locator("#quote-highlight").get_by_role("button", name="Highlight").dblclick()
    page.wait_for_url("**#hl-*")
    page.wait_for_timeout(500)
    assert Annotation.objects.filter(exact="café owners would never read it").count() == 1
    ada.look("double-clicks")


def test_hostile_input_gets_an_error_where_it_was_typed_and_markdown_renders(
    people: Any, production_server: Any
) -> None:
    """Issue 13: input that used to stall the server or make a 500 is refused on the form
    it was typed into, keeping what was typed; ordinary Markdown still renders."""
    ada = people("ada")
    sign_up(ada, "ada")
    page = ada.page

    # A paste past the plain-text caps: the reason, on the paste form, the text kept.
    go_to_add(ada)
    too_long = "A title\n" + "\n".join(f"Line {i} of a log." for i in range(4_100))
    # Pasted in one go, as Ctrl+V does (Playwright's fill types it far slower).
    page.get_by_label("Text or HTML:", exact=True).evaluate(
        "(box, text) => { box.value = text; box.dispatchEvent(new Event('input', {bubbles: true})); }",
        too_long,
    )
    page.get_by_role("button", name="Add the story").click()
    expect(
        page.get_by_text("Plain text is limited to 200,000 characters and 4,000 lines")
    ).to_be_visible()
    expect(page.get_by_label("Text or HTML:", exact=True)).to_have_value(too_long)
    ada.look("paste-too-long")
    assert not Story.objects.exists()

    add_by_paste(ada, PASTED)

    # A comment nested past what the renderer shows: refused in the comment box.
    drag_over(ada, "publish an audit of the model")
    page.locator("#annotate-toolbar").get_by_role("button", name="Comment").click()
    page.get_by_label("Comment", exact=True).fill("1. " * 1000)
    page.locator("#annotate-toolbar").get_by_role("button", name="Save").click()
    expect(page.get_by_text("Lists and quotes nest too deeply in this comment")).to_be_visible()
    ada.look("comment-too-deep")
    assert not Annotation.objects.exists()

    # Markdown as readers write it: a list after a line of text, a link, emphasis.
    page.get_by_label("Comment", exact=True).fill(
        "Two points:\n- see [the rules](https://example.com/rules)\n- *vague* wording"
    )
    page.locator("#annotate-toolbar").get_by_role("button", name="Save").click()
    card = page.locator("#annotation-list > li").first
    expect(card.locator(".annotation-comment li")).to_have_count(2)
    link = card.get_by_role("link", name="the rules")
    expect(link).to_have_attribute("href", "https://example.com/rules")
    expect(link).to_have_attribute("rel", "nofollow noopener noreferrer")
    expect(card.locator(".annotation-comment em")).to_have_text("vague")

    # A reply of nested brackets (seconds of CPU with Python-Markdown) is shown as typed.
    annotation = Annotation.objects.get()
    card = page.locator(f"#annotation-{annotation.pk}")
    card.get_by_role("link", name="Reply").click()
    brackets = "[" * 5000 + "]" * 4999
    card.get_by_label("Reply:", exact=True).fill(brackets)
    card.get_by_role("button", name="Reply").click()
    expect(card.locator(".reply-body")).to_contain_text("[[[[")
    assert Reply.objects.get().body == brackets
    ada.look("markdown")


KIT_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>What the new team kit is made of</title></head><body><main><article>
<h1>What the new team kit is made of</h1>
<p>The club unveiled its new kit on Monday, and the supplier says every shirt is made from
three fibres that were chosen for how little water they need to grow.</p>
<ul><li>organic cotton</li><li>hemp</li><li>recycled polyester</li></ul>
<p>The supplier published the race results of its cycling team alongside the launch, to
show the kit in use over the spring season.</p>
<table><tr><th>Position</th><th>Rider</th></tr><tr><td>1</td><td>Kyle Busch</td></tr>
<tr><td>2</td><td>Denny Hamlin</td></tr></table>
<p>Fans can order the shirts from next week, and the club said the old kit will be
recycled through the same programme.</p>
</article></main></body></html>"""


def test_words_in_separate_list_items_and_cells_are_found_and_highlighted(
    people: Any, production_server: Any
) -> None:
    ada = people("ada")
    sign_up(ada, "ada")
    story_url = add_by_paste(ada, KIT_PAGE)
    page = ada.page
    # Each item and cell reads on its own line, as the page drew them.
    expect(page.locator("#story-body li")).to_have_text(
        ["organic cotton", "hemp", "recycled polyester"]
    )
    ada.look("kit-story")
    # The stored text keeps them apart, so search finds a word that was in an item or cell.
    for word in ("hemp", "Hamlin"):
        page.get_by_role("searchbox", name="Search stories and highlights").fill(word)
        page.keyboard.press("Enter")
        page.wait_for_url(f"**/search/?q={word}")
        expect(page.locator(".story-item-title")).to_contain_text(["What the new team kit"])
    ada.look("kit-search")
    page.goto(story_url)
    # A highlight dragged across two list items keeps the line between them.
    drag_over(ada, "hemp\nrecycled polyester")
    page.locator("#annotate-toolbar button[data-colour='green']").click()
    # One mark per item it covers, nothing drawn between them.
    expect(page.locator("#story-body mark.hl-green")).to_have_text(["hemp", "recycled polyester"])
    annotation = Annotation.objects.get()
    assert annotation.exact == "hemp\nrecycled polyester"
    text = annotation.revision.body_text
    assert text[annotation.start : annotation.end] == annotation.exact
    assert "1\nKyle Busch\n2\nDenny Hamlin" in text
    ada.look("kit-highlight")


def test_highlights_follow_a_changed_story_and_a_lost_one_is_attached_again_by_hand(
    people: Any, production_server: Any, local_web: LocalServer
) -> None:
    ada = people("ada")
    sign_up(ada, "ada")
    address = local_web.url("/news/storage-engine")
    story_url = add_by_address(ada, address)
    kept = highlight(ada, "keeps writes ordered even when the disk fills up", "yellow")
    edited = highlight(ada, "focuses on reliability and a faster start-up", "green")
    lost = highlight(ada, "asked for fewer surprises during their upgrades", "blue")

    # The site edits its article: a paragraph above, a word changed, a paragraph gone.
    revised = [
        "Update: a second release followed a week later with two small fixes.",
        FETCHED[0].replace("a faster start-up", "a quicker start-up"),
        FETCHED[1],
        "Operators now run it on their own hardware without any trouble at all.",
    ]
    html = article_page(FETCHED_TITLE, revised)
    local_web.add("/news/storage-engine", (200, {"Content-Type": "text/html; charset=utf-8"}, html))
    assert add_by_address(ada, address) == story_url  # fetched again: a new revision
    page = ada.page
    expect(page.locator(f"#story-body mark[data-annotation='{kept}']")).to_have_text(
        "keeps writes ordered even when the disk fills up"
    )
    expect(page.locator(f"#story-body mark[data-annotation='{edited}']")).to_have_text(
        "focuses on reliability and a quicker start-up"
    )
    edited_card = page.locator(f"#annotation-{edited}")
    expect(edited_card.locator(".annotation-notice")).to_contain_text(
        "Text changed since you highlighted it. It read: "
        "focuses on reliability and a faster start-up"
    )
    lost_card = page.locator(f"#detached-list #annotation-{lost}")
    expect(lost_card.locator(".annotation-quote")).to_have_text(
        "asked for fewer surprises during their upgrades"
    )
    expect(page.locator(f"#story-body mark[data-annotation='{lost}']")).to_have_count(0)
    ada.look("story-changed")

    # Attached again by hand, to the words that replaced it.
    lost_card.get_by_text("Attach to words in the story").click()
    lost_card.get_by_label("Words from the story").fill("run it on their own hardware")
    ada.look("attach-form")
    lost_card.get_by_role("button", name="Attach").click()
    page.wait_for_url(f"**#hl-{lost}")
    expect(page.locator(f"#story-body mark[data-annotation='{lost}']")).to_have_text(
        "run it on their own hardware"
    )
    expect(page.locator(f"#annotation-{lost} .annotation-notice")).to_contain_text(
        "It read: asked for fewer surprises during their upgrades"
    )
    expect(page.locator("#detached-list > li")).to_have_count(0)
    ada.look("attached-again")
