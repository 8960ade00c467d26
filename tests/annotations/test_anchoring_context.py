"""The measures annotations.anchoring's thresholds compare against, pinned exactly.

How much context agrees around a place (past one typo, with the paragraph edge standing for
the text edge), where a changed quote may end, which search keys locate anything, when a
change gives way to the text resuming, and which selectors a diff may be used for. Each
case pins an exact count or answer: one character more or less moves a passage across a
threshold (NEIGHBOUR, CONTEXT, MAX_KEY_HITS).
"""

from __future__ import annotations

import pytest

from annotations.anchoring import (
    CONTEXT,
    EDGE_CREDIT,
    KEY,
    MAX_KEY_HITS,
    NEIGHBOUR,
    TextDiff,
    _best_end,
    _best_start,
    _common_tail,
    _context_after,
    _context_before,
    _key_positions,
    _past_typo,
    describe,
)


def test_agreement_carries_on_past_one_typo_and_does_not_count_the_edited_letters():
    assert _past_typo("abcdef", "abcdef") == 6
    assert _past_typo("abcdef", "abXdef") == 5  # a letter changed
    assert _past_typo("abcdef", "abdef") == 5  # a letter dropped
    assert _past_typo("abdef", "abXdef") == 5  # a letter added
    assert _past_typo("abcdef", "abdcef") == 6  # two letters swapped: both still there


def test_agreement_stops_at_a_changed_mark_between_words():
    # A typo is inside a word: punctuation that changed is a different text.
    assert _past_typo("ab,cd", "ab.cd") == 2
    # One side a letter is enough to be inside a word.
    assert _past_typo("ab,cd", "abxcd") == 4
    assert _past_typo("abxcd", "ab,cd") == 4


def test_common_tail_counts_up_to_the_limit_and_takes_quote_styles_as_the_same():
    assert _common_tail("xabc", "yabc", 4) == 3
    assert _common_tail("abc", "abc", 2) == 2
    assert _common_tail("it’s", "it's", 4) == 4


def test_a_paragraph_end_after_a_short_suffix_stands_for_the_text_end():
    # The quote ended the story (a short suffix): a paragraph added after it leaves it there.
    text = "A quote end.\nNext paragraph here."
    assert _context_after(" end.", text, text.index(" end.")) == len(" end.") + EDGE_CREDIT
    assert _context_after(" end.", "A quote end. More", 7) == len(" end.")
    # A full suffix is evidence enough on its own: no credit.
    full = " " + "x" * (CONTEXT - 1)
    assert _context_after(full, "q" + full + "\nmore", 1) == CONTEXT


def test_a_paragraph_start_before_a_short_prefix_stands_for_the_text_start():
    text = "New paragraph.\nStart. quote"
    assert _context_before("Start. ", text, text.index("quote")) == len("Start. ") + EDGE_CREDIT
    assert _context_before("Start. ", "Xa Start. quote", 10) == len("Start. ")
    full = "x" * (CONTEXT - 1) + " "
    text = "more\n" + full + "quote"
    assert _context_before(full, text, text.index("quote")) == CONTEXT


def test_the_suffix_agrees_past_a_typo_next_to_the_quote():
    suffix = " the end of the story"  # 21 characters
    assert _context_after(suffix, "Q thee end of the story and more", 1) == 21  # added
    assert _context_after(suffix, "Q teh end of the story and more", 1) == 21  # swapped
    assert _context_after(suffix, "Q th end of the story and more", 1) == 20  # dropped


def test_the_prefix_agrees_past_a_typo_next_to_the_quote():
    prefix = "the start of the story "  # 23 characters
    for text, agreed in (
        ("Q the start of the story quote", 23),
        ("more and the startt of the story quote", 23),  # a letter added
        ("Q the star of the story quote", 22),  # a letter dropped
    ):
        assert _context_before(prefix, text, text.index("quote")) == agreed, text


def test_a_quote_end_is_searched_only_between_its_shortest_length_and_the_limit():
    text = "xx the quick brown fox yy"
    exact = "the quick brown fox"
    assert _best_end(text, exact, 3, 5, len(text)) == 22
    assert _best_end(text, exact, 3, 10, 13) == 13  # one place left: that one
    assert _best_end(text, exact, 3, 10, 12) is None  # no room for the shortest


def test_a_quote_start_is_searched_only_between_the_limit_and_its_shortest_length():
    text = "xx the quick brown fox yy"
    exact = "the quick brown fox"
    assert _best_start(text, exact, 22, 5, 0) == 3
    assert _best_start(text, exact, 22, 10, 12) == 12
    assert _best_start(text, exact, 22, 10, 13) is None


def _blocks(old: str, new: str) -> tuple[TextDiff, dict[str, tuple[int, int, int]]]:
    diff = TextDiff(old, new)
    return diff, {old[b[0] : b[0] + b[2]]: b for b in diff.blocks}


def test_a_change_gives_way_to_the_text_resuming_only_after_a_neighbours_worth():
    old = "alpha beta gamma delta epsilon zeta eta theta"
    diff, blocks = _blocks(old, "alpha beta CHANGED WORDS delta epsilon zeta eta theta")
    assert len("delta epsilon zeta eta theta") >= NEIGHBOUR
    assert diff.same_paragraph_around(blocks["alpha beta "], after=True)
    # Before the change only "alpha beta " is unchanged: fewer than NEIGHBOUR characters.
    assert not diff.same_paragraph_around(blocks["delta epsilon zeta eta theta"], after=False)
    # A word or two paired by chance between changes is not the text resuming.
    diff, blocks = _blocks(old, "alpha beta CHANGED WORDS delta NEW zeta NEW theta")
    assert not diff.same_paragraph_around(blocks["alpha beta "], after=True)
    assert not diff.same_paragraph_around(blocks["delta "], after=True)


def test_a_paragraph_break_inside_the_change_is_not_the_same_paragraph():
    old = "alpha beta gamma delta epsilon\nzeta eta theta iota kappa lambda"
    diff, blocks = _blocks(old, "alpha beta gamma delta X Y Z theta iota kappa lambda")
    assert not diff.same_paragraph_around(blocks["alpha beta gamma delta "], after=True)
    assert not diff.same_paragraph_around(blocks["theta iota kappa lambda"], after=False)


def test_the_text_edge_counts_as_resuming_unless_a_paragraph_break_comes_first():
    diff, blocks = _blocks(
        "one two three four five six seven eight", "NEW one two three four five six seven eight"
    )
    assert diff.same_paragraph_around(
        blocks["one two three four five six seven eight"], after=False
    )
    diff, blocks = _blocks("alpha beta gamma\nfoo", "alpha X")
    assert not diff.same_paragraph_around(blocks["alpha "], after=True)
    diff, blocks = _blocks("alpha beta gamma", "alpha X")
    assert diff.same_paragraph_around(blocks["alpha "], after=True)


def test_a_search_key_locates_up_to_max_key_hits_places_and_boilerplate_none():
    key = "a key of sixteen"  # KEY characters
    assert len(key) == KEY
    text = " ".join([key] * MAX_KEY_HITS)
    step = len(key) + 1
    assert _key_positions(text, [key], after=False) == {i * step for i in range(MAX_KEY_HITS)}
    assert _key_positions(text, [key], after=True) == {
        i * step + len(key) for i in range(MAX_KEY_HITS)
    }
    # One more and it is boilerplate: it locates nothing.
    assert _key_positions(text + " " + key, [key], after=False) == set()
    # A key shorter than KEY is not distinctive enough to search for.
    assert _key_positions("x" + key[1:], [key[1:]], after=False) == set()


def test_describe_takes_only_integer_offsets():
    # A float or a bool offset is a caller's bug (True would quietly mean 1).
    for start, end in ((1.0, 3), (1, 3.0), (True, 3)):
        with pytest.raises(TypeError, match="must be integers"):
            describe("some text", start, end)  # type: ignore[arg-type]


def test_a_diff_describes_only_selectors_made_in_its_old_text_and_its_new_text():
    old, new = "alpha beta gamma", "alpha beta gamma delta"
    diff = TextDiff(old, new)
    # The whole old text (offsets at both ends), and a new text equal but not the same object.
    assert diff.describes(describe(old, 0, len(old)), new)
    assert diff.describes(describe(old, 0, 5), "".join(["alpha beta ", "gamma delta"]))
    assert not diff.describes(describe(old, 0, 5), "alpha beta gamma epsilon")
    # Selectors made in another text: the words at their offsets differ, or are not there.
    assert not diff.describes(describe("gamma beta alpha", 0, 5), new)
    assert not diff.describes(describe(old + " and more", 17, 20), new)
