"""Re-attach annotations to a (possibly edited) story text, W3C-selector style.

An annotation remembers the quoted text (``exact``), ~32 code points of context on either
side (``prefix``/``suffix``) and the offsets it had (``start``/``end``), all in code points
of a revision's ``body_text``. :func:`anchor` finds that passage again in another revision's
text. Unlike Hypothesis (fuzzy matching without a threshold) it prefers losing an annotation
(ORPHANED, shown in a side list) to attaching a note to the wrong passage, so every step
needs positive evidence and a clear winner:

0. With the old revision's text (``TextDiff``, when a new revision moves annotations): the
   passage's edges are mapped through the unchanged text of the diff. The quote there,
   with some context or one neighbour, is found exactly (the context read past a typo,
   a paragraph start standing for the text start, the quote's own characters in an
   unchanged paragraph counting as a neighbour); edited words there are followed when
   NEIGHBOUR characters survive verbatim across each edge and they are still
   MIN_SIMILARITY_MAPPED similar, or across one edge whose own character is unchanged and
   they are MIN_SIMILARITY_BOTH_SIDES similar. Otherwise the steps below, where the diff
   also rules out copies of the quote that were already elsewhere in the old text; and
   last, when a rewrite that began outside the passage took its first or last words, what
   is left of it if that is most of it (``_what_is_left``).
1. ANCHORED: the exact quote is still at the same offsets and its context agrees at least as
   well as at any other occurrence of the quote.
2. MOVED: the exact quote occurs elsewhere; pick the occurrence whose surroundings agree best
   with prefix/suffix. It must beat the runner-up by CONTEXT_MARGIN characters, the
   verbatim stretch (quote + agreeing context) must be MIN_EVIDENCE long, and it must keep
   a neighbour (NEIGHBOUR characters of context on one side, or context agreeing up to
   the paragraph breaks on both: the whole paragraph moved) unless the quote is
   UNIQUE_QUOTE long. Context is compared with typographic and straight quotes as one.
3. CHANGED: the quote was edited. The prefix and suffix (whole, or their halves nearest the
   quote) are located with ``str.find``; the text between them, or next to one of them, is
   compared with the quote by Levenshtein similarity on that bounded window only.
4. ORPHANED otherwise, and whenever two places compete: two verbatim copies with equally
   good context, or a verbatim copy elsewhere while the old neighbours still enclose an
   edited version of the quote (a pull quote keeping the old wording), or two edited
   candidates of similar similarity.

Only ``str.find`` scans the whole text; rapidfuzz only ever sees windows about the size of
the quote, so anchoring stays in the sub-millisecond range on 100 KB texts (see
``bench/anchoring.py``).
"""

from __future__ import annotations

import math
import re
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass
from difflib import SequenceMatcher
from enum import StrEnum

from rapidfuzz.distance import OSA, Levenshtein

CONTEXT = 32

# --- Thresholds (code points unless noted). Chosen for "never wrong" first, recall second;
# the benchmark in bench/anchoring.py reports wrong == 0 with them.

# A quote found verbatim is trusted only when the verbatim stretch around it (quote plus
# the prefix/suffix characters that still agree) is at least this long: a 5-word phrase is
# not a coincidence, while "Kaspersky" or "the" alone can be. Selections near the text's
# edges need less: no more than they could have.
MIN_EVIDENCE = 32
# Two exact occurrences whose context agreement differs by less than this are a tie: we
# orphan rather than guess. Chance agreement is typically 1-4 characters (". ", "the ").
CONTEXT_MARGIN = 8
# Search keys made of the half of the prefix/suffix nearest to the quote.
KEY = 16
# A key occurring more often than this is boilerplate and locates nothing.
MAX_KEY_HITS = 8
# Credit for the quote still touching the start/end of the text as it did before: the text
# edge is as good an anchor as half a context.
EDGE_CREDIT = KEY
# Levenshtein normalized similarity (1 - distance / longer length) an edited quote needs.
# With both neighbours found right next to it, 0.75 tolerates a reworded word in a short
# sentence; with only one neighbour we ask for more (0.85), because the text after a found
# prefix could be a different, similar passage (e.g. list items "Best X of 2024").
MIN_SIMILARITY_BOTH_SIDES = 0.75
MIN_SIMILARITY_ONE_SIDE = 0.85
# Another candidate (not overlapping the best) within this similarity of the best makes
# the match ambiguous.
SIMILARITY_MARGIN = 0.1
# Between the old neighbours, words this similar to the quote may be its edited version,
# which makes an intact copy of the quote elsewhere a rival rather than the answer.
RIVAL_SIMILARITY = 0.5
# A verbatim copy elsewhere whose neighbours on both sides are gone (fewer than NEIGHBOUR
# characters agree on either side: chance agreement is ". " or " of the ", under 10) is
# another passage with the same words (a phrase repeated, a pull quote), not ours moved:
# writers repeat phrases and sentences on purpose, so the words alone are no evidence.
# Unless the quote is this long (code points): beyond two typical news sentences (a
# sentence is ~120 characters), longer than anything quoted back in another paragraph.
NEIGHBOUR = 16
UNIQUE_QUOTE = 240
# Through the diff (TextDiff), an edited quote whose first and last characters, or the
# neighbours right outside them, survive as they were (NEIGHBOUR verbatim characters across
# each edge) is followed at a lower similarity than a searched one: the diff says these are
# the same place, the similarity only has to say it is still the same passage (four words
# of a 50-character quote reworded leave ~0.5).
MIN_SIMILARITY_MAPPED = 0.4
# A quote shorter than NEIGHBOUR (a word or two) is followed only when most of it is left
# ("pirce" for "price"): one of its two words replaced is another phrase ("and you" is not
# "and the").
MIN_SIMILARITY_SHORT = 0.75
# Exact occurrences beyond this many (a one-letter quote) are not all weighed one by one.
MAX_OCCURRENCES = 64
# Trailing/leading characters of the quote used to snap the edge of a one-sided candidate.
SNAP = 8
MAX_SNAPS = 16


@dataclass(frozen=True)
class Selectors:
    exact: str
    prefix: str
    suffix: str
    start: int
    end: int


def describe(text: str, start: int, end: int) -> Selectors:
    """Selectors for text[start:end]."""
    if not (isinstance(start, int) and isinstance(end, int)) or isinstance(start, bool):
        raise TypeError("start and end must be integers")
    if not 0 <= start < end <= len(text):
        raise ValueError(f"invalid span [{start}, {end}) for a text of length {len(text)}")
    return Selectors(
        exact=text[start:end],
        prefix=text[max(0, start - CONTEXT) : start],
        suffix=text[end : end + CONTEXT],
        start=start,
        end=end,
    )


class AnchorState(StrEnum):
    ANCHORED = "anchored"
    MOVED = "moved"
    CHANGED = "changed"
    ORPHANED = "orphaned"


@dataclass(frozen=True)
class Anchor:
    state: AnchorState
    start: int | None
    end: int | None
    score: float  # 1.0 for an exact quote, the Levenshtein similarity when CHANGED

    @property
    def is_orphaned(self) -> bool:
        return self.state is AnchorState.ORPHANED


ORPHANED = Anchor(AnchorState.ORPHANED, None, None, 0.0)


# --- Step 0: the diff between the revisions.

# Tokens for the second, finer pass: a word or one other character, with the spaces after
# it, so that a reworded word, a typo or a changed apostrophe is one token.
_TOKEN = re.compile(r"\w+\s*|[^\w\s]\s*|\s+")
# The finer pass compares every token of a changed stretch with every token of its new
# version: beyond this product of token counts (two rewritten 1,500-word stretches) it
# would cost more than re-anchoring by search, which then takes over.
MAX_TOKEN_PAIRS = 4_000_000


class TextDiff:
    """Which characters of an old revision's text are still there, unchanged, in the new one.

    Two passes of difflib: paragraphs (lines) first, which settles unchanged, inserted,
    deleted and moved paragraphs at the cost of one hash per paragraph; then, inside each
    stretch of changed paragraphs, words. Computed once per pair of revisions and shared by
    all the annotations of the old one (Annotation.objects.reanchor), so its cost (about a
    millisecond on a 40,000-character story) is spread over them.

    ``blocks`` are (old start, new start, length) of unchanged stretches, in order in both
    texts (a diff never crosses itself: a moved paragraph is deleted and inserted).
    """

    def __init__(self, old: str, new: str) -> None:
        self.old, self.new = old, new
        blocks: list[tuple[int, int, int]] = []
        old_lines, new_lines = old.splitlines(keepends=True), new.splitlines(keepends=True)
        old_at, new_at = _offsets(old_lines), _offsets(new_lines)
        lines = SequenceMatcher(None, old_lines, new_lines, autojunk=False)
        whole: set[int] = set()  # old starts of blocks that are unchanged paragraphs
        for tag, i1, i2, j1, j2 in lines.get_opcodes():
            if tag == "equal":
                blocks.append((old_at[i1], new_at[j1], old_at[i2] - old_at[i1]))
                whole.add(old_at[i1])
            elif tag == "replace":
                blocks += _word_blocks(
                    old[old_at[i1] : old_at[i2]],
                    new[new_at[j1] : new_at[j2]],
                    old_at[i1],
                    new_at[j1],
                )
        self.blocks = [block for block in blocks if block[2] > 0]
        self._old_starts = [block[0] for block in self.blocks]
        self._new_starts = [block[1] for block in self.blocks]
        self._whole = [block[0] in whole for block in self.blocks]

    def in_kept_paragraphs(self, start: int, end: int) -> bool:
        """Whether old [start, end) lies in paragraphs the diff found unchanged (not in
        words paired inside a rewritten stretch, which can pair a deleted sentence with
        the same words spliced into another paragraph)."""
        i = bisect_right(self._old_starts, start) - 1
        if i < 0 or not self._whole[i]:
            return False
        old_start, _, length = self.blocks[i]
        return end <= old_start + length

    def kept_ends(self, start: int, end: int) -> tuple[int, int]:
        """How many characters at the start and at the end of old [start, end) lie in
        paragraphs the diff found unchanged."""
        head = tail = 0
        i = bisect_right(self._old_starts, start) - 1
        if i >= 0 and self._whole[i]:
            old_start, _, length = self.blocks[i]
            head = max(0, min(end, old_start + length) - start)
        j = bisect_right(self._old_starts, end - 1) - 1
        if j >= 0 and self._whole[j]:
            old_start, _, length = self.blocks[j]
            if end <= old_start + length:
                tail = end - max(start, old_start)
        return head, tail

    def overlapping(self, start: int, end: int) -> list[tuple[int, int, int]]:
        """The unchanged stretches holding some of old [start, end), in order."""
        i = max(0, bisect_right(self._old_starts, start) - 1)
        found: list[tuple[int, int, int]] = []
        while i < len(self.blocks) and self.blocks[i][0] < end:
            if self.blocks[i][0] + self.blocks[i][2] > start:
                found.append(self.blocks[i])
            i += 1
        return found

    def same_paragraph_around(self, block: tuple[int, int, int], *, after: bool) -> bool:
        """Whether the changed stretch after (or before) an unchanged one gives way, in the
        same paragraph of both texts, to NEIGHBOUR or more unchanged characters in a row
        (or the text's edge): a chance pairing of a word or two is not the text resuming."""
        i = bisect_right(self._old_starts, block[0]) - 1
        step = 1 if after else -1
        j = i + step
        if not 0 <= j < len(self.blocks):
            old_gap = self.old[block[0] + block[2] :] if after else self.old[: block[0]]
            new_gap = self.new[block[1] + block[2] :] if after else self.new[: block[1]]
            return "\n" not in old_gap and "\n" not in new_gap
        first, second = (block, self.blocks[j]) if after else (self.blocks[j], block)
        old_gap = self.old[first[0] + first[2] : second[0]]
        new_gap = self.new[first[1] + first[2] : second[1]]
        if "\n" in old_gap or "\n" in new_gap:
            return False
        run = self.blocks[j][2]
        while run < NEIGHBOUR and 0 <= j + step < len(self.blocks):
            earlier, later = (self.blocks[j], self.blocks[j + step])[::step]
            if earlier[0] + earlier[2] != later[0] or earlier[1] + earlier[2] != later[1]:
                break
            j += step
            run += self.blocks[j][2]
        return run >= NEIGHBOUR

    def describes(self, selectors: Selectors, text: str) -> bool:
        """Whether selectors were made in this diff's old text and text is its new one."""
        start, end = selectors.start, selectors.end
        if not (0 <= start < end <= len(self.old)) or self.old[start:end] != selectors.exact:
            return False
        return self.new is text or self.new == text

    def left_edge(self, start: int) -> int | None:
        """Where a passage starting at old offset start starts now, if the diff says.

        Unchanged character: its new place. A changed one right after an unchanged stretch
        (the passage's first word was edited): the start of what replaced it. Otherwise (the
        change began before the passage) the diff cannot say where the passage begins.
        """
        i = bisect_right(self._old_starts, start) - 1
        if i >= 0:
            old_start, new_start, length = self.blocks[i]
            if start < old_start + length:
                return new_start + start - old_start
            if start == old_start + length:
                return new_start + length
            return None
        return 0 if start == 0 else None

    def right_edge(self, end: int) -> int | None:
        """Where a passage ending at old offset end ends now (the mirror of left_edge)."""
        i = bisect_right(self._old_starts, end - 1) - 1
        if i >= 0:
            old_start, new_start, length = self.blocks[i]
            if end <= old_start + length:
                return new_start + end - old_start
        # The next unchanged stretch starts here, or after the spaces that ended the
        # passage's last, edited, word (a token keeps its spaces), which are still there.
        old_next, new_next = len(self.old), len(self.new)
        if i + 1 < len(self.blocks):
            old_next, new_next = self.blocks[i + 1][0], self.blocks[i + 1][1]
        gap = self.old[end:old_next]
        same = self.new[new_next - len(gap) : new_next] == gap
        return new_next - len(gap) if (not gap or gap.isspace()) and same else None

    def brings_in(self, left: int, right: int, start: int, end: int) -> bool:
        """Whether new text[left:right] holds unchanged characters from outside old [start,
        end): a passage followed there would swallow some of its old surroundings (the word
        diff of a rewritten stretch pairs words wherever they repeat)."""
        i = max(0, bisect_right(self._new_starts, left) - 1)
        while i < len(self.blocks) and self.blocks[i][1] < right:
            old_start, new_start, length = self.blocks[i]
            low, high = max(left, new_start), min(right, new_start + length)
            if low < high and not (
                start <= old_start + low - new_start and old_start + high - new_start <= end
            ):
                return True
            i += 1
        return False

    def old_place(self, start: int, end: int) -> int | None:
        """The old offset of new text[start:end] when all of it was there, unchanged."""
        i = bisect_right(self._new_starts, start) - 1
        if i < 0:
            return None
        old_start, new_start, length = self.blocks[i]
        if end > new_start + length:
            return None
        return old_start + start - new_start


def _offsets(lines: list[str]) -> list[int]:
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line))
    return offsets


def _word_blocks(old: str, new: str, old_base: int, new_base: int) -> list[tuple[int, int, int]]:
    old_tokens, new_tokens = _TOKEN.findall(old), _TOKEN.findall(new)
    if len(old_tokens) * len(new_tokens) > MAX_TOKEN_PAIRS:
        return []
    old_at, new_at = _offsets(old_tokens), _offsets(new_tokens)
    words = SequenceMatcher(None, old_tokens, new_tokens, autojunk=False)
    return [
        (old_base + old_at[i], new_base + new_at[j], old_at[i + size] - old_at[i])
        for i, j, size in words.get_matching_blocks()
    ]


def _through(selectors: Selectors, diff: TextDiff) -> Anchor | None:
    """The passage where the diff puts it, when the evidence there is enough; else None."""
    text = diff.new
    exact, start, end = selectors.exact, selectors.start, selectors.end
    left, right = diff.left_edge(start), diff.right_edge(end)
    if left is None or right is None or right <= left:
        return None
    before = _context_before(selectors.prefix, text, left)
    after = _context_after(selectors.suffix, text, right)
    found = text[left:right]
    if found == exact:
        # Unchanged characters, but a short quote also needs some of its context, or one
        # neighbour: in a rewritten paragraph the word diff can pair a lone "the" with
        # another "the".
        # Words paired inside a rewritten stretch need a neighbour, as a copy found by
        # search does: the pairing may be a deleted passage's words spliced elsewhere.
        # The quote's own characters in an unchanged paragraph (paired as a whole line, not
        # word by word) are such a neighbour for the rest of it.
        required = min(MIN_EVIDENCE, len(exact) + _full_context(selectors))
        enough = len(exact) + before + after >= required
        if not diff.in_kept_paragraphs(start, end):
            head, tail = diff.kept_ends(start, end)
            enough = enough and _has_neighbours(selectors, text, left, before + head, after + tail)
        elif not enough:
            enough = _has_neighbours(selectors, text, left, before, after)
        if not enough:
            return None
        state = AnchorState.ANCHORED if left == start else AnchorState.MOVED
        return Anchor(state, left, right, 1.0)
    if len(found) * MIN_SIMILARITY_MAPPED > len(exact) or len(exact) * MIN_SIMILARITY_MAPPED > len(
        found
    ):
        return None  # similarity could not reach the threshold: skip computing it
    if diff.brings_in(left, right, start, end):
        return None
    head = _common_head(exact, found)
    tail = _common_tail(exact, found, min(len(exact), len(found)) - head)
    kept_before, kept_after = before + head >= NEIGHBOUR, after + tail >= NEIGHBOUR
    # Optimal string alignment: a typo swapping two letters is one edit, not two.
    similarity = OSA.normalized_similarity(exact, found)
    if not (kept_before and kept_after):
        # One edge without its neighbour (the words next to it were edited too) is still
        # placed by the diff when its own first (or last) character is unchanged there; the
        # words must then be as similar as an edit between both neighbours found by search.
        if len(exact) < NEIGHBOUR or not (kept_before or kept_after):
            return None
        weak_edge_kept = (
            diff.old_place(left, left + 1) == start
            if kept_after
            else diff.old_place(right - 1, right) == end - 1
        )
        if not weak_edge_kept or similarity < MIN_SIMILARITY_BOTH_SIDES:
            return None
    if similarity < (MIN_SIMILARITY_MAPPED if len(exact) >= NEIGHBOUR else MIN_SIMILARITY_SHORT):
        return None
    return Anchor(AnchorState.CHANGED, left, right, similarity)


def _what_is_left(selectors: Selectors, diff: TextDiff) -> Anchor | None:
    """A passage whose first (or last) words went in a rewrite that began outside it.

    Rewriting a neighbouring sentence often takes the passage's edge words with it; what
    is left is followed when it is most of the passage (half or more of its characters,
    unchanged in the diff, between the new edges), keeps its neighbour on the other side
    (NEIGHBOUR verbatim characters across that edge), and is still MIN_SIMILARITY_MAPPED
    similar to the words it was. Less than half left is a remnant, not the passage; a
    quote shorter than NEIGHBOUR is never followed this way (MIN_SIMILARITY_SHORT).
    """
    exact, start, end = selectors.exact, selectors.start, selectors.end
    left, right = diff.left_edge(start), diff.right_edge(end)
    if (left is None) == (right is None) or len(exact) < NEIGHBOUR:
        return None
    blocks = diff.overlapping(start, end)
    if not blocks:
        return None
    text = diff.new
    left_lost = left is None
    if left is None and right is not None:
        old_start, new_start, _ = blocks[0]
        old_left, old_right = old_start, end
        left = new_start
    elif left is not None and right is None:
        old_start, new_start, length = blocks[-1]
        old_left, old_right = start, min(end, old_start + length)
        right = new_start + old_right - old_start
    else:
        return None
    kept = sum(min(o + n, old_right) - max(o, old_left) for o, _, n in blocks)
    if 2 * kept < len(exact) or right <= left or diff.brings_in(left, right, start, end):
        return None
    # The rewrite stayed inside the paragraph: past the new words, the rest of the old
    # paragraph (or its break) follows as before. Words of a deleted paragraph spliced into
    # another one (paired by the word diff) are followed by that paragraph's words instead.
    if not diff.same_paragraph_around(blocks[0] if left_lost else blocks[-1], after=not left_lost):
        return None
    part, found = exact[old_left - start : old_right - start], text[left:right]
    if old_left == start:
        side = _context_before(selectors.prefix, text, left) + _common_head(part, found)
    else:
        limit = min(len(part), len(found))
        side = _context_after(selectors.suffix, text, right) + _common_tail(part, found, limit)
    if side < NEIGHBOUR or OSA.normalized_similarity(part, found) < MIN_SIMILARITY_MAPPED:
        return None
    return Anchor(AnchorState.CHANGED, left, right, OSA.normalized_similarity(exact, found))


def _context_before(prefix: str, text: str, position: int) -> int:
    """Prefix agreement before a place the diff gave, past one typo, with the paragraph
    start standing for the text start the quote was next to (a paragraph inserted above
    the first one)."""
    agreed = _prefix_agreement(text, position, prefix)
    if agreed < len(prefix):
        window = text[max(0, position - len(prefix) - 1) : position]
        agreed = max(agreed, _past_typo(prefix[::-1], window[::-1]))
    elif agreed == len(prefix) < CONTEXT and text.endswith("\n", 0, position - agreed):
        agreed += EDGE_CREDIT
    return agreed


def _context_after(suffix: str, text: str, position: int) -> int:
    """The mirror of _context_before (the text's end; the paragraph's end)."""
    agreed = _suffix_agreement(text, position, suffix)
    if agreed < len(suffix):
        agreed = max(agreed, _past_typo(suffix, text[position : position + len(suffix) + 1]))
    elif agreed == len(suffix) < CONTEXT and text.startswith("\n", position + agreed):
        agreed += EDGE_CREDIT
    return agreed


def _past_typo(context: str, window: str) -> int:
    """Characters of context agreeing with window from their start, carrying on past one
    typo inside a word (a letter changed, dropped, added, or two letters swapped): a typo
    made or fixed next to a passage leaves its neighbour there. The edited letters do not
    count."""
    agreed = _common_head(context, window)
    if agreed >= min(len(context), len(window)):
        return agreed
    if not (context[agreed].isalnum() or window[agreed].isalnum()):
        return agreed
    best = agreed
    # (characters skipped in context, in window, credited)
    for skip_c, skip_w, credit in ((1, 1, 0), (1, 0, 0), (0, 1, 0), (2, 2, 2)):
        a, b = context[agreed + skip_c :], window[agreed + skip_w :]
        if credit and context[agreed : agreed + 2] != window[agreed : agreed + 2][::-1]:
            continue
        best = max(best, agreed + credit + _common_head(a, b))
    return best


def _through_elsewhere(selectors: Selectors, diff: TextDiff, start: int, end: int) -> bool:
    """Whether new text[start:end] holds unchanged words from elsewhere in the old text."""
    return diff.brings_in(start, end, selectors.start, selectors.end)


def _common_head(a: str, b: str) -> int:
    count, limit = 0, min(len(a), len(b))
    while count < limit and _same(a[count], b[count]):
        count += 1
    return count


def _common_tail(a: str, b: str, limit: int) -> int:
    count = 0
    while count < limit and _same(a[-1 - count], b[-1 - count]):
        count += 1
    return count


def anchor(selectors: Selectors, text: str, diff: TextDiff | None = None) -> Anchor:
    """Find the passage described by selectors in text, or orphan it.

    diff, when given, is TextDiff(old text, text) where old text is the revision the
    selectors were made in: the passage is first followed through it (step 0), and copies
    of the quote that were already elsewhere in the old text are never taken for it.
    """
    exact = selectors.exact
    # (A text shorter than the quote can still hold an edited version of it: the passage
    # was most of the text, and words of it were cut.)
    if not exact:
        return ORPHANED
    if diff is not None and not diff.describes(selectors, text):
        diff = None
    if diff is not None:
        followed = _through(selectors, diff)
        if followed is not None:
            return followed
    found = _exact(selectors, text, diff)
    if found is not None:
        position, context, ambiguous = found
        if ambiguous:
            return ORPHANED
        complete = context >= _full_context(selectors)
        # Quote, context and offsets all unchanged: nothing could be stronger. Otherwise
        # look at the old neighbours: if they still enclose similar, edited words
        # elsewhere, the passage was edited there and this is another copy of the old
        # wording (a repeated paragraph, a pull quote): two stories, so no answer.
        if not (complete and position == selectors.start):
            survey = _Survey(selectors, text)
            span = (position, position + len(exact))
            span_old = (selectors.start, selectors.end)
            # The diff knows a copy made of old text from elsewhere (a repeated passage,
            # even one split by an insertion) from the passage moved or left in place.
            not_a_copy = diff is not None and not diff.brings_in(*span, *span_old)
            if survey.rivals(*span, weak=not complete, diff=diff if not_a_copy else None):
                return ORPHANED
        state = AnchorState.ANCHORED if position == selectors.start else AnchorState.MOVED
        return Anchor(state, position, position + len(exact), 1.0)
    changed = _Survey(selectors, text).best()
    if changed is None:
        if diff is not None:
            return _what_is_left(selectors, diff) or ORPHANED
        return ORPHANED
    if diff is not None and _through_elsewhere(selectors, diff, changed.start, changed.end):
        return ORPHANED
    if text[changed.start : changed.end] == exact:
        state = AnchorState.ANCHORED if changed.start == selectors.start else AnchorState.MOVED
        return Anchor(state, changed.start, changed.end, 1.0)
    return Anchor(AnchorState.CHANGED, changed.start, changed.end, changed.similarity)


# --- Step 1 and 2: the exact quote.


def _exact(
    selectors: Selectors, text: str, diff: TextDiff | None = None
) -> tuple[int, int, bool] | None:
    """(start, context agreement, ambiguous) of the best verbatim occurrence, or None."""
    exact, prefix, suffix = selectors.exact, selectors.prefix, selectors.suffix
    required = min(MIN_EVIDENCE, len(exact) + _full_context(selectors))
    positions, hidden = _occurrences(selectors, text, required - len(exact), diff)
    best_position = best_context = -1
    best_sides = (-1, -1)
    # Best context agreement among the other occurrences: at first, that of the copies
    # left out (fewer than `hidden` characters a side; -2 when there are none).
    runner_up = 2 * hidden - 2
    weighed: dict[int, tuple[int, int]] = {}  # position: (before, after) agreements
    same_offset_context = -1
    for position in positions:
        before = _prefix_agreement(text, position, prefix)
        after = _suffix_agreement(text, position + len(exact), suffix)
        context = before + after
        weighed[position] = (before, after)
        if position == selectors.start:
            same_offset_context = context
        if context > best_context:
            runner_up, best_context, best_position = max(runner_up, best_context), context, position
            best_sides = (before, after)
        elif context > runner_up:
            runner_up = context
    if best_position == -1:
        return None
    if not _has_neighbours(selectors, text, best_position, *best_sides):
        return None
    # Step 1: the old offsets still hold the quote, and nowhere agrees better with the
    # context. Equal agreement elsewhere is a verbatim duplicate of quote and context;
    # the position selector is then the only, and a sufficient, tie-breaker.
    if same_offset_context >= 0 and same_offset_context == best_context:
        if len(exact) + same_offset_context >= required:
            return selectors.start, same_offset_context, False
        return None
    if len(exact) + best_context < required:
        return None
    ambiguous = runner_up >= 0 and best_context - runner_up < CONTEXT_MARGIN
    others = [sides for position, sides in weighed.items() if position != best_position]
    if _lead_on_one_side(best_sides, others, hidden):
        ambiguous = True
    return best_position, best_context, ambiguous


def _lead_on_one_side(best: tuple[int, int], others: list[tuple[int, int]], hidden: int) -> bool:
    """Whether another copy agrees as much as the best on one side (a repeated sentence
    after both) while the best's other side is no neighbour on its own (see NEIGHBOUR):
    the lead is then all on that side, too short to tell the two apart. The copies left
    out by _occurrences agree on fewer than `hidden` characters a side: any might."""
    before, after = best
    if before < NEIGHBOUR and (after < hidden or any(a == after for _, a in others)):
        return True
    return after < NEIGHBOUR and (before < hidden or any(b == before for b, _ in others))


def _has_neighbours(
    selectors: Selectors, text: str, position: int, before: int, after: int
) -> bool:
    """Whether a verbatim copy at position kept a neighbour of the passage (see UNIQUE_QUOTE).

    A neighbour is NEIGHBOUR characters of context agreeing on one side (the text's edge
    counts, see EDGE_CREDIT), or, for a passage that was a whole paragraph, paragraph breaks
    on both sides again: a paragraph moved elsewhere keeps nothing else.
    """
    exact = selectors.exact
    if before >= NEIGHBOUR or after >= NEIGHBOUR or len(exact) >= UNIQUE_QUOTE:
        return True
    # The context agrees up to the paragraph's breaks on both sides: the whole paragraph
    # holding the quote is there, as it was (a paragraph moved, or one above inserted).
    if _reaches_break(selectors.prefix, before, before=True) and _reaches_break(
        selectors.suffix, after, before=False
    ):
        return True
    end = position + len(exact)
    was_paragraph = selectors.prefix[-1:] in ("", "\n") and selectors.suffix[:1] in ("", "\n")
    is_paragraph = text[position - 1 : position] in ("", "\n") and text[end : end + 1] in ("", "\n")
    return was_paragraph and is_paragraph


def _occurrences(
    selectors: Selectors, text: str, needed: int, diff: TextDiff | None = None
) -> tuple[list[int], int]:
    """Starts of the quote worth weighing, and a bound on the context of those left out.

    Never a copy the diff holds as old text from elsewhere: another passage. Of the
    others, usually all (none left out: the bound is 0). A quote with more than
    MAX_OCCURRENCES copies (a word or a letter) is weighed only where enough context
    could agree to reach the evidence threshold: a copy with neither prefix[-half:]
    before it nor suffix[:half] after it (quote styles aside, as _same) agrees on fewer
    than `half` characters a side; the bound is then `half` if any copy was left out.
    """
    exact, prefix, suffix = selectors.exact, selectors.prefix, selectors.suffix
    hits = _find_all(text, exact)
    if diff is not None:
        hits = [h for h in hits if diff.old_place(h, h + len(exact)) in (None, selectors.start)]
    if needed <= 0 or len(hits) <= MAX_OCCURRENCES:
        return hits, 0
    half = math.ceil(needed / 2)
    plain = text.translate(_QUOTE_STYLE)
    before = prefix[-half:].translate(_QUOTE_STYLE) if half <= len(prefix) else None
    after = suffix[:half].translate(_QUOTE_STYLE) if half <= len(suffix) else None
    # Places where the edge credit alone could make up the difference.
    edges = (len(prefix), len(text) - len(suffix) - len(exact), selectors.start)
    positions = [
        hit
        for hit in hits
        if hit in edges
        or (before is not None and plain.endswith(before, 0, hit))
        or (after is not None and plain.startswith(after, hit + len(exact)))
    ]
    return positions, half if len(positions) < len(hits) else 0


def _find_all(text: str, needle: str) -> list[int]:
    """Every start of needle in text, overlapping ones included.

    A needle that repeats itself (a period shorter than itself: "aaaa", "abab…") can
    overlap itself tens of thousands of times, and finding each next one afresh compares
    the whole needle each time (10,000 × 90,000 characters took 2.3 s). Once two hits
    overlap, the next one is found from the needle's smallest period instead: nothing
    starts less than a period after a hit, and a period after it only if the text goes on
    repeating the period's characters past the hit's end.
    """
    hits: list[int] = []
    period = 0
    hit = text.find(needle)
    while hit != -1:
        hits.append(hit)
        if not period and len(hits) > 1 and hit - hits[-2] < len(needle):
            period = _smallest_period(needle)
        if period and text.startswith(needle[len(needle) - period :], hit + len(needle)):
            hit += period
        else:
            hit = text.find(needle, hit + 1)
    return hits


def _smallest_period(word: str) -> int:
    """The smallest p > 0 with word[p:] == word[:-p] (len(word) when there is none): the
    length of word less its longest border (Knuth–Morris–Pratt's failure function)."""
    border = [0] * len(word)
    k = 0
    for i in range(1, len(word)):
        while k and word[i] != word[k]:
            k = border[k - 1]
        if word[i] == word[k]:
            k += 1
        border[i] = k
    return len(word) - (border[-1] if word else 0)


def _prefix_agreement(text: str, position: int, prefix: str) -> int:
    """How many characters before position agree with the end of prefix (+ edge credit)."""
    if text.endswith(prefix, 0, position):
        count = len(prefix)
    else:
        count = 0
        i, j = position - 1, len(prefix) - 1
        while i >= 0 and j >= 0 and _same(text[i], prefix[j]):
            count += 1
            i -= 1
            j -= 1
    # A prefix shorter than CONTEXT means the quote was this close to the text start.
    if count == len(prefix) < CONTEXT and position == len(prefix):
        return count + EDGE_CREDIT
    return count


def _suffix_agreement(text: str, position: int, suffix: str) -> int:
    """How many characters from position agree with the start of suffix (+ edge credit)."""
    if text.startswith(suffix, position):
        count = len(suffix)
    else:
        count = 0
        i, limit = position, min(len(text) - position, len(suffix))
        while count < limit and _same(text[i], suffix[count]):
            count += 1
            i += 1
    if count == len(suffix) < CONTEXT and position + len(suffix) == len(text):
        return count + EDGE_CREDIT
    return count


# Typographic and typewriter quotes are one character written two ways: a revision that
# only changes the quote style (’ → ') has not changed the words around a passage.
_QUOTE_STYLE = str.maketrans({"’": "'", "‘": "'", "ʼ": "'", "“": '"', "”": '"', "„": '"'})


def _same(a: str, b: str) -> bool:
    return a == b or a.translate(_QUOTE_STYLE) == b.translate(_QUOTE_STYLE)


def _reaches_break(context: str, agreement: int, *, before: bool) -> bool:
    """Whether agreement runs through a paragraph break of context (or the text's edge)."""
    if agreement > len(context):  # the edge credit: the text's start or end, as before
        return True
    agreed = context[len(context) - agreement :] if before else context[:agreement]
    return "\n" in agreed


# --- Step 3: an edited quote, located by its neighbours.


def _full_context(selectors: Selectors) -> int:
    return _full_before(selectors.prefix) + _full_after(selectors.suffix)


def _full_before(prefix: str) -> int:
    """What _prefix_agreement returns where the whole prefix (and the text edge) agree."""
    return len(prefix) + (EDGE_CREDIT if len(prefix) < CONTEXT else 0)


def _full_after(suffix: str) -> int:
    return len(suffix) + (EDGE_CREDIT if len(suffix) < CONTEXT else 0)


@dataclass(frozen=True)
class _Candidate:
    start: int
    end: int
    similarity: float
    before: int  # prefix agreement
    after: int  # suffix agreement

    def overlaps(self, start: int, end: int) -> bool:
        if start == end:  # an empty span (deleted passage) overlaps what encloses it
            return self.start <= start <= self.end
        return self.start < end and start < self.end


class _Survey:
    """Where the old neighbours of the quote are, and what lies between or next to them.

    A *sandwich* is a place where the prefix (or its near half) is followed by the suffix
    (or its near half) within twice the quote's length (generous: it is evidence against
    other places): the passage's old place, whatever it now contains. Candidates are
    sandwiches of plausible length plus, where only one neighbour was found, the
    best-matching span next to it.
    """

    def __init__(self, selectors: Selectors, text: str) -> None:
        self.selectors = selectors
        self.text = text
        exact, prefix, suffix = selectors.exact, selectors.prefix, selectors.suffix
        length = len(exact)
        # Similarity >= MIN_SIMILARITY_BOTH_SIDES bounds the length ratio the same way.
        shortest = max(1, math.ceil(length * MIN_SIMILARITY_BOTH_SIDES))
        longest = math.floor(length / MIN_SIMILARITY_BOTH_SIDES)
        self.full_before = _full_before(prefix)
        self.full_after = _full_after(suffix)

        starts = _key_positions(text, [prefix, prefix[-KEY:]], after=True)
        if len(prefix) < CONTEXT and text.startswith(prefix):
            starts.add(len(prefix))
        ends = _key_positions(text, [suffix, suffix[:KEY]], after=False)
        if len(suffix) < CONTEXT and text.endswith(suffix):
            ends.add(len(text) - len(suffix))
        before = {start: _prefix_agreement(text, start, prefix) for start in starts}
        after = {end: _suffix_agreement(text, end, suffix) for end in ends}

        # Old neighbours sharing characters where they now meet ("\n\n") overlap a little:
        # that is an empty sandwich too.
        self.sandwiches = [
            (start, max(start, end))
            for start in starts
            for end in ends
            if -SNAP <= end - start <= 2 * length + CONTEXT
            and before[start] >= KEY
            and after[end] >= KEY
        ]
        spans: set[tuple[int, int]] = set()
        paired_ends: set[int] = set()
        for start in starts:
            partners = [end for end in ends if shortest <= end - start <= longest]
            spans.update((start, end) for end in partners)
            paired_ends.update(partners)
            if not partners:
                # The quote cannot reach past where the old suffix now begins: that is
                # what follows the prefix (nearly) directly when the quote was deleted.
                limit = start + longest
                head = suffix[:KEY]
                if len(head) >= SNAP:
                    found = text.find(head, max(0, start - len(head) + 1), limit + len(head))
                    limit = limit if found == -1 else found
                end = _best_end(text, exact, start, shortest, limit)
                if end is not None:
                    spans.add((start, end))
        for end in ends - paired_ends:
            limit = end - longest
            tail = prefix[-KEY:]
            if len(tail) >= SNAP:
                found = text.rfind(tail, max(0, limit - len(tail)), end + len(tail) - 1)
                limit = limit if found == -1 else found + len(tail)
            begin = _best_start(text, exact, end, shortest, limit)
            if begin is not None:
                spans.add((begin, end))
        self.candidates = [
            _Candidate(
                start,
                end,
                _similarity(exact, text[start:end]),
                _prefix_agreement(text, start, prefix),
                _suffix_agreement(text, end, suffix),
            )
            for start, end in spans
            if start < end
        ]

    def acceptable(self, candidate: _Candidate) -> bool:
        if candidate.before >= KEY and candidate.after >= KEY:
            return candidate.similarity >= MIN_SIMILARITY_BOTH_SIDES
        # One neighbour only: it must agree completely, and the words must be closer.
        one_side = candidate.before >= self.full_before or candidate.after >= self.full_after
        return one_side and candidate.similarity >= MIN_SIMILARITY_ONE_SIDE

    def best(self) -> _Candidate | None:
        accepted = [c for c in self.candidates if self.acceptable(c)]
        if not accepted:
            return None
        old = self.selectors.start
        best = max(accepted, key=lambda c: (c.similarity, c.before + c.after, -abs(c.start - old)))
        # Unique: nothing nearly as similar elsewhere, and the old neighbours together
        # nowhere else (there, the passage was replaced or deleted: it is not here).
        for other in self.candidates:
            if (
                not best.overlaps(other.start, other.end)
                and other.similarity >= best.similarity - SIMILARITY_MARGIN
            ):
                return None
        if any(not best.overlaps(start, end) for start, end in self.sandwiches):
            return None
        return best

    def _elsewhere(self, diff: TextDiff, candidate: _Candidate) -> bool:
        """Whether the diff says a candidate's words were all there, unchanged, outside the
        passage: another passage that stayed (the next list item's "Rating: 4.5" now
        after the old neighbour of a moved "Rating: 4.4"), not an edit of this one."""
        old = diff.old_place(candidate.start, candidate.end)
        selectors = self.selectors
        return old is not None and not (
            old < selectors.end and selectors.start < old + candidate.end - candidate.start
        )

    def rivals(
        self,
        start: int,
        end: int,
        *,
        weak: bool,
        diff: TextDiff | None = None,
    ) -> bool:
        """Whether another place competes with a verbatim match at [start, end).

        Competing: any place between both old neighbours that step 3 would accept or that
        holds words looking like an edit of the quote (RIVAL_SIMILARITY): the passage may
        have been rewritten there. When the match's own context does not fully agree
        (weak), also such places next to one completely agreeing neighbour, and any words
        between the old neighbours; when it does, one neighbour is less evidence than its
        own. An empty sandwich never does: the old neighbours closing up is exactly what a
        passage moved elsewhere leaves behind. Other verbatim copies of the quote were
        already weighed by their context in step 2.

        diff: given when the diff says the match is not old text from elsewhere (the
        passage moved or left in place, not a repeated passage).
        """
        span = _Candidate(start, end, 1.0, 0, 0)
        exact = self.selectors.exact
        # Such a match with one complete neighbour outweighs another place's one
        # neighbour and words merely looking like an edit (a list item moved: the old
        # prefix is now followed by the next item, which starts the same way). Without the
        # diff it may be a passage repeated with its neighbour: the words decide nothing.
        own_side = diff is not None and (
            _prefix_agreement(self.text, start, self.selectors.prefix) >= self.full_before
            or _suffix_agreement(self.text, end, self.selectors.suffix) >= self.full_after
        )
        for c in self.candidates:
            if span.overlaps(c.start, c.end) or self.text[c.start : c.end] == exact:
                continue
            if not weak and (c.before < KEY or c.after < KEY):
                continue  # one neighbour is less evidence than the match's complete context
            if diff is not None and self._elsewhere(diff, c):
                continue
            if self.acceptable(c):
                return True
            both = c.before >= KEY and c.after >= KEY
            one = c.before >= self.full_before or c.after >= self.full_after
            if (both or (one and not own_side)) and c.similarity >= RIVAL_SIMILARITY:
                return True
        for s, e in self.sandwiches:
            if e == s or span.overlaps(s, e) or self.text[s:e] == exact:
                continue
            if weak or _similarity(exact, self.text[s:e]) >= (RIVAL_SIMILARITY):
                return True
        return False


def _similarity(exact: str, candidate: str) -> float:
    # Nothing below RIVAL_SIMILARITY matters anywhere, and the cutoff lets rapidfuzz give up
    # early on dissimilar windows (5x faster on a 5000-character quote).
    return Levenshtein.normalized_similarity(exact, candidate, score_cutoff=RIVAL_SIMILARITY)


def _key_positions(text: str, keys: list[str], *, after: bool) -> set[int]:
    """Positions right after (prefix keys) or at (suffix keys) each distinctive key."""
    positions: set[int] = set()
    for key in dict.fromkeys(keys):
        if len(key) < KEY:
            continue
        hits: list[int] = []
        hit = text.find(key)
        while hit != -1 and len(hits) <= MAX_KEY_HITS:
            hits.append(hit)
            hit = text.find(key, hit + 1)
        if len(hits) > MAX_KEY_HITS:
            continue
        positions.update(hit + len(key) if after else hit for hit in hits)
    return positions


def _best_end(text: str, exact: str, start: int, shortest: int, limit: int) -> int | None:
    """The end <= limit making text[start:end] most similar to exact."""
    low, high = start + shortest, min(len(text), limit)
    if low > high:
        return None
    snapped: list[int] = []
    tail = exact[-SNAP:]
    hit = text.find(tail, max(0, low - len(tail)), high)
    while hit != -1 and len(snapped) < MAX_SNAPS:
        snapped.append(hit + len(tail))
        hit = text.find(tail, hit + 1, high)
    return _search(
        lambda end: _similarity(exact, text[start:end]),
        low,
        high,
        start + len(exact),
        snapped,
    )


def _best_start(text: str, exact: str, end: int, shortest: int, limit: int) -> int | None:
    """The start >= limit making text[start:end] most similar to exact."""
    low, high = max(0, limit), end - shortest
    if low > high:
        return None
    snapped: list[int] = []
    head = exact[:SNAP]
    hit = text.find(head, low, high + len(head))
    while hit != -1 and len(snapped) < MAX_SNAPS:
        snapped.append(hit)
        hit = text.find(head, hit + 1, high + len(head))
    return _search(
        lambda start: _similarity(exact, text[start:end]),
        low,
        high,
        end - len(exact),
        snapped,
    )


def _search(
    score: Callable[[int], float], low: int, high: int, expected: int, extra: list[int]
) -> int:
    """Maximise score over [low, high] with few evaluations.

    The edit distance changes by at most 1 per character of the window edge and is
    V-shaped around the true edge, so a coarse grid refined by halving steps finds it;
    positions where the quote's own first/last characters match (extra) catch the common
    case of an edit in the middle exactly.
    """
    cache: dict[int, float] = {}

    def value(position: int) -> tuple[float, int]:
        if position not in cache:
            cache[position] = score(position)
        # Ties go to the length closest to the original.
        return cache[position], -abs(position - expected)

    step = max(1, (high - low) // 32)
    best = max([*range(low, high + 1, step), high, *extra], key=value)
    while step > 1:
        step //= 2
        best = max(
            (p for p in (best - step, best, best + step) if low <= p <= high),
            key=value,
        )
    return best
