"""The fast tokenizer paths against html5lib on every pair of tags, exhaustively.

The random property tests in test_sanitizer.py sample this space; with CI's fixed seed
they miss whole rules (an <a> opened inside an <a>, a <blockquote> that must close an
open <p>, a cell outside its row). Here every tag the fast paths know meets every other
in a handful of nestings, and every boundary of the character references they decode
is tried, so each rule of _fast_start_ok, _fast_text, _fast_parse and _fast_decode has
a case on both sides of it. A fast path may always decline (None: html5lib decides);
what it must never do is accept and answer differently.
"""

from __future__ import annotations

import itertools

import pytest

from newsreader.sanitizer import _fast_parse, _fast_serialize, _fast_text, _html5lib_serialize

from .test_sanitizer import html5lib_tree, shape, text_content

# Every tag of the fast paths' sets (containers, void, headings, the ordinary phrasing
# tags), and a few they must refuse.
_TAGS = [
    "p", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "blockquote", "pre",
    "figure", "figcaption", "table", "thead", "tbody", "tr", "td", "th", "a", "b", "code",
    "em", "i", "strong", "span", "sub", "sup", "del", "ins", "mark", "abbr", "cite", "q",
    "kbd", "samp", "var", "time", "dfn", "small", "u", "s", "br", "img", "div", "dl",
    "dd", "button", "nobr", "select",
]  # fmt: skip
_NESTINGS = [
    "<{o}>a<{i}>b</{i}>c</{o}>",
    "<{o}>a<{i}>b</{o}>c",
    "<{o}><{i}>b</{i}></{o}><{i}>c</{i}>",
    "<{o}>a</{o}><{i}>b</{i}>",
    "<{o}> <{i}>b</{i}> </{o}>",
    "<{o}>a</{i}>b</{o}>",
]


def _check(markup: str) -> None:
    reference = html5lib_tree(markup)
    fast = _fast_parse(markup)
    if fast is not None:
        assert shape(fast) == shape(reference), markup
    text = _fast_text(markup)
    if text is not None:
        assert text == text_content(markup), markup
    serialized = _fast_serialize(reference)
    if serialized is not None:
        assert serialized == _html5lib_serialize(reference), markup


@pytest.mark.parametrize("outer", _TAGS)
def test_every_pair_of_tags_parses_as_html5lib_parses_it(outer: str) -> None:
    for inner, nesting in itertools.product(_TAGS, _NESTINGS):
        _check(nesting.format(o=outer, i=inner))


# The rules that look further up than the parent: an <li> closes an open <li> through
# phrasing tags but not through blocks, a block closes an open <p> up to a table cell,
# a heading closes a heading, a link never opens inside a link. Each is tried through
# every tag in between.
_CONTEXTS = [
    "<ul><li>a{x}</li></ul>",
    "<p>a{x}</p>",
    "<h2>a{x}</h2>",
    '<a href="https://e.test/">a{x}</a>',
    "<table><tbody><tr><td>a{x}</td></tr></tbody></table>",
    "<p>a<table><tbody><tr><td>{x}</td></tr></tbody></table></p>",
    "<blockquote>a{x}</blockquote>",
    "<pre>a{x}</pre>",
]
_REACHING = ["li", "p", "h3", "a", "blockquote", "table", "ul", "pre", "figure", "td", "br"]


@pytest.mark.parametrize("middle", _TAGS)
def test_rules_that_reach_past_the_parent_hold_through_every_tag(middle: str) -> None:
    for context, inner in itertools.product(_CONTEXTS, _REACHING):
        _check(context.format(x=f"<{middle}>b<{inner}>c</{inner}>d</{middle}>"))
        _check(context.format(x=f"<{middle}>b<{inner}>c"))


@pytest.mark.parametrize(
    "markup",
    [
        # Inside a table only its own parts may follow, each under its proper parent.
        "<table><tbody><tr><td>a</td></tr></tbody></table>",
        "<table><thead><tr><th>a</th></tr></thead><tbody><tr><td>b</td></tr></tbody></table>",
        "<table><tbody><tr><td>a<table><tbody><tr><td>b</td></tr></tbody></table></td></tr></tbody></table>",
        "<table><tbody><tr><td><p>a</p><p>b</p></td></tr></tbody></table>",
        "<p>a<table><tbody><tr><td>b</td></tr></tbody></table>",
        "<table><tr><td>a</td></tr></table>",
        "<table><tbody>x<tr><td>a</td></tr></tbody></table>",
        "<table><tbody> <tr><td>a</td></tr> </tbody></table>",
        "<table><tbody><tr> <td>a</td> </tr></tbody></table>",
        "<table><tbody><tr><td><p>a</td></tr></tbody></table>",
        "<td>a</td>",
        "<tr><td>a</td></tr>",
        # A <p> inside a cell is scoped by it; the cell does not close an outer <p>.
        "<p>x<table><tbody><tr><td><p>a<ul><li>b</li></ul></td></tr></tbody></table></p>",
        # Lists: an <li> closes the open <li> through phrasing tags, not through blocks.
        "<ul><li>a<li>b</li></ul>",
        "<ul><li>a<span><li>b</li></span></li></ul>",
        "<ul><li>a<p><li>b</li></p></li></ul>",
        "<ul><li>a<div><li>b</li></div></li></ul>",
        "<ul><li>a<ul><li>b</li></ul></li></ul>",
        "<ol><li><em>a<li>b</li></em></li></ol>",
        # Links never nest; headings close headings.
        '<a href="https://e.test/">a<a href="https://e.test/2">b</a></a>',
        '<a href="https://e.test/"><em>a<a href="https://e.test/2">b</a></em></a>',
        "<h2>a<h3>b</h3></h2>",
        "<h2><em>a<h3>b</h3></em></h2>",
        # <pre> drops one leading newline, as text or as a reference.
        "<pre>\na</pre>",
        "<pre>\n\na</pre>",
        "<pre>&#10;a</pre>",
        "<pre><code>\na</code></pre>",
        "<pre>\r\na</pre>",
        # Void and self-closing tags.
        "<p>a<br/>b</p>",
        "<p>a<br>b</br></p>",
        "<p>a<img/>b</p>",
        "<p/>a",
        "<em/>a",
        # Attributes: duplicates keep the first, odd quoting goes to the parser.
        '<a href="https://e.test/1" href="https://e.test/2">a</a>',
        "<a href='https://e.test/'>a</a>",
        "<a href=https://e.test/>a</a>",
        '<a HREF="https://e.test/">a</a>',
        '<img src="https://e.test/x.png" alt="a &amp; b">',
        # Unclosed, stray and mismatched end tags.
        "<p>a",
        "a</p>",
        "<em>a</strong>b</em>",
        "<b>a<i>b</b>c</i>",
        "<p>a</p>b</p>",
        "<!-- c -->a",
        "<p>a<!-- c -->b</p>",
        "a<b",
        "a < b",
        "a<",
        "<p>a</p >",
        "<p >a</p>",
    ],
)
def test_awkward_markup_parses_as_html5lib_parses_it(markup: str) -> None:
    _check(markup)


# Each boundary of the references _fast_decode accepts: tab and newline, the printable
# ASCII run (32-126) and DEL after it, C1 controls (mapped through windows-1252), NBSP,
# the surrogates, the last code point and past it, and NUL.
_CODES = [
    0, 1, 8, 9, 10, 11, 12, 13, 31, 32, 33, 65, 125, 126, 127, 128, 129, 150, 159, 160,
    161, 0xFFFD, 0xD7FF, 0xD800, 0xD801, 0xDBFF, 0xDC00, 0xDFFE, 0xDFFF, 0xE000, 0xFDD0,
    0xFFFE, 0x1F600, 0x10FFFE, 0x10FFFF, 0x110000, 0x7FFFFFFF,
]  # fmt: skip
_REFERENCES = [
    form.format(code)
    for code in _CODES
    for form in ("&#{};", "&#x{:x};", "&#X{:X};", "&#{}", "&#0{};")
] + [
    "&amp;", "&lt;", "&gt;", "&quot;", "&nbsp;", "&apos;", "&amp", "&lt", "&notit;",
    "&notin;", "&AMP;", "&copy;", "&copy", "&#;", "&#x;", "&&", "& ", "&", "&1;", "&a",
]  # fmt: skip


@pytest.mark.parametrize("reference", _REFERENCES)
def test_character_references_decode_as_html5lib_decodes_them(reference: str) -> None:
    for markup in (
        f"<p>a{reference}b</p>",
        f"{reference}",
        f"<p>{reference}</p>",
        f'<a href="https://e.test/?x={reference}y">a</a>',
        f'<img src="https://e.test/x.png" alt="{reference}">',
    ):
        _check(markup)
