import json
import shutil
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser, OutputWrapper

from articles.ingest.extract import ExtractionError
from articles.ingest.fetch import FetchError
from articles.ingest.pipeline import IngestResult, ingest_file, ingest_url
from articles.ingest.urls import is_web_url


class Command(BaseCommand):
    help = (
        "Ingest stories through the ingest pipeline: files (.html, .htm, .html.gz, .txt) or "
        "http(s) URLs, which are fetched."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("paths", nargs="+", metavar="PATH", help="A file or an http(s) URL.")
        parser.add_argument("--url", help="The story's original URL (one PATH only).")
        parser.add_argument("--json", action="store_true", help="Print one JSON object per story.")

    def handle(self, *args: Any, **options: Any) -> None:
        paths: list[str] = options["paths"]
        url: str | None = options["url"]
        if url and len(paths) > 1:
            self.stderr.write("--url applies to one file; give one PATH with it.")
            sys.exit(2)
        if url and not is_web_url(url):
            self.stderr.write(f"--url: not an http(s) URL: {url}")
            sys.exit(2)
        # A bar only helps a person watching many items; logs and pipes get plain lines.
        progress = Progress(self.stderr, len(paths)) if len(paths) > 1 else None
        if progress is not None and not progress.enabled:
            progress = None
        failed = 0
        for index, raw in enumerate(paths):
            if progress is not None:
                progress.show(index, raw)
            try:
                result = ingest_one(raw, url)
            except (ExtractionError, FetchError) as exc:
                failed += 1
                self._line(self.stderr, f"{raw}: {exc}", progress)
                continue
            if options["json"]:
                line = json.dumps(as_json(result), ensure_ascii=False)
            else:
                line = describe(raw, result)
            self._line(self.stdout, line, progress)
        if progress is not None:
            progress.finish(len(paths) - failed, failed)
        if failed:
            sys.exit(1)

    def _line(self, stream: OutputWrapper, line: str, progress: "Progress | None") -> None:
        if progress is not None:
            progress.clear()
        stream.write(line)
        stream.flush()


def ingest_one(raw: str, url: str | None) -> IngestResult:
    if is_web_url(raw):
        return ingest_url(raw, story_url=url)
    return ingest_file(Path(raw), url=url)


class Progress:
    """A one-line progress bar on a terminal's stderr, redrawn in place."""

    def __init__(self, stream: OutputWrapper, total: int) -> None:
        self.stream = stream
        self.total = total
        self.enabled = stream.isatty()
        self._drawn = False

    def show(self, done: int, current: str) -> None:
        width = shutil.get_terminal_size((80, 20)).columns
        bar_width = 24
        filled = bar_width * done // self.total
        head = f"[{'#' * filled}{'.' * (bar_width - filled)}] {done}/{self.total} "
        room = max(0, width - len(head) - 1)
        name = current if len(current) <= room else "…" + current[-(room - 1) :] if room > 1 else ""
        self.stream.write(f"\r\x1b[K{head}{name}", ending="")
        self.stream.flush()
        self._drawn = True

    def clear(self) -> None:
        if self._drawn:
            self.stream.write("\r\x1b[K", ending="")
            self._drawn = False

    def finish(self, stored: int, failed: int) -> None:
        self.clear()
        summary = f"{self.total} items: {stored} stored"
        self.stream.write(summary + (f", {failed} failed" if failed else ""))
        self.stream.flush()


def as_json(result: IngestResult) -> dict[str, Any]:
    story, revision = result.story, result.revision
    return {
        "id": story.pk,
        "url": story.url,
        "title": story.title,
        "dek": story.dek,
        "byline": story.byline,
        "site_name": story.site_name,
        "published": story.published.date().isoformat() if story.published else None,
        "word_count": revision.word_count,
        "revision": revision.number,
        "created": result.created,
        "body_text": revision.body_text,
    }


def describe(path: str, result: IngestResult) -> str:
    if result.created:
        what = "new story"
    elif result.changed:
        what = f"new revision {result.revision.number}"
    else:
        what = "unchanged"
    return f"{path}: {what}: #{result.story.pk} {result.story.title}"
