"""What TextDiff says about two revisions, and what anchoring through it makes of that.

Each case is a small pair of texts whose answer is known by reading them: which old
characters are still there and where, which lie in unchanged paragraphs, where a passage's
edges are now, whether a changed stretch gives way to the text resuming in the same
paragraph. Cases sit on both sides of each boundary (an edge exactly at a stretch's end, a
run of exactly NEIGHBOUR characters, exactly MAX_TOKEN_PAIRS token pairs).
"""

from __future__ import annotations

import pytest

from annotations.anchoring import (
    EDGE_CREDIT,
    KEY,
    MAX_TOKEN_PAIRS,
    NEIGHBOUR,
    Anchor,
    AnchorState,
    Selectors,
    TextDiff,
    _Candidate,
    _context_before,
    _key_positions,
    _reaches_break,
    _Survey,
    anchor,
    describe,
)

# --- Which characters are still there (blocks).


def test_a_single_unchanged_character_is_kept():
    # "." is a token of its own: the only character both texts share.
    diff = TextDiff("a.b", "c.d")
    assert diff.blocks == [(1, 1, 1)]
    assert diff.left_edge(1) == 1


def test_a_story_of_many_identical_lines_keeps_them_as_unchanged_paragraphs():
    # Hundreds of identical lines are not noise to be ignored (difflib's autojunk): each
    # one is an unchanged paragraph, moved down by the line inserted above.
    old = "Advertisement\n" * 250
    new = "Intro\n" + old
    diff = TextDiff(old, new)
    assert diff.blocks == [(0, len("Intro\n"), len(old))]
    assert diff.in_kept_paragraphs(0, len("Advertisement"))


def test_a_rewritten_paragraph_of_many_identical_words_keeps_them():
    old = "a " * 300
    new = "b " + old
    assert TextDiff(old, new).blocks == [(0, 2, len(old))]


def _numbered(count: int, changed: int | None = None) -> str:
    return "".join(("x" if i == changed else "w") + f"{i} " for i in range(count))


def test_words_are_compared_up_to_max_token_pairs():
    # 2000 x 2000 tokens is exactly MAX_TOKEN_PAIRS: still compared word by word.
    assert MAX_TOKEN_PAIRS == 2000 * 2000
    old, new = _numbered(2000), _numbered(2000, changed=1000)
    blocks = TextDiff(old, new).blocks
    rest = old.index("w1001")
    assert blocks == [(0, 0, old.index("w1000")), (rest, new.index("w1001"), len(old) - rest)]


def test_words_are_not_compared_beyond_max_token_pairs():
    # 41 x 97561 is MAX_TOKEN_PAIRS + 1: the search takes over, no word is paired.
    assert MAX_TOKEN_PAIRS + 1 == 41 * 97561
    old, new = _numbered(41), "y " + _numbered(97560)
    assert TextDiff(old, new).blocks == []


# --- Unchanged paragraphs.

# The middle paragraph's first word was edited: "alpha one\n" and "gamma three\n" are
# unchanged paragraphs, "two\n" is a word paired inside the rewritten one.
OLD = "alpha one\nbeta two\ngamma three\n"
NEW = "alpha one\nBETA two\ngamma three\n"
# The same with a line inserted above: every new offset moves by len(TOP).
TOP = "Inserted first line\n"


def test_the_blocks_of_an_edited_paragraph():
    assert TextDiff(OLD, NEW).blocks == [(0, 0, 10), (15, 15, 4), (19, 19, 12)]
    assert TextDiff(OLD, TOP + NEW).blocks == [(0, 20, 10), (15, 35, 4), (19, 39, 12)]


@pytest.mark.parametrize("new", [NEW, TOP + NEW])
@pytest.mark.parametrize(
    ("start", "end", "kept"),
    [
        (0, 5, True),  # inside the first paragraph
        (0, 10, True),  # the whole of it, up to its break
        (0, 11, False),  # and the first letter of the edited one
        (15, 19, False),  # "two\n": paired word by word, not a kept paragraph
        (19, 24, True),  # the first word of the last paragraph
        (20, 31, True),  # the rest of it, to its end
        (5, 24, False),  # across the edited paragraph
    ],
)
def test_in_kept_paragraphs(new, start, end, kept):
    assert TextDiff(OLD, new).in_kept_paragraphs(start, end) is kept


def test_nothing_before_the_first_kept_paragraph_is_kept():
    diff = TextDiff("X1\nkeep\n", "Y1\nkeep\n")
    assert diff.blocks == [(3, 3, 5)]
    assert diff.in_kept_paragraphs(0, 1) is False
    assert diff.in_kept_paragraphs(3, 8) is True


@pytest.mark.parametrize(
    ("start", "end", "ends"),
    [
        (4, 24, (6, 5)),  # "one\n" of the first paragraph, "gamma" of the last
        (4, 8, (4, 4)),  # inside the first paragraph: both ends are the same characters
        (2, 10, (8, 8)),  # up to the first paragraph's break
        (11, 13, (0, 0)),  # inside the edited word
        (15, 18, (0, 0)),  # inside a word paired in the edited paragraph
        (11, 19, (0, 0)),  # the edited paragraph's rest, up to the kept one
        (12, 20, (0, 1)),  # and the first letter of the kept one
    ],
)
def test_kept_ends(start, end, ends):
    assert TextDiff(OLD, NEW).kept_ends(start, end) == ends


def test_kept_ends_before_the_first_kept_paragraph():
    diff = TextDiff("X1\nkeep\n", "Y1\nkeep\n")
    assert diff.kept_ends(0, 1) == (0, 0)
    assert diff.kept_ends(0, 5) == (0, 2)


def test_kept_ends_of_a_passage_ending_with_a_kept_paragraph_followed_by_paired_words():
    diff = TextDiff("keep this\nbeta two\n", "keep this\nbeta TWO\n")
    assert diff.blocks == [(0, 0, 10), (10, 10, 5)]
    assert diff.kept_ends(2, 10) == (8, 8)
    assert diff.kept_ends(2, 12) == (8, 0)


def test_kept_ends_with_one_character_of_a_kept_paragraph():
    diff = TextDiff("alpha one\nbeta two\n", "ALPHA one\nbeta two\n")
    assert diff.blocks == [(6, 6, 4), (10, 10, 9)]
    assert diff.kept_ends(2, 11) == (0, 1)


# --- Which unchanged stretches a passage holds.


@pytest.mark.parametrize("new", [NEW, TOP + NEW])
@pytest.mark.parametrize(
    ("start", "end", "indexes"),
    [
        (0, len(OLD), [0, 1, 2]),
        (0, 15, [0]),  # up to the paired word, which starts where the passage ends
        (10, 15, []),  # the edited word alone
        (10, 16, [1]),
        (12, 20, [1, 2]),
        (19, 25, [2]),  # starts where the paired word ends
        (5, 19, [0, 1]),
    ],
)
def test_overlapping(new, start, end, indexes):
    diff = TextDiff(OLD, new)
    assert diff.overlapping(start, end) == [diff.blocks[i] for i in indexes]


def test_overlapping_from_before_the_first_stretch():
    diff = TextDiff("X1\nkeep\n", "Y1\nkeep\n")
    assert diff.overlapping(0, 8) == [(3, 3, 5)]
    assert diff.overlapping(0, 3) == []


# --- Where a passage's edges are now.


def test_a_passage_at_the_text_start_still_starts_there_when_its_first_word_changed():
    diff = TextDiff("alpha beta gamma", "ALPHA beta gamma")
    assert diff.left_edge(0) == 0
    # "pha": the change began before it, in the same word.
    assert diff.left_edge(2) is None
    assert diff.left_edge(6) == 6


def test_a_passage_inside_a_change_that_began_before_it_has_no_left_edge():
    diff = TextDiff("alpha beta gamma", "ALPHA BETA gamma")
    assert diff.left_edge(6) is None
    assert diff.left_edge(0) == 0


def test_a_passage_ending_where_words_were_inserted_ends_before_them():
    # "p " then "X " inserted: a passage ending after "p " ends before the insertion.
    diff = TextDiff("p q r s", "p X q r s")
    assert diff.blocks == [(0, 0, 2), (2, 4, 5)]
    assert diff.right_edge(2) == 2
    assert diff.right_edge(3) == 5


def test_a_passage_ending_with_the_first_letter_of_an_unchanged_stretch():
    diff = TextDiff("alpha beta gamma", "ALPHA beta gamma")
    assert diff.right_edge(7) == 7
    # "alp": ends inside the edited word, which is not followed by spaces.
    assert diff.right_edge(3) is None


def test_a_passage_ending_exactly_where_the_unchanged_text_ends():
    diff = TextDiff("alpha beta gamma", "alpha beta GAMMA")
    assert diff.right_edge(11) == 11
    assert diff.right_edge(10) == 10
    # The edited last word has no spaces after it: its end is the text's end.
    assert diff.right_edge(16) == 16


def test_an_edited_last_word_ends_where_its_spaces_still_are():
    # "beta " became "BETA  ": the space after the passage is still before "gamma".
    diff = TextDiff("alpha beta gamma", "alpha BETA  gamma")
    assert diff.right_edge(10) == 11


def test_an_edited_last_word_whose_spaces_went_has_no_right_edge():
    diff = TextDiff("alpha beta gamma", "alpha BETA-gamma")
    assert diff.blocks == [(0, 0, 6), (11, 11, 5)]
    assert diff.right_edge(10) is None


def test_a_passage_ending_inside_an_edited_word_has_no_right_edge():
    # "beta" of "betaxy": the word changed, its last letters happen to be the same.
    diff = TextDiff("alpha betaxy gamma", "alpha ZETAxy gamma")
    assert diff.blocks == [(0, 0, 6), (13, 13, 5)]
    assert diff.right_edge(10) is None


# --- Whether new text brings in old text from outside a passage.

EDITED = ("one two three four five six", "ONE two three FOUR five six")


def test_brings_in():
    diff = TextDiff(*EDITED)
    assert diff.blocks == [(4, 4, 10), (19, 19, 8)]
    # "ONE two ": "two " was there, outside the passage "three four five six".
    assert diff.brings_in(0, 8, 8, 27) is True
    assert diff.brings_in(0, 8, 4, 27) is False
    # "FOUR " holds no unchanged character at all.
    assert diff.brings_in(14, 19, 15, 19) is False
    # "five six": the passage's own words.
    assert diff.brings_in(19, 27, 19, 27) is False
    assert diff.brings_in(19, 27, 20, 27) is True


def test_brings_in_text_that_was_after_a_deleted_paragraph():
    diff = TextDiff("DELETED STUFF HERE\none two three", "one two three")
    assert diff.blocks == [(19, 0, 13)]
    assert diff.brings_in(0, 8, 0, 5) is True
    assert diff.brings_in(0, 8, 19, 27) is False


def test_brings_in_from_a_long_unchanged_stretch():
    old = "one two three four five six seven eight"
    diff = TextDiff(old, old.replace("seven", "SEVEN"))
    assert diff.blocks[0] == (0, 0, 28)
    assert diff.brings_in(0, 15, 28, 39) is True


def test_brings_in_from_the_second_of_several_stretches():
    diff = TextDiff("one two three four five six", "one TWO three FOUR five SIX")
    assert diff.blocks == [(0, 0, 4), (8, 8, 6), (19, 19, 5)]
    assert diff.brings_in(0, 14, 0, 8) is True  # "three " was after the passage
    assert diff.brings_in(0, 14, 0, 14) is False


# --- Whether the selectors belong to the diff.


def _selectors(exact: str, start: int, end: int) -> Selectors:
    return Selectors(exact=exact, prefix="", suffix="", start=start, end=end)


def test_a_diff_describes_only_selectors_inside_its_old_text():
    diff = TextDiff("alpha beta", "alpha BETA")
    assert diff.describes(_selectors("beta", 6, 10), "alpha BETA") is True
    assert diff.describes(_selectors("beta", 6, 10), "alpha beta") is False
    # Offsets Python would read from the end of the text are not offsets of it.
    assert diff.describes(_selectors("a", -1, 10), "alpha BETA") is False
    assert diff.describes(_selectors("beta", -4, 10), "alpha BETA") is False
    # An empty selection describes nothing.
    assert diff.describes(_selectors("", 3, 3), "alpha BETA") is False
    assert diff.describes(_selectors("beta", 6, 11), "alpha BETA") is False


# --- Whether a changed stretch gives way to the text resuming in the same paragraph.


def _around(old: str, new: str) -> list[tuple[bool, bool]]:
    """(after, before) for each block of the diff."""
    diff = TextDiff(old, new)
    return [
        (diff.same_paragraph_around(b, after=True), diff.same_paragraph_around(b, after=False))
        for b in diff.blocks
    ]


@pytest.mark.parametrize(
    ("old", "new", "blocks", "around"),
    [
        # The edited word is followed by 28 unchanged characters: the text resumes.
        (
            "alpha beta gamma delta epsilon zeta eta",
            "alpha BETA gamma delta epsilon zeta eta",
            [(0, 0, 6), (11, 11, 28)],
            [(True, True), (True, False)],
        ),
        # Only "gamma " (6) after it, then another edit: a word or two paired by chance.
        (
            "alpha beta gamma delta",
            "alpha BETA gamma DELTA",
            [(0, 0, 6), (11, 11, 6)],
            [(False, True), (True, False)],
        ),
        # "gamma " then "delta ..." follow on in the old text only: an insertion between.
        (
            "alpha beta gamma delta epsilon zeta eta theta",
            "alpha BETA gamma NEW delta epsilon zeta eta theta",
            [(0, 0, 6), (11, 11, 6), (17, 21, 28)],
            [(False, True), (True, False), (True, False)],
        ),
        # ... in the new text only: a deletion between.
        (
            "alpha beta gamma OLD delta epsilon zeta eta theta",
            "alpha BETA gamma delta epsilon zeta eta theta",
            [(0, 0, 6), (11, 11, 6), (21, 17, 28)],
            [(False, True), (True, False), (True, False)],
        ),
        # "two\n" (4) runs on into the unchanged paragraph after it: exactly NEIGHBOUR.
        (
            "alpha one\nbeta two\ngamma three\n",
            "alpha one\nBETA two\ngamma three\n",
            [(0, 0, 10), (15, 15, 4), (19, 19, 12)],
            [(True, True), (False, False), (True, False)],
        ),
        # Backwards: "seven " (6) runs on into the unchanged paragraph before it.
        (
            "one two three four five six\nseven eight nine\nten",
            "one two three four five six\nseven EIGHT nine\nten",
            [(0, 0, 28), (28, 28, 6), (40, 40, 5), (45, 45, 3)],
            [(False, True), (False, True), (False, True), (True, False)],
        ),
        # The last stretch: the text's end, in the same paragraph in both texts.
        (
            "alpha beta gamma delta epsilon zeta",
            "alpha beta gamma delta epsilon ZETA",
            [(0, 0, 31)],
            [(True, True)],
        ),
        # ... or a paragraph break after the edit, in one text only.
        (
            "alpha beta gamma delta epsilon zeta",
            "alpha beta gamma delta epsilon ZETA\nmore",
            [(0, 0, 31)],
            [(False, True)],
        ),
        (
            "alpha beta gamma delta epsilon zeta\nmore",
            "alpha beta gamma delta epsilon ZETA",
            [(0, 0, 31)],
            [(False, True)],
        ),
        # Before the first stretch, the text's start; after, only "eta" (3).
        (
            "alpha beta gamma delta epsilon zeta eta",
            "ALPHA beta gamma delta epsilon ZETA eta",
            [(6, 6, 25), (36, 36, 3)],
            [(False, True), (True, True)],
        ),
        # The edit ends its paragraph: the unchanged text after it is another paragraph.
        (
            "alpha beta gamma\ndelta epsilon zeta eta theta",
            "alpha beta GAMMA\ndelta epsilon zeta eta theta",
            [(0, 0, 11), (17, 17, 28)],
            [(False, True), (True, False)],
        ),
        # A break that is new, or gone: the paragraphs differ in one of the texts.
        (
            "alpha beta gamma delta epsilon zeta eta theta iota",
            "alpha beta GAMMA\ndelta epsilon zeta eta theta iota",
            [(0, 0, 11), (17, 17, 33)],
            [(False, True), (True, False)],
        ),
        (
            "alpha beta gamma\ndelta epsilon zeta eta theta iota",
            "alpha beta GAMMA delta epsilon zeta eta theta iota",
            [(0, 0, 11), (17, 17, 33)],
            [(False, True), (True, False)],
        ),
    ],
)
def test_same_paragraph_around(old, new, blocks, around):
    assert TextDiff(old, new).blocks == blocks
    assert _around(old, new) == around


INTRO = "an introduction line long enough\n"
MOVED_DOWN = "a new first line, long enough to move every offset further down\n"


@pytest.mark.parametrize(
    ("old", "new", "after_last"),
    [
        (INTRO + "alpha beta gamma delta zeta", INTRO + "alpha beta gamma delta ZETA", True),
        (
            INTRO + "alpha beta gamma delta zeta",
            MOVED_DOWN + INTRO + "alpha beta gamma delta ZETA",
            True,
        ),
        (
            INTRO + "alpha beta gamma delta zeta",
            MOVED_DOWN + INTRO + "alpha beta gamma delta ZETA\nend",
            False,
        ),
        (
            MOVED_DOWN + INTRO + "alpha beta gamma delta zeta",
            INTRO + "alpha beta gamma delta ZETA",
            True,
        ),
        (
            MOVED_DOWN + INTRO + "alpha beta gamma delta zeta\nend",
            INTRO + "alpha beta gamma delta ZETA",
            False,
        ),
    ],
)
def test_the_text_end_after_the_last_stretch(old, new, after_last):
    # The last stretch is the paired "alpha beta gamma delta " after an unchanged paragraph.
    diff = TextDiff(old, new)
    last = diff.blocks[-1]
    assert new[last[1] : last[1] + last[2]] == "alpha beta gamma delta "
    assert diff.same_paragraph_around(last, after=True) is after_last


@pytest.mark.parametrize(
    ("old", "new", "before_first"),
    [
        ("zeta alpha beta gamma delta\n" + INTRO, "ZETA alpha beta gamma delta\n" + INTRO, True),
        (
            "zeta alpha beta gamma delta\n" + INTRO,
            "start\nZETA alpha beta gamma delta\n" + INTRO,
            False,
        ),
        (
            "start\nzeta alpha beta gamma delta\n" + INTRO,
            "ZETA alpha beta gamma delta\n" + INTRO,
            False,
        ),
    ],
)
def test_the_text_start_before_the_first_stretch(old, new, before_first):
    diff = TextDiff(old, new)
    first = diff.blocks[0]
    assert new[first[1] : first[1] + first[2]] == " alpha beta gamma delta\n" or new[
        first[1] : first[1] + first[2]
    ].startswith("alpha")
    assert diff.same_paragraph_around(first, after=False) is before_first


@pytest.mark.parametrize(
    ("old", "new", "after_first"),
    [
        # As above, with every offset of one text moved by a line inserted above: each
        # gap is read in its own text.
        (
            "alpha beta gamma\ndelta epsilon zeta eta theta iota",
            MOVED_DOWN + "alpha beta GAMMA delta epsilon zeta eta theta iota",
            False,
        ),
        (
            "alpha beta gamma delta epsilon zeta eta theta iota",
            MOVED_DOWN + "alpha beta GAMMA\ndelta epsilon zeta eta theta iota",
            False,
        ),
        (
            MOVED_DOWN + "alpha beta gamma delta epsilon zeta eta theta iota",
            "alpha beta GAMMA\ndelta epsilon zeta eta theta iota",
            False,
        ),
        (
            MOVED_DOWN + "alpha beta gamma\ndelta epsilon zeta eta theta iota",
            "alpha beta GAMMA delta epsilon zeta eta theta iota",
            False,
        ),
        (
            MOVED_DOWN + "alpha beta gamma delta epsilon zeta eta theta iota\nend.",
            "alpha beta GAMMA delta epsilon zeta eta theta iota\nend.",
            True,
        ),
        (
            "alpha beta gamma delta epsilon zeta eta theta iota\nend.",
            MOVED_DOWN + "alpha beta GAMMA delta epsilon zeta eta theta iota\nend.",
            True,
        ),
    ],
)
def test_the_gap_after_a_stretch_in_a_moved_text(old, new, after_first):
    diff = TextDiff(old, new)
    first = next(b for b in diff.blocks if new[b[1] : b[1] + b[2]] == "alpha beta ")
    assert diff.same_paragraph_around(first, after=True) is after_first


@pytest.mark.parametrize(("old", "new"), [(OLD, TOP + NEW), (TOP + OLD, NEW)])
def test_the_text_resumes_across_stretches_that_follow_on_in_moved_text(old, new):
    # "two\n" (4) then the unchanged last paragraph, at other offsets in the new text.
    diff = TextDiff(old, new)
    first = next(b for b in diff.blocks if new[b[1] : b[1] + b[2]] == "alpha one\n")
    assert diff.same_paragraph_around(first, after=True) is True


def test_the_old_place_of_new_text_up_to_the_end_of_an_unchanged_stretch():
    diff = TextDiff(OLD, TOP + NEW)
    assert diff.old_place(20, 30) == 0  # the whole first paragraph
    assert diff.old_place(20, 31) is None  # and the edited word after it
    assert diff.old_place(0, 5) is None  # the inserted line


# --- Small measures.


def test_a_candidate_overlaps_what_shares_a_character_with_it():
    c = _Candidate(10, 20, 1.0, 0, 0)
    assert c.overlaps(19, 25) and c.overlaps(5, 11) and c.overlaps(0, 30)
    assert not c.overlaps(20, 25)  # touching is not overlapping
    assert not c.overlaps(5, 10)
    # An empty span (a deleted passage) overlaps a candidate that encloses it, ends
    # included.
    assert c.overlaps(15, 15) and c.overlaps(10, 10) and c.overlaps(20, 20)
    assert not c.overlaps(9, 9) and not c.overlaps(21, 21)


def test_agreement_reaches_a_break_through_a_newline_or_the_edge_credit():
    assert _reaches_break("ab\ncd", 3, before=True) is True
    assert _reaches_break("ab\ncd", 2, before=True) is False
    assert _reaches_break("ab\ncd", 3, before=False) is True
    assert _reaches_break("ab\ncd", 2, before=False) is False
    # The whole context agreeing is not a break; more than all of it is the text's edge.
    assert _reaches_break("abc", 3, before=True) is False
    assert _reaches_break("abc", 3 + EDGE_CREDIT, before=True) is True
    assert _reaches_break("abc", 3 + EDGE_CREDIT, before=False) is True


def test_a_key_is_found_where_it_overlaps_itself():
    key = "-" * KEY
    assert _key_positions("-" * (KEY + 1), [key], after=False) == {0, 1}
    assert _key_positions("-" * (KEY + 1), [key], after=True) == {KEY, KEY + 1}


def test_context_before_reads_past_a_dropped_letter_near_the_text_start():
    # "Thhe" became "The": the quote "fox" is now one character before its prefix's
    # length from the text start.
    text = "The quick brown fox"
    position = text.index("fox")
    assert _context_before("Thhe quick brown ", text, position) == len("The quick brown ")


def test_context_before_counts_a_leading_paragraph_break_as_the_text_start():
    # The short prefix agrees completely and a break was inserted above it: as good as
    # the text's start it was next to.
    assert _context_before("Hello ", "\nHello world", 7) == len("Hello ") + EDGE_CREDIT
    assert _context_before("Hello ", "Hello world", 6) == len("Hello ") + EDGE_CREDIT
    assert _context_before("Hello ", "x Hello world", 8) == len("Hello ")
    assert NEIGHBOUR == KEY


# --- Step 0 through the diff: the quote unchanged.


from tests.annotations.test_anchoring_thresholds import words  # noqa: E402


def _follow(old: str, new: str, start: int, end: int) -> Anchor:
    return anchor(describe(old, start, end), new, TextDiff(old, new))


@pytest.mark.parametrize(("closing", "found"), [("Other closing", True), ("New closing", False)])
def test_through_the_diff_an_unchanged_paragraph_s_words_need_min_evidence(closing, found):
    # The paragraph is unchanged, the ones around it went: "Alpha " (6) agrees before the
    # quote (then the text's start, which it was not next to) and ".\n" after it, and the
    # "O" of the next paragraph if it still starts with one. 23 + 6 + 3 characters is
    # MIN_EVIDENCE (32); 23 + 6 + 2 is not, and no neighbour (NEIGHBOUR characters, or
    # breaks on both sides) is left.
    quote = "bravo charlie delta xyz"
    old = "Intro.\nAlpha " + quote + ".\nOld ending paragraph here."
    new = "Alpha " + quote + ".\n" + closing + " words instead."
    start = old.index(quote)
    result = _follow(old, new, start, start + len(quote))
    assert result.is_orphaned is not found
    if found:
        assert (result.state, result.start, result.score) == (AnchorState.MOVED, 6, 1.0)


def test_through_the_diff_a_short_paragraph_kept_whole_is_its_own_neighbour():
    # A ten-character paragraph between two rewritten ones: the search alone orphans it
    # (too short, no context), the diff knows the paragraph is unchanged.
    a, b = words(1, 60), words(2, 60)
    old = a + "\nshort para\n" + b
    new = a.upper() + "\nshort para\n" + b.upper()
    start = old.index("short")
    assert anchor(describe(old, start, start + 10), new).is_orphaned
    result = _follow(old, new, start, start + 10)
    assert (result.state, result.start, result.score) == (AnchorState.ANCHORED, start, 1.0)


@pytest.mark.parametrize(("after", "found"), [(" bbbb", True), (" dddd", False)])
def test_through_the_diff_paired_words_need_min_evidence_besides_a_neighbour(after, found):
    # A ten-character quote inside a rewritten paragraph (its words paired one by one):
    # 18 characters agree before it, a neighbour. With nothing agreeing after it, 10 + 18
    # is less than MIN_EVIDENCE: not enough for words a rewrite may have paired by chance.
    quote = "qqqqq rrrr"
    before = words(3, 16) + " "
    old = "Intro paragraph.\nAAAA " + before + quote + " bbbb tail words here.\nEnd."
    new = "Intro paragraph.\nCCCC " + before + quote + after + " tail words here.\nEnd."
    start = old.index(quote)
    result = _follow(old, new, start, start + len(quote))
    assert result.is_orphaned is not found
    if found:
        assert (result.state, result.start) == (AnchorState.ANCHORED, start)


# --- Step 0 through the diff: the quote edited.

A = words(10, 200) + "\n"  # paragraphs around the one holding the quote
B = "\n" + words(11, 200)
P = words(12, 31) + " "  # the quote's prefix
S = " " + words(13, 31)  # and suffix


def _edit(quote: str, edited: str, prefix: str = P, suffix: str = S) -> Anchor:
    """Anchor quote, between P and S in a story, in the story with the quote edited and
    its prefix and suffix replaced."""
    old = A + P + quote + S + B
    new = A + prefix + edited + suffix + B
    start = len(A + P)
    return anchor(describe(old, start, start + len(quote)), new, TextDiff(old, new))


def _changed(result: Anchor, edited: str) -> None:
    assert result.state is AnchorState.CHANGED
    assert result.start == len(A + P)
    assert result.end == len(A + P) + len(edited)


@pytest.mark.parametrize(("agreeing", "found"), [(4, True), (3, False)])
def test_through_the_diff_an_edge_s_neighbour_counts_the_quote_s_own_unchanged_start(
    agreeing, found
):
    # The middle of the quote is rewritten (0.59 similar, too little for the weaker
    # one-edge rule); its first 12 characters and `agreeing` of the prefix before them are
    # unchanged: 16 is NEIGHBOUR verbatim characters across the left edge, 15 is not.
    quote = "alpha bravo " + "m" * 16 + " omega endx"
    edited = "alpha bravo " + "#" * 16 + " omega endx"
    prefix = P[: -agreeing - 3] + "###" + P[-agreeing:]
    result = _edit(quote, edited, prefix=prefix)
    assert result.is_orphaned is not found
    if found:
        _changed(result, edited)


@pytest.mark.parametrize(("agreeing", "found"), [(4, True), (3, False)])
def test_through_the_diff_an_edge_s_neighbour_counts_the_quote_s_own_unchanged_end(agreeing, found):
    # The mirror: the last 12 characters and `agreeing` of the suffix after them.
    quote = "xdne omega " + "m" * 16 + " bravo alpha"
    edited = "xdne omega " + "#" * 16 + " bravo alpha"
    suffix = S[:agreeing] + "###" + S[agreeing + 3 :]
    result = _edit(quote, edited, suffix=suffix)
    assert result.is_orphaned is not found
    if found:
        _changed(result, edited)


@pytest.mark.parametrize(
    ("edited", "found"),
    [
        ("alpha bravo charlie DELTA ECHOS foxtrots", True),  # 0.75 exactly
        ("alpha bravo CHARLIE DELTA ECHOS foxtrots", False),  # 0.575
    ],
)
def test_through_the_diff_an_edit_next_to_one_kept_neighbour_needs_min_similarity_both_sides(
    edited, found
):
    # The words after the quote were edited, and its own last words but one: the right
    # edge keeps fewer than NEIGHBOUR characters, its last character is unchanged. With
    # only the left neighbour, the words must be MIN_SIMILARITY_BOTH_SIDES similar.
    quote = "alpha bravo charlie delta echos foxtrots"
    result = _edit(quote, edited, suffix=" ####" + S[5:])
    assert result.is_orphaned is not found
    if found:
        _changed(result, edited)
        assert result.score == 0.75


@pytest.mark.parametrize(
    ("edited", "found"),
    [
        ('"ALPHA BRAVO charlie delta echos foxtrots"', True),  # 0.76
        ('"ALPHA BRAVO CHARLIE delta echos foxtrots"', False),  # 0.60
    ],
)
def test_through_the_diff_a_one_character_unchanged_first_token_keeps_the_left_edge(edited, found):
    # The word before the quote and its first words were edited; its opening quotation
    # mark, one character paired on its own, is unchanged where the diff puts it.
    quote = '"alpha bravo charlie delta echos foxtrots"'
    old = A + P[:-5] + "said " + quote + S + B
    new = A + P[:-5] + "SAID " + edited + S + B
    start = old.index(quote)
    result = anchor(describe(old, start, start + len(quote)), new, TextDiff(old, new))
    assert result.is_orphaned is not found
    if found:
        assert (result.state, result.start, result.end) == (
            AnchorState.CHANGED,
            start,
            start + len(edited),
        )


@pytest.mark.parametrize(
    ("quote", "edited", "found"),
    [
        ("price hike", "prxye hike", False),  # shorter than NEIGHBOUR: both edges needed
        ("price hike today", "prxye hixe today", True),  # NEIGHBOUR long: one edge will do
    ],
)
def test_through_the_diff_one_kept_edge_is_enough_only_for_a_quote_of_neighbour_length(
    quote, edited, found
):
    # The words after the quote were edited; the left edge keeps the whole prefix, the
    # right one only its last word. 0.8 similar: too little for a search next to one
    # neighbour (0.85).
    result = _edit(quote, edited, suffix=" ####" + S[5:])
    assert result.is_orphaned is not found
    if found:
        _changed(result, edited)


def test_through_the_diff_a_quote_of_neighbour_length_needs_only_min_similarity_mapped():
    # 16 characters, both edges kept, the middle rewritten: 0.625 similar is enough
    # through the diff (0.4), not for a shorter quote (0.75) nor by search.
    quote, edited = "abcd efghijk lmn", "abcd ######k lmn"
    assert len(quote) == NEIGHBOUR
    _changed(_edit(quote, edited), edited)


def test_through_the_diff_a_passage_whose_first_words_were_deleted_is_the_rest():
    quote = "alpha bravo " + words(20, 28)
    edited = quote[len("alpha bravo ") :]
    result = _edit(quote, edited)
    _changed(result, edited)
    assert result.score == 0.7


INSERTED = "zzzz zzzz zzzz zzzz zzz "  # 24 characters


@pytest.mark.parametrize(
    ("quote", "edited"),
    [
        ("abcdefg hijklmno", "abcdefg " + INSERTED + "hijklmno"),  # 2.5 times longer
        ("abcdefg " + INSERTED + "hijklmno", "abcdefg hijklmno"),  # 2.5 times shorter
    ],
)
def test_through_the_diff_an_edit_exactly_min_similarity_mapped_similar_is_followed(quote, edited):
    # 24 characters inserted into a 16-character quote, or taken out of a 40-character
    # one: 0.4 similar, exactly MIN_SIMILARITY_MAPPED, with both edges kept.
    result = _edit(quote, edited)
    _changed(result, edited)
    assert result.score == 0.4


def test_through_the_diff_an_edit_with_neither_edge_kept_is_not_followed():
    # The words just outside the quote and its second and last but one words were
    # edited: fewer than NEIGHBOUR verbatim characters across either edge, although the
    # first and last characters are unchanged and the words 0.75 similar.
    quote = "alpha bravo charlie delta echos foxtrots"
    edited = "alpha BRAVO charlie delta ECHOS foxtrots"
    old = A + P[:-5] + "said " + quote + " then" + S[5:] + B
    new = A + P[:-5] + "SAID " + edited + " THEN" + S[5:] + B
    start = old.index(quote)
    assert anchor(describe(old, start, start + len(quote)), new, TextDiff(old, new)).is_orphaned


def test_through_the_diff_a_quote_ending_in_a_kept_paragraph_has_that_neighbour():
    # The quote runs from words paired in a rewritten paragraph (the word before it was
    # edited) into the next paragraph, unchanged, up to 5 characters before its end; the
    # paragraph after that was rewritten. Little context agrees on either side, but the
    # quote's last 22 characters lie in the unchanged paragraph: a neighbour.
    w1, q1, q2, w3 = words(40, 60), words(41, 12).strip(), words(42, 22).strip(), words(43, 60)
    quote = q1 + "\n" + q2
    old = w1 + " edited " + quote + " end.\n" + w3
    new = w1 + " EDITED " + quote + " end.\n" + w3.upper()
    start = old.index(quote)
    assert anchor(describe(old, start, start + len(quote)), new).is_orphaned
    result = _follow(old, new, start, start + len(quote))
    assert (result.state, result.start, result.end) == (
        AnchorState.ANCHORED,
        start,
        start + len(quote),
    )


# --- What is left of a passage whose first or last words went in a rewrite.

CUT = words(30, 40).strip() + " " + words(31, 40).strip()  # 80 characters, 13 words


def _cut_start(
    quote: str, lost: int, *, suffix: str = S, glue: str = "", rest: str | None = None
) -> tuple[Anchor, int, str]:
    """A rewrite of the prefix's last words also took the quote's first `lost` characters
    (glue: put before what is left; rest: what is left instead of quote[lost:]). The
    anchor, where what is left starts in the new text, and it."""
    old = A + P + quote + S + B
    start = len(A + P)
    left = quote[lost:] if rest is None else rest
    new_start = len(A + P[:-8] + "ZZZZ ZZZZ ZZZZ " + glue)
    new = A + P[:-8] + "ZZZZ ZZZZ ZZZZ " + glue + left + suffix + B
    result = anchor(describe(old, start, start + len(quote)), new, TextDiff(old, new))
    return result, new_start, left


@pytest.mark.parametrize(("lost", "found"), [(34, True), (41, False)])
def test_what_is_left_after_the_first_words_went_is_followed_if_most(lost, found):
    # 46 of 80 characters left is most of the passage; 39 is not.
    result, new_start, left = _cut_start(CUT, lost)
    assert result.is_orphaned is not found
    if found:
        assert (result.state, result.start) == (AnchorState.CHANGED, new_start)
        assert result.end == new_start + len(left)


def test_what_is_left_after_the_first_words_went_keeps_its_edited_words():
    # A word of what is left was edited too: it is still all of what is left.
    rest = CUT[34:].replace("tfq", "TFQ")
    result, new_start, left = _cut_start(CUT, 34, rest=rest)
    assert (result.state, result.start, result.end) == (
        AnchorState.CHANGED,
        new_start,
        new_start + len(left),
    )


def test_what_is_left_is_not_followed_into_another_paragraph():
    # The words left now start a paragraph: a deleted paragraph's words spliced into
    # another one, not the rest of this one after a rewrite.
    result, _, _ = _cut_start(CUT, 34, glue="\n")
    assert result.is_orphaned


@pytest.mark.parametrize(
    ("quote", "found"), [("abcde fgh ijklmn", True), ("bcde fgh ijklmn", False)]
)
def test_what_is_left_of_a_quote_shorter_than_neighbour_is_not_followed(quote, found):
    lost = quote.index(" ") + 1
    result, new_start, left = _cut_start(quote, lost)
    assert result.is_orphaned is not found
    if found:
        assert (result.start, result.end) == (new_start, new_start + len(left))


@pytest.mark.parametrize(("agreeing", "found"), [(16, True), (15, False)])
def test_what_is_left_needs_a_neighbour_across_its_kept_edge(agreeing, found):
    # The quote's last word was edited and the suffix after `agreeing` characters: across
    # the right edge NEIGHBOUR verbatim characters are needed.
    last = CUT.split(" ")[-1]
    rest = CUT[26 : -len(last)] + last.upper()
    suffix = S[:agreeing] + "###" + S[agreeing + 3 :]
    result, new_start, left = _cut_start(CUT, 26, suffix=suffix, rest=rest)
    assert result.is_orphaned is not found
    if found:
        assert (result.start, result.end) == (new_start, new_start + len(left))


def test_what_is_left_counts_its_own_unchanged_end_as_a_neighbour():
    # Only three characters of the suffix agree, but the quote's last 46 are unchanged.
    result, new_start, left = _cut_start(CUT, 34, suffix=S[:3] + "###" + S[6:])
    assert (result.start, result.end) == (new_start, new_start + len(left))


@pytest.mark.parametrize(("resumes", "found"), [(S[8:], True), ("\n" + S[8:], False)])
def test_what_is_left_after_the_last_words_went_keeps_its_edited_words(resumes, found):
    # The mirror: a rewrite of the suffix's first words took the quote's last words, and
    # a word of what is left was edited. After the new words the old paragraph must go
    # on, not a new one begin.
    old = A + P + CUT + S + B
    start = len(A + P)
    left = CUT[:60].replace("gdsbvkbd", "GDSBVKBD")
    new = A + P + left + "ZZZZ ZZZZ ZZZZ " + resumes + B
    result = anchor(describe(old, start, start + len(CUT)), new, TextDiff(old, new))
    assert result.is_orphaned is not found
    if found:
        assert (result.state, result.start, result.end) == (
            AnchorState.CHANGED,
            start,
            start + len(left),
        )


@pytest.mark.parametrize(("inserted", "found"), [("zz " * 10, True), ("zz " * 10 + "z ", False)])
def test_what_is_left_must_still_be_min_similarity_mapped_similar_to_those_words(inserted, found):
    # Half of the quote is left (its last 20 characters went with the suffix's first
    # words), with 30 characters inserted into it: 0.4 similar to the 20 characters it
    # was, exactly MIN_SIMILARITY_MAPPED (0.34 to the whole quote); 32 inserted, 0.38.
    kept, other = "abcde fgh ", "ijklm nop "
    quote = kept + other + "qrstv wxyz bcdf ghjk"
    old = A + P + quote + S + B
    start = len(A + P)
    new = A + P + kept + inserted + other + "ZZZZ ZZZZ ZZZZ " + S[8:] + B
    result = anchor(describe(old, start, start + len(quote)), new, TextDiff(old, new))
    assert result.is_orphaned is not found
    if found:
        assert (result.state, result.start) == (AnchorState.CHANGED, start)
        assert result.end == start + len(kept + inserted + other)


# --- Step 3 near the text's end: SNAP.


def test_an_edited_quote_does_not_reach_past_where_its_short_old_suffix_now_begins():
    # The quote ended the story but for its last 8 characters (its whole suffix, SNAP
    # long); a word of it was edited, its last four letters went, and words were
    # appended. The one-sided candidate after the prefix stops where the old suffix now
    # starts, although running on into it ("abcd") would be more similar.
    x = words(50, 36)
    quote, suffix = x + "abcd", "abcdefgh"
    old = A + P + quote + suffix
    start = len(A + P)
    edited = x[:10] + "Q" + x[11:]
    new = A + P + edited + suffix + " and words appended after it"
    result = anchor(describe(old, start, start + len(quote)), new)
    assert (result.state, result.start, result.end) == (
        AnchorState.CHANGED,
        start,
        start + len(edited),
    )


def test_old_neighbours_overlapping_by_snap_characters_where_they_meet_are_its_old_place():
    # The quote sat between two copies of "ABCDEFGH" and was deleted with one of them:
    # its old prefix and suffix now overlap by 8 characters (SNAP), still the place it
    # was deleted from. A slightly edited copy of it elsewhere, after the same prefix, is
    # another passage: orphaned.
    quote = words(60, 50).strip()
    before, after = words(61, 24), words(62, 24)
    old = A + before + "ABCDEFGH" + quote + "ABCDEFGH" + after + B
    start = old.index(quote)
    edited = quote[:20] + "Q" + quote[21:]
    copy = "\n" + before + "ABCDEFGH" + edited + "#" + words(63, 60)
    new = A + before + "ABCDEFGH" + after + B + copy
    assert anchor(describe(old, start, start + len(quote)), new).is_orphaned
    # With the whole paragraph gone from its old place, the copy is the passage, edited.
    moved = A + B + copy
    result = anchor(describe(old, start, start + len(quote)), moved)
    assert (result.state, result.start) == (AnchorState.CHANGED, moved.index(edited))


def test_with_the_diff_the_unchanged_sentence_after_a_moved_quote_is_no_rival():
    # The quote moved to another paragraph with its suffix; its old prefix is now followed
    # by the sentence that came after it, unchanged, and 0.95 similar to it (list items:
    # "Rating: 4.4" moved, "Rating: 4.5" stays). The diff says those words were all there,
    # after the passage: another passage, not an edit of this one. (Their old place is
    # after the quote's end: an overlap test without "old < end" would take it as ours.)
    quote = words(71, 39).strip() + "q"
    similar = "X" + quote[1:30] + "Y" + quote[31:]
    rest, head = words(72, 200), words(73, 200) + "\n"
    old = head + P + quote + S + " " + similar + " " + rest
    new = head + P + similar + " " + rest + "\n" + "#" + quote + S + "#" + words(74, 50)
    start = len(head + P)
    moved = new.index("#" + quote) + 1
    result = _follow(old, new, start, start + len(quote))
    assert result == Anchor(AnchorState.MOVED, moved, moved + len(quote), 1.0)


def test_with_the_diff_a_copy_only_starting_in_old_text_is_weighed_as_the_quote():
    # "b" + quote's first word lost its doubled "b": the quote is still there verbatim,
    # one character earlier, right after the unchanged "Hi, ". Only a copy the diff holds
    # whole (all of it old text from elsewhere) is another passage; this one starts where
    # an unchanged stretch ends and is the quote, moved: found whole, not as an edit of
    # it one letter shorter.
    quote = "b" + words(81, 39).strip() + "q"
    old = "Hi, b" + quote + S + B
    new = "Hi, " + quote + S + B
    assert _follow(old, new, 5, 5 + len(quote)) == Anchor(AnchorState.MOVED, 4, 45, 1.0)


def test_with_the_diff_the_quote_s_own_words_left_in_place_compete_with_a_copy_elsewhere():
    # The quote's last word went at the text's end, where it was after its prefix, and
    # a verbatim copy with part of its suffix appeared in another paragraph. The words
    # left after the prefix are the passage's own (the diff: unchanged, at its old place),
    # 0.95 similar next to the whole prefix: the passage edited in place, or moved? Two
    # answers: orphaned. (Words the diff says were elsewhere in the old text would not
    # compete: see the unchanged sentence after a moved quote.)
    base = words(77, 37).strip()
    quote = base + " zq"
    head, rest = words(73, 200) + "\n", " " + words(72, 200)
    old = head + P + quote + S + rest
    new = head + "#" + quote + S[:20] + "#" + words(74, 50) + "\n" + P + base + " "
    start = len(head + P)
    assert _follow(old, new, start, start + len(quote)).is_orphaned


@pytest.mark.parametrize("side", ["after", "before"])
def test_words_right_next_to_the_passage_in_the_old_text_were_elsewhere(side):
    # The diff holds the other sentence unchanged; in the old text it began exactly where
    # the passage ended (or ended where it began): outside it, another passage's words.
    quote, other = "Alpha bravo charlie. ", "Delta echo foxtrot "
    head, tail = words(83, 100) + "\n", "#" + words(84, 100)
    pair = quote + other if side == "after" else other + quote
    old, new = head + pair + tail, head + other + tail
    start = len(head) + pair.index(quote)
    survey = _Survey(describe(old, start, start + len(quote)), new)
    diff = TextDiff(old, new)
    candidate = _Candidate(len(head), len(head) + len(other), 0.9, 0, 0)
    old_place = start + len(quote) if side == "after" else start - len(other)
    assert diff.old_place(candidate.start, candidate.end) == old_place
    assert survey._elsewhere(diff, candidate)
