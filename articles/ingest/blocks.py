"""The unit the ingest pipeline works in: one top-level block of a story body.

Extraction (HTML via trafilatura, or plain text) produces blocks; cleaning drops or
rewrites blocks; storing joins their HTML. Working on blocks rather than on one HTML
string lets the boilerplate rules be the same for every kind of input.
"""

from dataclasses import dataclass

# Tags a block may have; anything else is folded into a paragraph by the extractors.
BLOCK_TAGS = frozenset({"p", "h2", "h3", "h4", "ul", "ol", "blockquote", "pre", "figure", "table"})

# Elements HTML lays out on lines of their own (the rendering section's display: block,
# list-item and table defaults), and <br>: text on either side of one is never one word.
LINE_BREAK_TAGS = frozenset(
    "address article aside blockquote br caption dd details dialog div dl dt fieldset "  # noqa: SIM905
    "figcaption figure footer form h1 h2 h3 h4 h5 h6 header hgroup hr legend li main menu "
    "nav ol p pre section summary table tbody td tfoot th thead tr ul".split()
)


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
