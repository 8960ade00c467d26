"""Web-search syntax, parsed once and spoken to each database in its own terms.

``rust "memory safety" -unsafe go or zig`` means: rust AND the phrase "memory safety" AND
(go OR zig), without unsafe. This is the syntax of PostgreSQL's ``websearch_to_tsquery``;
the parser follows it so that SQLite's FTS5 (which has a different, stricter syntax that
must never see user input raw) answers the same question.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

# At most this many terms are searched for; the rest of a pasted paragraph is ignored.
MAX_TERMS = 32

_WORDISH = re.compile(r"\w")

# The databases wrap each hit in these (private-use code points, which article text does not
# use); the text is escaped first and the markers become <mark> afterwards.
HIT_START = "\ue000"
HIT_END = "\ue001"


@dataclass(frozen=True)
class Term:
    """A word or a quoted phrase (its words separated by single spaces)."""

    text: str
    phrase: bool = False

    def fts5(self) -> str:
        # Every term is a quoted FTS5 string: its own tokenizer splits it into a phrase, and
        # no character the user typed can be read as an operator, column filter or prefix.
        return '"' + self.text.replace('"', '""') + '"'

    def websearch(self) -> str:
        bare = self.text.isalnum() and self.text.lower() != "or"
        return self.text if bare and not self.phrase else f'"{self.text}"'


@dataclass(frozen=True)
class SearchQuery:
    """Positive groups (all must match; any term of a group will do) and exclusions."""

    groups: tuple[tuple[Term, ...], ...]
    excluded: tuple[Term, ...]

    @property
    def is_empty(self) -> bool:
        return not self.groups and not self.excluded

    @property
    def is_searchable(self) -> bool:
        """Only exclusions ("-rust") would mean "everything but": not a search."""
        return bool(self.groups)

    def without_exclusions(self) -> SearchQuery:
        return SearchQuery(self.groups, ())

    def words(self) -> list[str]:
        """The positive words, for ranking."""
        return [word for group in self.groups for term in group for word in term.text.split()]

    def fts5(self) -> str:
        """An FTS5 MATCH expression. OR binds tighter than AND in web search but looser in
        FTS5, so every group is parenthesized."""
        if not self.groups:
            raise ValueError("FTS5 cannot search for exclusions alone.")
        expression = " AND ".join(
            "(" + " OR ".join(term.fts5() for term in group) + ")" for group in self.groups
        )
        return expression + "".join(f" NOT {term.fts5()}" for term in self.excluded)

    def websearch(self) -> str:
        """The same query in websearch_to_tsquery syntax, normalized."""
        parts = [" or ".join(term.websearch() for term in group) for group in self.groups]
        parts += [f"-{term.websearch()}" for term in self.excluded]
        return " ".join(parts)


# No leading \s*: finditer skips the spaces between terms itself, and "\s*" retried at each
# of n spaces made a run of spaces quadratic (10,000 took 2.8 s).
_TOKEN = re.compile(r'(-?)(?:"([^"]*)"?|([^\s"]+))')
# NUL ends a string for SQLite's C API (and PostgreSQL refuses it); control characters
# are never part of a word.
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def parse(text: str) -> SearchQuery:
    """Parse web-search syntax. Never fails: unbalanced quotes end at the end of the text,
    punctuation-only terms are dropped, a stray "or" is a word boundary."""
    items: list[tuple[Term, bool] | None] = []  # None stands for OR
    for match in _TOKEN.finditer(_CONTROL.sub(" ", text)):
        negated, quoted, bare = match.group(1), match.group(2), match.group(3)
        if quoted is None and not negated and bare.lower() == "or":
            items.append(None)
            continue
        raw = quoted if quoted is not None else bare
        words = raw.split()
        if not any(_WORDISH.search(word) for word in words):
            continue
        term = Term(" ".join(words), phrase=quoted is not None and len(words) > 1)
        items.append((term, bool(negated)))

    groups: list[list[Term]] = []
    excluded: list[Term] = []
    join_next = False
    count = 0
    for item in items:
        if item is None:
            join_next = bool(groups)
            continue
        if count >= MAX_TERMS:
            break
        count += 1
        term, negated = item
        if negated:
            if term not in excluded:
                excluded.append(term)
            join_next = False
        elif join_next:
            groups[-1].append(term)
            join_next = False
        else:
            groups.append([term])
    return SearchQuery(tuple(tuple(group) for group in groups), tuple(excluded))


def mark_hits(text: str) -> SafeString:
    """Escape text, then turn the databases' hit markers into <mark class="search-hit">.

    Unbalanced markers are repaired, so the result is always well-formed HTML.
    """
    out: list[str] = []
    open_mark = False
    for piece in re.split(f"([{HIT_START}{HIT_END}])", text):
        if piece == HIT_START:
            if not open_mark:
                out.append('<mark class="search-hit">')
                open_mark = True
        elif piece == HIT_END:
            if open_mark:
                out.append("</mark>")
                open_mark = False
        else:
            out.append(str(escape(piece)))
    if open_mark:
        out.append("</mark>")
    # Every piece of text was escaped above; only our own tags are added.
    return mark_safe("".join(out))
