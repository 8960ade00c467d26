"""A bounded load test on loopback: gunicorn + the configured PostgreSQL database.

    DATABASE_URL=postgres://… uv run python -m bench.load [--seconds 10] [--clients 8]
        [--write docs/benchmarks.md]

Starts gunicorn (production settings: DEBUG off, whitenoise, manifest static files) on a
free port, then for each scenario runs `--clients` threads, each with its own keep-alive
connection, for `--seconds`, and reports throughput and p50/p95/p99 latency. Any
non-2xx/3xx answer or connection error counts as an error. The data comes from
`manage.py generate_data` (bench_pages runs it; so does this if nothing is there). Rate
limits are switched off for the server: the test is one client hammering on purpose.
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
HEADING = "## Load (gunicorn + PostgreSQL)"


@dataclass
class Result:
    name: str
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def percentile(self, p: float) -> float:
        ordered = sorted(self.latencies)
        if not ordered:
            return float("nan")
        return ordered[min(len(ordered) - 1, int(len(ordered) * p))] * 1000


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _manage(env: dict[str, str], *args: str) -> str:
    out = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True, capture_output=True
    )
    return out.stdout.decode()


SETUP = """
from django.conf import settings
from django.contrib.auth.models import User
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.auth import SESSION_KEY, BACKEND_SESSION_KEY, HASH_SESSION_KEY
from articles.models import Story
from annotations.anchoring import describe
from bench.generate import HEAVY_TITLE, URL_PREFIX
user = User.objects.get(username="bench0")
session = SessionStore()
session[SESSION_KEY] = str(user.pk)
session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
session[HASH_SESSION_KEY] = user.get_session_auth_hash()
session.create()
story = Story.objects.get(title=HEAVY_TITLE, url__startswith=URL_PREFIX)
text = story.current_revision.body_text
s = describe(text, 10, 40)
print(session.session_key)
print(story.get_absolute_url())
print(story.pk, story.current_revision_id, s.start, s.end)
print(repr((s.exact, s.prefix, s.suffix)))
"""


Request = Callable[[], tuple[str, str, bytes | None, dict[str, str]]]


def _run(port: int, clients: int, seconds: float, request: Request, result: Result) -> None:
    deadline = time.perf_counter() + seconds
    lock = threading.Lock()

    def worker() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        local: list[float] = []
        errors: list[str] = []
        while time.perf_counter() < deadline:
            method, path, body, headers = request()
            started = time.perf_counter()
            try:
                conn.request(method, path, body=body, headers=headers)
                response = conn.getresponse()
                response.read()
                # Sent to log in: the request was not the signed-in one being measured.
                to_login = "/accounts/login/" in (response.getheader("Location") or "")
                if response.status >= 400 or to_login:
                    errors.append(f"{response.status} {path}")
            except (OSError, http.client.HTTPException) as exc:
                errors.append(f"{type(exc).__name__} {path}")
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                continue
            local.append(time.perf_counter() - started)
        conn.close()
        with lock:
            result.latencies.extend(local)
            result.errors.extend(errors)

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    result.seconds = time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--write", metavar="PATH")
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("Set DATABASE_URL to a PostgreSQL database (see `make bench-load`).")

    env = dict(os.environ)
    env.update(
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SECURE_SSL_REDIRECT="0",
        SECURE_COOKIES="0",
        SECURE_HSTS_SECONDS="0",
        RATELIMIT_ENABLED="0",
        TASKS_IMMEDIATE="1",
        LOG_LEVEL="ERROR",
    )
    _manage(env, "migrate", "--no-input", "-v0")
    _manage(env, "collectstatic", "--no-input", "-v0")
    has_data = (
        "from django.contrib.auth.models import User; "
        "print(User.objects.filter(username='bench0').exists())"
    )
    if "True" not in _manage(env, "shell", "-c", has_data):
        _manage(env, "generate_data", "--stories", "2000", "--annotations", "4000")
    session, story_url, ids, selectors = (
        _manage(env, "shell", "-c", SETUP).strip().splitlines()[-4:]
    )
    story_id, revision_id, start, end = ids.split()
    exact, prefix, suffix = eval(selectors)  # noqa: S307 - our own repr() above

    port = _free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "newsreader.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(args.workers),
            "--threads",
            str(args.threads),
            "--worker-class",
            "gthread",
            "--access-logfile",
            "/dev/null",
            "--error-logfile",
            "-",
            "--log-level",
            "error",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        for _ in range(100):
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    break
            except OSError:
                time.sleep(0.1)
        conn = http.client.HTTPConnection("127.0.0.1", port)
        conn.request("GET", story_url, headers={"Cookie": f"sessionid={session}"})
        response = conn.getresponse()
        response.read()
        cookie = SimpleCookie()
        for header in response.headers.get_all("Set-Cookie") or []:
            cookie.load(header)
        csrf = cookie["csrftoken"].value if "csrftoken" in cookie else ""
        if not csrf:
            conn.request("GET", "/accounts/login/")
            login_page = conn.getresponse()
            login_page.read()
            for header in login_page.headers.get_all("Set-Cookie") or []:
                cookie.load(header)
            csrf = cookie["csrftoken"].value
        signed_in = {"Cookie": f"sessionid={session}; csrftoken={csrf}"}
        conn.request("GET", "/preferences/", headers=signed_in)
        check = conn.getresponse()
        check.read()
        if check.status != 200:
            raise SystemExit(f"The load test's session is not signed in ({check.status}).")
        conn.close()
        counter = iter(range(10**9))
        create_body = {
            "revision": revision_id,
            "exact": exact,
            "prefix": prefix,
            "suffix": suffix,
            "start": start,
            "end": end,
            "colour": "green",
        }

        def create() -> tuple[str, str, bytes | None, dict[str, str]]:
            body = urlencode({**create_body, "comment": f"load {next(counter)}"}).encode()
            headers = {
                **signed_in,
                "X-CSRFToken": csrf,
                "Content-Type": "application/x-www-form-urlencoded",
                "Referer": f"http://127.0.0.1:{port}/",
            }
            return "POST", f"/stories/{story_id}/annotations/new/", body, headers

        scenarios = [
            ("Front page", lambda: ("GET", "/", None, signed_in)),
            ("Reading view, 200 annotations", lambda: ("GET", story_url, None, signed_in)),
            ("Search", lambda: ("GET", "/search/?q=kernel+compiler", None, signed_in)),
            ("Annotation create (POST)", create),
        ]
        results = []
        for name, request in scenarios:
            result = Result(name)
            _run(port, args.clients, args.seconds, request, result)
            results.append(result)
            print(
                f"{name}: {len(result.latencies) / result.seconds:.1f} req/s, "
                f"p50 {result.percentile(0.5):.0f} ms, errors {len(result.errors)}"
            )
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    # Annotations made by the load test go away again.
    _manage(
        env,
        "shell",
        "-c",
        "from annotations.models import Annotation; "
        "Annotation.objects.filter(comment__startswith='load ').delete()",
    )

    lines = [
        HEADING,
        "",
        f"`make bench-load` (`python -m bench.load`): gunicorn ({args.workers} workers × "
        f"{args.threads} threads, gthread, DEBUG off) and PostgreSQL on this machine's "
        f"loopback; {args.clients} client threads with keep-alive connections, "
        f"{args.seconds:.0f} s per scenario, signed in, on the data of `generate_data` "
        "(the same database as `bench-pages`). "
        "The client shares the machine's cores with the server.",
        "",
        "| scenario | requests | req/s | p50 ms | p95 ms | p99 ms | errors |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        lines.append(
            f"| {r.name} | {len(r.latencies)} | {len(r.latencies) / r.seconds:.1f} | "
            f"{r.percentile(0.5):.0f} | {r.percentile(0.95):.0f} | {r.percentile(0.99):.0f} | "
            f"{len(r.errors)} |"
        )
    section = "\n".join(lines) + "\n"
    print(section)
    if args.write:
        path = Path(args.write)
        current = path.read_text() if path.exists() else "# Benchmarks\n"
        pattern = re.compile(rf"^{re.escape(HEADING)}\n.*?(?=^## |\Z)", re.M | re.S)
        if pattern.search(current):
            updated = pattern.sub(lambda _: section + "\n", current, count=1)
        else:
            updated = current.rstrip("\n") + "\n\n" + section
        path.write_text(updated.rstrip("\n") + "\n")
    if any(r.errors for r in results):
        print("Errors:", *{e for r in results for e in r.errors}, sep="\n  ")
        sys.exit(1)


if __name__ == "__main__":
    main()
