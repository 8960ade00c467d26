"""Extraction keeps apart what a page shows apart, even when its markup is broken."""

from lxml import etree

from articles.ingest.extract import blocks_from_trafilatura_body
from articles.ingest.pipeline import build_body


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
