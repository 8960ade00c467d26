"""Paths of the project's URLs for lists that show one per item: reverse() once per URL
name, URL conf and script prefix, then joined with the item's values.

A front page builds 50 such paths and a story page hundreds; each reverse() walks the
resolver and quotes its arguments. Only ints and slug-safe strings are joined in (what
reverse() would leave as they are); anything else goes through reverse().
"""

from __future__ import annotations

import re

from django.urls import get_script_prefix, get_urlconf, reverse

_SAFE = re.compile(r"[-a-zA-Z0-9_]+")
_PARTS: dict[tuple[object, ...], list[str]] = {}


def _placeholder(index: int, value: object) -> str | int:
    return 918273645000 + index if isinstance(value, int) else f"zqplaceholder{index}zq"


def path(name: str, *args: int | str) -> str:
    """reverse(name, args=args), the same string."""
    if not all(isinstance(a, int) or _SAFE.fullmatch(a) for a in args):
        return reverse(name, args=args)
    kinds = tuple(isinstance(a, int) for a in args)
    key = (name, kinds, get_urlconf(), get_script_prefix())
    parts = _PARTS.get(key)
    if parts is None:
        placeholders = [_placeholder(i, a) for i, a in enumerate(args)]
        text, parts = reverse(name, args=placeholders), []
        for placeholder in placeholders:
            before, _, text = text.partition(str(placeholder))
            parts.append(before)
        parts.append(text)
        _PARTS[key] = parts
    joined = [parts[0]]
    for value, part in zip(args, parts[1:], strict=True):
        joined += [str(value), part]
    return "".join(joined)
