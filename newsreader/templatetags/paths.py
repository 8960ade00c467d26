"""{% path "name" arg … %}: {% url %}'s output (the same string, escaped the same way) by
newsreader.paths, which reverses each URL name once per URL conf and script prefix. Every
page shows a dozen such links; {% url %} walked the resolver for each, every time."""

from django import template

from newsreader.paths import path as build

register = template.Library()


@register.simple_tag(name="path")
def path(name: str, *args: int | str) -> str:
    return build(name, *args)
