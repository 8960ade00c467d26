"""CPU bounds for the tests that guard against slow algorithms (issue 13).

These are complexity guards, not benchmarks (`make bench` measures speed): each holds a
worst-case input to a bound a superlinear cost would miss by far (the inputs they were
written for took 1 to 72 s before their fixes), with room for a machine that is slower or
busier than the one the bounds were set on.

A bound is written in seconds of CPU on the reference machine (a two-core AMD EPYC, quiet,
on which the worst of these inputs take about half their bound) and applied in seconds of
this machine, now: a fixed piece of the same kind of work as the guarded code (lxml
parsing, walking and serializing HTML, html5lib through bleach, regular expressions and
dictionaries in Python; none of the project's own code, whose slowness is what the guards
look for) is timed next to each attempt, and the bound grows or shrinks by how much longer
or shorter it took than REFERENCE_CPU. A whole suite's late tests ran the same paste at
1.22-1.56 s of CPU that took 0.95 s alone, on one machine: a fixed bound in seconds reads
the process's and the host's state, not the algorithm.

process_time counts only this process's work, but on a machine whose cores are busy with
other processes it still grows (caches and cores are shared): one slow measurement says
little. A worst case that is slow every time is what such a test must catch, so a work
that goes over its bound is measured again, from cold caches, up to three times, and the
test fails with the fastest.

The work is measured as a web worker would do it, not with the test process's heap: a
whole suite leaves many objects alive (tests, hypothesis, caches), and a full garbage
collection the work's allocations trigger walks all of them (with 1.5 million objects
alive, a paste at the caps took 1.09 s of CPU against 0.81 s with them frozen). What is
alive before the work is frozen out of the collector while it runs (gc.freeze) and thawed
after.
"""

from __future__ import annotations

import gc
import os
import re
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import bleach
import lxml.html

# The memos a repeat would otherwise find warm: the text pipeline's and the sanitizer's.
_CACHED = ("articles.ingest.", "newsreader.sanitizer.")

# The reference work's CPU on the reference machine, the fastest of five (measured there
# at 0.040-0.048 s across runs).
REFERENCE_CPU = 0.041

_ROWS = "".join(
    f'<p class="c{i % 7}">Paragraph {i} says <a href="/x/{i}">a linked thing</a> and'
    f" <em>some</em> more words about it.</p>"
    for i in range(1200)
)
_WORD = re.compile(r"\w+")


def _reference_work() -> int:
    tree = lxml.html.fromstring(f"<html><body><article>{_ROWS}</article></body></html>")
    found = 0
    for element in tree.iter():
        found += len(element.text or "") + len(element.tail or "") + len(element.attrib)
    lxml.html.tostring(tree)
    bleach.clean(_ROWS[:30_000], tags={"p", "a", "em"}, attributes={"a": ["href"]})
    counts: dict[str, int] = {}
    for word in _WORD.findall(_ROWS):
        counts[word] = counts.get(word, 0) + 1
    return found + len(counts)


def slowness() -> float:
    """How many times longer than on the reference machine such work takes here, now."""
    spent = []
    for _ in range(5):
        start = time.process_time()
        _reference_work()
        spent.append(time.process_time() - start)
    return min(spent) / REFERENCE_CPU


def _log(spent: float, slowness: float) -> None:
    """With CPU_LOG set, append each measurement to that file: how to set a bound anew."""
    if path := os.environ.get("CPU_LOG"):
        with open(path, "a") as log:
            test = os.environ.get("PYTEST_CURRENT_TEST", "?").removesuffix(" (call)")
            log.write(f"{spent / slowness:.3f}\t{spent:.3f}\t{slowness:.2f}\t{test}\n")


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


@contextmanager
def _measured(spent: list[float]) -> Iterator[None]:
    gc.collect()
    gc.freeze()
    try:
        start = time.process_time()
        yield
        spent.append(time.process_time() - start)
    finally:
        gc.unfreeze()


def within_cpu[T](bound: float, work: Callable[[int], T], tries: int = 3) -> T:
    """work(attempt)'s result, once an attempt took under `bound` seconds of the reference
    machine's CPU."""
    spent: list[float] = []
    allowed: list[float] = []
    for attempt in range(tries):
        if attempt:
            cold_caches()
        factor = slowness()
        allowed.append(bound * factor)
        with _measured(spent):
            result = work(attempt)
        _log(spent[-1], factor)
        if spent[-1] < allowed[-1]:
            return result
    raise AssertionError(
        f"over the bound of {bound} s of the reference machine's CPU in each of {tries} "
        "tries: "
        + ", ".join(
            f"{s:.2f} s where {a:.2f} s was allowed" for s, a in zip(spent, allowed, strict=True)
        )
    )


@contextmanager
def cpu_bounded(bound: float, what: str = "the work") -> Iterator[None]:
    """Measure the block once, for work that cannot be repeated (a hypothesis example)."""
    factor = slowness()
    allowed = bound * factor
    spent: list[float] = []
    with _measured(spent):
        yield
    _log(spent[0], factor)
    assert spent[0] < allowed, f"{what}: {spent[0]:.2f} s of CPU where {allowed:.2f} s was allowed"
