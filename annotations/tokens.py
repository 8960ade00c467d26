"""Personal API tokens: ``Authorization: Bearer <token>`` for the W3C annotation API.

Only a SHA-256 digest of a token is stored. A token is 256 random bits, so a plain hash
(no salt, no slow KDF) is enough: there is nothing to brute-force, and a lookup by digest
is one indexed query. The token itself is shown once, when it is created.
"""

from __future__ import annotations

import hashlib
import secrets
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.utils import timezone

if TYPE_CHECKING:
    from django.contrib.auth.models import User

PREFIX = "nr_"  # recognisable in a leaked log or a secret scanner
MAX_TOKENS = 20  # per user
# last_used is written at most this often per token: not a write on every API call.
LAST_USED_RESOLUTION = 60  # seconds


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class ApiTokenQuerySet(models.QuerySet["ApiToken"]):
    def authenticate(self, token: str) -> ApiToken | None:
        """The token's row (with its user), or None for an unknown or revoked token."""
        if not token.startswith(PREFIX) or len(token) > 100:
            return None
        found = (
            self.select_related("user").filter(digest=hash_token(token), user__is_active=True)
        ).first()
        if found is not None:
            found.touch()
        return found


class ApiToken(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100)
    digest = models.CharField(max_length=64, unique=True, editable=False)
    # The first characters, to tell tokens apart on the settings page.
    hint = models.CharField(max_length=12, editable=False)
    created = models.DateTimeField(default=timezone.now)
    last_used = models.DateTimeField(null=True, blank=True, editable=False)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created", "-id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.hint}…)"

    @classmethod
    def issue(cls, user: User, name: str) -> tuple[ApiToken, str]:
        """A new token for user: (the row, the token to show once)."""
        token = PREFIX + secrets.token_urlsafe(32)
        row = cls.objects.create(
            user=user, name=name.strip(), digest=hash_token(token), hint=token[:8]
        )
        return row, token

    def touch(self) -> None:
        now = timezone.now()
        if self.last_used is None or (now - self.last_used).total_seconds() > LAST_USED_RESOLUTION:
            ApiToken.objects.filter(pk=self.pk).update(last_used=now)
            self.last_used = now
