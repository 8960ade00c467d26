"""One imported item becomes a story in the reader's library, with its state, tags and
highlights; run by the worker (imports/tasks.py) once per item, each in its own
transaction, so an item that fails leaves nothing half stored and the others go on.

Where the story comes from:

* The file's own text (Omnivore's content/, Wallabag's content): the reader's own copy,
  its first revision (``ingest_document``), no fetch needed.
* A story the reader can already open under the item's address (a shared story, or their
  copy): that one, unfetched. So a second import of the same file fetches nothing and
  adds nothing.
* Otherwise the page is fetched by the guarded fetcher (a shared story, as Add → From the
  web makes), at a polite pace per site (``IMPORT_FETCH_DELAY``).
* A page that cannot be fetched: the reader's own copy made from what the file holds
  (title, address, quotes), saying so (``ingest_placeholder``).

Highlights are found by their ``via`` (the id the file gives them, or a key made from
their quote), so none is imported twice; a quote that is not in the story, or is in it
more than once with nothing saying which, is kept detached with its words (orphaned),
never dropped and never guessed.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from annotations import w3c
from annotations.anchoring import CONTEXT, Selectors
from annotations.models import (
    MAX_QUOTE,
    Anchoring,
    Annotation,
    Colour,
    QuoteAmbiguous,
    Reply,
    SelectionError,
    Tag,
    Visibility,
    parse_tags,
    visibility_choices,
)
from articles.ingest.extract import ExtractionError
from articles.ingest.fetch import FetchError
from articles.ingest.pipeline import (
    feed_content_document,
    ingest_document,
    ingest_placeholder,
    ingest_url,
)
from articles.ingest.urls import canonicalize, is_web_url
from articles.models import Story, StoryRevision
from reading.models import ReadingState

Origin = StoryRevision.Origin


class ItemFailed(Exception):
    """This item cannot be imported; the message says why (for the report)."""


@dataclass
class Outcome:
    story: Story
    story_created: bool = False
    highlights: int = 0
    tags: int = 0
    notes: list[str] = field(default_factory=list)


class Pacer:
    """At most one fetch per site every IMPORT_FETCH_DELAY seconds: an import of 2,000
    Pocket items must not look like an attack on the sites they came from."""

    def __init__(self, delay: float | None = None) -> None:
        self.delay = float(settings.IMPORT_FETCH_DELAY if delay is None else delay)
        self.last: dict[str, float] = {}

    def wait(self, url: str) -> None:
        host = urlsplit(url).hostname or ""
        now = time.monotonic()
        ready = self.last.get(host, now - self.delay) + self.delay
        if ready > now:
            time.sleep(ready - now)
        self.last[host] = time.monotonic()


def _when(value: Any) -> datetime | None:
    return parse_datetime(value) if isinstance(value, str) else None


def import_item(
    user: User, item: dict[str, Any], *, label: str, pacer: Pacer, keep_visibility: bool
) -> Outcome:
    url = item.get("url")
    notes: list[str] = []
    if url and not is_web_url(url):
        notes.append(f"“{url[:200]}” is not a web address, so it was not fetched")
        url = None
    quotes = [h["quote"] for h in item["highlights"] if h.get("quote")]
    if not url and not item.get("content_html") and not quotes and not item.get("title"):
        raise ItemFailed("it has no address, no text and no highlight")
    story, created = _story(user, item, url, quotes, label, pacer, notes)
    with transaction.atomic():
        outcome = Outcome(story=story, story_created=created, notes=notes)
        _state(user, story, item)
        outcome.tags = _tags(user, story, item["tags"], notes)
        for highlight in item["highlights"]:
            if _add_highlight(user, story, highlight, keep_visibility, notes):
                outcome.highlights += 1
    return outcome


def _story(
    user: User,
    item: dict[str, Any],
    url: str | None,
    quotes: list[str],
    label: str,
    pacer: Pacer,
    notes: list[str],
) -> tuple[Story, bool]:
    content = item.get("content_html")
    if content:
        if not re.match(r"\s*(<!doctype|<html)", content, re.I):
            # Omnivore and Wallabag keep the article's body only: make it a page.
            content = feed_content_document(item.get("title") or "", content)
        try:
            result = ingest_document(
                content, "html", origin=Origin.IMPORT, owner=user, origin_detail=label, url=url
            )
        except ExtractionError as exc:
            notes.append(f"its saved text could not be used ({str(exc).rstrip('.')})")
        else:
            return result.story, result.created
    reason = ""
    if url:
        known = (
            Story.objects.visible_to(user)
            .filter(url=canonicalize(url), current_revision__isnull=False)
            .order_by(F("owner_id").asc(nulls_last=True))
            .first()
        )
        if known is not None:
            return known, False
        pacer.wait(url)
        try:
            result = ingest_url(url, origin=Origin.URL)
        except (FetchError, ExtractionError) as exc:
            reason = str(exc).rstrip(".")
        else:
            return result.story, result.created
    else:
        reason = "the file gives no address for it"
    published = _when(item.get("added"))
    try:
        result = ingest_placeholder(
            title=item.get("title") or "",
            url=url,
            quotes=quotes,
            owner=user,
            reason=reason,
            origin_detail=label,
            published=published,
        )
    except ExtractionError as exc:
        raise ItemFailed(f"{reason}, and {str(exc).rstrip('.').lower()}") from exc
    if result.created:
        notes.append(f"kept from the file's title, address and quotes: {reason}")
    return result.story, result.created


def _state(user: User, story: Story, item: dict[str, Any]) -> None:
    """Saved, read and progress as the file has them; a state the reader already has
    here is kept (an import adds, it does not unsave or unread)."""
    state, _created = ReadingState.objects.get_or_create(user_id=user.pk, story_id=story.pk)
    now = timezone.now()
    added = _when(item.get("added"))
    changed = False
    if item.get("saved") and state.saved_at is None:
        state.saved_at = added or now
        changed = True
    if item.get("read") and state.read_at is None:
        state.read_at = _when(item.get("read_at")) or added or now
        changed = True
    progress = item.get("progress")
    if isinstance(progress, int | float) and 0 <= progress <= 1 and progress > state.progress:
        state.progress = float(progress)
        changed = True
    if changed:
        state.save()


def _tags(user: User, story: Story, names: list[str], notes: list[str]) -> int:
    """Add the item's tags to the reader's tags for the story; how many were new."""
    if not names:
        return 0
    try:
        wanted = parse_tags(names)
    except ValueError as exc:
        notes.append(f"its tags were not all kept ({str(exc).rstrip('.')})")
        wanted = parse_tags(names[:20])[:20]
    state = ReadingState.objects.get(user_id=user.pk, story_id=story.pk)
    existing = {tag.name: tag for tag in Tag.objects.filter(name__in=wanted)}
    missing = [Tag(name=name) for name in wanted if name not in existing]
    if missing:
        Tag.objects.bulk_create(missing, ignore_conflicts=True)
        existing = {tag.name: tag for tag in Tag.objects.filter(name__in=wanted)}
    have = set(state.tags.values_list("name", flat=True))
    new = [existing[name] for name in wanted if name not in have]
    state.tags.add(*new)
    return len(new)


def _visibility(story: Story, highlight: dict[str, Any], keep: bool) -> str:
    if not keep:
        return Visibility.PRIVATE
    wanted = highlight.get("visibility") or Visibility.PRIVATE
    allowed = dict(visibility_choices(story))
    if wanted not in allowed:
        # A public highlight on a reader's own copy is shared by its link instead.
        return Visibility.LINK if wanted == Visibility.PUBLIC else Visibility.PRIVATE
    return str(wanted)


def _add_highlight(
    user: User, story: Story, highlight: dict[str, Any], keep: bool, notes: list[str]
) -> bool:
    """Store one highlight unless it is here already (by its via); True if stored."""
    key = highlight["key"]
    if Annotation.objects.filter(author=user, via=key).exists():
        return False
    quote = (highlight.get("quote") or "").strip()
    try:
        tags = parse_tags(highlight.get("tags") or [])
    except ValueError:
        tags = parse_tags((highlight.get("tags") or [])[:20])[:20]
    colour = highlight.get("colour") or Colour.YELLOW
    if colour not in Colour.values:
        colour = Colour.YELLOW
    visibility = _visibility(story, highlight, keep)
    comment = (highlight.get("comment") or "").strip()
    if not quote:
        if not comment:
            return False
        # A page note (Hypothesis): no passage; kept detached, its comment whole.
        quote = story.title
        notes.append("a note on the whole page is kept as a detached highlight")
    selectors = None
    if highlight.get("selectors"):
        try:
            selectors = w3c.read_selectors(highlight["selectors"])
        except (TypeError, ValueError):
            selectors = None
    try:
        with transaction.atomic():
            annotation = Annotation.objects.create_from_selection(
                story=story,
                author=user,
                selectors=selectors,
                quote=None if selectors is not None else quote,
                colour=colour,
                comment=comment,
                tags=tags,
                visibility=visibility,
            )
    except SelectionError as exc:
        annotation = _orphan(story, user, quote, selectors, colour, comment, tags, visibility)
        if isinstance(exc, QuoteAmbiguous):
            why = f"is in the text {len(exc.occurrences)} times"
        else:
            why = "is not in the text"
        notes.append(f"a highlight (“{quote[:80]}”) {why}: kept detached, with its words")
    kept: dict[str, Any] = {"via": key}
    created = _when(highlight.get("created"))
    if created is not None:
        kept["created"] = created
    Annotation.objects.filter(pk=annotation.pk).update(**kept)
    for answer in highlight.get("replies") or []:
        _reply(annotation, user, answer)
    return True


def _orphan(
    story: Story,
    user: User,
    quote: str,
    selectors: Selectors | None,
    colour: str,
    comment: str,
    tags: list[str],
    visibility: str,
) -> Annotation:
    """A highlight whose words are not (or not once) in the story: detached, its quote
    kept as the reader made it, tried again by every later revision (re-anchoring)."""
    revision = story.current_revision
    assert revision is not None
    quote = quote[:MAX_QUOTE]
    kept = Selectors(
        exact=quote,
        prefix=(selectors.prefix if selectors else "")[-CONTEXT:],
        suffix=(selectors.suffix if selectors else "")[:CONTEXT],
        start=0,
        end=max(len(quote), 1),
    )
    annotation = Annotation(
        story=story,
        author=user,
        colour=colour,
        visibility=visibility,
        revision=revision,
        original_revision=revision,
        anchor_state=Anchoring.ORPHANED,
        anchor_score=0.0,
    )
    annotation.set_anchor(kept)
    annotation.set_original(kept)
    annotation.set_comment(comment)
    annotation.save()
    annotation.set_tags(tags)
    return annotation


def _reply(annotation: Annotation, user: User, answer: dict[str, Any]) -> None:
    """The reader's own replies come back; others' cannot be written under their names."""
    by = answer.get("by")
    body = (answer.get("body") or "").strip()
    if not body or (by and by != user.get_username()):
        return
    Reply.post(annotation, user, body, created=_when(answer.get("created")))
