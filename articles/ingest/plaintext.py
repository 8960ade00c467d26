"""Plain text in, a story out: a title, a dek and blocks (paragraphs, headings and
lists) from a story scraped to plain text, glued words split and boilerplate dropped."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from .blocks import Block
from .boilerplate import _SOURCE_CREDIT, _is_furniture, remove_boilerplate
from .glued_words import split_glued_words
from .text import _ALPHA_WORD, _HARD_TERMINAL, _HEADING_MAX_WORDS, _collapse, _words

__all__ = ["PlainStory", "parse_plain_text"]


@dataclass
class PlainStory:
    title: str
    dek: str  # "" when none
    blocks: list[Block]


_BLANK_LINE = re.compile(r"\n[ \t\u00a0]*\n")
_BULLET = re.compile(r"^\s*[•·▪●◦*–-]\s+(.+)$")
_NUMBERED = re.compile(r"^\s*\d{1,3}[.)]\s+(.+)$")
_INNER_SENTENCE = re.compile(r"[.!?][\"'”’)]*\s+[A-Z“\"]")
_BYLINE = re.compile(r"^[Bb]y\s+[A-Z]")
_DEK_MAX_WORDS = 25


def _text_block(tag: str, text: str) -> Block:
    return Block(tag, f"<{tag}>{html.escape(text, quote=False)}</{tag}>", text)


def _list_block(tag: str, items: list[str]) -> Block:
    inner = "".join(f"<li>{html.escape(item, quote=False)}</li>" for item in items)
    return Block(tag, f"<{tag}>{inner}</{tag}>", " ".join(items))


def _looks_like_heading(text: str) -> bool:
    words = _words(text)
    if not 1 <= words <= _HEADING_MAX_WORDS:
        return False
    if not (text[:1].isupper() or text[:1].isdigit()):
        return False
    if _INNER_SENTENCE.search(text) or _SOURCE_CREDIT.search(text) or _BYLINE.search(text):
        return False
    # "March 3, 2025" and "$1,299" are data, not section titles.
    if sum(ch.isdigit() for ch in text) >= sum(ch.isalpha() for ch in text):
        return False
    if _HARD_TERMINAL.search(text):
        # "What happens next?" is a heading; "Really?" is a line of dialogue.
        return text.endswith("?") and words >= 3
    return True


def _looks_like_dek(text: str) -> bool:
    # A dek says something: "By Jane Doe" or "March 3, 2025" under the title is metadata.
    return (
        len(_ALPHA_WORD.findall(text)) >= 3
        and _words(text) <= _DEK_MAX_WORDS
        and not _HARD_TERMINAL.search(text)
        and not _SOURCE_CREDIT.search(text)
        and not _BYLINE.search(text)
        and not _is_furniture(_text_block("p", text))
    )


def _chunk_to_block(lines: list[str]) -> Block | None:
    lines = [line for line in (_collapse(line) for line in lines) if line]
    if not lines:
        return None
    bullets = [_BULLET.match(line) for line in lines]
    numbers = [_NUMBERED.match(line) for line in lines]
    if all(bullets) and (len(lines) >= 2 or lines[0].startswith("•")):
        items = [split_glued_words(m.group(1)) for m in bullets if m]
        return _list_block("ul", items)
    if len(lines) >= 2 and all(numbers):
        items = [split_glued_words(m.group(1)) for m in numbers if m]
        return _list_block("ol", items)
    text = split_glued_words(" ".join(lines))
    return _text_block("h2" if _looks_like_heading(text) else "p", text)


def parse_plain_text(text: str) -> PlainStory:
    """Turn a story scraped to plain text into a title, a dek and clean blocks.

    The first line is the title; a short unpunctuated line after it is the dek;
    blank lines separate paragraphs, and short title-like lines become headings.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\ufeff", "")
    lines = text.split("\n")
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is None:
        return PlainStory(title="", dek="", blocks=[])
    title = split_glued_words(_collapse(lines[first]))
    body = "\n".join(lines[first + 1 :])
    if _BLANK_LINE.search(body):
        chunks = [chunk.split("\n") for chunk in _BLANK_LINE.split(body)]
    else:
        # No blank lines at all: the scraper put one paragraph per line.
        chunks = [[line] for line in body.split("\n")]
    chunks = [chunk for chunk in chunks if any(line.strip() for line in chunk)]

    dek = ""
    if chunks and sum(1 for line in chunks[0] if line.strip()) == 1:
        candidate = split_glued_words(_collapse(" ".join(chunks[0])))
        if _looks_like_dek(candidate):
            dek = candidate
            chunks = chunks[1:]

    blocks = [block for chunk in chunks if (block := _chunk_to_block(chunk)) is not None]
    return PlainStory(title=title, dek=dek, blocks=remove_boilerplate(blocks, title=title))
