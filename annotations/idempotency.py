"""Creating an annotation or a reply once, however often the request is sent.

A double-click, a retried request after a timeout, a form sent again with Back: each
would store the same thing twice. Two guards, both checked inside the transaction that
locks what is being written to (the story, or the annotation replied to), so concurrent
copies of a request are serialized and the second sees the first:

* an idempotency key: the forms carry one (rendered with the form, a new one each time),
  the API takes the ``Idempotency-Key`` header. A key seen before from the same user with
  the same request answers with what the first request made; with another request it is
  a conflict (the API's 422; a form just proceeds without it). Keys are kept a day.
* a window: the same user creating the identical thing (the same passage, colour, comment,
  tags and visibility; the same reply text) within ``WINDOW`` gets the one already made.
  A copy that says when it was made (a restore, ``created`` given) is not a repeat.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone

WINDOW = timedelta(seconds=10)
KEPT = timedelta(days=1)
MAX_KEY = 100


def new_key() -> str:
    """A key for a form about to be shown."""
    return secrets.token_urlsafe(16)


def fingerprint(request: Any) -> str:
    """What makes two requests with one key the same request."""
    return hashlib.sha256(json.dumps(request, sort_keys=True, default=str).encode()).hexdigest()


class KeyReused(Exception):
    """The key came with another request before."""


@dataclass(frozen=True)
class Once:
    """How a create is made once: the client's key (may be empty) and the request's
    fingerprint; ``window``: refuse an identical create made moments ago; ``strict``:
    a reused key is an error (the API) rather than ignored (a form)."""

    key: str = ""
    fingerprint: str = ""
    window: bool = True
    strict: bool = False


class IdempotencyKey(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="idempotency_keys"
    )
    key = models.CharField(max_length=MAX_KEY)
    fingerprint = models.CharField(max_length=64)
    # What the first request made. Deleting it forgets the key.
    annotation = models.ForeignKey(
        "annotations.Annotation", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    reply = models.ForeignKey(
        "annotations.Reply", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="idempotency_key_unique")
        ]
        indexes = [models.Index(fields=["user", "created"], name="idempotency_user_idx")]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.key}"

    @classmethod
    def seen(cls, user: Any, once: Once) -> IdempotencyKey | None:
        """The key's record from the same request; None for a new key (or none). Raises
        KeyReused when it came with another request and ``once`` is strict."""
        if not once.key:
            return None
        found = cls.objects.filter(
            user=user, key=once.key, created__gte=timezone.now() - KEPT
        ).first()
        if found is None or found.fingerprint == once.fingerprint:
            return found
        if once.strict:
            raise KeyReused(once.key)
        return None

    @classmethod
    def record(cls, user: Any, once: Once, **made: Any) -> None:
        if not once.key:
            return
        now = timezone.now()
        cls.objects.filter(user=user, created__lt=now - KEPT).delete()
        # A key reused for another request by a form (not strict) is not recorded again.
        cls.objects.get_or_create(
            user=user, key=once.key, defaults={"fingerprint": once.fingerprint, **made}
        )
