from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def absolute_url(context: dict[str, Any], path: str) -> str:
    """path as an absolute URL on this site (what a reader pastes elsewhere)."""
    request = context.get("request")
    if request is None:
        return path
    return str(request.build_absolute_uri(path))
