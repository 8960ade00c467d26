from __future__ import annotations

import hashlib
import math
from datetime import datetime
from typing import TYPE_CHECKING

from django.db import models
from django.urls import reverse
from django.utils.text import slugify

if TYPE_CHECKING:
    from django.db.models.fields.related_descriptors import RelatedManager

WORDS_PER_MINUTE = 230


class Source(models.Model):
    """A publication or a feed stories come from."""

    name = models.CharField(max_length=200)
    site_url = models.URLField(max_length=2000, blank=True)
    feed_url = models.URLField(max_length=2000, blank=True, null=True, unique=True)
    created = models.DateTimeField(auto_now_add=True)

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
        """Keyset paging: stories listed after (older than) the one at (when, pk)."""
        return self.filter(models.Q(sort_date__lt=when) | models.Q(sort_date=when, pk__lt=pk))


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
