"""Time limits for background tasks, so one slow input cannot hold the worker.

django-tasks-db has none: a task runs until it returns. `limited()` arms two interval
timers around a task's work, wall-clock (``TASK_TIME_LIMIT``: fetches wait on the network)
and CPU (``TASK_CPU_LIMIT``: parsing a hostile page). The first to run out raises
`TaskLimitExceeded` in the task, which records it where a reader sees it (the feed's or
the item's error) and returns, leaving the worker free for the next task.

Python runs a signal handler between bytecodes, so a single long C call (one regex, one
lxml parse) finishes first; the inputs of those are capped by size (FETCH_MAX_BYTES, the
plain-text caps). Timers are per process and only the main thread gets signals: elsewhere
(runserver's request threads running tasks immediately) the work runs unlimited, bounded by
those caps alone. A limit inside a limit keeps the outer one.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

from django.conf import settings

__all__ = ["TaskLimitExceeded", "limited"]

_active = threading.local()


class TaskLimitExceeded(BaseException):
    """The task ran past its time or CPU limit and was stopped. A BaseException, like
    KeyboardInterrupt, so that a library's `except Exception` does not swallow it."""


@contextmanager
def limited(what: str) -> Iterator[None]:
    """Stop the work in the block once it has run TASK_TIME_LIMIT seconds, or used
    TASK_CPU_LIMIT seconds of CPU; `what` names it in the message ("this feed")."""
    wall, cpu = float(settings.TASK_TIME_LIMIT), float(settings.TASK_CPU_LIMIT)
    if getattr(_active, "on", False) or threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum: int, _frame: FrameType | None) -> None:
        if signum == signal.SIGALRM:
            raise TaskLimitExceeded(f"Stopped: {what} took longer than {wall:g} s to process.")
        raise TaskLimitExceeded(f"Stopped: {what} needed more than {cpu:g} s of CPU to process.")

    previous = signal.signal(signal.SIGALRM, stop), signal.signal(signal.SIGPROF, stop)
    _active.on = True
    # Again every second after, should something swallow the first one anyway.
    timers = (
        signal.setitimer(signal.ITIMER_REAL, wall, 1),
        signal.setitimer(signal.ITIMER_PROF, cpu, 1),
    )
    try:
        yield
    finally:
        # Whatever timers were set before (none, in the worker) are set again as they were.
        signal.setitimer(signal.ITIMER_REAL, *timers[0])
        signal.setitimer(signal.ITIMER_PROF, *timers[1])
        signal.signal(signal.SIGALRM, previous[0])
        signal.signal(signal.SIGPROF, previous[1])
        _active.on = False
