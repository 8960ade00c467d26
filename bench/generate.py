"""Fill the database with synthetic stories, revisions, users and annotations for the
benchmarks: `manage.py generate_data --stories 100000 --annotations 200000`.

Rows are written with bulk_create in batches of --batch stories, each batch with its share
of the annotations, one transaction per batch. The search index is written the way the app
writes it (search.engine.index_stories / index_annotations, the same SQL), batch by batch;
on PostgreSQL it runs in a second connection while the next batch is being built, so the
database's tsvector work and Python's overlap on two cores. At the end the written tables
are analyzed, as autovacuum would soon do, so that the planner sees their real sizes.

Story bodies are built from a fixed vocabulary with a seeded RNG, so runs are repeatable.
One story (titled "Benchmark: heavily annotated") gets --heavy annotations (200) for the
reading-view benchmark; one has none. Everything generated is marked by its URL
(https://bench.example/...) and --clear removes it.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, connections, reset_queries, transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from annotations.anchoring import describe
from annotations.models import Annotation, Colour, Visibility
from articles.ingest.blocks import Block
from articles.ingest.pipeline import build_body
from articles.models import Story, StoryRevision
from search import engine as search

URL_PREFIX = "https://bench.example/"
HEAVY_TITLE = "Benchmark: heavily annotated"
EMPTY_TITLE = "Benchmark: no annotations"
PARAGRAPHS = 6
WORDS = [
    "release",
    "storage",
    "layer",
    "latency",
    "kernel",
    "compiler",
    "browser",
    "privacy",
    "network",
    "cloud",
    "model",
    "open",
    "source",
    "maintainers",
    "upgrade",
    "security",
    "patch",
    "vendor",
    "chip",
    "battery",
    "display",
    "camera",
    "engineers",
    "database",
    "cluster",
    "protocol",
    "encryption",
    "benchmark",
    "scheduler",
    "runtime",
    "memory",
    "developers",
    "regulators",
    "startup",
    "funding",
    "launch",
    "feature",
    "outage",
    "incident",
    "report",
    "users",
    "the",
    "a",
    "of",
    "and",
    "to",
    "in",
    "that",
    "for",
    "on",
    "with",
    "as",
    "by",
    "at",
    "from",
    "is",
    "was",
    "are",
    "will",
    "said",
    "after",
]


# (story id, current revision id, body text)
Generated = tuple[int, int, str]


def _sentence(rng: random.Random) -> str:
    return " ".join(rng.choices(WORDS, k=rng.randint(8, 18))).capitalize() + "."


def _paragraphs(rng: random.Random, count: int) -> list[str]:
    return [" ".join(_sentence(rng) for _ in range(rng.randint(3, 6))) for _ in range(count)]


def _body(texts: list[str]) -> tuple[str, str]:
    """What build_body makes of one <p> per text: the vocabulary has nothing the sanitizer
    changes (no markup, no entities, single spaces), so it is joined here rather than
    parsed 100,000 times; each batch checks one body against build_body."""
    return "\n".join(f"<p>{text}</p>" for text in texts), "\n".join(texts)


def _check_body(texts: list[str]) -> None:
    expected = build_body([Block("p", f"<p>{text}</p>", text) for text in texts])
    if _body(texts) != expected:
        raise CommandError("The generated body differs from what the pipeline stores.")


class _Indexer:
    """Writes the search index of each committed batch: on PostgreSQL in a second
    connection, while the next batch is being built; elsewhere (SQLite has one writer at a
    time), or inside a transaction the second connection could not see into, at once."""

    def __init__(self) -> None:
        concurrent = connection.vendor == "postgresql" and not connection.in_atomic_block
        self._pool = ThreadPoolExecutor(max_workers=1) if concurrent else None
        self._pending: list[Future[None]] = []

    def submit(self, write: Callable[[Sequence[int]], None], ids: Sequence[int]) -> None:
        if not ids:
            return
        if self._pool is None:
            self._write(write, ids)
            return
        for future in [f for f in self._pending if f.done()]:
            future.result()  # raises what the indexing raised
            self._pending.remove(future)
        self._pending.append(self._pool.submit(self._write, write, ids))

    @staticmethod
    def _write(write: Callable[[Sequence[int]], None], ids: Sequence[int]) -> None:
        with transaction.atomic():
            write(ids)
        reset_queries()  # with DEBUG on, every batch's SQL would be kept

    def close(self) -> None:
        if self._pool is None:
            return
        try:
            for future in self._pending:
                future.result()
        finally:
            self._pool.submit(connections.close_all).result()  # the worker thread's
            self._pool.shutdown()


class Command(BaseCommand):
    help = "Generate synthetic stories, revisions, users and annotations for benchmarks."

    # The run's start and how many annotations it makes: their creation times.
    now: datetime
    annotation_total: int

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--stories", type=int, default=2_000)
        parser.add_argument("--annotations", type=int, default=4_000)
        parser.add_argument("--users", type=int, default=50)
        parser.add_argument("--heavy", type=int, default=200, help="annotations on one story")
        parser.add_argument("--revised", type=float, default=0.1, help="share with 2 revisions")
        parser.add_argument("--batch", type=int, default=1_000)
        parser.add_argument("--seed", type=int, default=7)
        parser.add_argument("--clear", action="store_true", help="delete generated data first")

    def handle(self, *args: Any, **options: Any) -> None:
        rng = random.Random(options["seed"])
        started = time.perf_counter()
        if options["clear"]:
            self._clear()
        users = self._users(options["users"])
        count, annotations = options["stories"], options["annotations"]
        self.now, self.annotation_total = timezone.now(), annotations
        heavy = min(options["heavy"], annotations)
        spread = annotations - heavy  # over all the stories, uniformly
        if count > 0:
            total = count
            batches = self._new_stories(rng, count, options["revised"], options["batch"])
        else:  # more annotations on the stories generated before
            total = (
                self._generated()
                .filter(current_revision__isnull=False)
                .exclude(title=EMPTY_TITLE)
                .count()
            )
            batches = self._existing_stories(options["batch"])
        indexer = _Indexer()
        stories = made = 0
        try:
            for batch in batches:
                if count > 0:
                    indexer.submit(search.index_stories, [pk for pk, _, _ in batch])
                # Each batch takes its share of the annotations, on its own stories. The
                # run's first story takes the heavy ones, its second none (when new).
                share = spread * (stories + len(batch)) // total - spread * stories // total
                first = stories == 0
                stories += len(batch)
                created = self._annotations(
                    rng,
                    batch,
                    users,
                    share,
                    heavy if first else 0,
                    2 if first and count > 0 else 0,
                    made,
                )
                indexer.submit(search.index_annotations, created)
                made += len(created)
                reset_queries()  # with DEBUG on (make bench-pages), every batch's SQL is kept
                self.stdout.write(
                    f"  stories: {stories}/{total}, annotations: {made}/{annotations}", ending="\r"
                )
        finally:
            indexer.close()
        self.stdout.write("")
        self._analyze()
        elapsed = time.perf_counter() - started
        self.stdout.write(
            f"Generated {max(count, 0)} stories and {made} annotations "
            f"for {len(users)} users in {elapsed:.1f} s."
        )

    def _generated(self) -> Any:
        return Story.objects.filter(url__startswith=URL_PREFIX)

    def _clear(self) -> None:
        generated = self._generated()
        ids = list(generated.values_list("pk", flat=True))
        annotation_ids = list(
            Annotation.objects.filter(story_id__in=ids).values_list("pk", flat=True)
        )
        search.remove_annotations(annotation_ids)
        search.remove_stories(ids)
        Annotation.objects.filter(pk__in=annotation_ids).delete()
        generated.update(current_revision=None)
        StoryRevision.objects.filter(story_id__in=ids).delete()
        generated.delete()

    def _users(self, count: int) -> list[User]:
        names = [f"bench{n}" for n in range(count)]
        unusable = make_password(None)  # generated readers cannot log in
        existing = set(User.objects.filter(username__in=names).values_list("username", flat=True))
        User.objects.bulk_create(
            [User(username=name, password=unusable) for name in names if name not in existing]
        )
        return list(User.objects.filter(username__in=names).order_by("pk"))

    def _new_stories(
        self, rng: random.Random, count: int, revised: float, batch: int
    ) -> Iterator[list[Generated]]:
        """Batches of new stories, each committed before it is yielded."""
        start = self._generated().count()
        now = timezone.now()
        for first in range(start, start + count, batch):
            numbers = range(first, min(first + batch, start + count))
            stories = [
                Story(
                    url=f"{URL_PREFIX}{n}",
                    title=(
                        HEAVY_TITLE if n == 0 else EMPTY_TITLE if n == 1 else _sentence(rng)[:-1]
                    ),
                    dek=_sentence(rng),
                    byline="Bench Writer",
                    site_name="Bench News",
                    sort_date=now - timedelta(minutes=n),
                )
                for n in numbers
            ]
            texts = [
                [_paragraphs(rng, PARAGRAPHS) for _ in range(2 if rng.random() < revised else 1)]
                for _ in stories
            ]
            _check_body(texts[0][0])
            bodies = [[_body(version) for version in versions] for versions in texts]
            with transaction.atomic():
                Story.objects.bulk_create(stories)
                StoryRevision.objects.bulk_create(
                    StoryRevision(
                        story=story,
                        number=number,
                        title=story.title,
                        dek=story.dek,
                        body_html=body_html,
                        body_text=body_text,
                        content_hash=f"bench-{story.url}-{number}",
                        word_count=len(body_text.split()),
                        origin=StoryRevision.Origin.FILE,
                    )
                    for story, versions in zip(stories, bodies, strict=True)
                    for number, (body_html, body_text) in enumerate(versions, start=1)
                )
                ids = [story.pk for story in stories]
                # The last revision is the current one: one UPDATE for the batch.
                latest = StoryRevision.objects.filter(story=OuterRef("pk")).order_by("-number")
                Story.objects.filter(pk__in=ids).update(
                    current_revision=Subquery(latest.values("pk")[:1])
                )
                current = dict(
                    StoryRevision.objects.filter(story_id__in=ids)
                    .order_by("story_id", "number")
                    .values_list("story_id", "pk")
                )
            yield [
                (story.pk, current[story.pk], versions[-1][1])
                for story, versions in zip(stories, bodies, strict=True)
            ]

    def _existing_stories(self, batch: int) -> Iterator[list[Generated]]:
        """Batches of the generated stories already stored (annotations only), but the one
        kept without annotations."""
        rows = (
            self._generated()
            .filter(current_revision__isnull=False)
            .exclude(title=EMPTY_TITLE)
            .order_by("pk")
            .values_list("pk", "current_revision_id", "current_revision__body_text")
        )
        found: list[Generated] = []
        for row in rows.iterator(chunk_size=batch):
            found.append(row)
            if len(found) == batch:
                yield found
                found = []
        if found:
            yield found

    def _annotations(
        self,
        rng: random.Random,
        stories: list[Generated],
        users: list[User],
        spread: int,
        heavy: int,
        reserved: int,
        numbered_from: int,
    ) -> list[int]:
        """`heavy` annotations on the first story, `spread` at random on the others but the
        `reserved` first ones; committed. Their ids."""
        if not stories or not users or spread + heavy <= 0:
            return []
        colours = list(Colour.values)
        others = stories[reserved:] or stories[:1]
        batch: list[Annotation] = []
        for i in range(heavy + spread):
            n = numbered_from + i
            story_id, revision_id, text = stories[0] if i < heavy else rng.choice(others)
            begin = rng.randrange(0, max(1, len(text) - 60))
            end = min(len(text), begin + rng.randint(10, 60))
            s = describe(text, begin, end)
            batch.append(
                Annotation(
                    story_id=story_id,
                    author=users[n % len(users)],
                    revision_id=revision_id,
                    exact=s.exact,
                    prefix=s.prefix,
                    suffix=s.suffix,
                    start=s.start,
                    end=s.end,
                    original_revision_id=revision_id,
                    original_exact=s.exact,
                    original_prefix=s.prefix,
                    original_suffix=s.suffix,
                    original_start=s.start,
                    original_end=s.end,
                    colour=colours[n % len(colours)],
                    comment=f"Note {n}" if n % 3 == 0 else "",
                    comment_html=f"<p>Note {n}</p>" if n % 3 == 0 else "",
                    visibility=Visibility.PUBLIC if n % 2 == 0 else Visibility.PRIVATE,
                    # One a second up to now: lists newest first have an order to follow.
                    created=self.now - timedelta(seconds=self.annotation_total - n),
                )
            )
        with transaction.atomic():
            created = Annotation.objects.bulk_create(batch, batch_size=2_000)
        return [annotation.pk for annotation in created]

    def _analyze(self) -> None:
        """Fresh planner statistics for the tables just filled (autovacuum would get there
        within minutes; the benchmarks run now)."""
        if connection.in_atomic_block:
            return  # VACUUM cannot run in a transaction; whoever holds it can analyze
        if connection.vendor != "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
            return
        tables = [
            Story._meta.db_table,
            StoryRevision._meta.db_table,
            Annotation._meta.db_table,
            *(spec.table for spec in search.INDEXES),
        ]
        with connection.cursor() as cursor:
            for table in tables:
                # VACUUM too: it marks pages all-visible, which index-only scans need.
                cursor.execute(f"VACUUM ANALYZE {connection.ops.quote_name(table)}")
