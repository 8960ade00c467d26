from __future__ import annotations

from typing import Any

from django import template

from reading.models import UserPreferences

register = template.Library()


@register.simple_tag(takes_context=True)
def preference_classes(context: dict[str, Any]) -> str:
    """The reader's theme and text size as classes for <html> (CSS does the rest: the CSP
    allows no inline styles). One query per page, none for visitors."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return UserPreferences().html_classes
    cached = getattr(request, "_library_preferences", None)
    if cached is None:
        cached = UserPreferences.for_user(user)
        request._library_preferences = cached  # type: ignore[union-attr]
    return cached.html_classes
