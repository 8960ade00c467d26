"""manage.py bench_pages [--write docs/benchmarks.md]: SQL queries per page, each page's
time against its same-content floor (bench/floors.py: the same HTML from raw SQL and one
flat template; the benchmark fails if the HTML differs), throughput against the framework's
floor, search by how common its word is, deep paging, page weight and bytes on the wire,
ingestion and re-anchoring speed.

In-process (Django's test client, the whole middleware stack, one thread), against the
configured database filled by `generate_data` (run first if it holds no generated data).
Numbers are comparable within one run on one machine, not across machines.
"""

from __future__ import annotations

import re
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.models import User
from django.contrib.sessions.models import Session
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction
from django.test import Client, override_settings
from django.urls import reverse

from annotations.api import PAGE_SIZE as API_PAGE_SIZE
from annotations.models import Annotation
from articles.ingest.blocks import Block
from articles.ingest.extract import Extracted
from articles.ingest.pipeline import store
from articles.models import Story, StoryRevision
from bench.generate import EMPTY_TITLE, HEAVY_TITLE, URL_PREFIX
from bench.management.commands.bench_anchoring import sample_texts
from newsreader import paging
from reading.views import PAGE_SIZE
from search import engine as search
from search.query import parse

from .floors import first_difference

HEADING = "## Pages and queries"
WEIGHT_BUDGET = 60 * 1024
# Bytes on the wire, reading view with 200 annotations (issue 16).
FIRST_VISIT_BUDGET = 45 * 1024
REPEAT_VISIT_BUDGET = 15 * 1024
SAME_CONTENT_GOAL = 1.5
SEARCH_GOAL = 3.0
DEEP_PAGE = 1_000
FLOOR = "Floor (bare view, trivial template)"
BASE = "Base page, signed in (session, user, base template)"


@dataclass
class Measure:
    name: str
    queries: int
    median_ms: float
    p95_ms: float
    per_second: float
    bytes: int
    cpu_ms: float = 0.0  # this process's CPU time (median): what other load cannot inflate


class _Counter:
    """Counts the SQL statements run (the query log is reset at every request start)."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        self.count += 1
        return execute(sql, params, many, context)


def _time(pages: list[tuple[str, Client, str]], repeat: int) -> list[tuple[str, Measure]]:
    """Each page once per round, `repeat` rounds after a warm-up (which counts the
    queries): interleaved, so that a stretch of load from another process on a shared
    machine slows every page alike instead of deciding one page's ratio."""
    counts, sizes = [], []
    for _name, client, url in pages:
        counter = _Counter()
        with connection.execute_wrapper(counter):
            response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        counts.append(counter.count)
        sizes.append(len(response.content))
    timings: list[list[float]] = [[] for _ in pages]
    cpu: list[list[float]] = [[] for _ in pages]
    for _ in range(repeat):
        for index, (_name, client, url) in enumerate(pages):
            # An untimed request first: the timed one finds the page's code and data in
            # the caches, as one of a run of requests to it would (the floor would
            # otherwise be timed cold, after a bigger page).
            client.get(url)
            started, started_cpu = time.perf_counter(), time.process_time()
            response = client.get(url)
            timings[index].append(time.perf_counter() - started)
            cpu[index].append(time.process_time() - started_cpu)
            assert response.status_code == 200, (url, response.status_code)
    measures = []
    for (name, _client, url), count, size, times, cpu_times in zip(
        pages, counts, sizes, timings, cpu, strict=True
    ):
        times.sort()
        # The median, not the mean: one request stalled by another process would
        # otherwise decide the ratio.
        median = statistics.median(times)
        measures.append(
            (
                name,
                Measure(
                    url,
                    count,
                    median * 1000,
                    times[min(len(times) - 1, int(len(times) * 0.95))] * 1000,
                    1 / median,
                    size,
                    statistics.median(cpu_times) * 1000,
                ),
            )
        )
    return measures


def query_cost(repeat: int = 200) -> tuple[float, float]:
    """Median ms of one ORM query (a session looked up by its key, as every signed-in
    request does) and of the same SQL sent on a bare cursor: the database's share."""
    queryset = Session.objects.filter(session_key="bench-no-such-session")
    sql, params = queryset.query.sql_with_params()

    def orm() -> None:
        list(queryset.all())  # a fresh queryset: built and run each time

    def bare() -> None:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            cursor.fetchall()

    medians = []
    for run in (orm, bare):
        run()
        times = []
        for _ in range(repeat):
            started = time.perf_counter()
            run()
            times.append(time.perf_counter() - started)
        medians.append(statistics.median(times) * 1000)
    return medians[0], medians[1]


def _cursor_at(position: int) -> str:
    """The front page's query string that starts page `position // PAGE_SIZE + 1`."""
    story = (
        Story.objects.filter(current_revision__isnull=False)
        .order_by("-sort_date", "-id")
        .only("pk", "sort_date")[position - 1 : position]
        .get()
    )
    # Encoded: the "+" of the time zone would otherwise arrive as a space.
    return urlencode({"before": paging.encode(story.sort_date, story.pk)})


def _api_cursor_at(reader: User, position: int) -> str:
    """The API listing's query string that starts after its `position`th annotation."""
    annotation = (
        Annotation.objects.visible_to(reader)
        .order_by("-created", "-id")
        .only("pk", "created")[position - 1 : position]
        .get()
    )
    return urlencode({"before": paging.encode(annotation.created, annotation.pk)})


def _page_weight(client: Client, url: str) -> tuple[int, dict[str, int], dict[str, int]]:
    """Bytes of a page's HTML, stylesheets and scripts (with their static imports), by
    file, and apart (not in the total) the modules it imports on demand (`import("./…")`)."""
    html = client.get(url).content.decode()
    parts = {"HTML": len(html.encode())}
    lazy: dict[str, int] = {}
    assets = re.findall(r'<link rel="stylesheet" href="([^"]+)"', html)
    assets += re.findall(r'<script[^>]* src="([^"]+)"', html)
    seen: set[str] = set()
    while assets:
        asset = assets.pop()
        name = asset.removeprefix(settings.STATIC_URL).removeprefix("/" + settings.STATIC_URL)
        if name in seen:
            continue
        seen.add(name)
        found = finders.find(name)
        if not found:
            continue
        content = Path(str(found)).read_bytes()
        parts[name] = len(content)
        if name.endswith(".js"):  # ES modules pull in their imports
            base = name.rsplit("/", 1)[0]
            for imported in re.findall(rb'(?:from|import)\s+["\']\./([^"\']+)["\']', content):
                assets.append(f"{base}/{imported.decode()}")
            for imported in re.findall(rb'import\(\s*["\']\./([^"\']+)["\']\s*\)', content):
                module = f"{base}/{imported.decode()}"
                if on_disk := finders.find(module):
                    lazy[module] = len(Path(str(on_disk)).read_bytes())
    for name in parts:
        lazy.pop(name, None)
    return sum(parts.values()), parts, lazy


def _wire_line(client: Client, heavy: Story) -> str:
    """Bytes a browser downloads for the reading view with its annotations: the HTML as
    GZipMiddleware sends it, each stylesheet, script (and its imports) and the icon as
    WhiteNoise sends them to a browser that accepts brotli (the .br copy collectstatic
    writes, brotli's default quality). A repeat visit downloads the HTML only: the static
    files have hashed names and are cached as immutable."""
    import brotli

    url = heavy.get_absolute_url()
    response = client.get(url, HTTP_ACCEPT_ENCODING="gzip, deflate, br")
    assert response.get("Content-Encoding") == "gzip", "the HTML is not compressed"
    html = len(response.content)
    _, parts, _ = _page_weight(client, url)
    names = [name for name in parts if name != "HTML"] + ["favicon.svg"]
    static = 0
    for name in names:
        found = finders.find(name)
        if found:
            static += len(brotli.compress(Path(str(found)).read_bytes()))
    first, repeat = html + static, html
    verdict = "met" if first <= FIRST_VISIT_BUDGET and repeat <= REPEAT_VISIT_BUDGET else "not met"
    return (
        f"- Bytes on the wire, reading view with {heavy.annotations.count()} annotations: "
        f"first visit {first / 1024:.1f} KB (HTML {html / 1024:.1f} KB gzipped, "
        f"{len(names)} static files {static / 1024:.1f} KB brotli), repeat visit "
        f"{repeat / 1024:.1f} KB (the HTML; static files cached as immutable). Goal "
        f"≤ {FIRST_VISIT_BUDGET // 1024} KB / ≤ {REPEAT_VISIT_BUDGET // 1024} KB: {verdict}."
    )


def _check_floors(client: Client, pairs: list[tuple[str, str, str]]) -> None:
    """Each page and its floor must be the same HTML, or the ratio means nothing."""
    for name, page, floor in pairs:
        difference = first_difference(
            client.get(page).content.decode(), client.get(floor).content.decode()
        )
        if difference is not None:
            raise CommandError(f"{name}: the floor's HTML differs from the page's.\n{difference}")


def _weight_line(client: Client, heavy: Story, empty: Story) -> str:
    """The page-weight line: the budget counts the reading view of a story without
    annotations; files are listed for that page."""
    weight, _, _ = _page_weight(client, heavy.get_absolute_url())
    empty_weight, parts, lazy = _page_weight(client, empty.get_absolute_url())
    over = empty_weight - WEIGHT_BUDGET
    verdict = "met" if over <= 0 else f"{over / 1024:.1f} KB over"
    detail = ", ".join(f"{k} {v / 1024:.1f}" for k, v in parts.items())
    if lazy:
        detail += "; loaded on demand, not counted: "
        detail += ", ".join(f"{k} {v / 1024:.1f}" for k, v in lazy.items())
    return (
        f"- Page weight, reading view (HTML + CSS + JS, htmx included, uncompressed, no "
        f"images): {empty_weight / 1024:.1f} KB with no annotations, "
        f"{weight / 1024:.1f} KB with {heavy.annotations.count()} "
        f"(budget {WEIGHT_BUDGET // 1024} KB before annotations: {verdict}; "
        f"KB with no annotations: {detail})."
    )


class Command(BaseCommand):
    help = "Benchmark pages (queries, throughput vs the floor, deep paging, weight)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--stories", type=int, default=30_000, help="generated if missing")
        parser.add_argument("--annotations", type=int, default=30_000)
        parser.add_argument("--repeat", type=int, default=30)
        parser.add_argument("--write", metavar="PATH", help="Put the results in this file")
        parser.add_argument(
            "--weight-only",
            action="store_true",
            help="Only the page-weight line (on data generated before); --write replaces that line",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["weight_only"]:
            self._weight_only(options["write"])
            return
        generated = Story.objects.filter(url__startswith=URL_PREFIX).count()
        if generated < options["stories"]:
            have = Annotation.objects.filter(story__url__startswith=URL_PREFIX).count()
            call_command(
                "generate_data",
                stories=options["stories"] - generated,
                annotations=max(0, options["annotations"] - have),
                # The heavily annotated story exists from the first run on.
                heavy=0 if generated else 200,
                stdout=self.stdout,
            )
        with override_settings(DEBUG=False, ROOT_URLCONF="bench.urls"):
            lines = self._run(options["repeat"])
        section = "\n".join(lines) + "\n"
        self.stdout.write(section)
        if options["write"]:
            from bench.management.commands.bench_anchoring import write_section

            _write(Path(options["write"]), section, write_section)

    def _weight_only(self, write: str | None) -> None:
        try:
            heavy = Story.objects.get(title=HEAVY_TITLE, url__startswith=URL_PREFIX)
            empty = Story.objects.get(title=EMPTY_TITLE, url__startswith=URL_PREFIX)
        except Story.DoesNotExist as exc:
            raise CommandError("No generated stories: run generate_data first.") from exc
        client = Client(HTTP_HOST="localhost")
        client.force_login(User.objects.get(username="bench0"))
        with override_settings(DEBUG=False, ROOT_URLCONF="bench.urls"):
            line = _weight_line(client, heavy, empty)
        self.stdout.write(line)
        if write:
            path = Path(write)
            current = path.read_text()
            pattern = re.compile(r"^- Page weight, reading view .*$", re.M)
            if not pattern.search(current):
                raise CommandError(f"No page-weight line in {path}: run bench_pages --write.")
            path.write_text(pattern.sub(lambda _: line, current, count=1))

    def _run(self, repeat: int) -> list[str]:
        total = Story.objects.filter(current_revision__isnull=False).count()
        annotations = Annotation.objects.count()
        heavy = Story.objects.get(title=HEAVY_TITLE, url__startswith=URL_PREFIX)
        empty = Story.objects.get(title=EMPTY_TITLE, url__startswith=URL_PREFIX)
        reader = User.objects.get(username="bench0")
        client = Client(HTTP_HOST="localhost")
        client.force_login(reader)
        anonymous = Client(HTTP_HOST="localhost")

        # A full page follows the cursor: never the last, short page.
        deep_position = min(total - PAGE_SIZE - 1, (DEEP_PAGE - 1) * PAGE_SIZE)
        deep_page = deep_position // PAGE_SIZE + 1
        visible = Annotation.objects.visible_to(reader).count()
        api_position = min(visible - API_PAGE_SIZE - 1, (DEEP_PAGE - 1) * API_PAGE_SIZE)
        api_page = api_position // API_PAGE_SIZE + 1
        api = reverse("api_annotations")
        pages: list[tuple[str, Client, str]] = [
            (FLOOR, client, reverse("bench_floor")),
            (BASE, client, reverse("bench_base")),
            ("Front page, page 1", client, reverse("home")),
            (f"Front page, page {deep_page}", client, f"/?{_cursor_at(deep_position)}"),
            ("Front page, anonymous", anonymous, reverse("home")),
            (
                f"Reading view, {heavy.annotations.count()} annotations",
                client,
                heavy.get_absolute_url(),
            ),
            ("Reading view, 0 annotations", client, empty.get_absolute_url()),
            ("Reading view, anonymous", anonymous, heavy.get_absolute_url()),
            ("Search “kernel compiler”", client, "/search/?q=kernel+compiler"),
            # One story has the word: what a search costs besides ranking its matches.
            ("Search “heavily” (one match)", client, "/search/?q=heavily"),
            ("Search highlights “note”", client, "/search/?q=note&kind=highlights"),
            ("My highlights", client, reverse("my_highlights")),
            ("API annotations, page 1", client, api),
            (
                f"API annotations, page {api_page}",
                client,
                f"{api}?{_api_cursor_at(reader, api_position)}",
            ),
        ]
        same = [
            ("Front page, page 1", "/", "/__bench/same/front/"),
            (
                f"Reading view, {heavy.annotations.count()} annotations",
                heavy.get_absolute_url(),
                f"/__bench/same/stories/{heavy.pk}/",
            ),
            (
                "Reading view, 0 annotations",
                empty.get_absolute_url(),
                f"/__bench/same/stories/{empty.pk}/",
            ),
        ]
        _check_floors(client, same)
        pages += [(f"{name} — same-content floor", client, floor) for name, _, floor in same]
        pages.append(
            ("Search “kernel” (a word in nearly every story)", client, "/search/?q=kernel")
        )
        search_deep = self._search_deep(client, "/search/?q=kernel+compiler", 20)
        if search_deep:
            pages.append(("Search “kernel compiler”, page 20", client, search_deep))
        measures = _time(pages, repeat)
        floor = measures[0][1].per_second
        orm_ms, bare_ms = query_cost()

        lines = [
            _heading(),
            "",
            _machine(),
            "",
            f"`make bench-pages` (`manage.py bench_pages`): {total:,} stories, "
            f"{annotations:,} annotations on {connection.vendor}, in-process through the "
            f"test client and the whole middleware stack, one thread, {repeat} requests per "
            "page after one warm-up, the pages taken in turn (each timed request right after "
            "an untimed one to the same page); req/s is 1 / median time. "
            "Throughput is relative to the framework's floor: a bare view rendering a trivial "
            "template in the same run. Each page's same-content floor (bench/floors.py) "
            "produces the same HTML (checked before timing, after normalising whitespace, "
            "CSRF tokens, nonces and one-time form keys) from raw SQL and one flat template "
            "with f-string URLs. "
            f"Goals: each page within {SAME_CONTENT_GOAL}× its same-content floor, a search "
            f"for a word in nearly every story within {SEARCH_GOAL:.0f}× a one-match search, "
            "a constant number of queries, and deep pages within 1.2× of page 1.",
            "",
            "| page | SQL queries | median ms | p95 ms | req/s | × floor | KB |",
            "|---|---:|---:|---:|---:|---:|---:|",
        ]
        for name, m in measures:
            lines.append(
                f"| {name} | {m.queries} | {m.median_ms:.1f} | {m.p95_ms:.1f} | "
                f"{m.per_second:.0f} | {m.per_second / floor:.2f} | {m.bytes / 1024:.1f} |"
            )
        by_name = dict(measures)
        lines += [
            "",
            "| page | median ms | same-content floor ms | × floor | goal ≤ "
            f"{SAME_CONTENT_GOAL}× | CPU ms (this process) | floor CPU ms | × floor, CPU |",
            "|---|---:|---:|---:|---|---:|---:|---:|",
        ]
        for name, _page, _floor in same:
            page_m, floor_m = by_name[name], by_name[f"{name} — same-content floor"]
            ratio = page_m.median_ms / floor_m.median_ms
            lines.append(
                f"| {name} | {page_m.median_ms:.1f} | {floor_m.median_ms:.1f} | {ratio:.2f} | "
                f"{'met' if ratio <= SAME_CONTENT_GOAL else 'not met'} | {page_m.cpu_ms:.1f} | "
                f"{floor_m.cpu_ms:.1f} | {page_m.cpu_ms / floor_m.cpu_ms:.2f} |"
            )
        one = by_name["Search “heavily” (one match)"]
        lines.append("")
        for common in (
            "Search “kernel” (a word in nearly every story)",
            "Search “kernel compiler”",
        ):
            ratio = by_name[common].median_ms / one.median_ms
            lines.append(
                f"- {common.removeprefix('Search ')}: {by_name[common].median_ms:.1f} ms, "
                f"{ratio:.2f}× the one-match search ({one.median_ms:.1f} ms); goal ≤ "
                f"{SEARCH_GOAL:.0f}×: {'met' if ratio <= SEARCH_GOAL else 'not met'}."
            )
        front, deep = by_name["Front page, page 1"], by_name[f"Front page, page {deep_page}"]
        base_m = by_name[BASE]
        api_first = by_name["API annotations, page 1"]
        api_deep = by_name[f"API annotations, page {api_page}"]
        heavy_m = by_name[f"Reading view, {heavy.annotations.count()} annotations"]
        empty_m = by_name["Reading view, 0 annotations"]
        lines += [
            "",
            f"- Deep paging: front page {deep_page} takes "
            f"{deep.median_ms / front.median_ms:.2f}× page 1 "
            f"({deep.queries} vs {front.queries} queries; keyset cursor on "
            "`(sort_date, id)`).",
            f"- Deep paging: API page {api_page} takes "
            f"{api_deep.median_ms / api_first.median_ms:.2f}× page 1 "
            f"({api_deep.queries} vs {api_first.queries} queries; "
            "keyset cursor on `(created, id)`).",
            f"- Reading view: {empty_m.queries} queries with no annotations, "
            f"{heavy_m.queries} with {heavy.annotations.count()}.",
            f"- What every signed-in page pays before its own content (the base page: "
            f"{base_m.queries} queries: the session, the user with their preferences, and "
            f"`base.html`): {base_m.median_ms:.1f} ms, "
            f"{base_m.median_ms / by_name[FLOOR].median_ms:.0f}× the floor's "
            f"{by_name[FLOOR].median_ms:.2f} ms; 0.5× the floor leaves a whole page "
            f"{2 * by_name[FLOOR].median_ms:.2f} ms.",
            f"- One ORM query (a session looked up by its key): {orm_ms:.2f} ms, of which the "
            f"database's answer {bare_ms:.2f} ms and Django building the SQL and the objects "
            f"the rest; a signed-in page runs two before its content (the session, the user "
            f"with their preferences): {2 * orm_ms:.2f} ms against the "
            f"{2 * by_name[FLOOR].median_ms:.2f} ms a page may take at 0.5× the floor.",
        ]
        if search_deep:
            s1, s20 = (
                by_name["Search “kernel compiler”"],
                by_name["Search “kernel compiler”, page 20"],
            )
            lines.append(
                f"- Search page 20 takes {s20.median_ms / s1.median_ms:.2f}× page 1 "
                f"({s20.queries} vs {s1.queries} queries)."
            )
        matches = {
            words: len(
                search.rank(search.STORIES, parse(words), None, limit=total, candidates=total)
            )
            for words in ("kernel", "kernel compiler", "heavily")
        }
        lines.append(
            f"- Search “kernel” matches {matches['kernel']:,} of {total:,} stories, “kernel "
            f"compiler” {matches['kernel compiler']:,} (the generator's vocabulary is small), "
            f"“heavily” {matches['heavily']:,}: only the newest {settings.SEARCH_CANDIDATES:,} "
            "matches are ranked (`SEARCH_CANDIDATES`; the page says when results were cut)."
        )
        lines.append(_weight_line(client, heavy, empty))
        lines.append(_wire_line(client, heavy))
        lines += self._ingestion(heavy)
        return lines

    def _search_deep(self, client: Client, url: str, page: int) -> str | None:
        """The address of the search's page `page`, by following its cursors."""
        current = url
        for _ in range(page - 1):
            html = client.get(current).content.decode()
            found = re.search(r'href="\?([^"]*after=[^"]*)"', html)
            if not found:
                return None
            current = "/search/?" + found.group(1).replace("&amp;", "&")
        return current

    def _ingestion(self, heavy: Story) -> list[str]:
        """Stories/s through the pipeline and re-anchoring time, both rolled back."""
        texts = list(sample_texts().values())
        lines: list[str] = []
        with transaction.atomic():
            started = time.perf_counter()
            count = 0
            for n, text in enumerate(texts * max(1, 60 // max(1, len(texts)))):
                paragraphs = [p for p in text.split("\n") if p.strip()] or [text]
                extracted = Extracted(
                    title=f"Bench ingest {n}",
                    blocks=[Block("p", f"<p>{p}</p>", p) for p in paragraphs],
                    dek="",
                    byline="",
                    site_name="",
                    published=None,
                    url=f"https://bench-ingest.example/{n}",
                )
                store(extracted, origin=StoryRevision.Origin.FILE, url=extracted.url)
                count += 1
            elapsed = time.perf_counter() - started
            lines.append(
                f"- Ingestion (clean, sanitize, store, index; sample texts, no network): "
                f"{count / elapsed:.1f} stories/s ({count} stories)."
            )
            revision = heavy.current_revision
            assert revision is not None
            text = revision.body_text
            edited = "A new opening paragraph was added by the editors. " + text.replace(
                " the ", " a ", 20
            )
            annotated = heavy.annotations.count()
            started = time.perf_counter()
            store(
                Extracted(
                    title=heavy.title,
                    blocks=[Block("p", f"<p>{p}</p>", p) for p in edited.split("\n") if p],
                    dek=heavy.dek,
                    byline=heavy.byline,
                    site_name=heavy.site_name,
                    published=None,
                    url=heavy.url,
                ),
                origin=StoryRevision.Origin.FILE,
                url=heavy.url,
            )
            elapsed = time.perf_counter() - started
            lines.append(
                f"- Re-anchoring: a new revision of the story with {annotated} annotations "
                f"stored and re-anchored in {elapsed * 1000:.0f} ms, "
                f"{elapsed * 1000 / max(1, annotated):.2f} ms per annotation."
            )
            transaction.set_rollback(True)
        return lines


def _heading() -> str:
    """One section per database: the goals name PostgreSQL at 100k and SQLite at 20k."""
    return HEADING if connection.vendor == "postgresql" else f"{HEADING} ({connection.vendor})"


def _machine() -> str:
    import os
    import platform
    from datetime import UTC, datetime

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
        else:
            cursor.execute("SELECT sqlite_version()")
        version = cursor.fetchone()[0]
    return (
        f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {platform.machine()} "
        f"({os.cpu_count()} CPUs, shared with other work: read the ratios, not the times), "
        f"{platform.system()} {platform.release()}, Python {platform.python_version()}, "
        f"{connection.vendor} {version}."
    )


def _write(path: Path, section: str, write_section: Callable[[Path, str], None]) -> None:
    """Replace this benchmark's section, keeping every other one."""
    current = path.read_text() if path.exists() else "# Benchmarks\n"
    pattern = re.compile(rf"^{re.escape(_heading())}\n.*?(?=^## |\Z)", re.M | re.S)
    if pattern.search(current):
        updated = pattern.sub(lambda _: section + "\n", current, count=1)
    else:
        updated = current.rstrip("\n") + "\n\n" + section
    path.write_text(updated.rstrip("\n") + "\n")
