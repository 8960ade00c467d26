"""manage.py bench_pages [--write docs/benchmarks.md]: SQL queries per page, throughput
against the framework's floor, deep paging, page weight, ingestion and re-anchoring speed.

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

from django.conf import settings
from django.contrib.auth.models import User
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.db import connection, transaction
from django.test import Client, override_settings
from django.urls import reverse

from annotations.management.commands.bench_anchoring import sample_texts
from annotations.models import Annotation
from articles.ingest.blocks import Block
from articles.ingest.extract import Extracted
from articles.ingest.pipeline import store
from articles.models import Story, StoryRevision
from articles.views import PAGE_SIZE
from newsreader.management.commands.generate_data import EMPTY_TITLE, HEAVY_TITLE, URL_PREFIX

HEADING = "## Pages and queries"
WEIGHT_BUDGET = 60 * 1024
DEEP_PAGE = 1_000


@dataclass
class Measure:
    name: str
    queries: int
    median_ms: float
    p95_ms: float
    per_second: float
    bytes: int


class _Counter:
    """Counts the SQL statements run (the query log is reset at every request start)."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        self.count += 1
        return execute(sql, params, many, context)


def _time(client: Client, url: str, repeat: int) -> Measure:
    counter = _Counter()
    with connection.execute_wrapper(counter):
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    size = len(response.content)
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(url)
        timings.append(time.perf_counter() - started)
        assert response.status_code == 200, (url, response.status_code)
    timings.sort()
    # The median, not the mean: one request stalled by another process on a shared
    # machine would otherwise decide the ratio.
    median = statistics.median(timings)
    return Measure(
        url,
        counter.count,
        timings[len(timings) // 2] * 1000,
        timings[min(len(timings) - 1, int(len(timings) * 0.95))] * 1000,
        1 / median,
        size,
    )


def _cursor_at(position: int) -> str | None:
    """The front page's `before` cursor that starts page `position // PAGE_SIZE + 1`."""
    story = (
        Story.objects.filter(current_revision__isnull=False)
        .order_by("-sort_date", "-id")
        .only("pk", "sort_date")[position - 1 : position]
        .first()
    )
    return f"{story.sort_date.isoformat()}~{story.pk}" if story else None


def _page_weight(client: Client, url: str) -> tuple[int, dict[str, int]]:
    html = client.get(url).content.decode()
    parts = {"HTML": len(html.encode())}
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
            for imported in re.findall(rb'from\s+["\']\./([^"\']+)["\']', content):
                assets.append(f"{base}/{imported.decode()}")
    return sum(parts.values()), parts


class Command(BaseCommand):
    help = "Benchmark pages (queries, throughput vs the floor, deep paging, weight)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--stories", type=int, default=30_000, help="generated if missing")
        parser.add_argument("--annotations", type=int, default=30_000)
        parser.add_argument("--repeat", type=int, default=30)
        parser.add_argument("--write", metavar="PATH", help="Put the results in this file")

    def handle(self, *args: Any, **options: Any) -> None:
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
        with override_settings(DEBUG=False, ROOT_URLCONF="newsreader.bench_urls"):
            lines = self._run(options["repeat"])
        section = "\n".join(lines) + "\n"
        self.stdout.write(section)
        if options["write"]:
            from annotations.management.commands.bench_anchoring import write_section

            _write(Path(options["write"]), section, write_section)

    def _run(self, repeat: int) -> list[str]:
        total = Story.objects.filter(current_revision__isnull=False).count()
        annotations = Annotation.objects.count()
        heavy = Story.objects.get(title=HEAVY_TITLE, url__startswith=URL_PREFIX)
        empty = Story.objects.get(title=EMPTY_TITLE, url__startswith=URL_PREFIX)
        reader = User.objects.get(username="bench0")
        client = Client(HTTP_HOST="localhost")
        client.force_login(reader)
        anonymous = Client(HTTP_HOST="localhost")

        deep_position = min(total - 1, (DEEP_PAGE - 1) * PAGE_SIZE + 1)
        deep_page = deep_position // PAGE_SIZE + 1
        pages: list[tuple[str, Client, str]] = [
            ("Floor (bare view, trivial template)", client, reverse("bench_floor")),
            ("Front page, page 1", client, reverse("home")),
            (f"Front page, page {deep_page}", client, f"/?before={_cursor_at(deep_position)}"),
            ("Front page, anonymous", anonymous, reverse("home")),
            (
                f"Reading view, {heavy.annotations.count()} annotations",
                client,
                heavy.get_absolute_url(),
            ),
            ("Reading view, 0 annotations", client, empty.get_absolute_url()),
            ("Reading view, anonymous", anonymous, heavy.get_absolute_url()),
            ("Search “kernel compiler”", client, "/search/?q=kernel+compiler"),
            ("Search highlights “note”", client, "/search/?q=note&kind=highlights"),
            ("My highlights", client, reverse("my_highlights")),
        ]
        search_deep = self._search_deep(client, "/search/?q=kernel+compiler", 20)
        if search_deep:
            pages.append(("Search “kernel compiler”, page 20", client, search_deep))
        measures = [(name, _time(c, url, repeat)) for name, c, url in pages]
        floor = measures[0][1].per_second

        lines = [
            HEADING,
            "",
            f"`make bench-pages` (`manage.py bench_pages`): {total:,} stories, "
            f"{annotations:,} annotations on {connection.vendor}, in-process through the "
            f"test client and the whole middleware stack, one thread, {repeat} requests per "
            "page after one warm-up; req/s is 1 / median time. Throughput is relative to "
            "the floor: a bare view rendering a trivial template in the same run. "
            "Goal: at least 0.5× the floor, a constant number of queries, and deep pages "
            "within 1.2× of page 1.",
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
        front, deep = by_name["Front page, page 1"], by_name[f"Front page, page {deep_page}"]
        heavy_m = by_name[f"Reading view, {heavy.annotations.count()} annotations"]
        empty_m = by_name["Reading view, 0 annotations"]
        lines += [
            "",
            f"- Deep paging: front page {deep_page} takes "
            f"{deep.median_ms / front.median_ms:.2f}× page 1 "
            f"({deep.queries} vs {front.queries} queries; keyset cursor on "
            "`(sort_date, id)`).",
            f"- Reading view: {empty_m.queries} queries with no annotations, "
            f"{heavy_m.queries} with {heavy.annotations.count()}.",
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
        weight, parts = _page_weight(client, heavy.get_absolute_url())
        empty_weight, _ = _page_weight(client, empty.get_absolute_url())
        detail = ", ".join(f"{k} {v / 1024:.1f}" for k, v in parts.items())
        lines += [
            f"- Page weight, reading view (HTML + CSS + JS, htmx included, uncompressed, no "
            f"images): {empty_weight / 1024:.1f} KB with no annotations, "
            f"{weight / 1024:.1f} KB with {heavy.annotations.count()} "
            f"(budget {WEIGHT_BUDGET // 1024} KB before annotations; KB: {detail}).",
        ]
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


def _write(path: Path, section: str, write_section: Callable[[Path, str], None]) -> None:
    """Replace this benchmark's section, keeping every other one."""
    current = path.read_text() if path.exists() else "# Benchmarks\n"
    pattern = re.compile(rf"^{re.escape(HEADING)}\n.*?(?=^## |\Z)", re.M | re.S)
    if pattern.search(current):
        updated = pattern.sub(lambda _: section + "\n", current, count=1)
    else:
        updated = current.rstrip("\n") + "\n\n" + section
    path.write_text(updated.rstrip("\n") + "\n")
