"""Offsets carried over to the same text with separators added (annotations.respacing)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from annotations.anchoring import describe
from annotations.respacing import map_offsets, respace


def test_each_character_maps_to_where_it_is_now() -> None:
    old, new = "cottonhemp rope", "cotton\nhemp rope"
    positions = map_offsets(old, new)
    assert positions is not None
    assert [new[positions[i]] for i in range(len(old))] == list(old)
    assert positions[len(old)] == len(new)


def test_a_text_changed_in_more_than_whitespace_is_not_mapped() -> None:
    assert map_offsets("cottonhemp", "cotton\nhelp") is None
    assert map_offsets("cottonhemp", "cotton") is None
    assert map_offsets("cottonhemp", "cottonhemp!") is None


def test_a_passage_keeps_its_characters_and_leaves_outside_separators_outside() -> None:
    old, new = "Kit: cottonhemprecycled and more", "Kit: cotton\nhemp\nrecycled and more"
    positions = map_offsets(old, new)
    assert positions is not None
    start = old.index("hemp")
    moved = respace(describe(old, start, start + 4), old, new, positions)
    assert moved is not None and moved.same_quote
    assert moved.selectors.exact == "hemp"
    across = respace(describe(old, 5, 23), old, new, positions)
    assert across is not None and not across.same_quote
    assert across.selectors.exact == "cotton\nhemp\nrecycled"


def test_selectors_that_do_not_describe_the_old_text_are_left_to_anchoring() -> None:
    old, new = "cottonhemp", "cotton\nhemp"
    positions = map_offsets(old, new)
    assert positions is not None
    stale = describe("somethingelse", 0, 4)
    assert respace(stale, old, new, positions) is None


words = st.lists(st.text("abc .", min_size=1, max_size=6), min_size=1, max_size=12)


@given(words, st.data())
def test_it_undoes_any_insertion_of_separators_between_words(chunks, data) -> None:
    old = "".join(chunks)
    pieces = [chunks[0]]
    for chunk in chunks[1:]:
        # The sanitizer's rule: a newline only between two non-space characters.
        if not pieces[-1][-1].isspace() and not chunk[0].isspace() and data.draw(st.booleans()):
            pieces.append("\n")
        pieces.append(chunk)
    new = "".join(pieces)
    positions = map_offsets(old, new)
    assert positions is not None
    assert "".join(new[p] for p in positions[:-1]) == old
    assert positions == sorted(set(positions))
