"""trafilatura's second opinion, asked only when it can change the answer.

After its own extractor, trafilatura runs readability on a copy of the page and compares
(``trafilatura.external.compare_extraction``); a quarter of its time goes there. In the
balanced mode the pipeline uses, readability's text replaces trafilatura's only when
trafilatura found nothing, when readability found more than twice as much, or when
trafilatura's body has no paragraphs (or more tables than paragraphs); justext is tried
only when the body is short or holds furniture (nav, figure, button, ...). Readability's
text is part of the page's text, so when the page holds less than twice what trafilatura
found, and none of the other cases applies, the comparison returns trafilatura's body as
it was: `skippable` says so and the copy and the readability pass are left out.

The result is the same either way (tests/articles/test_ingest_extract_speed.py runs both on sample
pages). trafilatura has no option for this, so its step is wrapped (through
trafilatura_compat, the one module that touches trafilatura's internals), and only while
our pipeline extracts (``shortcut()``): anyone else calling trafilatura in the process,
like the benchmark's plain-trafilatura baseline, gets trafilatura as it is.

Two more of trafilatura's costs are cut the same way, inside ``shortcut()`` only and with
the same result (issue 13, the CPU bounds of a pasted page): the text nodes its
``strip_tags`` leaves side by side are merged (``_merging``), and its ``re:test`` discard
rules skip elements without the attribute they test (``_guarding``).
"""

from __future__ import annotations

import contextvars
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from copy import copy
from typing import Any

from lxml import etree

from . import trafilatura_compat
from .trafilatura_compat import (
    SANITIZED_XPATH,
    Extractor,
    compare_extraction,
    extract_content,
    trim,
)

_ACTIVE = contextvars.ContextVar("comparison_shortcut", default=False)
_UNCLEAN = etree.XPath(SANITIZED_XPATH)


def has_paragraph_text(body: etree._Element) -> bool:
    """Whether ``body.xpath(".//p//text()")`` finds anything (a text node inside a <p>
    below ``body``), in one walk that stops at the first. The XPath builds and merges the
    text nodes of every paragraph: a tenth of a second on a body of 10,000 elements."""
    open_paragraphs = 0
    for event, element in etree.iterwalk(body, events=("start", "end")):
        if element is body:
            continue
        if event == "end":
            if element.tag == "p":
                open_paragraphs -= 1
            # The tail follows the element, inside whatever paragraph holds it.
            if open_paragraphs and element.tail is not None:
                return True
            continue
        if element.tag == "p":
            open_paragraphs += 1
        if open_paragraphs and element.text is not None:
            return True  # the element's own text node
        if open_paragraphs and any(
            not isinstance(child.tag, str) and child.tail is not None for child in element
        ):
            return True  # after a comment or processing instruction, which the walk skips
    return False


def page_text_length(tree: etree._Element) -> int:
    """An upper bound of what readability can extract from ``tree``: all of its text,
    whitespace collapsed (a space between text nodes only makes it larger)."""
    return len(trim(" ".join(tree.itertext())))


def skippable(body: etree._Element, text: str, tree: etree._Element, options: Extractor) -> bool:
    """Whether compare_extraction would return ``body`` and ``text`` unchanged."""
    if options.focus == "recall" or options.fast:
        return False  # recall has other rules; fast mode skips the comparison anyway
    if not text or len(text) < options.min_extracted_size:
        return False  # empty or short: readability may win, justext is tried
    if _UNCLEAN(body):
        return False  # furniture in the body: justext is tried
    paragraphs = body.findall(".//p")
    if not has_paragraph_text(body) or len(body.findall(".//table")) > len(paragraphs):
        return False  # "structurally deficient": readability may win
    # Readability wins on length only with more than twice trafilatura's text. A bound
    # counted in C (all text, plus one separator a node) settles most pages without
    # joining and splitting all of the page's text in Python.
    limit = 2 * len(text)
    return _page_text_length_bound(tree) <= limit or page_text_length(tree) <= limit


_TEXT_LENGTH_BOUND = etree.XPath("string-length(.) + count(.//text())")


def _page_text_length_bound(tree: etree._Element) -> float:
    """At least page_text_length(tree): itertext() yields some of the text nodes (adjacent
    ones merged), and joining them adds one space fewer than there are pieces."""
    bound = _TEXT_LENGTH_BOUND(tree)
    assert isinstance(bound, float)
    return bound


_Step = Callable[[Any, Any, Any, Extractor], tuple[etree._Element, str]]


def _wrap(original: _Step) -> _Step:
    def extract_and_compare(
        cleaned_tree: Any, cleaned_tree_backup: Any, tree: Any, options: Extractor
    ) -> tuple[etree._Element, str]:
        if not _ACTIVE.get() or options.fast:
            return original(cleaned_tree, cleaned_tree_backup, tree, options)
        # trafilatura.core._extract_and_compare, step for step, with the test first.
        body, text = extract_content(cleaned_tree, options)
        if skippable(body, text, tree, options):
            return body, text
        return compare_extraction(cleaned_tree_backup, copy(tree), body, text, options)

    extract_and_compare.wrapped = original  # type: ignore[attr-defined]
    return extract_and_compare


# Wrap trafilatura's step once; a trafilatura without it keeps its own way.
INSTALLED = trafilatura_compat.wrap_extract_and_compare(_wrap)


def _merging(original: Callable[..., None]) -> Callable[..., None]:
    """lxml's strip_tags leaves the text of each stripped element as a text node of its
    own: 10,000 <span>s in a paragraph become 10,000 adjacent text nodes. lxml reads them
    as one string, but trafilatura's ``//p//text()`` then looks back over the preceding
    nodes for each one it returns, a time that grows with the square of their number
    (0.3 s for those spans). Setting each receiving element's text and its children's
    tails to what they read merges the nodes; what any lxml call reads stays the same."""

    def strip_tags(tree: Any, *tags: Any) -> None:
        if not _ACTIVE.get() or not tags or not isinstance(tree, etree._Element):
            original(tree, *tags)
            return
        # The nearest ancestor that stays, for every element that goes (in document order,
        # so a stripped parent's is known before its children's).
        receiver_of: dict[etree._Element, etree._Element] = {}
        for element in tree.iter(*tags):
            if element is not tree:
                parent = element.getparent()
                receiver_of[element] = receiver_of.get(parent, parent)
        original(tree, *tags)
        for receiver in set(receiver_of.values()):
            if receiver.text is not None:
                receiver.text = receiver.text
            for child in receiver:
                if child.tail is not None:
                    child.tail = child.tail

    strip_tags.wrapped = original  # type: ignore[attr-defined]
    return strip_tags


STRIP_TAGS_MERGES = trafilatura_compat.wrap_strip_tags(_merging)


# trafilatura's discard rules test class and id names with re:test(@class, '...'), an
# EXSLT function lxml runs in Python, once per element and rule even when the element has
# no such attribute (the test then reads ""): 10,000 plain paragraphs and links cost
# 50 ms a pass. Guarded by the attribute's presence, the call is left out where it can
# only say no; a pattern that matches "" keeps its unguarded call.
_RE_TEST = re.compile(
    r"re:test\(\s*(@[\w-]+(?:\s*\|\s*@[\w-]+)*)\s*,\s*'([^']*)'\s*(?:,\s*'([^']*)'\s*)?\)"
)


def _guard(call: re.Match[str]) -> str:
    attributes, pattern, flags = call.group(1), call.group(2), call.group(3) or ""
    if re.search(pattern, "", re.IGNORECASE if "i" in flags else 0) is not None:
        return call.group(0)
    present = " or ".join(name.strip() for name in attributes.split("|"))
    return f"(({present}) and {call.group(0)})"


def _guarded(expression: etree.XPath) -> etree.XPath:
    path = _RE_TEST.sub(_guard, expression.path)
    if path == expression.path:
        return expression
    return etree.XPath(path, namespaces={"re": trafilatura_compat.REGEXP_NS})


# id() of each of trafilatura's lists → (the list, its guarded copy); the lists live as
# long as trafilatura, so an id is never reused.
_GUARDED = {
    id(expressions): (expressions, [_guarded(x) for x in expressions])
    for expressions in trafilatura_compat.xpath_lists().values()
}


def _guarding(original: Callable[..., Any]) -> Callable[..., Any]:
    def prune_unwanted_nodes(tree: Any, nodelist: Any, *args: Any, **kwargs: Any) -> Any:
        if _ACTIVE.get():
            entry = _GUARDED.get(id(nodelist))
            if entry is not None and entry[0] is nodelist:
                nodelist = entry[1]
        return original(tree, nodelist, *args, **kwargs)

    prune_unwanted_nodes.wrapped = original  # type: ignore[attr-defined]
    return prune_unwanted_nodes


PRUNING_GUARDED = trafilatura_compat.wrap_prune_unwanted_nodes(_guarding)


@contextmanager
def shortcut() -> Iterator[None]:
    """Inside: trafilatura skips the comparison when it cannot change the result."""
    token = _ACTIVE.set(True)
    try:
        yield
    finally:
        _ACTIVE.reset(token)
