"""Feeds: parse RSS 0.9x/1.0/2.0, Atom and JSON Feed; find a site's feed; OPML in and out.

Nothing here touches the database (articles.tasks stores); the network is reached only
through articles.ingest.fetch, in `find_feed`. Every failure is a FeedError (or the
fetcher's FetchError) whose message is for the user.
"""

from __future__ import annotations

import calendar
import contextlib
import hashlib
import html
import html.entities
import io
import json
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from itertools import islice
from typing import Any
from urllib.parse import urljoin, urlsplit
from xml.sax import SAXException

import feedparser
import lxml.html
from lxml import etree

from .ingest.fetch import FetchError, FetchResult, fetch
from .ingest.urls import is_web_url

__all__ = [
    "FEED_ACCEPT",
    "MAX_ENTRIES",
    "FeedError",
    "FoundFeed",
    "OpmlFeed",
    "ParsedEntry",
    "ParsedFeed",
    "discover_feeds",
    "export_opml",
    "find_feed",
    "looks_like_html",
    "parse_feed",
    "parse_opml",
]

FEED_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/feed+json, application/rdf+xml;q=0.9, "
    "application/xml;q=0.9, text/xml;q=0.9, application/json;q=0.8, text/html;q=0.7, */*;q=0.5"
)
# The newest items a fetch looks at; a feed that dumps its whole archive should not cost a
# thousand page fetches.
MAX_ENTRIES = 50

_FEED_TYPES = frozenset(
    {
        "application/rss+xml",
        "application/atom+xml",
        "application/rdf+xml",
        "application/feed+json",
        "application/json",
        "application/x-rss+xml",
        "application/x-atom+xml",
    }
)
_JSON_TYPES = frozenset({"application/json", "application/feed+json"})
_JSON_FEED_VERSION = re.compile(r"^https?://jsonfeed\.org/version/")
_XML_FEED_START = re.compile(
    rb"^(\xef\xbb\xbf)?\s*(<\?xml[^>]*>\s*)?(<!--.*?-->\s*)*<(rss|feed|rdf:RDF)\b", re.I | re.S
)
_HTML_START = re.compile(rb"^\s*(<!--.*?-->\s*)*<(!doctype\s+html|html|head|body)\b", re.I | re.S)


class FeedError(Exception):
    """Not a feed we can read; ``str()`` says why, for the user."""


@dataclass(frozen=True)
class ParsedEntry:
    guid: str
    link: str  # absolute http(s) URL or ""
    title: str
    content_html: str  # the feed's own text for the item (HTML), "" if none
    author: str
    published: datetime | None

    @property
    def guid_hash(self) -> str:
        return hashlib.sha256(self.guid.encode()).hexdigest()

    @property
    def entry_hash(self) -> str:
        """Changes when the item does: its page is then fetched again."""
        digest = hashlib.sha256()
        for part in (self.link, self.title, self.content_html, self.author):
            digest.update(part.encode())
            digest.update(b"\0")
        digest.update((self.published.isoformat() if self.published else "").encode())
        return digest.hexdigest()


@dataclass(frozen=True)
class ParsedFeed:
    kind: str  # "rss20", "atom10", "json1", ... (feedparser's names)
    title: str
    site_url: str
    entries: list[ParsedEntry]
    # How often the feed asks to be fetched, in minutes (RSS <ttl>, sy:updatePeriod and
    # sy:updateFrequency), as written; None when it does not say.
    update_minutes: int | None = None


# --- Parsing -----------------------------------------------------------------------------


def looks_like_html(content: bytes, content_type: str = "") -> bool:
    head = content[:4096]
    # Some servers label their feed text/html; what the body starts with decides.
    if _XML_FEED_START.match(head):
        return False
    return content_type in {"text/html", "application/xhtml+xml"} or bool(_HTML_START.match(head))


def parse_feed(content: bytes, *, url: str, content_type: str = "") -> ParsedFeed:
    """Parse a fetched feed body; raise FeedError when it is not a readable feed."""
    if not content.strip():
        raise FeedError("The feed is empty.")
    if b"\x00" in content[:4096] and not content.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise FeedError("This is a binary file, not a feed.")
    stripped = content.lstrip(b"\xef\xbb\xbf \t\r\n")
    if stripped.startswith((b"{", b"[")) or content_type in _JSON_TYPES:
        return _parse_json_feed(content, url)
    return _parse_xml_feed(content, url, content_type)


# --- Bounds: what feedparser is given -----------------------------------------------------
#
# feedparser reads XML in Python, about 30 µs of CPU per element or attribute on real
# feeds, a third of that per HTML tag in an item's text (it parses it to resolve relative
# links), 2-4 µs per "&", "<" or ">" in text (one callback each); its tolerant parser
# for malformed XML takes up to 3.5 µs per byte (deep nesting). A fetched feed is up to
# FETCH_MAX_BYTES (5 MB); whatever it holds, feedparser is given at most:
# - MAX_ENTRIES items: the bytes from the (MAX_ENTRIES + 1)-th item or entry start tag on
#   are cut before any parser sees them (libxml2 closes what the cut leaves open);
# - FEED_MAX_WORK units of work, counted by libxml2 (in C) on the parsed tree: an element,
#   attribute, comment or processing instruction is one, a tag in text a third, a "&",
#   "<" or ">" in text an eighth. Items past the budget are left out (the first ones, the
#   newest, are read); a feed whose channel or first item alone is over it is refused, as
#   is one with an element of more than FEED_MAX_ATTRIBUTES attributes or more than
#   FEED_MAX_NAMESPACES namespace declarations;
# - malformed XML: repaired when its errors are the two common ones (a stray "&", HTML's
#   named entities such as &nbsp;), then bounded as above; otherwise feedparser's tolerant
#   parser reads at most LOOSE_MAX_BYTES of it, cut before an item, and a first item
#   larger than that is refused.
# A real 50-item full-content feed is 4,000-7,000 units; the worst input of the maximum
# size takes under half a second (README "CPU and input bounds",
# tests/articles/test_feed_bounds.py).

FEED_MAX_WORK = 15_000
# Real feeds declare a handful (RSS modules: content, dc, media, …).
FEED_MAX_NAMESPACES = 1_000
# feedparser's time per attribute grows with their number on one element (1,000 on one
# cost 12 µs each, 100 cost 5); real elements carry a few (an <img> a dozen).
FEED_MAX_ATTRIBUTES = 100
LOOSE_MAX_BYTES = 64 * 1024
# A stray "&" is escaped only in a feed with at most this many (the regex costs 0.3 µs each).
_MAX_REPAIRED_AMPERSANDS = 100_000

_ENTRY_START = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(?:item|entry)[\s/>]", re.I)
_STRAY_AMPERSAND = re.compile(rb"&(?!#?\w+;)")
_XML_DECLARATION = re.compile(rb"^(\xef\xbb\xbf)?\s*<\?xml[^>]*\?>")
# HTML's named character references (HTML 4's, which feeds use and feedparser knows),
# declared for libxml2 as the characters they stand for; XML's own five are predefined.
_HTML_ENTITIES = b"<!DOCTYPE feed [%s]>" % b"".join(
    b'<!ENTITY %s "&#%d;">' % (name.encode(), codepoint)
    for name, codepoint in sorted(html.entities.name2codepoint.items())
    if name not in ("amp", "lt", "gt", "quot", "apos")
)


def _feed_xml_parser(*, recover: bool = False, html_entities: bool = False) -> etree.XMLParser:
    # As for OPML: no DTD, no network, no expansion of the document's own entities. The
    # only entities resolved are HTML's, when this module declared them itself.
    return etree.XMLParser(
        resolve_entities="internal" if html_entities else False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        recover=recover,
    )


def _bounded_xml(content: bytes) -> bytes:
    """The feed as feedparser should read it: at most MAX_ENTRIES items and FEED_MAX_WORK
    units of work, or at most LOOSE_MAX_BYTES when it is malformed (see above)."""
    starts = [m.start() for m in islice(_ENTRY_START.finditer(content), MAX_ENTRIES + 1)]
    cut = content[: starts[MAX_ENTRIES]] if len(starts) > MAX_ENTRIES else content
    try:
        root = _parse_xml(cut, unfinished=cut is not content)
    except etree.XMLSyntaxError as exc:
        return _malformed(cut, starts, exc)
    if _within_budget(root, cut) and cut is content:
        return content  # read as fetched, as before
    # With its DOCTYPE: the entities it declares, and the version RSS 0.91 gives in it.
    return etree.tostring(root.getroottree(), xml_declaration=True, encoding="utf-8")


def _parse_xml(content: bytes, *, unfinished: bool, html_entities: bool = False) -> etree._Element:
    """Parse strictly (XMLSyntaxError); with `unfinished`, a document whose only errors
    are elements left open at its end (where it was cut) has them closed by libxml2."""
    try:
        return etree.fromstring(content, _feed_xml_parser(html_entities=html_entities))
    except etree.XMLSyntaxError as exc:
        # libxml2 stops at the first error: this one, at the very end, is the only one.
        if not unfinished or exc.code != etree.ErrorTypes.ERR_TAG_NOT_FINISHED:
            raise
    parser = _feed_xml_parser(recover=True, html_entities=html_entities)
    return etree.fromstring(content, parser)


def _malformed(cut: bytes, starts: list[int], error: etree.XMLSyntaxError) -> bytes:
    if len(cut) <= LOOSE_MAX_BYTES:
        return cut  # feedparser's tolerance, as for any malformed feed
    repaired = _repaired(cut)
    if repaired is not None:
        with contextlib.suppress(etree.XMLSyntaxError):
            root = _parse_xml(repaired, unfinished=True, html_entities=True)
            _within_budget(root, repaired)
            return etree.tostring(root, xml_declaration=True, encoding="utf-8")
    # Still malformed: the items that fit in LOOSE_MAX_BYTES, for feedparser's tolerance.
    fitting = [start for start in starts[1:] if start <= LOOSE_MAX_BYTES]
    if not fitting:
        raise FeedError(
            f"The feed's XML is malformed ({error.msg}), and its first item is too large "
            f"to read around the errors: {len(cut) // 1024:,} KB; at most "
            f"{LOOSE_MAX_BYTES // 1024} KB of malformed XML is read."
        )
    return cut[: fitting[-1]]


def _repaired(content: bytes) -> bytes | None:
    """The two errors feeds commonly make, repaired in C: a stray "&" ("Q&A") and HTML's
    named entities (&nbsp;). None when the feed's bytes do not allow it."""
    head = content[:4096]
    if b"\x00" in head[:64] or re.search(rb"<!DOCTYPE", head, re.I):
        return None  # UTF-16, or a DOCTYPE of its own: no place for HTML's entities
    if content.count(b"&") > _MAX_REPAIRED_AMPERSANDS:
        return None
    content = _STRAY_AMPERSAND.sub(b"&amp;", content)
    declaration = _XML_DECLARATION.match(content)
    at = declaration.end() if declaration else 0
    return content[:at] + _HTML_ENTITIES + content[at:]


@dataclass(frozen=True)
class _Work:
    """What feedparser would do in Python for an element and all it holds."""

    nodes: int  # elements, attributes, comments and processing instructions
    tags: int  # "<" in its text: HTML tags feedparser's link resolver parses
    references: int  # "&", "<" and ">" in its text: one callback each

    @property
    def units(self) -> int:
        return self.nodes + self.tags // 3 + self.references // 8

    def minus(self, parts: Iterable[_Work]) -> _Work:
        parts = list(parts)
        return _Work(
            self.nodes - sum(part.nodes for part in parts),
            self.tags - sum(part.tags for part in parts),
            self.references - sum(part.references for part in parts),
        )


def _work(element: etree._Element) -> _Work:
    nodes = element.xpath(
        "count(descendant-or-self::node()) - count(descendant::text())"
        " + count(descendant-or-self::*/@*)"
    )
    text = element.xpath("string()")
    tags = text.count("<")
    return _Work(int(nodes), tags, tags + text.count(">") + text.count("&"))


def _within_budget(root: etree._Element, content: bytes) -> bool:
    """Leave out the items past FEED_MAX_WORK; True when none was (FeedError when the
    channel or the first item alone is over it)."""
    namespaces = content.count(b"xmlns")
    if namespaces > FEED_MAX_NAMESPACES:
        raise FeedError(
            f"This feed is too complex to read: it declares {namespaces:,} XML namespaces; "
            f"at most {FEED_MAX_NAMESPACES:,}."
        )
    crowded = root.xpath(f"(//*[count(@*) > {FEED_MAX_ATTRIBUTES}])[1]")
    if crowded:
        raise FeedError(
            f"This feed is too complex to read: an element has {len(crowded[0].attrib):,} "
            f"attributes; at most {FEED_MAX_ATTRIBUTES}."
        )
    total = _work(root)
    if total.units <= FEED_MAX_WORK:
        return True
    entries = list(root.iter("{*}item", "{*}entry"))
    costs = [_work(entry) for entry in entries]
    channel = total.minus(costs)
    if channel.units > FEED_MAX_WORK:
        raise FeedError(_too_complex("its channel (outside the items)", channel))
    spent = channel.units
    for count, cost in enumerate(costs):
        spent += cost.units
        if spent > FEED_MAX_WORK:
            if count == 0:
                raise FeedError(_too_complex("its first item", cost))
            for extra in entries[count:]:
                parent = extra.getparent()
                if parent is not None:
                    parent.remove(extra)
            return False
    return True


def _too_complex(what: str, work: _Work) -> str:
    return (
        f"This feed is too complex to read: {what} alone is {work.units:,} units of work "
        f"({work.nodes:,} XML elements and attributes, {work.tags:,} HTML tags and "
        f"{work.references:,} character references in its text); at most {FEED_MAX_WORK:,} "
        "(an element or attribute is one, an HTML tag a third, a reference an eighth)."
    )


def _parse_xml_feed(content: bytes, url: str, content_type: str) -> ParsedFeed:
    content = _bounded_xml(content)
    parsed = feedparser.parse(
        io.BytesIO(content),
        response_headers={"content-location": url, "content-type": content_type or "text/xml"},
        sanitize_html=False,  # the pipeline's sanitizer is the one that counts
    )
    version = parsed.get("version") or ""
    error = parsed.get("bozo_exception") if parsed.get("bozo") else None
    if looks_like_html(content, content_type) and not parsed.entries:
        raise FeedError("This is a web page, not a feed.")
    if not content.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
        raise FeedError("This is not a feed (RSS, Atom or JSON Feed).")
    if not parsed.entries and isinstance(error, SAXException):
        # A feed with no items is fine (a new blog); one cut off before its items is not.
        raise FeedError(f"The feed's XML is malformed ({_xml_error(error)}).")
    if not version:
        raise FeedError("This is not a feed (RSS, Atom or JSON Feed).")
    feed = parsed.feed
    entries = [
        _xml_entry(entry, url) for entry in parsed.entries[:MAX_ENTRIES] if isinstance(entry, dict)
    ]
    return ParsedFeed(
        kind=version,
        title=_text(feed.get("title", "")) or _host(url),
        site_url=_absolute(feed.get("link", ""), url),
        entries=[e for e in entries if e is not None],
        update_minutes=update_hint(feed),
    )


# sy:updatePeriod's values (RSS 1.0 Syndication module), in minutes.
_SY_PERIODS = {"hourly": 60, "daily": 1440, "weekly": 10080, "monthly": 43200, "yearly": 525600}


def _positive_int(value: object) -> int | None:
    try:
        number = int(str(value).strip())
    except ValueError:
        return None
    return number if number > 0 else None


def update_hint(feed: dict[str, Any]) -> int | None:
    """The interval a feed's channel asks for, in minutes, or None.

    <ttl> is how long a copy may be cached; sy:updatePeriod / sy:updateFrequency is how
    often the feed changes ("hourly", 2 = every 30 minutes). Both say "not more often
    than this", so when a feed gives both the longer one wins. Values that are not
    numbers or periods are ignored, as readers do.
    """
    hints = []
    if (ttl := _positive_int(feed.get("ttl", ""))) is not None:
        hints.append(ttl)
    period = _SY_PERIODS.get(str(feed.get("sy_updateperiod", "")).strip().lower())
    frequency = feed.get("sy_updatefrequency")
    if period is not None:
        # The module's default frequency is once per period.
        times = _positive_int(frequency) if frequency is not None else 1
        if times is not None:
            hints.append(max(1, period // times))
    elif frequency is not None and (times := _positive_int(frequency)) is not None:
        hints.append(max(1, _SY_PERIODS["daily"] // times))  # the module's default period
    return max(hints) if hints else None


def _xml_error(error: Any) -> str:
    message = str(getattr(error, "getMessage", lambda: error)())
    line = getattr(error, "getLineNumber", lambda: None)()
    return f"line {line}: {message}" if line else message


def _xml_entry(entry: dict[str, Any], feed_url: str) -> ParsedEntry | None:
    link = _absolute(entry.get("link", ""), feed_url)
    title = _text(entry.get("title", ""))
    content_html = _entry_html(entry)
    if not (link or title or content_html):
        return None
    guid = str(entry.get("id") or link or "")
    if not guid:
        guid = "content:" + hashlib.sha256(f"{title}\0{content_html}".encode()).hexdigest()
    when = (
        entry.get("published_parsed") or entry.get("updated_parsed") or entry.get("created_parsed")
    )
    return ParsedEntry(
        guid=guid[:2000],
        link=link,
        title=title[:500],
        content_html=content_html,
        author=_text(entry.get("author", ""))[:300],
        published=_from_struct(when),
    )


def _entry_html(entry: dict[str, Any]) -> str:
    """The fullest text the feed gives for an item, as HTML."""
    candidates: list[dict[str, Any]] = list(entry.get("content") or [])
    if entry.get("summary_detail"):
        candidates.append(entry["summary_detail"])
    elif entry.get("summary"):
        candidates.append({"type": "text/html", "value": entry["summary"]})
    best = ""
    for candidate in candidates:
        value = str(candidate.get("value") or "")
        if candidate.get("type") == "text/plain":
            value = _plain_to_html(value)
        if len(value) > len(best):
            best = value
    return best.strip()


# The escape \u0000 (after an even number of backslashes, which are escaped backslashes).
_JSON_NUL = re.compile(r"(?<!\\)((?:\\\\)*)\\u0000", re.I)


def _parse_json_feed(content: bytes, url: str) -> ParsedFeed:
    try:
        # "\u0000" is valid JSON, but PostgreSQL's text cannot hold NUL and no feed means one.
        data = json.loads(_JSON_NUL.sub(r"\1", content.decode("utf-8-sig")))
    except (UnicodeDecodeError, ValueError) as exc:
        raise FeedError(f"This looks like JSON but is not valid ({exc}).") from None
    except RecursionError:
        raise FeedError("This JSON is nested too deeply to be a feed.") from None
    if not isinstance(data, dict) or not _JSON_FEED_VERSION.match(str(data.get("version", ""))):
        raise FeedError("This is JSON, but not a JSON Feed.")
    items = data.get("items")
    if not isinstance(items, list):
        raise FeedError("This JSON Feed has no list of items.")
    entries = []
    for item in items[:MAX_ENTRIES]:
        if not isinstance(item, dict):
            continue
        link = _absolute(str(item.get("url") or item.get("external_url") or ""), url)
        title = _text(str(item.get("title") or ""))
        content_html = str(item.get("content_html") or "")
        if not content_html and item.get("content_text"):
            content_html = _plain_to_html(str(item["content_text"]))
        if not content_html and item.get("summary"):
            content_html = _plain_to_html(str(item["summary"]))
        if not (link or title or content_html):
            continue
        authors = item.get("authors") or ([item["author"]] if item.get("author") else [])
        author = ", ".join(
            str(a.get("name"))
            for a in (authors[:100] if isinstance(authors, list) else [])
            if isinstance(a, dict) and a.get("name")
        )
        guid = str(item.get("id") or link) or (
            "content:" + hashlib.sha256(f"{title}\0{content_html}".encode()).hexdigest()
        )
        entries.append(
            ParsedEntry(
                guid=guid[:2000],
                link=link,
                title=title[:500],
                content_html=content_html.strip(),
                author=_text(author)[:300],
                published=_from_iso(item.get("date_published") or item.get("date_modified")),
            )
        )
    version = str(data["version"]).rstrip("/").rsplit("/", 1)[-1]
    return ParsedFeed(
        kind=f"json{version}",
        title=_text(str(data.get("title") or "")) or _host(url),
        site_url=_absolute(str(data.get("home_page_url") or ""), url),
        entries=entries,
    )


# A title, a name: what is kept of one is shorter still (500 characters).
_TEXT_MAX_CHARS = 10_000


def _text(value: str) -> str:
    """Feed titles are sometimes HTML-escaped twice or carry tags; readers want text."""
    value = html.unescape(str(value)[:_TEXT_MAX_CHARS])
    if "<" in value:
        with contextlib.suppress(etree.ParserError, ValueError):
            value = lxml.html.fragment_fromstring(value, create_parent="div").text_content()
    return " ".join(value.split())


def _plain_to_html(text: str) -> str:
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()]
    return "\n".join(f"<p>{html.escape(' '.join(p.split()))}</p>" for p in paragraphs)


def _absolute(link: str, base: str) -> str:
    link = (link or "").strip()
    if not link:
        return ""
    absolute = urljoin(base, link)
    return absolute if is_web_url(absolute) else ""


def _host(url: str) -> str:
    return urlsplit(url).hostname or url


def _from_struct(value: time.struct_time | None) -> datetime | None:
    if not value:
        return None
    try:
        when = datetime.fromtimestamp(calendar.timegm(value), tz=UTC)
    except (OverflowError, ValueError, OSError):
        return None
    return _plausible(when)


def _from_iso(value: object) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return _plausible(when if when.tzinfo else when.replace(tzinfo=UTC))


def _plausible(when: datetime) -> datetime | None:
    # A date far in the future would pin the story to the top of the front page forever.
    if when > datetime.now(UTC) + timedelta(days=1) or when.year < 1990:
        return None
    return when


# --- Discovery ---------------------------------------------------------------------------

_ALTERNATE_TYPES = (
    "application/rss+xml",
    "application/atom+xml",
    "application/feed+json",
    "application/json",
    "application/rdf+xml",
    "application/x-rss+xml",
    "application/x-atom+xml",
)


def discover_feeds(page: str, base_url: str) -> list[str]:
    """Feed URLs a page announces with <link rel="alternate" type="…">, in page order."""
    try:
        document = lxml.html.document_fromstring(page)
    except (etree.ParserError, ValueError):
        return []
    base = document.xpath("string(//head/base/@href)") or base_url
    base = urljoin(base_url, base)
    found: list[str] = []
    for link in document.xpath("//link[@href]"):
        rel = {r.lower() for r in (link.get("rel") or "").split()}
        kind = (link.get("type") or "").split(";")[0].strip().lower()
        if "alternate" not in rel or kind not in _ALTERNATE_TYPES:
            continue
        # A comments feed is not the site's feed.
        if "comments" in (link.get("title") or "").lower() and found:
            continue
        url = _absolute(link.get("href") or "", base)
        if url and url not in found:
            found.append(url)
    return found


def is_feed_type(content_type: str) -> bool:
    return content_type in _FEED_TYPES or content_type in {"application/xml", "text/xml"}


@dataclass(frozen=True)
class FoundFeed:
    url: str  # the feed's address (the one given, or the one its page names)
    fetched: FetchResult
    parsed: ParsedFeed


# A site may name several feeds (posts, comments, a category); the first ones are the site's.
MAX_CANDIDATES = 3


def find_feed(url: str) -> FoundFeed:
    """The feed at `url`, or the feed the page at `url` names (FetchError, FeedError)."""
    result = fetch(url, accept=FEED_ACCEPT)
    if not looks_like_html(result.content, result.content_type):
        return FoundFeed(url, result, _parse_fetched(result))
    candidates = discover_feeds(result.text, result.final_url)
    if not candidates:
        raise FeedError(
            'This web page does not name a feed (no <link rel="alternate"> to RSS, Atom or '
            "JSON Feed). Try the address of the feed itself."
        )
    problems = []
    for candidate in candidates[:MAX_CANDIDATES]:
        try:
            fetched = fetch(candidate, accept=FEED_ACCEPT)
            return FoundFeed(candidate, fetched, _parse_fetched(fetched))
        except (FetchError, FeedError) as exc:
            problems.append(f"{candidate}: {exc}")
    raise FeedError("The page names a feed, but it could not be read: " + "; ".join(problems))


def _parse_fetched(result: FetchResult) -> ParsedFeed:
    return parse_feed(result.content, url=result.final_url, content_type=result.content_type)


# --- OPML --------------------------------------------------------------------------------


@dataclass(frozen=True)
class OpmlFeed:
    title: str
    xml_url: str
    html_url: str


def _safe_xml_parser() -> etree.XMLParser:
    # No entity expansion, no DTD, no network: an OPML file cannot read local files
    # (XXE) or expand into gigabytes (billion laughs).
    return etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, recover=False
    )


def parse_opml(content: bytes) -> list[OpmlFeed | str]:
    """Feeds listed in an OPML file, in order; an outline that cannot be used is a str
    explaining why (so an import can report it and go on with the others)."""
    if not content.strip():
        raise FeedError("The OPML file is empty.")
    try:
        root = etree.fromstring(content, _safe_xml_parser())
    except etree.XMLSyntaxError as exc:
        raise FeedError(f"The OPML file is not valid XML ({exc.msg}).") from None
    if not isinstance(root.tag, str) or etree.QName(root).localname.lower() != "opml":
        raise FeedError("This is not an OPML file (its root element is not <opml>).")
    found: list[OpmlFeed | str] = []
    seen: set[str] = set()
    for outline in root.iter("outline"):
        attrs = {k.lower(): (v or "").strip() for k, v in outline.attrib.items()}
        xml_url = attrs.get("xmlurl", "")
        if not xml_url:
            continue  # a folder
        title = " ".join((attrs.get("title") or attrs.get("text") or "").split())
        if not is_web_url(xml_url):
            found.append(f"{title or xml_url}: not an http(s) URL ({xml_url[:200]})")
            continue
        if xml_url in seen:
            continue
        seen.add(xml_url)
        html_url = attrs.get("htmlurl", "")
        html_url = html_url if is_web_url(html_url) else ""
        found.append(OpmlFeed(title=title[:200], xml_url=xml_url, html_url=html_url))
    if not found:
        raise FeedError("The OPML file lists no feeds.")
    return found


def export_opml(feeds: Iterable[OpmlFeed], *, title: str = "Newsreader feeds") -> bytes:
    root = etree.Element("opml", version="2.0")
    head = etree.SubElement(root, "head")
    etree.SubElement(head, "title").text = title
    etree.SubElement(head, "dateCreated").text = format_datetime(datetime.now(UTC))
    body = etree.SubElement(root, "body")
    for feed in feeds:
        attrs = {"type": "rss", "text": feed.title, "title": feed.title, "xmlUrl": feed.xml_url}
        if feed.html_url:
            attrs["htmlUrl"] = feed.html_url
        etree.SubElement(body, "outline", attrs)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
