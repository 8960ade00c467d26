"""Starting an import (in the request: the file is read and checked whole, so a bad file
stores nothing) and running it (the worker: item by item, progress saved after each)."""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth.models import User
from django.db.models import F
from django.tasks import task
from django.utils import timezone

from .files import check_size
from .formats import FORMATS, parse
from .models import ImportJob
from .runner import ItemFailed, Pacer, import_item

logger = logging.getLogger(__name__)


def create_job(user: User, name: str, raw: bytes, *, keep_visibility: bool = False) -> ImportJob:
    """Read and check the whole file, then record the job (ImportFileError otherwise)."""
    check_size(len(raw))
    fmt, items = parse(name, raw)
    return ImportJob.objects.create(
        user=user,
        file_name=name[:255],
        file_hash=hashlib.sha256(raw).hexdigest(),
        format=fmt,
        visibility="as-file" if keep_visibility else "private",
        items=items,
        total=len(items),
    )


def start_import(user: User, name: str, raw: bytes, *, keep_visibility: bool = False) -> ImportJob:
    job = create_job(user, name, raw, keep_visibility=keep_visibility)
    run_import.enqueue(job.pk)
    return job


def _describe(item: dict[str, object]) -> dict[str, str]:
    return {"title": str(item.get("title") or "")[:300], "url": str(item.get("url") or "")[:500]}


def run_job(
    job: ImportJob,
    progress: Callable[[ImportJob], None] | None = None,
    budget: float | None = None,
) -> ImportJob:
    """Go through the job's items from where it stopped (a worker that died leaves
    ``done`` where it was: the next run goes on from there). With a ``budget`` (seconds)
    it stops after the item that ran past it, the job still running: the caller queues
    the rest."""
    started = time.monotonic()
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.RUNNING)
    job.status = ImportJob.Status.RUNNING
    pacer = Pacer()
    label = f"{FORMATS.get(job.format, job.format)}: {job.file_name}"[:2000]
    keep = job.visibility == "as-file"
    items = list(job.items)
    for index in range(job.done, len(items)):
        item = items[index]
        entry: dict[str, object] | None = None
        counts = {"done": F("done") + 1}
        try:
            outcome = import_item(job.user, item, label=label, pacer=pacer, keep_visibility=keep)
        except ItemFailed as exc:
            entry = _describe(item) | {"reason": str(exc), "failed": True}
        except Exception as exc:  # a bug, not the file: this item only
            logger.exception("Import %s: item %s failed", job.pk, index)
            entry = _describe(item) | {
                "reason": f"an unexpected error ({type(exc).__name__}); see the worker's log",
                "failed": True,
            }
        else:
            if outcome.story_created:
                counts["stories"] = F("stories") + 1
            if not (outcome.story_created or outcome.highlights or outcome.tags):
                counts["unchanged"] = F("unchanged") + 1
            counts["highlights"] = F("highlights") + outcome.highlights
            counts["tags"] = F("tags") + outcome.tags
            if outcome.notes:
                entry = _describe(item) | {
                    "reason": "; ".join(dict.fromkeys(outcome.notes)),
                    "failed": False,
                    "story": outcome.story.get_absolute_url(),
                }
        ImportJob.objects.filter(pk=job.pk).update(**counts)
        if entry is not None:
            job.refresh_from_db(fields=["report"])
            ImportJob.objects.filter(pk=job.pk).update(report=[*job.report, entry])
        if progress is not None:
            job.refresh_from_db()
            progress(job)
        if budget is not None and time.monotonic() - started >= budget and index + 1 < len(items):
            job.refresh_from_db()
            return job
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportJob.Status.DONE, finished=timezone.now(), items=[]
    )
    job.refresh_from_db()
    return job


@task()
def run_import(job_id: int) -> str:
    job = ImportJob.objects.select_related("user").filter(pk=job_id).first()
    if job is None or job.status == ImportJob.Status.DONE:
        return "gone"
    try:
        # A task stays short (a worker RUNNING for an hour is taken for dead and its task
        # retried: newsreader/stale_tasks.py): a long import goes on in the next task.
        job = run_job(job, budget=settings.IMPORT_TASK_SECONDS)
    except Exception:
        ImportJob.objects.filter(pk=job_id).update(
            status=ImportJob.Status.FAILED,
            error="An unexpected error stopped this import; the worker's log has the details.",
            finished=timezone.now(),
        )
        raise
    if job.status != ImportJob.Status.DONE:
        run_import.enqueue(job_id)
        return f"{job.done} of {job.total}, going on"
    return "done"
