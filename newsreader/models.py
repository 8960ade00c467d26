"""Project-wide tables that belong to no feature app."""

from django.db import models


class RateLimitCounter(models.Model):
    """One fixed-window counter of `newsreader.ratelimit` (see its docstring)."""

    key = models.CharField(max_length=64, unique=True)  # sha256 of scope and client
    count = models.PositiveIntegerField(default=0)
    window_end = models.FloatField(db_index=True)  # Unix seconds

    def __str__(self) -> str:
        return f"{self.key[:12]}… {self.count} until {self.window_end:.0f}"
