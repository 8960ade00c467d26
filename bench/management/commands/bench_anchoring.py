"""manage.py bench_anchoring [--write docs/benchmarks.md]: re-anchoring accuracy and speed.

The benchmark itself is bench/anchoring.py; this command runs it with Django set up (the
sample stories go through the ingestion pipeline) and adds the drawing time.
"""

from __future__ import annotations

import random
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from annotations.highlighting import Highlight, draw_highlights
from articles.ingest.extract import ExtractionError
from articles.ingest.pipeline import build_body, clean_blocks, extract, read_input_file
from bench.anchoring import CORPUS, HEADING, benchmark, corpus_texts, write_section

__all__ = ["HEADING", "sample_texts", "write_section"]

SAMPLE_DIRS = [
    Path(settings.BASE_DIR) / "articles" / "samples",
    Path(settings.BASE_DIR).parent / "shared" / "samples",
]


def sample_texts(
    directories: list[Path] = SAMPLE_DIRS, bodies: dict[str, str] | None = None
) -> dict[str, str]:
    """body_text of every sample story, as ingestion stores it (same text only once).

    bodies, when given, receives their body_html.
    """
    texts: dict[str, str] = {}
    bodies = {} if bodies is None else bodies
    for directory in directories:
        if not directory.is_dir():
            continue
        for path in sorted(directory.iterdir()):
            if path.suffix not in {".html", ".txt"}:
                continue
            try:
                content, kind = read_input_file(path)
                html, text = build_body(clean_blocks(extract(content, kind)))
            except ExtractionError:
                continue
            if text not in texts.values():
                texts[path.name] = text
                bodies[path.name] = html
    return texts


class Command(BaseCommand):
    help = (
        "Measure how well annotations re-anchor in edited versions of the corpus stories "
        "(bench/anchoring.py) and how long it takes."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--write", metavar="PATH", help="Put the results in this Markdown file")
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument("--highlights", type=int, default=24, help="Highlights per story")
        parser.add_argument(
            "--stories", type=int, default=100, help="The first N corpus articles that fit (0: all)"
        )
        parser.add_argument("--corpus", type=Path, default=CORPUS)

    def handle(self, *args: Any, **options: Any) -> None:
        texts = corpus_texts(options["corpus"], limit=options["stories"] or None)
        if not texts:
            # Without the shared corpus, the sample stories (fewer: a smoke run).
            texts = sample_texts()
        if not texts:
            self.stderr.write("No stories found.")
            return
        bodies: dict[str, str] = {}
        samples = sample_texts(bodies=bodies)
        drawing = time_drawing(samples, bodies, options["seed"]) if samples else ""
        report, tallies = benchmark(texts, options["seed"], options["highlights"], drawing)
        self.stdout.write(report)
        if any(tally.wrong for tally in tallies.values()):
            self.stderr.write("Wrong anchors found: see the examples above.")
        if options["write"]:
            path = Path(options["write"])
            write_section(path, report)
            self.stdout.write(f"Wrote the {HEADING[3:]} section of {path}.")


def time_drawing(texts: dict[str, str], bodies: dict[str, str], seed: int) -> str:
    """How long the reading view takes to draw 200 overlapping highlights into a story."""
    name = max(texts, key=lambda key: len(texts[key]))
    text, html = texts[name], bodies[name]
    rng = random.Random(seed)
    highlights = []
    for number in range(200):
        start = rng.randrange(len(text) - 1)
        end = min(len(text), start + rng.randint(1, 300))
        highlights.append(Highlight(number, start, end, "yellow"))
    runs = []
    for _ in range(5):
        began = time.perf_counter()
        draw_highlights(html, highlights, body_text=text)
        runs.append((time.perf_counter() - began) * 1000)
    return (
        f"Drawing 200 overlapping highlights into the longest sample story ({len(html):,} "
        f"characters of HTML): best of 5 {min(runs):.1f} ms."
    )
