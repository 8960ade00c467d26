"""`manage.py bench_extraction`: extraction quality and speed, pipeline vs trafilatura (the
benchmark lives in bench/extraction.py and bench/extraction_report.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from bench.extraction import DEFAULT_CORPUS
from bench.extraction_report import run

# Best of three runs per page keeps a busy machine's stalls out of both systems' times.
DEFAULT_REPEAT = 3


class Command(BaseCommand):
    help = (
        "Score the ingest pipeline and plain trafilatura.extract side by side on the WCXB "
        "article pages, on each half of the corpus: word F1, boilerplate leaked, article "
        "snippets kept, pages won and lost, metadata agreement, glued words, pages/second."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--limit", type=int, help="Only the first N pages.")
        parser.add_argument(
            "--corpus",
            type=Path,
            default=DEFAULT_CORPUS,
            help=f"The corpus folder (default: {DEFAULT_CORPUS}).",
        )
        parser.add_argument(
            "--write", type=Path, metavar="FILE", help="Write the results into FILE's section."
        )
        parser.add_argument(
            "--repeat",
            type=int,
            default=DEFAULT_REPEAT,
            help=f"Time each page N times and keep the best (default {DEFAULT_REPEAT}).",
        )
        parser.add_argument(
            "--show-leaks", action="store_true", help="List the pipeline's leaked snippets."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        limit: int | None = options["limit"]
        repeat: int = options["repeat"]
        if limit is not None and limit < 1:
            raise CommandError("--limit must be at least 1.")
        if repeat < 1:
            raise CommandError("--repeat must be at least 1.")
        try:
            run(
                options["corpus"],
                limit=limit,
                repeat=repeat,
                write=options["write"],
                show_leaks=options["show_leaks"],
                out=self.stdout.write,
            )
        except FileNotFoundError as exc:
            raise CommandError(str(exc)) from exc
