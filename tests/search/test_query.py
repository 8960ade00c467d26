"""search.query: web-search syntax parsed once, spoken to FTS5 and PostgreSQL."""

import re
import sqlite3

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from search.query import HIT_END, HIT_START, MAX_TERMS, Term, mark_hits, parse


def test_it_ands_words():
    query = parse("rust compiler")
    assert query.groups == ((Term("rust"),), (Term("compiler"),))
    assert query.fts5() == '("rust") AND ("compiler")'


def test_it_keeps_phrases_together():
    query = parse('"memory safety" rust')
    assert query.groups == ((Term("memory safety", phrase=True),), (Term("rust"),))
    assert query.fts5() == '("memory safety") AND ("rust")'


def test_it_excludes_words_and_phrases():
    query = parse('rust -unsafe -"garbage collector"')
    assert query.groups == ((Term("rust"),),)
    assert query.excluded == (Term("unsafe"), Term("garbage collector", phrase=True))
    assert query.fts5() == '("rust") NOT "unsafe" NOT "garbage collector"'


def test_or_binds_tighter_than_and_as_in_websearch():
    query = parse("browser chrome or firefox")
    assert query.groups == ((Term("browser"),), (Term("chrome"), Term("firefox")))
    assert query.fts5() == '("browser") AND ("chrome" OR "firefox")'
    assert parse("a OR b or c").groups == ((Term("a"), Term("b"), Term("c")),)


def test_a_stray_or_is_nothing():
    assert parse("or rust or").groups == ((Term("rust"),),)
    # Quoted, "or" is a word like any other.
    assert parse('"or"').groups == ((Term("or"),),)
    assert parse('"or"').websearch() == '"or"'


def test_an_unclosed_quote_runs_to_the_end():
    assert parse('rust "memory safety').groups[-1] == (Term("memory safety", phrase=True),)


def test_a_hyphen_inside_a_word_is_not_an_exclusion():
    query = parse("supply-chain")
    assert query.groups == ((Term("supply-chain"),),)
    assert not query.excluded


def test_punctuation_alone_is_dropped():
    assert parse('-- && "" ?').is_empty
    assert parse("   ").is_empty


def test_exclusions_alone_are_not_a_search():
    query = parse("-rust")
    assert not query.is_searchable
    with pytest.raises(ValueError):
        query.fts5()


def test_it_quotes_every_term_so_nothing_is_an_fts5_operator():
    query = parse('NEAR(a b) title:rust col* ^start "quo""te" AND NOT')
    expression = query.fts5()
    for term in ("NEAR(a", "title:rust", "col*", "^start", "AND", "NOT"):
        assert f'"{term}"' in expression


def test_it_caps_the_number_of_terms():
    query = parse(" ".join(f"word{i}" for i in range(100)))
    assert len(query.groups) == MAX_TERMS


def test_the_websearch_form_round_trips():
    text = 'browser chrome or firefox "memory safety" -unsafe -"c++"'
    query = parse(text)
    assert parse(query.websearch()) == query


def test_words_are_the_positive_ones():
    assert parse('rust "memory safety" or go -unsafe').words() == [
        "rust",
        "memory",
        "safety",
        "go",
    ]


def test_mark_hits_escapes_everything_but_its_own_marks():
    text = f"<script>alert(1)</script> {HIT_START}rust & <b>{HIT_END} done"
    html = str(mark_hits(text))
    assert html == (
        "&lt;script&gt;alert(1)&lt;/script&gt; "
        '<mark class="search-hit">rust &amp; &lt;b&gt;</mark> done'
    )


def test_mark_hits_repairs_unbalanced_marks():
    assert str(mark_hits(f"{HIT_END}a{HIT_START}b{HIT_START}c")) == (
        'a<mark class="search-hit">bc</mark>'
    )


@pytest.fixture(scope="module")
def fts5():
    db = sqlite3.connect(":memory:")
    db.execute("CREATE VIRTUAL TABLE t USING fts5(body, tokenize='porter unicode61')")
    db.execute("INSERT INTO t (body) VALUES ('rust memory safety'), ('go or zig')")
    yield db
    db.close()


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=80))
def test_no_input_makes_an_invalid_fts5_expression(fts5, text):
    query = parse(text)
    if query.is_searchable:
        fts5.execute("SELECT rowid FROM t WHERE t MATCH ?", [query.fts5()]).fetchall()


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(["a", "<", "&", '"', HIT_START, HIT_END, " "])))
def test_mark_hits_is_always_well_formed(text):
    html = str(mark_hits(text))
    assert html.count("<mark") == html.count("</mark>")
    assert re.sub(r"</?mark[^>]*>", "", html).count("<") == 0
