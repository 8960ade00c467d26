"""manage.py bench_anchoring [--write docs/benchmarks.md]: re-anchoring accuracy and speed."""

from __future__ import annotations

import platform
import random
import re
import time
from datetime import date
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from annotations.bench_anchoring import run_benchmark
from annotations.highlighting import Highlight, draw_highlights
from articles.ingest.extract import ExtractionError
from articles.ingest.pipeline import build_body, clean_blocks, extract, read_input_file

SAMPLE_DIRS = [
    Path(settings.BASE_DIR) / "articles" / "samples",
    Path(settings.BASE_DIR).parent / "shared" / "samples",
]
HEADING = "## Anchoring"


def sample_texts(
    directories: list[Path] = SAMPLE_DIRS, bodies: dict[str, str] | None = None
) -> dict[str, str]:
    """body_text of every sample story, as ingestion stores it (same text only once).

    bodies, when given, receives their body_html.
    """
    texts: dict[str, str] = {}
    bodies = {} if bodies is None else bodies
    for directory in directories:
        if not directory.is_dir():
            continue
        for path in sorted(directory.iterdir()):
            if path.suffix not in {".html", ".txt"}:
                continue
            try:
                content, kind = read_input_file(path)
                html, text = build_body(clean_blocks(extract(content, kind)))
            except ExtractionError:
                continue
            if text not in texts.values():
                texts[path.name] = text
                bodies[path.name] = html
    return texts


def cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown"


class Command(BaseCommand):
    help = (
        "Measure how well annotations re-anchor in edited versions of the sample stories "
        "(annotations.bench_anchoring) and how long it takes."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--write", metavar="PATH", help="Put the results in this Markdown file")
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument("--selections", type=int, default=25, help="Selections per story")

    def handle(self, *args: Any, **options: Any) -> None:
        bodies: dict[str, str] = {}
        texts = sample_texts(bodies=bodies)
        if not texts:
            self.stderr.write("No sample stories found.")
            return
        seed, selections = options["seed"], options["selections"]
        per_story = run_benchmark(list(texts.values()), seed=seed, selections_per_text=selections)
        # One long text: the time a whole-text search costs grows with the text.
        joined = "\n".join(texts.values())
        long_text = run_benchmark([joined], seed=seed, selections_per_text=selections * 2)
        drawing = time_drawing(texts, bodies, seed)
        report = render_report(texts, joined, per_story, long_text, seed, selections, drawing)
        self.stdout.write(report)
        if per_story["wrong"] or long_text["wrong"]:
            self.stderr.write("Wrong anchors found: see the examples above.")
        if options["write"]:
            path = Path(options["write"])
            write_section(path, report)
            self.stdout.write(f"Wrote the {HEADING[3:]} section of {path}.")


def time_drawing(texts: dict[str, str], bodies: dict[str, str], seed: int) -> str:
    """How long the reading view takes to draw 200 overlapping highlights into a story."""
    name = max(texts, key=lambda key: len(texts[key]))
    text, html = texts[name], bodies[name]
    rng = random.Random(seed)
    highlights = []
    for number in range(200):
        start = rng.randrange(len(text) - 1)
        end = min(len(text), start + rng.randint(1, 300))
        highlights.append(Highlight(number, start, end, "yellow"))
    runs = []
    for _ in range(5):
        began = time.perf_counter()
        draw_highlights(html, highlights, body_text=text)
        runs.append((time.perf_counter() - began) * 1000)
    return (
        f"Drawing 200 overlapping highlights into the longest story ({len(html):,} characters "
        f"of HTML): best of 5 {min(runs):.1f} ms."
    )


def _row(name: str, counts: dict[str, int]) -> str:
    cases = counts["cases"] or 1
    return (
        f"| {name} | {counts['cases']} | {counts['correct']} ({counts['correct'] / cases:.1%}) "
        f"| {counts['orphaned']} | {counts['wrong']} |"
    )


def render_report(
    texts: dict[str, str],
    joined: str,
    per_story: dict[str, Any],
    long_text: dict[str, Any],
    seed: int,
    selections: int,
    drawing: str,
) -> str:
    characters = sum(len(text) for text in texts.values())
    lines = [
        HEADING,
        "",
        "`make bench-anchoring` (`manage.py bench_anchoring --write docs/benchmarks.md`). Random",
        "word-aligned selections in the sample stories (`articles/samples`, `../shared/samples`)",
        "are re-anchored by `annotations.anchoring.anchor` in edited versions of their text",
        "(`annotations/bench_anchoring.py` makes the edits and knows the truth). *Wrong* (a note",
        "attached to another passage, or to a deleted one) must stay 0; *orphaned* (a passage",
        "that still exists was not found, so the annotation is listed as detached) is the price.",
        "",
        f"- Machine: {platform.platform()}; CPU: {cpu_name()}; Python {platform.python_version()}",
        f"- Date: {date.today().isoformat()}",
        f"- Stories: {len(texts)} ({characters:,} characters of body text); "
        f"{selections} selections per story; seed {seed}",
        "",
        "| edit | cases | correct | orphaned | wrong |",
        "|---|---:|---:|---:|---:|",
        *(_row(name, counts) for name, counts in per_story["by_scenario"].items()),
        _row("**all**", per_story),
        "",
        f"Time per `anchor()` call: mean {per_story['mean_ms']:.3f} ms, "
        f"p95 {per_story['p95_ms']:.3f} ms, max {per_story['max_ms']:.3f} ms.",
        "",
        f"All stories joined into one text ({len(joined):,} characters, {selections * 2} "
        f"selections): {long_text['correct']} of {long_text['cases']} correct, "
        f"{long_text['orphaned']} orphaned, {long_text['wrong']} wrong; mean "
        f"{long_text['mean_ms']:.3f} ms, p95 {long_text['p95_ms']:.3f} ms, max "
        f"{long_text['max_ms']:.3f} ms per call.",
        "",
        drawing,
    ]
    examples = per_story["wrong_examples"] + long_text["wrong_examples"]
    if examples:
        lines += ["", "Wrong anchors:", "", *(f"- `{example}`" for example in examples)]
    return "\n".join(lines) + "\n"


def write_section(path: Path, section: str) -> None:
    """Replace this benchmark's section of path (or add it), keeping every other section."""
    current = path.read_text() if path.exists() else "# Benchmarks\n"
    pattern = re.compile(rf"^{re.escape(HEADING)}\n.*?(?=^## |\Z)", re.M | re.S)
    if pattern.search(current):
        updated = pattern.sub(lambda _: section + "\n", current, count=1)
    else:
        updated = current.rstrip("\n") + "\n\n" + section
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(updated.rstrip("\n") + "\n")
