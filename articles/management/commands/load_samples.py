from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand

from articles.ingest.extract import ExtractionError
from articles.ingest.pipeline import ingest_file

SAMPLES = Path(__file__).resolve().parents[2] / "samples"


class Command(BaseCommand):
    help = "Load the bundled sample stories (idempotent: unchanged samples add nothing)."

    def handle(self, *args: Any, **options: Any) -> None:
        paths = sorted(p for p in SAMPLES.iterdir() if p.suffix in {".html", ".txt"})
        added = 0
        for path in paths:
            try:
                result = ingest_file(path)
            except ExtractionError as exc:
                self.stderr.write(f"{path.name}: {exc}")
                continue
            added += result.changed
        self.stdout.write(f"Samples: {len(paths)} files, {added} new or changed stories.")
