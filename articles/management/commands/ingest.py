import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from articles.ingest.extract import ExtractionError
from articles.ingest.pipeline import IngestResult, ingest_file
from articles.ingest.urls import is_web_url


class Command(BaseCommand):
    help = "Ingest story files (.html, .htm, .html.gz, .txt) through the ingest pipeline."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("paths", nargs="+", metavar="PATH")
        parser.add_argument("--url", help="The story's original URL (one file only).")
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
        failed = 0
        for raw in paths:
            try:
                result = ingest_file(Path(raw), url=url)
            except ExtractionError as exc:
                failed += 1
                self.stderr.write(f"{raw}: {exc}")
                continue
            if options["json"]:
                self.stdout.write(json.dumps(as_json(result), ensure_ascii=False))
            else:
                self.stdout.write(describe(raw, result))
        if failed:
            sys.exit(1)


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
