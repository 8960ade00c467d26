"""Links to a passage on the publisher's page: URL text fragments.

``#:~:text=[prefix-,]textStart[,textEnd][,-suffix]`` (WICG Scroll-to-Text-Fragment) makes
browsers that support it scroll to and highlight the passage. Each term is percent-encoded
per the spec: ``-``, ``,`` and ``&`` are syntax there, so they are always encoded, and so is
everything outside ASCII's unreserved characters (UTF-8, then %XX).

Browsers match terms on word boundaries and collapse whitespace, and the publisher's page is
not our extracted text. So: a selection that starts or ends inside a word is widened to the
whole word (the context we store says what the word is), whitespace is collapsed, a long or
multi-paragraph passage becomes ``textStart,textEnd`` (its first and last few words), and the
surrounding words are added as ``prefix-``/``-suffix`` only for short quotes, which are the
ones likely to occur elsewhere on a page; a paragraph break inside the context ends it,
because a prefix must sit right before the passage.
"""

from __future__ import annotations

import re
from urllib.parse import quote

from .anchoring import CONTEXT

# A passage with more words than this (or spanning paragraphs) is linked by its first and
# last EDGE_WORDS words rather than whole: long text fragments break on the smallest
# difference between our text and the publisher's, and make unwieldy URLs.
MAX_EXACT_WORDS = 10
MAX_EXACT_CHARS = 150
EDGE_WORDS = 4
# Quotes this short get CONTEXT_WORDS of context on each side to tell them apart.
SHORT_QUOTE_WORDS = 4
CONTEXT_WORDS = 3

_WORD_CHAR = re.compile(r"\w")
_LEADING_WORD = re.compile(r"^\w+")
_TRAILING_WORD = re.compile(r"\w+$")
_SPACE = re.compile(r"\s+")
_PARAGRAPH = re.compile(r"\n")


def encode_term(term: str) -> str:
    """A text-directive term percent-encoded: unreserved ASCII stays, "-" does not."""
    return quote(term, safe="").replace("-", "%2D")


def _collapse(text: str) -> str:
    return _SPACE.sub(" ", text).strip()


def _whole_words(exact: str, prefix: str, suffix: str) -> tuple[str, str, str]:
    """Widen a selection that cuts a word to the whole word; trim the context to match."""
    if exact[:1] and _WORD_CHAR.match(exact[0]):
        head = _TRAILING_WORD.search(prefix)
        if head:
            exact, prefix = head.group() + exact, prefix[: head.start()]
    if exact[-1:] and _WORD_CHAR.match(exact[-1]):
        tail = _LEADING_WORD.search(suffix)
        if tail:
            exact, suffix = exact + tail.group(), suffix[tail.end() :]
    return exact, prefix, suffix


def _context_words(text: str, *, before: bool) -> str:
    """Up to CONTEXT_WORDS whole words of context next to the passage, not across a
    paragraph break. The stored context is cut at CONTEXT characters, so its outermost
    word may be a fragment: it is dropped unless the context is shorter (the text's edge)
    or a paragraph break begins it."""
    parts = _PARAGRAPH.split(text)
    near = parts[-1] if before else parts[0]
    words = near.split()
    cut = len(parts) == 1 and len(text) >= CONTEXT
    if before:
        if words and cut and not near[0].isspace():
            words = words[1:]
        context = " ".join(words[-CONTEXT_WORDS:])
    else:
        if words and cut and not near[-1].isspace():
            words = words[:-1]
        context = " ".join(words[:CONTEXT_WORDS])
    return context if _WORD_CHAR.search(context) else ""


def text_directive(exact: str, prefix: str = "", suffix: str = "") -> str:
    """The ``text=…`` directive for a passage (exact) and the text around it.

    Empty when there is nothing to link to (a passage without a word character).
    """
    exact, prefix, suffix = _whole_words(exact, prefix, suffix)
    if not _WORD_CHAR.search(exact):
        return ""
    paragraphs = [_collapse(part) for part in _PARAGRAPH.split(exact.strip())]
    paragraphs = [part for part in paragraphs if part]
    words = " ".join(paragraphs).split(" ")
    long = len(words) > MAX_EXACT_WORDS or len(" ".join(words)) > MAX_EXACT_CHARS
    terms: list[str]
    if len(paragraphs) > 1:
        # Each of textStart and textEnd must lie within one block.
        first, last = paragraphs[0].split(" "), paragraphs[-1].split(" ")
        terms = [" ".join(first[:EDGE_WORDS]), " ".join(last[-EDGE_WORDS:])]
    elif long and len(words) > 2 * EDGE_WORDS:
        terms = [" ".join(words[:EDGE_WORDS]), " ".join(words[-EDGE_WORDS:])]
    else:
        terms = [" ".join(words)]
    encoded = [encode_term(term) for term in terms]
    if len(words) <= SHORT_QUOTE_WORDS:
        before = _context_words(prefix, before=True)
        after = _context_words(suffix, before=False)
        if before:
            encoded.insert(0, encode_term(before) + "-")
        if after:
            encoded.append("-" + encode_term(after))
    return "text=" + ",".join(encoded)


def fragment_url(url: str, exact: str, prefix: str = "", suffix: str = "") -> str:
    """url with a text fragment for the passage (any fragment url had is replaced)."""
    base = url.split("#", 1)[0]
    directive = text_directive(exact, prefix, suffix)
    if not directive:
        return base
    return f"{base}#:~:{directive}"
