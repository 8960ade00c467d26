"""Each reader's library: what they have read, saved and how far they got, and how they
like the pages to look."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Q, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from articles.models import Story

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

    Viewer = AbstractBaseUser | AnonymousUser


class ReadingStateQuerySet(models.QuerySet["ReadingState"]):
    def for_story(self, user: AbstractBaseUser, story: Story) -> ReadingStateQuerySet:
        return self.filter(user_id=user.pk, story_id=story.pk)

    def mark_read(self, user: AbstractBaseUser, story: Story) -> ReadingState:
        """Opening a story reads it (a story marked unread on purpose is read again when
        it is opened again, as in every mail and feed reader)."""
        state, created = self.get_or_create(
            user_id=user.pk, story_id=story.pk, defaults={"read_at": timezone.now()}
        )
        if not created and state.read_at is None:
            state.read_at = timezone.now()
            state.save(update_fields=["read_at", "updated"])
        return state

    def set_flags(
        self,
        user: AbstractBaseUser,
        story: Story,
        *,
        read: bool | None = None,
        saved: bool | None = None,
    ) -> ReadingState:
        """Set read and/or saved to the given value (not toggled: submitting a form twice
        leaves it as the reader asked)."""
        state, _created = self.get_or_create(user_id=user.pk, story_id=story.pk)
        now = timezone.now()
        if read is not None and read != state.is_read:
            state.read_at = now if read else None
        if saved is not None and saved != state.is_saved:
            state.saved_at = now if saved else None
        state.save()
        return state

    def record_progress(self, user: AbstractBaseUser, story: Story, fraction: float) -> None:
        """Where the reader is in the story (0 = top, 1 = end); scrolling reads it."""
        updated = self.for_story(user, story).update(
            progress=fraction, read_at=Coalesce("read_at", Value(timezone.now()))
        )
        if not updated:
            self.get_or_create(
                user_id=user.pk,
                story_id=story.pk,
                defaults={"progress": fraction, "read_at": timezone.now()},
            )


class ReadingState(models.Model):
    """One reader and one story. No row: unread, not saved, not started."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reading_states"
    )
    story = models.ForeignKey(Story, on_delete=models.CASCADE, related_name="reading_states")
    read_at = models.DateTimeField(null=True, blank=True)
    saved_at = models.DateTimeField(null=True, blank=True)
    # How far down the story the reader scrolled, as a fraction of its length: the reading
    # view scrolls back there.
    progress = models.FloatField(default=0.0)
    # The reader's own tags for the story (Pocket's tags, Omnivore's labels, an
    # Instapaper folder, when imported), from the same vocabulary as highlight tags.
    tags = models.ManyToManyField("annotations.Tag", blank=True, related_name="+")
    updated = models.DateTimeField(auto_now=True)

    objects = ReadingStateQuerySet.as_manager()

    class Meta:
        # Made by the former library app (see library/apps.py): the table keeps its name.
        db_table = "library_readingstate"
        constraints = [
            models.UniqueConstraint(fields=["user", "story"], name="unique_reading_state"),
            models.CheckConstraint(
                condition=Q(progress__gte=0) & Q(progress__lte=1), name="reading_progress_range"
            ),
        ]
        # The front page counts and filters by these without reading the rest.
        indexes = [
            models.Index(
                fields=["user", "story"],
                condition=Q(read_at__isnull=False),
                name="reading_read_idx",
            ),
            models.Index(
                fields=["user", "story"],
                condition=Q(saved_at__isnull=False),
                name="reading_saved_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} / {self.story_id}"

    @property
    def is_read(self) -> bool:
        return self.read_at is not None

    @property
    def is_saved(self) -> bool:
        return self.saved_at is not None


class ListedStories(models.Model):
    """How many stories the front page lists: one row (id 1), kept by database triggers on
    the stories table (reading/listed.py) so that showing the count never counts them. No
    row: none listed."""

    total = models.BigIntegerField(default=0)

    class Meta:
        db_table = "library_listedstories"
        verbose_name_plural = "listed stories"

    def __str__(self) -> str:
        return f"{self.total} listed stories"


class Theme(models.TextChoices):
    SYSTEM = "system", "Same as the system"
    LIGHT = "light", "Light"
    DARK = "dark", "Dark"


class TextSize(models.TextChoices):
    SMALL = "small", "Small"
    MEDIUM = "medium", "Medium"
    LARGE = "large", "Large"
    XLARGE = "xlarge", "Extra large"


class UserPreferences(models.Model):
    """How a reader likes the pages: applied as classes on <html> (no inline styles: CSP)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="preferences",
    )
    theme = models.CharField(max_length=10, choices=Theme.choices, default=Theme.SYSTEM)
    text_size = models.CharField(max_length=10, choices=TextSize.choices, default=TextSize.MEDIUM)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "library_userpreferences"
        verbose_name_plural = "user preferences"

    def __str__(self) -> str:
        return f"Preferences of {self.user_id}"

    @classmethod
    def for_user(cls, user: Viewer) -> UserPreferences:
        """The reader's preferences, or the defaults (unsaved) for anyone without them."""
        if not user.is_authenticated:
            return cls()
        try:
            # Loaded with the user by reading.auth.PreferencesBackend (None when missing);
            # a query otherwise.
            saved = user.preferences  # type: ignore[union-attr,attr-defined]
        except cls.DoesNotExist:
            saved = None
        return saved or cls(user_id=user.pk)

    @property
    def html_classes(self) -> str:
        return f"theme-{self.theme} text-{self.text_size}"
