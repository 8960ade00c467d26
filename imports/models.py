"""An import: one uploaded export file, read and checked in the request, then gone
through item by item by the worker (imports/tasks.py), with its progress and report."""

from __future__ import annotations

import secrets
from typing import Any

from django.conf import settings
from django.db import models
from django.urls import reverse

from .formats import FORMATS


class ImportJob(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", "Waiting for the worker"
        RUNNING = "running", "Importing"
        DONE = "done", "Done"
        FAILED = "failed", "Stopped"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="import_jobs"
    )
    file_name = models.CharField(max_length=255)
    file_hash = models.CharField(max_length=64)
    format = models.CharField(max_length=20, choices=list(FORMATS.items()))
    # Who sees imported highlights: "private", or "as-file" to keep what the file says
    # (Hypothesis and our own export say it; a public one on a reader's own copy becomes
    # link-only, the most a copy allows).
    visibility = models.CharField(max_length=10, default="private")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    # The work list: the file's items as imports.formats reads them. Emptied at the end.
    items = models.JSONField(default=list)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    # What came in (new things only: a second import of the same file adds nothing).
    stories = models.PositiveIntegerField(default=0)
    highlights = models.PositiveIntegerField(default=0)
    tags = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    # Items kept with a note (a page that could not be fetched, a quote not found) and
    # items that failed: [{"title", "url", "reason", "failed": bool}].
    report = models.JSONField(default=list)
    error = models.TextField(blank=True)
    created = models.DateTimeField(auto_now_add=True)
    finished = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created", "-pk"]
        indexes = [models.Index(fields=["user", "-created"], name="import_user_idx")]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.get_format_display()})"

    def get_absolute_url(self) -> str:
        return reverse("import_job", args=[self.pk])

    @property
    def is_running(self) -> bool:
        return self.status in {self.Status.QUEUED, self.Status.RUNNING}

    @property
    def percent(self) -> int:
        if not self.total:
            return 100 if not self.is_running else 0
        return round(100 * self.done / self.total)

    @property
    def failures(self) -> list[dict[str, Any]]:
        return [entry for entry in self.report if entry.get("failed")]

    @property
    def notes(self) -> list[dict[str, Any]]:
        return [entry for entry in self.report if not entry.get("failed")]


def new_save_key() -> str:
    return secrets.token_urlsafe(24)


class SaveKey(models.Model):
    """The secret a reader's bookmarklet carries. The save window saves only what comes
    with it, so another site that opens that window and posts into it saves nothing;
    making a new one (on the Save from anywhere page) revokes the old bookmarklet."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="save_key"
    )
    key = models.CharField(max_length=64, unique=True, default=new_save_key)
    created = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"save key of {self.user_id}"

    @classmethod
    def for_user(cls, user: Any) -> SaveKey:
        key, _created = cls.objects.get_or_create(user_id=user.pk)
        return key

    def rotate(self) -> None:
        self.key = new_save_key()
        self.save(update_fields=["key", "created"])
