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
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar, cast

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
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


def _digest(scope: str, client: str) -> str:
    return hashlib.sha256(f"{scope}\0{client}".encode()).hexdigest()


def hit(scope: str, client: str, rate: Rate, now: float | None = None) -> tuple[int, float]:
    """Count one request of `client` in `scope`; (requests in this window, window end)."""
    now = time.time() if now is None else now
    digest = _digest(scope, client)
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


def refund(scope: str, client: str) -> None:
    """Take back one count of `client` in `scope`: the request turned out not to be one
    the limit is about (a log-in that succeeded is not a guess)."""
    RateLimitCounter.objects.filter(key=_digest(scope, client), count__gt=0).update(
        count=F("count") - 1
    )


def _rate(scope: str, default: str) -> Rate:
    return Rate.parse(getattr(settings, "RATELIMIT_RATES", {}).get(scope, default))


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
                limit = _rate(scope, rate)
                now = time.time()
                count, window_end = hit(scope, client, limit, now)
                if count > limit.limit:
                    return refuse(request, max(1, math.ceil(window_end - now)))
            return view(request, *args, **kwargs)

        return cast(View, wrapper)

    return decorator


def account_name(value: str) -> str:
    """A username the way authentication reads it, case-folded: Django's forms apply NFKC
    (so "ａｌｉｃｅ" signs in as "alice"), and the fold makes "ALICE" count as "alice" too;
    every spelling that can reach an account is that account's bucket."""
    folded = unicodedata.normalize("NFKC", value).strip().casefold()
    return unicodedata.normalize("NFKC", folded)  # folding can undo NFKC ("ǰ" → "ǰ")


def posted(field: str) -> KeyFunc:
    """Key on a submitted username field (the account a sign-up asks for), normalised as
    `account_name`."""

    def key(request: HttpRequest) -> str:
        value = account_name(request.POST.get(field, ""))
        return f"{field}:{value}" if value else ""

    return key


# Password guessing (the site's log-in and the admin's share these counters):
# - per address, every attempt at any account: one client spraying many accounts;
# - per account and address, failed attempts only: one client guessing one password.
#   It locks out that client, never the owner signing in from elsewhere;
# - per account from everywhere, failed attempts only, ten times higher: a botnet's
#   distributed guessing. Only this one can refuse the owner, and only once at least ten
#   addresses have each used up their own limit on that account.
# This is the shape of django-axes' ["username", "ip_address"] lockout and of Microsoft's
# Smart Lockout: a wrong guess counts against the place it comes from.
LOGIN_RATES = {"login-ip": "30/m", "login-account-client": "10/h", "login-account": "100/h"}


def limit_login(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Limit a log-in view (a POST of `username` and `password`) by LOGIN_RATES.

    A refused attempt checks no password, so it is no guess: it counts in no further
    bucket (a client hammering after its own 429 cannot use up the account's ceiling),
    and a successful log-in is refunded from the account's buckets.
    """

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not getattr(settings, "RATELIMIT_ENABLED", True) or request.method != "POST":
            return view(request, *args, **kwargs)
        now = time.time()
        ip = client_ip(request)
        account = account_name(request.POST.get("username", ""))
        buckets = [("login-ip", f"ip:{ip}")]
        if account:
            buckets += [
                ("login-account-client", f"account:{account}\0ip:{ip}"),
                ("login-account", f"account:{account}"),
            ]
        counted: list[tuple[str, str]] = []
        for scope, client in buckets:
            limit = _rate(scope, LOGIN_RATES[scope])
            count, window_end = hit(scope, client, limit, now)
            if count > limit.limit:
                for earlier in counted[1:]:  # the address's count stays: it was a request
                    refund(*earlier)
                return too_many_requests(request, max(1, math.ceil(window_end - now)))
            counted.append((scope, client))
        before = request.user
        response = view(request, *args, **kwargs)
        # Only django.contrib.auth.login() puts another user on the request: a reader
        # already signed in who guesses someone else's password is still counted.
        if request.user is not before:
            for bucket in counted[1:]:
                refund(*bucket)
        return response

    return wrapper
