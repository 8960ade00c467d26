"""{% path "name" arg … %}: {% url %}'s output (the same string, escaped the same way) by
newsreader.paths, which reverses each URL name once per URL conf and script prefix. Every
page shows a dozen such links; {% url %} walked the resolver for each, every time.

{% asset "css/app.css" %}: {% static %}'s output, looked up once per process, static URL
and storage: the storage's answer never changes while a process runs (a deployment's
manifest is read when the process starts), and a page names nine files."""

from django import template
from django.conf import settings
from django.templatetags.static import static

from newsreader.paths import path as build

register = template.Library()

_ASSETS: dict[tuple[str, str, str], str] = {}


@register.simple_tag(name="path")
def path(name: str, *args: int | str) -> str:
    return build(name, *args)


@register.simple_tag
def asset(name: str) -> str:
    key = (str(settings.STATIC_URL), str(settings.STORAGES["staticfiles"]["BACKEND"]), name)
    found = _ASSETS.get(key)
    if found is None:
        found = _ASSETS[key] = static(name)
    return found
