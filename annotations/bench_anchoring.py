"""Accuracy and speed benchmark for annotations.anchoring.

run_benchmark() makes edited versions of the given texts with a known truth, anchors random
selections in them and counts the outcomes. "wrong" (an anchor on anything but the true
passage, or any anchor for a deleted passage) must stay 0; "orphaned" is the price paid for
that.

Scenarios, per selection (a word-aligned span, sometimes running into the next paragraph):
unchanged; insert_before / insert_after (a paragraph of random words); delete_elsewhere (a
paragraph); move_paragraph (the one holding the passage); duplicate_elsewhere (a copy of the
passage as its own paragraph); reword (a word replaced, inserted or deleted, or a typo,
strictly inside the passage; correct = overlapping the edited passage);
reword_and_insert_before; delete_passage (truth: orphaned; only when the quote does not
survive elsewhere). Edits that would make the truth ambiguous (moving or deleting one of
two identical paragraphs) are not generated.
"""

from __future__ import annotations

import random
import re
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .anchoring import Anchor, AnchorState, anchor, describe

_WORD = re.compile(r"\S+")
_PARAGRAPH = re.compile(r"[^\n]+")


@dataclass(frozen=True)
class _Case:
    scenario: str
    text: str
    # Where the passage is in the edited text; None when it was deleted.
    truth: tuple[int, int] | None
    # For rewordings only the region is known, not the exact span.
    fuzzy: bool = False


def run_benchmark(texts: list[str], seed: int = 0, selections_per_text: int = 25) -> dict[str, Any]:
    """Anchor random selections of texts in edited versions of them; return the counts.

    Returns cases, correct, orphaned (a passage that still exists was not found), wrong,
    by_scenario (the same counts per kind of edit), examples of wrong anchors, and the time
    per anchor() call (mean_ms, p95_ms, max_ms).
    """
    rng = random.Random(seed)
    vocabulary = sorted({word for text in texts for word in _WORD.findall(text)}) or ["word"]
    totals = {"cases": 0, "correct": 0, "orphaned": 0, "wrong": 0}
    by_scenario: dict[str, dict[str, int]] = {}
    wrong_examples: list[dict[str, Any]] = []
    timings: list[float] = []
    for text in texts:
        words = list(_WORD.finditer(text))
        if len(words) < 4:
            continue
        for _ in range(selections_per_text):
            start, end = _random_selection(rng, text)
            selectors = describe(text, start, end)
            for case in _cases(rng, text, start, end, vocabulary):
                began = time.perf_counter()
                result = anchor(selectors, case.text)
                timings.append(time.perf_counter() - began)
                outcome = _judge(case, result)
                totals["cases"] += 1
                totals[outcome] += 1
                counts = by_scenario.setdefault(
                    case.scenario, {"cases": 0, "correct": 0, "orphaned": 0, "wrong": 0}
                )
                counts["cases"] += 1
                counts[outcome] += 1
                if outcome == "wrong" and len(wrong_examples) < 10:
                    wrong_examples.append(
                        {
                            "scenario": case.scenario,
                            "exact": selectors.exact,
                            "truth": case.truth,
                            "anchor": (result.state.value, result.start, result.end),
                            "found": case.text[result.start : result.end]
                            if result.start is not None
                            else None,
                        }
                    )
    millis = sorted(t * 1000 for t in timings) or [0.0]
    return {
        **totals,
        "by_scenario": by_scenario,
        "wrong_examples": wrong_examples,
        "mean_ms": statistics.fmean(millis),
        "p95_ms": millis[min(len(millis) - 1, int(len(millis) * 0.95))],
        "max_ms": millis[-1],
    }


def _judge(case: _Case, result: Anchor) -> str:
    if case.truth is None:
        return "correct" if result.state is AnchorState.ORPHANED else "wrong"
    if result.state is AnchorState.ORPHANED or result.start is None or result.end is None:
        return "orphaned"
    start, end = case.truth
    if case.fuzzy:
        return "correct" if result.start < end and start < result.end else "wrong"
    return "correct" if (result.start, result.end) == case.truth else "wrong"


def _random_selection(rng: random.Random, text: str) -> tuple[int, int]:
    """A word-aligned span, usually inside one paragraph, sometimes crossing into the next."""
    paragraphs = [m for m in _PARAGRAPH.finditer(text) if _WORD.search(m.group())]
    paragraph = rng.choices(paragraphs, weights=[len(m.group()) for m in paragraphs])[0]
    words = [m for m in _WORD.finditer(text) if m.start() >= paragraph.start()]
    in_paragraph = sum(1 for m in words if m.end() <= paragraph.end())
    first = rng.randrange(in_paragraph)
    span = rng.choice([1, 2, 3, 4, 6, 8, 12, 16])
    if rng.random() < 0.1:
        span += in_paragraph - first  # run on into the next paragraph
    last = min(len(words) - 1, first + span - 1)
    return words[first].start(), words[last].end()


def _cases(
    rng: random.Random, text: str, start: int, end: int, vocabulary: list[str]
) -> list[_Case]:
    exact = text[start:end]
    # Paragraph boundaries (offsets just after a newline, plus the text edges).
    boundaries = sorted({0, len(text), *(m.end() for m in re.finditer(r"\n+", text))})
    before = [b for b in boundaries if b <= start]
    after = [b for b in boundaries if b >= end]
    made: list[_Case] = [_Case("unchanged", text, (start, end))]

    def insertion(at: int, piece: str) -> str:
        return text[:at] + piece + text[at:]

    def new_paragraph() -> str:
        return " ".join(rng.choices(vocabulary, k=rng.randint(5, 40))) + "\n"

    if before:
        at = rng.choice(before)
        piece = new_paragraph()
        made.append(_Case("insert_before", insertion(at, piece), _shift(start, end, len(piece))))
    if after:
        at = rng.choice(after)
        made.append(_Case("insert_after", insertion(at, new_paragraph()), (start, end)))

    # Delete a whole paragraph that does not hold any of the selection.
    # (Not a copy of the selection's own paragraph: deleting either copy gives one text.)
    own = {
        m.group().strip()
        for m in re.finditer(r"[^\n]+", text)
        if m.start() < end and start < m.end()
    }
    paragraphs = [
        m
        for m in re.finditer(r"[^\n]+\n*", text)
        if (m.end() <= start or m.start() >= end) and m.group().strip() not in own
    ]
    if paragraphs:
        gone = rng.choice(paragraphs)
        edited = text[: gone.start()] + text[gone.end() :]
        shift = -(gone.end() - gone.start()) if gone.end() <= start else 0
        made.append(_Case("delete_elsewhere", edited, _shift(start, end, shift)))

    # The paragraph holding the passage moved elsewhere (editors reorder paragraphs).
    holder = next(
        (m for m in re.finditer(r"[^\n]+\n+", text) if m.start() <= start and end < m.end()),
        None,
    )
    # Moving one of two identical paragraphs gives the same text as moving the other:
    # no truth to check against.
    if holder is not None and "\n" not in exact and text.count(holder.group().strip()) == 1:
        rest = text[: holder.start()] + text[holder.end() :]
        spots = sorted(
            {0, *(m.end() for m in re.finditer(r"\n+", rest))} - {holder.start(), len(rest)}
        )
        if spots:
            at = rng.choice(spots)
            moved = rest[:at] + holder.group() + rest[at:]
            made.append(_Case("move_paragraph", moved, _shift(start, end, at - holder.start())))

    # A copy of the passage elsewhere (a pull quote, a repeated heading).
    far = [b for b in boundaries if b < start - 40 or b > end + 40]
    if far:
        at = rng.choice(far)
        piece = exact + "\n"
        shift = len(piece) if at <= start else 0
        made.append(_Case("duplicate_elsewhere", insertion(at, piece), _shift(start, end, shift)))

    reworded = _reword(rng, exact, vocabulary)
    if reworded is not None:
        edited = text[:start] + reworded + text[end:]
        made.append(_Case("reword", edited, (start, start + len(reworded)), fuzzy=True))
        if before:
            at = rng.choice(before)
            piece = new_paragraph()
            both = edited[:at] + piece + edited[at:]
            made.append(
                _Case(
                    "reword_and_insert_before",
                    both,
                    _shift(start, start + len(reworded), len(piece)),
                    fuzzy=True,
                )
            )

    # The passage deleted. Only a fair test when the quote does not survive elsewhere.
    deleted = text[:start] + text[end:]
    if exact not in deleted:
        made.append(_Case("delete_passage", deleted, None))
    return made


def _shift(start: int, end: int, by: int) -> tuple[int, int]:
    return start + by, end + by


def _reword(rng: random.Random, exact: str, vocabulary: list[str]) -> str | None:
    """A small edit inside the passage: a replaced, inserted or deleted word, or a typo."""
    words = list(_WORD.finditer(exact))
    if len(words) < 3:
        return None
    # Never touch the first or the last word: the benchmark's truth is the region
    # between the neighbours, and edits at the very edges are indistinguishable from
    # edits to the context.
    target = words[rng.randrange(1, len(words) - 1)]
    operations: list[Callable[[], str]] = [
        lambda: exact[: target.start()] + rng.choice(vocabulary) + exact[target.end() :],
        lambda: exact[: target.start()] + rng.choice(vocabulary) + " " + exact[target.start() :],
        lambda: exact[: target.start()] + exact[target.end() :].lstrip(" "),
        lambda: _typo(rng, exact, target.start(), target.end()),
    ]
    edited = rng.choice(operations)()
    return edited if edited != exact else None


def _typo(rng: random.Random, text: str, start: int, end: int) -> str:
    if end - start < 2:
        return text[:start] + text[start:end] * 2 + text[end:]
    i = rng.randrange(start, end - 1)
    return text[:i] + text[i + 1] + text[i] + text[i + 2 :]
