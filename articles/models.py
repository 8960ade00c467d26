from __future__ import annotations

import hashlib
import math
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User
    from django.db.models.fields.related_descriptors import RelatedManager

WORDS_PER_MINUTE = 230


# A feed entry whose ingestion task has not finished after this long is assumed lost (a
# worker died): the sources page stops saying "Fetching…" and the next refresh re-queues it.
ENTRY_STALE_AFTER = timedelta(minutes=30)


class SourceQuerySet(models.QuerySet["Source"]):
    def feeds(self) -> SourceQuerySet:
        return self.filter(feed_url__isnull=False)

    def for_sources_page(self, user: User | AnonymousUser) -> SourceQuerySet:
        """Feeds with their counts and whether `user` may manage them, in one query."""
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
            )
            .order_by(Lower("name"), "pk")
        )


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
    refresh_minutes = models.PositiveIntegerField(default=60)
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
            )
        ]

    def __str__(self) -> str:
        return self.name

    def may_be_managed_by(self, user: User | AnonymousUser) -> bool:
        return bool(user.is_authenticated and (user.is_staff or self.added_by_id == user.pk))

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
        return self.filter(sort_date__lte=when).filter(
            models.Q(sort_date__lt=when) | models.Q(sort_date=when, pk__lt=pk)
        )


class Story(models.Model):
    url = models.URLField(max_length=2000, blank=True, null=True, unique=True)
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
    current_revision = models.OneToOneField(
        "StoryRevision",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    objects = StoryQuerySet.as_manager()

    if TYPE_CHECKING:
        revisions: RelatedManager[StoryRevision]

    class Meta:
        verbose_name_plural = "stories"
        indexes = [models.Index(fields=["-sort_date", "-id"], name="story_listing_idx")]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("story", args=[self.pk, self.slug])

    @property
    def slug(self) -> str:
        return slugify(self.title)[:80] or "story"

    @property
    def display_source(self) -> str:
        if self.site_name:
            return self.site_name
        return self.source.name if self.source else ""


class StoryRevision(models.Model):
    """An immutable snapshot of a story body. Ingestion only ever adds these."""

    class Origin(models.TextChoices):
        FILE = "file", "File"
        URL = "url", "URL"
        FEED = "feed", "Feed"
        PASTE = "paste", "Paste"

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
