"""The HTML5 Security Cheatsheet vectors in every field a user or a feed controls, rendered
in Chromium on every page that shows that field: no dialog, no script, no foreign request.

Many vectors share one field and one page load (fields are filled to their length), so
the whole corpus costs a few dozen page loads. What counts as execution: a dialog
(`alert`/`confirm`/`prompt`, which the corpus calls), the `window.__xss` sentinel that
the extra vectors below set, a request to any host but the live server, or a CSP
violation (the `page` fixture fails on console errors, and Chromium reports refused
inline scripts and handlers there).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.test import Client
from playwright.sync_api import expect

from annotations.models import Annotation, Reply, Visibility
from annotations.testing import annotate
from articles.ingest.blocks import Block
from articles.ingest.extract import Extracted
from articles.ingest.pipeline import store
from articles.models import Source, Story, StoryRevision
from tests.conftest import SHARED

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CORPUS = SHARED / "corpus" / "xss-h5sc"
SENTINELS = [
    '<img src=x onerror="window.__xss=1">',
    '"><script>window.__xss=1</script>',
    "'><svg onload=window.__xss=1>",
    '<a href="javascript:window.__xss=1" id=xss-link>x</a>',
    "</title><script>window.__xss=1</script>",
    "</textarea><script>window.__xss=1</script>",
    '<iframe srcdoc="<script>parent.__xss=1</script>"></iframe>',
    '<div hx-get="/" hx-trigger="load" hx-on:htmx:load="window.__xss=1">x</div>',
    "{{ 7*7 }}{% debug %}",
]
WORDS = (
    "Engineers at the company said the new release focuses on reliability, with a "
    "rewritten storage layer, faster start-up and fewer surprises for self-hosters."
)


def _vectors() -> list[str]:
    payloads = json.loads((CORPUS / "payloads.json").read_text(encoding="utf-8"))
    items = json.loads((CORPUS / "items.json").read_text(encoding="utf-8"))
    names = "|".join(sorted(map(re.escape, payloads), key=len, reverse=True))
    placeholder = re.compile(f"%({names})%")
    filled = [placeholder.sub(lambda m: payloads[m.group(1)], item["data"]) for item in items]
    lines = (CORPUS / "vectors.txt").read_text(encoding="utf-8").splitlines()
    unique = dict.fromkeys([*SENTINELS, *filled, *(line for line in lines if line.strip())])
    return list(unique)


def _pack(vectors: list[str], limit: int, sep: str = " ") -> list[str]:
    """Vectors joined into values of at most `limit` characters; one longer than the field
    is cut, as the field would cut it."""
    packed: list[str] = []
    current = ""
    for vector in vectors:
        vector = vector[:limit]
        if current and len(current) + len(sep) + len(vector) > limit:
            packed.append(current)
            current = ""
        current = f"{current}{sep}{vector}" if current else vector
    if current:
        packed.append(current)
    return packed


@dataclass
class Watch:
    origin: str
    dialogs: list[str] = field(default_factory=list)
    foreign: list[str] = field(default_factory=list)


def _watch(page, live_server) -> Watch:
    watch = Watch(live_server.url)
    ours = urlsplit(live_server.url).netloc

    def on_dialog(dialog) -> None:
        watch.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    def on_request(request) -> None:
        parts = urlsplit(request.url)
        if parts.scheme in {"data", "blob", "about"}:
            return
        if parts.netloc != ours:
            watch.foreign.append(request.url)

    page.on("dialog", on_dialog)
    page.on("request", on_request)
    # Nothing leaves the machine: foreign requests are recorded and refused.
    page.route(
        re.compile(r"^(?!" + re.escape(live_server.url) + ").*"), lambda route: route.abort()
    )
    return watch


def _visit(page, watch: Watch, path: str) -> None:
    response = page.goto(path)
    assert response is not None and response.status < 400, (path, response and response.status)
    page.wait_for_load_state("load")
    # Give timers, onload/onerror handlers and htmx "load" triggers a moment to fire.
    page.wait_for_timeout(10)
    assert page.evaluate("() => window.__xss") is None, f"script ran on {path}"
    assert not watch.dialogs, f"dialogs on {path}: {watch.dialogs[:3]}"


def _login(page, live_server, user) -> None:
    client = Client()
    client.force_login(user)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}]
    )


def _story(n: int, **fields: str) -> Story:
    body = fields.pop("body_html", "")
    # The story's address is shown as its source link and in the share previews; only
    # http(s) is stored, but its path and query are whatever the page or feed said.
    url = f"https://news.example/xss-{n}/{fields.pop('url_tail', '')}"
    blocks = [Block("p", f"<p>{WORDS} ({n})</p>", f"{WORDS} ({n})")]
    if body:
        blocks.append(Block("div", body, ""))
    blocks.append(Block("p", f"<p>{WORDS}</p>", WORDS))
    extracted = Extracted(
        title=fields.get("title", f"Story {n}"),
        blocks=blocks,
        dek=fields.get("dek", ""),
        byline=fields.get("byline", ""),
        site_name=fields.get("site_name", ""),
        published=None,
        url=url,
    )
    return store(extracted, origin=StoryRevision.Origin.FILE, url=extracted.url).story


def test_it_runs_no_corpus_vector_on_any_page(page, live_server):
    vectors = _vectors()
    assert len(vectors) > 400
    everything = "\n".join(vectors)

    # The story body (sanitized HTML) and the dek (text) hold the whole corpus at once.
    body_story = _story(0, body_html="".join(f"<div>{v}</div>" for v in vectors), dek=everything)
    titles = _pack(vectors, 500)
    bylines = _pack(vectors, 300)
    site_names = _pack(vectors, 200)
    url_tails = _pack(vectors, 300)
    stories = [body_story]
    for n in range(max(len(titles), len(bylines), len(url_tails))):
        stories.append(
            _story(
                n + 1,
                title=titles[n % len(titles)],
                byline=bylines[n % len(bylines)],
                site_name=site_names[n % len(site_names)],
                url_tail=url_tails[n % len(url_tails)],
            )
        )
    assert sum("<" in (story.url or "") for story in stories) > len(url_tails) // 2
    # Site names beyond the stories' count go to feeds, listed on the sources page.
    ada = User.objects.create_user("ada", password="pw")
    for n, name in enumerate(site_names):
        Source.objects.create(
            name=name, feed_url=f"https://feeds.example/{n}.xml", site_url="https://feeds.example/"
        )
    Story.objects.filter(pk=body_story.pk).update(source=Source.objects.first())
    # Usernames: Django's validator allows only letters, digits and @.+-_, but a username
    # made some other way (the admin, a future SSO) must be just as inert.
    authors = [
        User.objects.create(username=name[:150])
        for name in _pack([v.replace(" ", "") for v in vectors], 150)[:12]
    ]
    # Comments (Markdown, rendered) and tags on public annotations of the body story.
    quote_story = stories[1]
    comments = _pack(vectors, 9_000, sep="\n\n")
    tags = [t.replace(",", " ").strip()[:50] for t in _pack(vectors, 50)]
    for n, comment in enumerate(comments):
        author = authors[n % len(authors)]
        annotation = annotate(
            quote_story,
            author,
            "Engineers",
            occurrence=0,
            comment=comment,
            tags=tags[n :: len(comments)][:40],
            visibility=Visibility.PUBLIC,
        )
        for m, reply_text in enumerate(_pack(vectors, 4_000, sep="\n\n")):
            reply = Reply(annotation=annotation, author=authors[(n + m) % len(authors)])
            reply.set_body(reply_text)
            reply.save()
    mine = annotate(quote_story, ada, "rewritten storage layer", comment=everything[:9_000])
    mine.set_tags(tags[:30])

    watch = _watch(page, live_server)
    _login(page, live_server, ada)
    pages = ["/", "/sources/", "/highlights/", "/search/?q=engineers", "/search/?q=alert"]
    pages += ["/search/?kind=highlights&q=alert", f"/annotations/{mine.pk}/"]
    pages += [f"/annotations/{a.pk}/replies/" for a in Annotation.objects.all()[:2]]
    pages += [f"/annotations/{a.pk}/share/" for a in (mine, *Annotation.objects.all()[:1])]
    pages += [a.share_path() for a in Annotation.objects.all()[:2]]
    pages += [story.get_absolute_url() for story in Story.objects.all()]
    for path in pages:
        _visit(page, watch, path)
    # The front page's older pages, by their "Older stories" links, to the last one.
    _visit(page, watch, "/")
    for _ in range(len(stories)):
        older = page.get_by_role("link", name="Older stories")
        if not older.count():
            break
        _visit(page, watch, "/" + older.get_attribute("href"))
    # The same pages signed out.
    page.context.clear_cookies()
    for path in ["/", "/search/?q=alert", *(s.get_absolute_url() for s in stories[:3])]:
        _visit(page, watch, path)
    assert not watch.foreign, f"requests to other hosts: {watch.foreign[:5]}"


def test_it_enforces_the_csp_and_reports_violations_as_console_errors(page, live_server):
    response = page.goto("/accounts/login/")
    assert response is not None
    policy = response.headers["content-security-policy"]
    directives = dict(
        (part.split()[0], part.split()[1:]) for part in policy.split(";") if part.strip()
    )
    assert directives["script-src"][0] == "'self'"
    assert any(value.startswith("'nonce-") for value in directives["script-src"])
    assert "'unsafe-inline'" not in policy and "'unsafe-eval'" not in policy
    # htmx 4: fetch in same-origin mode (htmx 2's selfRequestsOnly); allowEval and
    # allowScriptTags are gone, static/js/htmx-safe.js does their work (next test).
    config = json.loads(page.locator('meta[name="htmx-config"]').get_attribute("content"))
    assert config["mode"] == "same-origin"
    assert page.evaluate("() => htmx.version").startswith("4.")
    assert page.evaluate("() => htmx.config.mode") == "same-origin"

    # An inline script and an inline handler are refused, and Chromium says so on the
    # console, which is what makes every browser test fail on a CSP violation.
    page.evaluate(
        """() => {
          const s = document.createElement("script");
          s.textContent = "window.__xss = 1";
          document.body.append(s);
          const img = document.createElement("img");
          img.setAttribute("onerror", "window.__xss = 2");
          img.src = "/static/missing.png";
          document.body.append(img);
        }"""
    )
    page.wait_for_timeout(200)
    assert page.evaluate("() => window.__xss") is None
    violations = [e for e in page.console_errors if "Content Security Policy" in e]
    assert len(violations) >= 2, page.console_errors
    page.console_errors.clear()  # expected here; the fixture fails on any other


def test_htmx_runs_no_script_and_no_attribute_javascript(page, live_server):
    """What htmx 2's allowScriptTags / allowEval = false did: a swapped-in <script> (inline,
    or same-origin, which the CSP would allow) never runs, nor does an hx-on attribute."""
    page.route(
        "**/evil.js",
        lambda route: route.fulfill(body="window.__xss = 1", content_type="text/javascript"),
    )
    page.route(
        "**/fragment",
        lambda route: route.fulfill(
            body='<p id="swapped">Swapped <script src="/static/evil.js"></script>'
            "<script>window.__xss = 2</script></p>",
            content_type="text/html",
        ),
    )
    page.goto("/accounts/login/")
    page.evaluate("() => htmx.ajax('GET', '/fragment', {target: '#main', swap: 'innerHTML'})")
    expect(page.locator("#swapped")).to_have_text("Swapped")
    assert page.locator("#main script").count() == 0
    page.evaluate(
        """() => {
          const button = document.createElement("button");
          button.id = "xss-button";
          button.setAttribute("hx-on:click", "window.__xss = 3");
          document.querySelector("main").append(button);
          htmx.process(button);
        }"""
    )
    page.locator("#xss-button").click()
    expect(page.locator("#xss-button")).to_be_attached()
    page.wait_for_timeout(200)
    assert page.evaluate("() => window.__xss") is None
    # The refusal is reported (by htmx-safe.js, not as a CSP violation), then cleared.
    refused = [e for e in page.console_errors if "JavaScript in attributes is off" in e]
    assert refused, page.console_errors
    page.console_errors.clear()


def test_htmx_swaps_a_429_message_and_no_other_error_page(page, live_server):
    """htmx 4 swaps every answer by default: the config keeps 4xx/5xx pages out of the
    page, except the "Too many requests" message of a 429 (templates/base.html)."""

    def answer(status: int, body: str):
        return lambda route: route.fulfill(
            status=status, body=f"<p>{body}</p>", content_type="text/html"
        )

    for status, body in [(429, "Too many requests"), (403, "Forbidden page"), (500, "Error page")]:
        page.route(f"**/answer-{status}", answer(status, body))
    page.goto("/accounts/login/")
    page.evaluate(
        """() => {
          for (const status of [403, 500, 429]) {
            const button = document.createElement("button");
            button.id = `get-${status}`;
            button.setAttribute("hx-get", `/answer-${status}`);
            button.setAttribute("hx-target", "#answer");
            document.querySelector("main").append(button);
            htmx.process(button);
          }
          const answer = document.createElement("div");
          answer.id = "answer";
          answer.textContent = "unchanged";
          document.querySelector("main").append(answer);
        }"""
    )
    for status in (403, 500):
        with page.expect_response(f"**/answer-{status}"):
            page.locator(f"#get-{status}").click()
        page.wait_for_timeout(100)
        expect(page.locator("#answer")).to_have_text("unchanged")
    page.locator("#get-429").click()
    expect(page.locator("#answer")).to_have_text("Too many requests")
