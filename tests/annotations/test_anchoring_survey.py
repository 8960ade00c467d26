"""annotations.anchoring's search steps (verbatim copies, the survey of the old neighbours)
and their helpers, each pinned by cases on both sides of its boundaries.

Like test_anchoring_thresholds, texts are random consonant words, so that nothing agrees
by chance. Pure functions only: no database.
"""

from __future__ import annotations

import random

import pytest

from annotations.anchoring import (
    CONTEXT,
    EDGE_CREDIT,
    KEY,
    MAX_OCCURRENCES,
    ORPHANED,
    Anchor,
    AnchorState,
    Selectors,
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


def words(seed: int, size: int) -> str:
    """size characters of random consonant words."""
    rng = random.Random(seed)
    out = ""
    while len(out) < size:
        out += "".join(rng.choice("bcdfghjklmnpqrstvwz") for _ in range(rng.randint(3, 8))) + " "
    return out[:size]


P = words(1, CONTEXT - 1) + " "  # the quote's prefix
S = " " + words(2, CONTEXT - 1)  # and suffix
A = words(3, 300) + "\n"  # paragraphs around it
B = "\n" + words(4, 300)
NEW = words(5, 80) + "\n"  # a paragraph inserted at the top: every offset moves


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
    assert ORPHANED == Anchor(AnchorState.ORPHANED, None, None, 0.0)
    text = A + P + "qzx" + S + B
    assert anchor(at(text, "qzx"), words(9, 500)) == Anchor(AnchorState.ORPHANED, None, None, 0.0)


def test_an_empty_quote_is_orphaned():
    # Even where its neighbours meet.
    selectors = Selectors("", P, S, len(A + P), len(A + P))
    assert anchor(selectors, A + P + S + B) == ORPHANED


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


@pytest.mark.parametrize(("copies", "found"), [(MAX_OCCURRENCES, True), (MAX_OCCURRENCES + 1, False)])
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
    assert (result.state, result.start) == (AnchorState.MOVED, edited.index(before + quote) + len(before))


def test_occurrences_of_a_frequent_quote_are_those_with_enough_context():
    quote = "qzx"
    text = A + P + quote + S + B
    selectors = at(text, quote)
    with_prefix = "#" + P[-15:] + quote + "#"
    with_suffix = "#" + quote + S[:15] + "#"
    with_less = "#" + P[-14:] + quote + S[:14] + "#"
    edited = filler(70, quote, 4) + with_prefix + with_suffix + with_less
    positions, unseen = _occurrences(selectors, edited, 29)  # half: 15 a side
    base = len(filler(70, quote, 4))
    assert positions == [base + 16, base + len(with_prefix) + 1]
    assert unseen == 28


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
    # Nothing is found before the text's start.
    positions, _ = _occurrences(selectors, quote + " cd" + middle, 29)
    assert all(p >= 0 for p in positions)


# --- anchor: when the old neighbours are asked about other places.

Q = "qzxv wktr"  # a short quote
EDIT = "qzxv wkmr"  # and an edited version of it (similarity 0.89)


def test_a_quote_at_its_offsets_with_its_whole_context_is_anchored_whatever_is_elsewhere():
    # The old neighbours also enclose an edit of the quote further on (a repeated
    # paragraph, edited): nothing beats the quote with its context at its old place.
    text = A + P + Q + S + B
    selectors = at(text, Q)
    edited = A + P + Q + S + B + "\n" + P + EDIT + S + "\n" + A
    assert anchor(selectors, edited) == Anchor(AnchorState.ANCHORED, len(A + P), len(A + P + Q), 1.0)


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
    assert anchor(selectors, edited) == Anchor(AnchorState.ANCHORED, len(A + P), len(A + P + Q), 1.0)


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
    edited = NEW + "#" + P[-5:] + LONG + "#" + B + "\n#" + LONG + "#\n"
    assert anchor(selectors, edited).is_orphaned


def test_a_copy_elsewhere_with_its_context_outweighs_the_old_offsets_without():
    text = A + P + Q + S + B
    selectors = at(text, Q)
    edited = A + "#" * len(P) + Q + "#" * len(S) + B + "\n" + P + Q + S + "\n"
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
    assert anchor(selectors, kept) == Anchor(AnchorState.ANCHORED, selectors.start, selectors.end, 1.0)
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
