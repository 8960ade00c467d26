"""articles.feeds: parsing every feed format, discovery, OPML."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from articles.feeds import (
    MAX_ENTRIES,
    FeedError,
    OpmlFeed,
    discover_feeds,
    export_opml,
    find_feed,
    parse_feed,
    parse_opml,
)
from articles.ingest.fetch import HTTPStatusError
from tests.feedsite import article_page, paragraphs, site_fixture  # noqa: F401

BASE = "https://news.example/feed"

RSS_091 = b"""<?xml version="1.0"?>
<!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN" "http://my.netscape.com/publish/formats/rss-0.91.dtd">
<rss version="0.91"><channel><title>Old School</title><link>https://old.example/</link>
<description>d</description><language>en</language>
<item><title>First &amp; only</title><link>https://old.example/1</link><description>An item.</description></item>
</channel></rss>"""

RSS_092 = b"""<?xml version="1.0"?><rss version="0.92"><channel><title>Ninety-two</title>
<link>https://ninety.example/</link><description>d</description>
<item><description>Item without a title, only text.</description></item>
</channel></rss>"""

RSS_10 = b"""<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"
  xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel rdf:about="https://rdf.example/"><title>RDF Site</title><link>https://rdf.example/</link>
<description>d</description></channel>
<item rdf:about="https://rdf.example/a"><title>RDF item</title><link>https://rdf.example/a</link>
<description>Hello &lt;b&gt;world&lt;/b&gt;</description><dc:date>2026-03-04T05:06:07Z</dc:date>
<dc:creator>Ada</dc:creator></item>
</rdf:RDF>"""

RSS_20 = b"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">
<channel><title>Two Point Oh</title><link>https://two.example/</link><description>d</description>
<item><title>Full content</title><link>/posts/full?utm_source=rss</link>
<guid>https://two.example/?p=42</guid>
<description>Short summary.</description>
<content:encoded><![CDATA[<p>The <em>whole</em> article text.</p><p>Second paragraph.</p>]]></content:encoded>
<pubDate>Tue, 03 Mar 2026 10:00:00 GMT</pubDate><author>grace@two.example (Grace)</author>
</item></channel></rss>"""

ATOM = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:base="https://atom.example/">
<title type="html">Atom &amp;amp; Eve</title><link rel="alternate" href="https://atom.example/"/>
<id>urn:uuid:1</id><updated>2026-03-01T00:00:00Z</updated>
<entry><title>Atom entry</title><link rel="alternate" href="entries/1"/><id>urn:uuid:e1</id>
<updated>2026-03-02T00:00:00Z</updated><published>2026-03-01T12:00:00+01:00</published>
<author><name>Linus</name></author>
<summary>Short.</summary><content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><p>Long <b>content</b> here.</p></div></content>
</entry></feed>"""

JSON_FEED = json.dumps(
    {
        "version": "https://jsonfeed.org/version/1.1",
        "title": "JSON Site",
        "home_page_url": "https://json.example/",
        "items": [
            {
                "id": "1",
                "url": "https://json.example/1",
                "title": "JSON item",
                "content_html": "<p>Hi</p>",
                "date_published": "2026-03-05T08:00:00Z",
                "authors": [{"name": "Margaret"}],
            },
            {"id": "2", "content_text": "Para one.\n\nPara <two>."},
            "not an item",
        ],
    }
).encode()


def test_it_reads_rss_091():
    feed = parse_feed(RSS_091, url=BASE)
    assert feed.kind == "rss091n"
    assert feed.title == "Old School"
    [entry] = feed.entries
    assert entry.title == "First & only"
    assert entry.link == "https://old.example/1"
    assert entry.guid == "https://old.example/1"


def test_it_reads_rss_092_items_without_titles():
    feed = parse_feed(RSS_092, url=BASE)
    assert feed.kind == "rss092"
    [entry] = feed.entries
    assert entry.title == ""
    assert "only text" in entry.content_html
    assert entry.guid.startswith("content:")


def test_it_reads_rss_10():
    feed = parse_feed(RSS_10, url=BASE)
    assert feed.kind == "rss10"
    [entry] = feed.entries
    assert entry.link == "https://rdf.example/a"
    assert entry.author == "Ada"
    assert entry.published == datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC)
    assert entry.content_html == "Hello <b>world</b>"


def test_it_reads_rss_20_and_prefers_the_full_content():
    feed = parse_feed(RSS_20, url="https://two.example/feed.xml")
    assert feed.kind == "rss20"
    assert feed.site_url == "https://two.example/"
    [entry] = feed.entries
    assert entry.link == "https://two.example/posts/full?utm_source=rss"
    assert entry.guid == "https://two.example/?p=42"
    assert "<em>whole</em>" in entry.content_html
    assert entry.published == datetime(2026, 3, 3, 10, 0, tzinfo=UTC)


def test_it_reads_atom():
    feed = parse_feed(ATOM, url="https://atom.example/feed")
    assert feed.kind == "atom10"
    assert feed.title == "Atom & Eve"
    [entry] = feed.entries
    assert entry.link == "https://atom.example/entries/1"
    assert entry.author == "Linus"
    assert "<b>content</b>" in entry.content_html
    assert entry.published == datetime(2026, 3, 1, 11, 0, tzinfo=UTC)


def test_it_reads_json_feed():
    feed = parse_feed(JSON_FEED, url=BASE, content_type="application/feed+json")
    assert feed.kind == "json1.1"
    assert feed.title == "JSON Site"
    first, second = feed.entries
    assert first.author == "Margaret"
    assert first.published == datetime(2026, 3, 5, 8, 0, tzinfo=UTC)
    assert second.link == ""
    assert second.content_html == "<p>Para one.</p>\n<p>Para &lt;two&gt;.</p>"


def test_it_reads_a_feed_with_a_recoverable_error():
    broken = RSS_20.replace(b"</channel></rss>", b"")
    assert len(parse_feed(broken, url=BASE).entries) == 1


def test_it_keeps_only_the_newest_entries():
    items = "".join(
        f"<item><title>{i}</title><link>https://x.example/{i}</link></item>" for i in range(80)
    )
    body = f"<rss version='2.0'><channel><title>Big</title>{items}</channel></rss>".encode()
    feed = parse_feed(body, url=BASE)
    assert len(feed.entries) == MAX_ENTRIES
    assert feed.entries[0].title == "0"


def test_it_drops_implausible_dates():
    body = RSS_20.replace(b"Tue, 03 Mar 2026", b"Sat, 03 Mar 2125")
    assert parse_feed(body, url=BASE).entries[0].published is None


def test_it_changes_an_entrys_hash_only_when_the_entry_changes():
    [one] = parse_feed(RSS_20, url=BASE).entries
    [same] = parse_feed(RSS_20, url=BASE).entries
    [edited] = parse_feed(RSS_20.replace(b"Second paragraph", b"2nd paragraph"), url=BASE).entries
    assert one.entry_hash == same.entry_hash
    assert one.entry_hash != edited.entry_hash
    assert one.guid_hash == edited.guid_hash


@pytest.mark.parametrize(
    ("body", "content_type", "message"),
    [
        (b"", "", "The feed is empty."),
        (b"  \n ", "application/rss+xml", "The feed is empty."),
        (
            b"\x00\x01\x02\x03binary",
            "application/octet-stream",
            "This is a binary file, not a feed.",
        ),
        (b"<?xml version='1.0'?><note><to>x</to></note>", "text/xml", "This is not a feed"),
        (b"<?xml version='1.0'?><rss version='2.0'><channel><title>x</ti", "", "malformed"),
        (
            b"<!doctype html><html><body><p>Hi</p></body></html>",
            "text/html",
            "web page, not a feed",
        ),
        (b'{"version": "1", "items": []}', "application/json", "not a JSON Feed"),
        (b"{not json", "application/json", "not valid"),
        (b'{"version": "https://jsonfeed.org/version/1"}', "", "no list of items"),
        (b"just some words", "text/plain", "This is not a feed"),
    ],
)
def test_it_explains_what_is_not_a_feed(body, content_type, message):
    with pytest.raises(FeedError, match=message):
        parse_feed(body, url=BASE, content_type=content_type)


@given(st.binary(max_size=2000))
def test_it_never_crashes_on_arbitrary_bytes(body):
    try:
        parse_feed(body, url=BASE)
    except FeedError as exc:
        assert str(exc)


# --- Discovery ---


def test_it_discovers_feeds_a_page_names():
    page = """<html><head><base href="/blog/">
      <link rel="stylesheet" href="/style.css">
      <link rel="alternate" type="application/rss+xml" title="Posts" href="feed.xml">
      <link rel="alternate" type="application/atom+xml" title="Comments" href="/comments.atom">
      <link rel="alternate" type="application/rss+xml" href="feed.xml">
      <link rel="alternate" type="text/html" hreflang="fr" href="/fr/">
      <link rel="alternate" type="application/feed+json" href="https://other.example/f.json">
      <link rel="alternate" type="application/rss+xml" href="javascript:alert(1)">
    </head><body></body></html>"""
    assert discover_feeds(page, "https://site.example/post/1") == [
        "https://site.example/blog/feed.xml",
        "https://other.example/f.json",
    ]


def test_it_discovers_nothing_in_a_page_without_feeds():
    assert discover_feeds("<html><head><title>x</title></head></html>", "https://a.example/") == []
    assert discover_feeds("", "https://a.example/") == []


def test_it_finds_a_feed_from_a_sites_address(site):
    feed_url = site.rss("/feeds/all.xml", [site.item("/a", "A")], title="Site Feed")
    page = article_page(
        "Home", paragraphs(30), feed_links=[("application/rss+xml", "/feeds/all.xml")]
    )
    site.server.route("/", page, headers={"Content-Type": "text/html"})
    found = find_feed(site.url("/"))
    assert found.url == feed_url
    assert found.parsed.title == "Site Feed"
    assert site.server.requests_to("/")[0].headers["accept"].startswith("application/rss+xml")


def test_it_says_when_a_site_names_no_feed(site):
    site.article("/", "Home", words=30)
    with pytest.raises(FeedError, match="does not name a feed"):
        find_feed(site.url("/"))


def test_it_says_when_the_named_feed_is_broken(site):
    page = article_page("Home", paragraphs(30), feed_links=[("application/rss+xml", "/gone.xml")])
    site.server.route("/", page, headers={"Content-Type": "text/html"})
    with pytest.raises(FeedError, match=r"names a feed, but .*gone\.xml: The server answered 404"):
        find_feed(site.url("/"))


def test_it_passes_fetch_errors_through(site):
    with pytest.raises(HTTPStatusError):
        find_feed(site.url("/nothing"))


# --- OPML ---


def test_it_round_trips_opml():
    feeds = [
        OpmlFeed("Ars & Co <Tech>", "https://a.example/feed?x=1&y=2", "https://a.example/"),
        OpmlFeed("Ünïcode Blog", "https://b.example/rss", ""),
    ]
    exported = export_opml(feeds)
    assert exported.startswith(b"<?xml version='1.0' encoding='UTF-8'?>")
    assert parse_opml(exported) == feeds


def test_it_reads_nested_opml_from_other_readers():
    opml = b"""<?xml version="1.0"?><opml version="1.0"><head><title>x</title></head><body>
      <outline text="Tech" title="Tech">
        <outline type="rss" text="One" xmlurl="https://one.example/feed" htmlurl="https://one.example/"/>
        <outline text="Deeper"><outline type="rss" title="Two" xmlUrl="https://two.example/feed"/></outline>
      </outline>
      <outline type="rss" text="Dupe" xmlUrl="https://one.example/feed"/>
      <outline type="rss" text="Local file" xmlUrl="file:///etc/passwd"/>
    </body></opml>"""
    listed = parse_opml(opml)
    assert listed[:2] == [
        OpmlFeed("One", "https://one.example/feed", "https://one.example/"),
        OpmlFeed("Two", "https://two.example/feed", ""),
    ]
    assert listed[2] == "Local file: not an http(s) URL (file:///etc/passwd)"
    assert len(listed) == 3


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"", "empty"),
        (b"<opml><body><outline", "not valid XML"),
        (b"<rss version='2.0'><channel/></rss>", "not an OPML file"),
        (b"<opml version='2.0'><body><outline text='Folder'/></body></opml>", "lists no feeds"),
    ],
)
def test_it_explains_bad_opml(body, message):
    with pytest.raises(FeedError, match=message):
        parse_opml(body)


def test_it_expands_no_entities_in_opml(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    xxe = f"""<?xml version="1.0"?>
    <!DOCTYPE opml [<!ENTITY xxe SYSTEM "file://{secret}">
      <!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>
    <opml version="2.0"><body>
      <outline text="&xxe;&b;" xmlUrl="https://x.example/feed"/>
    </body></opml>""".encode()
    try:
        listed = parse_opml(xxe)
    except FeedError:
        return  # refusing the file is fine too
    [feed] = listed
    assert isinstance(feed, OpmlFeed)
    assert "TOP-SECRET" not in feed.title
    assert "aaaaaaaaaa" not in feed.title
