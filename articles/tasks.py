"""Background work: refreshing feeds and turning their items into stories.

The worker (`manage.py db_worker`) runs these; `manage.py refresh_feeds --loop N` is the
clock that calls `refresh_due_feeds` (the worker cannot schedule periodic work itself).

Claims. Several schedulers and workers may run at once. A feed is claimed by setting
`claimed_until` (a lease) inside a transaction that locked its row with
`SELECT … FOR UPDATE SKIP LOCKED` (PostgreSQL: a second claimer skips rows the first holds
and, once the first commits, sees the lease and skips them too; SQLite serializes writers,
which gives the same result). The refresh clears the lease; if a worker dies, the lease
runs out and the feed is claimed again.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.tasks import task
from django.utils import timezone

from newsreader.task_limits import TaskLimitExceeded, limited

from .feeds import (
    FEED_ACCEPT,
    MAX_ENTRIES,
    FeedError,
    ParsedEntry,
    ParsedFeed,
    find_feed,
    parse_feed,
)
from .ingest.extract import ExtractionError
from .ingest.fetch import FetchError, FetchResult, fetch
from .ingest.pipeline import ingest_feed_entry
from .ingest.urls import canonicalize
from .models import ENTRY_STALE_AFTER, FeedEntry, Source, Story, clamp_refresh_minutes

logger = logging.getLogger(__name__)

# Long enough for one feed fetch (FETCH_TIMEOUT) and its bookkeeping, with room to spare.
CLAIM_LEASE = timedelta(minutes=5)
CLAIM_BATCH = 50
# An item that stored nothing is tried again at each refresh for this long.
RETRY_FAILED_FOR = timedelta(days=1)


# --- Claims ------------------------------------------------------------------------------


def _claimable(now: datetime) -> Q:
    return Q(claimed_until__isnull=True) | Q(claimed_until__lte=now)


def claim_due_feeds(limit: int = CLAIM_BATCH) -> list[int]:
    """Claim feeds whose next fetch is due (oldest first); their ids."""
    now = timezone.now()
    with transaction.atomic():
        due = (
            Source.objects.feeds()
            .filter(_claimable(now), paused=False)
            .filter(Q(next_fetch__isnull=True) | Q(next_fetch__lte=now))
            .order_by("next_fetch", "pk")
            .select_for_update(skip_locked=True)
        )
        ids = list(due.values_list("pk", flat=True)[:limit])
        Source.objects.filter(pk__in=ids).update(claimed_until=now + CLAIM_LEASE)
    return ids


def claim_feed(source_id: int) -> bool:
    """Claim one feed now, due or not ("Refresh now"); False if someone holds it."""
    now = timezone.now()
    claimed = (
        Source.objects.feeds()
        .filter(_claimable(now), pk=source_id)
        .update(claimed_until=now + CLAIM_LEASE)
    )
    return claimed == 1


# --- Recording what a fetch gave ------------------------------------------------------------


def record_failure(source: Source, message: str) -> None:
    now = timezone.now()
    source.error_count += 1
    source.last_error = message[:2000]
    source.last_fetch = now
    source.next_fetch = source.fetch_due_after(now)
    source.claimed_until = None
    source.save(
        update_fields=["error_count", "last_error", "last_fetch", "next_fetch", "claimed_until"]
    )


def record_success(source: Source, result: FetchResult, parsed: ParsedFeed | None) -> None:
    """`parsed` is None after a 304: the feed's schedule hint is then what it was."""
    now = timezone.now()
    source.error_count = 0
    source.last_error = ""
    if parsed is not None:
        hint = parsed.update_minutes
        source.feed_refresh_minutes = clamp_refresh_minutes(hint) if hint else None
    source.last_fetch = source.last_success = now
    source.next_fetch = source.fetch_due_after(now)
    source.claimed_until = None
    if not result.not_modified:
        # A server that dropped its validators must not keep getting our old ones.
        source.etag = result.headers.get("etag", "")[:500]
        source.last_modified = result.headers.get("last-modified", "")[:100]
    source.save(
        update_fields=[
            "error_count",
            "last_error",
            "last_fetch",
            "last_success",
            "next_fetch",
            "claimed_until",
            "etag",
            "last_modified",
            "feed_refresh_minutes",
        ]
    )


def store_entries(source: Source, entries: Iterable[ParsedEntry]) -> list[int]:
    """Record a feed's items; the ids of those that need (re)ingesting.

    New items and changed ones need it; an item seen before, unchanged, does not. A new
    item whose page is already a story (another feed carried it) is linked to it without
    fetching the page again.
    """
    now = timezone.now()
    items = {entry.guid_hash: entry for entry in entries}
    existing = {
        e.guid_hash: e
        for e in FeedEntry.objects.filter(source=source, guid_hash__in=list(items)).only(
            "pk", "guid_hash", "entry_hash", "pending", "pending_since"
        )
    }
    new_links = {
        canonicalize(item.link) for key, item in items.items() if key not in existing and item.link
    }
    known = {
        story.url: story
        for story in Story.objects.shared()
        .filter(url__in=new_links)
        .select_related("current_revision")
    }
    to_create: list[FeedEntry] = []
    to_update: list[FeedEntry] = []
    for key, item in items.items():
        old = existing.get(key)
        if old is not None:
            if old.entry_hash == item.entry_hash:
                continue  # lost or failed ones are requeue_entries' business
            _copy(item, old)
            old.pending, old.pending_since, old.error = True, now, ""
            to_update.append(old)
            continue
        entry = FeedEntry(source=source, guid_hash=key, guid=item.guid, pending_since=now)
        _copy(item, entry)
        story = known.get(canonicalize(item.link)) if item.link else None
        revision = story.current_revision if story else None
        if story is not None and revision is not None and not revision.page_error:
            entry.story, entry.pending = story, False
        to_create.append(entry)
    fields = ["link", "title", "content_html", "author", "published", "entry_hash"]
    fields += ["pending", "pending_since", "error", "updated"]
    for entry in to_update:
        entry.updated = now
    FeedEntry.objects.bulk_update(to_update, fields)
    # Another refresh of the same feed may have recorded some of them a moment ago.
    FeedEntry.objects.bulk_create(to_create, ignore_conflicts=True)
    created_keys = [e.guid_hash for e in to_create if e.pending]
    pending = list(
        FeedEntry.objects.filter(source=source, pending=True, pending_since=now)
        .filter(Q(guid_hash__in=created_keys) | Q(pk__in=[e.pk for e in to_update]))
        .order_by("-published", "pk")
        .values_list("pk", flat=True)
    )
    return pending


def _copy(item: ParsedEntry, entry: FeedEntry) -> None:
    entry.link = item.link
    entry.title = item.title
    entry.content_html = item.content_html
    entry.author = item.author
    entry.published = item.published
    entry.entry_hash = item.entry_hash


def requeue_entries(source: Source) -> list[int]:
    """Items to try again: those whose task was lost (a worker died), and recent ones that
    stored nothing (feeds often publish an item before its page is live). The ids."""
    now = timezone.now()
    lost = Q(pending=True, pending_since__lt=now - ENTRY_STALE_AFTER)
    failed = Q(pending=False, story__isnull=True, first_seen__gt=now - RETRY_FAILED_FOR) & ~Q(
        error=""
    )
    ids = list(
        FeedEntry.objects.filter(lost | failed, source=source)
        .order_by("-first_seen", "-pk")
        .values_list("pk", flat=True)[:MAX_ENTRIES]
    )
    FeedEntry.objects.filter(pk__in=ids).update(pending=True, pending_since=now, updated=now)
    return ids


def enqueue_entries(entry_ids: Iterable[int]) -> None:
    for entry_id in entry_ids:
        ingest_entry.enqueue(entry_id)


# --- Subscribing ---------------------------------------------------------------------------


class AlreadySubscribed(Exception):
    def __init__(self, source: Source) -> None:
        self.source = source
        super().__init__(f"This feed is already on the sources page as “{source.name}”.")


@dataclass(frozen=True)
class Subscription:
    source: Source
    queued: int  # items whose stories are being fetched


class TooManyFeeds(FeedError):
    """An import over a cap (settings.OPML_IMPORT_MAX_FEEDS, FEEDS_PER_USER_MAX)."""


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def _check_feeds_per_user(user: User | None, adding: int) -> None:
    if user is None:
        return
    per_user = int(settings.FEEDS_PER_USER_MAX)
    have = Source.objects.filter(added_by=user).count()
    if have + adding > per_user:
        raise TooManyFeeds(
            f"This would add {_plural(adding, 'new feed')} to the {have:,} you have "
            f"added; one reader may add at most {per_user:,}."
        )


def subscribe(url: str, user: User | None) -> Subscription:
    """Add a feed by its URL or a site's URL (FetchError, FeedError, AlreadySubscribed).

    The feed is fetched and parsed here, so a bad address is an error where the user
    typed it; its items' pages are fetched in the background.
    """
    if existing := Source.objects.feeds().filter(feed_url=url).first():
        raise AlreadySubscribed(existing)
    _check_feeds_per_user(user, 1)
    found = find_feed(url)
    if existing := Source.objects.feeds().filter(feed_url=found.url).first():
        raise AlreadySubscribed(existing)
    try:
        with transaction.atomic():
            source = Source.objects.create(
                name=found.parsed.title[:200],
                site_url=found.parsed.site_url,
                feed_url=found.url,
                added_by=user,
            )
            record_success(source, found.fetched, found.parsed)
            pending = store_entries(source, found.parsed.entries)
    except IntegrityError:
        # Someone added the same feed while we were fetching it.
        raise AlreadySubscribed(Source.objects.get(feed_url=found.url)) from None
    enqueue_entries(pending)
    return Subscription(source=source, queued=len(pending))


def first_fetch_times(count: int, now: datetime) -> list[datetime]:
    """When each of `count` imported feeds is first due: OPML_FETCH_SPACING seconds apart,
    squeezed to fit OPML_FETCH_SPREAD_MAX, so a big import is a steady trickle for the
    scheduler and the worker rather than a burst of requests all due at once."""
    spacing = float(settings.OPML_FETCH_SPACING)
    if count > 1:
        spacing = min(spacing, float(settings.OPML_FETCH_SPREAD_MAX) / (count - 1))
    return [now + timedelta(seconds=i * spacing) for i in range(count)]


def add_feeds(feeds: Iterable[tuple[str, str, str]], user: User | None) -> int:
    """Add feeds as (feed_url, title, site_url) without fetching them (an OPML import):
    the scheduler fetches them, first fetches spread out (`first_fetch_times`). How many
    were new. TooManyFeeds, with nothing stored, for more than OPML_IMPORT_MAX_FEEDS listed
    or a user's FEEDS_PER_USER_MAX added feeds in all."""
    wanted = {url: (title, site_url) for url, title, site_url in feeds}
    per_import = int(settings.OPML_IMPORT_MAX_FEEDS)
    if len(wanted) > per_import:
        raise TooManyFeeds(
            f"This file lists {_plural(len(wanted), 'feed')}; one import takes at most "
            f"{per_import:,}. Split it into smaller files."
        )
    with transaction.atomic():
        if user is not None:
            # One import at a time per reader, so two at once cannot both pass the cap.
            User.objects.select_for_update().filter(pk=user.pk).first()
        present = set(
            Source.objects.filter(feed_url__in=list(wanted)).values_list("feed_url", flat=True)
        )
        urls = [url for url in wanted if url not in present]
        _check_feeds_per_user(user, len(urls))
        due = first_fetch_times(len(urls), timezone.now())
        new = [
            Source(
                name=(wanted[url][0] or url)[:200],
                site_url=wanted[url][1],
                feed_url=url,
                added_by=user,
                next_fetch=when,
            )
            for url, when in zip(urls, due, strict=True)
        ]
        # A feed someone adds at the same moment is simply there already.
        Source.objects.bulk_create(new, ignore_conflicts=True)
    return len(new)


def refresh_now(source_ids: Iterable[int]) -> list[int]:
    """Claim and queue these feeds for a refresh; the ids that were not already claimed."""
    claimed = [pk for pk in source_ids if claim_feed(pk)]
    for pk in claimed:
        refresh_feed.enqueue(pk)
    return claimed


# --- Tasks ---------------------------------------------------------------------------------


@task()
def refresh_due_feeds() -> int:
    """Claim the feeds that are due and queue a refresh for each."""
    ids = claim_due_feeds()
    for pk in ids:
        refresh_feed.enqueue(pk)
    return len(ids)


@task()
def refresh_feed(source_id: int) -> str:
    """Fetch a claimed feed (conditional GET), record its items and queue the new ones."""
    source = Source.objects.feeds().filter(pk=source_id).first()
    if source is None or source.feed_url is None:
        return "gone"
    try:
        with limited("this feed"):
            result = fetch(
                source.feed_url,
                accept=FEED_ACCEPT,
                etag=source.etag or None,
                last_modified=source.last_modified or None,
            )
            parsed: ParsedFeed | None = None
            if not result.not_modified:
                parsed = find_feed_in(result)
    except (FetchError, FeedError, TaskLimitExceeded) as exc:
        record_failure(source, str(exc))
        return f"failed: {exc}"
    except Exception:
        # A bug, not the feed's fault; still back off rather than retry at every lease.
        record_failure(source, "An unexpected error stopped this fetch; see the worker's log.")
        raise
    with transaction.atomic():
        record_success(source, result, parsed)
        pending = store_entries(source, parsed.entries) if parsed is not None else []
        # Also after a 304: an unchanged feed can still have items to try again.
        pending += requeue_entries(source)
        if parsed is not None and source.name == source.feed_url and parsed.title:
            # Imported from OPML without a title: the feed names itself.
            Source.objects.filter(pk=source.pk).update(name=parsed.title[:200])
    enqueue_entries(pending)
    return "not modified" if parsed is None else f"{len(pending)} new or changed"


def find_feed_in(result: FetchResult) -> ParsedFeed:
    return parse_feed(result.content, url=result.final_url, content_type=result.content_type)


@task()
def ingest_entry(entry_id: int) -> str:
    """Make the story for one feed item (see pipeline.ingest_feed_entry)."""
    entry = (
        FeedEntry.objects.select_related("source", "story__current_revision")
        .filter(pk=entry_id, pending=True)
        .first()
    )
    if entry is None:
        return "gone"
    try:
        with limited("this item"):
            result = ingest_feed_entry(
                link=entry.link,
                title=entry.title,
                content_html=entry.content_html,
                author=entry.author,
                published=entry.published,
                source=entry.source,
                feed_url=entry.source.feed_url or "",
                story=entry.story,
            )
    except (FetchError, ExtractionError, TaskLimitExceeded) as exc:
        # The story may exist already (an earlier version, or another feed's): keep the link.
        story = entry.story
        if story is None and entry.link:
            story = Story.objects.shared().filter(url=canonicalize(entry.link)).first()
        FeedEntry.objects.filter(pk=entry.pk).update(
            pending=False, error=str(exc)[:2000], story=story, updated=timezone.now()
        )
        return f"failed: {exc}"
    except Exception:
        FeedEntry.objects.filter(pk=entry.pk).update(
            pending=False,
            error="An unexpected error stopped this item; the worker's log has the details.",
            updated=timezone.now(),
        )
        logger.exception("Feed entry %s failed", entry_id)
        raise
    FeedEntry.objects.filter(pk=entry.pk).update(
        pending=False, error="", story=result.story, updated=timezone.now()
    )
    return "stored"
