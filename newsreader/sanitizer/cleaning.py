"""The sanitizing policies and the text contract: scraped article HTML and Markdown
comments in, canonical allowlisted HTML out; any HTML in, its text as a browser's
``textContent`` has it. The package docstring (newsreader/sanitizer/__init__.py) says why
bleach sits behind this package, and what guards the output besides it.
"""

from __future__ import annotations

import re
import threading
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator, Mapping, MutableMapping
from dataclasses import dataclass
from enum import Enum
from functools import partial
from typing import TYPE_CHECKING, Final, cast

import bleach
from bleach.linkifier import LinkifyFilter
from bleach.sanitizer import INVISIBLE_CHARACTERS, BleachSanitizerFilter
from markdown_it import MarkdownIt

from . import html5
from .allowlists import (
    ARTICLE_ATTRIBUTES,
    COMMENT_ATTRIBUTES,
    DROP_WITH_CONTENT,
    HEADING_RENAMES,
    HREF_SCHEMES,
    IMG_SCHEMES,
    REL,
)
from .fastpath import _fast_parse, _fast_serialize, _fast_text

if TYPE_CHECKING:
    from .html5 import TreeWalker

# An empty block is layout debris from the scrape. Whitespace-only counts as
# empty for blocks. Inline elements go only when they hold no text at all,
# because `a<em> </em>b` would otherwise lose its space.
_EMPTY_BLOCKS: Final = frozenset(
    {"p", "h2", "h3", "h4", "blockquote", "figure", "figcaption", "ul", "ol", "li", "table"}
)
_EMPTY_INLINES: Final = frozenset({"em", "strong", "b", "i", "code", "a", "pre"})
_EMPTY_CHECKED: Final = _EMPTY_BLOCKS | _EMPTY_INLINES
_SPAN_RE: Final = re.compile(r"[1-9][0-9]{0,3}")
# Browsers remove tab/LF/CR anywhere in a URL and trim C0 controls and spaces
# at both ends before they read the scheme. Deleting every C0/C1 control and
# space anywhere is stricter, so "java\tscript:" and " javascript:" show their
# scheme here too.
_URL_JUNK_RE: Final = re.compile(r"[\x00-\x20\x7f-\x9f]+")
_SCHEME_RE: Final = re.compile(r"([a-zA-Z][a-zA-Z0-9+.\-]*):")
# Linkify only text that carries its scheme: bleach's default pattern also
# links bare domains, which in tech comments turns "setup.py" or "README.md"
# (.py and .md are country TLDs) into links. The lookbehind starts a run of "(" only at
# its first one: bleach's "\(*" alone retries the run from every paren in it, and 10,000
# "(" took 2.9 s of CPU; with it they take 5 ms.
_COMMENT_URL_RE: Final = re.compile(
    r"""(?<!\()\(*\bhttps?://[\w\-]+(?:\.[\w\-]+)*(?::[0-9]+)?(?:[/?#][^\s{}|\\^`<>"]*)?""",
    re.IGNORECASE | re.UNICODE,
)
_MAX_CANONICAL_ROUNDS: Final = 4


# ---------------------------------------------------------------- parsing

_local = threading.local()  # Cleaners and Markdown keep per-call state


def _parse_fragment(html: str) -> ET.Element:
    # A <div> context with scripting on is what `div.innerHTML = html` does in
    # a browser. This is the parse we compare everything against. html5lib
    # differs from browsers in a few rare malformed cases (for example
    # html5lib/html5lib-python#111, <li> fostered out of a table). Sanitized
    # output is canonical, so it never contains them.
    fast = _fast_parse(html)
    if fast is not None:
        return fast
    return html5.parse_fragment(html)


def _serialize(root: ET.Element) -> str:
    fast = _fast_serialize(root)
    if fast is not None:
        return fast
    return html5.serialize(root)


class _Action(Enum):
    KEEP = 1
    DROP = 2  # the element and its subtree go, its tail text stays
    UNWRAP = 3  # the tags go, the children and text stay in place


def _postorder(root: ET.Element) -> list[ET.Element]:
    # Iterative, because a deep scrape must not hit Python's recursion limit.
    order: list[ET.Element] = []
    stack: list[tuple[ET.Element, bool]] = [(root, False)]
    while stack:
        element, children_done = stack.pop()
        if children_done:
            order.append(element)
            continue
        stack.append((element, True))
        stack.extend((child, False) for child in reversed(element))
    return order


def _rewrite(root: ET.Element, decide: Callable[[ET.Element], _Action]) -> None:
    """Apply ``decide`` to every node below ``root``, children before parents.

    Children go first so a parent sees its final content, for example when
    deciding that a paragraph is empty.
    """
    for parent in _postorder(root):
        if len(parent):
            _rewrite_children(parent, decide)


def _rewrite_children(parent: ET.Element, decide: Callable[[ET.Element], _Action]) -> None:
    children = list(parent)
    actions = [decide(child) for child in children]
    if all(action is _Action.KEEP for action in actions):
        return  # the common case: nothing to move
    kept: list[ET.Element] = []
    lead: list[str] = [parent.text or ""]

    def add_text(text: str | None) -> None:
        if not text:
            return
        if kept:
            kept[-1].tail = (kept[-1].tail or "") + text
        else:
            lead.append(text)

    for child, action in zip(children, actions, strict=True):
        tail, child.tail = child.tail, None
        if action is _Action.KEEP:
            kept.append(child)
        elif action is _Action.UNWRAP:
            add_text(child.text)
            for grandchild in list(child):
                grand_tail, grandchild.tail = grandchild.tail, None
                kept.append(grandchild)
                add_text(grand_tail)
        add_text(tail)
    parent[:] = kept
    parent.text = "".join(lead)


def _has_text(element: ET.Element, *, strip: bool) -> bool:
    return any(chunk.strip() if strip else chunk for chunk in element.itertext())


def _scheme_allowed(url: str, schemes: frozenset[str]) -> bool:
    """True if ``url`` (already entity-decoded by the parser) is absolute with an allowed scheme.

    Relative URLs are refused: article links were written against another
    site, and in our pages they would point into Newsreader itself.
    """
    match = _SCHEME_RE.match(_URL_JUNK_RE.sub("", url))
    return match is not None and match.group(1).lower() in schemes


# ---------------------------------------------------------------- block separation

# Where a reader sees a line break: the edges of these elements (after a <br>). The stored
# text is textContent, which joins "<li>cotton</li><li>hemp</li>" into "cottonhemp"; so the
# sanitizer writes a newline text node between two such blocks whose words would touch.
# A browser does not render whitespace between blocks (or after a <br>), so the page looks
# the same, while search, snippets, word counts and quotes see two words.
SEPARATED_BLOCKS: Final = frozenset(
    {"p", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "blockquote", "pre",
     "figure", "figcaption", "table", "thead", "tbody", "tr", "td", "th", "br"}
)  # fmt: skip
# The blocks of input HTML: the policy unwraps the ones it does not keep, so their edges
# are marked before it runs.
_INPUT_BLOCKS: Final = SEPARATED_BLOCKS | frozenset(
    {"div", "section", "article", "header", "footer", "aside", "nav", "main", "address",
     "dl", "dt", "dd", "caption", "tfoot", "hr", "details", "summary", "center", "fieldset",
     "legend", "menu", "dir", "hgroup", "listing", "xmp", "plaintext"}
)  # fmt: skip
# Whitespace is content inside these: nothing is added there. Only <pre>: <listing>, <xmp>
# and <plaintext> show their whitespace too, but the policy unwraps them into ordinary text,
# where blocks inside a <listing> need their newlines as anywhere else ("<listing>a<div>b
# </div>c</listing>" was stored as "abc"); the raw-text ones hold no elements anyway.
_KEEPS_WHITESPACE: Final = frozenset({"pre"})
_HTML_WHITESPACE: Final = "\t\n\f\r "


# Blocks the policy drops when they hold only whitespace (h1, h5 and h6 are renamed
# into its list before it runs).
_DROPPED_WHEN_BLANK: Final = frozenset({"h1", "h5", "h6"}) | _EMPTY_BLOCKS


def _is_blank(element: ET.Element) -> bool:
    if element.text and not element.text.isspace():
        return False  # most blocks: words straight away
    return not _has_text(element, strip=True) and element.find(".//img") is None


def _newlines_for_breaks_in_pre(root: ET.Element) -> None:
    """A <br> inside <pre> becomes the newline it shows as: in the text too, lines of code
    are then separated, and a newline added beside the <br> would show as a blank line."""
    for pre in root.iter("pre"):
        for parent in [element for element in pre.iter() if element.find("br") is not None]:
            kept: list[ET.Element] = []
            for child in list(parent):
                if child.tag != "br":
                    kept.append(child)
                    continue
                added = "\n" + (child.tail or "")
                if kept:
                    kept[-1].tail = (kept[-1].tail or "") + added
                else:
                    parent.text = (parent.text or "") + added
            parent[:] = kept


def _separate_blocks(root: ET.Element, blocks: frozenset[str]) -> None:
    """Put a "\n" text node at each boundary of ``blocks`` that has a non-space character
    of text on both sides (in document order), and nowhere else.

    So text that is already separated (by a newline or a space) is left exactly as it
    was, running it again adds nothing, and nothing is ever added at the start or end of
    the body or inside <pre>. Of the several boundaries between two words
    ("</li></ul></li><li>"), the newline goes at the shallowest: between the outer list
    items, between table rows rather than inside the last cell.
    """
    last = ""  # the last character of text seen so far
    # The best place for a newline since that text: (depth, element, slot), where slot 0
    # appends to element.text, 1 appends to element.tail, 2 prepends to element.tail.
    pending: tuple[int, ET.Element, int] | None = None
    keep_whitespace = 0

    def text(chunk: str | None) -> None:
        nonlocal last, pending
        if not chunk:
            return
        if pending is not None:
            # (last is '' before any text, and '' is in every string)
            if last not in _HTML_WHITESPACE and chunk[0] not in _HTML_WHITESPACE:
                _, element, slot = pending
                if slot == 0:
                    element.text = (element.text or "") + "\n"
                elif slot == 1:
                    element.tail = (element.tail or "") + "\n"
                else:
                    element.tail = "\n" + (element.tail or "")
            pending = None
        last = chunk[-1]

    def boundary(depth: int, element: ET.Element, slot: int) -> None:
        nonlocal pending
        if keep_whitespace == 0 and (pending is None or depth < pending[0]):
            pending = (depth, element, slot)

    text(root.text)
    # (element, parent, index in parent, depth of parent, closing)
    stack: list[tuple[ET.Element, ET.Element, int, int, bool]] = [
        (child, root, index, 0, False) for index, child in reversed(list(enumerate(root)))
    ]
    while stack:
        element, parent, index, depth, closing = stack.pop()
        tag = element.tag
        if closing:
            if tag in _KEEPS_WHITESPACE:
                keep_whitespace -= 1
            if tag in blocks:
                boundary(depth, element, 2)
            text(element.tail)
            continue
        if not isinstance(tag, str) or tag.startswith("{") or tag in DROP_WITH_CONTENT:
            text(element.tail)  # comments, foreign and hidden content: not text here
            continue
        if tag in _DROPPED_WHEN_BLANK and _is_blank(element):
            # The policy drops it with its whitespace, which then separates nothing. Its
            # start boundary only: its end, at the same depth, becomes the same place.
            if index:
                boundary(depth, parent[index - 1], 1)
            else:
                boundary(depth, parent, 0)
            text(element.tail)
            continue
        if tag in blocks and tag != "br":
            if index:
                boundary(depth, parent[index - 1], 1)
            else:
                boundary(depth, parent, 0)
        if tag in _KEEPS_WHITESPACE:
            keep_whitespace += 1
        text(element.text)
        stack.append((element, parent, index, depth, True))
        stack.extend(
            (child, element, position, depth + 1, False)
            for position, child in reversed(list(enumerate(element)))
        )


# ---------------------------------------------------------------- sanitizing


@dataclass(frozen=True, slots=True)
class _Policy:
    attributes: Mapping[str, frozenset[str]]
    # Articles: a newline wherever two blocks' words would otherwise touch (see
    # _separate_blocks). Comments are never anchored on, so they are left as rendered.
    separate_blocks: bool = False

    def decide(self, element: ET.Element) -> _Action:
        # Called for every element of every body: the checks are inlined and ordered
        # so that a plain <p> or <li> costs a few dictionary lookups.
        tag = element.tag
        if not isinstance(tag, str):  # comments and processing instructions
            return _Action.DROP
        # The parser names HTML elements bare (namespaceHTMLElements=False): a "{" is
        # SVG or MathML content.
        if tag.startswith("{") or tag in DROP_WITH_CONTENT:
            return _Action.DROP
        allowed = self.attributes.get(tag)
        if allowed is None:
            return _Action.UNWRAP
        attrib = element.attrib
        if attrib:
            for name in [name for name in attrib if name not in allowed]:
                del attrib[name]
        if tag == "a":
            href = attrib.get("href")
            if href is None or not _scheme_allowed(href, HREF_SCHEMES):
                return _Action.UNWRAP  # a link to nowhere is only its text
            attrib["rel"] = REL
        elif tag == "img":
            src = attrib.get("src")
            if src is None or not _scheme_allowed(src, IMG_SCHEMES):
                return _Action.DROP
        elif attrib:
            # Only a tag that allows them (td, th) can still have these.
            for span in ("colspan", "rowspan"):
                value = attrib.get(span)
                if value is not None and not _SPAN_RE.fullmatch(value):
                    del attrib[span]
        if tag == "pre" and element.text and element.text.startswith("\n"):
            # A parser drops one newline right after <pre>, so a text starting
            # with "\n" would lose it when the stored string is parsed again. All
            # the leading newlines go at once: one a round, eleven of them outlasted
            # _canonicalize's rounds and the stored string was not canonical.
            element.text = element.text.lstrip("\n")
        if tag in _EMPTY_CHECKED:
            strip = tag in _EMPTY_BLOCKS
            if not _has_text(element, strip=strip) and element.find(".//img") is None:
                return _Action.DROP
        return _Action.KEEP


_ARTICLE_POLICY: Final = _Policy(ARTICLE_ATTRIBUTES, separate_blocks=True)
_COMMENT_POLICY: Final = _Policy(COMMENT_ATTRIBUTES)


def _canonicalize(html: str, policy: _Policy) -> str:
    """Parse, enforce ``policy`` on the DOM, serialize; repeat until stable.

    The loop stops when parsing the output gives back the same string. So the
    stored string and the DOM a browser builds from it match, and so does the
    text the annotations use. Serializing a parsed DOM is stable after one
    round in practice. The cap only guards against a pathological input.
    """
    current = html
    for _ in range(_MAX_CANONICAL_ROUNDS):
        root = _parse_fragment(current)
        _rewrite(root, policy.decide)
        if policy.separate_blocks:
            _separate_blocks(root, SEPARATED_BLOCKS)
        result = _serialize(root)
        if result == current:
            return result
        current = result
    return current


def _article_cleaner() -> bleach.Cleaner:
    cleaner = getattr(_local, "article_cleaner", None)
    if cleaner is None:
        cleaner = bleach.Cleaner(
            tags=frozenset(ARTICLE_ATTRIBUTES),
            # rel is set by _Policy after bleach, so bleach drops any rel it sees.
            attributes={
                tag: sorted(attrs - {"rel"}) for tag, attrs in ARTICLE_ATTRIBUTES.items() if attrs
            },
            protocols=HREF_SCHEMES,
            strip=True,
            strip_comments=True,
        )
        _local.article_cleaner = cleaner
    return cleaner


def _prepare_and_police(element: ET.Element) -> _Action:
    """h1 becomes h2 and h5/h6 h4, then the article policy (which drops hidden and
    foreign subtrees and comments)."""
    tag = element.tag
    if tag in HEADING_RENAMES:  # (a comment's tag, the ET.Comment function, is not)
        element.tag = HEADING_RENAMES[tag]
    return _ARTICLE_POLICY.decide(element)


# bleach's own per-token sanitizer, configured with the final allowlist (rel
# included: the policy sets it). It has no per-call state, so one serves all.
_BLEACH_CHECK: Final = BleachSanitizerFilter(
    source=cast("TreeWalker", iter(())),  # only its per-token methods are used
    allowed_tags=frozenset(ARTICLE_ATTRIBUTES),
    attributes={tag: sorted(attrs) for tag, attrs in ARTICLE_ATTRIBUTES.items()},
    allowed_protocols=HREF_SCHEMES,
    strip_disallowed_tags=True,
    strip_html_comments=True,
)


# bleach's verdict on an element without attributes depends on its tag alone, and
# nearly every element of an article is one (p, li, em…): ask once per tag.
_BARE_TAG_VERDICTS: dict[str, bool] = {}


def _bleach_accepts_bare(tag: str) -> bool:
    verdict = _BARE_TAG_VERDICTS.get(tag)
    if verdict is None:
        token = {"type": "StartTag", "name": tag, "data": {}}
        result = _BLEACH_CHECK.sanitize_token(token)
        verdict = result is token and result["data"] == {}
        _BARE_TAG_VERDICTS[tag] = verdict
    return verdict


def _bleach_accepts(root: ET.Element, serialized: str) -> bool:
    """True when bleach would keep every element and attribute of ``root`` as is.

    Each element goes through the same ``sanitize_token`` that ``bleach.clean``
    applies to every tag, so bleach still judges everything we store, without
    a second html5lib parse and serialization of the whole body. Text cannot
    carry markup once escaped by the serializer; the one thing bleach changes
    in text, invisible control characters, sends the body the long way. They
    are looked for in ``serialized``, root's serialization, which holds all its
    text as is (the serializers escape only &, < and >); one in an attribute
    value sends the body the long way too, which is only stricter.
    """
    # Substring tests: a character-class regex would walk the whole body in Python's
    # slower regex loop.
    if any(map(serialized.__contains__, INVISIBLE_CHARACTERS)):
        return False
    for element in root.iter():
        if element is root:
            continue
        tag = element.tag
        if not isinstance(tag, str):
            return False
        if not element.attrib:
            if not _bleach_accepts_bare(tag):
                return False
            continue
        attributes = {(None, name): value for name, value in element.attrib.items()}
        token = {"type": "StartTag", "name": tag, "data": dict(attributes)}
        verdict = _BLEACH_CHECK.sanitize_token(token)
        if verdict is None or verdict is not token or verdict["data"] != attributes:
            return False
    return True


def sanitize_article_html(html: str) -> str:
    """Reduce scraped article HTML to the article allowlist; return canonical HTML.

    1. html5lib parses the input the way a browser would (or, for input in a
       strict subset where its tree is just the tags' nesting, a tokenizer
       builds that same tree). Subtrees whose text must not survive (script,
       style, svg, form controls...) and comments are removed, h1 becomes h2,
       and h5/h6 become h4.
    2. The allowlist is enforced on that tree: other tags are unwrapped (their
       text stays), other attributes removed; only absolute http/https/mailto
       hrefs, otherwise the <a> is unwrapped; img needs an http/https src,
       otherwise it is dropped; every link gets rel="nofollow noopener
       noreferrer"; empty blocks are dropped; a leading newline in <pre> is
       removed.
    3. bleach judges every remaining element and attribute. Should it want to
       change anything, bleach.clean cleans the serialized tree and its output
       goes through step 2 again.
    4. The result is serialized with quoted attributes and all end tags, and
       re-parsed and checked until the string is stable.
    """
    if not html:
        return ""
    root = _parse_fragment(html)
    # Twice: before the policy unwraps the blocks it does not keep (<div>, <dt>…), whose
    # edges separate words too, and after it, because dropping an empty block can bring
    # two words together.
    _newlines_for_breaks_in_pre(root)
    _separate_blocks(root, _INPUT_BLOCKS)
    _rewrite(root, _prepare_and_police)
    _separate_blocks(root, SEPARATED_BLOCKS)
    serialized = _serialize(root)
    if not _bleach_accepts(root, serialized):
        return _canonicalize(_article_cleaner().clean(serialized), _ARTICLE_POLICY)
    if _is_settled(serialized):
        return serialized
    return _canonicalize(serialized, _ARTICLE_POLICY)


def _is_settled(serialized: str) -> bool:
    """True when parsing ``serialized`` (the serialization of a policed tree) gives that
    tree back, so one more round of _canonicalize would change nothing.

    _fast_text accepts only HTML whose parse is its tags' nesting with its decoded
    text, and the serializer's escapes decode to exactly what they escaped. What is
    left are the two things a parser normalizes: CR (the serializer writes it raw) and
    the newline right after <pre>, which no policed tree has (the policy drops every
    leading newline of a <pre>, and _separate_blocks adds nothing inside one). The policy
    is idempotent on everything else.
    """
    if "\r" in serialized:
        return False
    text = _fast_text(serialized)
    if text is None:
        return False
    # The pipeline asks for this text right after sanitizing (html_to_text).
    recent = _recent_texts()
    recent[serialized] = text
    while len(recent) > _RECENT_TEXTS_MAX:
        del recent[next(iter(recent))]
    return True


# The text of this thread's last few sanitized bodies, so html_to_text(sanitize(x))
# does not tokenize the same string twice. Keys are whole bodies: a hit is exact.
_RECENT_TEXTS_MAX = 4


def _recent_texts() -> dict[str, str]:
    recent: dict[str, str] | None = getattr(_local, "recent_texts", None)
    if recent is None:
        recent = _local.recent_texts = {}
    return recent


# ---------------------------------------------------------------- comments


class _CommentMarkdown(MarkdownIt):
    def validateLink(self, url: str) -> bool:
        # bleach alone decides which links stay (HREF_SCHEMES): a refused one keeps its
        # text, as for any other link it drops, instead of showing the typed Markdown.
        return True


def _markdown() -> MarkdownIt:
    # CommonMark, as markdown-it-py parses it: built for untrusted input (no regex
    # backtracking, nesting capped by maxNesting), linear in practice where Python-Markdown
    # took 6 s on 5,000 nested brackets and hit RecursionError on "1. " * 1000.
    md: MarkdownIt | None = getattr(_local, "markdown", None)
    if md is None:
        # Raw HTML is never passed through: with html off "<" is ordinary text. A newline
        # is a line break, as comments have always rendered it.
        md = _CommentMarkdown("commonmark", {"html": False, "breaks": True})
        # Comments carry no images ("![alt](url)" stays "!" plus a link), headings or
        # rules ("# text" and "---" stay as typed).
        md.disable(["image", "heading", "lheading", "hr"])
        _local.markdown = md
    return md


def _set_rel(
    attrs: MutableMapping[tuple[str | None, str], str], new: bool = False, /
) -> MutableMapping[tuple[str | None, str], str]:
    # No link here has a target to remove: the Cleaner's sanitizer (a: href only) runs
    # before this filter, and the links linkify makes have none.
    attrs[(None, "rel")] = REL
    return attrs


def _comment_cleaner() -> bleach.Cleaner:
    cleaner = getattr(_local, "comment_cleaner", None)
    if cleaner is None:
        cleaner = bleach.Cleaner(
            tags=frozenset(COMMENT_ATTRIBUTES),
            attributes={"a": ["href"]},
            protocols=HREF_SCHEMES,
            strip=True,
            strip_comments=True,
            # Linkify runs as a filter on the cleaned token stream, not as a
            # second bleach.linkify() pass over the cleaned string.
            # bleach >= 6.0 linkify() re-escapes entities inside skip_tags and
            # inside existing <a> text ("&lt;" -> "&amp;lt;", mozilla/bleach#704);
            # the filter keeps them intact. Its output is still checked by
            # _canonicalize, so links it makes meet the same rules.
            filters=[
                partial(
                    LinkifyFilter,
                    callbacks=[_set_rel],
                    skip_tags={"pre", "code"},
                    parse_email=False,
                    url_re=_COMMENT_URL_RE,
                )
            ],
        )
        _local.comment_cleaner = cleaner
    return cleaner


def _deeper_markdown() -> MarkdownIt:
    # The comment parser with twice its nesting cap: only to see what the cap cut off.
    md: MarkdownIt | None = getattr(_local, "deeper_markdown", None)
    if md is None:
        md = _CommentMarkdown("commonmark", {"html": False, "breaks": True})
        md.disable(["image", "heading", "lheading", "hr"])
        md.options["maxNesting"] = _markdown().options["maxNesting"] * 2
        _local.deeper_markdown = md
    return md


def check_comment(source: str) -> None:
    """Raise ValueError, with a reason for the writer, when a comment cannot be shown as
    written: markdown-it stops parsing where lists and quotes nest past its cap (20
    levels) and drops the rest, so a parse allowed to go deeper finds more."""
    if len(_markdown().parse(source)) != len(_deeper_markdown().parse(source)):
        raise ValueError(
            "Lists and quotes nest too deeply in this comment to be shown: "
            "put at most 9 lists inside each other."
        )


def render_comment(source: str) -> str:
    """Render a Markdown comment (CommonMark, markdown-it-py) to safe HTML.

    Supported: paragraphs, line breaks (a newline is a <br>), emphasis, strong,
    inline code, indented and fenced code blocks, links, lists and
    blockquotes. Raw HTML is shown as text. Images, headings and rules are
    left as the typed text. bleach then cleans the output to p, br, em,
    strong, code, pre, a[href], ul, ol, li and blockquote and links bare
    http(s) URLs. Every link gets rel="nofollow noopener noreferrer". A link
    whose href is not absolute http/https/mailto keeps only its text.
    """
    if not source.strip():
        return ""
    rendered = _markdown().render(source).removesuffix("\n")
    return _canonicalize(_comment_cleaner().clean(rendered), _COMMENT_POLICY)


def markdown_to_text(source: str) -> str:
    """A Markdown comment as one line of plain text: what a reader sees of the rendered
    comment (emphasis and code marks gone, a link as its text), for places that take no
    HTML (a link preview's description, a search snippet, a file's title line).

    Read from render_comment's output, so it follows whatever renders the Markdown.
    Blocks and line breaks become single spaces: markdown-it writes a newline at every
    block's edges and after every <br>, and every run of whitespace becomes one space.
    """
    return " ".join(html_to_text(render_comment(source)).split())


# ---------------------------------------------------------------- text contract


def iter_text_nodes(html: str) -> Iterator[str]:
    """Yield the text nodes of ``html``, parsed as a <div>'s innerHTML, in document order.

    Comments are skipped. So is <template> content, which a browser keeps in
    a separate DocumentFragment and which therefore is not in ``textContent``.
    Text inside <script> or <style> is included, as in ``textContent``.
    Sanitized HTML has neither.
    """
    root = _parse_fragment(html)
    stack: list[ET.Element | str] = [root]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            yield item
            continue
        if item.tail:  # (the fragment root has none)
            stack.append(item.tail)
        if not isinstance(item.tag, str) or item.tag == "template":
            continue
        stack.extend(reversed(list(item)))
        if item.text:
            stack.append(item.text)


def html_to_text(html: str) -> str:
    """Return the text contract: ``div.textContent`` after ``div.innerHTML = html``.

    The result is every text node of the parsed fragment joined in document
    order:

    * character references are decoded as an HTML5 parser decodes them
      (``&amp;`` -> "&", ``&nbsp;`` -> U+00A0);
    * nothing is added for <br> or block boundaries, and whitespace is kept
      exactly, including whitespace-only text nodes between blocks (the
      sanitizer writes a newline text node wherever two blocks' words would
      otherwise touch, so stored bodies keep their blocks apart in this text);
    * CR and CRLF become LF, and the single newline a parser drops right after
      <pre> is not counted (sanitized HTML never has one);
    * comments and <template> content do not count.

    Annotation offsets are indices into this string, counted in Unicode code
    points (Python ``str`` indices). The browser side gets ``textContent`` in
    UTF-16 code units and must convert; an astral character such as most
    emoji is one code point here and two code units there.

    Speed: html5lib is pure Python and needs about 30 ms for a 20 KB body. HTML
    that is canonical sanitizer output goes through ``_fast_text``, a strict
    tokenizer that gives the same string in well under a millisecond for
    20 KB. Anything it cannot prove equal goes to the full parser.
    """
    known = _recent_texts().get(html)
    if known is not None:
        return known
    fast = _fast_text(html)
    if fast is not None:
        return fast
    return "".join(iter_text_nodes(html))
