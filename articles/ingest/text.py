"""What the cleaning rules (boilerplate.py, plaintext.py) measure in a block's text:
its words, its normalized form, how it ends, whether it reports someone's speech."""

from __future__ import annotations

import re
from functools import lru_cache

_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
# No-break spaces need no mapping: _collapse treats them as spaces.
_QUOTE_PAIRS = (("’", "'"), ("‘", "'"), ("“", '"'), ("”", '"'))
_EDGE_PUNCT = " \t.:;,!?-–—|•·»›>«‹<*#()[]\"'"
# Prose ends a sentence; headlines, labels and link lists do not.
_TERMINAL = re.compile(r"[.!?…][\"'”’»)\]]*$")
_HARD_TERMINAL = re.compile(r"[.!?…:;,][\"'”’»)\]]*$")
# A quotation or a reported-speech verb means the block is someone's words in a story,
# not the site talking to its reader.
_SPOKEN = re.compile(r"[“”\"]|\b(?:said|says|told|according to)\b", re.I)
_REPORTED = re.compile(
    _SPOKEN.pattern + r"|\b(?:explained|added|noted|wrote|claimed|argued|stated|admitted)\b",
    re.I,
)
_ALPHA_WORD = re.compile(r"[^\W\d_]{2,}")


def _collapse(text: str) -> str:
    # str.split() splits on the same characters as a \s+ regex, and is much faster.
    return " ".join(text.split())


# Every rule asks for a block's normalized text and word count, several times per
# block; caching them keeps cleaning a small part of the pipeline's time.
@lru_cache(maxsize=8192)
def _norm(text: str) -> str:
    lowered = text.lower()
    # Cheaper than str.translate, which walks the whole text even when (as in most
    # blocks) there is nothing to map.
    for curly, straight in _QUOTE_PAIRS:
        if curly in lowered:
            lowered = lowered.replace(curly, straight)
    return _collapse(lowered).strip(_EDGE_PUNCT)


@lru_cache(maxsize=8192)
def _words(text: str) -> int:
    return len(_WORD.findall(text))


def _keys(*words: str) -> tuple[str, ...]:
    """Plain lower-case words a rule's text must contain (see _mentions)."""
    return words


# A heading, a label or a dated byline line is at most this many words.
_HEADING_MAX_WORDS = 12
