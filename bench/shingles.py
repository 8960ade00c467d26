"""Shingle F1 on the ScrapingHub article-extraction-benchmark: our pipeline and plain
trafilatura on its 181 news pages, scored the way that benchmark scores (its
``evaluate.py``): ``\\w+`` tokens, 4-word shingles counted with their multiplicity, each
page's true/false positives and false negatives normalized so that long pages weigh no
more than short ones, precision and recall averaged over pages, F1 from the two means.

The pages are not part of the project (MIT licence, Scrapinghub 2020): ``make
bench-shingles AEB=path`` reads a clone of https://github.com/scrapinghub/
article-extraction-benchmark (its ``html/*.html.gz`` and ``ground-truth.json``). The
pages are split in two halves by the same fixed hash of the page's name as the WCXB
corpus (``bench.extraction.half``); both halves are reported.
"""

from __future__ import annotations

import gzip
import json
import re
import statistics
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from articles.ingest.extract import ExtractionError
from articles.ingest.pipeline import decode_input

from .extraction import CHECK, PIPELINE, TRAFILATURA, TUNING, WIN_MARGIN, System, half

SHINGLE = 4
_TOKEN = re.compile(r"\w+")


def shingles(text: str, size: int = SHINGLE) -> Counter[tuple[str, ...]]:
    """The text's runs of ``size`` tokens, counted (a text shorter than that is one
    shorter shingle, as the benchmark counts it; no text, none)."""
    tokens = _TOKEN.findall(text)
    return Counter(
        tuple(tokens[i : i + size]) for i in range(max(1, len(tokens) - size + 1)) if tokens
    )


@dataclass(frozen=True)
class PageScore:
    """One page's shares of true positives, false positives and false negatives."""

    tp: float
    fp: float
    fn: float

    @classmethod
    def of(cls, predicted: str, truth: str) -> PageScore:
        ours, wanted = shingles(predicted), shingles(truth)
        tp = sum((ours & wanted).values())
        fp = sum((ours - wanted).values())
        fn = sum((wanted - ours).values())
        total = tp + fp + fn
        return cls(tp / total, fp / total, fn / total) if total else cls(0.0, 0.0, 0.0)

    @property
    def precision(self) -> float:
        if self.fp == self.fn == 0:
            return 1.0
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        if self.fp == self.fn == 0:
            return 1.0
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass
class ShingleScore:
    pages: dict[str, PageScore] = field(default_factory=dict)

    def _mean(
        self, value: Callable[[PageScore], float], counts: Callable[[PageScore], float]
    ) -> float:
        scored = [value(page) for page in self.pages.values() if counts(page) > 0]
        return statistics.mean(scored) if scored else 0.0

    @property
    def precision(self) -> float:
        # The benchmark averages precision over pages with some output, recall over
        # pages with some truth.
        return self._mean(lambda page: page.precision, lambda page: page.tp + page.fp)

    @property
    def recall(self) -> float:
        return self._mean(lambda page: page.recall, lambda page: page.tp + page.fn)

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def part(self, names: set[str]) -> ShingleScore:
        return ShingleScore({name: s for name, s in self.pages.items() if name in names})


@dataclass(frozen=True)
class BenchmarkPage:
    name: str
    url: str | None
    html: str
    truth: str


def load_benchmark(folder: Path, limit: int | None = None) -> Iterator[BenchmarkPage]:
    """The benchmark's pages with their ``articleBody``, in name order."""
    truth_file = folder / "ground-truth.json"
    if not truth_file.is_file() or not (folder / "html").is_dir():
        raise FileNotFoundError(f"{folder} has no ground-truth.json and html/ folder")
    truth = json.loads(truth_file.read_text(encoding="utf-8"))
    names = sorted(truth)[:limit] if limit else sorted(truth)
    for name in names:
        raw = gzip.decompress((folder / "html" / f"{name}.html.gz").read_bytes())
        try:
            page = decode_input(raw, "html")
        except ExtractionError:
            page = raw.decode("utf-8", "replace")
        url = truth[name].get("url")
        yield BenchmarkPage(
            name, url if isinstance(url, str) else None, page, truth[name].get("articleBody") or ""
        )


def evaluate(
    pages: Iterator[BenchmarkPage], systems: tuple[System, ...] = (PIPELINE, TRAFILATURA)
) -> dict[str, ShingleScore]:
    scores = {system.name: ShingleScore() for system in systems}
    for page in pages:
        for system in systems:
            output = system.run(page.html, page.url)
            scores[system.name].pages[page.name] = PageScore.of(output.text, page.truth)
    return scores


def won_and_lost(ours: ShingleScore, base: ShingleScore) -> tuple[int, int]:
    won = sum(1 for name, s in ours.pages.items() if s.f1 > base.pages[name].f1 + WIN_MARGIN)
    lost = sum(1 for name, s in ours.pages.items() if base.pages[name].f1 > s.f1 + WIN_MARGIN)
    return won, lost


def table(scores: dict[str, ShingleScore]) -> list[str]:
    """The comparison as Markdown rows: each half and all pages."""
    ours, base = scores[PIPELINE.name], scores[TRAFILATURA.name]
    halves = {
        TUNING: {name for name in ours.pages if half(name) == TUNING},
        CHECK: {name for name in ours.pages if half(name) == CHECK},
        "all": set(ours.pages),
    }
    rows = [
        "| | pages | pipeline F1 (P / R) | trafilatura F1 (P / R) | won / lost |",
        "|---|---:|---:|---:|---:|",
    ]
    for label, names in halves.items():
        a, b = ours.part(names), base.part(names)
        won, lost = won_and_lost(a, b)
        rows.append(
            f"| {label} | {len(names)} | {a.f1:.4f} ({a.precision:.3f} / {a.recall:.3f}) | "
            f"{b.f1:.4f} ({b.precision:.3f} / {b.recall:.3f}) | {won} / {lost} |"
        )
    return rows
