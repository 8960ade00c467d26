"""Extraction: a web page (or plain text) in, metadata and body blocks out.

HTML goes through trafilatura once (`bare_extraction` gives body and metadata from one
parse); its XML body is turned into our block list. Plain text has its own parser in
`clean.parse_plain_text`.
"""

from __future__ import annotations

import copy
import html
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime

import trafilatura
from lxml import etree
from trafilatura.htmlprocessing import convert_to_html

from .blocks import BLOCK_TAGS, Block


class ExtractionError(Exception):
    """The input is not something we can turn into a story; the message is for the user."""


@dataclass
class Extracted:
    title: str
    blocks: list[Block]
    dek: str = ""
    byline: str = ""
    site_name: str = ""
    published: datetime | None = None
    language: str = ""
    url: str | None = None
    image: str = ""
    extra: dict[str, str] = field(default_factory=dict)


_WS = re.compile(r"\s+")
_HEADING = re.compile(r"h[1-6]")
# A meta description that was cut short by the publisher's CMS is not a dek.
_TRUNCATED = re.compile(r"(\[\s*(…|\.\.\.)\s*\]|…|\.\.\.)\s*$")


def collapse(text: str) -> str:
    return _WS.sub(" ", text).strip()


def _to_block(element: etree._Element) -> Block | None:
    tag = str(element.tag)
    if _HEADING.fullmatch(tag):
        level = min(max(int(tag[1]), 2), 4)
        element.tag = f"h{level}"
        tag = element.tag
    if tag == "img":
        figure = etree.Element("figure")
        figure.append(copy.deepcopy(element))
        figure[0].tail = None
        element = figure
        tag = "figure"
    elif tag not in BLOCK_TAGS:
        element.tag = "p"
        tag = "p"
    element.tail = None
    text = collapse("".join(element.itertext()))
    if not text and not element.xpath(".//img"):
        return None
    markup = etree.tostring(element, encoding="unicode", method="html")
    return Block(tag=tag, html=markup, text=text)


def _fix_structure(root: etree._Element) -> None:
    """trafilatura's XML→HTML conversion maps every <code> to <pre> and every list to
    <ul>; restore inline code and ordered lists from what the XML kept."""
    for element in list(root.iter("pre")):
        parent = element.getparent()
        inline_parents = {"p", "li", "td", "th", "a", "b", "i", "em", "strong", "figcaption"}
        # <pre><code> comes out as <pre><pre>: the inner one is the code element.
        if parent is not None and (
            parent.tag in inline_parents or any(a.tag == "pre" for a in element.iterancestors())
        ):
            element.tag = "code"
    for element in root.iter("ul"):
        if element.get("rend") == "ol":
            element.tag = "ol"


def _normalize_whitespace(root: etree._Element) -> None:
    """Collapse source-code indentation inside text so the stored text reads as prose;
    <pre> keeps its whitespace."""
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        in_pre = element.tag == "pre" or any(a.tag == "pre" for a in element.iterancestors())
        if element.text and not in_pre:
            element.text = _WS.sub(" ", element.text)
        parent = element.getparent()
        parent_in_pre = parent is not None and (
            parent.tag == "pre" or any(a.tag == "pre" for a in parent.iterancestors())
        )
        if element.tail and not parent_in_pre:
            element.tail = _WS.sub(" ", element.tail)


def _strip_block_edges(element: etree._Element) -> None:
    if element.tag == "pre":
        return
    if element.text:
        element.text = element.text.lstrip()
    last = element[-1] if len(element) else None
    if last is not None:
        if last.tail:
            last.tail = last.tail.rstrip()
    elif element.text:
        element.text = element.text.rstrip()


def blocks_from_trafilatura_body(body: etree._Element) -> list[Block]:
    tree = copy.deepcopy(body)
    # Remember ordered lists before the attribute wipe in convert_to_html.
    for element in tree.iter("list"):
        if element.get("rend") in {"ol", "1"}:
            element.set("data-ordered", "1")
    ordered = [e for e in tree.iter("list") if e.get("data-ordered")]
    converted = convert_to_html(tree)
    for element in ordered:
        element.tag = "ol"
    _fix_structure(converted)
    html_body = converted[0]
    _normalize_whitespace(html_body)
    for child in html_body:
        if isinstance(child.tag, str):
            _strip_block_edges(child)
            for item in child.iter("li", "td", "th", "figcaption", "blockquote"):
                _strip_block_edges(item)
    blocks: list[Block] = []
    if html_body.text and html_body.text.strip():
        text = collapse(html_body.text)
        blocks.append(Block("p", f"<p>{html.escape(text)}</p>", text))
    for child in list(html_body):
        tail = child.tail
        block = _to_block(child)
        if block is not None:
            blocks.append(block)
        if tail and tail.strip():
            text = collapse(tail)
            blocks.append(Block("p", f"<p>{html.escape(text)}</p>", text))
    return blocks


def _parse_date(value: str | None) -> datetime | None:
    if not value:
        return None
    for fmt in ("%Y-%m-%d", "%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%dT%H:%M:%S"):
        try:
            parsed = datetime.strptime(value[:25], fmt)
        except ValueError:
            continue
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return None


def _clean_title(title: str, site_name: str) -> str:
    """Drop a trailing " | Site" / " - Site" the page's <title> carries."""
    title = collapse(title)
    if site_name:
        for sep in (" | ", " - ", " — ", " – ", " :: ", " · "):
            suffix = f"{sep}{site_name}"
            if title.lower().endswith(suffix.lower()) and len(title) > len(suffix) + 5:
                return title[: -len(suffix)].strip()
    return title


def _dek_from_description(description: str, blocks: list[Block]) -> str:
    description = collapse(description)
    if not description or _TRUNCATED.search(description) or len(description) > 400:
        return ""
    first_text = " ".join(b.text for b in blocks[:2])
    # A description copied from the first paragraph would be shown twice.
    if description[:60].lower() in first_text.lower():
        return ""
    return description


_HTML_LANG = re.compile(r"<html\b[^>]*?\slang=[\"']?([A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})?)", re.I)


def _page_language(page: str) -> str:
    match = _HTML_LANG.search(page[:5000])
    return match.group(1).lower() if match else ""


def extract_html(page: str, url: str | None = None) -> Extracted:
    """Extract a story from a full web page."""
    if not page.strip():
        raise ExtractionError("The file is empty.")
    document = trafilatura.bare_extraction(
        page,
        url=url,
        output_format="python",
        include_formatting=True,
        include_links=True,
        include_images=True,
        include_tables=True,
        include_comments=False,
        with_metadata=True,
    )
    if document is None or isinstance(document, dict) or document.body is None:
        raise ExtractionError("No article text could be found in this page.")
    blocks = blocks_from_trafilatura_body(document.body)
    if not blocks:
        raise ExtractionError("No article text could be found in this page.")
    site_name = collapse(document.sitename or "")
    title = _clean_title(document.title or "", site_name)
    if not title:
        title = next((b.text for b in blocks if b.is_heading), "") or blocks[0].text[:120]
    return Extracted(
        title=title,
        blocks=blocks,
        dek=_dek_from_description(document.description or "", blocks),
        byline=collapse(document.author or "")[:300],
        site_name=site_name[:200],
        published=_parse_date(document.date),
        language=(document.language or _page_language(page))[:20],
        url=document.url or url,
        image=document.image or "",
    )
