"""annotations.anchoring's search steps (verbatim copies, the survey of the old neighbours)
and their helpers, each pinned by cases on both sides of its boundaries.

Like test_anchoring_thresholds, texts are random consonant words, so that nothing agrees
by chance. Pure functions only: no database.
"""

from __future__ import annotations

import math
import random

import pytest

from annotations.anchoring import (
    CONTEXT,
    EDGE_CREDIT,
    MAX_KEY_HITS,
    MAX_OCCURRENCES,
    MAX_TOKEN_PAIRS,
    ORPHANED,
    Anchor,
    AnchorState,
    Selectors,
    TextDiff,
    _best_end,
    _best_start,
    _find_all,
    _full_after,
    _full_before,
    _occurrences,
    _prefix_agreement,
    _search,
    _suffix_agreement,
    anchor,
    describe,
)
from tests.annotations.test_anchoring_thresholds import NEW, A, B, P, S, words


def at(text: str, quote: str, occurrence: int = 0) -> Selectors:
    """Selectors of the occurrence-th copy of quote in text."""
    start = -1
    for _ in range(occurrence + 1):
        start = text.index(quote, start + 1)
    return describe(text, start, start + len(quote))


# --- describe and the orphan.


@pytest.mark.parametrize(("start", "end"), [(0.0, 2), (0, 2.0), (True, 2), ("0", 2), (0, "2")])
def test_describe_takes_integer_offsets_only(start, end):
    with pytest.raises(TypeError, match="start and end must be integers"):
        describe("abcdef", start, end)


def test_an_orphan_has_no_place_and_no_score():
    assert Anchor(AnchorState.ORPHANED, None, None, 0.0) == ORPHANED
    text = A + P + "qzx" + S + B
    assert anchor(at(text, "qzx"), words(9, 500)) == Anchor(AnchorState.ORPHANED, None, None, 0.0)


def test_an_empty_quote_is_orphaned():
    # Even where its neighbours meet.
    selectors = Selectors("", P, S, len(A + P), len(A + P))
    assert anchor(selectors, A + P + S + B) == ORPHANED


@pytest.mark.parametrize("with_diff", [False, True])
@pytest.mark.parametrize("ending", ["", " end."])
def test_a_quote_edited_shorter_than_itself_is_found_in_a_text_shorter_than_the_quote(
    with_diff, ending
):
    # A passage that was nearly all of the text, 8 of its 60 characters cut: 0.87 similar
    # after its whole prefix (the text start). That the text is now shorter than the quote
    # (without the old ending) says nothing against it: only a verbatim copy needs room.
    quote = words(61, 59).strip() + "q"
    text = "Intro: " + quote + " end."
    selectors = at(text, quote)
    edited = "Intro: " + quote[:20] + quote[28:] + ending
    assert (len(edited) < len(quote)) is (ending == "")
    diff = TextDiff(text, edited) if with_diff else None
    assert anchor(selectors, edited, diff) == Anchor(AnchorState.CHANGED, 7, 59, 52 / 60)


# --- Context agreement.


def test_prefix_agreement_counts_back_from_the_position():
    # The prefix is anywhere but right before the position: nothing agrees.
    assert _prefix_agreement("abc" + "xyz" + "Q", 6, "abc") == 0
    # Agreement runs back to the text's start and no further (text[-1] is not before it).
    assert _prefix_agreement("bcQ z", 2, "zbc") == 2
    # Quote styles count as the same character, up to the prefix's first one.
    assert _prefix_agreement("x'cQ", 3, "’c") == 2
    assert _prefix_agreement("c'cQ", 3, "’c") == 2


def test_prefix_agreement_credits_the_text_start_only_for_a_whole_short_prefix():
    assert _prefix_agreement("abQ", 2, "ab") == 2 + EDGE_CREDIT
    assert _prefix_agreement("xbQ", 2, "ab") == 1
    whole = words(11, CONTEXT)
    assert _prefix_agreement(whole + "Q", CONTEXT, whole) == CONTEXT


def test_suffix_agreement_counts_on_from_the_position():
    assert _suffix_agreement("Qxxdef", 1, "def") == 0
    # Quote styles agree; the count stops at the text's end.
    assert _suffix_agreement("Qa'", 1, "a’b") == 2
    assert _suffix_agreement("Qa'b z", 1, "a’b") == 3


def test_suffix_agreement_credits_the_text_end_only_for_a_whole_short_suffix():
    assert _suffix_agreement("Qab", 1, "ab") == 2 + EDGE_CREDIT
    assert _suffix_agreement("Qa'", 1, "a’") == 2 + EDGE_CREDIT
    assert _suffix_agreement("Qxb", 1, "ab") == 0
    assert _suffix_agreement("Qab z", 1, "ab") == 2
    whole = words(12, CONTEXT)
    assert _suffix_agreement("Q" + whole, 1, whole) == CONTEXT


@pytest.mark.parametrize("prefix", ["", "ab", words(13, CONTEXT - 1), words(13, CONTEXT)])
def test_full_context_is_what_a_whole_context_at_the_edge_scores(prefix):
    # At the text's start and end, as when they were described.
    assert _full_before(prefix) == _prefix_agreement(prefix + "Q", len(prefix), prefix)
    assert _full_after(prefix) == _suffix_agreement("Q" + prefix, 1, prefix)


def test_find_all_finds_overlapping_occurrences():
    assert _find_all("aaaa", "aa") == [0, 1, 2]


# --- _search: the best window edge with few evaluations.


@pytest.mark.parametrize(("low", "high"), [(0, 10), (100, 131), (7, 70), (0, 63)])
def test_search_over_fewer_than_64_positions_tries_every_one(low, high):
    for peak in range(low, high + 1):
        found = _search(lambda p, peak=peak: 1.0 if p == peak else 0.0, low, high, low, [])
        assert found == peak


@pytest.mark.parametrize(("low", "high", "grid"), [(0, 64, 2), (0, 100, 3), (10, 330, 10)])
def test_search_over_64_positions_or_more_samples_every_32nd_of_its_range(low, high, grid):
    # The grid's step is (high - low) // 32 (then refined around the best): a score that
    # is not V-shaped, one isolated peak off the grid and away from the expected
    # position, is not seen (a real edit distance never spikes like this). A finer grid
    # (// 33) would step 1, 3, 9 and land on these peaks.
    assert (high - low) // 32 == grid
    for peak in range(low + 1, high, grid):
        if peak - low <= grid:  # found by the refinement around the expected position
            continue
        found = _search(lambda p, peak=peak: 1.0 if p == peak else 0.0, low, high, low, [])
        assert found == low
        # Named among the extra positions (the snapped edges), it is found.
        assert (
            _search(lambda p, peak=peak: 1.0 if p == peak else 0.0, low, high, low, [peak]) == peak
        )


def test_search_never_leaves_its_range():
    assert _search(lambda p: p, 0, 10, 0, []) == 10
    assert _search(lambda p: -p, 5, 10, 10, []) == 5
    assert _search(lambda p: p, 0, 100, 0, []) == 100
    assert _search(lambda p: -p, 0, 100, 100, []) == 0


@pytest.mark.parametrize("expected", [0, 7, 10])
def test_search_ties_go_to_the_expected_position(expected):
    assert _search(lambda p: 0.5, 0, 10, expected, []) == expected


@pytest.mark.parametrize(("low", "high"), [(0, 64), (0, 95), (0, 200), (13, 1000)])
@pytest.mark.parametrize("expected", ["low", "high"])
def test_search_finds_the_peak_of_a_v_shaped_score(low, high, expected):
    # The edit distance as the window's edge moves: one more per position off the peak.
    for peak in range(low, high + 1, 7):
        found = _search(
            lambda p, peak=peak: 1 - abs(p - peak) / 1000,
            low,
            high,
            low if expected == "low" else high,
            [],
        )
        assert found == peak


# --- Step 2: frequent short quotes (more than MAX_OCCURRENCES copies).


def filler(count: int, word: str, seed: int) -> str:
    """count paragraphs each holding word once, between random words."""
    rng = random.Random(seed)
    return "".join(
        words(rng.randrange(10**6), 20) + word + " " + words(rng.randrange(10**6), 20) + "\n"
        for _ in range(count)
    )


@pytest.mark.parametrize(
    ("copies", "found"), [(MAX_OCCURRENCES, True), (MAX_OCCURRENCES + 1, False)]
)
def test_beyond_max_occurrences_copies_others_are_bounded_not_weighed(copies, found):
    # "qzx" with 30 characters of prefix agreeing and none of the suffix: 33 >= 32 of
    # evidence, and far ahead of every other copy weighed one by one. Beyond
    # MAX_OCCURRENCES copies the others are only bounded: they could agree on up to 28
    # characters (2 * (15 - 1), not found with 15 of context), which is no clear lead.
    quote = "qzx"
    text = A + P + quote + S + B
    selectors = at(text, quote)
    edited = filler(copies - 1, quote, 1) + "#" + P[-30:] + quote + "#" + B
    assert edited.count(quote) == copies
    result = anchor(selectors, edited)
    if found:
        assert (result.state, result.start) == (AnchorState.MOVED, edited.index("#" + P[-30:]) + 31)
    else:
        assert result.is_orphaned


@pytest.mark.parametrize(
    ("length", "side"),
    [(3, "both")] + [(n, s) for n in (16, 31, 32, 40) for s in ("prefix", "suffix", "both")],
)
def test_a_frequent_quote_is_found_by_its_context(length, side):
    # (A 3-letter quote with one side only is no clear lead over the bound of the others.)
    quote = words(14, length - 1) + "q"
    text = A + P + quote + S + B
    selectors = at(text, quote)
    before = P if side != "suffix" else "#"
    after = S if side != "prefix" else "#"
    edited = filler(40, quote, 2) + before + quote + after + "\n" + filler(40, quote, 3)
    assert edited.count(quote) > MAX_OCCURRENCES
    result = anchor(selectors, edited)
    assert (result.state, result.start) == (
        AnchorState.MOVED,
        edited.index(before + quote) + len(before),
    )


def test_occurrences_of_a_frequent_quote_are_those_with_enough_context():
    quote = "qzx"
    text = A + P + quote + S + B
    selectors = at(text, quote)
    with_prefix = "#" + P[-15:] + quote + "#"
    with_suffix = "#" + quote + S[:15] + "#"
    with_less = "#" + P[-14:] + quote + S[:14] + "#"
    edited = filler(70, quote, 4) + with_prefix + with_suffix + with_less
    positions, hidden = _occurrences(selectors, edited, 29)  # half: 15 a side
    base = len(filler(70, quote, 4))
    assert positions == [base + 16, base + len(with_prefix) + 1]
    assert hidden == 15


def test_occurrences_at_the_text_edges_are_weighed_for_their_edge_credit():
    # A short prefix (the quote was near the start) and a short suffix: at the start and
    # at the end of the text, the edge is worth as much as half a context.
    quote = "qzx"
    text = "ab " + quote + " cd"
    selectors = at(text, quote)
    middle = filler(70, quote, 5)
    for edited, position in [
        ("ab " + quote + "\n" + middle, 3),
        (middle + quote + " cd", len(middle)),
    ]:
        positions, _ = _occurrences(selectors, edited, 29)
        assert position in positions
    # The quote was the text's start: it still is.
    text = quote + " cd ef"
    positions, _ = _occurrences(at(text, quote), quote + "#" + middle, 29)
    assert positions[0] == 0
    # Nothing is found before the text's start.
    positions, _ = _occurrences(selectors, quote + " cd" + middle, 29)
    assert all(p >= 0 for p in positions)


def test_a_frequent_quote_s_context_agrees_whatever_its_quote_style():
    # A revision that only turned ' into ’ around the passage: the copy is looked up
    # by the ends of its context as _same reads them, one character written two ways.
    quote = "qzx"
    prefix, suffix = words(21, 30) + " it's ", " don't " + words(22, 30)
    text = A + prefix + quote + suffix + B
    selectors = at(text, quote)
    curly = (prefix + quote + suffix).replace("'", "’")
    edited = filler(70, quote, 6) + "#" + curly + "#" + B
    positions, hidden = _occurrences(selectors, edited, 29)
    start = edited.index(curly) + len(prefix)
    assert start in positions
    assert hidden == 15
    result = anchor(selectors, edited)
    assert (result.state, result.start) == (AnchorState.MOVED, start)


def test_occurrences_of_a_frequent_quote_all_found_by_their_context_leave_nothing_out():
    quote = "qzx"
    text = A + P + quote + S + B
    selectors = at(text, quote)
    edited = "".join(f"{i:03} " + P[-15:] + quote + " #\n" for i in range(70))
    positions, hidden = _occurrences(selectors, edited, 29)
    assert len(positions) == 70
    assert hidden == 0


@pytest.mark.parametrize("runner_up_after", [24, 25])
def test_a_long_frequent_quote_weighs_every_copy(runner_up_after):
    # A 40-character quote reaches the evidence threshold alone: all of its 70+ copies
    # are weighed, also one agreeing with little of either side. There the passage kept
    # its whole prefix (32), and another copy 25 characters of the suffix: no clear lead.
    quote = words(22, 39) + "q"
    text = A + P + quote + S + B
    selectors = at(text, quote)
    runner_up = "#" + quote + S[:runner_up_after] + "#"
    edited = filler(35, quote, 7) + "#" + P + quote + "#\n" + runner_up + filler(35, quote, 8)
    assert edited.count(quote) > MAX_OCCURRENCES
    result = anchor(selectors, edited)
    if runner_up_after == 25:
        assert result == ORPHANED
    else:
        start = edited.index(P + quote) + len(P)
        assert (result.state, result.start) == (AnchorState.MOVED, start)


@pytest.mark.parametrize(("after", "found"), [(3, False), (4, True)])
def test_a_frequent_quote_leads_the_copies_left_out_by_context_margin(after, found):
    # "qzx" 70 times with little context; the passage kept its whole prefix (32) and
    # `after` characters of its suffix. Copies left out agree on at most 14 + 14 = 28:
    # 32 + 4 leads them by CONTEXT_MARGIN, 32 + 3 does not.
    quote = "qzx"
    text = A + P + quote + S + B
    selectors = at(text, quote)
    edited = filler(70, quote, 9) + "#" + P + quote + S[:after] + "#" + B
    result = anchor(selectors, edited)
    if found:
        start = edited.index(P + quote) + len(P)
        assert (result.state, result.start) == (AnchorState.MOVED, start)
    else:
        assert result == ORPHANED


def test_a_frequent_quote_s_copy_at_the_text_start_is_looked_up_by_its_context():
    # The text begins with the last 15 characters of the prefix and a copy of the quote
    # (then 14 of its suffix): 29 characters of context, weighed, not bounded by 28 as
    # if found by neither key. The passage's 36 are then no clear lead.
    quote = "qzx"
    text = A + P + quote + S + B
    selectors = at(text, quote)
    edited = P[-15:] + quote + S[:14] + "#\n" + filler(70, quote, 10)
    edited += "#" + P + quote + S[:4] + "#" + B
    assert anchor(selectors, edited) == ORPHANED


@pytest.mark.parametrize("side", ["prefix", "suffix"])
@pytest.mark.parametrize("copies", [60, 70])
def test_a_frequent_quote_s_lead_on_one_side_may_tie_with_a_copy_left_out(side, copies):
    # A 20-character quote needs 12 characters of context; beyond MAX_OCCURRENCES copies
    # those with fewer than 6 a side are left out. The passage, the start of a paragraph
    # (its prefix agrees through the line break: 15 characters), kept 5 characters of
    # the other side (through the next break): any copy left out may agree on as many
    # there, and then the passage leads it by 15 characters on one side only, no
    # neighbour. With every copy weighed, none does: a clear lead.
    quote = words(24, 19) + "q"
    near, far = words(25, 13) + " ", words(26, 4)
    if side == "prefix":
        before, after = near, far
    else:
        before, after = far, " " + near[:-1]
    old = A + before + quote + after + B
    selectors = at(old, quote)
    edited = filler(copies, quote, 11) + "#\n" + before + quote + after + "\n#" + B
    assert edited.count(quote) == copies + 1
    result = anchor(selectors, edited)
    if copies > MAX_OCCURRENCES:
        assert result == ORPHANED
    else:
        start = edited.index("#\n" + before + quote) + 2 + len(before)
        assert (result.state, result.start) == (AnchorState.MOVED, start)


@pytest.mark.parametrize(("order", "found"), [("AB", False), ("BA", False), ("B", True)])
def test_a_copy_agreeing_as_much_on_one_side_is_weighed_whatever_the_order(order, found):
    # The passage kept 10 characters of its prefix and all of its suffix (42). Copy A
    # kept all of the suffix and nothing before (32): the lead over it is those 10
    # characters, no neighbour, so there is no answer, though copy B ties with A (16 + 16)
    # and may come first. Without A, B agrees with neither side as much: a clear lead.
    quote = words(23, 19) + "q"
    text = A + P + quote + S + B
    selectors = at(text, quote)
    best = "#" + P[-10:] + quote + S + "#\n"
    copies = {"A": "#" + quote + S + "#\n", "B": "#" + P[-16:] + quote + S[:16] + "#\n"}
    edited = NEW + best + "".join(copies[name] for name in order) + B
    result = anchor(selectors, edited)
    if found:
        start = edited.index(best) + 11
        assert (result.state, result.start) == (AnchorState.MOVED, start)
    else:
        assert result == ORPHANED


# --- anchor: when the old neighbours are asked about other places.

Q = "qzxv wktr"  # a short quote
EDIT = "qzxv wkmr"  # and an edited version of it (similarity 0.89)


def test_a_quote_at_its_offsets_with_its_whole_context_is_anchored_whatever_is_elsewhere():
    # The old neighbours also enclose an edit of the quote further on (a repeated
    # paragraph, edited): nothing beats the quote with its context at its old place.
    text = A + P + Q + S + B
    selectors = at(text, Q)
    edited = A + P + Q + S + B + "\n" + P + EDIT + S + "\n" + A
    assert anchor(selectors, edited) == Anchor(
        AnchorState.ANCHORED, len(A + P), len(A + P + Q), 1.0
    )


def test_a_moved_quote_with_its_whole_context_competes_with_an_edit_between_the_same_neighbours():
    text = A + P + Q + S + B
    selectors = at(text, Q)
    edited = NEW + A + P + Q + S + B + "\n" + P + EDIT + S + "\n" + A
    assert anchor(selectors, edited).is_orphaned
    # Without the edited copy it has moved.
    edited = NEW + A + P + Q + S + B
    assert anchor(selectors, edited) == Anchor(
        AnchorState.MOVED, len(NEW + A + P), len(NEW + A + P + Q), 1.0
    )


def test_a_quote_at_its_offsets_with_part_of_its_context_competes_with_an_edit():
    # At the old offsets the suffix changed; the old neighbours enclose an edit elsewhere.
    text = A + P + Q + S + B
    selectors = at(text, Q)
    edited = A + P + Q + " " + words(20, 31) + B + "\n" + P + EDIT + S + "\n"
    assert anchor(selectors, edited).is_orphaned
    edited = A + P + Q + " " + words(20, 31) + B
    assert anchor(selectors, edited) == Anchor(
        AnchorState.ANCHORED, len(A + P), len(A + P + Q), 1.0
    )


# --- A verbatim copy's neighbours: its paragraph's breaks.

QP = words(21, 49).strip() + "q"  # a quote long enough to be evidence (>= MIN_EVIDENCE)
W1, W2, W3, W4 = (words(22 + i, 120 - 20 * i).strip() for i in range(4))


@pytest.mark.parametrize(
    ("old", "new", "found"),
    [
        # The first paragraph, now elsewhere as a paragraph.
        (QP + "\n" + W1 + "\n" + W2, W3 + "\n" + QP + "\n" + W4, True),
        # The start of the first paragraph is not a paragraph.
        (QP + " " + W1 + "\n" + W2, W3 + "\n" + QP + "\n" + W4, False),
        # A paragraph, now the first one.
        (W1 + "\n" + QP + "\n" + W2, QP + "\n" + W4 + "\n" + W3, True),
        # The last paragraph, now in the middle.
        (W1 + "\n" + QP, W3 + "\n" + QP + "\n" + W4, True),
        # A paragraph, now the last one.
        (W1 + "\n" + QP + "\n" + W2, W3 + "\n" + QP, True),
        # A paragraph, now the end of one or the start of one: not a paragraph.
        (W1 + "\n" + QP + "\n" + W2, W3 + " " + QP + "\n" + W4, False),
        (W1 + "\n" + QP + "\n" + W2, W3 + "\n" + QP + " " + W4, False),
        (W1 + "\n" + QP + "\n" + W2, QP + " " + W4, False),
        # The end of a paragraph was not a paragraph.
        (W1 + "\n" + QP + " " + W2, W3 + "\n" + QP + "\n" + W4, False),
        (W1 + " " + QP + "\n" + W2, W3 + "\n" + QP + "\n" + W4, False),
        (W1 + " " + QP, W3 + "\n" + QP + "\n" + W4, False),
    ],
)
def test_a_whole_paragraph_moved_keeps_its_breaks_as_neighbours(old, new, found):
    selectors = at(old, QP)
    result = anchor(selectors, new)
    if found:
        assert result == Anchor(AnchorState.MOVED, new.index(QP), new.index(QP) + len(QP), 1.0)
    else:
        assert result.is_orphaned


# --- Step 1 and 2: which verbatim copy.

LONG = words(30, 259).strip() + "q"  # longer than UNIQUE_QUOTE: evidence alone


def test_a_long_quote_moved_without_any_context_is_found_where_it_is():
    text = A + P + LONG + S + B
    selectors = at(text, LONG)
    edited = NEW + A + "#" + LONG + "#" + B
    assert anchor(selectors, edited) == Anchor(
        AnchorState.MOVED, edited.index(LONG), edited.index(LONG) + len(LONG), 1.0
    )


@pytest.mark.parametrize(("before", "after"), [(10, 0), (0, 10), (5, 0)])
def test_a_long_quote_with_a_little_context_on_one_side_is_found(before, after):
    text = A + P + LONG + S + B
    selectors = at(text, LONG)
    edited = NEW + A + "#" + P[len(P) - before :] + LONG + S[:after] + "#" + B
    start = edited.index(LONG)
    assert anchor(selectors, edited) == Anchor(AnchorState.MOVED, start, start + len(LONG), 1.0)


def test_two_copies_of_a_long_quote_without_context_are_told_apart_by_the_old_offsets():
    text = A + P + LONG + S + B
    selectors = at(text, LONG)
    # At the old offsets and elsewhere, neither with its context.
    edited = A + "#" * len(P) + LONG + "#" + B + "\n#" + LONG + "#\n"
    assert edited.index(LONG) == selectors.start
    assert anchor(selectors, edited) == Anchor(
        AnchorState.ANCHORED, selectors.start, selectors.end, 1.0
    )
    # Elsewhere only: two copies with as little context are a tie.
    edited = NEW + edited
    assert anchor(selectors, edited).is_orphaned


def test_a_long_quote_with_a_little_more_context_is_no_clear_winner():
    text = A + P + LONG + S + B
    selectors = at(text, LONG)
    for before, after in ((5, 0), (3, 3), (4, 3)):
        ours = "#" + P[len(P) - before :] + LONG + S[:after] + "#"
        edited = NEW + ours + B + "\n#" + LONG + "#\n"
        assert anchor(selectors, edited).is_orphaned


def test_a_copy_elsewhere_with_its_context_outweighs_the_old_offsets_without():
    text = A + P + Q + S + B
    selectors = at(text, Q)
    for copy in (P + Q + S, keep_prefix(20) + Q + keep_suffix(14)):
        edited = A + "#" * len(P) + Q + "#" * len(S) + B + "\n" + copy + "\n"
        assert edited.index(Q) == selectors.start
        start = edited.rindex(Q)
        assert anchor(selectors, edited) == Anchor(AnchorState.MOVED, start, start + len(Q), 1.0)


def test_at_the_old_offsets_exactly_min_evidence_characters_are_enough():
    quote = "qzx"
    text = A + P + quote + S + B
    selectors = at(text, quote)
    # 3 + 16 + 13 = 32 = MIN_EVIDENCE, at the old offsets.
    kept = A + "#" * 16 + P[-16:] + quote + S[:13] + "#" * 19 + B
    assert kept.index(quote) == selectors.start
    assert anchor(selectors, kept) == Anchor(
        AnchorState.ANCHORED, selectors.start, selectors.end, 1.0
    )
    fewer = A + "#" * 16 + P[-16:] + quote + S[:12] + "#" * 20 + B
    assert anchor(selectors, fewer).is_orphaned


def keep_prefix(k: int) -> str:
    """P of which only the last k characters agree."""
    return P if k >= len(P) else P[: len(P) - k - 1] + "#" + P[len(P) - k :]


def keep_suffix(k: int) -> str:
    return S if k >= len(S) else S[:k] + "#" + S[k + 1 :]


def test_a_copy_with_less_context_earlier_in_the_text_is_still_the_runner_up():
    # The weaker copy comes first: 60 against 64 characters is no clear lead.
    text = A + P + Q + S + B
    selectors = at(text, Q)
    weaker = "\n" + keep_prefix(28) + Q + S + "\n"
    edited = NEW + weaker + A + P + Q + S + B
    assert anchor(selectors, edited).is_orphaned
    weaker = "\n" + keep_prefix(20) + Q + S + "\n"
    edited = NEW + weaker + A + P + Q + S + B
    start = edited.rindex(Q)
    assert anchor(selectors, edited) == Anchor(AnchorState.MOVED, start, start + len(Q), 1.0)


@pytest.mark.parametrize(
    ("best", "other", "found"),
    [
        # The same prefix at both: the lead is the suffix, 10 characters, no neighbour.
        ((20, 10), (20, 0), False),
        ((20, 15), (20, 0), False),
        # 16 characters of suffix are a neighbour.
        ((20, 16), (20, 0), True),
        ((20, 20), (20, 0), True),
        # Mirrored.
        ((10, 20), (0, 20), False),
        ((16, 20), (0, 20), True),
        # A lead on both sides.
        ((20, 10), (0, 0), True),
    ],
)
def test_a_lead_on_one_side_only_must_be_a_neighbour(best, other, found):
    text = A + P + Q + S + B
    selectors = at(text, Q)
    ours = keep_prefix(best[0]) + Q + keep_suffix(best[1])
    copy = keep_prefix(other[0]) + Q + keep_suffix(other[1])
    edited = NEW + W1 + "\n" + ours + "\n" + W2 + "\n" + copy + "\n" + W3
    result = anchor(selectors, edited)
    if found:
        start = edited.index(ours) + len(P)
        assert result == Anchor(AnchorState.MOVED, start, start + len(Q), 1.0)
    else:
        assert result.is_orphaned


# --- Step 3 and the rivals of a verbatim copy: what the old neighbours enclose.

Q20 = words(40, 19).strip() + "q"
while len(Q20) < 20:
    Q20 += "q"


def edit(quote: str, changes: int) -> str:
    """quote with changes letters replaced (Levenshtein similarity 1 - changes / len)."""
    step = len(quote) / changes
    out = list(quote)
    for i in range(changes):
        out[int(i * step)] = "X"
    return "".join(out)


def junk(seed: int) -> str:
    return " " + words(seed, 40).strip() + "\n"


@pytest.mark.parametrize(("changes", "found"), [(4, True), (5, True), (6, False)])
def test_between_both_neighbours_the_edge_of_min_similarity_both_sides_is_kept(changes, found):
    # 16 characters of suffix agree: both neighbours, 0.75 is enough (not 0.85 as for one).
    text = A + P + Q20 + S + B
    selectors = at(text, Q20)
    edited = NEW + A + P + edit(Q20, changes) + keep_suffix(16) + B
    result = anchor(selectors, edited)
    start = len(NEW + A + P)
    if found:
        assert result == Anchor(AnchorState.CHANGED, start, start + 20, 1 - changes / 20)
    else:
        assert result.is_orphaned


def test_next_to_the_old_suffix_alone_an_edit_is_found():
    text = A + P + Q20 + S + B
    selectors = at(text, Q20)
    edited = NEW + A + "#" * 10 + edit(Q20, 2) + S + B
    start = len(NEW + A) + 10
    assert anchor(selectors, edited) == Anchor(AnchorState.CHANGED, start, start + 20, 0.9)


def two_places(first: str, second: str) -> str:
    return NEW + A + first + junk(41) + W1 + "\n" + second + B


@pytest.mark.parametrize(("other_changes", "found"), [(2, False), (3, False), (4, True)])
def test_an_edit_needs_a_similarity_margin_over_any_other_place(other_changes, found):
    # Ours: 0.95 next to the whole prefix. The other: next to the whole suffix, further
    # on; 0.9 and 0.85 are within SIMILARITY_MARGIN, 0.8 is not.
    text = A + P + Q20 + S + B
    selectors = at(text, Q20)
    edited = two_places("#" * 9 + edit(Q20, other_changes) + S, P + edit(Q20, 1) + "#" * 9)
    result = anchor(selectors, edited)
    if found:
        start = edited.index(P) + len(P)
        assert result == Anchor(AnchorState.CHANGED, start, start + 20, 0.95)
    else:
        assert result.is_orphaned


def test_of_two_ends_the_closest_edit_is_taken():
    # The old suffix's first half twice after the prefix: the edit up to the first one.
    quote = words(42, 99).strip() + "q"
    text = A + P + quote + S + B
    selectors = at(text, quote)
    changed = edit(quote, 3)
    edited = NEW + A + P + changed + S[:16] + "xy" + S[:16] + "#" + B
    start = len(NEW + A + P)
    result = anchor(selectors, edited)
    assert (result.state, result.start, result.end) == (
        AnchorState.CHANGED,
        start,
        start + len(quote),
    )


@pytest.mark.parametrize(
    ("between", "found"), [(2 * 20 + CONTEXT, False), (2 * 20 + CONTEXT + 1, True)]
)
def test_the_old_neighbours_meeting_elsewhere_enclose_at_most_twice_the_quote_and_a_context(
    between, found
):
    # Next to the whole prefix an edit (0.95); elsewhere both old neighbours (16 characters
    # each, exactly KEY) around other words: the passage was there, replaced, unless they
    # are further apart than 2 * len(quote) + CONTEXT.
    text = A + P + Q20 + S + B
    selectors = at(text, Q20)
    other = words(43, between - 1) + " "
    edited = two_places(keep_prefix(16) + other + keep_suffix(16), P + edit(Q20, 1) + "#" * 9)
    result = anchor(selectors, edited)
    if found:
        start = edited.index(P) + len(P)
        assert result == Anchor(AnchorState.CHANGED, start, start + 20, 0.95)
    else:
        assert result.is_orphaned


def test_old_neighbours_far_apart_or_in_the_wrong_order_are_not_a_place():
    text = A + P + Q20 + S + B
    selectors = at(text, Q20)
    # The suffix before the prefix, and the prefix again far after the edit.
    edited = NEW + A + "#" + S + junk(44) + P + edit(Q20, 1) + "#" * 9 + junk(45) + W1 + "\n" + P
    result = anchor(selectors, edited)
    start = edited.index(P) + len(P)
    assert result == Anchor(AnchorState.CHANGED, start, start + 20, 0.95)


@pytest.mark.parametrize(("overlap", "found"), [(8, False), (9, True)])
def test_old_neighbours_meeting_with_a_few_shared_characters_are_the_old_place(overlap, found):
    # Where the passage was deleted the prefix's last characters are the suffix's first
    # ones ("\n\n" written once): up to SNAP of them.
    shared = "zq" * 5
    prefix = words(46, CONTEXT - 10) + shared
    suffix = shared + words(47, CONTEXT - 10)
    text = A + prefix + Q20 + suffix + B
    selectors = at(text, Q20)
    met = prefix + suffix[overlap:]
    edited = two_places(met, prefix + edit(Q20, 1) + "#" * 9)
    result = anchor(selectors, edited)
    if found:
        start = edited.rindex(prefix) + len(prefix)
        assert result == Anchor(AnchorState.CHANGED, start, start + 20, 0.95)
    else:
        assert result.is_orphaned


def test_an_edit_right_after_the_text_start_is_found_by_the_start():
    # A prefix shorter than a key: the quote was 6 characters from the text's start.
    text = "Ab cd " + Q20 + S + B
    selectors = at(text, Q20)
    assert selectors.prefix == "Ab cd "
    edited = "Ab cd " + edit(Q20, 1) + "#" * 9 + B
    assert anchor(selectors, edited) == Anchor(AnchorState.CHANGED, 6, 26, 0.95)
    # Not when the text starts otherwise.
    assert anchor(selectors, "Xy zz " + edit(Q20, 1) + "#" * 9 + B).is_orphaned


def test_an_edit_right_before_the_text_end_is_found_by_the_end():
    text = A + P + Q20 + " ef gh"
    selectors = at(text, Q20)
    assert selectors.suffix == " ef gh"
    edited = B + "#" * 9 + edit(Q20, 1) + " ef gh"
    start = len(B) + 9
    assert anchor(selectors, edited) == Anchor(AnchorState.CHANGED, start, start + 20, 0.95)
    assert anchor(selectors, B + "#" * 9 + edit(Q20, 1) + " ef zz").is_orphaned


# --- The rivals of a verbatim copy.


def test_a_copy_with_its_whole_context_outweighs_an_edit_next_to_one_neighbour():
    text = A + P + Q + S + B
    selectors = at(text, Q)
    for other in (P + EDIT + "#" * 9, "#" * 9 + EDIT + S):
        edited = NEW + other + junk(48) + W1 + "\n" + P + Q + S + B
        start = edited.rindex(Q)
        assert anchor(selectors, edited) == Anchor(AnchorState.MOVED, start, start + len(Q), 1.0)


def test_a_copy_is_not_its_own_rival():
    # A word appended to the quote: the verbatim quote, with its prefix, is where the old
    # neighbours enclose the longer words.
    text = A + P + Q + S + B
    selectors = at(text, Q)
    edited = NEW + A + P + Q + "xy" + S + B
    start = len(NEW + A + P)
    assert anchor(selectors, edited) == Anchor(AnchorState.MOVED, start, start + len(Q), 1.0)


@pytest.mark.parametrize(
    ("changes", "found"),
    [
        (5, False),  # 0.5: looks like an edit of the quote
        (11, True),  # 0.45
    ],
)
def test_a_weak_copy_competes_with_words_like_the_quote_next_to_a_whole_neighbour(changes, found):
    quote = Q20 if changes > 5 else Q20[:10]
    text = A + P + quote + S + B
    selectors = at(text, quote)
    copy = keep_prefix(24) + quote + "#" * 9
    edited = two_places(P + edit(quote, changes) + "#" * 9, copy)
    result = anchor(selectors, edited)
    if found:
        start = edited.index(copy) + len(P)
        assert result == Anchor(AnchorState.MOVED, start, start + len(quote), 1.0)
    else:
        assert result.is_orphaned


def test_a_weak_copy_is_not_outweighed_by_words_after_part_of_a_neighbour():
    text = A + P + Q20 + S + B
    selectors = at(text, Q20)
    copy = keep_prefix(24) + Q20 + "#" * 9
    edited = two_places(keep_prefix(20) + edit(Q20, 8) + "#" * 9, copy)
    start = edited.index(copy) + len(P)
    assert anchor(selectors, edited) == Anchor(AnchorState.MOVED, start, start + 20, 1.0)


def test_a_complete_copy_competes_with_much_longer_words_between_the_old_neighbours():
    # The quote with as many words again, between both old neighbours: 0.5.
    text = A + P + Q20 + S + B
    selectors = at(text, Q20)
    longer = P + Q20 + " " + words(49, 19) + S
    edited = two_places(longer, P + Q20 + S)
    assert anchor(selectors, edited).is_orphaned
    longer = P + edit(Q20, 2) + " " + words(49, 19) + S  # 0.45
    edited = two_places(longer, P + Q20 + S)
    start = edited.rindex(P + Q20) + len(P)
    assert anchor(selectors, edited) == Anchor(AnchorState.MOVED, start, start + 20, 1.0)


def with_diff(quote: str, old_place: str, copy: str) -> tuple[Anchor, Anchor, int]:
    """Anchor quote, once between P and S, in a text where its paragraph became old_place
    and a new paragraph holds copy: with the diff, without it, and the copy's quote start."""
    old = A + P + quote + S + B + "\n" + W1 + "\n" + W2
    new = A + old_place + B + "\n" + W1 + "\n" + copy + "\n" + W2
    selectors = at(old, quote)
    start = new.index(copy) + copy.index(quote)
    return anchor(selectors, new, TextDiff(old, new)), anchor(selectors, new), start


def test_with_the_diff_a_copy_with_a_whole_neighbour_outweighs_words_like_it_next_to_one():
    # The old place now holds words looking like an edit (0.6) after the old prefix; the
    # copy, new text, keeps the whole prefix: the diff says it is not old text from
    # elsewhere, so one complete neighbour against one.
    quote = Q20
    copy = P + quote + "#" * 9
    moved, searched, start = with_diff(quote, P + edit(quote, 8) + "#" * 32, copy)
    assert moved == Anchor(AnchorState.MOVED, start, start + 20, 1.0)
    # Without the diff the copy may be a passage repeated with its neighbour.
    assert searched.is_orphaned
    # The mirror: the old suffix.
    copy = "#" * 9 + quote + S
    moved, searched, start = with_diff(quote, "#" * 32 + edit(quote, 8) + S, copy)
    assert moved == Anchor(AnchorState.MOVED, start, start + 20, 1.0)
    assert searched.is_orphaned


def test_with_the_diff_a_copy_without_a_whole_neighbour_competes_with_words_like_it():
    copy = keep_prefix(24) + Q20 + "#" * 9
    moved, _, _ = with_diff(Q20, P + edit(Q20, 8) + "#" * 32, copy)
    assert moved.is_orphaned
    copy = "#" * 9 + Q20 + keep_suffix(24)
    moved, _, _ = with_diff(Q20, "#" * 32 + edit(Q20, 8) + S, copy)
    assert moved.is_orphaned


def test_with_the_diff_an_acceptable_edit_next_to_one_neighbour_competes_with_any_copy():
    # 0.9 after the whole old prefix: step 3 would take it; so would a copy with its prefix.
    copy = P + Q20 + "#" * 9
    moved, _, _ = with_diff(Q20, P + edit(Q20, 2) + "#" * 32, copy)
    assert moved.is_orphaned


def test_a_quote_still_after_a_short_prefix_at_the_text_start_is_anchored():
    # Too little evidence for step 2 (3 + 3 + EDGE_CREDIT < MIN_EVIDENCE), but its whole
    # prefix and the text's start agree: step 3 takes it, verbatim.
    text = "ab " + "qzx" + S + B
    selectors = at(text, "qzx")
    assert anchor(selectors, "ab qzx" + "#" * 32 + B) == Anchor(AnchorState.ANCHORED, 3, 6, 1.0)
    assert anchor(selectors, "ab qzx" + "#" * 32 + B + "\nab qzx") == Anchor(
        AnchorState.ANCHORED, 3, 6, 1.0
    )


def test_with_the_diff_the_quote_left_in_place_with_less_context_is_still_the_runner_up():
    # The quote stayed (unchanged, the diff says) but lost most of its context: 12 + 12
    # characters, no neighbour; a new copy has 20 + 10. A lead of 6 is a tie.
    quote = "qzx"
    old = A + P + quote + S + B + "\n" + W1 + "\n" + W2
    stayed = "#" * 20 + P[-12:] + quote + S[:12] + "#" * 20
    for copy, found in (
        (keep_prefix(20) + quote + keep_suffix(10), False),
        (P + quote + keep_suffix(10), True),
    ):
        new = A + stayed + B + "\n" + W1 + "\n" + copy + "\n" + W2
        result = anchor(at(old, quote), new, TextDiff(old, new))
        if found:
            start = new.index(copy) + len(P)
            assert result == Anchor(AnchorState.MOVED, start, start + 3, 1.0)
        else:
            assert result.is_orphaned


@pytest.mark.parametrize(
    ("old_words", "new_words", "paired"), [(2000, 2000, True), (41, 97561, False)]
)
def test_the_word_diff_stops_beyond_max_token_pairs(old_words, new_words, paired):
    # A rewritten paragraph of old_words tokens against new_words (the same first word):
    # 2000 x 2000 = MAX_TOKEN_PAIRS is still compared word by word, 41 x 97561 is not.
    assert 2000 * 2000 == MAX_TOKEN_PAIRS < 41 * 97561
    old = "top\n" + "".join(f"w{i} " for i in range(old_words - 1)) + "end\nbottom"
    new = "top\n" + "w0 " + "".join(f"v{i} " for i in range(1, new_words - 1)) + "end\nbottom"
    assert ((4, 4, 3) in TextDiff(old, new).blocks) is paired


def test_the_text_start_is_a_neighbour_only_where_the_text_starts_with_the_short_prefix():
    # An edit at the old offsets of a text starting otherwise is no better than any other
    # words: as similar as the edit next to the whole suffix, it does not make a tie.
    text = "Ab cd " + Q20 + S + B
    selectors = at(text, Q20)
    edited = "Xy zz " + edit(Q20, 1) + junk(50) + W1 + "\n" + "#" * 9 + edit(Q20, 1) + S + B
    start = edited.index(S) - 20
    assert anchor(selectors, edited) == Anchor(AnchorState.CHANGED, start, start + 20, 0.95)


def test_the_text_end_is_a_neighbour_only_where_the_text_ends_with_the_short_suffix():
    text = A + P + Q20 + " ef gh"
    selectors = at(text, Q20)
    edited = B + P + edit(Q20, 1) + junk(51) + W1 + "\n" + edit(Q20, 1) + " xy zw"
    start = edited.index(P) + len(P)
    assert anchor(selectors, edited) == Anchor(AnchorState.CHANGED, start, start + 20, 0.95)


@pytest.mark.parametrize("where", ["after", "before"])
@pytest.mark.parametrize(("added", "found"), [(6, False), (7, True)])
def test_words_added_next_to_an_edit_beyond_what_the_quote_could_become_are_left_out(
    where, added, found
):
    # Between both old neighbours, the edit (0.95) and 6 more characters: 26, as long as
    # a 20-character quote can become at 0.75 similarity, so the neighbours frame one
    # candidate, compared whole (0.73: orphaned). One more character and they do not: the
    # edit next to one whole neighbour is taken, without the added words.
    text = A + P + Q20 + S + B
    selectors = at(text, Q20)
    more = " " + words(52, added - 2) + " "
    framed = edit(Q20, 1) + more if where == "after" else more + edit(Q20, 1)
    edited = NEW + A + P + framed + S + B
    result = anchor(selectors, edited)
    if found:
        start = len(NEW + A + P) + (0 if where == "after" else added)
        assert result == Anchor(AnchorState.CHANGED, start, start + 20, 0.95)
    else:
        assert result.is_orphaned


def test_a_long_edit_next_to_the_prefix_ends_where_the_quote_s_last_characters_are():
    # 36 characters cut from a 300-character quote: the edge search must land on its last
    # characters (found verbatim), not on a nearly as similar end further on.
    quote = words(1288, 299) + "q"
    cut = quote[:255] + quote[291:]
    text = A + P + quote + S + B
    selectors = at(text, quote)
    edited = NEW + A + P + cut + " " + words(9288, 400) + B
    start = len(NEW + A + P)
    result = anchor(selectors, edited)
    assert (result.state, result.start, result.end) == (AnchorState.CHANGED, start, start + 264)


def test_a_long_edit_next_to_the_suffix_starts_where_the_quote_s_first_characters_are():
    quote = words(1314, 199) + "q"
    added = quote[:38] + words(5314, 34) + quote[38:]
    text = A + P + quote + S + B
    selectors = at(text, quote)
    edited = NEW + words(9314, 400) + added + S + B
    end = edited.index(S)
    result = anchor(selectors, edited)
    assert (result.state, result.start, result.end) == (AnchorState.CHANGED, end - 234, end)


def test_of_equally_similar_edges_the_one_keeping_the_quote_s_length_is_taken():
    # The last letter replaced: 20 characters with one changed, or 19 with one dropped,
    # are as similar (0.95); the quote's length decides. The same for the first letter.
    text = A + P + Q20 + S + B
    selectors = at(text, Q20)
    edited = NEW + A + P + Q20[:-1] + "X" + "#" * 9 + B
    start = len(NEW + A + P)
    assert anchor(selectors, edited) == Anchor(AnchorState.CHANGED, start, start + 20, 0.95)
    edited = NEW + A + "#" * 9 + "X" + Q20[1:] + S + B
    end = edited.index(S)
    assert anchor(selectors, edited) == Anchor(AnchorState.CHANGED, end - 20, end, 0.95)


def test_a_one_letter_quote_still_after_a_short_prefix_at_the_text_start_is_anchored():
    text = "ab " + "q" + S + B
    selectors = at(text, "q")
    assert anchor(selectors, "ab q" + "#" * 32 + B) == Anchor(AnchorState.ANCHORED, 3, 4, 1.0)


def test_words_shorter_than_the_quote_can_become_are_no_rival_of_an_edit():
    # A 21-character quote edited between both neighbours (0.81). After the prefix again,
    # its first 12 and last 3 characters: 15 characters, 0.71 similar, within the
    # similarity margin, but shorter than the 16 a 21-character quote can become at 0.75
    # similarity; at 16 characters or more they are 0.67 similar: no tie.
    quote = words(53, 20).strip() + "q"
    quote += "q" * (21 - len(quote))
    text = A + P + quote + S + B
    selectors = at(text, quote)
    edited = NEW + A + P + edit(quote, 4) + S + B + "\n" + P + quote[:12] + quote[-3:] + junk(54)
    start = len(NEW + A + P)
    result = anchor(selectors, edited)
    assert (result.state, result.start, result.end) == (AnchorState.CHANGED, start, start + 21)


def edited_case(seed: int) -> tuple[str, str, str, str]:
    """(quote, its edited version, words before, words after): a random cut or insertion,
    sometimes in a quote whose end repeats a few letters many times."""
    r = random.Random(seed)
    length = r.choice([40, 80, 120, 200, 300])
    quote = words(seed + 1000, length - 1) + "q"
    if r.random() < 0.3:
        unit = words(seed + 7, 8)
        quote = unit * (length // 16) + quote[: length - len(unit) * (length // 16)]
        quote = quote[::-1] if r.random() < 0.5 else quote
    k = r.randint(1, max(2, length // 4))
    at_ = r.randint(0, length - k)
    inserted = r.random() < 0.5
    changed = (
        quote[:at_]
        + (words(seed + 5000, k) if inserted else "")
        + quote[at_ + (0 if inserted else k) :]
    )
    before = r.choice(["", "#" * 3, "#" * 40])
    after = words(seed + 9000, 400) if r.random() < 0.7 else quote[-20:] * 5
    return quote, changed, before, after


@pytest.mark.parametrize("seed", [415, 763, 1677])
def test_the_end_search_lands_on_the_edited_passage_s_end(seed):
    quote, changed, before, after = edited_case(seed)
    text = before + changed + after
    start = len(before)
    shortest, longest = math.ceil(len(quote) * 0.75), math.floor(len(quote) / 0.75)
    assert _best_end(text, quote, start, shortest, start + longest) == start + len(changed)


@pytest.mark.parametrize("seed", [558])
def test_the_start_search_lands_on_the_edited_passage_s_start(seed):
    quote, changed, _, after = edited_case(seed)
    text = after[::-1] + changed + "#" * 40
    end = len(after) + len(changed)
    shortest, longest = math.ceil(len(quote) * 0.75), math.floor(len(quote) / 0.75)
    assert _best_start(text, quote, end, shortest, end - longest) == end - len(changed)


def test_an_edit_now_at_the_very_start_of_the_text_is_found_from_its_suffix():
    # Its old prefix is gone: the quote, its first letter edited, starts the text.
    text = "ab " + Q20 + S + B
    selectors = at(text, Q20)
    edited = "X" + Q20[1:] + S + B
    assert anchor(selectors, edited) == Anchor(AnchorState.CHANGED, 0, 20, 0.95)


def snapped_case(seed: int) -> tuple[str, str, str, str]:
    """Like edited_case, but more often a quote of a short repeated unit, and often
    followed by many copies of its last (or first) characters: more places to snap an
    edge to than MAX_SNAPS."""
    r = random.Random(seed)
    length = r.choice([40, 80, 120, 200, 300, 400])
    quote = words(seed + 1000, length - 1) + "q"
    if r.random() < 0.6:
        unit = words(seed + 7, r.choice([2, 3, 4, 8, 9, 12]))
        n = length // len(unit) - r.randint(0, 3)
        quote = unit * n + quote[: length - len(unit) * n]
        quote = quote[::-1] if r.random() < 0.5 else quote
    k = r.randint(1, max(2, length // 4))
    at_ = r.randint(0, length - k)
    inserted = r.random() < 0.5
    changed = (
        quote[:at_]
        + (words(seed + 5000, k) if inserted else "")
        + quote[at_ + (0 if inserted else k) :]
    )
    before = r.choice(["", "#" * 3, "#" * 40])
    if r.random() < 0.5:
        after = words(seed + 9000, 400)
    elif r.random() < 0.5:
        after = quote[-r.randint(8, 30) :] * 20
    else:
        after = quote[: r.randint(8, 30)] * 20
    return quote, changed, before, after


# Seeds where the edge is found only with the first MAX_SNAPS places its last (first)
# characters occur, each taken once, in order, within the range searched.
@pytest.mark.parametrize("seed", [328, 10674, 11697])
def test_the_end_search_lands_on_the_end_of_a_repetitive_edited_passage(seed):
    quote, changed, before, after = snapped_case(seed)
    text = before + changed + after
    start = len(before)
    shortest, longest = math.ceil(len(quote) * 0.75), math.floor(len(quote) / 0.75)
    assert _best_end(text, quote, start, shortest, start + longest) == start + len(changed)


@pytest.mark.parametrize("seed", [11797, 14212])
def test_the_start_search_lands_on_the_start_of_a_repetitive_edited_passage(seed):
    quote, changed, _, after = snapped_case(seed)
    text = after[::-1] + changed + "#" * 40
    end = len(after) + len(changed)
    shortest, longest = math.ceil(len(quote) * 0.75), math.floor(len(quote) / 0.75)
    assert _best_start(text, quote, end, shortest, end - longest) == end - len(changed)


# Small texts found by a differential search of anchor() against mutants of the survey's
# window limits, tie-breaks and rival tests: two- and three-letter texts make the old
# neighbours' keys and the quote's edges recur, which is where those limits decide. Each
# answer was checked by reading the texts: the edit found is the closest one (or the
# one nearest the old offsets, or with the most context), and where it is orphaned the
# alternative would take in characters of the old prefix or suffix, or pick one of two
# places that compete.
@pytest.mark.parametrize(
    ("old", "start", "end", "new", "with_diff", "expected"),
    [
        pytest.param(
            "bbbaa,bbabaabba\nbbbaaaab,",
            10,
            17,
            "aaaab babbaa.bbbbaaa,ab,a bb,bbb.ababbaaa b\naba aaaababb.aa.abaaabbb,aaaa abaaabaa,bb,ababababaab,abbb,aaaab.bbab abaaabb\nab aaba.aaaaab aaaaab b.ababba,aaaaba bb b bb\nbb aa,bbbbbaa,bbab,aaaabba,aa\nbababba\nbbbaaaab,",
            True,
            Anchor(AnchorState.CHANGED, 199, 207, 0.875),
            id="start search stops after the prefix's tail: one letter more similar",
        ),
        pytest.param(
            "aabbab ab\nbbbaaa abbbb,baabab\nba",
            31,
            32,
            "aabbab ab\nbbbaaa abbbb,baabab\nbaa.",
            False,
            Anchor(AnchorState.ANCHORED, 31, 32, 1.0),
            id="a one-letter quote at the text's end, text added after it",
        ),
        pytest.param(
            "aaac.ab,bbca\nccabcc ab.ccab bbcb acabb a,aacbca,aa bccacac cabbbb\naccaaa\nccbb bbcbc\nbacbbbbc ab caccb\nbc,",
            1,
            73,
            "cb,bccbc ab.ccab bbcb acabb a,aacbca,aa bccacac cabbbb\naccaaa\nccbb bbcbc\nbacbbbbc ab caccb\nbc,",
            False,
            Anchor(AnchorState.CHANGED, 0, 62, 0.8611),
            id="a short prefix of SNAP characters bounds the start search",
        ),
        pytest.param(
            "bbb a.ababaa,aabaabb aaabaa.aaabaaaa,abbbaba aba\nba aaa bbbab abbabb bb\nb,bbaabaab,babaaba.abbbbabb,b ab.aa",
            8,
            75,
            "abaabbb a.abaabaaaa,abbbaba aba\nba aaa bbbab abbabb bb\nb,bbaabaab,babaaba.abbbbabb,b ab.aa",
            False,
            ORPHANED,
            id="the start search never reaches back into the old prefix",
        ),
        pytest.param(
            "ababaa.bbaba a bbaababb baabb.baaa,aabbbbbb,bb\naa.babb aaaabb abbabaaa\naabbba.aaabaab ",
            1,
            78,
            "aabaa.bbaba bbaababb baabb.baaa,aabbbbbbbb\naa.babb aaaabb abaaabaab a",
            False,
            ORPHANED,
            id="the end search stops at the old suffix found right after the prefix",
        ),
        pytest.param(
            "b b aa\naabbabaa\nb.baaaab b.aaaab,a a,abaaaaab.aa,bbaaaa\nbbaabb",
            8,
            30,
            "b b aa\naa\nb.baaaab b.aaaab,a a,abaaaaab.aa,bbaaaa\nbbaabb",
            False,
            ORPHANED,
            id="the prefix found right before the edit bounds the start search",
        ),
        pytest.param(
            "baa baaab b aa\naabbabaa\nb.baaaab b.aaaab,a a,abaaaaab.aa,bbaaaa\nbbaabb",
            16,
            38,
            "baa baaab b aa\naa\nb.baaaab b.aaaab,a a,abaaaaab.aa,bbaaaa\nbbaabb",
            False,
            ORPHANED,
            id="the prefix found past the longest start still bounds the start search",
        ),
        pytest.param(
            "zjhgghrjnpk lc nnbfqt lbvrchg mfd ql pt",
            0,
            7,
            "zjhgghjhgghrjnpk lc nnbfqt lbvrchg mfd ql pt",
            False,
            Anchor(AnchorState.CHANGED, 5, 12, 0.8571),
            id="equally similar: the one with more context on both sides",
        ),
        pytest.param(
            "t gw zhvcpcn ls nt fttqvv dcrdg\nbmvrtnq hrb mncwpvgm vnzzkzkh pldnt llrpd wdwjp b",
            32,
            49,
            "nt fttqvv dcrdg\nnt fttqvv dcrdg\nnt fttqvv dcrdg\nnt fttqvv dcrdg\nnt fttqvv dcrdg\nnt fttqvv dcrdg\nnt fttqvv dcrdg\nt gw zhvcpcn ls nt fttqvv dcrdg\nbmvrtnq hrb mncwpvgm vnzzkzkh pldnt llrpd wdwjp bnt fttqvv dcrdg\nbnqZrbZ mncwpvgm vnzzkzkh pld",
            False,
            ORPHANED,
            id="a rival with exactly KEY characters of suffix counts as both neighbours",
        ),
        pytest.param(
            "w cpsknpnm fqrstvkwq lk zppw wvztwgrckfz vhkhcmv",
            17,
            32,
            " cpsknpnm fqrstvqlkX zpw wvztwgrckfz vhkhcmvkwq lk zppw wvztwgrckfz vhkhcmvtwgrckfz vhkhcmvtwgrckfz vhkhcmvtwgrckfz vhkhcmvtwgrckfz vhkhcmvtwgrckfz vhkhcmvtwgrckfz vhkhcmvtwgrckfz vhkhcmv",
            True,
            ORPHANED,
            id="a rival between both neighbours outweighs a copy with its own neighbour",
        ),
        pytest.param(
            "kdj pv jwv ptcpn\ntgq hrk mhvnfvrv zfdb mkdhz mqcmbt vnqbwg qp vchghrrn qrf qnjwpm qjngf rwszf fdzvwp hhftzkz rqgjft kbtdp hzb qgs ndjtztcf bzhwj cmfrrccb dszpk nmtl zp zmwsb qsfdntf qcwfcz pzmkqvfs fltnz njvkpb qqqp lnrpcsl ztrcf sg dzlbmj qvm fqjpnlc fcn vt kzfsg wdjnlk vgn r\nwzp dzjvd drhkj",
            17,
            277,
            "dj pv jwv ptcpn\nYjwpmYjngfrYsXzf fdzvYwp hhftZkz rqgjftkbtp Xhzb qgY ndjtztcfbzhwj mfrrYcb Ydszp nmtzp zmwsbZX qXdnf qcwZXcz pZzmkqvfs ltnYXz ZYkpX Yqqp nZXl ztrcf sg dzlZmj qv fXjpnYYcY fcn vt kYfYZ wdjnk vgYnr\nwzp dzjvd drhkj\nwzp dzjvd drhkj\nwzp dzjvd drhkj\nwzp dzjvd drhkj\nwzp dzjvd drhkj\nwzp dzjvd drhkj\nwzp dzjvd drhkj\nwzp dzjvd drhkj\nwzp dzjvd drhkjtgq hrk mhvnfvrv zfdb mkdhz mqcmbt vnqbwg qp vchghrrn qrf qnjwpm qjngf rwszf fdzvwp hhftzkz rqgjft kbtdp hzb qgs ndjtztcf bzhwj cmfrrccb dszpk nmtl zp zmwsb qsfdntf qcwfcz pzmkqvfs fltnz njvkpb qqqp lnrpcsl ztrcf sg dzlbmj qvm fqjpnlc fcn vt kzfsg wdjnlk vgn r",
            False,
            ORPHANED,
            id="an edit with exactly KEY characters of suffix is a rival of a weak copy",
        ),
        pytest.param(
            "hcp pbmpghf jllg fssmsgp gwsc ptjdw rc fzrdfzwk ghkngf mfzntwh qv rz wpj bqcfjf jqkm btbmqgf wb qbtp wqpc cdlkvd grktsz vwvvbjjn dzvnkr mlmkjq gf bqpv jjqrktsd fszkht dbbfkw zshm zmhdt zzdbhq mkmft shffpbgm mggh srsr bbs hmdznv dj tstkfrm rlhfrbsw gzct gkgkb wgq twmdjgm pzrjvsff mlrct lvnb qlpsdctt cjl jchffgqt tl hdnw rrp",
            32,
            292,
            "lpsdctt cjl jchflpsdctt cjl jchflpsdctt cjl jchflpsdctt cjl jchflpsdctt cjl jchflpsdctt cjl jchflpsdctt cjl jchf fssmsgp gwsc ptjdw rc z cdlkvd grktszY vwvvbjjn dzvnkr mlmZjqZ gf bqpv Xjqrktsd fsXkht dbbfkwXzsYhm zmZht zzbhq mkmft sYhffpbgmX gXh srr bb Zhmdznv d tstkfrm rlhfsw gzct gkgYb wgq tZmZdjgm Ypzrvsff lrZct lvnb qlpsdctt cjl jchfhcp pbmpghf jllg fssmsgp gwsc ptjdw rc fzrdfzwk ghkngf mfzntwh qv rz wpj bqcfjf jqkm btbmqgf wb qbtp wqpc cdlkvd grktsz vwvvbjjn dzvnkr mlmkjq gf bqpv jjqrktsd fszkht dbbfkw zshm zmhdt zzdbhq mkmft shffpbgm mggh srsr bbs hmdznv dj tstkfrm rlhfrbsw gzct gkgkb wgq twmdjgm pzrjvsff mlrct lvnb qlpsdctt cjl jchffgqt tl hdnw rrp",
            False,
            ORPHANED,
            id="an edit with exactly KEY characters of prefix is a rival of a whole copy",
        ),
        pytest.param(
            "a.bab baaa,bbbbbbab ababa\nabbbbb baabb\nb\nb\n",
            15,
            43,
            "a.bab baaa,bbbbba\nabbbbb baabb\nb\nb\n",
            False,
            ORPHANED,
            id="the start search reaches back to the text start for the prefix",
        ),
        pytest.param(
            "aaa,bbbbbbab ababa\nabbbbb baabb\nb\nb\n",
            8,
            36,
            "aaa,bbbbba\nabbbbb baabb\nb\nb\n",
            False,
            ORPHANED,
            id="the start search finds the prefix at the very text start",
        ),
        pytest.param(
            "bbb ab ab",
            0,
            1,
            "bb ab ab",
            False,
            ORPHANED,
            id="the old suffix at the text start: the quote that began it was deleted",
        ),
        pytest.param(
            "abbbcbc acaa cbcbba ccc acacb baac cbc c",
            0,
            40,
            "\nabbbcbc acaa cbcbba ccc acacb baac cbc c\nabbbcbc acaa cbcbba ccc acacb baac cbc ccccba ",
            False,
            ORPHANED,
            id="two whole copies of a whole-text quote: a tie",
        ),
        pytest.param(
            "qfgbbp pddl wmkmggsc fsh wnwppbcf hzsk \nbv jnfn pz jqmvtbhg\nfkqswt wk czjf nggnzv mmpwtnjl ",
            40,
            59,
            "ddl wmkmggsc fsh wnwppbcf hzsk \nbv jnfn pz jqmvth jnfn pz jqmvtbhg\nfkqswt wk czjf nggnzv mmpwtnjl ",
            False,
            Anchor(AnchorState.CHANGED, 47, 66, 0.8947),
            id="equally similar and as much context: the one closer to the old offsets",
        ),
        pytest.param(
            "stbwh kptmgjlh qpcht jhp\nhb jldls bbzd msq sltckjpl wmns",
            0,
            24,
            "kptmjlqXpchXt jZhp\nhb jldls bbzd m\nhb jldls bbzd m\nhb jldls bbzd m\nhb jldls bbzd m\nhb jldls bbzd m\nhb jldls bbzd m\nhb jldls bbzd m\nhb jldls bbzd mstbwh kptmgjlh qpcht jhp\nhb jldls bbzd msq sltckjpl wmns",
            True,
            ORPHANED,
            id="an edit with exactly KEY characters of prefix is a rival of a weak copy",
        ),
        pytest.param(
            " rh hthqc wrl hndlrdt qswm wsp jhthwwzw hzq vrrqfrpg ld lt fm qq sjvn csqpsp cjmp qqn nkjdjdb fc fpfl nqgmk nk ljrhk jkzr kbfb qk zmdc vmdmlcst js krgrwh ljrvrn lvr rks jwg trcqcf vvwthq nsrkbbkh gsk jm wqcrsvfv qbpggglh vnrcq lnmjf dqcdt tlfhcjjd cggqc dw rpgg",
            1,
            261,
            " hcnbtfp\nrh htmdc vmdmlcst js krgrwh ljrvrn lvr rks jwg trcqcf vvwthq nsrkbbkh gsk jm wqcrsvfv qbpggglh vnrcq lnmjf dqcdt tlfhcjjd cggqc dw rpgg\npr nlt wpcgfsh mwkrlh hcnbtfp\nrh hthqc wrl hndlrdt qswm wsp jhthwwzw hzq vrrqfrpg ld ldmlcst js krgrwh ljrvrn lvr rks jwg trcqcf vvwthq nsrkbbkh gsk jm wqcrsvfv qbpggglh vnrcq lnmjf dqcdt tlfhcjjd cggqc ",
            False,
            ORPHANED,
            id="two edits, one without the quote's last characters after it: both weighed",
        ),
        pytest.param(
            "rddknfhdw tcddbz\nzngs gllhw jkn rlmf vbcmn vbjjz",
            2,
            16,
            "rdfhdw tcddbz\nzngs gllhw jkn rlmf vbcmn vbjjz",
            True,
            Anchor(AnchorState.CHANGED, 2, 13, 0.7857),
            id="an edit exactly as short as the quote can become between both neighbours",
        ),
    ],
)
def test_the_survey_s_limits_in_texts_where_every_key_recurs(
    old, start, end, new, with_diff, expected
):
    diff = TextDiff(old, new) if with_diff else None
    result = anchor(describe(old, start, end), new, diff)
    assert (result.state, result.start, result.end) == (
        expected.state,
        expected.start,
        expected.end,
    )
    assert result.score == pytest.approx(expected.score, abs=1e-4)


def periodic_edge_case(seed: int) -> tuple[str, str, str, str]:
    """A quote starting and ending with a unit of one to three letters repeated past SNAP
    characters, often next to more of it: its first or last SNAP characters occur at
    overlapping places, one character apart."""
    r = random.Random(seed)
    length = r.choice([40, 80, 120, 200, 300])
    unit = r.choice(["q", "qz", "qqz", "ab", "aab"])
    edge = unit * (8 // len(unit) + 1)
    quote = edge + words(seed + 1000, length - 16) + edge
    k = r.randint(1, max(2, length // 4))
    at_ = r.randint(0, len(quote) - k)
    inserted = r.random() < 0.5
    changed = (
        quote[:at_]
        + (words(seed + 5000, k) if inserted else "")
        + quote[at_ + (0 if inserted else k) :]
    )
    before = r.choice(["", "#" * 3, "#" * 40, unit * 20])
    after = r.choice([words(seed + 9000, 400), unit * r.randint(5, 60) + words(seed + 9000, 400)])
    return quote, changed, before, after


# Each overlapping place is snapped to (the next search starts one character on), and the
# start's snaps are looked for up to where a quote-long window could start.
@pytest.mark.parametrize(("seed", "edge"), [(4528, "end"), (5825, "start")])
def test_the_edge_searches_land_on_an_edited_passage_with_periodic_edges(seed, edge):
    quote, changed, before, after = periodic_edge_case(seed)
    shortest, longest = math.ceil(len(quote) * 0.75), math.floor(len(quote) / 0.75)
    if edge == "end":
        text, start = before + changed + after, len(before)
        assert _best_end(text, quote, start, shortest, start + longest) == start + len(changed)
    else:
        text, end = after[::-1] + changed + before[::-1], len(after) + len(changed)
        assert _best_start(text, quote, end, shortest, end - longest) == end - len(changed)


@pytest.mark.parametrize("side", ["prefix", "suffix"])
def test_a_whole_context_repeated_as_boilerplate_locates_nothing_even_at_the_text_s_edge(side):
    # The quote's neighbour on one side is a whole context (CONTEXT characters: the quote
    # was not at the text's edge), now repeated more than MAX_KEY_HITS times: it locates
    # nothing, even where the text now starts (ends) with it, as only a shorter context
    # says the quote was at the edge. An edit of the quote next to it is orphaned.
    quote = words(91, 19).strip() + "q"
    edited = quote[:10] + "X" + quote[11:]
    if side == "prefix":
        line = words(92, CONTEXT - 1) + "\n"
        old = words(93, 60) + "\n" + line + quote + " " + words(94, 60)
        new = line + edited + "\n" + line * MAX_KEY_HITS + words(95, 60)
    else:
        line = "\n" + words(92, CONTEXT - 1)
        old = words(93, 60) + " " + quote + line + "\n" + words(94, 60)
        new = words(95, 60) + line * MAX_KEY_HITS + "\n" + edited + line
    assert len(line) == CONTEXT
    selectors = at(old, quote)
    assert (selectors.prefix if side == "prefix" else selectors.suffix) == line
    assert anchor(selectors, new) == ORPHANED


@pytest.mark.parametrize("kept", ["before", "after"])
def test_a_quote_between_two_copies_of_a_phrase_is_found_next_to_the_copy_left(kept):
    # The quote sat between two copies of the same 16 characters, so its prefix's key is
    # its suffix's key. With one copy gone, the one left (the key the edit is found
    # next to) ends (starts) right at the edit: it is not the old suffix (prefix) already
    # following (preceding) the prefix (suffix), which would mean the quote was deleted.
    quote = words(111, 29).strip() + "q"
    phrase = words(112, 15) + " "
    before, after = words(113, 100) + " ", " " + words(114, 100)
    old = A + before + phrase + quote + phrase + after + B
    edited = quote[:10] + "Z" + quote[11:]
    if kept == "before":
        new = NEW + A + before + phrase + edited + " " + words(115, 100) + B
    else:
        new = NEW + A + words(116, 100) + " " + edited + phrase + after + B
    start = new.index(edited)
    expected = Anchor(AnchorState.CHANGED, start, start + len(quote), 29 / 30)
    assert anchor(at(old, quote), new) == expected


@pytest.mark.parametrize("kept", ["before", "after"])
def test_an_old_neighbour_that_may_begin_inside_the_other_one_is_where_the_quote_was_deleted(
    kept,
):
    # The quote sat between two runs of 16 "a"s, its prefix's and its suffix's keys. Now 17
    # "a"s are next to the edit: the old suffix (prefix) may begin one letter into the
    # prefix (suffix), i.e. the neighbours closed up over a deleted quote; only after a
    # whole prefix (before a whole suffix) would the edit be taken, and that is where the
    # other neighbour may begin. Orphaned, rather than the edit with an "a" added.
    quote = words(111, 29).strip() + "q"
    run = "a" * 16
    before, after = words(113, 100) + " ", " " + words(114, 100)
    old = A + before + run + quote + run + after + B
    edited = quote[:10] + "Z" + quote[11:]
    if kept == "before":
        new = NEW + A + before + run + "a" + edited + " " + words(115, 100) + B
    else:
        new = NEW + A + words(116, 100) + " " + edited + "a" + run + after + B
    assert anchor(at(old, quote), new) == ORPHANED


def test_an_old_prefix_of_exactly_snap_characters_still_bounds_an_edit_next_to_the_suffix():
    # The quote began the text after an 8-character prefix (SNAP: long enough to look
    # for) ending with the word the quote starts with. One "abc " went and a letter
    # changed: found after the whole suffix, the edit may not reach back into the old
    # prefix "Xyz abc " (that would take "abc " + the rest, 0.96); what is after it is too
    # short (0.79 next to one neighbour), so the quote is orphaned.
    rest = words(121, 23).strip() + "q"
    quote = "abc " + rest
    old = "Xyz abc " + quote + S + B
    new = "Intro. " + "Xyz abc " + rest[:12] + "Z" + rest[13:] + S + B
    selectors = at(old, quote)
    assert selectors.prefix == "Xyz abc "
    assert anchor(selectors, new) == ORPHANED


@pytest.mark.parametrize("side", ["prefix", "suffix"])
@pytest.mark.parametrize(("best", "found"), [(21, False), (22, True)])
def test_a_frequent_quote_s_runner_up_with_its_whole_short_context_is_weighed(side, best, found):
    # "qz" more than MAX_OCCURRENCES times; the quote was 15 characters from the text's
    # start (end), so its short context on that side is 15 characters, which is half of
    # what it needs (32 - 2 = 30): copies are looked up with the whole of it. Two copies
    # keep it whole, one with `best` characters of the other side's context, the other
    # with 14: 15 + 14 = 29 must be weighed as the runner-up (not bounded by 28, as if
    # found by neither key), and 15 + 21 = 36 is then no clear lead (CONTEXT_MARGIN).
    filler = "".join("#qz# " + words(200 + i, 10) + "\n" for i in range(70))
    long_side = words(133, CONTEXT - 1) + " "
    if side == "prefix":
        short = words(131, 14) + " "
        old = short + "qz" + S + B
        start = len(short)
        copies = [short + "qz" + S[:k] for k in (best, 14)]
    else:
        short = " " + words(132, 14)
        old = words(134, 100) + " " + long_side + "qz" + short
        start = len(old) - len(short) - 2
        copies = [long_side[-k:] + "qz" + short for k in (best, 14)]
    assert len(short) == 15
    new = filler + "".join(
        "#" + copy + "#" + words(300 + i, 30) + "\n" for i, copy in enumerate(copies)
    )
    new += filler
    result = anchor(describe(old, start, start + 2), new)
    if found:
        at_ = new.index(copies[0]) + (len(short) if side == "prefix" else best)
        assert result == Anchor(AnchorState.MOVED, at_, at_ + 2, 1.0)
    else:
        assert result == ORPHANED
