"""The project's URLs plus the benchmark's floors, for `manage.py bench_pages` only (it
swaps this in with override_settings; the product's ROOT_URLCONF never routes here)."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template import engines
from django.urls import path

from newsreader.urls import urlpatterns as project_urlpatterns

from . import floors

_FLOOR = engines["django"].from_string("<!doctype html><title>{{ title }}</title><p>{{ text }}</p>")


def floor(request: HttpRequest) -> HttpResponse:
    """A bare view rendering a trivial template through the whole middleware stack."""
    return HttpResponse(_FLOOR.render({"title": "Floor", "text": "Hello"}, request))


def base(request: HttpRequest) -> HttpResponse:
    """What every page of the site costs before its own content: the reader's session, user
    and preferences, and the base template (navigation, search box, log-out form)."""
    return render(request, "base.html")


urlpatterns = [
    path("__bench/floor/", floor, name="bench_floor"),
    path("__bench/base/", base, name="bench_base"),
    path("__bench/same/front/", floors.front_page, name="bench_same_front"),
    path("__bench/same/stories/<int:story_id>/", floors.reading_view, name="bench_same_story"),
    *project_urlpatterns,
]
