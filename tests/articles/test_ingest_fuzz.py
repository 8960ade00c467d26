"""Fuzzing the ingestion pipeline and re-anchoring end to end (hypothesis), and every
parser that takes user input for slow inputs (the last section).

Unit-level properties of anchoring live in test_anchoring.py; here random HTML goes
through the real pipeline into the database, and random edits make real new revisions
that re-anchor stored annotations. Invariants:

- ingestion either stores a story or raises ExtractionError (never anything else), and a
  stored revision keeps the text contract: body_text is html_to_text(body_html), and the
  stored HTML is a fixed point of the sanitizer;
- after any edit every annotation is anchored to its exact original quote (ANCHORED at the
  same place, MOVED elsewhere), CHANGED with the current words at its offsets, or
  ORPHANED with its original quote intact; nothing is deleted.
"""

from __future__ import annotations

import html
import itertools
from contextlib import contextmanager, suppress
from html.parser import HTMLParser

import pytest
from django.db import transaction
from django.test import override_settings
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from annotations.anchoring import Selectors, anchor
from annotations.models import MAX_COMMENT, MAX_QUOTE, Anchoring, Annotation
from annotations.testing import annotate
from articles.feeds import FeedError, parse_feed, parse_opml
from articles.ingest.blocks import Block
from articles.ingest.extract import Extracted, ExtractionError
from articles.ingest.glued_words import split_glued_words
from articles.ingest.pipeline import (
    PLAIN_TEXT_MAX_CHARS,
    PLAIN_TEXT_MAX_LINES,
    ingest_document,
    store,
)
from articles.ingest.plaintext import parse_plain_text
from articles.models import StoryRevision
from newsreader.sanitizer import (
    check_comment,
    html_to_text,
    markdown_to_text,
    render_comment,
    sanitize_article_html,
)
from newsreader.task_limits import limited
from search.query import mark_hits, parse
from tests.cpu import cpu_bounded

pytestmark = pytest.mark.django_db

_urls = itertools.count(1)
FUZZ = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

TAGS = ["p", "div", "span", "a", "b", "i", "em", "h2", "ul", "li", "pre", "code", "table",
        "td", "tr", "script", "style", "img", "br", "blockquote", "svg", "math", "template",
        "noscript", "iframe", "select", "option", "textarea", "title", "figure"]  # fmt: skip
ATTRS = ["href", "src", "onclick", "style", "class", "id", "data-x", "hx-get", "srcset"]
SPECIAL = ["\xa0", "\u200b", "&", "<", ">", '"', "'", "`", "\n", "\t", "\r", "\xad", "\x00"]
WORDS = st.sampled_from(
    [
        *SPECIAL,
        *["the", "release", "café", "🚀", "naïve", "ﬁ", "Ω", "word", "engineers"],
        *["javascript:alert(1)", "&amp;", "&#0;", "&lt;script&gt;"],
    ]
)


@st.composite
def soups(draw: st.DrawFn, depth: int = 0) -> str:
    """Random, often broken, HTML: nested tags, odd attributes, entities, stray brackets."""
    parts = []
    for _ in range(draw(st.integers(0, 6))):
        kind = draw(st.integers(0, 5 if depth < 3 else 2))
        if kind <= 2:
            parts.append(" ".join(draw(st.lists(WORDS, max_size=12))))
        elif kind == 3:
            parts.append(draw(st.sampled_from(["</p>", "<p", "<!--", "-->", "<![CDATA[", "]]>"])))
        else:
            tag = draw(st.sampled_from(TAGS))
            attrs = "".join(
                f' {name}="{html.escape(value)}"'
                for name, value in draw(
                    st.lists(st.tuples(st.sampled_from(ATTRS), st.text(max_size=12)), max_size=2)
                )
            )
            inner = draw(soups(depth + 1))
            close = draw(st.booleans())
            parts.append(f"<{tag}{attrs}>{inner}" + (f"</{tag}>" if close else ""))
    return "".join(parts)


class _Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, attrs))


def _assert_inert(body_html: str) -> None:
    """No element or attribute that runs script; words like "javascript:" may be text."""
    parser = _Elements()
    parser.feed(body_html)
    for tag, attrs in parser.found:
        assert tag not in {"script", "style", "iframe", "svg", "math", "template", "object"}
        for name, value in attrs:
            assert not name.startswith(("on", "hx-", "data-")), (tag, name)
            assert name != "style"
            if name in {"href", "src", "srcset"}:
                scheme = (value or "").strip().lower().split(":", 1)
                assert len(scheme) == 1 or scheme[0] in {"http", "https"}, (tag, value)


def _filler(n: int) -> list[Block]:
    text = f"Engineers said the release focuses on reliability and fewer surprises ({n})."
    return [Block("p", f"<p>{text}</p>", text) for _ in range(4)]


@FUZZ
@given(soup=soups())
def test_it_stores_random_html_with_the_text_contract_or_refuses_it(soup):
    n = next(_urls)
    extracted = Extracted(
        title=f"Fuzz {n}",
        blocks=[*_filler(n), Block("div", soup, "")],
        dek="",
        byline="",
        site_name="",
        published=None,
        url=f"https://fuzz.example/{n}",
    )
    with transaction.atomic():
        try:
            result = store(extracted, origin=StoryRevision.Origin.FILE, url=extracted.url)
        except ExtractionError:
            return
        revision = result.revision
        assert revision.body_text == html_to_text(revision.body_html)
        assert sanitize_article_html(revision.body_html) == revision.body_html
        _assert_inert(revision.body_html)
        transaction.set_rollback(True)


@FUZZ
@given(soup=soups(), wrap=st.booleans())
def test_it_extracts_random_pages_or_says_why(user, soup, wrap):
    n = next(_urls)
    page = soup
    if wrap:
        filler = "".join(f"<p>{b.text}</p>" for b in _filler(n))
        head = f"<html><head><title>Fuzz {n}</title></head>"
        page = f"{head}<body><article>{filler}{soup}</article></body></html>"
    with transaction.atomic():
        try:
            result = ingest_document(page, "html", origin=StoryRevision.Origin.PASTE, owner=user)
        except ExtractionError as exc:
            assert str(exc)  # a message the form can show
            return
        revision = result.revision
        assert revision.body_text == html_to_text(revision.body_html)
        transaction.set_rollback(True)


PARAGRAPHS = [
    "The ordinance requires every vendor to publish an audit of the model before use.",
    "Critics said the audit rule was vague and that café owners 🚀 would never read it.",
    "The council will vote again in spring, after a consultation with residents.",
    "Engineers at the company said the new release focuses on reliability.",
]
EDIT_WORDS = st.sampled_from(["audit", "the", "café", "🚀", "vote", "spring", " ", "\n", "x"])


@st.composite
def edits(draw: st.DrawFn, text: str) -> str:
    """Random insertions, deletions and replacements of a paragraph text."""
    for _ in range(draw(st.integers(1, 6))):
        at = draw(st.integers(0, len(text)))
        action = draw(st.sampled_from(["insert", "delete", "replace"]))
        span = draw(st.integers(0, 30))
        piece = " ".join(draw(st.lists(EDIT_WORDS, min_size=1, max_size=4)))
        if action == "insert":
            text = text[:at] + piece + text[at:]
        elif action == "delete":
            text = text[:at] + text[at + span :]
        else:
            text = text[:at] + piece + text[at + span :]
    return text


@FUZZ
@given(data=st.data())
def test_it_anchors_every_annotation_exactly_or_orphans_it_after_random_edits(
    data, django_user_model
):
    n = next(_urls)
    url = f"https://fuzz.example/anchoring-{n}"
    with transaction.atomic():
        author = django_user_model.objects.create_user(f"fuzz{n}")

        def version(paragraphs: list[str]) -> StoryRevision:
            return store(
                Extracted(
                    title="Anchoring fuzz",
                    blocks=[Block("p", f"<p>{html.escape(p)}</p>", p) for p in paragraphs],
                    dek="",
                    byline="",
                    site_name="",
                    published=None,
                    url=url,
                ),
                origin=StoryRevision.Origin.FILE,
                url=url,
            ).revision

        first = version(PARAGRAPHS)
        story = first.story
        text = first.body_text
        made = []
        for _ in range(data.draw(st.integers(1, 5))):
            start = data.draw(st.integers(0, len(text) - 2))
            end = data.draw(st.integers(start + 1, min(len(text), start + 60)))
            assume(text[start:end].strip())
            quote = text[start:end]
            made.append(annotate(story, author, quote, occurrence=text[:start].count(quote)))
        edited = [data.draw(edits(p)) for p in PARAGRAPHS]
        assume(any(p.strip() for p in edited))
        try:
            second = version([p for p in edited if p.strip()] + PARAGRAPHS[:1])
        except ExtractionError:
            return
        new_text = second.body_text
        assert Annotation.objects.filter(story=story).count() == len(made)
        for annotation in Annotation.objects.filter(story=story):
            state = annotation.anchor_state
            assert annotation.original_exact  # the reader's words are never lost
            if state in (Anchoring.ANCHORED, Anchoring.MOVED):
                assert annotation.revision_id == second.pk
                assert new_text[annotation.start : annotation.end] == annotation.original_exact
            elif state == Anchoring.CHANGED:
                assert annotation.revision_id == second.pk
                assert new_text[annotation.start : annotation.end] == annotation.exact
                assert annotation.exact != annotation.original_exact
            else:
                assert state == Anchoring.ORPHANED
        transaction.set_rollback(True)


# --------------------------------------------------------------------------------------
# Every parser that takes user input, fed random input scaled up to its maximum size,
# looking for slow inputs as well as crashes (issue 13). A small random pattern is
# repeated up to the size limit, so hypothesis explores shapes and the repetition finds
# what is superlinear. Each input must finish within CPU_BOUND seconds of the reference
# machine's CPU (tests/cpu.py; the worst inputs found by hand take a quarter of it); a hang
# is cut off by the task limits' timers instead of stalling the run.
# --------------------------------------------------------------------------------------

CPU_BOUND = 1.5
SLOW = settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@contextmanager
def _bounded(what: str):
    with (
        override_settings(TASK_CPU_LIMIT=CPU_BOUND * 4, TASK_TIME_LIMIT=120),
        limited(what),
        cpu_bounded(CPU_BOUND, what),
    ):
        yield


def _scaled(pieces: st.SearchStrategy[str], limit: int) -> st.SearchStrategy[str]:
    """A random pattern of pieces, repeated to a random length up to `limit`: half the
    time the limit itself, where a superlinear cost shows most."""
    length = st.one_of(st.just(limit), st.integers(1, limit))
    return st.tuples(st.lists(pieces, min_size=1, max_size=8).map("".join), length).map(
        lambda pair: (pair[0] * (pair[1] // max(1, len(pair[0])) + 1))[: pair[1]]
    )


GLUE = st.sampled_from(
    ["the", "was", "banned", "and", "UK", "US", "after", "theUK", "wasbanned", "a", "x", "é",
     " ", "\n", "\n\n", ".", "’s", "-", "•", "1.", "Http://", "@", "_", "(", ")", "Q", "zz"]
)  # fmt: skip


@SLOW
@given(text=_scaled(GLUE, PLAIN_TEXT_MAX_CHARS))
def test_paste_splitting_is_bounded_on_any_text_of_the_maximum_size(text):
    text = "\n".join(text.split("\n")[: PLAIN_TEXT_MAX_LINES - 1])
    with _bounded("parse_plain_text"):
        story = parse_plain_text("Title\n" + text)
    assert all(block.text.strip() for block in story.blocks)


@SLOW
@given(text=_scaled(GLUE, 20_000))
def test_glued_word_splitting_only_ever_inserts_spaces(text):
    with _bounded("split_glued_words"):
        split = split_glued_words(text)
    assert split.replace(" ", "") == text.replace(" ", "")


MARKDOWN = st.sampled_from(
    ["[", "]", "(", ")", "[a](", "*", "_", "**", "`", "```", "\n", "\n\n", "> ", "- ", "1. ",
     "    ", "\t", "<", ">", "&", "&#1;", "!", "\\", "http://e.test/", "a", " ", "#", "---", "|"]
)  # fmt: skip


@SLOW
@given(source=_scaled(MARKDOWN, MAX_COMMENT))
@example(source="(" * MAX_COMMENT)  # bleach's link pattern retried a run of "(" from each
def test_markdown_is_bounded_and_safe_on_any_comment_of_the_maximum_length(source):
    with _bounded("render_comment"):
        with suppress(ValueError):
            check_comment(source)
        rendered = render_comment(source)
        markdown_to_text(source)
    _assert_inert(rendered)


FEED_PIECES = st.sampled_from(
    ['<?xml version="1.0"?>', "<rss>", "<channel>", "<item>", "<title>", "t", "</title>",
     "<link>http://e.test/a</link>", "</item>", "<entry>", "<feed>", "<![CDATA[", "]]>", "&amp;",
     "<", ">", "{", "}", "[", "]", '"items":', '"version":"https://jsonfeed.org/version/1.1",',
     '"url":"http://e.test/b",', ",", ":", '"', "\x00", "é",
     # the shapes of issue 13's slow feeds: nesting, attributes, entities, comments, PIs,
     # namespaces, HTML in text
     "<div>", "</div>", "<description>", "</description>", "<item ", "a='1' ", "/>", "&nbsp;",
     "&bogus;", "&", "&lt;b&gt;", "<!--", "-->", "<?p x?>", "<a:b xmlns:a='u'>", "</a:b>"]
)  # fmt: skip


@SLOW
@given(body=_scaled(FEED_PIECES, 5 * 1024 * 1024), json_type=st.booleans())
def test_feed_parsing_is_bounded_and_says_why_it_refuses(body, json_type):
    content_type = "application/feed+json" if json_type else "application/rss+xml"
    with _bounded("parse_feed"):
        try:
            parse_feed(body.encode(), url="https://e.test/feed", content_type=content_type)
        except FeedError as exc:
            assert str(exc)


OPML_PIECES = st.sampled_from(
    ["<opml>", "<body>", "<outline ", 'xmlUrl="http://e.test/f" ', 'title="T" ', 'xmlUrl="x" ',
     "/>", ">", "</outline>", "</body>", "</opml>", "<!DOCTYPE x>", "&lt;", " ", "\n", "é"]
)  # fmt: skip


@SLOW
@given(body=_scaled(OPML_PIECES, 200_000))
def test_opml_parsing_is_bounded_and_says_why_it_refuses(body):
    with _bounded("parse_opml"):
        try:
            feeds = parse_opml(body.encode())
        except FeedError as exc:
            assert str(exc)
        else:
            assert feeds


QUERY_PIECES = st.sampled_from(
    ['"', "-", "or", "OR", " ", "word", "café", "\x00", "(", ")", "*", ":", "\u2028", "a-b"]
)  # fmt: skip


@SLOW
@given(
    query=_scaled(QUERY_PIECES, 10_000),
    marked=_scaled(st.sampled_from(["\x02", "\x03", "<", "a"]), 10_000),
)
def test_search_query_parsing_and_hit_marking_are_bounded(query, marked):
    with _bounded("search query"):
        parsed = parse(query)
        html = mark_hits(marked)
    assert len(parsed.groups) + len(parsed.excluded) <= len(query)
    assert html.count("<mark") == html.count("</mark>")


TEXT_PIECES = st.sampled_from(["the ", "release ", "audit ", "a", "b", " ", "\n", ".", "é", "ab"])


@SLOW
@given(
    text=_scaled(TEXT_PIECES, 100_000),
    exact=_scaled(TEXT_PIECES, MAX_QUOTE),
    prefix=_scaled(TEXT_PIECES, 32),
    suffix=_scaled(TEXT_PIECES, 32),
    start=st.integers(-1, 100_000),
)
def test_anchoring_selectors_is_bounded_on_any_story_and_quote(text, exact, prefix, suffix, start):
    selectors = Selectors(
        exact=exact, prefix=prefix, suffix=suffix, start=start, end=start + len(exact)
    )
    with _bounded("anchor"):
        found = anchor(selectors, text)
    assert found is not None
