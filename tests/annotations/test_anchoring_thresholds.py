"""Every threshold and guard of annotations.anchoring, pinned by a case on each side of it.

The texts are made of random consonant words, so that nothing agrees by chance: where a
case needs k characters of context to agree, the character before them is replaced by "#".
"""

from __future__ import annotations

import random

import pytest

from annotations.anchoring import (
    CONTEXT,
    CONTEXT_MARGIN,
    MIN_EVIDENCE,
    NEIGHBOUR,
    UNIQUE_QUOTE,
    AnchorState,
    TextDiff,
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


def story(quote: str) -> tuple[str, int]:
    """A text holding quote between P and S, and the quote's start."""
    return A + P + quote + S + B, len(A + P)


def keep_prefix(k: int, changed: int = 1) -> str:
    """P of which only the last k characters agree (changed > 1: more than a typo before
    them, which the diff's context reads past)."""
    if k >= len(P):
        return P
    return P[: len(P) - k - changed] + "#" * changed + P[len(P) - k :]


def keep_suffix(k: int, changed: int = 1) -> str:
    return S if k >= len(S) else S[:k] + "#" * changed + S[k + changed :]


# --- Step 1 and 2: a verbatim quote.


@pytest.mark.parametrize(("suffix_agrees", "found"), [(13, True), (12, False)])
def test_a_short_quote_needs_min_evidence_characters_with_its_context(suffix_agrees, found):
    # "qzx" + 16 characters of prefix + 13 of suffix = 32 = MIN_EVIDENCE; one fewer is
    # not enough evidence that these three letters are the ones highlighted.
    quote = "qzx"
    text, start = story(quote)
    selectors = describe(text, start, start + len(quote))
    edited = NEW + A + keep_prefix(NEIGHBOUR) + quote + keep_suffix(suffix_agrees) + B
    assert len(quote) + NEIGHBOUR + 13 == MIN_EVIDENCE
    result = anchor(selectors, edited)
    if found:
        assert (result.state, result.start) == (AnchorState.MOVED, start + len(NEW))
    else:
        assert result.is_orphaned


@pytest.mark.parametrize(("suffix_agrees", "found"), [(NEIGHBOUR, True), (NEIGHBOUR - 1, False)])
def test_a_copy_needs_one_neighbour_unless_the_quote_is_long(suffix_agrees, found):
    # Plenty of evidence (40 + 15 characters), but no neighbour: another passage.
    quote = words(6, 40).strip() + "q"
    text, start = story(quote)
    selectors = describe(text, start, start + len(quote))
    edited = NEW + A + "#" + quote + keep_suffix(suffix_agrees) + B
    result = anchor(selectors, edited)
    assert result.is_orphaned is not found
    if found:
        assert result.start == edited.index(quote)


@pytest.mark.parametrize(("length", "found"), [(UNIQUE_QUOTE, True), (UNIQUE_QUOTE - 1, False)])
def test_a_quote_of_unique_quote_characters_is_evidence_alone(length, found):
    quote = words(7, length - 1) + "q"
    assert len(quote) == length
    text, start = story(quote)
    selectors = describe(text, start, start + len(quote))
    # Spliced into the middle of another paragraph: neither neighbour came along.
    edited = NEW + A + "x y " + quote + " z w" + B
    assert anchor(selectors, edited).is_orphaned is not found


@pytest.mark.parametrize(("where", "found"), [("own paragraph", True), ("mid-paragraph", False)])
def test_a_whole_paragraph_keeps_its_paragraph_breaks_as_neighbours(where, found):
    quote = words(8, 60).strip()
    text = A + quote + B
    start = text.index(quote)
    selectors = describe(text, start, start + len(quote))
    if where == "own paragraph":
        edited = NEW + words(9, 100) + "\n" + quote + "\n" + words(10, 100)
    else:
        edited = NEW + words(9, 100) + " " + quote + " " + words(10, 100)
    result = anchor(selectors, edited)
    assert result.is_orphaned is not found
    if found:
        assert result.start == edited.index(quote)


@pytest.mark.parametrize(("other_prefix", "found"), [(24, True), (25, False)])
def test_the_best_copy_must_beat_the_next_by_the_context_margin(other_prefix, found):
    # Ours keeps all 64 characters of context; the other copy 32 + other_prefix: a lead
    # of 8 = CONTEXT_MARGIN is a winner, 7 a tie.
    quote = "qzxv wkt"
    text, start = story(quote)
    selectors = describe(text, start, start + len(quote))
    ours = A + P + quote + S + B
    other = "\n" + keep_prefix(other_prefix) + quote + S + "#"
    edited = NEW + ours + other
    assert 2 * CONTEXT - (CONTEXT + 24) == CONTEXT_MARGIN
    result = anchor(selectors, edited)
    if found:
        assert (result.state, result.start) == (AnchorState.MOVED, start + len(NEW))
    else:
        assert result.is_orphaned


@pytest.mark.parametrize(("prefix_agrees", "found"), [(CONTEXT, True), (CONTEXT - 1, False)])
def test_only_a_complete_context_outweighs_other_words_between_the_old_neighbours(
    prefix_agrees, found
):
    # Elsewhere the old neighbours now enclose other words: the passage may have been
    # rewritten there. A copy with all its context is still ours; one character less and
    # the two places compete.
    quote = words(11, 20).strip() + "q"
    text, start = story(quote)
    selectors = describe(text, start, start + len(quote))
    rewritten = "\n" + P + words(12, 30) + S + "\n"
    edited = NEW + A + keep_prefix(prefix_agrees) + quote + S + B + rewritten
    result = anchor(selectors, edited)
    assert result.is_orphaned is not found
    if found:
        assert result.start == start + len(NEW)


@pytest.mark.parametrize(("old_place", "found"), [("deleted", True), ("rewritten", False)])
def test_a_copy_with_one_neighbour_competes_with_other_words_at_the_old_place(old_place, found):
    # The copy kept its suffix only (weak). Its old place, now other words between the
    # same neighbours, may be the passage rewritten: no answer. Its old place emptied
    # (the neighbours closed up) is what a move leaves behind.
    quote = words(13, 24).strip() + "q"
    text, start = story(quote)
    selectors = describe(text, start, start + len(quote))
    middle = "" if old_place == "deleted" else words(14, 30)
    copy = "\n" + words(15, 40) + "#" + quote + S[:20] + "#" + words(16, 40)
    edited = A + P + middle + S + B + copy
    result = anchor(selectors, edited)
    assert result.is_orphaned is not found
    if found:
        assert (result.state, result.start) == (AnchorState.MOVED, edited.index(quote))


# --- Step 3: an edited quote located by its neighbours.


def substitute(quote: str, count: int) -> str:
    """quote with count characters replaced, spread over its middle."""
    chars = list(quote)
    for i in range(count):
        chars[2 + i * 2] = "#"
    return "".join(chars)


@pytest.mark.parametrize(("changes", "found"), [(3, True), (4, False)])
def test_next_to_one_neighbour_an_edit_needs_min_similarity_one_side(changes, found):
    # 20 characters: 3 changed is 0.85 similar, 4 is 0.80.
    quote = words(17, 19).strip().ljust(19, "k") + "q"
    assert len(quote) == 20
    text, start = story(quote)
    selectors = describe(text, start, start + len(quote))
    edited = NEW + A + P + substitute(quote, changes) + "#" + words(18, 40) + B
    result = anchor(selectors, edited)
    assert result.is_orphaned is not found
    if found:
        assert result.state is AnchorState.CHANGED
        assert result.start == start + len(NEW)


@pytest.mark.parametrize(("changes", "found"), [(5, True), (6, False)])
def test_between_both_neighbours_an_edit_needs_min_similarity_both_sides(changes, found):
    quote = words(19, 19).strip().ljust(19, "k") + "q"
    text, start = story(quote)
    selectors = describe(text, start, start + len(quote))
    edited = NEW + A + P + substitute(quote, changes) + S + B
    result = anchor(selectors, edited)
    assert result.is_orphaned is not found
    if found:
        assert (result.state, result.start, result.end) == (
            AnchorState.CHANGED,
            start + len(NEW),
            start + len(NEW) + len(quote),
        )


@pytest.mark.parametrize(("old_place", "found"), [("gone", True), ("neighbours closed up", False)])
def test_an_edit_next_to_one_neighbour_is_not_it_when_both_neighbours_meet_elsewhere(
    old_place, found
):
    quote = words(20, 29).strip() + "q"
    text, start = story(quote)
    selectors = describe(text, start, start + len(quote))
    edited_copy = "\n" + P + substitute(quote, 1) + "#" + words(21, 40)
    before = A + P + S + B if old_place != "gone" else A + B
    edited = before + edited_copy
    result = anchor(selectors, edited)
    assert result.is_orphaned is not found
    if found:
        assert result.state is AnchorState.CHANGED


# --- Step 0: through the diff.


def test_the_diff_maps_unchanged_and_edited_edges():
    old = "alpha beta gamma delta\nepsilon zeta"
    new = "NEW\nalpha BETA gamma delta\nepsilon ZETA"
    diff = TextDiff(old, new)
    assert diff.left_edge(old.index("alpha")) == new.index("alpha")
    assert diff.left_edge(old.index("beta")) == new.index("BETA")  # right after unchanged
    assert diff.right_edge(old.index("beta") + 4) == new.index("BETA") + 4  # before " gamma"
    assert diff.right_edge(len(old)) == len(new)
    assert diff.left_edge(old.index("zeta")) == new.index("ZETA")
    assert diff.old_place(new.index("gamma"), new.index("gamma") + 5) == old.index("gamma")
    assert diff.old_place(new.index("NEW"), new.index("NEW") + 3) is None


def test_the_diff_does_not_place_an_edge_inside_a_longer_change():
    old = "one two three four five"
    new = "one TWO THREE four five"
    diff = TextDiff(old, new)
    # "three" began inside the change "two three": where it begins now is not known.
    assert diff.left_edge(old.index("three")) is None
    assert diff.right_edge(old.index("two") + 3) is None
    assert diff.brings_in(0, len(new), old.index("two"), old.index("four")) is True
    assert diff.brings_in(new.index("TWO"), new.index("four"), old.index("two"), 14) is False


def test_a_short_quote_repeated_in_the_story_follows_its_moved_paragraph():
    # Without the old text the three copies of "the update" tie; the diff knows which
    # copies were already there and where this one went.
    first, second = words(22, 200), words(23, 200)
    holder = words(24, 100) + " the update " + words(25, 100)
    text = "\n".join([first + " the update.", holder, second + " the update."])
    start = text.index(" the update ", len(first) + 20) + 1
    selectors = describe(text, start, start + len("the update"))
    edited = "\n".join([holder, first + " the update.", second + " the update."])
    result = anchor(selectors, edited, TextDiff(text, edited))
    assert (result.state, result.start) == (AnchorState.MOVED, edited.index("the update"))


def test_a_deleted_passage_is_not_found_in_a_copy_that_was_already_there():
    quote = words(26, 30).strip()
    copy_paragraph = words(27, 60) + P + quote + S  # the same words, same neighbours
    text = A + P + quote + S + B + "\n" + copy_paragraph
    start = text.index(quote)
    selectors = describe(text, start, start + len(quote))
    edited = A + B + "\n" + copy_paragraph
    assert anchor(selectors, edited).state is AnchorState.MOVED  # selectors alone: a move
    assert anchor(selectors, edited, TextDiff(text, edited)).is_orphaned


@pytest.mark.parametrize(("changed", "found"), [(24, True), (25, False)])
def test_through_the_diff_an_edit_needs_min_similarity_mapped(changed, found):
    # 40 characters, first and last words kept: 24 changed is 0.4 similar, 25 is 0.375.
    quote = "alpha " + "m" * 28 + " omega"
    assert len(quote) == 40
    text, start = story(quote)
    selectors = describe(text, start, start + len(quote))
    middle = "#" * changed + "m" * (28 - changed)
    edited = NEW + A + P + "alpha " + middle + " omega" + S + B
    result = anchor(selectors, edited, TextDiff(text, edited))
    assert result.is_orphaned is not found
    if found:
        assert (result.state, result.start) == (AnchorState.CHANGED, start + len(NEW))


@pytest.mark.parametrize(("edited_word", "found"), [("pirces", True), ("pricxe", False)])
def test_through_the_diff_a_short_quote_needs_min_similarity_short(edited_word, found):
    # "prices" → "pirces": one swap is one edit (optimal string alignment), 0.83; "pricxe"
    # is two edits, 0.67: enough for a long quote (0.4), not for a word (0.75).
    quote = "prices"
    text, start = story(quote)
    selectors = describe(text, start, start + len(quote))
    edited = NEW + A + P + edited_word + S + B
    result = anchor(selectors, edited, TextDiff(text, edited))
    assert result.is_orphaned is not found
    if found:
        assert (result.state, result.start) == (AnchorState.CHANGED, start + len(NEW))


@pytest.mark.parametrize(("prefix_agrees", "found"), [(NEIGHBOUR, True), (NEIGHBOUR - 1, False)])
def test_through_the_diff_an_edited_first_word_needs_a_neighbour_before_it(prefix_agrees, found):
    # Two first words edited: too much for a search next to one neighbour (0.85); the
    # diff follows it when NEIGHBOUR characters before it are intact.
    quote = "alpha beta " + words(28, 26).strip()
    rest = quote[len("alpha beta ") :]
    text, start = story(quote)
    selectors = describe(text, start, start + len(quote))
    edited = NEW + A + keep_prefix(prefix_agrees, changed=3) + "ALPHA BETA " + rest + S + B
    result = anchor(selectors, edited, TextDiff(text, edited))
    assert result.is_orphaned is not found
    if found:
        assert result.state is AnchorState.CHANGED
        assert edited[result.start : result.end] == "ALPHA BETA " + rest


def test_through_the_diff_an_edit_does_not_swallow_its_old_surroundings():
    # The end of the quote moved away with its list item; the next item, similar, is not
    # the rest of it.
    items = ["- Amp offers white glove installation at no extra cost.", "- Amp comes with two"]
    text = A + "Dimensions: six feet tall.\n" + "\n".join(items) + B
    start = text.index("six feet")
    end = text.index("at no") + len("at no")
    selectors = describe(text, start, end)
    edited = A + "Dimensions: six feet tall.\n" + items[1] + B + "\n" + items[0]
    result = anchor(selectors, edited, TextDiff(text, edited))
    assert result.is_orphaned or edited[result.start : result.end].startswith("six feet")
    assert result.is_orphaned or "Amp comes" not in edited[result.start : result.end]


# --- Guards the mutation run found unpinned.


def test_the_context_is_clipped_at_the_start_of_the_text():
    text = "Hello brave new world"
    assert describe(text, 6, 11).prefix == "Hello "


@pytest.mark.parametrize(("after", "found"), [("\n", True), (" and more", False)])
def test_a_whole_paragraph_needs_breaks_on_both_sides_again(after, found):
    quote = words(30, 60).strip()
    text = A + quote + B
    start = text.index(quote)
    selectors = describe(text, start, start + len(quote))
    edited = NEW + words(31, 100) + "\n" + quote + after + words(32, 100)
    assert anchor(selectors, edited).is_orphaned is not found


def test_the_end_of_a_paragraph_is_not_a_whole_paragraph():
    # Its suffix began with a break, its prefix did not: not a paragraph of its own.
    quote = words(33, 60).strip()
    text = A + words(34, 50) + " " + quote + B
    start = text.index(quote)
    selectors = describe(text, start, start + len(quote))
    edited = NEW + words(35, 100) + "\n" + quote + "\n" + words(36, 100)
    assert anchor(selectors, edited).is_orphaned


@pytest.mark.parametrize(("other_copy", "found"), [(False, True), (True, False)])
def test_a_long_quote_without_neighbours_still_needs_a_margin_over_another_copy(other_copy, found):
    quote = words(37, UNIQUE_QUOTE + 20).strip()
    text, start = story(quote)
    selectors = describe(text, start, start + len(quote))
    # Five characters of the suffix agree at one copy, none at the other.
    edited = NEW + A + "#" + quote + S[:5] + "#" + B
    if other_copy:
        edited += "\n#" + quote + "#"
    result = anchor(selectors, edited)
    assert result.is_orphaned is not found


def test_the_quote_at_its_old_offsets_with_less_context_is_anchored_not_moved():
    quote = words(38, 30).strip()
    text, start = story(quote)
    selectors = describe(text, start, start + len(quote))
    edited = A + P + quote + keep_suffix(20) + B
    result = anchor(selectors, edited)
    assert (result.state, result.start) == (AnchorState.ANCHORED, start)


def test_through_the_diff_it_tells_a_copy_with_the_same_context_apart():
    # The whole passage, context and all, copied further down: by search two equal
    # candidates (orphaned); the diff knows which one was there.
    quote = words(39, 20).strip()
    text, start = story(quote)
    selectors = describe(text, start, start + len(quote))
    edited = NEW + text + "\n" + A + P + quote + S + "#"
    assert anchor(selectors, edited).is_orphaned
    result = anchor(selectors, edited, TextDiff(text, edited))
    assert (result.state, result.start) == (AnchorState.MOVED, start + len(NEW))


def test_with_the_diff_an_edit_the_diff_cannot_place_is_still_searched_for():
    # The prefix's last word and the quote's first were both edited: the diff cannot say
    # where the passage begins, but its suffix and most of its words are there.
    quote = "alpha " + words(40, 40).strip()
    text, start = story(quote)
    selectors = describe(text, start, start + len(quote))
    edited_prefix = P[:-6] + "XYZW "
    edited = NEW + A + edited_prefix + "ALPHA " + quote[6:] + S + B
    result = anchor(selectors, edited, TextDiff(text, edited))
    assert result.state is AnchorState.CHANGED
    assert edited[result.start : result.end].endswith(quote[6:])


def test_the_diff_maps_the_end_of_a_passage_in_its_first_stretch():
    diff = TextDiff("ab cd", "ab cd ef")
    assert diff.right_edge(2) == 2
    assert diff.left_edge(0) == 0


def test_the_diff_gives_up_words_on_a_huge_rewritten_stretch():
    # Comparing every word of two long rewritten stretches would cost more than the
    # search it saves: beyond MAX_TOKEN_PAIRS the diff keeps only unchanged paragraphs.
    old = "keep\n" + "a " * 2100 + "\nkeep"
    new = "keep\n" + "a " * 2101 + "\nkeep"
    blocks = TextDiff(old, new).blocks
    assert [length for _, _, length in blocks] == [len("keep\n"), len("keep")]


@pytest.mark.parametrize(("old_place", "found"), [("other words", True), ("edited", False)])
def test_a_weak_copy_competes_with_similar_words_after_the_old_prefix(old_place, found):
    # The copy kept its suffix only. At the old place the prefix is intact and the suffix
    # gone: followed by other words, nothing competes; by an edited version of the quote
    # (similar, RIVAL_SIMILARITY), the passage may have been rewritten there.
    quote = words(41, 30).strip() + "q"
    text, start = story(quote)
    selectors = describe(text, start, start + len(quote))
    after_prefix = words(42, 31) if old_place == "other words" else substitute(quote, 5)
    old = A + P + after_prefix + "#" + words(43, 60) + "\n"
    copy = words(44, 40) + "#" + quote + S[:20] + "#" + words(45, 40)
    edited = old + copy
    result = anchor(selectors, edited)
    assert result.is_orphaned is not found
    if found:
        assert result.start == edited.index(quote)


def test_through_the_diff_a_deleted_sentence_spliced_into_the_next_paragraph_is_not_it():
    # The word diff of the rewritten stretch pairs the deleted words with their copy
    # (the copy is longer than what precedes it in its paragraph): paired words, unlike
    # an unchanged paragraph, need a neighbour.
    quote = words(50, 70).strip()
    holder = words(51, 60) + " " + quote + " " + words(52, 60)
    after = "ab cd " + words(53, 200)
    text = "\n".join([A.strip(), holder, after, B.strip()])
    start = text.index(quote)
    selectors = describe(text, start, start + len(quote))
    spliced = after[:6] + quote + " " + after[6:]
    edited = "\n".join([A.strip(), spliced, B.strip()])
    diff = TextDiff(text, edited)
    assert diff.left_edge(start) == edited.index(quote)  # paired by the word diff
    assert anchor(selectors, edited, diff).is_orphaned
    # The same words in an unchanged paragraph, moved by an insertion above, are found.
    moved = NEW + text
    result = anchor(selectors, moved, TextDiff(text, moved))
    assert (result.state, result.start) == (AnchorState.MOVED, start + len(NEW))


def test_the_word_diff_keeps_the_unchanged_words_of_an_edited_paragraph():
    old = "intro\none two three\n"
    new = "intro\none TWO three\n"
    # (old start, new start, length): the paragraph before, "one ", "three\n".
    assert TextDiff(old, new).blocks == [(0, 0, 6), (6, 6, 4), (14, 14, 6)]


# --- How text is edited around a passage that is still there.


@pytest.mark.parametrize(("replacement", "found"), [("'", True), ("x", False)])
def test_a_changed_quote_style_leaves_the_context_agreeing(replacement, found):
    # Only the quote style changed (’ → '): the characters around it still agree. Any other
    # character there cuts the agreement short of MIN_EVIDENCE for this short quote.
    quote = "qzxv wktr"
    prefix, suffix = P[:-4] + "’" + P[-3:], S[:3] + "’" + S[4:]
    text = A + prefix + quote + suffix + B
    start = len(A + prefix)
    selectors = describe(text, start, start + len(quote))
    edited = NEW + text.replace("’", replacement)
    result = anchor(selectors, edited)
    assert result.is_orphaned is not found
    if found:
        assert (result.state, result.start) == (AnchorState.MOVED, start + len(NEW))


@pytest.mark.parametrize(("first_word", "found"), [("ab", True), ("xy", False)])
def test_a_paragraph_moved_whole_is_its_context_up_to_both_breaks(first_word, found):
    # Fewer than NEIGHBOUR characters on either side, but they reach both paragraph
    # breaks: the whole short paragraph holding the quote is elsewhere, unchanged.
    quote = "qzxv wktr bnml pqrst"  # with its context, MIN_EVIDENCE characters
    paragraph = "ab cd " + quote + " ef gh"
    text = A + paragraph + B
    start = text.index(quote)
    selectors = describe(text, start, start + len(quote))
    moved = first_word + paragraph[2:]
    edited = A.rstrip("\n") + B + "\n" + moved + "\n" + words(60, 100)
    result = anchor(selectors, edited)
    assert result.is_orphaned is not found
    if found:
        assert result.start == edited.index(quote)


def test_a_paragraph_break_in_one_context_only_is_not_a_whole_paragraph():
    quote = "qzxv wktr"
    text = A + "ab cd " + quote + " " + words(61, 40) + B
    start = text.index(quote)
    selectors = describe(text, start, start + len(quote))
    edited = A.rstrip("\n") + B + "\nab cd " + quote + " zz " + words(62, 40)
    assert anchor(selectors, edited).is_orphaned


@pytest.mark.parametrize(("with_diff", "found"), [(True, True), (False, False)])
def test_a_moved_item_with_one_complete_neighbour_outweighs_a_similar_item_after_the_other(
    with_diff, found
):
    # A list item moved: its suffix came along whole, its old prefix is now followed by the
    # next item, which starts with similar words (RIVAL_SIMILARITY). The diff says the copy
    # was not already in the old text: it is the passage. Without the diff it could be a
    # repeated item, and the similar words at the old place may be the passage edited.
    quote = "Amp offers"
    items = ["- " + quote + S + ".", "- Amp comes with" + words(63, 40)]
    text = A + P.rstrip() + "\n" + "\n".join(items) + B
    start = text.index(quote)
    selectors = describe(text, start, start + len(quote))
    assert selectors.prefix.endswith("\n- ")
    edited = A + P.rstrip() + "\n" + items[1] + B + "\n" + items[0]
    result = anchor(selectors, edited, TextDiff(text, edited) if with_diff else None)
    assert result.is_orphaned is not found
    if found:
        assert result.start == edited.index(quote)


# --- Through the diff: a passage's edges still where they were.


@pytest.mark.parametrize(("edit", "found"), [("typo", True), ("word", False)])
def test_through_the_diff_the_context_reads_past_a_typo(edit, found):
    # A short quote whose neighbours each had a typo 10 characters away (two letters
    # swapped): fewer than NEIGHBOUR verbatim characters on either side, but the context
    # agrees past the typo. A word replaced there is more than a typo.
    quote = "given"
    prefix = " entry should be allocated to a "
    suffix = " period, and split accordingly i"
    text = A + prefix + quote + suffix + B
    start = len(A + prefix)
    selectors = describe(text, start, start + len(quote))
    if edit == "typo":
        new_prefix = prefix.replace("allocated", "allcoated")
        new_suffix = suffix.replace("and", "nad")
    else:
        new_prefix = prefix.replace("allocated", "shared out")
        new_suffix = suffix.replace("and", "so we")
    edited = A + new_prefix + quote + new_suffix + B
    result = anchor(selectors, edited, TextDiff(text, edited))
    assert result.is_orphaned is not found
    if found:
        assert (result.state, result.start) == (AnchorState.ANCHORED, start)


@pytest.mark.parametrize(("before", "found"), [("\n", True), (" and ", False)])
def test_through_the_diff_a_paragraph_start_stands_for_the_text_start(before, found):
    # The quote was 5 characters from the text's start (that was its prefix, all of it, and
    # the text's edge); a paragraph inserted above makes that a paragraph start. The words
    # after it were edited, so the word diff paired it: it needs a neighbour.
    quote = words(64, 60).strip()
    text = "Fall " + quote + " and " + words(65, 80) + B
    selectors = describe(text, 5, 5 + len(quote))
    edited = words(66, 50) + before + "Fall " + quote + " now " + words(65, 80) + B
    result = anchor(selectors, edited, TextDiff(text, edited))
    assert result.is_orphaned is not found
    if found:
        assert result.start == edited.index(quote)


@pytest.mark.parametrize(("kept_words", "found"), [("Your Organization", True), ("Our", False)])
def test_through_the_diff_an_unchanged_paragraph_is_a_neighbour_for_the_next_one(kept_words, found):
    # The quote runs from the end of an unchanged heading into an edited paragraph, whose
    # words the diff paired one by one. The heading's characters in the quote, with the
    # context before them, are NEIGHBOUR or more verbatim characters: the neighbour
    # such paired words need.
    body = words(67, 60)
    quote = kept_words + "\n" + body
    heading = "Secure " + kept_words
    text = A + words(68, 40) + "\n" + heading + "\n" + body + " most " + words(69, 80) + B
    start = text.index(quote)
    selectors = describe(text, start, start + len(quote))
    moved = words(70, 40)  # the paragraph before the heading, replaced
    edited = A + moved + "\n" + heading + "\n" + body + " here " + words(69, 80) + B
    assert len("\nSecure " + kept_words + "\n") >= NEIGHBOUR if found else True
    result = anchor(selectors, edited, TextDiff(text, edited))
    assert result.is_orphaned is not found
    if found:
        assert result.start == edited.index(quote)


@pytest.mark.parametrize(("reworded", "found"), [(2, True), (3, False)])
def test_through_the_diff_one_edge_without_its_neighbour_needs_min_similarity_both_sides(
    reworded, found
):
    # The word before the quote and one inside it were edited: the left edge keeps fewer
    # than NEIGHBOUR characters, but its first character is unchanged where the diff puts
    # it, and the right edge keeps its neighbour. Two words of 67 characters edited leave
    # 0.77 (more than MIN_SIMILARITY_BOTH_SIDES; too little for a search next to one
    # neighbour); three, 0.67.
    quote = "market " + words(71, 60).strip()
    tokens = quote.split(" ")
    text = A + P[:-8] + "commerce " + quote + S + B
    start = text.index(quote)
    selectors = describe(text, start, start + len(quote))
    edited_tokens = tokens[:]
    for i in range(reworded):
        edited_tokens[2 + 2 * i] = "ZZZZZZZZZ"
    edited_quote = " ".join(edited_tokens)
    edited = A + P[:-8] + "can same " + edited_quote + S + B
    result = anchor(selectors, edited, TextDiff(text, edited))
    assert result.is_orphaned is not found
    if found:
        assert result.state is AnchorState.CHANGED
        assert edited[result.start : result.end] == edited_quote


def _cut_at_end(quote: str, kept: int, resumes: str) -> tuple[str, str, int, int]:
    """A story with quote in a paragraph, and a revision in which a rewrite of the words
    after it also took all but the first kept characters of it (resumes: what follows the
    new words)."""
    after = " " + words(72, 30).strip()
    text = A + P + quote + after + " " + words(73, 60) + B
    start = text.index(quote)
    new_words = " ".join(["ZZZZ"] * ((len(quote) - kept + len(after)) // 5 + 1))
    edited = A + P + quote[:kept] + new_words + resumes + B
    return text, edited, start, start + len(quote)


def _two_words(first: int, second: int) -> str:
    """A quote of two random 'words' of these lengths, a space between them."""
    return words(74, 80).replace(" ", "")[:first] + " " + words(75, 80).replace(" ", "")[:second]


@pytest.mark.parametrize(("length", "found"), [(60, True), (62, False)])
def test_through_the_diff_what_is_left_of_a_passage_cut_by_a_rewrite_is_followed_if_most(
    length, found
):
    # A rewrite of the words after the passage ran into its last words: what is left is
    # followed when it is half the passage or more (30 of 60 characters), not less.
    kept = 30
    quote = _two_words(kept - 1, length - kept)
    text, edited, start, end = _cut_at_end(quote, kept, " " + words(73, 60))
    selectors = describe(text, start, end)
    result = anchor(selectors, edited, TextDiff(text, edited))
    assert result.is_orphaned is not found
    if found:
        assert result.state is AnchorState.CHANGED
        assert edited[result.start : result.end] == quote[:kept]


@pytest.mark.parametrize(("resumes", "found"), [("paragraph", True), ("elsewhere", False)])
def test_through_the_diff_what_is_left_needs_its_paragraph_to_go_on_after_the_new_words(
    resumes, found
):
    # Past the new words, the rest of the old paragraph must follow (NEIGHBOUR unchanged
    # characters in a row, before the next paragraph break): otherwise the words left may
    # be a deleted paragraph's, spliced into another one, with a word paired by chance.
    quote = _two_words(39, 20)
    rest = " " + words(73, 60) if resumes == "paragraph" else " " + words(73, 60)[:5] + "\n"
    text, edited, start, end = _cut_at_end(quote, 40, rest)
    selectors = describe(text, start, end)
    result = anchor(selectors, edited, TextDiff(text, edited))
    assert result.is_orphaned is not found


def test_a_copy_that_was_already_in_the_old_text_does_not_outweigh_a_similar_rival():
    # The passage is repeated further down with its prefix; here, its words and the end of
    # its prefix were edited (too much to follow), and the space after the repeat changed,
    # so that no one unchanged stretch of the diff holds the repeat. The diff still says
    # its characters were in the old text elsewhere: another passage, not this one moved,
    # and the edited words at the old place compete with it.
    quote = words(76, 40).strip()
    tokens = quote.split(" ")
    edited_quote = " ".join([tokens[0], "ZZZZ", "QQQQQ", *tokens[3:-2], "WWWW", tokens[-1]])
    tail = words(77, 80)
    text = A + P + quote + S + B + "\n" + P + quote + "\n" + tail
    start = len(A + P)
    selectors = describe(text, start, start + len(quote))
    edited = A + P[:-10] + "#" * 9 + " " + edited_quote + S + B + "\n" + P + quote + " " + tail
    assert anchor(selectors, edited, TextDiff(text, edited)).is_orphaned


@pytest.mark.parametrize(("with_diff", "found"), [(True, True), (False, False)])
def test_a_moved_item_is_not_outweighed_by_the_unchanged_words_of_another_item(with_diff, found):
    # A list item moved; the old suffix now follows the item before it, which ends with
    # nearly the same words (step 3 would accept them as an edit). The diff says those
    # words were there, unchanged, outside the passage: another item, not this one edited.
    items = [words(80 + i, 40) + f" | Rating: 4.{5 - i}" for i in range(3)]
    text = A + "\n".join(items) + B
    quote = "Rating: 4.4"
    start = text.index(quote)
    selectors = describe(text, start, start + len(quote))
    edited = items[1] + "\n" + A + "\n".join([items[0], items[2]]) + B
    result = anchor(selectors, edited, TextDiff(text, edited) if with_diff else None)
    assert result.is_orphaned is not found
    if found:
        assert result.start == edited.index(quote)


@pytest.mark.parametrize(("prefix_agrees", "found"), [(NEIGHBOUR, True), (NEIGHBOUR - 1, False)])
def test_a_lead_only_on_one_side_must_be_a_neighbour_when_the_other_side_is_repeated(
    prefix_agrees, found
):
    # A sentence repeated in the story, the quote in both copies, the same suffix after
    # both; the prefix was edited at both places. The suffix tells them apart by nothing:
    # the copy ahead on prefix agreement (by more than CONTEXT_MARGIN) is the passage
    # only if that is a neighbour on its own.
    quote = words(90, 12).strip()
    text, start = story(quote)
    selectors = describe(text, start, start + len(quote))
    other = "\n" + words(91, 40) + "#" + quote + S + "#" + words(92, 40)
    edited = NEW + A + keep_prefix(prefix_agrees) + quote + S + B + other
    result = anchor(selectors, edited)
    assert result.is_orphaned is not found
    if found:
        assert result.start == start + len(NEW)
