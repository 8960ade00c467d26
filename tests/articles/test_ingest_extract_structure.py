"""Extraction keeps apart what a page shows apart, even when its markup is broken."""

import lxml.html
from lxml import etree

from articles.ingest.extract import (
    _NODE_COUNT,
    _marked_words,
    _PageSpaces,
    blocks_from_trafilatura_body,
)
from articles.ingest.pipeline import build_body, clean_blocks, extract


def test_table_cells_outside_a_table_read_as_their_own_lines():
    # trafilatura kept a product card's spec rows but not the table around them; an HTML
    # parser would drop the cell tags and glue "Costs" to "Packages".
    body = etree.fromstring(
        "<body><list><item><head rend='h3'>Product Specs</head>"
        "<row><cell role='head'>Equipment Costs</cell><cell>Packages from $250</cell></row>"
        "<row><cell role='head'>Contract</cell><cell>None</cell></row></item></list></body>"
    )
    _html, text = build_body(blocks_from_trafilatura_body(body))
    assert "Equipment Costs\nPackages from $250\nContract\nNone" in text


def test_cells_inside_a_table_stay_cells():
    body = etree.fromstring(
        "<body><table><row><cell>1</cell><cell>Kyle Busch</cell></row></table></body>"
    )
    html, text = build_body(blocks_from_trafilatura_body(body))
    assert "<td>1</td>\n<td>Kyle Busch</td>" in html
    assert text == "1\nKyle Busch"


def test_a_space_lost_at_the_edge_of_a_bold_or_italic_run_is_put_back():
    # trafilatura's XML as it came out of two pages: the space after "<strong>full EV
    # car</strong>" and before "<b>just</b>" was gone ("carnever", "atjust"), so a search
    # for "never" or "just" missed the story.
    body = etree.fromstring(
        "<body><p><hi rend='#b'>full EV car</hi>never burns gasoline.</p>"
        "<p>And at<hi rend='#b'>just $12.5/month</hi>, the most affordable.</p>"
        "<p>Truly <hi rend='#i'>un</hi>believable, <hi rend='#b'>T</hi>he drop cap.</p></body>"
    )
    _html, text = build_body(blocks_from_trafilatura_body(body))
    assert text == (
        "full EV car never burns gasoline.\n"
        "And at just $12.5/month, the most affordable.\n"
        # No space where the two pieces make one word.
        "Truly unbelievable, The drop cap."
    )


def test_names_set_apart_by_styling_alone_are_separated_words():
    # A music chart's entry: artist link, album in italics, label in a span; the page
    # shows them on three lines by CSS alone ("The AlchemistMercyBackwoodz").
    body = etree.fromstring(
        "<body><p><ref target='/a'>The Alchemist</ref><hi rend='#i'>Mercy</hi>Backwoodz Studioz</p>"
        "<p>Then the<ref target='/b'>JavaScript</ref> and <hi rend='#b'>Java</hi>Script era.</p>"
        "<p>Buy an<ref target='/c'>iPhone</ref> or an <hi rend='#b'>i</hi>Phone case.</p></body>"
    )
    _html, text = build_body(blocks_from_trafilatura_body(body))
    assert text == (
        "The Alchemist Mercy Backwoodz Studioz\n"
        "Then the JavaScript and JavaScript era.\n"
        "Buy an iPhone or an iPhone case."
    )


def test_every_c0_control_is_dropped_raw_or_as_a_reference_and_nothing_else():
    from articles.ingest.extract import _without_controls

    for code in [*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20)]:
        for written in (chr(code), f"&#{code};", f"&#00{code};", f"&#x{code:x};", f"&#X0{code:X};"):
            assert _without_controls(f"<p>a{written}b</p>") == "<p>ab</p>", written
    kept = "<p>\t\n\r &#9; &#10; &#13; &#32; &#x20; &#127; &#x7f; &amp;#1; & # 1</p>"
    assert _without_controls(kept) == kept


def test_a_furniture_class_on_a_link_in_a_sentence_does_not_cut_the_sentence():
    import lxml.html

    from articles.ingest.extract import _prune_boilerplate

    tree = lxml.html.fromstring(
        "<html><body><article>"
        '<p><a class="external-popup" href="/t">TurboTax</a> is popular.</p>'
        '<p>It is recommended by <span><a class="external-popup" href="/u">US News</a></span>.</p>'
        '<p><b>Compare <a class="cta-link" href="/c">prices</a></b></p>'
        '<div class="bar"><span class="promo-text">Free shipping</span>'
        '<span class="promo-text">Free returns</span></div>'
        '<p><a class="cta-link" href="/o">See an overview</a></p>'
        "</article></body></html>"
    )
    _prune_boilerplate(tree)
    assert [" ".join(p.text_content().split()) for p in tree.iter("p", "div")] == [
        "TurboTax is popular.",
        "It is recommended by US News.",
        "Compare prices",
        "",  # the bar of promo spans
        "",  # a button-like link alone in its paragraph
    ]


def _page(html: str) -> _PageSpaces:
    return _PageSpaces(lxml.html.document_fromstring(html)).read()


def _restored(body: str, page: str) -> str:
    """The stored text of trafilatura's ``body`` with the spaces ``page`` has put back."""
    return build_body(blocks_from_trafilatura_body(etree.fromstring(body), page=_page(page)))[1]


def test_a_space_the_page_has_around_a_link_is_put_back():
    # trafilatura trimmed the space after a link ("bookkeepingreceipts": "bookkeeping" is
    # too rare a word to tell from the words alone); the page has it, so it comes back.
    body = "<body><p><ref target='/x'>aid your bookkeeping</ref>receipts, and so on.</p></body>"
    page = "<p>It will <a href='/x'>aid your bookkeeping</a> receipts, and so on.</p>"
    _html, text = build_body(blocks_from_trafilatura_body(etree.fromstring(body)))
    assert text == "aid your bookkeepingreceipts, and so on."
    assert _restored(body, page) == "aid your bookkeeping receipts, and so on."


def test_a_space_in_an_element_of_its_own_counts_and_a_link_s_text_may_start_in_a_child():
    body = (
        "<body><p>Some got <hi rend='#u'>rich</hi><ref target='/s'><hi rend='#u'>selling "
        "icon packs</hi></ref>.</p></body>"
    )
    page = "<p>Some got <a href='/r'><u>rich</u></a><span> </span><a href='/s'><u>selling icon packs</u></a>.</p>"
    assert _restored(body, page) == "Some got rich selling icon packs."


def test_no_space_is_added_where_the_page_has_none_or_its_copies_disagree():
    body = (
        "<body><p><ref target='/x'>Glorp</ref>zint and <ref target='/y'>Qux</ref>quux.</p></body>"
    )
    for page in (
        "<p><a href='/x'>Glorp</a>zint and <a href='/y'>Qux</a>quux.</p>",
        "<p><a href='/x'>Glorp</a> zint, <a href='/x'>Glorp</a>zint, <a href='/y'>Qux</a> q "
        "<a href='/y'>Qux</a>quux.</p>",
    ):
        _html, text = build_body(
            blocks_from_trafilatura_body(etree.fromstring(body), page=_page(page))
        )
        assert text == "Glorpzint and Quxquux."


def test_the_space_after_a_link_inside_bold_is_put_back_from_the_bold_s_tail():
    # "<strong><a>…</a></strong> with": the page's space is the <strong>'s tail, and
    # trafilatura's run nests the same way (<hi><ref>…</ref></hi>with).
    body = (
        "<body><p><hi rend='#b'><ref target='/m'>new MacBook Pro</ref></hi>with offers. "
        "<hi rend='#b'><ref target='/e'>Expercom</ref></hi>is knocking.</p></body>"
    )
    page = (
        "<p>Orders for the <strong><a href='/m'>new MacBook Pro</a></strong> with offers. "
        "<strong><a href='/e'>Expercom</a></strong> is knocking.</p>"
    )
    assert _restored(body, page) == "new MacBook Pro with offers. Expercom is knocking."


def test_the_space_before_a_link_inside_bold_is_read_through_the_bold():
    page = _page("<p>Orders for the <strong><a href='/m'>Glorpzint</a></strong>, now.</p>")
    assert page.before["Glorpzint"] is True
    assert "Glorpzint" not in page.after  # a comma says nothing of the space before a word
    # Nothing is read past a block's edge: a run ending its block says nothing about
    # the space after its other copies.
    page = _page("<div><p><a href='/m'>Glorpzint</a></p> tail</div>")
    assert "Glorpzint" not in page.after
    page = _page(
        "<ul><li>See <a href='#p'>pactree</a></li></ul><p>Tools such as <a href='#p'>pactree"
        "</a> and more.</p>"
    )
    assert page.after["pactree"] is True


def test_a_copy_before_punctuation_says_nothing_about_the_space_before_a_word():
    page = _page(
        "<p>Built by <i>pacman</i>, not by hand; <i>pacman</i>. Then <i>pacman</i> runs.</p>"
    )
    assert page.after["pacman"] is True
    page = _page("<p>Built by <i>pacman</i>, not by hand; <i>pacman</i>runs.</p>")
    assert page.after["pacman"] is False


def test_spaces_around_code_teletype_and_superscript_runs_come_back_where_the_page_has_them():
    # trafilatura's #t rendition (tt, kbd, samp, var) comes out as <var>, code as <code>.
    body = (
        "<body><p><hi rend='#t'>€70</hi>to <hi rend='#t'>€100</hi>per week. Enable "
        "<hi rend='#b'>crate feature<code>rt</code></hi>only. <hi rend='#sup'>3</hi>tougher "
        "glass.</p></body>"
    )
    page = (
        "<p><tt>€70</tt> to <tt>€100</tt> per week. Enable <strong>crate feature <code>rt"
        "</code></strong> only. <sup>3</sup> tougher glass.</p>"
    )
    assert (
        _restored(body, page)
        == "€70 to €100 per week. Enable crate feature rt only. 3 tougher glass."
    )
    # A footnote mark the page sets right after its word stays there.
    body = "<body><p>As shown<hi rend='#sup'>12</hi>, glass.</p></body>"
    page = "<p>As shown<sup>12</sup>, glass.</p>"
    assert _restored(body, page) == "As shown12, glass."


def test_lines_a_code_highlighter_writes_as_divs_stay_lines():
    code = (
        "<pre><code><div class='line'><span>cargo</span> <span>install</span> <span>--locked"
        "</span></div><div class='line'><span>cargo</span> <span>create-app</span></div>"
        "</code></pre>"
    )
    assert "cargo install --locked\ncargo create-app" in _stored_text(_story(code, *_INTRO))


def _stored_text(page: str) -> str:
    return build_body(clean_blocks(extract(page, "html", None)))[1]


_INTRO = [
    f"<p>Paragraph {i} of the story, with enough words in it to be read as article text.</p>"
    for i in range(3)
]


def _story(*extra: str) -> str:
    return f"<html><body><article><h1>Title</h1>{''.join(_INTRO)}{''.join(extra)}</article></body></html>"


def test_words_trafilatura_runs_together_across_a_line_break_of_the_page_are_split():
    # A product tile: trafilatura trims each nested block of a list item and joins them.
    tiles = "".join(
        f"<li><a href='/k{i}'>Sandpiper {i}</a><div>Length: <div>13 feet</div></div>"
        f"<div>Weight Capacity: <div>390 lbs.</div></div><div>$97{i}.73</div><div>Save 25%"
        "</div></li>"
        for i in range(3)
    )
    text = _stored_text(_story(f"<ul>{tiles}</ul>"))
    assert "Sandpiper 0 Length:13 feet Weight Capacity:390 lbs.$970.73 Save 25%" in text
    assert "feetWeight" not in text and "73Save" not in text


def test_a_word_the_page_writes_itself_is_not_split():
    # "feetWeight" written so in the page (here in a caption) is the page's own word.
    tiles = "".join(
        f"<li><a href='/k{i}'>Sandpiper {i}</a><div>Length: <div>13 feet</div></div>"
        "<div>Weight Capacity: <div>390 lbs.</div></div></li>"
        for i in range(3)
    )
    text = _stored_text(_story(f"<ul>{tiles}</ul>", "<p>The field is called feetWeight.</p>"))
    assert "13 feetWeight Capacity" in text


def test_separate_items_and_cells_stay_on_lines_of_their_own():
    rows = "".join(f"<tr><td>{i}</td><td>Kyle Busch</td><td>50{i}</td></tr>" for i in range(1, 4))
    items = "".join(f"<li>{i}</li><li>Martin Truex</li>" for i in range(1, 4))
    text = _stored_text(_story(f"<table>{rows}</table>", f"<ul>{items}</ul>"))
    assert "1\nKyle Busch\n501" in text
    assert "1\nMartin Truex\n2\nMartin Truex" in text


def test_a_grid_of_many_tiles_is_split_too():
    # Over 64 words showing a join, the page's words are read once rather than searched
    # for one by one; the outcome is the same.
    tiles = "".join(
        f"<li><a href='/k{i}'>Tile {i}</a><div>Length: <div>{i} feet</div></div>"
        f"<div>Weight{i} Capacity</div></li>"
        for i in range(80)
    )
    text = _stored_text(_story(f"<ul>{tiles}</ul>"))
    assert "Tile 79 Length:79 feet Weight79 Capacity" in text
    assert "Tile 0 Length:0 feet Weight0 Capacity" in text


def test_words_showing_a_join_are_found_inside_punctuation_and_only_there():
    text = "13 feetWeight, (73Save) Tile 0Length\nHello world abc1 NASA iPhone x2y done."
    assert _marked_words(text) == {"feetWeight", "73Save", "0Length", "abc1", "iPhone", "x2y"}
    assert _marked_words("Plain words, Capitalised Ones and NASA only.") == set()


def test_the_element_cap_counts_what_iterating_the_page_visits():
    # Comments count, as tree.iter() yields them.
    tree = lxml.html.document_fromstring(
        "<html><body><!-- a --><p>One</p><div><span>x</span><!-- b --></div></body></html>"
    )
    assert int(_NODE_COUNT(tree)) == sum(1 for _ in tree.iter())
