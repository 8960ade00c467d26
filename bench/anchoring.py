"""Re-anchoring benchmark: `make bench-anchoring` (manage.py bench_anchoring is a wrapper).

Each story (the shared extraction corpus's articles, their hand-checked main text, one line
per paragraph as body_text has it) gets highlights, then revisions, one per kind of edit;
every highlight is re-anchored in every revision, the way a new revision moves them
(annotations.anchoring.anchor with the TextDiff of the two texts, built once per revision).

The truth comes from the edits themselves: every character of a revision remembers which
character of the story it was (None for new ones). A highlight whose characters all
survive, in one piece, unchanged, is *unchanged* (it must be found exactly there); one of
which half or more survives is *edited* (right: the anchor covers most of the biggest
piece left, and goes no further than its first and last surviving characters and the
new words right next to them, or a quarter of its length); one of which nothing
survives is *deleted* (right: orphaned). In between (less than half left) it is *cut*:
orphaned or on what is left are both fine, anything else is wrong; so is *broken*
(half or more left, but a paragraph-sized piece of it deleted, moved away or inserted
into it: a highlight across paragraphs). Wrong is an anchor anywhere else.

Kinds of revision: typos (inside highlights and elsewhere), rewording of 1-4 words
inside highlights (sometimes their first words), highlights rewritten whole (other
words), quote styles (’ “ ” → ' ") with rewording, inserted, deleted, moved and split
paragraphs, decoys (a highlighted phrase spliced into the middle of another paragraph),
a deleted paragraph whose highlighted phrase is spliced elsewhere, short repeated quotes
(a phrase of 1-3 words that occurs more than once, with a paragraph inserted, moved or a
decoy added), and several of these at once. Stories are split into two halves by a fixed
hash of the file name: thresholds are tuned on "tune" and "held" is only reported.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import platform
import random
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from annotations.anchoring import (
    NEIGHBOUR,
    UNIQUE_QUOTE,
    Anchor,
    Selectors,
    TextDiff,
    anchor,
    describe,
)

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpus" / "wcxb-dev-articles"
HEADING = "## Anchoring"
_WORD = re.compile(r"\S+")
_LINE = re.compile(r"[^\n]+")
CLASSES = ("unchanged", "edited", "broken", "cut", "deleted", "copied")


def corpus_texts(corpus: Path = CORPUS, limit: int | None = None) -> dict[str, str]:
    """name → text of the corpus's articles (main content, one line per paragraph)."""
    texts: dict[str, str] = {}
    for path in sorted((corpus / "ground-truth").glob("*.json")):
        data = json.loads(path.read_text())
        content = str(data.get("ground_truth", {}).get("main_content") or "")
        lines = [" ".join(line.split()) for line in content.splitlines()]
        text = "\n".join(line for line in lines if line)
        if 1_500 <= len(text) <= 60_000 and len(text.splitlines()) >= 5:
            texts[path.stem] = text
        if limit is not None and len(texts) >= limit:
            break
    return texts


def half(name: str) -> str:
    """'tune' or 'held', fixed by the name."""
    return "tune" if hashlib.sha256(name.encode()).digest()[0] % 2 == 0 else "held"


# --- Editing with a truth.


class Draft:
    """A text being edited, each character remembering its place in the original."""

    def __init__(self, text: str) -> None:
        self.text = self.original_text = text
        self.origin: list[int | None] = list(range(len(text)))

    def replace(self, start: int, end: int, piece: str) -> None:
        self.text = self.text[:start] + piece + self.text[end:]
        self.origin[start:end] = [None] * len(piece)

    def move(self, start: int, end: int, to: int) -> None:
        """Move text[start:end] to offset `to` of the text without it."""
        piece, origin = self.text[start:end], self.origin[start:end]
        self.text = self.text[:start] + self.text[end:]
        del self.origin[start:end]
        self.text = self.text[:to] + piece + self.text[to:]
        self.origin[to:to] = origin

    def lines(self) -> list[re.Match[str]]:
        return list(_LINE.finditer(self.text))

    def truth(self, start: int, end: int) -> tuple[str, tuple[int, int] | None]:
        kind, span, _ = self.truth_and_bounds(start, end)
        return kind, span

    def truth_and_bounds(
        self, start: int, end: int
    ) -> tuple[str, tuple[int, int] | None, tuple[int, int] | None]:
        """(class, span) of the original [start, end) in the edited text.

        When what survives is in pieces far apart (a highlight across two paragraphs, one
        of them moved), the span is the biggest piece, and the class counts that piece.
        """
        kept = [i for i, o in enumerate(self.origin) if o is not None and start <= o < end]
        if not kept:
            return "deleted", None, None
        # An anchor may cover all that is left and the new words right next to it (what
        # replaced its first or last words), or overreach by a quarter of its length.
        slack = (end - start) // 4 + 1
        low, high = kept[0], kept[-1] + 1
        while low > 0 and self.origin[low - 1] is None:
            low -= 1
        while high < len(self.text) and self.origin[high] is None:
            high += 1
        bounds = (min(low, kept[0] - slack), max(high, kept[-1] + 1 + slack))
        pieces = [[kept[0]]]
        for i in kept[1:]:
            if i - pieces[-1][-1] > GAP:
                pieces.append([])
            pieces[-1].append(i)
        piece = max(pieces, key=len)
        span = (piece[0], piece[-1] + 1)
        whole = len(kept) == end - start and kept[-1] - kept[0] + 1 == len(kept)
        if whole and self.origin[kept[0]] == start:
            return "unchanged", span, bounds
        if 2 * len(piece) < end - start:
            return "cut", span, bounds
        # Words edited inside it, or a paragraph-sized piece of it gone, moved or inserted
        # into it (a highlight across paragraphs): *broken*, judged like *cut*.
        origins = [o for o in (self.origin[i] for i in kept) if o is not None]
        jumps = (b - a for a, b in itertools.pairwise(origins))
        foreign = any(
            o is not None and not start <= o < end for o in self.origin[span[0] : span[1]]
        )
        # Lost at an edge up to a paragraph break: the rest of a paragraph went.
        first, last, old = origins[0], origins[-1], self.original_text
        paragraph = (first > start and "\n" in old[start : first + 1]) or (
            last < end - 1 and "\n" in old[last:end]
        )
        if len(pieces) > 1 or foreign or max(jumps, default=1) > GAP or paragraph:
            return "broken", span, bounds
        return "edited", span, bounds


# Survivors of a highlight further apart than this are separate pieces (an edit inside a
# highlight inserts at most a few words).
GAP = 40


@dataclass(frozen=True)
class Highlight:
    start: int
    end: int
    short: bool = False  # a short phrase repeated in the story


def highlights(rng: random.Random, text: str, count: int) -> list[Highlight]:
    """Word-aligned selections, mostly in one paragraph, plus short repeated phrases."""
    made = [Highlight(*_random_selection(rng, text)) for _ in range(count)]
    words = list(re.finditer(r"[\w’'-]+", text))
    repeated: dict[str, list[tuple[int, int]]] = {}
    for size in (1, 2, 3):
        for i in range(len(words) - size + 1):
            first, last = words[i], words[i + size - 1]
            if "\n" in text[first.start() : last.end()]:
                continue
            repeated.setdefault(text[first.start() : last.end()], []).append(
                (first.start(), last.end())
            )
    phrases = [spans for phrase, spans in repeated.items() if len(spans) > 1 and len(phrase) >= 4]
    for spans in rng.sample(phrases, min(len(phrases), count // 4)):
        made.append(Highlight(*rng.choice(spans), short=True))
    return made


def _random_selection(rng: random.Random, text: str) -> tuple[int, int]:
    paragraphs = [m for m in _LINE.finditer(text) if _WORD.search(m.group())]
    paragraph = rng.choices(paragraphs, weights=[len(m.group()) for m in paragraphs])[0]
    words = [m for m in _WORD.finditer(text) if m.start() >= paragraph.start()]
    inside = sum(1 for m in words if m.end() <= paragraph.end())
    first = rng.randrange(inside)
    span = rng.choice([1, 2, 3, 4, 6, 8, 10, 12, 16, 24])
    if rng.random() < 0.08:
        span += inside - first  # run on into the next paragraph
    last = min(len(words) - 1, first + span - 1)
    return words[first].start(), words[last].end()


class Editor:
    """The kinds of edit, each applied to a Draft of the story with its highlights."""

    def __init__(self, rng: random.Random, text: str, marks: list[Highlight], filler: list[str]):
        self.rng, self.original, self.marks, self.filler = rng, text, marks, filler

    def _current(self, draft: Draft, mark: Highlight) -> tuple[int, int] | None:
        kind, span = draft.truth(mark.start, mark.end)
        return span if kind == "unchanged" else None

    def _word(self) -> str:
        """A word from another story."""
        words = re.findall(r"\b[a-z]{3,}\b", self.rng.choice(self.filler)) if self.filler else []
        return self.rng.choice(words) if words else "word"

    def typo(self, draft: Draft) -> None:
        for mark in self.rng.sample(self.marks, min(4, len(self.marks))):
            span = self._current(draft, mark)
            if span is None:
                continue
            words = [w for w in re.finditer(r"\w{3,}", draft.text[span[0] : span[1]])]
            if words:
                w = self.rng.choice(words)
                i = span[0] + w.start() + self.rng.randrange(len(w.group()) - 1)
                draft.replace(i, i + 2, draft.text[i + 1] + draft.text[i])
        for _ in range(3):
            i = self.rng.randrange(len(draft.text) - 2)
            if draft.text[i].isalpha() and draft.text[i + 1].isalpha():
                draft.replace(i, i + 2, draft.text[i + 1] + draft.text[i])

    def reword(self, draft: Draft, count: int = 4) -> None:
        candidates = [
            m for m in self.marks if len(_WORD.findall(self.original[m.start : m.end])) >= 5
        ]
        for mark in self.rng.sample(candidates, min(count, len(candidates))):
            span = self._current(draft, mark)
            if span is None:
                continue
            words = list(_WORD.finditer(draft.text[span[0] : span[1]]))
            n = self.rng.randint(1, min(4, len(words) - 2))
            # Usually inside; one time in four the edit touches the first words.
            first = 0 if self.rng.random() < 0.25 else self.rng.randrange(1, len(words) - n)
            chosen = self.rng.sample(words[first : first + n + 1], n) if first else words[:n]
            # From the last to the first, so that each edit leaves the others' offsets.
            for w in sorted(chosen, key=lambda m: m.start(), reverse=True):
                draft.replace(span[0] + w.start(), span[0] + w.end(), self._word())

    def rewrite(self, draft: Draft) -> None:
        """Highlights replaced by as many other words: deleted, whatever is left around."""
        for mark in self.rng.sample(self.marks, min(4, len(self.marks))):
            span = self._current(draft, mark)
            if span is None:
                continue
            words = set(_WORD.findall(draft.text[span[0] : span[1]].lower()))
            others = [
                w for w in (self._word() for _ in range(4 * len(words) + 8)) if w not in words
            ]
            draft.replace(span[0], span[1], " ".join(others[: max(1, len(words))]))

    def quote_style(self, draft: Draft) -> None:
        for typographic, plain in (("’", "'"), ("‘", "'"), ("“", '"'), ("”", '"')):
            at = draft.text.find(typographic)
            while at != -1:
                draft.replace(at, at + 1, plain)
                at = draft.text.find(typographic, at + 1)
        self.reword(draft, count=2)

    def insert_paragraph(self, draft: Draft) -> None:
        for _ in range(self.rng.randint(1, 3)):
            breaks = [0, *(m.end() + 1 for m in draft.lines()[:-1])]
            at = self.rng.choice(breaks)
            draft.replace(at, at, self.rng.choice(self.filler) + "\n")

    def delete_paragraph(self, draft: Draft) -> None:
        for _ in range(self.rng.randint(1, 2)):
            lines = draft.lines()
            if len(lines) < 3:
                return
            line = self.rng.choice(lines)
            draft.replace(line.start(), min(len(draft.text), line.end() + 1), "")

    def move_paragraph(self, draft: Draft) -> None:
        for _ in range(self.rng.randint(1, 2)):
            lines = draft.lines()
            line = self.rng.choice(lines)
            if draft.text.count(line.group()) > 1 or line.end() >= len(draft.text):
                continue  # moving one of two copies: no truth to check against
            start, end = line.start(), line.end() + 1
            rest = len(draft.text) - (end - start)
            spots = [
                0,
                *(m.end() + 1 for m in _LINE.finditer(draft.text[:start] + draft.text[end:])),
            ]
            spots = [s for s in spots if s != start and s <= rest]
            if spots:
                draft.move(start, end, self.rng.choice(spots))

    def split_paragraph(self, draft: Draft) -> None:
        holders = [self._current(draft, m) for m in self.marks]
        for _ in range(self.rng.randint(1, 3)):
            stops = [m.start() + 1 for m in re.finditer(r"[.?!] (?=[A-Z])", draft.text)]
            # Prefer a sentence break next to a highlight (within 200 characters).
            near = [s for s in stops if any(h and h[0] - 200 < s < h[1] + 200 for h in holders)]
            if near or stops:
                at = self.rng.choice(near or stops)
                draft.replace(at, at + 1, "\n")

    def _splice(self, draft: Draft, phrase: str, avoid: tuple[int, int] | None) -> bool:
        """Put phrase between two words in the middle of another paragraph."""
        lines = [
            m
            for m in draft.lines()
            if len(m.group()) > 80 and (avoid is None or m.end() < avoid[0] or m.start() > avoid[1])
        ]
        if not lines:
            return False
        line = self.rng.choice(lines)
        gaps = [m.start() for m in re.finditer(r" ", line.group())][2:-2]
        if not gaps:
            return False
        at = line.start() + self.rng.choice(gaps)
        draft.replace(at, at + 1, " " + phrase + " ")
        return True

    def decoy(self, draft: Draft) -> None:
        for mark in self.rng.sample(self.marks, min(4, len(self.marks))):
            span = self._current(draft, mark)
            phrase = self.original[mark.start : mark.end]
            if span is not None and "\n" not in phrase:
                self._splice(draft, phrase, span)

    def delete_with_decoy(self, draft: Draft) -> None:
        """The paragraph holding a highlight deleted; its phrase spliced into another one.

        Not for quotes of UNIQUE_QUOTE or more: by design those are evidence enough alone.
        """
        fitting = [
            m
            for m in self.marks
            if "\n" not in self.original[m.start : m.end] and m.end - m.start < UNIQUE_QUOTE
        ]
        for mark in self.rng.sample(fitting, min(2, len(fitting))):
            span = self._current(draft, mark)
            if span is None:
                continue
            line = next(m for m in draft.lines() if m.start() <= span[0] < m.end())
            draft.replace(line.start(), min(len(draft.text), line.end() + 1), "")
            self._splice(draft, self.original[mark.start : mark.end], None)

    def short_repeated(self, draft: Draft) -> None:
        shorts = [m for m in self.marks if m.short]
        for mark in self.rng.sample(shorts, min(3, len(shorts))):
            span = self._current(draft, mark)
            if span is None:
                continue
            choice = self.rng.randrange(3)
            if choice == 0:
                self.insert_paragraph(draft)
            elif choice == 1:
                self.move_paragraph(draft)
            else:
                self._splice(draft, self.original[mark.start : mark.end], span)

    def several(self, draft: Draft) -> None:
        kinds = [self.typo, self.reword, self.insert_paragraph, self.delete_paragraph]
        kinds += [self.move_paragraph, self.split_paragraph, self.decoy, self.quote_style]
        for edit in self.rng.sample(kinds, 3):
            edit(draft)


KINDS = (
    "typo",
    "reword",
    "rewrite",
    "quote_style",
    "insert_paragraph",
    "delete_paragraph",
    "move_paragraph",
    "split_paragraph",
    "decoy",
    "delete_with_decoy",
    "short_repeated",
    "several",
)


# --- Running and judging.


@dataclass
class Tally:
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    seconds: float = 0.0
    highlights: int = 0
    examples: list[dict[str, Any]] = field(default_factory=list)

    def add(self, key: str, outcome: str) -> None:
        row = self.counts.setdefault(key, {"right": 0, "orphaned": 0, "wrong": 0})
        row[outcome] += 1

    def total(self, suffix: str) -> dict[str, int]:
        summed = {"right": 0, "orphaned": 0, "wrong": 0}
        for key, row in self.counts.items():
            if key.endswith("/" + suffix):
                for outcome in summed:
                    summed[outcome] += row[outcome]
        return summed

    @property
    def wrong(self) -> int:
        return sum(row["wrong"] for row in self.counts.values())

    @property
    def ms_per_highlight(self) -> float:
        return 1000 * self.seconds / max(1, self.highlights)


def _copied(selectors: Selectors, text: str) -> bool:
    """Whether the quote, with a neighbour, is in text (another highlight's decoy took both)."""
    before = selectors.prefix[-NEIGHBOUR:] + selectors.exact
    after = selectors.exact + selectors.suffix[:NEIGHBOUR]
    return before in text or after in text


def judge(
    kind: str,
    span: tuple[int, int] | None,
    found: Anchor,
    exact: str = "",
    text: str = "",
    bounds: tuple[int, int] | None = None,
) -> str:
    """right, orphaned or wrong. *copied*: a deleted highlight whose words and a neighbour
    were spliced elsewhere as part of another highlight's decoy: orphaned, or on a copy."""
    if found.is_orphaned or found.start is None or found.end is None:
        return "right" if kind in ("deleted", "cut", "broken", "copied") else "orphaned"
    if kind == "copied":
        return "right" if text[found.start : found.end] == exact else "wrong"
    if span is None:
        return "wrong"
    if kind == "unchanged":
        return "right" if (found.start, found.end) == span else "wrong"
    overlap = min(span[1], found.end) - max(span[0], found.start)
    if text[found.start : found.end] == exact and overlap > 0:
        return "right"  # the highlighted words, verbatim, over what is left of them
    if kind in ("cut", "broken"):
        low, high = bounds or span
        inside = low <= found.start and found.end <= high
        return "right" if overlap > 0 and inside else "wrong"
    # Edited: on most of the biggest piece left, and nowhere beyond what is left of it
    # (bounds: from its first surviving character to its last, and the new words
    # right next to them or a quarter of its length).
    low, high = bounds or span
    inside = low <= found.start and found.end <= high
    return "right" if 2 * overlap >= span[1] - span[0] and inside else "wrong"


def run(
    texts: dict[str, str], seed: int = 0, per_story: int = 24, use_diff: bool = True
) -> dict[str, Tally]:
    """Tallies per half ('tune', 'held'); keys are 'kind/class'."""
    tallies = {"tune": Tally(), "held": Tally()}
    names = sorted(texts)
    for number, name in enumerate(names):
        text = texts[name]
        rng = random.Random(f"{seed}:{name}")
        others = texts[names[(number + 1) % len(names)]].splitlines()
        filler = [line for line in others if 40 <= len(line) <= 400] or ["A new paragraph."]
        marks = highlights(rng, text, per_story)
        editor = Editor(rng, text, marks, filler)
        tally = tallies[half(name)]
        selectors = [describe(text, m.start, m.end) for m in marks]
        for kind in KINDS:
            draft = Draft(text)
            getattr(editor, kind)(draft)
            began = time.perf_counter()
            diff = TextDiff(text, draft.text) if use_diff else None
            found = [anchor(s, draft.text, diff) for s in selectors]
            tally.seconds += time.perf_counter() - began
            tally.highlights += len(selectors)
            for mark, result, s in zip(marks, found, selectors, strict=True):
                truth, span, bounds = draft.truth_and_bounds(mark.start, mark.end)
                if truth == "deleted" and _copied(s, draft.text):
                    truth = "copied"
                outcome = judge(truth, span, result, s.exact, draft.text, bounds)
                if outcome == "wrong" and truth in ("broken", "cut") and result.start is not None:
                    # On another piece of what is left (a highlight across paragraphs).
                    low, high = bounds or (0, 0)
                    on_it = any(
                        o is not None and mark.start <= o < mark.end
                        for o in draft.origin[result.start : result.end]
                    )
                    if on_it and low <= result.start and (result.end or 0) <= high:
                        outcome = "right"
                tally.add(f"{kind}/{truth}", outcome)
                if outcome == "wrong" and len(tally.examples) < 12:
                    tally.examples.append(
                        {
                            "story": name,
                            "kind": kind,
                            "truth": truth,
                            "exact": s.exact[:80],
                            "expected": draft.text[span[0] : span[1]][:80] if span else None,
                            "found": draft.text[result.start : result.end][:80]
                            if result.start is not None
                            else None,
                            "state": result.state.value,
                        }
                    )
    return tallies


def iter_kinds(tally: Tally) -> Iterator[tuple[str, dict[str, dict[str, int]]]]:
    for kind in KINDS:
        yield kind, {c: tally.counts.get(f"{kind}/{c}", {}) for c in CLASSES}


# --- Report.


def cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown"


def _cell(row: dict[str, int], orphan_is_right: bool = False) -> str:
    if not row or not sum(row.values()):
        return "–"
    total = sum(row.values())
    if orphan_is_right:
        return f"{row['right']}/{total}" + (f" (**{row['wrong']} wrong**)" if row["wrong"] else "")
    text = f"{row['right']}/{total}"
    if row["orphaned"]:
        text += f", {row['orphaned']} orph."
    if row["wrong"]:
        text += f", **{row['wrong']} wrong**"
    return text


def summary_rows(name: str, tally: Tally) -> list[str]:
    unchanged, edited = tally.total("unchanged"), tally.total("edited")
    cut, deleted = tally.total("cut"), tally.total("deleted")
    for other in ("copied", "broken"):
        for outcome, n in tally.total(other).items():
            cut[outcome] += n
    return [
        f"| {name} | {_cell(unchanged)} | {_cell(edited)} | {_cell(deleted, True)} "
        f"| {_cell(cut, True)} | {tally.wrong} | {tally.ms_per_highlight:.3f} |"
    ]


def render(
    texts: dict[str, str],
    with_diff: dict[str, Tally],
    without: dict[str, Tally],
    seed: int,
    per_story: int,
    drawing: str = "",
) -> str:
    stories = {h: sum(1 for n in texts if half(n) == h) for h in ("tune", "held")}
    lines = [
        HEADING,
        "",
        "`make bench-anchoring` (`bench/anchoring.py`, through `manage.py bench_anchoring`). "
        "Highlights on the shared extraction corpus's articles (their checked main text, one "
        "line per paragraph as body_text has it) are re-anchored in revisions made by one kind "
        "of edit each; every character of a revision knows which original character it was, "
        "which gives the truth. *Unchanged*: the highlight's characters all survive in one "
        "piece (right = found exactly there). *Edited*: half or more survive (right = the "
        "anchor covers most of the biggest piece left and goes no further than the first "
        "and last surviving characters and the new words right next to them, or a quarter "
        "of the highlight's length). "
        "*Deleted*: none survive (right = orphaned). *Cut*: less than half survives "
        "(orphaned or on what is left are right); so is *broken*: half or more left, but a "
        "paragraph-sized piece of it gone, moved, or inserted into it (a highlight across "
        "paragraphs). *Copied*: deleted, but its words and a "
        "neighbour were spliced elsewhere inside another highlight's decoy (orphaned or on "
        "that copy are right). "
        "Wrong: anywhere else. Stories are split by a fixed hash of their file name: "
        "thresholds were tuned on *tune*, *held* is reported only.",
        "",
        f"- Machine: {platform.platform()}; CPU: {cpu_name()}; Python {platform.python_version()}",
        f"- Date: {date.today().isoformat()}",
        f"- Stories: {stories['tune']} tune + {stories['held']} held "
        f"({sum(len(t) for t in texts.values()):,} characters); {per_story} highlights "
        f"+ short repeated phrases per story; {len(KINDS)} revisions per story; seed {seed}",
        "",
        "| half | unchanged found | edited followed | deleted orphaned | broken, cut or copied "
        "(orphaned or followed) | wrong in all | ms per highlight |",
        "|---|---:|---:|---:|---:|---:|---:|",
        *summary_rows("tune, with the old text (TextDiff)", with_diff["tune"]),
        *summary_rows("held, with the old text (TextDiff)", with_diff["held"]),
        *summary_rows("tune, selectors only", without["tune"]),
        *summary_rows("held, selectors only", without["held"]),
        "",
        "*With the old text* is how a new revision moves annotations (the diff is computed "
        "once per revision and its time is included, spread over the highlights); "
        "*selectors only* is what an imported W3C annotation has.",
        "",
        "Per kind of revision, both halves, with the old text:",
        "",
        "| revision | unchanged | edited | deleted | broken | cut | copied |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    both = Tally()
    for tally in with_diff.values():
        for key, row in tally.counts.items():
            for outcome, n in row.items():
                both.counts.setdefault(key, {"right": 0, "orphaned": 0, "wrong": 0})[outcome] += n
    for kind, rows in iter_kinds(both):
        lines.append(
            f"| {kind} | {_cell(rows['unchanged'])} | {_cell(rows['edited'])} "
            f"| {_cell(rows['deleted'], True)} | {_cell(rows['broken'], True)} "
            f"| {_cell(rows['cut'], True)} | {_cell(rows['copied'], True)} |"
        )
    examples = [{**e, "old text": True} for t in with_diff.values() for e in t.examples]
    examples += [{**e, "old text": False} for t in without.values() for e in t.examples]
    if drawing:
        lines += ["", drawing]
    if examples:
        lines += [
            "",
            "Wrong anchors (first few; 'old text': with the diff or selectors only):",
            "",
            *(f"- `{e}`" for e in examples[:12]),
        ]
    return "\n".join(lines) + "\n"


def write_section(path: Path, section: str, heading: str = HEADING) -> None:
    """Replace this benchmark's section of path (or add it), keeping every other section."""
    current = path.read_text() if path.exists() else "# Benchmarks\n"
    pattern = re.compile(rf"^{re.escape(heading)}\n.*?(?=^## |\Z)", re.M | re.S)
    if pattern.search(current):
        updated = pattern.sub(lambda _: section + "\n", current, count=1)
    else:
        updated = current.rstrip("\n") + "\n\n" + section
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(updated.rstrip("\n") + "\n")


def benchmark(
    texts: dict[str, str], seed: int = 0, per_story: int = 24, drawing: str = ""
) -> tuple[str, dict[str, Tally]]:
    with_diff = run(texts, seed, per_story, use_diff=True)
    without = run(texts, seed, per_story, use_diff=False)
    return render(texts, with_diff, without, seed, per_story, drawing), with_diff
