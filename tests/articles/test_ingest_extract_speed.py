"""The shortcuts the extraction pipeline takes for speed give what the long way gives: our
page loader and trafilatura's, links we resolve ourselves, the sanitizer's cheaper
checks."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st
from lxml import etree

from articles.ingest import extract
from articles.ingest.extract import extract_html, load_html
from articles.ingest.trafilatura_compat import Document, extract_meta_json
from articles.ingest.trafilatura_compat import load_html as trafilatura_load_html
from newsreader import sanitizer
from newsreader.sanitizer import sanitize_article_html
from tests.conftest import SAMPLES

PARAGRAPHS = "".join(
    f"<p>Paragraph {i} of the story says something long enough to be kept by every "
    "extractor, with a few more words so that it reads like real prose.</p>"
    for i in range(8)
)


def _same_tree(page: str) -> None:
    ours, theirs = load_html(page), trafilatura_load_html(page)
    assert (ours is None) == (theirs is None)
    if ours is not None:
        assert etree.tostring(ours) == etree.tostring(theirs)


@pytest.mark.parametrize("path", sorted(SAMPLES.glob("*.html")), ids=lambda p: p.name)
def test_it_loads_sample_pages_as_trafilatura_does(path):
    _same_tree(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    "page",
    [
        "",
        "   ",
        "not html at all",
        "<p>only a fragment</p>",
        "<!DOCTYPE html/>\n<html><body><p>a doctype libxml2 trips on</p></body></html>",
        "<html lang='en'/>\n<body><p>a self-closing html tag</p></body>",
        "<html><body><p>control\x01 characters\x0c and \x1f</p></body></html>",
        "<html><body><p>noncharacters \ufffe\uffff</p></body></html>",
        "<?xml version='1.0' encoding='utf-8'?><html><body><p>declared</p></body></html>",
        "<html><body><p>ünïcödé “quotes”</p></body></html>",
    ],
)
def test_it_loads_odd_pages_as_trafilatura_does(page):
    _same_tree(page)


def _same_json_metadata(page: str) -> None:
    tree = load_html(page)
    assert tree is not None
    ours, theirs = extract._meta_json(tree, Document()), extract_meta_json(tree, Document())
    for name in ("title", "author", "date", "description", "sitename", "url", "image"):
        assert getattr(ours, name) == getattr(theirs, name), name


@pytest.mark.parametrize("path", sorted(SAMPLES.glob("*.html")), ids=lambda p: p.name)
def test_it_reads_json_ld_as_trafilatura_does(path):
    _same_json_metadata(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    "script",
    [
        '{"@context": "https://schema.org", "@type": "NewsArticle", "headline": "Plain",'
        ' "author": {"@type": "Person", "name": "Ann Lee"}}',
        # Escapes: a lone surrogate, \u sequences, \n, entities and tags in the values.
        '{"@context": "https://schema.org", "@type": "NewsArticle",'
        ' "headline": "Caf\\u00e9 \\ud800 &amp;amp; <b>bold</b>\\n",'
        ' "author": {"@type": "Person", "name": "Zo\\u00eb Smith"},'
        ' "datePublished": "2026-03-04T05:06:07Z"}',
        '{"@context": "https://schema.org", "@type": "NewsArticle", "headline": "Broken",'
        ' "author": {"@type": "Person", "name": "A B"',
        '[{"@type": "WebSite", "name": "Site"}, {"@type": "Article", "name": "List"}]',
        "",
    ],
)
def test_it_reads_odd_json_ld_as_trafilatura_does(script):
    _same_json_metadata(
        f'<html><head><script type="application/ld+json">{script}</script></head>'
        "<body><p>Text</p></body></html>"
    )


def test_it_resolves_links_and_images_against_the_page():
    page = (
        "<html><head><title>Links</title></head><body><article><h1>Links</h1>"
        + PARAGRAPHS
        + "<p>See <a href='next'>the next part</a>, <a href='/about'>about us</a>, "
        "<a href='#notes'>the notes</a>, <a href='https://other.example/x'>elsewhere</a>, "
        "<a href='//cdn.example/y'>the mirror</a> and <a href=''>nowhere</a>.</p>"
        "<figure><img src='//cdn.example/chart.png' alt='Chart'></figure>"
        "<figure><img src='img/photo.jpg' alt='Photo'></figure>"
        "</article></body></html>"
    )
    extracted = extract_html(page, url="https://news.example/2026/01/story.html")
    body = sanitize_article_html("\n".join(block.html for block in extracted.blocks))
    hrefs = re.findall(r'href="([^"]*)"', body)
    assert hrefs == [
        "https://news.example/2026/01/next",  # relative to the page, not the site's root
        "https://news.example/about",
        "https://news.example/2026/01/story.html#notes",
        "https://other.example/x",
        "https://cdn.example/y",
    ]
    assert ">nowhere<" not in body and "nowhere" in body  # a link to nowhere is only text
    assert re.findall(r'src="([^"]*)"', body) == [
        "https://cdn.example/chart.png",  # the page's scheme, not http:
        "https://news.example/2026/01/img/photo.jpg",
    ]


def test_it_leaves_links_alone_without_a_page_address():
    page = (
        "<html><body><article>"
        + PARAGRAPHS
        + "<p>See <a href='/about'>about us</a> now.</p></article></body></html>"
    )
    blocks = extract_html(page).blocks
    assert any('href="/about"' in block.html for block in blocks)


@pytest.mark.parametrize(
    "tag", [*sanitizer.ARTICLE_ATTRIBUTES, "script", "div", "span", "iframe", "svg"]
)
def test_its_verdict_on_bare_tags_is_bleachs(tag):
    token = {"type": "StartTag", "name": tag, "data": {}}
    verdict = sanitizer._BLEACH_CHECK.sanitize_token(dict(token, data={}))
    assert sanitizer._bleach_accepts_bare(tag) == (verdict is not None and verdict["data"] == {})
    assert sanitizer._bleach_accepts_bare(tag) is (tag in sanitizer.ARTICLE_ATTRIBUTES)


def test_it_sends_a_body_with_invisible_characters_the_long_way():
    html = "<p>bell\x07 and <em>escape\x1b</em></p>"
    root = sanitizer._parse_fragment(html)
    assert not sanitizer._bleach_accepts(root, sanitizer._serialize(root))
    # bleach.clean turns each into "?", as it does wherever it meets one.
    assert sanitize_article_html(html) == "<p>bell? and <em>escape?</em></p>"


_BAD_CHARS = re.compile("[\x00\ud800-\udfff]")


@given(st.text(alphabet=st.characters(codec=None, exclude_categories=())))
def test_it_finds_nul_and_surrogates_as_the_regex_does(text):
    assert sanitizer._has_bad_chars(text) == bool(_BAD_CHARS.search(text))


@pytest.mark.parametrize("text", ["", "plain", "nul\x00", "é\ud800", "\udfff", "😀 fine"])
def test_it_finds_nul_and_surrogates(text):
    assert sanitizer._has_bad_chars(text) == bool(_BAD_CHARS.search(text))


def test_it_empties_image_addresses_trafilatura_cannot_take():
    tree = load_html(
        "<html><body><p>x</p>"
        f"<img id='inline' src='data:image/png;base64,{'A' * 8000}'>"
        "<img id='lazy' src='data:image/gif;base64,R0lGOD' data-src='https://cdn.example/a.jpg'>"
        "<img id='relative' src='//cdn.example/b.png' data-src-large='//cdn.example/c.png'>"
        "<img id='named' src='photo.jpg' alt='no dot here'></body></html>"
    )
    assert tree is not None
    extract._prepare_images(tree, "https://news.example/story")
    image = {img.get("id"): dict(img.attrib) for img in tree.iter("img")}
    assert image["inline"]["src"] == ""
    assert image["lazy"] == {"id": "lazy", "src": "", "data-src": "https://cdn.example/a.jpg"}
    assert image["relative"]["src"] == "https://cdn.example/b.png"
    assert image["relative"]["data-src-large"] == "https://cdn.example/c.png"
    assert image["named"] == {"id": "named", "src": "photo.jpg", "alt": "no dot here"}


def test_it_keeps_a_lazy_image_behind_an_inline_placeholder():
    page = (
        "<html><body><article><h1>Images</h1>"
        + PARAGRAPHS
        + "<figure><img src='data:image/gif;base64,R0lGODlhAQABAAAAACw=' "
        "data-src='/media/chart.jpg' alt='Chart'></figure>"
        + PARAGRAPHS.replace("Paragraph", "Section")
        + "</article></body></html>"
    )
    extracted = extract_html(page, url="https://news.example/story")
    body = sanitize_article_html("\n".join(block.html for block in extracted.blocks))
    assert re.findall(r'<img[^>]*src="([^"]*)"', body) == ["https://news.example/media/chart.jpg"]
