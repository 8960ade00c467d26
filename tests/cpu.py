"""CPU bounds for the tests that guard against slow algorithms (issue 13).

process_time counts only this process's work, but on a machine whose cores are busy with
other processes it still grows (caches and cores are shared): one slow measurement says
little. A worst case that is slow every time is what such a test must catch, so a work
that goes over its bound is measured again, from cold caches, up to three times, and
the test fails with the fastest.

The work is measured as a web worker would do it, not with the test process's heap: a
whole suite leaves many objects alive (tests, hypothesis, caches), and a full garbage
collection the work's allocations trigger walks all of them (with 1.5 million objects
alive, a paste at the caps took 1.09 s of CPU against 0.81 s with them frozen). What is
alive before the work is frozen out of the collector while it runs (gc.freeze) and thawed
after.
"""

from __future__ import annotations

import gc
import sys
import time
from collections.abc import Callable

# The memos a repeat would otherwise find warm: the text pipeline's and the sanitizer's.
_CACHED = ("articles.ingest.", "newsreader.sanitizer.")


def cold_caches() -> None:
    """Empty the functools caches and per-thread memos of the text pipeline's modules."""
    for name, module in list(sys.modules.items()):
        if not name.startswith(_CACHED):
            continue
        for value in list(vars(module).values()):
            clear = getattr(value, "cache_clear", None)
            if callable(clear):
                clear()
            memo = getattr(value, "__dict__", None)
            if type(value).__name__ == "_local" and isinstance(memo, dict):
                memo.clear()


def within_cpu[T](bound: float, work: Callable[[int], T], tries: int = 3) -> T:
    """work(attempt)'s result, once an attempt took under `bound` seconds of CPU."""
    spent: list[float] = []
    for attempt in range(tries):
        if attempt:
            cold_caches()
        gc.collect()
        gc.freeze()
        try:
            start = time.process_time()
            result = work(attempt)
            spent.append(time.process_time() - start)
        finally:
            gc.unfreeze()
        if spent[-1] < bound:
            return result
    raise AssertionError(
        f"{min(spent):.2f} s of CPU at the best of {tries} tries (bound {bound} s): "
        + ", ".join(f"{s:.2f}" for s in spent)
    )
