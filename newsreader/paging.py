"""Keyset paging, in one place: the cursors pages hand to the next page, and the filter
that starts a page at one.

A cursor names the last row shown by its sort key and its id, "<key>~<id>": the key is a
datetime (ISO 8601), a string (a lower-cased name, which may hold "~" itself; the id
never does) or a finite number (a search rank, as repr writes it). ``parse`` gives None
for anything else, which the HTML pages take as the first page and the API refuses with
400.

The filter bounds the sort key alone as well as (key, id) together: the bound on the key
is what lets the database start the page's index scan at the cursor (deep pages cost what
the first does); the OR only sorts out the rows sharing the cursor's key.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import datetime
from typing import Any, overload

from django.db.models import Q, QuerySet
from django.utils.dateparse import parse_datetime

SEPARATOR = "~"

type Key = datetime | str | float


def encode(key: Key, pk: int) -> str:
    """The cursor of the row whose sort key is ``key`` and whose id is ``pk``."""
    text = (
        key.isoformat() if isinstance(key, datetime) else key if isinstance(key, str) else repr(key)
    )
    return f"{text}{SEPARATOR}{pk}"


@overload
def parse(value: str | None, kind: type[datetime] = ...) -> tuple[datetime, int] | None: ...
@overload
def parse(value: str | None, kind: type[str]) -> tuple[str, int] | None: ...
@overload
def parse(value: str | None, kind: type[float]) -> tuple[float, int] | None: ...
def parse(value: str | None, kind: type[Any] = datetime) -> tuple[Any, int] | None:
    """The (key, id) of a cursor made by ``encode``, ``kind`` the key's type; None if it
    is not one (no separator, an id that is not digits, a key that is not a datetime, a
    NUL character, which PostgreSQL's text cannot hold)."""
    if not value or SEPARATOR not in value or "\x00" in value:
        return None
    text, _, pk = value.rpartition(SEPARATOR)
    if not (pk.isascii() and pk.isdigit()):
        return None
    if kind is str:
        return text, int(pk)
    if kind is float:
        try:
            number = float(text)
        except ValueError:
            return None
        return (number, int(pk)) if math.isfinite(number) else None
    try:
        when = parse_datetime(text)
    except ValueError:  # well formed, but no such date ("2026-02-30")
        return None
    return (when, int(pk)) if when is not None else None


def keyset[Rows: QuerySet[Any]](
    queryset: Rows, field: str, key: Key, pk: int, *, descending: bool
) -> Rows:
    """The rows after the cursor's row in the order (field, pk), both descending or both
    ascending."""
    side = "lt" if descending else "gt"
    return queryset.filter(**{f"{field}__{side}e": key}).filter(
        Q(**{f"{field}__{side}": key}) | Q(**{field: key, f"pk__{side}": pk})
    )


def split[T](rows: Iterable[T], size: int) -> tuple[list[T], T | None]:
    """A page from up to ``size + 1`` rows (read once: a sliced queryset is one query):
    its ``size`` rows, and its last row when another page follows (the row the next
    page's cursor names)."""
    found = list(rows)
    page = found[:size]
    return page, (page[-1] if len(found) > size and page else None)
