import sys
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandParser

from articles.management.commands.ingest import Progress
from imports.files import ImportFileError, check_size
from imports.models import ImportJob
from imports.tasks import create_job, run_job


class Command(BaseCommand):
    help = (
        "Import saved stories and highlights for a reader from a Pocket, Instapaper, "
        "Omnivore, Wallabag, Hypothesis or Newsreader export file."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", metavar="FILE", help="The export file.")
        parser.add_argument("--user", required=True, help="Whose library it goes into.")
        parser.add_argument(
            "--keep-visibility",
            action="store_true",
            help="Keep who could see each highlight as the file says (default: private).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        user = get_user_model().objects.filter(username=options["user"]).first()
        if user is None:
            self.stderr.write(f"No user named {options['user']!r}.")
            sys.exit(2)
        try:
            if not path.is_file():
                raise ImportFileError("No such file.")
            # Refused by its size before a byte of it is read.
            check_size(path.stat().st_size)
            job = create_job(
                user,  # type: ignore[arg-type]
                path.name,
                path.read_bytes(),
                keep_visibility=options["keep_visibility"],
            )
        except ImportFileError as exc:
            self.stderr.write(f"{path}: {exc}")
            sys.exit(1)
        self.stdout.write(f"{path}: {job.get_format_display()}, {job.total} items.")
        # A bar only helps a person watching; logs and pipes get the report alone.
        progress = Progress(self.stderr, job.total)
        items = list(job.items)

        def show(current: ImportJob) -> None:
            if progress.enabled and current.done < current.total:
                item = items[current.done]
                progress.show(current.done, item.get("title") or item.get("url") or "")

        job = run_job(job, show if progress.enabled else None)
        progress.clear()
        self.stdout.write(
            f"{job.stories} stories, {job.highlights} highlights, {job.tags} tags imported; "
            f"{job.unchanged} already here; {len(job.failures)} failed."
        )
        for entry in job.notes:
            self.stdout.write(f"  note: {entry['title'] or entry['url']}: {entry['reason']}")
        for entry in job.failures:
            self.stderr.write(f"  failed: {entry['title'] or entry['url']}: {entry['reason']}")
        if job.failures:
            sys.exit(1)
