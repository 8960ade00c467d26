from __future__ import annotations

from datetime import datetime, timedelta

from django import template
from django.utils import timezone
from django.utils.dateformat import format as format_date
from django.utils.html import avoid_wrapping
from django.utils.timesince import TIME_STRINGS, timeuntil

register = template.Library()


@register.filter
def ago(value: datetime | None) -> str:
    """ "just now", "5 minutes ago", "3 days ago"; the date once it is over a week old."""
    if value is None:
        return ""
    age = timezone.now() - value
    if age < timedelta(minutes=1):
        return "just now"
    if age < timedelta(days=7):
        # What timesince(value, depth=1) says (its words, whole units), without its
        # calendar arithmetic: a story page asks this for every card and reply.
        seconds = age.days * 86400 + age.seconds
        for unit, size in _UNITS:
            if seconds >= size:
                return f"{avoid_wrapping(TIME_STRINGS[unit] % {'num': seconds // size})} ago"
    return format_date(timezone.localtime(value), "j M Y")


_UNITS = (("day", 86400), ("hour", 3600), ("minute", 60))


@register.filter
def until(value: datetime | None) -> str:
    """ "in 9 minutes", "in under a minute": how long until value (a time to come)."""
    if value is None:
        return ""
    if value - timezone.now() < timedelta(minutes=1):
        return "in under a minute"
    return f"in {timeuntil(value)}"
