from __future__ import annotations

import hashlib
import math
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Lower
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.text import slugify

from newsreader import paging
from newsreader.paths import path

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser
    from django.contrib.auth.models import AnonymousUser, User
    from django.db.models.fields.related_descriptors import RelatedManager

WORDS_PER_MINUTE = 230


# A feed entry whose ingestion task has not finished after this long is assumed lost (a
# worker died): the sources page stops saying "Fetching…" and the next refresh re-queues it.
ENTRY_STALE_AFTER = timedelta(minutes=30)

# A feed is fetched every REFRESH_DEFAULT minutes unless its adder chose an interval or the
# feed names one (<ttl>, sy:updatePeriod); either is kept between these bounds: more often
# than every quarter hour is rude to the publisher, less than daily loses stories.
REFRESH_MIN = 15
REFRESH_MAX = 24 * 60
REFRESH_DEFAULT = 60
# Failures back off exponentially from this, up to MAX_BACKOFF.
BACKOFF_BASE = timedelta(minutes=10)
MAX_BACKOFF = timedelta(days=1)


def clamp_refresh_minutes(minutes: int) -> int:
    return min(max(minutes, REFRESH_MIN), REFRESH_MAX)


def describe_minutes(minutes: int) -> str:
    """ "15 minutes", "1 hour", "2 days": an interval the way the sources page says it."""
    for size, unit in ((1440, "day"), (60, "hour")):
        if minutes % size == 0:
            count = minutes // size
            return f"{count} {unit}{'' if count == 1 else 's'}"
    return f"{minutes} minute{'' if minutes == 1 else 's'}"


def backoff(error_count: int) -> timedelta:
    """Wait after `error_count` failures in a row: 10 min, 20, 40, … capped at a day."""
    exponent = max(0, min(error_count - 1, 20))
    return min(BACKOFF_BASE * (2**exponent), MAX_BACKOFF)


class SourceQuerySet(models.QuerySet["Source"]):
    def feeds(self) -> SourceQuerySet:
        return self.filter(feed_url__isnull=False)

    def for_sources_page(self, user: User | AnonymousUser) -> SourceQuerySet:
        """Feeds with their counts and whether `user` may manage them, in one query, in
        the page's order: by name (case-insensitive), then id (see `after`)."""
        stale = timezone.now() - ENTRY_STALE_AFTER
        if not user.is_authenticated:
            manage = models.Q(pk__isnull=True)  # never true: anonymous users manage nothing
        elif user.is_staff:
            manage = models.Q(pk__isnull=False)
        else:
            manage = models.Q(added_by=user.pk)
        return (
            self.feeds()
            .select_related("added_by")
            .annotate(
                story_count=models.Count(
                    "entries__story", filter=models.Q(entries__story__isnull=False), distinct=True
                ),
                pending_count=models.Count(
                    "entries",
                    filter=models.Q(entries__pending=True, entries__pending_since__gt=stale),
                ),
                failed_count=models.Count(
                    "entries",
                    filter=models.Q(entries__pending=False) & ~models.Q(entries__error=""),
                ),
                can_manage=models.ExpressionWrapper(manage, output_field=models.BooleanField()),
                sort_name=Lower("name"),
            )
            .order_by("sort_name", "pk")
        )

    def after(self, sort_name: str, pk: int) -> SourceQuerySet:
        """Keyset paging: the feeds listed after the one at (sort_name, pk), where
        sort_name is the database's Lower(name), as for_sources_page annotates it.

        The bound on the name alone lets the database start its index scan at the cursor;
        the OR only sorts out the feeds sharing that name."""
        return paging.keyset(self, "sort_name", sort_name, pk, descending=False)


class Source(models.Model):
    """A publication or a feed stories come from."""

    name = models.CharField(max_length=200)
    site_url = models.URLField(max_length=2000, blank=True)
    feed_url = models.URLField(max_length=2000, blank=True, null=True, unique=True)
    created = models.DateTimeField(auto_now_add=True)
    # Feeds are shared by everyone on the instance; who added one may pause or delete it.
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    paused = models.BooleanField(default=False)
    # The interval its adder (or staff) chose; None follows the feed's own hint.
    refresh_minutes = models.PositiveIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(REFRESH_MIN), MaxValueValidator(REFRESH_MAX)],
        help_text=f"Minutes between fetches ({REFRESH_MIN}–{REFRESH_MAX}); empty follows the "
        f"feed's <ttl> or sy:updatePeriod, else {REFRESH_DEFAULT}.",
    )
    # What the feed itself asked for at its last fetch, already clamped; None if nothing.
    feed_refresh_minutes = models.PositiveIntegerField(null=True, blank=True)
    next_fetch = models.DateTimeField(null=True, blank=True, db_index=True)
    # A worker that claimed the feed holds it until then; another worker skips it.
    claimed_until = models.DateTimeField(null=True, blank=True)
    last_fetch = models.DateTimeField(null=True, blank=True)
    last_success = models.DateTimeField(null=True, blank=True)
    etag = models.CharField(max_length=500, blank=True)
    last_modified = models.CharField(max_length=100, blank=True)
    # Failures in a row; it sets the back-off and goes back to 0 on success.
    error_count = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)

    objects = SourceQuerySet.as_manager()

    if TYPE_CHECKING:
        entries: RelatedManager[FeedEntry]

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["site_url"],
                condition=models.Q(feed_url__isnull=True) & ~models.Q(site_url=""),
                name="unique_site_without_feed",
            ),
            models.CheckConstraint(
                condition=models.Q(refresh_minutes__isnull=True)
                | models.Q(refresh_minutes__gte=REFRESH_MIN, refresh_minutes__lte=REFRESH_MAX),
                name="source_refresh_minutes_range",
            ),
        ]
        indexes = [models.Index(Lower("name"), "id", name="source_listing_idx")]

    def __str__(self) -> str:
        return self.name

    def may_be_managed_by(self, user: User | AnonymousUser) -> bool:
        return bool(user.is_authenticated and (user.is_staff or self.added_by_id == user.pk))

    @property
    def refresh_interval(self) -> timedelta:
        """Time between successful fetches: the chosen interval, else the feed's, else
        the default."""
        minutes = self.refresh_minutes or self.feed_refresh_minutes or REFRESH_DEFAULT
        return timedelta(minutes=clamp_refresh_minutes(minutes))

    @property
    def refresh_basis(self) -> str:
        """Where refresh_interval comes from: "chosen", "feed" or "default"."""
        if self.refresh_minutes:
            return "chosen"
        return "feed" if self.feed_refresh_minutes else "default"

    @property
    def automatic_label(self) -> str:
        """The schedule without a chosen interval: "every 2 hours, as the feed asks"."""
        if self.feed_refresh_minutes:
            minutes = clamp_refresh_minutes(self.feed_refresh_minutes)
            return f"every {describe_minutes(minutes)}, as the feed asks"
        return f"every {describe_minutes(REFRESH_DEFAULT)} (the default)"

    @property
    def chosen_interval(self) -> str:
        """The interval its adder chose, in words ("2 hours"); "" when none is chosen."""
        if not self.refresh_minutes:
            return ""
        return describe_minutes(clamp_refresh_minutes(self.refresh_minutes))

    @property
    def refresh_label(self) -> str:
        """The schedule in force, and why it is that."""
        if self.refresh_minutes:
            return f"every {self.chosen_interval}"
        return self.automatic_label

    @property
    def backoff_label(self) -> str:
        """Why the next fetch is not on the schedule ("" when it is): failures in a row
        wait longer each time."""
        if not self.error_count:
            return ""
        wait = describe_minutes(int(backoff(self.error_count).total_seconds() // 60))
        failed = (
            "a failed fetch"
            if self.error_count == 1
            else f"{self.error_count} failed fetches in a row"
        )
        return f"retrying: after {failed} the wait is {wait} (it doubles each time, up to a day)"

    def fetch_due_after(self, fetched: datetime) -> datetime:
        """When the feed is due again after a fetch at `fetched` with its current error
        count: its interval after a success, the back-off after failures."""
        if self.error_count:
            return fetched + backoff(self.error_count)
        return fetched + self.refresh_interval

    def set_refresh_minutes(self, minutes: int | None) -> None:
        """Choose the interval (None: follow the feed) and move the next fetch to match,
        so the page shows the new schedule at once. A feed never fetched stays due, and
        one that is failing keeps its back-off."""
        self.refresh_minutes = minutes
        if self.last_fetch is not None and not self.error_count:
            self.next_fetch = self.fetch_due_after(self.last_fetch)
        Source.objects.filter(pk=self.pk).update(
            refresh_minutes=self.refresh_minutes, next_fetch=self.next_fetch
        )

    @property
    def is_fetching(self) -> bool:
        """Claimed by a worker, or stories from its last fetch still being ingested."""
        claimed = self.claimed_until is not None and self.claimed_until > timezone.now()
        return claimed or getattr(self, "pending_count", 0) > 0

    @property
    def schedule_state(self) -> str:
        """What the sources page says about the next fetch: fetching, paused, due or
        scheduled (then next_fetch says when)."""
        if self.is_fetching:
            return "fetching"
        if self.paused:
            return "paused"
        if self.next_fetch is None or self.next_fetch <= timezone.now():
            return "due"
        return "scheduled"


class StoryQuerySet(models.QuerySet["Story"]):
    def shared(self) -> StoryQuerySet:
        """Stories made from text the server fetched itself (feeds, Add → From the web,
        the samples and `manage.py ingest`): everyone's. Lookups by URL on behalf of the
        server (a feed item, a refetch) go through this."""
        return self.filter(owner__isnull=True)

    def visible_to(self, user: AbstractBaseUser | AnonymousUser) -> StoryQuerySet:
        """The stories `user` may list, search and open: the shared ones and their own
        copies. Another reader's copy does not exist for them (404, never listed), staff
        included; the admin is where staff see everything. A share link of an annotation
        reaches a copy without this (annotations/sharing.py)."""
        if not user.is_authenticated:
            return self.shared()
        return self.filter(models.Q(owner__isnull=True) | models.Q(owner_id=user.pk))

    def readable_by(self, user: AbstractBaseUser | AnonymousUser) -> StoryQuerySet:
        """The stories `user` may open: visible to them, and with a text to read."""
        return self.visible_to(user).filter(current_revision__isnull=False)

    def annotated_by(self, user: AbstractBaseUser | AnonymousUser) -> StoryQuerySet:
        """The stories the user annotated (a row per annotation)."""
        return self.filter(annotations__author_id=user.pk)

    def title_of(self, pk: int) -> str | None:
        """The title of the story with this id among these, None if it is not."""
        return self.filter(pk=pk).values_list("title", flat=True).first()

    def for_listing(self) -> StoryQuerySet:
        """What the front page shows: one query, no body text."""
        return (
            self.filter(current_revision__isnull=False)
            .select_related("source", "current_revision")
            .defer("current_revision__body_html", "current_revision__body_text")
            .order_by("-sort_date", "-id")
        )

    def before(self, when: datetime, pk: int) -> StoryQuerySet:
        """Keyset paging: stories listed after (older than) the one at (when, pk).

        The bound on sort_date alone is what lets the database start the page's index scan
        at the cursor; the OR only sorts out the stories sharing its date."""
        return paging.keyset(self, "sort_date", when, pk, descending=True)


class Story(models.Model):
    """A story is either shared or one reader's own copy.

    Shared (no owner): made from text the server fetched itself. Only such text revises it,
    so what everyone reads under a URL is what the publisher serves. Owned: made from text a
    reader supplied (a paste, an upload, a page their browser saved, perhaps behind their
    paywall). It is that reader's alone: listed, searched and opened by them only, revised
    only by their own text, and reached by others only through the share link of an
    annotation on it. Its URL may be a shared story's too: the two never meet.
    """

    # Unique among shared stories, and among each reader's copies (Meta.constraints); NULL,
    # not "", for the stories without one, which the constraints must not compare.
    url = models.URLField(max_length=2000, blank=True, null=True)  # noqa: DJ001
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="own_stories",
        help_text="The reader whose own copy this is; empty for a shared story.",
        # Indexed for the copies only (Meta.indexes): an index that also held the shared
        # stories would tempt the database to read them all through it and sort them,
        # instead of walking the listing index in order.
        db_index=False,
    )
    title = models.CharField(max_length=500)
    dek = models.TextField(blank=True)
    byline = models.CharField(max_length=300, blank=True)
    site_name = models.CharField(max_length=200, blank=True)
    published = models.DateTimeField(null=True, blank=True)
    language = models.CharField(max_length=20, blank=True)
    source = models.ForeignKey(
        Source, null=True, blank=True, on_delete=models.SET_NULL, related_name="stories"
    )
    # Published date when known, else when we first saw it: the front page orders by it.
    sort_date = models.DateTimeField(db_index=True)
    # RESTRICT, not PROTECT: a revision cannot be deleted from under its story, but the
    # story goes with its revisions (a reader's copies go with the reader's account).
    current_revision = models.OneToOneField(
        "StoryRevision",
        null=True,
        blank=True,
        on_delete=models.RESTRICT,
        related_name="+",
    )
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    objects = StoryQuerySet.as_manager()

    if TYPE_CHECKING:
        revisions: RelatedManager[StoryRevision]

    class Meta:
        verbose_name_plural = "stories"
        indexes = [
            models.Index(fields=["-sort_date", "-id"], name="story_listing_idx"),
            models.Index(
                fields=["owner", "-sort_date", "-id"],
                condition=models.Q(owner__isnull=False),
                name="story_own_listing_idx",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["url"], condition=models.Q(owner__isnull=True), name="unique_shared_url"
            ),
            models.UniqueConstraint(
                fields=["owner", "url"],
                condition=models.Q(owner__isnull=False),
                name="unique_own_url",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return path("story", self.pk, self.slug)

    @property
    def state_url(self) -> str:
        """Where its save / read buttons post (a list shows one per story)."""
        return path("story_state", self.pk)

    @property
    def slug(self) -> str:
        return slugify(self.title)[:80] or "story"

    @property
    def is_own_copy(self) -> bool:
        """A reader's own copy (see the class docstring), not a shared story."""
        return self.owner_id is not None

    def is_visible_to(self, user: AbstractBaseUser | AnonymousUser) -> bool:
        """The same rule as StoryQuerySet.visible_to, for a story already loaded."""
        return self.owner_id is None or (user.is_authenticated and self.owner_id == user.pk)

    @property
    def display_source(self) -> str:
        if self.site_name:
            return self.site_name
        return self.source.name if self.source else ""


def get_visible_story_or_404(user: AbstractBaseUser | AnonymousUser, story_id: int) -> Story:
    """The story a page at /stories/<id>/ is about, with its source and current revision:
    404 for one the user may not see (another reader's copy) or that has no text yet."""
    return get_object_or_404(
        Story.objects.readable_by(user).select_related("source", "current_revision"), pk=story_id
    )


class StoryRevision(models.Model):
    """An immutable snapshot of a story body. Ingestion only ever adds these."""

    class Origin(models.TextChoices):
        FILE = "file", "File"
        URL = "url", "URL"
        FEED = "feed", "Feed"
        PASTE = "paste", "Paste"
        # A file exported by another service (imports/), or a page saved from the
        # reader's browser (the bookmarklet): the reader's own copy either way.
        IMPORT = "import", "Import"
        BROWSER = "browser", "Saved from the browser"

    story = models.ForeignKey(Story, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=500)
    dek = models.TextField(blank=True)
    body_html = models.TextField()
    # Exactly the textContent of body_html (see newsreader.sanitizer.html_to_text):
    # annotation offsets are code points into this string.
    body_text = models.TextField()
    content_hash = models.CharField(max_length=64)
    word_count = models.PositiveIntegerField(default=0)
    origin = models.CharField(max_length=10, choices=Origin.choices)
    origin_detail = models.CharField(max_length=2000, blank=True)
    # Set when this body is the feed's own text because the page could not be fetched or
    # extracted: why, for the notice in the reading view.
    page_error = models.CharField(max_length=500, blank=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["story", "number"]
        indexes = [models.Index(fields=["content_hash"], name="revision_hash_idx")]
        constraints = [
            models.UniqueConstraint(fields=["story", "number"], name="unique_revision_number"),
        ]

    def __str__(self) -> str:
        return f"{self.story_id} r{self.number}"

    @staticmethod
    def hash_content(title: str, dek: str, body_html: str) -> str:
        digest = hashlib.sha256()
        for part in (title, dek, body_html):
            digest.update(part.encode())
            digest.update(b"\0")
        return digest.hexdigest()

    @property
    def reading_minutes(self) -> int:
        return max(1, math.ceil(self.word_count / WORDS_PER_MINUTE))


class FeedEntry(models.Model):
    """One item of a feed as last seen, and the story it became.

    The feed's own text is kept so the story can be made from it when the page cannot be
    fetched; `entry_hash` tells a changed item (fetch the page again) from one seen before.
    """

    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="entries")
    guid_hash = models.CharField(max_length=64)
    guid = models.TextField()
    link = models.URLField(max_length=2000, blank=True)
    title = models.CharField(max_length=500, blank=True)
    content_html = models.TextField(blank=True)
    author = models.CharField(max_length=300, blank=True)
    published = models.DateTimeField(null=True, blank=True)
    entry_hash = models.CharField(max_length=64)
    story = models.ForeignKey(
        Story, null=True, blank=True, on_delete=models.SET_NULL, related_name="feed_entries"
    )
    # Waiting for the ingestion task; pending_since lets a lost task be noticed.
    pending = models.BooleanField(default=True)
    pending_since = models.DateTimeField(null=True, blank=True)
    # Why the last attempt stored nothing (or kept the stored story as it was).
    error = models.TextField(blank=True)
    first_seen = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "feed entries"
        constraints = [
            models.UniqueConstraint(fields=["source", "guid_hash"], name="unique_feed_entry"),
        ]
        indexes = [models.Index(fields=["source", "pending"], name="feed_entry_pending_idx")]

    def __str__(self) -> str:
        return self.title or self.link or self.guid
