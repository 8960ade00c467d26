"""One pipeline behind the CLI, the forms, the feeds and the worker:
extract → clean → sanitize → store a StoryRevision (→ re-anchor, via `revision_added`).

Who a story belongs to depends on where its text came from (articles.models.Story):

* Text the server fetched itself makes or revises a *shared* story, everyone's:
  `ingest_url` (Add → From the web, `manage.py ingest URL`), `ingest_feed_entry` (the feed
  worker), and the operator's own files (`ingest_file`: `manage.py ingest FILE`,
  `load_samples`).
* Text a reader supplies makes or revises *that reader's own copy* and nothing else:
  `ingest_document(..., owner=reader)` is the one entry point for it (a paste, an upload,
  a page their browser saved, a file they import). Whatever URL the text names (the form's
  field, a `rel=canonical` in pasted HTML, tracking parameters or not), a shared story or
  another reader's copy under that URL is never touched. The reader's copies are
  deduplicated among themselves only: the same text again adds nothing, a changed text
  under the same URL adds a revision to their copy.
"""

from __future__ import annotations

import gzip
import html
import io
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urljoin, urlsplit

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from newsreader.sanitizer import html_to_text, sanitize_article_html

from ..models import Source, Story, StoryQuerySet, StoryRevision
from ..signals import revision_added
from .blocks import Block
from .boilerplate import remove_boilerplate
from .extract import Extracted, ExtractionError, collapse, extract_html
from .fetch import FetchError, decode_body, fetch
from .glued_words import split_glued_words
from .plaintext import parse_plain_text
from .urls import canonicalize, is_web_url, same_site

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser

Origin = StoryRevision.Origin

_WORD = re.compile(r"\w+")
HTML_SUFFIXES = (".html", ".htm", ".xhtml", ".html.gz", ".htm.gz")
TEXT_SUFFIXES = (".txt", ".text", ".md")
# Below this many words a page is a stub, an error page or a paywall, not an article.
MIN_WORDS = 25
# Plain text is parsed line by line in Python (about 100 microseconds a line, cleaning
# included): these caps keep the worst paste well under a second of work. A 25,000-word
# longread is about 150,000 characters; a text over a cap is refused, never cut short.
PLAIN_TEXT_MAX_CHARS = 200_000
PLAIN_TEXT_MAX_LINES = 4_000


@dataclass(frozen=True)
class IngestResult:
    story: Story
    revision: StoryRevision
    created: bool  # the story is new
    changed: bool  # a revision was added (always true when created)


def read_input_file(path: Path) -> tuple[str, str]:
    """Read a story file from disk: (decoded text, kind) where kind is "html" or "text".

    Raises ExtractionError with a one-line reason for anything we will not ingest.
    """
    name = path.name.lower()
    if name.endswith(HTML_SUFFIXES):
        kind = "html"
    elif name.endswith(TEXT_SUFFIXES):
        kind = "text"
    else:
        raise ExtractionError("Unsupported file type (expected .html, .htm, .html.gz or .txt).")
    if not path.exists():
        raise ExtractionError("No such file.")
    if not path.is_file():
        raise ExtractionError("Not a regular file.")
    limit = settings.INGEST_MAX_BYTES
    with path.open("rb") as handle:
        raw = handle.read(limit + 1)
    if name.endswith(".gz"):
        try:
            with gzip.GzipFile(fileobj=io.BytesIO(raw)) as unzipped:
                raw = unzipped.read(limit + 1)
        except (OSError, EOFError) as exc:
            raise ExtractionError(f"Not a valid gzip file ({exc}).") from exc
    if len(raw) > limit:
        raise ExtractionError(f"The file is larger than {limit // (1024 * 1024)} MB.")
    return decode_input(raw, kind), kind


def decode_input(raw: bytes, kind: str) -> str:
    if not raw.strip():
        raise ExtractionError("The file is empty.")
    if b"\x00" in raw[:8192] and not raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ExtractionError("This is a binary file, not a web page or text.")
    text, _encoding = decode_body(raw, "text/html" if kind == "html" else "text/plain")
    # Decoding that needed many replacement characters means we guessed the charset wrong.
    if text.count("\ufffd") > max(3, len(text) // 200):
        raise ExtractionError("The file's character encoding could not be determined.")
    if _looks_binary(text):
        raise ExtractionError("This is a binary file, not a web page or text.")
    return text


def _looks_binary(text: str) -> bool:
    sample = text[:4096]
    control = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\t\n\r\f")
    return control > len(sample) // 20


def extract(content: str, kind: str, url: str | None = None) -> Extracted:
    if kind == "html":
        return extract_html(content, url=url)
    check_plain_text_size(content)
    plain = parse_plain_text(content)
    if not plain.blocks:
        # Said of a file and of a paste alike: the first line is the title.
        raise ExtractionError(
            "There is only a title here (the first line): the story's text must follow it."
        )
    return Extracted(title=plain.title, dek=plain.dek, blocks=plain.blocks, url=url)


def check_plain_text_size(content: str) -> None:
    content = content.strip()
    # Counted as parse_plain_text splits: "\r\n", "\r" and "\n" each end a line.
    lines = content.count("\n") + content.count("\r") - content.count("\r\n") + 1
    if len(content) > PLAIN_TEXT_MAX_CHARS or lines > PLAIN_TEXT_MAX_LINES:
        raise ExtractionError(
            f"Plain text is limited to {PLAIN_TEXT_MAX_CHARS:,} characters and "
            f"{PLAIN_TEXT_MAX_LINES:,} lines; this has {len(content):,} characters "
            f"in {lines:,} lines."
        )


def clean_blocks(extracted: Extracted) -> list[Block]:
    blocks = list(extracted.blocks)
    # Pages often repeat the headline as the body's first heading.
    if blocks and blocks[0].is_heading and collapse(blocks[0].text) == collapse(extracted.title):
        blocks = blocks[1:]
    return remove_boilerplate(blocks, title=extracted.title, byline=extracted.byline)


def build_body(blocks: list[Block]) -> tuple[str, str]:
    """Sanitized body HTML and its text (the text contract: see html_to_text)."""
    body_html = sanitize_article_html("\n".join(block.html for block in blocks))
    return body_html, html_to_text(body_html)


def ingest_content(
    content: str,
    kind: str,
    *,
    origin: str,
    origin_detail: str = "",
    url: str | None = None,
    source: Source | None = None,
) -> IngestResult:
    """Run the whole pipeline on one decoded document and store it as a shared story (the
    operator's files; a reader's text goes through ingest_document)."""
    extracted = extract(content, kind, url=url)
    return store(extracted, origin=origin, origin_detail=origin_detail, url=url, source=source)


def store(
    extracted: Extracted,
    *,
    origin: str,
    origin_detail: str = "",
    url: str | None = None,
    source: Source | None = None,
    owner: AbstractBaseUser | None = None,
    min_words: int = MIN_WORDS,
) -> IngestResult:
    """Store extracted text as a revision of the story it is a version of: among the
    shared stories, or among `owner`'s own copies when given (see the module docstring)."""
    blocks = clean_blocks(extracted)
    body_html, body_text = build_body(blocks)
    word_count = len(_WORD.findall(body_text))
    if word_count < max(min_words, 1):
        raise ExtractionError(
            f"Only {word_count} words of article text were found; this does not look like an "
            "article."
        )
    title = split_glued_words(collapse(extracted.title))[:500] or "Untitled"
    dek = split_glued_words(collapse(extracted.dek))
    link = url or extracted.url
    if link and not is_web_url(link):
        # The story's link is rendered as its source: only web addresses may go there.
        raise ExtractionError(f"Not an http(s) URL: {link[:200]}")
    canonical = canonicalize(link) if link else None
    content_hash = StoryRevision.hash_content(title, dek, body_html)
    if owner is not None:
        source = None  # a reader's copy comes from no feed
    values = _StoryValues(extracted, title, dek, canonical, content_hash, source, owner)
    try:
        return _store_revision(values, body_html, body_text, word_count, origin, origin_detail)
    except IntegrityError:
        # Another worker created the same story between our lookup and insert; the
        # second attempt finds it and adds to it.
        return _store_revision(values, body_html, body_text, word_count, origin, origin_detail)


@dataclass(frozen=True)
class _StoryValues:
    extracted: Extracted
    title: str
    dek: str
    canonical: str | None
    content_hash: str
    source: Source | None
    owner: AbstractBaseUser | None


def _store_revision(
    values: _StoryValues,
    body_html: str,
    body_text: str,
    word_count: int,
    origin: str,
    origin_detail: str,
) -> IngestResult:
    extracted, title, dek = values.extracted, values.title, values.dek
    canonical, content_hash, source = values.canonical, values.content_hash, values.source
    with transaction.atomic():
        story = _find_story(canonical, content_hash, values.owner)
        created = story is None
        if story is None:
            story = Story.objects.create(
                url=canonical,
                title=title,
                sort_date=extracted.published or timezone.now(),
                source=source,
                owner_id=values.owner.pk if values.owner is not None else None,
            )
        current = story.current_revision
        if current is not None and current.content_hash == content_hash:
            return IngestResult(story=story, revision=current, created=False, changed=False)

        number = (story.revisions.aggregate(n=Max("number"))["n"] or 0) + 1
        revision = StoryRevision.objects.create(
            story=story,
            number=number,
            title=title,
            dek=dek,
            body_html=body_html,
            body_text=body_text,
            content_hash=content_hash,
            word_count=word_count,
            origin=origin,
            origin_detail=origin_detail[:2000],
        )
        story.title = title
        story.dek = dek
        # Metadata only improves: a later fetch that lost the byline does not erase it.
        story.byline = collapse(extracted.byline)[:300] or story.byline
        story.site_name = collapse(extracted.site_name)[:200] or story.site_name
        story.published = extracted.published or story.published
        story.language = extracted.language or story.language
        story.sort_date = story.published or story.sort_date
        if source is not None and story.source_id is None:
            story.source = source
        story.current_revision = revision
        story.save()
        if current is not None:
            revision_added.send(Story, story=story, revision=revision, previous=current)
    return IngestResult(story=story, revision=revision, created=created, changed=True)


def _find_story(
    canonical: str | None, content_hash: str, owner: AbstractBaseUser | None
) -> Story | None:
    """The story this document is a version of, locked for the rest of the transaction:
    a shared one, or one of owner's copies."""
    stories = _same_owner(owner).select_for_update(of=("self",)).select_related("current_revision")
    if canonical:
        return stories.filter(url=canonical).first()
    # Without a URL, only identical content identifies a story (an uploaded file twice).
    return stories.filter(url__isnull=True, revisions__content_hash=content_hash).first()


def _same_owner(owner: AbstractBaseUser | None) -> StoryQuerySet:
    """Where a document's story is looked for: owner's copies, or the shared stories."""
    if owner is None:
        return Story.objects.shared()
    return Story.objects.filter(owner_id=owner.pk)


def ingest_file(path: Path, *, url: str | None = None) -> IngestResult:
    content, kind = read_input_file(path)
    return ingest_content(content, kind, origin=Origin.FILE, origin_detail=path.name, url=url)


# --- From the web: pages by URL and feed entries --------------------------------------------

# A refetch whose body has fewer than this share of the stored words is a broken page (a
# paywall, an error page served with 200, a redesign the extractor misreads), not an edit.
MIN_REFETCH_RATIO = 0.3
_PAGE_TYPES = frozenset({"", "text/html", "application/xhtml+xml"})
_FEED_TYPES = frozenset(
    {"application/rss+xml", "application/atom+xml", "application/feed+json", "application/rdf+xml"}
)


class RefetchRefused(ExtractionError):
    """The page was fetched, but storing it would lose most of the stored story."""


@dataclass(frozen=True)
class FetchedPage:
    url: str  # as requested
    final_url: str  # after redirects
    text: str
    kind: str  # "html" or "text"


def fetch_page(url: str) -> FetchedPage:
    """GET a page for ingestion; FetchError or ExtractionError with a message for the user."""
    result = fetch(url)
    content_type = result.content_type
    if content_type in _FEED_TYPES or (
        content_type in {"application/xml", "text/xml"} and _looks_like_feed(result.content)
    ):
        raise ExtractionError("This address is a feed, not a page: add it on the Sources page.")
    if content_type == "text/plain":
        kind = "text"
    elif content_type in _PAGE_TYPES:
        kind = "html"
    else:
        raise ExtractionError(f"This address gives {content_type}, not a web page.")
    raw = result.content
    if not raw.strip():
        raise ExtractionError("The page is empty.")
    if b"\x00" in raw[:8192] and not raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ExtractionError("This is a binary file, not a web page.")
    text = result.text
    if _looks_binary(text):
        raise ExtractionError("This is a binary file, not a web page.")
    return FetchedPage(url=url, final_url=result.final_url, text=text, kind=kind)


def _looks_like_feed(content: bytes) -> bool:
    head = content[:2048].lower()
    return b"<rss" in head or b"<feed" in head or b"<rdf:rdf" in head


def page_identity(declared: str | None, final_url: str) -> str:
    """The story's URL: the page's rel=canonical / og:url, else where the fetch ended."""
    candidate = urljoin(final_url, declared) if declared else ""
    if not candidate or not is_web_url(candidate):
        return canonicalize(final_url)
    # A page speaks for its own site only: one that names another site's story as its
    # canonical (a page anyone can publish) would revise that story for every reader.
    if not same_site(candidate, final_url):
        return canonicalize(final_url)
    # Some sites point every page's canonical at their home page; that would fold all of
    # their stories into one.
    if urlsplit(candidate).path in {"", "/"} and urlsplit(final_url).path not in {"", "/"}:
        return canonicalize(final_url)
    return canonicalize(candidate)


def check_refetch(extracted: Extracted, url: str, owner: AbstractBaseUser | None = None) -> None:
    """Refuse a new version of a stored story (shared, or owner's copy) that lost most of
    its text (see MIN_REFETCH_RATIO); nothing is checked for a story we do not have yet."""
    story = _same_owner(owner).filter(url=url).select_related("current_revision").first()
    if story is None or story.current_revision is None:
        return
    old = story.current_revision.word_count
    _body_html, body_text = build_body(clean_blocks(extracted))
    new = len(_WORD.findall(body_text))
    if old and new < old * MIN_REFETCH_RATIO:
        raise RefetchRefused(
            f"The page now has {new} words of article text, far fewer than the {old} stored; "
            "the stored story was kept."
        )


def ingest_url(
    url: str,
    *,
    origin: str = Origin.URL,
    source: Source | None = None,
    story_url: str | None = None,
    published: datetime | None = None,
) -> IngestResult:
    """Fetch a page, extract it and store it. `story_url` overrides the page's identity;
    `published` is used when the page gives no date (a feed entry's date)."""
    page = fetch_page(url)
    extracted = extract(page.text, page.kind, url=page.final_url)
    identity = (
        canonicalize(story_url) if story_url else page_identity(extracted.url, page.final_url)
    )
    extracted.published = extracted.published or published
    check_refetch(extracted, identity)
    return store(
        extracted, origin=origin, origin_detail=page.final_url, url=identity, source=source
    )


def feed_content_document(title: str, content_html: str) -> str:
    """A feed item's text as a minimal page, so it goes through the same extraction."""
    safe_title = html.escape(title)
    return (
        f"<!doctype html><html><head><title>{safe_title}</title></head>"
        f"<body><article><h1>{safe_title}</h1>\n{content_html}\n</article></body></html>"
    )


def ingest_feed_entry(
    *,
    link: str,
    title: str,
    content_html: str,
    author: str = "",
    published: datetime | None = None,
    source: Source | None = None,
    feed_url: str = "",
    story: Story | None = None,
) -> IngestResult:
    """A feed item becomes a story: from its page when it can be fetched and extracted,
    else from the feed's own text, marked with why (StoryRevision.page_error).

    `story` is the one this item became before, if any. A story we already have from its
    page is never replaced by the feed's shorter text.
    """
    if link:
        try:
            return ingest_url(link, origin=Origin.FEED, source=source, published=published)
        except RefetchRefused:
            raise
        except (FetchError, ExtractionError) as exc:
            page_error = str(exc).rstrip(".")
    else:
        page_error = "the feed gives no link to it"
    canonical = canonicalize(link) if link else None
    stored = story
    if stored is None and canonical:
        stored = (
            Story.objects.shared().filter(url=canonical).select_related("current_revision").first()
        )
    if stored and stored.current_revision and not stored.current_revision.page_error:
        raise ExtractionError(
            f"The page could not be fetched ({page_error}); the stored story was kept."
        )
    if stored is not None and stored.url:
        # The story this item became (maybe under its page's canonical URL) gets the revision.
        canonical = stored.url
    if not content_html.strip():
        raise ExtractionError(
            f"The page could not be fetched ({page_error}) and the feed has no text for it."
        )
    too_short = ExtractionError(
        f"The page could not be fetched ({page_error}), and the feed's own text for it is too "
        "short to make a story."
    )
    try:
        extracted = extract_html(feed_content_document(title, content_html), url=canonical)
    except ExtractionError as exc:
        raise too_short from exc
    extracted.title = title or extracted.title
    extracted.byline = author or extracted.byline
    extracted.site_name = source.name if source else extracted.site_name
    extracted.published = published
    extracted.url = canonical
    # The notice in the reading view quotes this; one line, bounded.
    reason = collapse(page_error)[:500]
    with transaction.atomic():
        try:
            result = store(
                extracted,
                origin=Origin.FEED,
                origin_detail=feed_url,
                url=canonical,
                source=source,
            )
        except ExtractionError as exc:
            raise too_short from exc
        if result.changed:
            StoryRevision.objects.filter(pk=result.revision.pk).update(page_error=reason)
            result.revision.page_error = reason
    return result


def ingest_document(
    content: str,
    kind: str,
    *,
    origin: str,
    owner: AbstractBaseUser,
    origin_detail: str = "",
    url: str | None = None,
) -> IngestResult:
    """What a reader supplies becomes their own copy: the one entry point for a paste, an
    upload, a page saved from their browser or an imported file.

    `content` is the decoded document, `kind` "html" or "text", `origin` a
    StoryRevision.Origin saying how it came, `origin_detail` a file name or the like.
    The story's URL is `url`, else the document's own `rel=canonical` / `og:url`, with
    tracking parameters removed; the story is looked up among `owner`'s copies only (see
    the module docstring), so nothing a reader supplies ever changes what another reader
    sees. As for a refetched page, a new version of their copy that lost most of its text
    is refused (RefetchRefused). Raises ExtractionError with a message for the reader.
    """
    extracted = extract(content, kind, url=url)
    identity = url or extracted.url
    if identity and is_web_url(identity):
        check_refetch(extracted, canonicalize(identity), owner)
    return store(extracted, origin=origin, origin_detail=origin_detail, url=url, owner=owner)


def ingest_placeholder(
    *,
    title: str,
    url: str | None,
    quotes: list[str],
    owner: AbstractBaseUser,
    reason: str,
    origin_detail: str = "",
    published: datetime | None = None,
) -> IngestResult:
    """A story made from what an import file holds about it (its title, address and the
    passages the reader highlighted) when its page could not be fetched: the reader's own
    copy, short as it may be, marked with why (StoryRevision.page_error) so the reading
    view says so. Nothing is dropped for being short: the quotes are what the reader kept.
    """
    title = collapse(title) or url or "Untitled"
    blocks = [
        Block("blockquote", f"<blockquote><p>{html.escape(q)}</p></blockquote>", collapse(q))
        for q in dict.fromkeys(q.strip() for q in quotes)
        if q
    ]
    if url:
        link = html.escape(url, quote=True)
        blocks.insert(0, Block("p", f'<p><a href="{link}">{link}</a></p>', url))
    extracted = Extracted(title=title, blocks=blocks, url=url, published=published)
    reason = collapse(reason)[:500]
    with transaction.atomic():
        result = store(
            extracted,
            origin=Origin.IMPORT,
            origin_detail=origin_detail,
            url=url,
            owner=owner,
            min_words=1,
        )
        if result.changed:
            StoryRevision.objects.filter(pk=result.revision.pk).update(page_error=reason)
            result.revision.page_error = reason
    return result
