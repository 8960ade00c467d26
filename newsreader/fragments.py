"""Fragments of a page rendered once and kept in the configured cache (settings.CACHES),
under a key made of everything the fragment shows and who it was rendered for: nothing to
invalidate (a change is a new key; the old entry ages out), the same in every web process.

A fragment with a form holds a stand-in for the CSRF token, which differs per response;
it is replaced by this response's token on the way out.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.cache import cache as fragment_cache
from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.template.loader import get_template
from django.utils import timezone, translation
from django.utils.safestring import SafeString, mark_safe

CSRF_STAND_IN = "csrf-stand-in"
# Replaced as a whole attribute: text a fragment shows cannot contain it unescaped (quotes are).
_CSRF_FIELD = f'name="csrfmiddlewaretoken" value="{CSRF_STAND_IN}"'


@cache
def _fingerprint(template: str) -> str:
    """The template file's own fingerprint: a deployment with a changed template never
    gets fragments rendered by the old one from a shared cache."""
    path = template.partition("#")[0]
    source = Path(settings.BASE_DIR, "templates", path).read_bytes()
    return hashlib.blake2b(source, digest_size=6).hexdigest()


def key(
    template: str, kind: str, pk: int, parts: Sequence[Any], includes: Sequence[str] = ()
) -> str:
    """includes: the other templates the fragment's template includes."""
    whole = (
        _fingerprint(template),
        *(_fingerprint(included) for included in includes),
        timezone.get_current_timezone_name(),
        translation.get_language(),
        *parts,
    )
    digest = hashlib.blake2b(repr(whole).encode(), digest_size=16).hexdigest()
    return f"{kind}:{pk}:{digest}"


def render(
    template: str, items: Sequence[tuple[str, dict[str, Any]]], request: HttpRequest
) -> list[SafeString]:
    """Each (key, context) rendered by the template partial, or taken from the cache: one
    round trip to it for them all."""
    if not items:
        return []
    keys = [item_key for item_key, _context in items]
    found: dict[str, str] = fragment_cache.get_many(keys)
    missing: dict[str, str] = {}
    compiled = get_template(template)
    fragments = []
    for item_key, context in items:
        fragment = found.get(item_key)
        if fragment is None:
            fragment = compiled.render({**context, "csrf_token": CSRF_STAND_IN})
            missing[item_key] = fragment
        fragments.append(fragment)
    if missing:
        fragment_cache.set_many(missing, settings.FRAGMENT_CACHE_SECONDS)
    field = f'name="csrfmiddlewaretoken" value="{get_token(request)}"'
    # Rendered by the template engine, which escaped what they show.
    return [mark_safe(fragment.replace(_CSRF_FIELD, field)) for fragment in fragments]
