"""The unit the ingest pipeline works in: one top-level block of a story body.

Extraction (HTML via trafilatura, or plain text) produces blocks; cleaning drops or
rewrites blocks; storing joins their HTML. Working on blocks rather than on one HTML
string lets the boilerplate rules be the same for every kind of input.
"""

from dataclasses import dataclass

# Tags a block may have; anything else is folded into a paragraph by the extractors.
BLOCK_TAGS = frozenset({"p", "h2", "h3", "h4", "ul", "ol", "blockquote", "pre", "figure", "table"})


@dataclass(frozen=True, slots=True)
class Block:
    tag: str
    # The whole element, e.g. "<p>Hello <a href=...>world</a></p>". Not yet sanitized.
    html: str
    # Its text as a reader sees it (whitespace collapsed), for the boilerplate rules.
    text: str

    @property
    def is_heading(self) -> bool:
        return self.tag in {"h2", "h3", "h4"}
