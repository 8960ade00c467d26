"""The HTML5 parser and serializer: the copy of html5lib vendored inside bleach.

The one module that imports bleach's vendored html5lib (``bleach._vendor.html5lib``),
and the one place its etree builder is patched. The sanitizer parses and serializes with
it (when its fast path declines), and annotations/highlighting.py draws marks with it, so
both see the same text nodes. Replacing bleach means replacing this module.
"""

from __future__ import annotations

import threading
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from typing import Any, Final

from bleach._vendor import html5lib
from bleach._vendor.html5lib import HTMLParser, getTreeBuilder, getTreeWalker
from bleach._vendor.html5lib.serializer import HTMLSerializer
from bleach._vendor.html5lib.treewalkers.base import TreeWalker

__all__ = [
    "TREE_BUILDER",
    "HTMLParser",
    "HTMLSerializer",
    "TreeWalker",
    "getTreeBuilder",
    "html5lib",
    "parse_fragment",
    "serialize",
    "walk",
]

_local = threading.local()  # a parser keeps per-call state: one per thread


def _fixed_etree_builder() -> Any:
    etree_builder: Any = getTreeBuilder("etree")

    class Element(etree_builder.elementClass):
        # html5lib 1.1's etree Element.insertBefore, used for foster parenting,
        # updates the ElementTree but not the wrapper's own child list. A
        # fragment is then assembled from that list, so content fostered
        # out of a top-level table disappears: "<table><b>x</b>a</table>"
        # would parse to "<table></table>" instead of "<b>x</b>a<table></table>".
        def insertBefore(self, node: Any, refNode: Any) -> None:
            super().insertBefore(node, refNode)
            self._childNodes.insert(self._childNodes.index(refNode), node)

    class TreeBuilder(etree_builder):
        elementClass = Element

    return TreeBuilder


TREE_BUILDER: Final = _fixed_etree_builder()


def _parser() -> Any:
    parser = getattr(_local, "parser", None)
    if parser is None:
        parser = HTMLParser(tree=TREE_BUILDER, namespaceHTMLElements=False)
        _local.parser = parser
    return parser


def parse_fragment(html: str) -> ET.Element:
    """``html`` parsed by html5lib as ``div.innerHTML = html`` in a browser: in a <div>
    context, with scripting on, no namespaces on the HTML elements."""
    root: ET.Element = _parser().parseFragment(html, container="div", scripting=True)
    return root


def walk(root: ET.Element) -> Iterable[dict[str, Any]]:
    """The tree's tokens (StartTag, Characters, ...), as html5lib's etree walker gives them."""
    tokens: Iterable[dict[str, Any]] = getTreeWalker("etree")(root)
    return tokens


def serialize(root: ET.Element) -> str:
    """The sanitizer's serialization of ``root`` by html5lib."""
    serializer = HTMLSerializer(
        quote_attr_values="always",
        omit_optional_tags=False,
        alphabetical_attributes=True,
        escape_lt_in_attrs=True,
        # Always '"' around values, with '"' inside written as &quot;. With
        # html5lib's default, a value containing '"' is put in single quotes, and
        # bleach 6.4 then escapes every "&" in it once more on each pass
        # (alt='say "a &amp;amp; b"' gains one "amp;" per round).
        use_best_quote_char=False,
    )
    return str(serializer.render(walk(root)))
