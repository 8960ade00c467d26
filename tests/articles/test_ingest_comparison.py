"""The shortcut past trafilatura's readability comparison (articles/ingest/comparison.py)
changes the time extraction takes, never what it extracts."""

from __future__ import annotations

import contextlib

import lxml.etree
import lxml.html
import pytest
import trafilatura
from hypothesis import given, settings
from hypothesis import strategies as st

from articles.ingest import comparison
from articles.ingest.extract import ExtractionError, extract_html
from articles.ingest.trafilatura_compat import Extractor, strip_tags_as_called
from tests.conftest import SAMPLES

SENTENCE = (
    "The council said the new rules for every vendor would take effect next spring, after "
    "a consultation that drew hundreds of replies from café owners and market traders."
)


def _extract(page: str, url: str | None):
    try:
        return extract_html(page, url)
    except ExtractionError as exc:
        return str(exc)


def _both_ways(page: str, url: str | None = None) -> list[bool]:
    """Extract with and without the shortcut; the same result. Returns what `skippable`
    answered on the way with it."""
    answers: list[bool] = []
    original = comparison.skippable

    def spy(*args):
        answers.append(original(*args))
        return answers[-1]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(comparison, "skippable", spy)
        short = _extract(page, url)
        patch.setattr(comparison, "shortcut", contextlib.nullcontext)
        long = _extract(page, url)
    assert short == long
    return answers


def _page(article: str, chrome: str = "") -> str:
    return (
        f"<html><head><title>A story</title></head><body>{chrome}"
        f"<article><h1>A story</h1>{article}</article></body></html>"
    )


def test_it_is_installed():
    assert comparison.INSTALLED
    assert comparison.STRIP_TAGS_MERGES


def test_stripped_tags_leave_their_text_as_one_node_inside_the_shortcut():
    strip_tags = strip_tags_as_called()

    def stripped() -> lxml.etree._Element:
        paragraph = lxml.html.fromstring(
            "<div><p>Lead <span>one</span> <span>two <b>bold</b> <span>three</span></span>"
            " end</p></div>"
        )[0]
        strip_tags(paragraph, "span")
        return paragraph

    plain = stripped()
    with comparison.shortcut():
        merged = stripped()
    assert lxml.etree.tostring(merged) == lxml.etree.tostring(plain)
    assert len(plain.xpath("text()")) > 2  # lxml's own way: a node per stripped piece
    assert [str(t) for t in merged.xpath("text()")] == ["Lead one two ", " three end"]


def test_the_guarded_discard_rules_find_what_trafilatura_s_find():
    assert comparison.PRUNING_GUARDED
    pairs = [
        (original, guarded)
        for originals, guardeds in comparison._GUARDED.values()
        for original, guarded in zip(originals, guardeds, strict=True)
        if original is not guarded
    ]
    assert len(pairs) >= 10  # trafilatura's re:test rules, each of them guarded
    pages = [path.read_text(encoding="utf-8") for path in sorted(SAMPLES.glob("*.html"))]
    pages.append(
        '<div id="comments"><p class="hidden">x</p><section class="share-box" style="a">'
        '<span role="navigation" class="">y</span></section></div><p id="">z</p>'
    )
    for page in pages:
        tree = lxml.html.fromstring(page)
        for original, guarded in pairs:
            assert guarded(tree) == original(tree), original.path


def test_a_rule_that_an_empty_name_matches_keeps_its_call():
    rule = lxml.etree.XPath(
        ".//*[re:test(@class, 'x?') or re:test(@id, 'nav')]",
        namespaces={"re": "http://exslt.org/regular-expressions"},
    )
    path = comparison._guarded(rule).path
    assert "(@class) and" not in path
    assert "((@id) and re:test(@id, 'nav'))" in path


def test_a_paragraph_of_many_spans_comes_out_the_same():
    spans = "".join(f'<span class="s">{SENTENCE[:40]} {i} </span>' for i in range(300))
    _both_ways(_page(f"<p>{spans}</p><p>{SENTENCE}</p>"))


@pytest.mark.parametrize("path", sorted(SAMPLES.glob("*.html")), ids=lambda p: p.name)
def test_sample_pages_come_out_the_same(path):
    _both_ways(path.read_text(encoding="utf-8"), "https://news.example/story")


def test_a_story_that_is_most_of_its_page_skips_the_comparison():
    answers = _both_ways(_page("".join(f"<p>{SENTENCE} ({i})</p>" for i in range(12))))
    assert answers and answers[0] is True


@pytest.mark.parametrize(
    "page",
    [
        # Menus and lists around the story hold more text than it: readability could win.
        _page(
            "".join(f"<p>{SENTENCE}</p>" for i in range(4)),
            "<nav>"
            + "".join(f"<a href='/s{i}'>Section {i} of the site</a> " for i in range(80))
            + "</nav>",
        ),
        _page(f"<p>{SENTENCE}</p>"),  # short: justext is tried
        _page(  # more tables than paragraphs
            f"<p>{SENTENCE}</p>"
            + "".join(f"<table><tr><td>{SENTENCE} {i}</td></tr></table>" for i in range(4))
        ),
    ],
    ids=["chrome", "short", "tables"],
)
def test_pages_where_readability_could_win_are_compared(page):
    answers = _both_ways(page)
    assert answers and answers[0] is False


def test_plain_trafilatura_is_left_alone(monkeypatch):
    def refuse(*args):
        raise AssertionError("the shortcut ran outside the pipeline")

    monkeypatch.setattr(comparison, "skippable", refuse)
    page = _page("".join(f"<p>{SENTENCE} ({i})</p>" for i in range(12)))
    assert trafilatura.extract(page)
    with pytest.raises(ExtractionError):  # inside the pipeline it runs (and here refuses)
        extract_html(page)


_block = st.one_of(
    st.integers(1, 3).map(lambda n: f"<p>{' '.join([SENTENCE] * n)}</p>"),
    st.integers(0, 40).map(lambda n: "<ul>" + "<li>item</li>" * n + "</ul>"),
    st.integers(1, 30).map(
        lambda n: (
            "<nav>" + "".join(f"<a href='/s{i}'>Section {i}</a> " for i in range(n)) + "</nav>"
        )
    ),
    st.just(f"<table><tr><td>{SENTENCE}</td><td>2026</td></tr></table>"),
    st.just("<figure><img src='/a.jpg' alt='A'><figcaption>A caption</figcaption></figure>"),
    st.just(f"<div class='related'><h3>Related</h3><a href='/r'>{SENTENCE}</a></div>"),
    st.just("<button>Subscribe</button>"),
)


@settings(max_examples=60, deadline=None)
@given(st.lists(_block, max_size=12), st.lists(_block, max_size=6))
def test_any_page_comes_out_the_same(article, chrome):
    _both_ways(_page("".join(article), "".join(chrome)))


@pytest.mark.parametrize(
    ("extra", "expected"),
    [("", True), ("<figure/>", False), ("<nav>Menu</nav>", False), ("<time>Today</time>", False)],
)
def test_furniture_in_the_body_means_justext_is_tried(extra, expected):
    text = SENTENCE * 3
    body = lxml.etree.fromstring(f"<body><p>{text}</p>{extra}</body>")
    tree = lxml.html.fromstring(f"<html><body><p>{text}</p></body></html>")
    assert comparison.skippable(body, text, tree, Extractor()) is expected


def test_recall_and_fast_modes_keep_their_own_rules():
    text = SENTENCE * 3
    body = lxml.etree.fromstring(f"<body><p>{text}</p></body>")
    tree = lxml.html.fromstring(f"<html><body><p>{text}</p></body></html>")
    assert comparison.skippable(body, text, tree, Extractor())
    assert not comparison.skippable(body, text, tree, Extractor(recall=True))
    assert not comparison.skippable(body, text, tree, Extractor(fast=True))


_PARAGRAPH_TEXT = lxml.etree.XPath(".//p//text()")
_PIECES = st.sampled_from(
    ["<p>", "</p>", "<b>", "</b>", "<div>", "</div>", "<p><p>", "x", " ", "<!--c-->", "<br>",
     "<i></i>", "<?pi x?>", "<![CDATA[y]]>", "<hi/>"]
)  # fmt: skip


@given(st.lists(_PIECES, max_size=14).map("".join))
def test_paragraph_text_is_found_as_the_xpath_finds_it(markup):
    # One walk instead of `.//p//text()`, which took a tenth of a second on 10,000 elements.
    for body in (
        lxml.html.fromstring(f"<html><body>{markup}</body></html>").find("body"),
        lxml.etree.fromstring(f"<body>{markup}</body>", lxml.etree.XMLParser(recover=True)),
    ):
        if body is not None:
            assert comparison.has_paragraph_text(body) is bool(_PARAGRAPH_TEXT(body))


def test_paragraph_text_set_from_code_is_found_as_the_xpath_finds_it():
    body = lxml.etree.fromstring("<body><p><hi/></p><p/></body>")
    assert not comparison.has_paragraph_text(body)
    body[1].text = ""
    assert comparison.has_paragraph_text(body) is bool(_PARAGRAPH_TEXT(body))
    body[0][0].tail = " "
    assert comparison.has_paragraph_text(body) is bool(_PARAGRAPH_TEXT(body))
