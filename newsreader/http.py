from typing import Any

from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django_htmx.middleware import HtmxDetails


class HtmxHttpRequest(HttpRequest):
    """The request type our views see: HtmxMiddleware adds `htmx`."""

    htmx: HtmxDetails


def render_fragments(request: HttpRequest, *parts: tuple[str, dict[str, Any]]) -> HttpResponse:
    """One htmx response made of several rendered partials (the first is the swap target's,
    the others swap out of band)."""
    return HttpResponse(
        "".join(render_to_string(template, context, request) for template, context in parts)
    )
