"""Extraction: a web page (or plain text) in, metadata and body blocks out.

HTML goes through trafilatura once (`bare_extraction` gives body and metadata from one
parse); its XML body is turned into our block list. Plain text has its own parser in
`plaintext.parse_plain_text`.
"""

from __future__ import annotations

import contextlib
import copy
import html
import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from itertools import pairwise
from urllib.parse import urljoin

import lxml.html
import trafilatura
from htmldate import find_date
from lxml import etree
from lxml.html import HtmlElement

from . import comparison, recovery
from . import trafilatura_compat as tc
from .blocks import BLOCK_TAGS, LINE_BREAK_TAGS, Block
from .glued_words import space_lost_between
from .trafilatura_compat import Document, convert_to_html, delete_element, normalize_authors, trim


class ExtractionError(Exception):
    """The input is not something we can turn into a story; the message is for the user."""


@dataclass
class Extracted:
    title: str
    blocks: list[Block]
    dek: str = ""
    byline: str = ""
    site_name: str = ""
    published: datetime | None = None
    language: str = ""
    url: str | None = None
    image: str = ""
    extra: dict[str, str] = field(default_factory=dict)


_HEADING_TAGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
_HEADING_OR_P = _HEADING_TAGS | {"p"}
_KEPT_ATTRIBUTES = frozenset({"href", "src", "alt", "title", "colspan", "rowspan"})
_WITH_ATTRIBUTES = etree.XPath(".//*[@*]")
# An element's text, all descendants included, as one string built in C (the same as
# joining itertext(), in a fraction of the time).
_STRING_VALUE = etree.XPath("string()", smart_strings=False)
# A meta description that was cut short by the publisher's CMS is not a dek.
_TRUNCATED = re.compile(r"(\[\s*(…|\.\.\.)\s*\]|…|\.\.\.)\s*$")


def collapse(text: str) -> str:
    # str.split() splits on the same characters as a \s+ regex, and is much faster.
    return " ".join(text.split())


def _squeeze(text: str) -> str:
    """Every whitespace run as one space, the edges' runs included."""
    inner = " ".join(text.split())
    if not inner:
        return " " if text else text
    return f"{' ' if text[0].isspace() else ''}{inner}{' ' if text[-1].isspace() else ''}"


def _to_block(element: etree._Element) -> Block | None:
    tag = str(element.tag)
    if tag in _HEADING_TAGS:
        level = min(max(int(tag[1]), 2), 4)
        element.tag = f"h{level}"
        tag = element.tag
    if tag == "img":
        figure = etree.Element("figure")
        figure.append(copy.deepcopy(element))
        figure[0].tail = None
        element = figure
        tag = "figure"
    elif tag not in BLOCK_TAGS:
        element.tag = "p"
        tag = "p"
    element.tail = None
    text = collapse(_STRING_VALUE(element))
    if not text and element.find(".//img") is None:
        return None
    markup = etree.tostring(element, encoding="unicode", method="html")
    return Block(tag=tag, html=markup, text=text)


def _fix_structure(root: etree._Element) -> None:
    """trafilatura's XML→HTML conversion maps every <code> to <pre> and every list to
    <ul>; restore inline code and ordered lists from what the XML kept."""
    for element in list(root.iter("pre")):
        parent = element.getparent()
        inline_parents = {"p", "li", "td", "th", "a", "b", "i", "em", "strong", "figcaption"}
        # <pre><code> comes out as <pre><pre>: the inner one is the code element.
        if parent is not None and (
            parent.tag in inline_parents or any(a.tag == "pre" for a in element.iterancestors())
        ):
            element.tag = "code"
    for element in root.iter("ul"):
        if element.get("rend") == "ol":
            element.tag = "ol"


def _normalize_whitespace(root: etree._Element) -> None:
    """Collapse source-code indentation inside text so the stored text reads as prose;
    <pre> keeps its whitespace."""
    in_pre = {inner for pre in root.iter("pre") for inner in pre.iter()}
    for element in root.iter(etree.Element):
        # Most text is already squeezed: printable means no whitespace but " ". Testing
        # that first spares the split and join (and the parent lookup) for each node.
        text, tail = element.text, element.tail
        if text and not (text.isprintable() and "  " not in text) and element not in in_pre:
            element.text = _squeeze(text)
        if (
            tail
            and not (tail.isprintable() and "  " not in tail)
            and element.getparent() not in in_pre
        ):
            element.tail = _squeeze(tail)


def _strip_block_edges(element: etree._Element) -> None:
    if element.tag == "pre":
        return
    if element.text:
        element.text = element.text.lstrip()
    last = element[-1] if len(element) else None
    if last is not None:
        if last.tail:
            last.tail = last.tail.rstrip()
    elif element.text:
        element.text = element.text.rstrip()


# Blocks that may not sit inside a paragraph or a heading. Pages wrap teaser cards
# and quotes that way ("<p><a><h3>Title</h3><p>Blurb</p></a></p>"); a browser would
# break them apart, and so do we, so every block is one of its own.
_HOISTED = frozenset(
    {"p", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "dl", "blockquote", "pre", "table",
     "figure", "div", "section", "article"}
)  # fmt: skip


def _has_nested_block(element: etree._Element) -> bool:
    if not len(element):
        return False  # most paragraphs: no child elements at all
    return any(isinstance(d.tag, str) and d.tag in _HOISTED for d in element.iterdescendants())


def _hoist_blocks(element: etree._Element) -> list[etree._Element]:
    """A paragraph or heading holding blocks → those blocks, with the inline runs around
    them as paragraphs. Inline wrappers around blocks (a card's one big link) go."""
    tag = element.tag
    if (tag not in _HEADING_OR_P and tag in BLOCK_TAGS) or not _has_nested_block(element):
        return [element]
    out: list[etree._Element] = []
    current = etree.Element("p")

    def add_text(text: str | None) -> None:
        if not text:
            return
        if len(current):
            current[-1].tail = (current[-1].tail or "") + text
        else:
            current.text = (current.text or "") + text

    def flush() -> None:
        nonlocal current
        if len(current) or (current.text and current.text.strip()):
            _strip_block_edges(current)
            out.append(current)
        current = etree.Element("p")

    def walk(node: etree._Element) -> None:
        add_text(node.text)
        for child in list(node):
            tail, child.tail = child.tail, None
            if not isinstance(child.tag, str):
                pass
            elif child.tag in _HOISTED:
                flush()
                out.extend(_hoist_blocks(child))
            elif _has_nested_block(child):
                walk(child)
            else:
                current.append(child)
            add_text(tail)

    walk(element)
    flush()
    return out


_TABLE_PARTS = ("tr", "td", "th", "thead", "tbody", "tfoot")


def _unorphan_cells(root: etree._Element) -> None:
    """Table cells outside any table (trafilatura keeps a comparison card's
    "<th>Equipment Costs</th><td>$250</td>" rows but not the table around them): an HTML
    parser drops such tags and glues the cells' words ("CostsPackages"). A cell becomes
    the paragraph it reads as, a row or row group the block that holds them."""
    for element in list(root.iter(*_TABLE_PARTS)):
        if any(ancestor.tag == "table" for ancestor in element.iterancestors()):
            continue
        element.tag = "p" if element.tag in {"td", "th"} else "div"


# Inline runs whose edges trafilatura loses spaces at: links, and the formatting it keeps
# (<strong>full EV car</strong> never → "carnever"; "at <b>just</b>" → "atjust";
# "<tt>€70</tt> to" → "€70to", its #t rendition comes out as <var>; "feature <code>rt</code>").
_INLINE_RUNS = (
    "a", "b", "i", "u", "em", "strong", "code", "kbd", "samp", "tt", "var", "sub", "sup"
)  # fmt: skip


class _PageSpaces:
    """Whether the page itself has whitespace before and after each run of link, bold
    or italic text where it meets a word, keyed by the run's words: trafilatura trims
    the space after a link now and then ("<a>aid your bookkeeping</a> receipts" came out
    "bookkeepingreceipts"), and the page's own markup says where one was. A run whose
    copies in the page disagree says nothing."""

    def __init__(self, tree: etree._Element | None = None) -> None:
        self.before: dict[str, bool] = {}
        self.after: dict[str, bool] = {}
        self._tree = tree

    def read(self, keys: set[str] | None = None) -> _PageSpaces:
        """Read the page's runs (only those whose words are in ``keys``, when given: the
        runs of the extracted text, a few dozen of the page's hundreds). Once."""
        tree, self._tree = self._tree, None
        if tree is None:
            return self
        firsts = None if keys is None else {key.split(" ", 1)[0] for key in keys}
        for run in tree.iter(*_INLINE_RUNS):
            if firsts is not None and not _may_be(run, firsts):
                continue
            key = collapse("".join(run.itertext()))
            if not key or (keys is not None and key not in keys):
                continue
            # Only a copy with a space or a letter beside it tells: one at the edge of
            # its block ("<li><a>pactree</a></li>") or before a comma says nothing of
            # the copies followed by a word.
            after, before = _text_after(run) or "", _text_before(run) or ""
            if after[:1].isspace() or after[:1].isalnum():
                self.after[key] = self.after.get(key, True) and after[:1].isspace()
            if before[-1:].isspace() or before[-1:].isalnum():
                self.before[key] = self.before.get(key, True) and before[-1:].isspace()
        return self


def _may_be(run: etree._Element, firsts: set[str]) -> bool:
    """Whether a run's words may start with one of ``firsts``, told from its own first
    text where that settles it (joining all of a run's text cost most of the reading)."""
    head = run.text
    if not head or head[:1].isspace():
        return True
    word, _, rest = head.partition(" ")
    if not rest and len(run):
        return True  # the first word may go on in a child
    return word.split()[0] in firsts if word.split() else True


# Elements that wrap a run without breaking the line: the text after the last link in
# "<strong><a>MacBook Pro</a></strong> with" is the <strong>'s tail.
_WRAPPERS = frozenset((*_INLINE_RUNS, "span", "hi", "ref", "mark", "small", "font", "sup", "sub"))


def _text_after(run: etree._Element) -> str | None:
    """The text right after an element: its tail, or the next element's first text
    ("<a>rich</a><span> </span><a>selling</a>"), or, for the last thing in an inline
    element, what comes after that element; None at the end of a block."""
    while True:
        if run.tail:
            return run.tail
        following = run.getnext()
        if following is not None:
            return next((text for text in following.itertext() if text), following.tail or "")
        parent = run.getparent()
        if parent is None or parent.tag not in _WRAPPERS:
            return None
        run = parent


def _text_before(run: etree._Element) -> str | None:
    """The text right before an element: the previous element's tail or last text, or
    the parent's text when it comes first (and, for the first thing in an inline element
    with no text of its own, what comes before that element); None at the start of a
    block."""
    while True:
        previous = run.getprevious()
        if previous is not None:
            if previous.tail:
                return previous.tail
            texts = [text for text in previous.itertext() if text]
            return texts[-1] if texts else ""
        parent = run.getparent()
        if parent is None:
            return None
        if parent.text:
            return parent.text
        if parent.tag not in _WRAPPERS:
            return None
        run = parent


def _restore_link_spaces(root: etree._Element, page: _PageSpaces) -> None:
    """trafilatura drops the space before or after a link or a bold or italic run now and
    then ("and<a>tasting wine</a>"); put it back where the page has one, or where the words
    on both sides are plainly two words."""
    page.read({collapse("".join(run.itertext())) for run in root.iter(*_INLINE_RUNS)})
    for link in root.iter(*_INLINE_RUNS):
        text = next((text for text in link.itertext() if text), "")
        before = _text_before(link)
        if before and text and _space_lost(before, text, link, page.before):
            previous, parent = link.getprevious(), link.getparent()
            if previous is not None:
                previous.tail = (previous.tail or "") + " "
            elif parent is not None:
                parent.text = (parent.text or "") + " "
        # The run's own last text node, however deep ("<hi><ref>MacBook Pro</ref></hi>").
        last = next((text for text in reversed(list(link.itertext())) if text), "")
        if link.tail and last and _space_lost(last, link.tail, link, page.after):
            link.tail = " " + link.tail


def _space_lost(before: str, after: str, run: etree._Element, page: dict[str, bool]) -> bool:
    """Whether two text nodes meeting at a run's edge lost a space: between two word
    characters where the page has one, or where they read as two words."""
    words = before[-1:].isalnum() and after[:1].isalnum()
    if words and page.get(collapse("".join(run.itertext())), False):
        return True
    return space_lost_between(before, after)


_FIRST_WORD = re.compile(r"^\W*(\w+)")
_LAST_WORD = re.compile(r"(\w+)\W*$")


# Where two pieces of text run together the join most often shows: a lower-case letter
# then a capital ("feetWeight"), a digit then a letter or the reverse ("73Save"). ASCII
# only: Unicode classes made the scan twice as slow, and it reads every page's text.
_JOIN_MARK = re.compile(r"[a-z][A-Z]|[0-9][A-Za-z]|[A-Za-z][0-9]")
_WORD_REST = re.compile(r"\w*")

# trafilatura's inline elements: links and formatting. Everything else in its body
# (paragraphs, headings, items, cells, rows, <lb/>) starts a line.
_XML_INLINE = ("ref", "hi")


def _marked_words(text: str) -> set[str]:
    """The words of ``text`` that show a join, found from the marks outwards. A word never
    spans whitespace, so each distinct whitespace-separated token is searched once, and a
    token of letters with no capital after its first (most of them) cannot hold a mark."""
    words: set[str] = set()
    for token in set(text.split()):
        if not (token.isalpha() and token[1:].islower()):
            words |= _token_marked_words(token)
    return words


def _token_marked_words(text: str) -> set[str]:
    words = set()
    for mark in _JOIN_MARK.finditer(text):
        start = mark.start()
        while start and (text[start - 1].isalnum() or text[start - 1] == "_"):
            start -= 1
        end = _WORD_REST.match(text, mark.end())
        words.add(text[start : end.end() if end else mark.end()])
    return words


_MANY_MARKED = 64
_WORD = re.compile(r"\w+")


def _glued_across_lines(body: etree._Element, page: str) -> set[str]:
    """Words of the extracted text, showing a join, that the page never writes
    (lower-cased): text is only ever taken from the page, so such a word was made by
    running two pieces of it together. Most pages have none, and only theirs are looked
    at further. Read within each text node, and across the edges of links and formatting
    ("<ref>Sandpiper 0</ref>Length"), where a word runs on."""
    marked = _marked_words("\n".join(body.itertext()))
    for run in body.iter(*_XML_INLINE):
        texts = [text for text in run.itertext() if text]
        if not texts:
            continue
        # The two characters that meet must show the join themselves.
        if run.tail and _JOIN_MARK.fullmatch(texts[-1][-1] + run.tail[0]):
            marked.add(_edge(texts[-1], run.tail))
        before = _text_before(run) if texts[0][0].isalnum() else None
        if before and _JOIN_MARK.fullmatch(before[-1] + texts[0][0]):
            marked.add(_edge(before, texts[0]))
    marked.discard("")
    if len(marked) > _MANY_MARKED:
        # One search of the page per word would cost seconds on a page of 10,000
        # "word123"s: the page's words are read once instead.
        written = set(_WORD.findall(page))
        return {word.lower() for word in marked if word not in written}
    # As written: the halves keep the page's own case ("feet", "Weight").
    return {word.lower() for word in marked if word not in page}


def _edge(before: str, after: str) -> str:
    """The word ending ``before`` and the word starting ``after``, run together."""
    last, first = _LAST_WORD.search(before), _FIRST_WORD.match(after)
    if not (last and first and before[-1:].isalnum() and after[:1].isalnum()):
        return ""
    return last.group(1) + first.group(1)


def _line_break_joins(tree: etree._Element, wanted: set[str]) -> dict[str, tuple[str, str]]:
    """For each word in ``wanted`` that is the last word before a line break of the page
    and the first word after it, run together: the two words. A word two different pairs
    could make is left out."""
    joins: dict[str, tuple[str, str] | None] = {}
    last = ""
    broken = False

    def read(text: str | None) -> None:
        nonlocal last, broken
        if not text or not text.strip():
            return
        if broken and last and (first := _FIRST_WORD.match(text)):
            joined = (last + first.group(1)).lower()
            if joined in wanted:
                pair = (last, first.group(1))
                joins[joined] = pair if joins.get(joined, pair) == pair else None
        found = _LAST_WORD.search(text)
        last, broken = (found.group(1) if found else ""), False

    for event, element in etree.iterwalk(tree, events=("start", "end")):
        tag = element.tag
        if not isinstance(tag, str) or tag == "script":
            if event == "end":
                read(element.tail)
            continue
        if tag in LINE_BREAK_TAGS:
            broken = True
        if event == "start":
            read(element.text)
        else:
            read(element.tail)
    return {word: pair for word, pair in joins.items() if pair is not None}


def _separate_lines(body: etree._Element, tree: etree._Element, page: str) -> None:
    """Put a space between two words trafilatura ran together across a line break of the
    page: it trims each piece of a list item's nested blocks and joins them, so a
    product tile's "<div>13 feet</div><div>Weight</div>" came out "13 feetWeight". Only
    a word the page never writes is split, and only where the page has its two halves on
    either side of a break."""
    wanted = _glued_across_lines(body, page)
    if not wanted:
        return
    joins = _line_break_joins(tree, wanted)
    if not joins:
        return
    halves = {a + b: f"{a} {b}" for a, b in joins.values()}

    def split(text: str | None) -> str | None:
        # Word by word with a lookup: one pattern of every join would grow with the page.
        return _WORD.sub(lambda m: halves.get(m.group(), m.group()), text) if text else text

    def joined(before: str, after: str) -> bool:
        return _edge(before, after).lower() in joins

    for element in body.iter():
        element.text, element.tail = split(element.text), split(element.tail)
    # The two words may also meet where an element ends or starts ("<ref>Sandpiper
    # 0</ref>Length:").
    for element in body.iter(*_XML_INLINE):
        texts = [text for text in element.itertext() if text]
        if not texts:
            continue
        if element.tail and joined(texts[-1], element.tail):
            element.tail = " " + element.tail
        before = _text_before(element)
        if before and joined(before, texts[0]):
            previous, parent = element.getprevious(), element.getparent()
            if previous is not None:
                previous.tail = (previous.tail or "") + " "
            elif parent is not None:
                parent.text = (parent.text or "") + " "


def _absolute(url: str, base: str | None) -> str:
    if not base or not url.strip():
        return url  # a link to nowhere stays one (the sanitizer unwraps it)
    if url.startswith(("https://", "http://")):
        return url.strip()  # most links: nothing to resolve, and urljoin is not cheap
    try:
        return urljoin(base, url.strip())
    except ValueError:
        return url  # malformed ("http://[x"): the sanitizer refuses it


def blocks_from_trafilatura_body(
    body: etree._Element, base_url: str | None = None, page: _PageSpaces | None = None
) -> list[Block]:
    """trafilatura's XML body → our blocks, links and images resolved against
    `base_url` (the page's address). The body is taken apart in the process."""
    tree = body
    # Remember ordered lists before the attribute wipe in convert_to_html.
    for element in tree.iter("list"):
        if element.get("rend") in {"ol", "1"}:
            element.set("data-ordered", "1")
    ordered = [e for e in tree.iter("list") if e.get("data-ordered")]
    converted = convert_to_html(tree)
    for element in ordered:
        element.tag = "ol"
    _fix_structure(converted)
    html_body = converted[0]
    _unorphan_cells(html_body)
    _restore_link_spaces(html_body, page or _PageSpaces())
    _normalize_whitespace(html_body)
    # Classes, styles and data attributes would only be dropped by the sanitizer.
    for node in _WITH_ATTRIBUTES(html_body):
        attrib = node.attrib
        for name in [name for name in attrib if name not in _KEPT_ATTRIBUTES]:
            del attrib[name]
        for name in ("href", "src"):
            if (value := attrib.get(name)) is not None:
                attrib[name] = _absolute(value, base_url)
    for child in html_body:
        if isinstance(child.tag, str):
            _strip_block_edges(child)
            for item in child.iter("li", "td", "th", "figcaption", "blockquote"):
                _strip_block_edges(item)
    blocks: list[Block] = []
    if html_body.text and html_body.text.strip():
        text = collapse(html_body.text)
        blocks.append(Block("p", f"<p>{html.escape(text)}</p>", text))
    for child in list(html_body):
        tail = child.tail
        for element in _hoist_blocks(child) if isinstance(child.tag, str) else [child]:
            block = _to_block(element)
            if block is not None:
                blocks.append(block)
        if tail and tail.strip():
            text = collapse(tail)
            blocks.append(Block("p", f"<p>{html.escape(text)}</p>", text))
    return blocks


def _parse_date(value: str | None) -> datetime | None:
    if not value:
        return None
    for fmt in ("%Y-%m-%d", "%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%dT%H:%M:%S"):
        try:
            parsed = datetime.strptime(value[:25], fmt)
        except ValueError:
            continue
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return None


def _clean_title(title: str, site_name: str) -> str:
    """Drop a trailing " | Site" / " - Site" the page's <title> carries."""
    title = collapse(title)
    if site_name:
        for sep in (" | ", " - ", " — ", " – ", " :: ", " · "):
            suffix = f"{sep}{site_name}"
            if title.lower().endswith(suffix.lower()) and len(title) > len(suffix) + 5:
                return title[: -len(suffix)].strip()
    return title


def _dek_from_description(description: str, blocks: list[Block]) -> str:
    description = collapse(description)
    if not description or _TRUNCATED.search(description) or len(description) > 400:
        return ""
    first_text = " ".join(b.text for b in blocks[:2])
    # A description copied from the first paragraph would be shown twice.
    if description[:60].lower() in first_text.lower():
        return ""
    return description


_HTML_LANG = re.compile(r"<html\b[^>]*?\slang=[\"']?([A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})?)", re.I)


def _page_language(page: str) -> str:
    match = _HTML_LANG.search(page[:5000])
    return match.group(1).lower() if match else ""


# trafilatura's byline search (metadata.extract_author), done in one walk over the
# tree instead of a deep copy, a pruning pass and three XPaths with regex callbacks:
# it was half the cost of all metadata. The rules are its rules, in its order;
# tests/articles/test_ingest_extract_speed.py compares both on sample pages.
_AUTHOR_SKIP_CLASS = re.compile(
    r"^[Cc]omments|commentlist|comments-list|sidebar|is-hidden|quote|embedly-instagram"
    r"|article-(?:share|support)|print|category|meta-date|meta-reviewer"
)
_AUTHOR_SKIP_ID = re.compile(r"^comments|comment-?list|ProductReviews")
_AUTHOR_CLASS_1 = re.compile(r"author-?name|AuthorName|authorName")
_AUTHOR_ID_2 = re.compile(r"author|zuozhe|bianji|xiaobian")
_AUTHOR_CLASS_2 = re.compile(
    r"author|channel-name|zuozhe|bianji|xiaobian|submitted-by|posted-by|journalist-name"
)
_AUTHOR_ID_3 = re.compile(r"[Aa]uthor")
_AUTHOR_CLASS_3 = re.compile(r"[Aa]uthor|screenname|writer|[Bb]yline")
_AUTHOR_TAGS_1 = frozenset({"a", "address", "div", "link", "p", "span", "strong"})
_AUTHOR_TAGS_2 = frozenset({"a", "div", "h3", "h4", "p", "span"})
_AUTHOR_MAX_CHARS = 120


def _author_skipped(element: etree._Element, tag: str) -> bool:
    """Comment sections, sidebars, dates and figures, where a name is not the byline."""
    if tag in {"time", "figure"}:
        return True
    if tag not in {"a", "div", "section", "span"}:
        return False
    cls, ident = element.get("class") or "", element.get("id") or ""
    return (
        ident == "comments"
        or cls in {"comments", "title", "date"}
        or bool(_AUTHOR_SKIP_ID.search(ident))
        or bool(_AUTHOR_SKIP_CLASS.search(cls))
        or "Figure" in (element.get("data-component") or "")
    )


def _author_stage(element: etree._Element, tag: str) -> int | None:
    """Which of trafilatura's three byline patterns ``element`` matches first."""
    cls, ident = element.get("class") or "", element.get("id") or ""
    itemprop = element.get("itemprop") or ""
    if tag == "author" or (
        tag in _AUTHOR_TAGS_1
        and (
            element.get("rel") == "author"
            or ident == "author"
            or cls == "author"
            or itemprop == "author name"
            or element.get("data-testid") in {"AuthorCard", "AuthorURL"}
            or _AUTHOR_CLASS_1.search(cls)
        )
    ):
        return 0
    if tag in _AUTHOR_TAGS_2 and (
        cls in {"byline", "username", "byl", "BBL"}
        or "author" in itemprop
        or _AUTHOR_ID_2.search(ident)
        or _AUTHOR_CLASS_2.search(cls)
    ):
        return 1
    if (
        "Byline" in (element.get("data-component") or "")
        or "author" in itemprop
        or _AUTHOR_ID_3.search(ident)
        or _AUTHOR_CLASS_3.search(cls)
    ):
        return 2
    return None


# Attribute values _author_stage can match contain one of these (lower-cased).
_AUTHOR_STEMS = re.compile(
    "author|byl|bbl|username|zuozhe|bianji|xiaobian|channel-name|submitted-by|posted-by"
    "|journalist-name|screenname|writer"
)
# The attributes _author_stage reads, as strings that know their element (in document
# order, like the XPaths they replace), plus <author> elements.
_AUTHOR_HINTS = etree.XPath(
    "//@class | //@id | //@rel | //@itemprop | //@data-testid | //@data-component | //author"
)


def _excluded(element: etree._Element, top: set[etree._Element]) -> bool:
    """In a skipped part of the page, or in a part only XPath sees: lxml's HTML parser
    sometimes hangs nodes under <html> that are not among its children, so iteration
    and copies (and with them trafilatura) never meet them."""
    ancestors = list(element.iterancestors())
    if len(ancestors) >= 2 and ancestors[-2] not in top:
        return True
    return _author_skipped(element, str(element.tag)) or any(
        isinstance(a.tag, str) and _author_skipped(a, a.tag) for a in ancestors
    )


def _author_from_markup(tree: HtmlElement) -> str | None:
    stages: list[list[etree._Element]] = [[], [], []]
    seen: set[etree._Element] = set()
    top = set(tree)
    for hint in _AUTHOR_HINTS(tree):
        if isinstance(hint, etree._Element):
            element = hint
        elif _AUTHOR_STEMS.search(str(hint).lower()):
            element = hint.getparent()
        else:
            continue
        if element in seen:
            continue
        seen.add(element)
        stage = _author_stage(element, str(element.tag))
        if stage is not None:
            stages[stage].append(element)
    for candidates in stages:
        for element in candidates:
            # Tested here, in the order candidates are tried, not for all of them: a page
            # of 10,000 bylines is decided by the first.
            if _excluded(element, top):
                continue
            skipped = [
                child
                for child in element.iterdescendants()
                if isinstance(child.tag, str) and _author_skipped(child, child.tag)
            ]
            if skipped:
                element = copy.deepcopy(element)
                for child in list(element.iterdescendants()):
                    if isinstance(child.tag, str) and _author_skipped(child, child.tag):
                        delete_element(child)
            content = trim(" ".join(element.itertext()))
            if content and 2 < len(content) < _AUTHOR_MAX_CHARS:
                return normalize_authors(None, content)
    return None


# Containers that hold a site's furniture, named the way CSS conventions name them
# ("newsletter-signup", "c-promo", "author-bio", "related-posts", "hs-cta-wrapper").
# trafilatura knows many such names already; these are ones it keeps. Class and id
# are split into words (at spaces, "-", "_" and camelCase humps) so that "promo"
# does not match "promoted" nor "cta" "dictator".
_FURNITURE_WORDS = frozenset(
    {"promo", "promos", "sponsor", "sponsored", "sponsors", "subscribe", "signup",
     "newsletter", "newsletters", "upsell", "donate", "donation", "advert",
     "advertisement", "recommended", "recommendations", "related", "cta", "toc",
     "disclosure", "disclaimer", "affiliate", "popup"}
)  # fmt: skip
_FURNITURE_PAIRS = frozenset(
    {("sign", "up"), ("read", "next"), ("more", "from"), ("more", "stories"),
     ("more", "articles"), ("more", "posts"), ("also", "like"), ("author", "bio"),
     ("author", "box"), ("author", "card"), ("author", "profile"), ("about", "author"),
     ("bio", "box"), ("of", "contents")}
)  # fmt: skip
_NAME_WORD = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])")
_DIGIT_RUN = re.compile(r"[0-9]+")
# A box holds a few lines; a container with this many real paragraphs is the story.
_FURNITURE_MAX_PARAGRAPHS = 3
_PARAGRAPH_CHARS = 80
_CLASS_AND_ID = etree.XPath("//@class | //@id")
_PRUNABLE_SKIP = frozenset({"html", "body", "main", "article", "head"})


# Every word above contains one of these; most class names contain none.
_FURNITURE_STEMS = re.compile(
    "promo|sponsor|subscri|sign|newsletter|upsell|donat|advert|recommend|related|cta|toc"
    "|disclos|disclaim|affiliat|popup|next|more|like|author|bio|contents"
)


@lru_cache(maxsize=4096)
def _names_furniture(names: str) -> bool:
    words = [word.lower() for word in _NAME_WORD.findall(names)]
    return any(word in _FURNITURE_WORDS for word in words) or any(
        pair in _FURNITURE_PAIRS for pair in pairwise(words)
    )


def _looks_like_content(element: HtmlElement) -> bool:
    if element.find(".//h1") is not None:
        return True
    paragraphs = 0
    for paragraph in element.iter("p", "li"):
        if len(paragraph.text_content()) >= _PARAGRAPH_CHARS:
            paragraphs += 1
            if paragraphs >= _FURNITURE_MAX_PARAGRAPHS:
                return True
    return False


# Phrasing elements (HTML's "phrasing content"): inside a sentence they are words of it.
_PHRASING = frozenset(
    {"a", "abbr", "b", "bdi", "bdo", "cite", "code", "data", "dfn", "em", "i", "kbd", "mark",
     "q", "s", "samp", "small", "span", "strong", "sub", "sup", "time", "u", "var"}
)  # fmt: skip


_OWN_TEXT = etree.XPath("text()", smart_strings=False)


def _in_running_text(element: HtmlElement) -> bool:
    """A phrasing element in a sentence: words written around it, in its parent or in
    a phrasing ancestor up to its block (the nearest ancestor that is not phrasing). A
    link whose class says "popup" or "cta" in the middle of a paragraph is part of it;
    one alone in its block, or beside other boxes only (a bar of promo spans), is a box."""
    if element.tag not in _PHRASING:
        return False
    ancestor = element.getparent()
    while ancestor is not None:
        if any(text.strip() for text in _OWN_TEXT(ancestor)):
            return True
        if ancestor.tag not in _PHRASING:
            return False
        ancestor = ancestor.getparent()
    return False


def _prune_boilerplate(tree: HtmlElement) -> None:
    """Remove boxes whose class or id names them as furniture, before extraction (not
    the words of a sentence: a phrasing element in running text stays)."""
    candidates = []
    seen = set()
    # Class and id values come back as strings that know their element, which is much
    # cheaper than visiting every element from Python.
    for value in _CLASS_AND_ID(tree):
        if not _FURNITURE_STEMS.search(value.lower()):
            continue
        element = value.getparent()
        if element in seen or element.tag in _PRUNABLE_SKIP:
            continue
        seen.add(element)
        # Numbers are no words here: "byline-17" and "byline-18" share one cache entry.
        names = _DIGIT_RUN.sub("0", f"{element.get('class') or ''} {element.get('id') or ''}")
        if _names_furniture(names):
            candidates.append(element)
    for element in candidates:
        if not _looks_like_content(element) and not _in_running_text(element):
            delete_element(element)


_BLOCK_IN_CAPTION = frozenset({"p", "div", "ul", "ol", "table", "blockquote", "pre"})


def _wrap_figcaptions(tree: HtmlElement) -> set[str]:
    """trafilatura keeps a caption's paragraphs but drops its bare text ("<figcaption>
    Revenue grew 40%</figcaption>"), and the bare text before its first inline child;
    wrapping a caption without block children in a <p> keeps it. Returns the captions'
    texts, so the paragraphs can go back under their images."""
    captions: set[str] = set()
    for caption in tree.iter("figcaption"):
        text = collapse(caption.text_content())
        if text:
            captions.add(text)
        if any(isinstance(child.tag, str) and child.tag in _BLOCK_IN_CAPTION for child in caption):
            continue
        if not (caption.text or "").strip() and not len(caption):
            continue
        paragraph = etree.SubElement(caption, "p")
        paragraph.text, caption.text = caption.text, None
        for child in list(caption):
            if child is not paragraph:
                paragraph.append(child)
    return captions


def _attach_captions(blocks: list[Block], captions: set[str]) -> list[Block]:
    """An image followed by its caption's paragraph becomes one figure again."""
    out: list[Block] = []
    for block in blocks:
        last = out[-1] if out else None
        if (
            last is not None
            and last.tag == "figure"
            and block.tag == "p"
            and block.text in captions
            and "<figcaption" not in last.html
            and last.html.endswith("</figure>")
        ):
            inner = block.html[len("<p>") : -len("</p>")]
            markup = f"{last.html[: -len('</figure>')]}<figcaption>{inner}</figcaption></figure>"
            out[-1] = Block("figure", markup, collapse(f"{last.text} {block.text}"))
            continue
        out.append(block)
    return out


# The image addresses trafilatura reads (src, data-src*) that start with "//" or that
# have no "." (so no ".png" or ".jpg", which trafilatura requires of an image).
_IMAGE_SOURCES = etree.XPath(
    "//img/@*[(name() = 'src' or starts-with(name(), 'data-src'))"
    " and (starts-with(., '//') or not(contains(., '.')))]"
)


def _prepare_images(tree: HtmlElement, url: str | None) -> None:
    """Give "//host/x.png" images the page's scheme: trafilatura, which gets no URL (see
    _extract_html), would make them http://. And empty the addresses with no "." (inline
    "data:" images above all): trafilatura's file-name test cannot match them, yet its
    regex takes time that grows with the square of their length, up to 8 KB each; an
    image with no web address is dropped by the sanitizer anyway."""
    scheme = url.partition("://")[0].lower() if url and "://" in url else ""
    for value in _IMAGE_SOURCES(tree):
        image, name = value.getparent(), str(value.attrname)
        if value.startswith("//"):
            if scheme in {"http", "https"}:
                image.set(name, f"{scheme}:{value}")
        else:
            image.set(name, "")


# What trafilatura.utils.repair_faulty_html deletes: characters XML does not allow.
_XML_INVALID = tuple(
    chr(code) for code in (*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0xFFFE, 0xFFFF)
)


def load_html(page: str) -> HtmlElement | None:
    """trafilatura.utils.load_html for a decoded page, step for step.

    Its first repair deletes control characters with a regex run over the whole page,
    which cost as much as parsing it; substring tests first find out whether there is any
    (there almost never is).
    """
    if any(map(page.__contains__, _XML_INVALID)):
        return tc.load_html(page)
    beginning = page[:50].lower()
    dubious = tc.is_dubious_html(beginning)
    # The rest of repair_faulty_html: a doctype libxml2 trips on, a self-closing <html/>.
    if "doctype" in beginning:
        first_line, _, rest = page.partition("\n")
        page = tc.DOCTYPE_TAG.sub("", first_line, count=1) + "\n" + rest
    for line in page[:4096].splitlines()[:4]:
        if "<html" in line and line.endswith("/>"):
            page = tc.FAULTY_HTML.sub(r"\1>", page, count=1)
            break
    tree: HtmlElement | None = None
    parsed_bytes = False
    try:
        tree = lxml.html.fromstring(page, parser=tc.HTML_PARSER)
    except ValueError:
        # "Unicode strings with encoding declaration are not supported."
        tree, parsed_bytes = tc.fromstring_bytes(page), True
    except Exception:  # trafilatura logs it and goes on in the same way
        tree = None
    if (tree is None or len(tree) < 1) and not parsed_bytes:
        tree = tc.fromstring_bytes(page)
    if tree is not None and dubious and len(tree) < 2:
        return None  # not HTML at all
    return tree


_INERT = ("style", "link", "meta", "iframe", "footer", "svg", "noscript", "template")


def _strip_inert(tree: HtmlElement) -> None:
    """Remove what trafilatura removes anyway, but only after copying the tree three
    times: scripts, styles, links, meta tags, iframes, footers, SVG, noscript and template
    (the metadata has been read). JSON-LD stays: trafilatura falls back to its articleBody
    on thin pages. Not <nav>, <header>, <form> or <aside>: some sites put the whole story
    in one, and trafilatura's fallbacks look inside them (a page whose text sits in an
    <aside> came out empty when asides went here)."""
    etree.strip_elements(tree, *_INERT, with_tail=False)
    for script in list(tree.iter("script")):
        if script.get("type") != "application/ld+json":
            script.drop_tree()


def _break_code_lines(tree: HtmlElement) -> None:
    """A newline after each block inside a <pre> that more follows: code highlighters
    write each line as a <div> ("<div>cargo install --locked</div><div>cargo create</div>"),
    which HTML lays out one under the other, but the text holds no newline between them,
    so the lines ran together ("--lockedcargo")."""
    for pre in tree.iter("pre"):
        for block in pre.iterdescendants("div", "p"):
            if (block.tail or "").startswith("\n"):
                continue
            if (block.tail or "").strip() or block.getnext() is not None:
                block.tail = "\n" + (block.tail or "")


_JSON_LD = etree.XPath(
    './/script[@type="application/ld+json" or @type="application/settings+json"]'
)
_SURROGATES = re.compile(r"[\ud800-\udfff]")


def _normalize_json(text: str) -> str:
    """trafilatura.json_metadata.normalize_json, but dropping lone surrogates with one
    regex instead of a Python loop over every character of the script (a page's JSON-LD
    runs to tens of kilobytes, and that loop cost more than the rest of the metadata)."""
    if "\\" in text:
        text = text.replace("\\n", "").replace("\\r", "").replace("\\t", "")
        text = tc.JSON_UNICODE_REPLACE.sub(lambda m: chr(int(m[1], 16)), text)
        text = html.unescape(_SURROGATES.sub("", text))
    return trim(tc.HTML_STRIP_TAGS.sub("", text))


def _meta_json(tree: HtmlElement, meta: Document) -> Document:
    """trafilatura.metadata.extract_meta_json, step for step, with _normalize_json."""
    for element in _JSON_LD(tree):
        if not element.text:
            continue
        text = _normalize_json(tc.JSON_MINIFY.sub(r"\1", element.text))
        try:
            meta = tc.extract_json(json.loads(text, strict=False), meta)
        except json.JSONDecodeError:
            meta = tc.extract_json_parse_error(text, meta)
    return meta


def _metadata(tree: HtmlElement, url: str | None) -> Document:
    """Title, byline, date, site name, description, URL and image of a page.

    The steps of ``trafilatura.extract_metadata`` that a story needs, in its order:
    meta tags, then JSON-LD, then the page's own markup for what is still missing.
    Categories, tags and licence are left out, and the date search stays with
    htmldate's structured sources (meta tags, JSON-LD, <time>, the URL): its
    "extensive" full-text scan costs a third of the extraction time for a few more
    dates, which ingestion can get from a feed instead.
    """
    meta = tc.examine_meta(tree)
    # A one-word "author" in meta tags is usually the site's account name.
    if meta.author and " " not in meta.author:
        meta.author = None
    # trafilatura's JSON-LD code trips on odd data; the meta tags still count then.
    with contextlib.suppress(Exception):
        meta = _meta_json(tree, meta)
    if not meta.title:
        meta.title = tc.extract_title(tree)
    if not meta.author:
        meta.author = _author_from_markup(tree)
    if not meta.url:
        meta.url = tc.extract_url(tree, url)
    meta.date = find_date(
        tree,
        url=meta.url or url,
        original_date=True,
        extensive_search=False,
        max_date=datetime.now(UTC).strftime("%Y-%m-%d"),
    )
    if not meta.sitename:
        meta.sitename = tc.extract_sitename(tree)
    if meta.sitename:
        meta.sitename = meta.sitename.lstrip("@")
    meta.clean_and_trim()
    return meta


def _bare_extraction(tree: HtmlElement) -> Document | dict[str, object] | None:
    """trafilatura on a prepared tree: the body as an XML tree, no metadata (read before)."""
    return trafilatura.bare_extraction(
        tree,
        # Without the URL trafilatura leaves links as written: resolving every link of
        # the page (menus included, once per extraction pass) through courlan cost more
        # than the rest of our link handling, and it resolved relative paths against
        # the site's root instead of the page. blocks_from_trafilatura_body resolves
        # the few links of the story instead.
        url=None,
        # The format only decides what is written out: "python" would also render the
        # body to plain text, which we do not use; "xml" leaves the body tree alone.
        output_format="xml",
        include_formatting=True,
        include_links=True,
        include_images=True,
        include_tables=True,
        include_comments=False,
        with_metadata=False,
    )


def extract_html(page: str, url: str | None = None) -> Extracted:
    """Extract a story from a full web page."""
    try:
        return _extract_html(page, url)
    except ExtractionError:
        raise
    except (AssertionError, ValueError, TypeError, IndexError, etree.LxmlError) as exc:
        # trafilatura, htmldate and lxml assert on some malformed trees (e.g. a stray
        # top-level <svg>); for the user that is a page we cannot read, not a crash.
        raise ExtractionError("This page could not be parsed as an article.") from exc


# C0 control characters other than tab, newline and carriage return, raw or as character
# references ("&#1;", "&#x0C;"): HTML shows none of them, and lxml refuses a tree holding
# one, which lost the whole page ("no article text"). They are dropped instead.
_CONTROLS = tuple(chr(code) for code in (*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20)))
_RAW_CONTROL = re.compile("[" + "".join(_CONTROLS) + "]")
_CONTROL_REFERENCE = re.compile(
    r"&#(?:0*(?:[0-8]|1[124-9]|2[0-9]|3[01])|[xX]0*(?:[0-8]|[bBcCeEfF]|1[0-9a-fA-F]));"
)


def _without_controls(page: str) -> str:
    """The page without control characters. Real pages have none: each is looked for
    with a substring search (in C) before a regex runs over the page, which cost 3 ms on
    an average page of the benchmark (a character-class alternation tried at every
    position), 6% of the whole extraction."""
    if any(control in page for control in _CONTROLS):
        page = _RAW_CONTROL.sub("", page)
    if "&#" in page:
        page = _CONTROL_REFERENCE.sub("", page)
    return page


# What a page may hold, each cap at least twice what real article pages hold (the 711
# pages of the extraction benchmark) and each refused above, never cut short. Together
# they keep the worst page found within them well under a second of CPU: about 0.6 s
# for the whole paste request on a shared two-core machine (issue 13; see README, "CPU and
# input bounds", and the shapes in tests/articles/test_views_add.py):
# * elements: trafilatura's passes cost tens of microseconds an element, and they are
#   most of that time; the largest real page has 4,975, so this cap cannot come down.
MAX_ELEMENTS = 10_000
# * characters of class and id values: every pass that reads them (trafilatura's
#   discard rules, the byline search, the furniture pruning) runs regexes over them, so
#   10,000 elements with long class names took 2 s; the most any real page has is 203,182.
MAX_CLASS_AND_ID_CHARS = 500_000
# * characters of text (outside scripts and styles): every step from trafilatura's to
#   the sanitizer's reads the text again, 5 MB of it in one paragraph took 1 s; the most
#   any real page has is 196,472, so twice that is still room (the cap was 1,000,000,
#   and at the element cap the text added 0.1-0.15 s to the worst page).
MAX_TEXT_CHARS = 400_000
# * blocks (paragraphs, headings, lists, figures...) extracted, and top-level elements
#   of trafilatura's body before they are made blocks: cleaning and sanitizing cost tens
#   of microseconds a block, a page of 10,000 links (each its own paragraph) took 1.2 s;
#   the most any real page has is 426 blocks from 399 top-level elements.
MAX_BLOCKS = 1_500
# The page's text, counted in C: string-length() of the whole document, less the text of
# scripts and styles (a few nodes). Listing every text node as a Python string cost 45 ms on
# a page at the cap.
_ALL_TEXT_LENGTH = etree.XPath("string-length(/)")
_SCRIPT_AND_STYLE_TEXT = etree.XPath("//script/text() | //style/text()", smart_strings=False)
_CLASS_AND_ID_VALUES = etree.XPath("//@class | //@id", smart_strings=False)
# What tree.iter() visits (elements, comments, processing instructions), counted without
# making a Python object for each: a third of the time on an ordinary page.
_NODE_COUNT = etree.XPath(
    "count(descendant-or-self::* | descendant::comment() | descendant::processing-instruction())"
)


def _text_length(tree: HtmlElement) -> int:
    """Characters of text in the page outside scripts and styles."""
    total = _ALL_TEXT_LENGTH(tree)
    assert isinstance(total, float)
    return int(total) - sum(map(len, _SCRIPT_AND_STYLE_TEXT(tree)))  # type: ignore[arg-type]


def _extract_html(page: str, url: str | None) -> Extracted:
    page = _without_controls(page)
    if not page.strip():
        raise ExtractionError("The file is empty.")
    # One lxml parse serves the metadata and (as a copy) the body extraction.
    tree = load_html(page)
    if tree is None:
        raise ExtractionError("No article text could be found in this page.")
    if int(_NODE_COUNT(tree)) > MAX_ELEMENTS:
        raise ExtractionError(
            f"This page has more than {MAX_ELEMENTS:,} HTML elements, more than an article "
            "page has: it is not read."
        )
    if sum(map(len, _CLASS_AND_ID_VALUES(tree))) > MAX_CLASS_AND_ID_CHARS:
        raise ExtractionError(
            f"This page's class and id attributes hold more than {MAX_CLASS_AND_ID_CHARS:,} "
            "characters, more than an article page has: it is not read."
        )
    if _text_length(tree) > MAX_TEXT_CHARS:
        raise ExtractionError(
            f"This page has more than {MAX_TEXT_CHARS:,} characters of text, more than an "
            "article page has: it is not read."
        )
    meta = _metadata(tree, url)
    spaces = _PageSpaces(tree)
    _strip_inert(tree)
    _prune_boilerplate(tree)
    captions = _wrap_figcaptions(tree)
    _break_code_lines(tree)
    _prepare_images(tree, url)
    with comparison.shortcut(), recovery.widened():
        document = _bare_extraction(tree)
    if document is None or isinstance(document, dict) or document.body is None:
        raise ExtractionError("No article text could be found in this page.")
    too_many_blocks = ExtractionError(
        f"This page has more than {MAX_BLOCKS:,} paragraphs, headings, lists and figures, "
        "more than an article has: it is not read."
    )
    if len(document.body) > MAX_BLOCKS:
        raise too_many_blocks
    _separate_lines(document.body, tree, page)
    blocks = _attach_captions(blocks_from_trafilatura_body(document.body, url, spaces), captions)
    if not blocks:
        raise ExtractionError("No article text could be found in this page.")
    if len(blocks) > MAX_BLOCKS:
        raise too_many_blocks
    site_name = collapse(meta.sitename or "")
    title = _clean_title(meta.title or "", site_name)
    if not title:
        title = next((b.text for b in blocks if b.is_heading), "") or blocks[0].text[:120]
    return Extracted(
        title=title,
        blocks=blocks,
        dek=_dek_from_description(meta.description or "", blocks),
        byline=collapse(meta.author or "")[:300],
        site_name=site_name[:200],
        published=_parse_date(meta.date),
        language=_page_language(page)[:20],
        url=meta.url or url,
        image=meta.image or "",
    )
