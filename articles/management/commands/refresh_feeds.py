import signal
import time
from types import FrameType
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError, close_old_connections

from articles.tasks import refresh_due_feeds
from newsreader.stale_tasks import recover_stale_tasks


class Command(BaseCommand):
    help = (
        "Queue a refresh of every feed that is due (the worker fetches them). With --loop, "
        "keep doing it every SECONDS: the scheduler beside `db_worker`, which also retries "
        "tasks whose worker died (see recover_tasks)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--loop",
            type=float,
            metavar="SECONDS",
            help="Run forever, looking for due feeds every SECONDS.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        interval: float | None = options["loop"]
        if interval is None:
            queued = refresh_due_feeds.call()
            self.stdout.write(f"Queued {queued} feed{'' if queued == 1 else 's'} for refresh.")
            return
        if interval <= 0:
            raise CommandError("--loop needs a positive number of seconds.")
        self._running = True
        signal.signal(signal.SIGINT, self._stop)
        signal.signal(signal.SIGTERM, self._stop)
        self.stdout.write(f"Looking for due feeds every {interval:g} s (Ctrl-C stops).")
        while self._running:
            # Connections may have gone stale while sleeping (database restarts, timeouts).
            close_old_connections()
            try:
                recovered = recover_stale_tasks()
                queued = refresh_due_feeds.call()
            except DatabaseError as exc:
                # The database may be restarting; the next round tries again.
                self.stderr.write(f"Could not look for due feeds: {exc}")
            else:
                if queued:
                    self.stdout.write(f"Queued {queued} feed{'' if queued == 1 else 's'}.")
                if recovered.retried or recovered.failed:
                    self.stdout.write(
                        f"Tasks whose worker died: {recovered.retried} retried, "
                        f"{recovered.failed} failed."
                    )
            self._sleep(interval)

    def _stop(self, signum: int, frame: FrameType | None) -> None:
        self._running = False

    def _sleep(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while self._running and time.monotonic() < deadline:
            time.sleep(min(0.5, deadline - time.monotonic()))
