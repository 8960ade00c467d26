"""The hand-written HTML5 fast path: a strict tokenizer that reads, parses and serializes
the simple HTML the sanitizer writes (and extracted article blocks) exactly as html5lib
would, in a fraction of its time, or answers None and leaves the input to html5lib
(newsreader/sanitizer/html5.py). tests/newsreader/test_sanitizer.py compares both on random input.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from typing import Final

from .allowlists import ARTICLE_ATTRIBUTES

# The fast path: for HTML restricted as below, the HTML5 tree builder never
# moves, drops or adds text. So textContent is the decoded character tokens
# in source order, and a tokenizer is enough. The conditions:
#   * only the tags the sanitizer emits; strict syntax with double-quoted
#     attributes; no comments, doctype or "<" in text;
#   * every end tag closes the current element and nothing is left open, so
#     the parser's stack of open elements matches ours;
#   * no start tag the parser would use to close an element implicitly (a
#     block inside <p>, <li> in an open <li>, a heading as the current
#     node, <a> inside <a>);
#   * table parts only in their proper parents, and only whitespace directly
#     in table/thead/tbody/tr, so nothing is foster-parented;
#   * only the simple character references the serializer writes, plus
#     numeric ones whose value an HTML5 parser keeps as is;
#   * no NUL and no lone surrogates.
# Anything else returns None and is parsed by html5lib. Tests compare both
# paths on random input.
_FAST_TOKEN_RE: Final = re.compile(
    r"""
    (?P<text>[^<]+)
    | <(?P<end>/)?(?P<name>[A-Za-z][A-Za-z0-9]*)
      (?P<attrs>(?:[\t\n\f\ ]+[A-Za-z_:][A-Za-z0-9_:.\-]*="[^"]*")*)
      [\t\n\f\ ]*(?P<selfclose>/)?>
    """,
    re.VERBOSE | re.ASCII,
)
_FAST_REF_RE: Final = re.compile(
    r"(?:(?P<named>amp|lt|gt|quot|apos|nbsp);|#(?P<dec>[0-9]{1,7});|#[xX](?P<hex>[0-9a-fA-F]{1,6});)"
)
_FAST_NAMED: Final[Mapping[str, str]] = {
    "amp": "&",
    "lt": "<",
    "gt": ">",
    "quot": '"',
    "apos": "'",
    "nbsp": "\xa0",
}


def _has_bad_chars(html: str) -> bool:
    """NUL or a surrogate code point: what the tokenizers leave to html5lib. (The same as
    searching for "[\\x00\\ud800-\\udfff]", without a regex walking the whole text.)"""
    if "\x00" in html:
        return True
    if html.isascii():
        return False
    try:
        html.encode("utf-8")
    except UnicodeEncodeError:
        return True  # only surrogate code points cannot be encoded
    return False


_FAST_VOID: Final = frozenset({"br", "img"})
_FAST_CONTAINERS: Final = frozenset(ARTICLE_ATTRIBUTES) - _FAST_VOID
_FAST_HEADINGS: Final = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
_FAST_CLOSES_P: Final = _FAST_HEADINGS | {
    "p", "ul", "ol", "li", "blockquote", "pre", "figure", "figcaption", "table"
}  # fmt: skip
_FAST_FORMATTING: Final = frozenset({"a", "b", "code", "em", "i", "strong"})
# Phrasing elements the tree builder treats as "any other start/end tag" (or, for
# small/u/s, as formatting elements, which behave the same when properly nested):
# _fast_parse accepts them in input, the sanitizer then unwraps them.
_FAST_ORDINARY: Final = frozenset(
    {"span", "sub", "sup", "del", "ins", "mark", "abbr", "cite", "q", "kbd", "samp", "var",
     "time", "dfn", "small", "u", "s"}
)  # fmt: skip
# Not in the spec's "special" category: an <li> start tag looks through them (and
# through <p>) for an open <li> to close.
# html5lib's list of special elements predates figcaption's joining it, so its <li>
# looks through an open <figcaption> too (a browser stops there): counted here as not
# special, the fast path then declines that case and html5lib decides, as it would.
_FAST_NOT_SPECIAL: Final = _FAST_FORMATTING | _FAST_ORDINARY | {"figcaption"}
_FAST_SCOPE_FENCE: Final = frozenset({"table", "td", "th"})
_FAST_TABLE_PARENTS: Final = frozenset({"table", "thead", "tbody", "tr"})
_FAST_PARENTS: Final[Mapping[str, tuple[str, ...]]] = {
    "thead": ("table",),
    "tbody": ("table",),
    "tr": ("thead", "tbody"),
    "td": ("tr",),
    "th": ("tr",),
}
_HTML_SPACE: Final = frozenset("\t\n\f ")


def _fast_decode(text: str) -> str | None:
    if "&" not in text:
        return text
    pieces = text.split("&")
    out = [pieces[0]]
    for piece in pieces[1:]:
        match = _FAST_REF_RE.match(piece)
        if match is None:
            if piece and (piece[0] == "#" or (piece[0].isascii() and piece[0].isalnum())):
                return None  # a legacy or unusual reference: let html5lib decide
            out.append("&" + piece)  # "&" not followed by a reference is literal
            continue
        if match["named"]:
            out.append(_FAST_NAMED[match["named"]])
        else:
            code = int(match["dec"], 10) if match["dec"] else int(match["hex"], 16)
            # Only values an HTML5 parser keeps as is. NUL, C0/C1 controls
            # (0x80-0x9F map through windows-1252), surrogates and values out
            # of range are replaced or flagged, so they take the slow path.
            plain = code in (0x09, 0x0A) or 0x20 <= code <= 0x7E or 0xA0 <= code <= 0x10FFFF
            if not plain or 0xD800 <= code <= 0xDFFF:
                return None
            out.append(chr(code))
        out.append(piece[match.end() :])
    return "".join(out)


def _fast_start_ok(name: str, stack: list[str]) -> bool:
    parent = stack[-1] if stack else None
    proper_parents = _FAST_PARENTS.get(name)
    if proper_parents is not None:
        if parent not in proper_parents:
            return False
    elif parent in _FAST_TABLE_PARENTS:
        return False  # would be foster-parented out of the table
    if name in _FAST_CLOSES_P:
        for open_name in reversed(stack):  # "has a p element in button scope"
            if open_name in _FAST_SCOPE_FENCE:
                break
            if open_name == "p":
                return False
    if name in _FAST_HEADINGS and parent in _FAST_HEADINGS:
        return False
    if name == "li":
        for open_name in reversed(stack):  # the "li" start tag's closing loop
            if open_name == "li":
                return False
            if open_name not in _FAST_NOT_SPECIAL and open_name != "p":
                break
    return not (name == "a" and "a" in stack)


def _fast_text(html: str) -> str | None:
    """textContent of ``html`` without a tree, or None if it may differ from the parser's."""
    if _has_bad_chars(html):
        return None
    html = html.replace("\r\n", "\n").replace("\r", "\n")
    stack: list[str] = []
    out: list[str] = []
    position = 0
    after_pre = False
    for match in _FAST_TOKEN_RE.finditer(html):
        start, end_position = match.span()
        if start != position:
            return None
        position = end_position
        raw, end, name, attrs, selfclose = match.groups()
        if raw is not None:
            if after_pre:
                if raw.startswith("&"):
                    return None  # could be &#10;, which the parser may also drop
                if raw.startswith("\n"):
                    raw = raw[1:]
            # (after_pre stays: the next token is a tag, which sets it afresh)
            text = _fast_decode(raw)
            if text is None:
                return None
            if stack and stack[-1] in _FAST_TABLE_PARENTS and not set(text) <= _HTML_SPACE:
                return None
            out.append(text)
            continue
        after_pre = False
        name = name.lower()
        if end:
            if attrs or selfclose or not stack or stack[-1] != name:
                return None
            stack.pop()
            continue
        if name in _FAST_VOID:
            if not _fast_start_ok(name, stack):
                return None
            continue
        if name not in _FAST_CONTAINERS or selfclose or not _fast_start_ok(name, stack):
            return None
        stack.append(name)
        after_pre = name == "pre"
    if position != len(html) or stack:
        return None
    return "".join(out)


# The same tokenizer builds trees, so parsing and serializing sanitized HTML (and
# simple input such as extracted article blocks) skips html5lib, which is pure
# Python and about 20 ms per 20 KB. The accepted subset is _fast_text's plus the
# input-only tags below; the tree is the one html5lib would build (tests compare
# both on random input). Anything else returns None and goes to html5lib.
_FAST_INPUT_TAGS: Final = _FAST_CONTAINERS | _FAST_VOID | _FAST_HEADINGS | _FAST_ORDINARY
_FAST_ATTR_RE: Final = re.compile(r'([A-Za-z_:][A-Za-z0-9_:.\-]*)="([^"]*)"', re.ASCII)


def _fast_attributes(raw: str) -> dict[str, str] | None:
    attrib: dict[str, str] = {}
    for match in _FAST_ATTR_RE.finditer(raw):
        name = match[1].lower()
        if name in attrib:
            return None  # the parser keeps the first; rare enough to leave to it
        value = _fast_decode(match[2])
        if value is None:
            return None
        attrib[name] = value
    return attrib


def _fast_parse(html: str) -> ET.Element | None:
    """The html5lib fragment tree of ``html`` built from tokens, or None when the
    parser might do anything but nest elements as their tags say."""
    if _has_bad_chars(html):
        return None
    html = html.replace("\r\n", "\n").replace("\r", "\n")
    root = ET.Element("DOCUMENT_FRAGMENT")
    elements: list[ET.Element] = [root]
    stack: list[str] = []
    # Depths of the <tbody> elements the parser adds itself.
    implied: set[int] = set()
    position = 0
    after_pre = False
    sub_element = ET.SubElement
    for match in _FAST_TOKEN_RE.finditer(html):
        start, position_after = match.span()
        if start != position:
            return None
        position = position_after
        raw, end, name, attrs, selfclose = match.groups()
        if raw is not None:
            if after_pre and raw.startswith("\n"):
                raw = raw[1:]
            text = _fast_decode(raw) if "&" in raw else raw
            if text is None:
                return None
            if after_pre and raw.startswith("&") and text.startswith("\n"):
                return None  # a newline reference, which the parser may drop too
            if stack and stack[-1] in _FAST_TABLE_PARENTS and not set(text) <= _HTML_SPACE:
                return None
            if text:
                # Each text and tail gets one text token: a text token runs up to the next
                # tag, which opens an element or closes one.
                parent = elements[-1]
                if len(parent):
                    parent[-1].tail = text
                else:
                    parent.text = text
            continue
        after_pre = False
        name = name.lower()
        if end:
            if attrs or selfclose or not stack:
                return None
            if name == "table" and stack[-1] == "tbody" and len(stack) in implied:
                # </table> also closes the <tbody> the parser added.
                implied.discard(len(stack))
                stack.pop()
                elements.pop()
            if stack[-1] != name:
                return None
            implied.discard(len(stack))
            stack.pop()
            elements.pop()
            continue
        if name == "tr" and stack and stack[-1] == "table":
            # The parser puts rows written directly in a <table> into a <tbody>.
            elements.append(sub_element(elements[-1], "tbody"))
            stack.append("tbody")
            implied.add(len(stack))
        # Inside an implied <tbody> only more rows may follow: _fast_start_ok refuses any
        # other start tag in a table part.
        if name not in _FAST_INPUT_TAGS or not _fast_start_ok(name, stack):
            return None
        if attrs:
            attrib = _fast_attributes(attrs)
            if attrib is None:
                return None
            element = sub_element(elements[-1], name, attrib)
        else:
            element = sub_element(elements[-1], name)
        if name in _FAST_VOID:
            continue
        if selfclose:
            return None
        stack.append(name)
        elements.append(element)
        after_pre = name == "pre"
    if position != len(html) or stack:
        return None
    return root


# Tags whose serialization is plain: no raw-text content, no boolean attributes
# the serializer minimizes.
_FAST_SERIALIZE_TAGS: Final = _FAST_INPUT_TAGS
_MINIMIZED_ATTRIBUTES: Final = frozenset({"irrelevant", "itemscope", "ismap"})


def _escape_text(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _escape_attribute(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;").replace('"', "&quot;")


def _fast_serialize(root: ET.Element) -> str | None:
    """What ``html5.serialize`` writes for ``root``, or None when the tree has
    anything but the plain elements above (comments, raw-text or foreign
    elements), which html5lib's serializer then handles."""
    out: list[str] = []
    if root.text:
        out.append(_escape_text(root.text))
    # (element, closing): the end tag and tail are written on the second visit.
    stack: list[tuple[ET.Element, bool]] = [(child, False) for child in reversed(root)]
    while stack:
        element, closing = stack.pop()
        tag = element.tag
        if closing:
            out.append(f"</{tag}>")
        else:
            if tag not in _FAST_SERIALIZE_TAGS:  # (comments' tag is a function)
                return None
            attrib = element.attrib
            if attrib:
                out.append(f"<{tag}")
                for name in sorted(attrib):
                    # Namespaced ("{…}name") attributes are only on foreign elements,
                    # refused above.
                    if name in _MINIMIZED_ATTRIBUTES:
                        return None
                    out.append(f' {name}="{_escape_attribute(attrib[name])}"')
                out.append(">")
            else:
                out.append(f"<{tag}>")
            # A void element (<br>, <img>) has no text and no children in any tree here.
            if tag not in _FAST_VOID:
                if element.text:
                    out.append(_escape_text(element.text))
                stack.append((element, True))
                stack.extend((child, False) for child in reversed(element))
                continue
        if element.tail:
            out.append(_escape_text(element.tail))
    return "".join(out)
