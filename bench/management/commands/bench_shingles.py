"""`manage.py bench_shingles`: shingle F1 of the pipeline and plain trafilatura on the
ScrapingHub article-extraction-benchmark (bench/shingles.py), whose pages are not part of
the project."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import trafilatura
from django.core.management.base import BaseCommand, CommandError, CommandParser

from bench.extraction_report import machine, write_section
from bench.shingles import SHINGLE, evaluate, load_benchmark, table

SECTION = "## Extraction: shingle F1 (ScrapingHub benchmark)"


class Command(BaseCommand):
    help = (
        "Score the ingest pipeline and plain trafilatura.extract by 4-word-shingle F1 on "
        "a clone of github.com/scrapinghub/article-extraction-benchmark, on each half."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("corpus", type=Path, help="The benchmark's folder (a clone).")
        parser.add_argument("--limit", type=int, help="Only the first N pages.")
        parser.add_argument(
            "--write", type=Path, metavar="FILE", help="Write the results into FILE's section."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        limit: int | None = options["limit"]
        if limit is not None and limit < 1:
            raise CommandError("--limit must be at least 1.")
        for name in ("trafilatura", "htmldate", "courlan", "justext", "readability"):
            logging.getLogger(name).setLevel(logging.ERROR)
        try:
            scores = evaluate(load_benchmark(options["corpus"], limit))
        except FileNotFoundError as exc:
            raise CommandError(str(exc)) from exc
        rows = table(scores)
        for row in rows:
            self.stdout.write(row)
        if options["write"] is not None:
            when = datetime.now(UTC)
            text = "\n".join(
                [
                    SECTION,
                    "",
                    f"`make bench-shingles AEB=…`, {when:%Y-%m-%d %H:%M} UTC; {machine()}; "
                    f"trafilatura {trafilatura.__version__}. What `body_text` stores, scored "
                    f"as the benchmark's evaluate.py scores: {SHINGLE}-word shingles, "
                    "precision and recall averaged over pages, F1 of the two means. Won / "
                    "lost: pages where one system's F1 beats the other's by more than 0.01. "
                    "The halves are those of `half` (a fixed hash of the page's name); no "
                    "rule was tuned on the check half.",
                    "",
                    *rows,
                ]
            )
            write_section(options["write"], text, SECTION)
            self.stdout.write(f"Wrote the {SECTION!r} section of {options['write']}")
