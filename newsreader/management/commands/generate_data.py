"""Fill the database with synthetic stories, revisions, users and annotations for the
benchmarks: `manage.py generate_data --stories 100000 --annotations 200000`.

Rows are written with bulk_create in batches (one transaction per batch, search index
updated per batch), so 100,000 stories take minutes, not hours. Story bodies are built
from a fixed vocabulary with a seeded RNG, so runs are repeatable. One story (titled
"Benchmark: heavily annotated") gets --heavy annotations (200) for the reading-view
benchmark; one has none. Everything generated is marked by its URL
(https://bench.example/...) and --clear removes it.
"""

from __future__ import annotations

import random
import time
from datetime import timedelta
from typing import Any

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction
from django.utils import timezone

from annotations.anchoring import describe
from annotations.models import Annotation, Colour, Visibility
from articles.ingest.blocks import Block
from articles.ingest.pipeline import build_body
from articles.models import Story, StoryRevision
from library import search

URL_PREFIX = "https://bench.example/"
HEAVY_TITLE = "Benchmark: heavily annotated"
EMPTY_TITLE = "Benchmark: no annotations"
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


def _sentence(rng: random.Random) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(8, 18))]
    return " ".join(words).capitalize() + "."


def _paragraphs(rng: random.Random, count: int) -> list[str]:
    return [" ".join(_sentence(rng) for _ in range(rng.randint(3, 6))) for _ in range(count)]


class Command(BaseCommand):
    help = "Generate synthetic stories, revisions, users and annotations for benchmarks."

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
        stories = self._stories(rng, options["stories"], options["revised"], options["batch"])
        made = self._annotations(rng, stories, users, options["annotations"], options["heavy"])
        elapsed = time.perf_counter() - started
        self.stdout.write(
            f"Generated {len(stories)} stories and {made} annotations "
            f"for {len(users)} users in {elapsed:.1f} s."
        )

    def _clear(self) -> None:
        generated = Story.objects.filter(url__startswith=URL_PREFIX)
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

    def _stories(
        self, rng: random.Random, count: int, revised: float, batch: int
    ) -> list[tuple[int, int, str]]:
        """(story id, current revision id, body text) of every generated story."""
        start = Story.objects.filter(url__startswith=URL_PREFIX).count()
        now = timezone.now()
        out: list[tuple[int, int, str]] = []
        for first in range(start, start + count, batch):
            numbers = range(first, min(first + batch, start + count))
            with transaction.atomic():
                stories = Story.objects.bulk_create(
                    [
                        Story(
                            url=f"{URL_PREFIX}{n}",
                            title=(
                                HEAVY_TITLE
                                if n == 0
                                else EMPTY_TITLE
                                if n == 1
                                else _sentence(rng)[:-1]
                            ),
                            dek=_sentence(rng),
                            byline="Bench Writer",
                            site_name="Bench News",
                            sort_date=now - timedelta(minutes=n),
                        )
                        for n in numbers
                    ]
                )
                revisions = []
                for story in stories:
                    versions = 2 if rng.random() < revised else 1
                    for number in range(1, versions + 1):
                        texts = _paragraphs(rng, 6)
                        blocks = [Block("p", f"<p>{t}</p>", t) for t in texts]
                        body_html, body_text = build_body(blocks)
                        revisions.append(
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
                        )
                StoryRevision.objects.bulk_create(revisions)
                current = {rev.story_id: rev for rev in revisions}  # the last number wins
                for story in stories:
                    story.current_revision = current[story.pk]
                Story.objects.bulk_update(stories, ["current_revision"])
                search.index_stories([story.pk for story in stories])
            out += [(s.pk, current[s.pk].pk, current[s.pk].body_text) for s in stories]
            self.stdout.write(f"  stories: {len(out)}/{count}", ending="\r")
        self.stdout.write("")
        return out

    def _annotations(
        self,
        rng: random.Random,
        stories: list[tuple[int, int, str]],
        users: list[User],
        count: int,
        heavy: int,
    ) -> int:
        if not stories or not users or count <= 0:
            return 0
        colours = list(Colour.values)
        made = 0
        batch: list[Annotation] = []

        def flush() -> None:
            with transaction.atomic():
                created = Annotation.objects.bulk_create(batch)
                search.index_annotations([a.pk for a in created])
            batch.clear()

        for n in range(count):
            # The first story takes `heavy` annotations; the second none; others at random.
            if n < heavy:
                story_id, revision_id, text = stories[0]
            else:
                story_id, revision_id, text = (
                    stories[rng.randrange(2, len(stories))] if len(stories) > 2 else stories[0]
                )
            begin = rng.randrange(0, max(1, len(text) - 60))
            end = begin + rng.randint(10, 60)
            s = describe(text, begin, end)
            author = users[n % len(users)]
            batch.append(
                Annotation(
                    story_id=story_id,
                    author=author,
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
                )
            )
            made += 1
            if len(batch) >= 1_000:
                flush()
                self.stdout.write(f"  annotations: {made}/{count}", ending="\r")
        if batch:
            flush()
        self.stdout.write("")
        return made
