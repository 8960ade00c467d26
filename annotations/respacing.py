"""Carry offsets into a text over to the same text with separators added.

When the sanitizer started writing a newline between blocks whose words touched
("cottonhemp" → "cotton\\nhemp"), stored stories got a new revision whose text is the old
one with whitespace inserted and nothing else changed. Then every old offset has exactly
one new place, found by walking both texts once: no matching by quote or context, which
could only do worse than exact (a quote spanning two list items is not even in the new
text verbatim). ``map_offsets`` says whether the texts are related that way at all; when
they are not, annotations take the ordinary re-anchoring path (``annotations.anchoring``).
"""

from __future__ import annotations

from dataclasses import dataclass

from .anchoring import AnchorState, Selectors, anchor, describe

# What a separator may be made of. The sanitizer only inserts "\n"; any whitespace is
# accepted so that the mapping does not depend on which one it chose.
_SEPARATOR = frozenset("\t\n\f\r ")


def map_offsets(old: str, new: str) -> list[int] | None:
    """For each position 0..len(old) in ``old``, its position in ``new``, when ``new`` is
    ``old`` with only whitespace characters inserted; otherwise None.

    Position ``i`` maps to where ``old[i]`` now is, and ``len(old)`` to ``len(new)``. The
    walk is greedy: a character of ``new`` that equals the next one of ``old`` is that
    character. That is exact for what the sanitizer inserts, a separator between two
    non-space characters, since such a separator never stands where ``old`` has one.
    """
    if len(new) < len(old):
        return None
    positions: list[int] = []
    j = 0
    for char in old:
        while j < len(new) and new[j] != char:
            if new[j] not in _SEPARATOR:
                return None
            j += 1
        if j == len(new):
            return None
        positions.append(j)
        j += 1
    if any(char not in _SEPARATOR for char in new[j:]):
        return None
    positions.append(len(new))
    return positions


@dataclass(frozen=True)
class Respaced:
    selectors: Selectors
    # True when the passage's own characters are unchanged (no separator inside it).
    same_quote: bool


def respace(selectors: Selectors, old: str, new: str, positions: list[int]) -> Respaced | None:
    """The passage ``selectors`` describes in ``old`` (its offsets), in ``new``.

    ``positions`` is ``map_offsets(old, new)``. The passage keeps its first and last
    characters: separators added just outside it stay outside. The result is confirmed by
    the ordinary anchoring, which must find it exactly there (it always does, since quote
    and context are both read from ``new``); None if the selectors do not describe ``old``
    at their offsets, so the caller re-anchors them the ordinary way.
    """
    start, end = selectors.start, selectors.end
    if not (0 <= start < end <= len(old)) or old[start:end] != selectors.exact:
        return None
    new_start, new_end = positions[start], positions[end - 1] + 1
    moved = describe(new, new_start, new_end)
    found = anchor(moved, new)
    if found.state is not AnchorState.ANCHORED or (found.start, found.end) != (new_start, new_end):
        return None
    return Respaced(moved, same_quote=moved.exact == selectors.exact)
