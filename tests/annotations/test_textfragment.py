"""URL text fragments for the original article (annotations/textfragment.py)."""

from urllib.parse import unquote

import pytest
from hypothesis import given
from hypothesis import strategies as st

from annotations.anchoring import describe
from annotations.textfragment import encode_term, fragment_url, text_directive


def _terms(directive: str) -> list[str]:
    assert directive.startswith("text=")
    return directive.removeprefix("text=").split(",")


def test_it_encodes_the_characters_that_are_syntax_in_a_directive():
    assert encode_term("a-b,c&d") == "a%2Db%2Cc%26d"


def test_it_encodes_spaces_and_non_ascii_as_utf8():
    assert encode_term("café 🚀") == "caf%C3%A9%20%F0%9F%9A%80"


def test_it_keeps_unreserved_ascii():
    assert encode_term("Abc_1.2~") == "Abc_1.2~"


@pytest.mark.parametrize("char", list("#?=/:;+!*'()[]@$\"<> "))
def test_it_encodes_url_delimiters(char):
    assert char not in encode_term(f"x{char}y")


def test_it_encodes_a_percent_sign():
    assert encode_term("100%") == "100%25"


def test_it_links_a_passage_with_commas():
    directive = text_directive(
        "storage layer, faster start-up and fewer surprises",
        "a rewritten ",
        " for people who run it",
    )
    assert directive == "text=storage%20layer%2C%20faster%20start%2Dup%20and%20fewer%20surprises"


def test_it_links_a_passage_with_dashes_and_non_ascii():
    directive = text_directive("café owners — co-op", "and that ", " would never")
    terms = _terms(directive)
    assert terms[1] == "caf%C3%A9%20owners%20%E2%80%94%20co%2Dop"
    assert unquote(terms[1]) == "café owners — co-op"


def test_it_adds_context_to_a_short_quote():
    directive = text_directive("the audit", "council said that ", " rule was vague, the")
    assert directive == "text=council%20said%20that-,the%20audit,-rule%20was%20vague%2C"


def test_it_drops_a_context_word_the_stored_context_may_have_cut():
    # The 32 characters of prefix begin inside "Supercalifragilisticexpialidocious".
    text = "Supercalifragilisticexpialidocious is odd storage layer, faster start-up for you."
    start = text.index("storage layer")
    selectors = describe(text, start, start + len("storage layer"))
    assert len(selectors.prefix) == 32
    terms = _terms(text_directive(selectors.exact, selectors.prefix, selectors.suffix))
    assert terms[0] == "is%20odd-"
    assert terms[-1] == "-%2C%20faster%20start%2Dup"


def test_it_keeps_the_whole_context_at_the_edge_of_the_text():
    assert _terms(text_directive("world", "Hello ", ""))[0] == "Hello-"


def test_it_does_not_take_context_across_a_paragraph_break():
    terms = _terms(text_directive("New rule", "the end of it.\n", "\nNext part here"))
    assert terms == ["New%20rule"]


def test_it_widens_a_selection_that_cuts_words():
    terms = _terms(text_directive("orage lay", "a rewritten st", "er, faster for"))
    assert "storage%20layer" in terms


def test_it_uses_start_and_end_for_a_long_passage():
    words = [f"word{i}" for i in range(30)]
    directive = text_directive(" ".join(words))
    assert directive == "text=word0%20word1%20word2%20word3,word26%20word27%20word28%20word29"


def test_it_uses_the_first_and_last_paragraph_for_a_passage_across_blocks():
    exact = "First paragraph ends here.\nMiddle one.\nLast one, it ends – here."
    terms = _terms(text_directive(exact))
    assert terms == [
        "First%20paragraph%20ends%20here.",
        "it%20ends%20%E2%80%93%20here.",
    ]


def test_it_collapses_whitespace():
    assert text_directive("two \t  spaced\u00a0words") == "text=two%20spaced%20words"


def test_it_links_nothing_for_a_passage_without_words():
    assert text_directive(" — ") == ""
    assert fragment_url("https://ex.com/a#top", " — ") == "https://ex.com/a"


def test_it_replaces_the_urls_own_fragment():
    url = fragment_url("https://ex.com/a?b=1#top", "Hello world")
    assert url == "https://ex.com/a?b=1#:~:text=Hello%20world"


@given(st.text(min_size=1, max_size=200), st.text(max_size=40), st.text(max_size=40))
def test_it_always_gives_a_parsable_directive(exact, prefix, suffix):
    directive = text_directive(exact, prefix, suffix)
    if not directive:
        return
    terms = _terms(directive)
    assert 1 <= len(terms) <= 4
    for term in terms:
        core = term.removesuffix("-").removeprefix("-")
        assert core, directive
        # Nothing but unreserved characters and escapes: no raw "-", ",", "&" or spaces.
        assert all(c.isascii() and (c.isalnum() or c in "%_.~") for c in core), directive
        assert unquote(core).strip() == unquote(core)
