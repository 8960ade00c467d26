"""Rate limits for the views that create things or check passwords.

    @ratelimit(key="ip", rate="20/m", method="POST", scope="login")

`key` is "ip" (REMOTE_ADDR, an IPv6 client by its /64), "user" (the signed-in user; the
IP for anonymous requests) or a callable returning a string (e.g. the username a log-in
form names; an empty string means "don't count this request"). `rate` is "N/s", "N/m",
"N/h" or "N/d"; `settings.RATELIMIT_RATES[scope]` overrides it, so an operator tunes a
limit without touching code. Over the limit the view is not called: the answer is a 429
with `Retry-After`, the page "Too many requests — try again in N s" (templates/429.html),
or its `message` fragment for htmx requests. `RATELIMIT_ENABLED = False` turns every limit
off (on by default, tests included).

Why a table with an atomic upsert rather than a cache: web processes are stateless and
several may run, so counters must live in a store they share, and the only one every
deployment has is the database (SQLite or PostgreSQL, no Redis/memcached). Django's
DatabaseCache would share them too, but its `incr()` is a read followed by a write, so
concurrent requests lose counts exactly when it matters. One
`INSERT … ON CONFLICT (key) DO UPDATE SET count = count + 1 … RETURNING` statement is atomic
on both databases (SQLite ≥ 3.35), costs one round trip, and needs no extra service or
`createcachetable` step. Windows are fixed (they start at a client's first request);
expired rows are deleted now and then by the requests themselves.
"""

from __future__ import annotations

import functools
import hashlib
import ipaddress
import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar, cast

from django.conf import settings
from django.db import connection, transaction
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.template.loader import render_to_string

from .models import RateLimitCounter

View = TypeVar("View", bound=Callable[..., HttpResponseBase])
KeyFunc = Callable[[HttpRequest], str]

PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
CLEANUP_CHANCE = 0.01


@dataclass(frozen=True)
class Rate:
    limit: int
    period: int  # seconds

    @classmethod
    def parse(cls, rate: str) -> Rate:
        count, _, unit = rate.partition("/")
        if not count.isdigit() or unit not in PERIODS:
            raise ValueError(f"A rate is 'N/s', 'N/m', 'N/h' or 'N/d', not {rate!r}.")
        return cls(int(count), PERIODS[unit])


def client_ip(request: HttpRequest) -> str:
    """The client's address; an IPv6 client is its /64 (one host owns a whole /64)."""
    raw = request.META.get(getattr(settings, "RATELIMIT_IP_META", "REMOTE_ADDR"), "")
    # A proxy header may hold a list; the proxy we trust appended the last entry.
    value = str(raw).split(",")[-1].strip()
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return value or "unknown"
    if address.version == 6:
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def _user_or_ip(request: HttpRequest) -> str:
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    return f"ip:{client_ip(request)}"


def _key_func(key: str | KeyFunc) -> KeyFunc:
    if callable(key):
        return key
    if key == "ip":
        return lambda request: f"ip:{client_ip(request)}"
    if key == "user":
        return _user_or_ip
    raise ValueError(f"key is 'ip', 'user' or a callable, not {key!r}.")


def hit(scope: str, client: str, rate: Rate, now: float | None = None) -> tuple[int, float]:
    """Count one request of `client` in `scope`; (requests in this window, window end)."""
    now = time.time() if now is None else now
    digest = hashlib.sha256(f"{scope}\0{client}".encode()).hexdigest()
    q = connection.ops.quote_name
    table, key, count_, end = (
        q(n) for n in (RateLimitCounter._meta.db_table, "key", "count", "window_end")
    )
    # Only quoted identifiers are interpolated; every value is a parameter.
    sql = (
        f"INSERT INTO {table} ({key}, {count_}, {end}) VALUES (%s, 1, %s) "  # noqa: S608
        f"ON CONFLICT ({key}) DO UPDATE SET "
        f"{count_} = CASE WHEN {table}.{end} <= %s THEN 1 ELSE {table}.{count_} + 1 END, "
        f"{end} = CASE WHEN {table}.{end} <= %s THEN excluded.{end} ELSE {table}.{end} END "
        f"RETURNING {count_}, {end}"
    )
    # Its own savepoint: a rate-limit hiccup must not poison the caller's transaction.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, [digest, now + rate.period, now, now])
        count, window_end = cursor.fetchone()
        if random.random() < CLEANUP_CHANCE:
            RateLimitCounter.objects.filter(window_end__lt=now).delete()
    return int(count), float(window_end)


def too_many_requests(request: HttpRequest, retry_after: int) -> HttpResponse:
    context = {"retry_after": retry_after}
    template = "429.html#message" if getattr(request, "htmx", False) else "429.html"
    response = HttpResponse(render_to_string(template, context, request), status=429)
    response["Retry-After"] = str(retry_after)
    return response


def ratelimit(
    *,
    key: str | KeyFunc,
    rate: str,
    scope: str,
    method: str | tuple[str, ...] = "POST",
    refuse: Callable[[HttpRequest, int], HttpResponse] = too_many_requests,
) -> Callable[[View], View]:
    """Limit the decorated view to `rate` requests per client (`key`) in `scope`.

    `refuse(request, retry_after)` answers over the limit: a page by default; the API
    passes its own so a client always gets the JSON its error handling expects.
    """
    key_func = _key_func(key)
    methods = (method,) if isinstance(method, str) else method
    Rate.parse(rate)  # a typo fails at import, not on the first request

    def decorator(view: View) -> View:
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not getattr(settings, "RATELIMIT_ENABLED", True) or request.method not in methods:
                return view(request, *args, **kwargs)
            client = key_func(request)
            if client:
                limit = Rate.parse(getattr(settings, "RATELIMIT_RATES", {}).get(scope, rate))
                now = time.time()
                count, window_end = hit(scope, client, limit, now)
                if count > limit.limit:
                    return refuse(request, max(1, math.ceil(window_end - now)))
            return view(request, *args, **kwargs)

        return cast(View, wrapper)

    return decorator


def posted(field: str) -> KeyFunc:
    """Key on a submitted form field, case-folded (the account a log-in attempt names)."""

    def key(request: HttpRequest) -> str:
        value = request.POST.get(field, "").strip().casefold()
        return f"{field}:{value}" if value else ""

    return key
