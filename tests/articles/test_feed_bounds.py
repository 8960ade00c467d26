"""Reading a feed is bounded by its size, whatever it holds (issue 13).

A feed is parsed in the web request that adds it and in the worker that refreshes it, and
feedparser reads it in Python. articles.feeds cuts it to its first MAX_ENTRIES items and
FEED_MAX_WORK units of work (counted by libxml2 in C) before feedparser sees it, repairs
the common errors, and gives feedparser's tolerant parser at most LOOSE_MAX_BYTES of
malformed XML. Every input here is of the maximum fetch size (5 MB); each must finish in
CPU_BOUND seconds of the reference machine's CPU (tests/cpu.py: a complexity guard; the
worst of them takes about 0.4 s there, and took up to 21 s before).
"""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from django.conf import settings
from django.urls import reverse
from lxml import etree

from articles import feeds
from articles.feeds import (
    FEED_MAX_ATTRIBUTES,
    FEED_MAX_NAMESPACES,
    FEED_MAX_WORK,
    LOOSE_MAX_BYTES,
    MAX_ENTRIES,
    FeedError,
    ParsedFeed,
    parse_feed,
)
from articles.models import Source
from articles.tasks import claim_feed, refresh_feed, subscribe
from tests.cpu import cpu_bounded, within_cpu
from tests.feedsite import paragraphs, site_fixture  # noqa: F401

CPU_BOUND = 1.0
MAX = settings.FETCH_MAX_BYTES
URL = "https://e.test/feed"
RSS = b"<?xml version='1.0'?><rss version='2.0'><channel><title>x</title>"
RSS_END = b"</channel></rss>"
ATOM = b"<?xml version='1.0'?><feed xmlns='http://www.w3.org/2005/Atom'><title>x</title>"


def fill(unit: bytes, room: int = MAX - 300) -> bytes:
    return unit * (room // len(unit))


def numbered(template: bytes, room: int = MAX - 300) -> bytes:
    """`template` % i for i = 0, 1, … up to `room` bytes (unique attribute names)."""
    out = bytearray()
    i = 0
    while len(out) < room:
        out += template % i
        i += 1
    return bytes(out)


def first_item_then_filler(first: bytes, filler: bytes = b"<item><title>u</title></item>"):
    return RSS + first + fill(filler, MAX - len(RSS) - len(first) - 100) + RSS_END


def json_feed(**item: object) -> bytes:
    item = {"id": "1", "url": "https://e.test/1", **item}
    return json.dumps({"version": "https://jsonfeed.org/version/1.1", "items": [item]}).encode()


def bounded(content: bytes, **kwargs) -> ParsedFeed | FeedError:
    def parse(_attempt: int) -> ParsedFeed | FeedError:
        try:
            return parse_feed(content, url=URL, **kwargs)
        except FeedError as exc:
            return exc

    return within_cpu(CPU_BOUND, parse)


MALFORMED_ITEM = (
    b"<item><title>T &bogus; x</title><link>https://ex.com/a</link>"
    b"<description>d<b>x</description></item>\n"
)

# The probes (CPU before this bound, measured on the same machine), then the shapes
# of XML fuzzed by hand: nesting, CDATA, comments, processing instructions, namespaces, one
# huge text node, many tiny items.
BOMBS: dict[str, Callable[[], bytes]] = {
    "many malformed items (11.4 s)": lambda: RSS + fill(MALFORMED_ITEM),
    "one giant malformed item (8.1 s)": lambda: (
        RSS + b"<item><title>t</title><description>" + fill(b"<b>x &bogus; ") + b"</description>"
    ),
    "unclosed items (11.2 s)": lambda: RSS + fill(b"<item><title>t &x; </title><link>/a</link>\n"),
    "attribute soup (2.4 s)": lambda: RSS + b"<item " + fill(b"a='1' ") + b">",
    "entity soup (1.6 s)": lambda: ATOM + b"<entry><title>" + fill(b"&amp;&bogus;"),
    "deep nesting (21 s)": lambda: RSS + b"<item><description>" + fill(b"<div>"),
    "attribute soup, well-formed": lambda: (
        RSS + b"<item" + numbered(b" a%d='1'") + b"><title>t</title></item>" + RSS_END
    ),
    "XHTML element soup": lambda: (
        ATOM
        + b"<entry><title>t</title><content type='xhtml'><div xmlns='http://www.w3.org/1999/xhtml'>"
        + fill(b"<b>x</b>")
        + b"</div></content></entry></feed>"
    ),
    "HTML tag soup in CDATA": lambda: (
        RSS + b"<item><title>t</title><description><![CDATA[" + fill(b"<a href='x'>y</a>")
    ),
    "escaped HTML soup": lambda: RSS + b"<item><description>" + fill(b"&lt;b&gt;x&lt;/b&gt;"),
    "&nbsp; soup": lambda: RSS + b"<item><title>t</title><description>" + fill(b"&nbsp;"),
    "nested CDATA": lambda: RSS + b"<item><description>" + fill(b"<![CDATA[<![CDATA[]]>"),
    "unterminated CDATA": lambda: (
        RSS + b"<item><title>t</title><description>" + fill(b"<![CDATA[x")
    ),
    "comments": lambda: RSS + b"<item><title>t</title>" + fill(b"<!--c-->") + b"</item>" + RSS_END,
    "unterminated comments": lambda: RSS + b"<item><title>t</title>" + fill(b"<!--c"),
    "processing instructions": lambda: (
        RSS + b"<item><title>t</title>" + fill(b"<?p x?>") + b"</item>" + RSS_END
    ),
    "namespaced elements": lambda: (
        RSS + b"<item><title>t</title>" + fill(b"<a:b xmlns:a='u'/>") + b"</item>" + RSS_END
    ),
    "namespace declarations": lambda: RSS + b"<item><x" + numbered(b" xmlns:n%d='u'") + b"/>",
    "one huge text node": lambda: (
        RSS + b"<item><title>" + fill(b"x") + b"</title></item>" + RSS_END
    ),
    "deep nesting, well-formed": lambda: (
        RSS + b"<item><description>" + fill(b"<d>" * 200 + b"</d>" * 200) + b"</description>"
    ),
    "many tiny items": lambda: RSS + fill(b"<item/>") + RSS_END,
    "many tiny unclosed items": lambda: RSS + fill(b"<item>"),
    "stray < soup": lambda: RSS + b"<item><title>t</title><description>" + fill(b"< a"),
    "item tags inside CDATA": lambda: (
        RSS + b"<item><title>t</title><description><![CDATA[" + fill(b"<item>") + b"]]>"
    ),
    "JSON Feed: a title of entities": lambda: json_feed(title="&amp;" * (MAX // 5 - 100)),
    "JSON Feed: a title of tags": lambda: json_feed(title="<div>" * (MAX // 5 - 100)),
    "JSON Feed: a million paragraphs": lambda: json_feed(content_text="a\n\n" * (MAX // 5 - 40)),
    "JSON Feed: 260,000 authors": lambda: json_feed(authors=[{"name": "&amp;"}] * (MAX // 19)),
}


@pytest.mark.parametrize("make", BOMBS.values(), ids=BOMBS.keys())
def test_any_feed_of_the_maximum_size_is_read_or_refused_in_well_under_a_second(make):
    content = make()
    assert len(content) > 0.99 * MAX
    result = bounded(content)
    if isinstance(result, FeedError):
        assert str(result).endswith(".")
    else:
        assert len(result.entries) <= MAX_ENTRIES


def _units(piece: bytes) -> float:
    """The units of work one `piece` costs in an item's text or markup."""
    item = etree.fromstring(b"<item>" + piece * 1000 + b"</item>")
    return (feeds._work(item).units - 1) / 1000


# The costliest things an item can hold, each repeated up to just under the budget in the
# first item, then the rest of the 5 MB in items left out: the worst a feed that is read
# can cost.
AT_BUDGET = {
    "elements": b"<x>y</x>",
    "attributes": b"<x" + b"".join(b" a%d='1'" % i for i in range(FEED_MAX_ATTRIBUTES)) + b"/>",
    "comments": b"<!--c-->",
    "HTML tags": b"<![CDATA[<b>x</b>]]>",
    "HTML links": b"<![CDATA[<a href='x'>y</a>]]>",
    "references in text": b"&amp;",
    "escaped tags in a title": b"&lt;b&gt;",
}


@pytest.mark.parametrize("piece", AT_BUDGET.values(), ids=AT_BUDGET.keys())
def test_a_feed_just_under_the_budget_takes_well_under_a_second(piece):
    count = int((FEED_MAX_WORK - 200) / _units(piece))
    wrapper = (b"<title>", b"</title>") if b"&" in piece else (b"<description>", b"</description>")
    first = b"<item><link>https://e.test/1</link>" + wrapper[0] + piece * count + wrapper[1]
    result = bounded(first_item_then_filler(first + b"</item>"))
    assert isinstance(result, ParsedFeed), result
    assert result.entries[0].link == "https://e.test/1"


def test_malformed_xml_at_the_loose_parsers_limit_takes_well_under_a_second():
    # Deep nesting is feedparser's tolerant parser's slowest input per byte.
    item = b"<item><title>t</title><description>" + b"<div>" * 2000 + b"</description></item>"
    result = bounded(RSS + fill(item))
    assert isinstance(result, ParsedFeed)
    assert 0 < len(result.entries) <= LOOSE_MAX_BYTES // len(item)


# --- What stays readable ---------------------------------------------------------------


def _article(i: int) -> str:
    paras = paragraphs(900, seed=f"story {i}")
    links = "".join(f"<li><a href='/s/{i}/{n}'>Link {n}</a></li>" for n in range(10))
    return "".join(f"<p>{p} <em>note</em></p>" for p in paras) + f"<ul>{links}</ul>"


def test_a_full_content_rss_feed_of_fifty_long_stories_is_read_whole():
    items = "".join(
        f"<item><title>Story {i}</title><link>https://e.test/{i}</link>"
        f"<guid isPermaLink='true'>https://e.test/{i}</guid><category>a</category>"
        f"<content:encoded><![CDATA[{_article(i)}]]></content:encoded></item>"
        for i in range(MAX_ENTRIES)
    )
    body = (
        "<?xml version='1.0'?><rss version='2.0' "
        "xmlns:content='http://purl.org/rss/1.0/modules/content/'><channel><title>T</title>"
        f"{items}</channel></rss>"
    ).encode()
    feed = bounded(body)
    assert isinstance(feed, ParsedFeed)
    assert [e.title for e in feed.entries] == [f"Story {i}" for i in range(MAX_ENTRIES)]
    assert "<em>note</em>" in feed.entries[-1].content_html


def test_a_full_content_atom_feed_in_xhtml_is_read_whole():
    entries = "".join(
        f"<entry><title>Story {i}</title><link href='https://e.test/{i}'/><id>urn:e:{i}</id>"
        f"<updated>2026-03-01T00:00:00Z</updated><content type='xhtml'>"
        f"<div xmlns='http://www.w3.org/1999/xhtml'>{_article(i)}</div></content></entry>"
        for i in range(MAX_ENTRIES)
    )
    body = (ATOM.decode() + entries + "</feed>").encode()
    feed = bounded(body)
    assert isinstance(feed, ParsedFeed)
    assert len(feed.entries) == MAX_ENTRIES


@pytest.mark.parametrize("size", [LOOSE_MAX_BYTES // 2, LOOSE_MAX_BYTES * 4])
def test_an_undefined_entity_and_a_stray_ampersand_read_the_same_small_or_large(size):
    # Small, feedparser's tolerant parser reads it as it always did; large, the two errors
    # are repaired before libxml2 and feedparser's XML parser read it: the same stories.
    long = "Words words words. " * (size // (MAX_ENTRIES * 19))
    items = "".join(
        f"<item><title>Q & A&nbsp;{i} &amp; more</title><link>https://e.test/{i}</link>"
        f"<description>{long}&copy; Ann &amp; B&nbsp;C</description></item>"
        for i in range(MAX_ENTRIES)
    )
    feed = bounded((RSS.decode() + items + "</channel></rss>").encode())
    assert isinstance(feed, ParsedFeed)
    assert [e.title for e in feed.entries] == [f"Q & A {i} & more" for i in range(MAX_ENTRIES)]
    assert [e.link for e in feed.entries] == [f"https://e.test/{i}" for i in range(MAX_ENTRIES)]
    assert all(e.content_html.endswith("© Ann & B\xa0C") for e in feed.entries)


def test_a_large_feed_with_other_errors_is_read_up_to_the_item_that_fits():
    item = b"<item><title>Story %d</title><description>" + b"x" * 3000 + b"<b></description></item>"
    body = RSS + b"".join(item % i for i in range(MAX_ENTRIES)) + RSS_END
    feed = bounded(body)
    assert isinstance(feed, ParsedFeed)
    fits = LOOSE_MAX_BYTES // len(item % 10)
    assert [e.title for e in feed.entries] == [f"Story {i}" for i in range(len(feed.entries))]
    assert fits - 2 <= len(feed.entries) <= fits


def test_items_past_the_budget_are_left_out_and_the_first_are_read():
    heavy = (
        b"<item><title>Story %d</title><description>"
        + b"<x>y</x>" * 2000
        + b"</description></item>"
    )
    body = RSS + b"".join(heavy % i for i in range(20)) + RSS_END
    feed = bounded(body)
    assert isinstance(feed, ParsedFeed)
    assert [e.title for e in feed.entries] == [f"Story {i}" for i in range(7)]


def test_only_the_first_items_reach_a_parser():
    # The bytes from the 51st item on are cut first: what follows them does not matter.
    items = b"".join(b"<item><title>%d</title><link>/%d</link></item>" % (i, i) for i in range(60))
    feed = bounded(RSS + items + fill(b"<div>", MAX // 2))
    assert isinstance(feed, ParsedFeed)
    assert [e.title for e in feed.entries] == [str(i) for i in range(MAX_ENTRIES)]


def test_a_cut_feed_keeps_its_doctype():
    items = b"".join(
        b"<item><title>%d &sign;</title><link>/%d</link></item>" % (i, i) for i in range(60)
    )
    body = (
        b"<?xml version='1.0'?><!DOCTYPE rss PUBLIC '-//Netscape Communications//DTD RSS 0.91//EN'"
        b" 'http://my.netscape.com/publish/formats/rss-0.91.dtd' [<!ENTITY sign '&#8224;'>]>"
        b"<rss version='0.91'><channel><title>Old</title>" + items + RSS_END
    )
    feed = bounded(body)
    assert isinstance(feed, ParsedFeed)
    assert feed.kind == "rss091n"
    assert [e.title for e in feed.entries] == [f"{i} \u2020" for i in range(MAX_ENTRIES)]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            RSS
            + b"<item><description>"
            + b"<x/>" * (FEED_MAX_WORK + 1)
            + b"</description></item>"
            + RSS_END,
            "This feed is too complex to read: its first item alone is 15,00",
        ),
        (
            RSS + b"<title>" + b"<x/>" * (FEED_MAX_WORK + 1) + b"</title><item/>" + RSS_END,
            "too complex to read: its channel (outside the items) alone",
        ),
        (
            RSS + b"<item" + b"".join(b" a%d='1'" % i for i in range(101)) + b"/>" + RSS_END,
            f"an element has 101 attributes; at most {FEED_MAX_ATTRIBUTES}.",
        ),
        (
            RSS + b"<item" + b"".join(b" xmlns:a%d='u'" % i for i in range(1001)) + b"/>" + RSS_END,
            f"it declares 1,001 XML namespaces; at most {FEED_MAX_NAMESPACES:,}.",
        ),
        (
            RSS + b"<item><title>t</title><description>" + b"<p>x" * 20_000,
            "The feed's XML is malformed (",
        ),
    ],
    ids=["first item", "channel", "attributes", "namespaces", "malformed first item"],
)
def test_it_says_why_a_feed_is_too_complex(body, message):
    with pytest.raises(FeedError) as raised:
        parse_feed(body, url=URL)
    assert message in str(raised.value)


# --- In the web request and in the worker (both databases) ------------------------------


@pytest.mark.django_db
def test_adding_a_feed_bomb_on_the_sources_page_is_refused_quickly(signed_in, site):
    site.server.route(
        "/bomb.xml", BOMBS["XHTML element soup"](), headers={"Content-Type": "application/atom+xml"}
    )
    with cpu_bounded(CPU_BOUND + 0.5):  # the request's own work as well
        response = signed_in.post(reverse("source_add"), {"url": site.url("/bomb.xml")})
    assert response.status_code == 400
    assert "This feed is too complex to read" in response.content.decode()
    assert Source.objects.count() == 0


@pytest.mark.django_db
def test_a_feed_that_became_a_bomb_is_a_quick_error_in_the_worker(site):
    site.article("/a", "A story", words=150)
    source = subscribe(site.rss("/feed.xml", [site.item("/a", "A story")]), None).source
    site.server.route(
        "/feed.xml", BOMBS["deep nesting (21 s)"](), headers={"Content-Type": "application/rss+xml"}
    )
    assert claim_feed(source.pk)
    with cpu_bounded(CPU_BOUND + 0.5):
        refresh_feed.call(source.pk)
    source.refresh_from_db()
    assert source.error_count == 1
    assert source.last_error.startswith("The feed's XML is malformed (")
