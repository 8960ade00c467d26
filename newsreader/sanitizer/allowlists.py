"""What sanitized HTML may hold: the tags and attributes each policy keeps, the subtrees
that go whole, the heading renames and the URL schemes of links and images."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

REL: Final = "nofollow noopener noreferrer"

# What each tag may keep. The keys are also the tag allowlist.
ARTICLE_ATTRIBUTES: Final[Mapping[str, frozenset[str]]] = {
    **{tag: frozenset() for tag in ("p", "h2", "h3", "h4", "ul", "ol", "li", "blockquote")},
    **{tag: frozenset() for tag in ("pre", "code", "em", "strong", "b", "i", "br")},
    **{tag: frozenset() for tag in ("figure", "figcaption", "table", "thead", "tbody", "tr")},
    "a": frozenset({"href", "title", "rel"}),
    "img": frozenset({"src", "alt"}),
    "th": frozenset({"colspan", "rowspan"}),
    "td": frozenset({"colspan", "rowspan"}),
}
COMMENT_ATTRIBUTES: Final[Mapping[str, frozenset[str]]] = {
    **{tag: frozenset() for tag in ("p", "br", "em", "strong", "code", "pre")},
    **{tag: frozenset() for tag in ("ul", "ol", "li", "blockquote")},
    "a": frozenset({"href", "rel"}),
}

# bleach's strip=True keeps the text of a removed tag, so these go as whole
# subtrees first: their text is code, hidden or form furniture, never article
# prose. noembed, noframes, applet and frameset are added to the brief's list
# because a browser does not show their content either.
DROP_WITH_CONTENT: Final = frozenset(
    {
        "script", "style", "template", "iframe", "object", "embed", "noscript",
        "svg", "math", "head", "title", "textarea", "select", "form", "button",
        "input", "noembed", "noframes", "applet", "frameset",
    }
)  # fmt: skip
HEADING_RENAMES: Final[Mapping[str, str]] = {"h1": "h2", "h5": "h4", "h6": "h4"}

HREF_SCHEMES: Final = frozenset({"http", "https", "mailto"})
IMG_SCHEMES: Final = frozenset({"http", "https"})
