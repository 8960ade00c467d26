"""Tasks whose worker died: retried, then failed visibly.

django-tasks-db marks a row RUNNING when a worker takes it and only that worker ever
finishes it. A worker killed mid-task (SIGKILL, OOM, a lost node) leaves the row RUNNING
for good: no other worker takes it and nothing times it out. The scheduler
(`refresh_feeds --loop`) calls `recover_stale_tasks` every round, and `manage.py
recover_tasks` does it by hand.

A row RUNNING for longer than any task can take (`TASK_STALE_AFTER`, an hour by default:
the longest task, a feed refresh, fetches at most 50 pages with a 15-second deadline each)
belonged to a dead worker. It goes back to READY so a live worker retries it; after
`TASK_MAX_ATTEMPTS` takes it is FAILED, with the reason as its error, so it shows up among
the failed tasks in the admin instead of looping. Retrying is safe because the tasks are
idempotent: a feed is claimed under a lease, stories are unique by URL and an unchanged
revision adds nothing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.tasks import TaskResultStatus
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

logger = logging.getLogger(__name__)


class WorkerLost(Exception):
    """The worker running a task stopped without finishing it."""


@dataclass(frozen=True)
class Recovered:
    retried: int
    failed: int


def recover_stale_tasks() -> Recovered:
    stale_after = timedelta(seconds=settings.TASK_STALE_AFTER)
    max_attempts: int = settings.TASK_MAX_ATTEMPTS
    cutoff = timezone.now() - stale_after
    retried = failed = 0
    with transaction.atomic():
        # Locked and skipped if locked: two schedulers never recover the same row twice.
        stale = (
            DBTaskResult.objects.running()
            .filter(started_at__lt=cutoff)
            .select_for_update(skip_locked=True)
        )
        for row in stale:
            attempts = len(row.worker_ids)
            if attempts < max_attempts:
                row.status = TaskResultStatus.READY
                row.started_at = None
                row.run_after = timezone.now()
                row.save(update_fields=["status", "started_at", "run_after"])
                retried += 1
                logger.warning("Task %s (%s) lost its worker; retrying.", row.pk, row.task_path)
            else:
                row.set_failed(
                    WorkerLost(
                        f"The worker running this task stopped without finishing it "
                        f"{attempts} times (workers: {', '.join(row.worker_ids)}); "
                        "it is not retried again."
                    )
                )
                failed += 1
                logger.error(
                    "Task %s (%s) lost its worker %d times; failed.",
                    row.pk,
                    row.task_path,
                    attempts,
                )
    return Recovered(retried=retried, failed=failed)
