"""Fuzzing the ingestion pipeline and re-anchoring end to end (hypothesis).

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
from html.parser import HTMLParser

import pytest
from django.db import transaction
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from annotations.models import Anchoring, Annotation
from annotations.testing import annotate
from articles.ingest.blocks import Block
from articles.ingest.extract import Extracted, ExtractionError
from articles.ingest.pipeline import ingest_document, store
from articles.models import StoryRevision
from newsreader.sanitizer import html_to_text, sanitize_article_html

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
