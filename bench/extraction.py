"""Extraction quality: our pipeline and plain ``trafilatura.extract`` on the same pages.

(The scoring and the runners of ``make bench-extraction``; the report is
``bench/extraction_report.py``, the command ``manage.py bench_extraction`` a thin wrapper.)

The corpus is WCXB's dev split of article pages (``../shared/corpus/wcxb-dev-articles``):
gzipped HTML plus hand-reviewed ground truth. Scoring follows the corpus' README: texts
are lower-cased and reduced to their bag of ``\\w+`` words, F1 is computed per page and
averaged over pages; ``without`` snippets (boilerplate) should not appear in the output and
``with`` snippets (article text) should. A snippet counts as present when its word
sequence appears, in order and contiguous, in the output's word sequence, so punctuation
and whitespace differences do not matter.

The pipeline is scored on what it stores, ``body_text`` (the text search, snippets, quotes
and ``ingest --json`` use), not on a rendering of its HTML. The corpus is split in two
halves by a fixed hash of each page's file name (``half``): rules are tuned on one and
checked on the other.

Everything here is pure functions on strings plus two runners, so the metric is unit-tested
on tiny hand-made inputs (tests/bench/test_extraction.py) and no database is touched.
"""

from __future__ import annotations

import gc
import gzip
import hashlib
import json
import re
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from itertools import pairwise
from pathlib import Path

import lxml.html
import trafilatura
from django.conf import settings
from lxml import etree
from wordfreq import zipf_frequency

from articles.ingest.blocks import LINE_BREAK_TAGS
from articles.ingest.extract import ExtractionError, collapse
from articles.ingest.pipeline import build_body, clean_blocks, decode_input, extract

DEFAULT_CORPUS = settings.BASE_DIR.parent / "shared" / "corpus" / "wcxb-dev-articles"

_WORD = re.compile(r"\w+")

# --------------------------------------------------------------------------------------
# Scoring
# --------------------------------------------------------------------------------------


def words(text: str) -> list[str]:
    """The corpus' tokens: ``\\w+`` runs of the lower-cased text."""
    return _WORD.findall(text.lower())


def word_f1(predicted: str, truth: str) -> float:
    """F1 of the two bags of words (multisets: a word counts as often as it occurs)."""
    got, want = Counter(words(predicted)), Counter(words(truth))
    if not got and not want:
        return 1.0
    overlap = sum((got & want).values())
    if not overlap:
        return 0.0
    precision = overlap / sum(got.values())
    recall = overlap / sum(want.values())
    return 2 * precision * recall / (precision + recall)


def word_sequence(text: str) -> str:
    """The text as its words joined by single spaces, padded so that a containment test
    on it matches whole words only."""
    return f" {' '.join(words(text))} "


def snippet_found(snippet: str, sequence: str) -> bool | None:
    """Whether ``snippet`` occurs in an output already turned into ``word_sequence``.

    None for a snippet without any word: it can be neither leaked nor kept.
    """
    needle = " ".join(words(snippet))
    if not needle:
        return None
    return f" {needle} " in sequence


# A token the glued-word metric looks at: long, lower-case letters only.
_GLUED_CANDIDATE = re.compile(r"[a-z]{6,}")
# Below this a token is not a word (wordfreq's Zipf scale: 1.5 is about once per 30
# million words)...
GLUED_WHOLE_MAX = 1.5
# ...and each half must be at least this common (3.0: once per million words) and this
# long, so that an unknown name does not count because it starts with "a" or "in".
GLUED_PART_MIN = 3.0
GLUED_PART_MIN_LETTERS = 2


@lru_cache(maxsize=100_000)
def _zipf(word: str) -> float:
    return zipf_frequency(word, "en")


@lru_cache(maxsize=100_000)
def is_glued(token: str) -> bool:
    """A token that is not a word but is two common words without the space between them
    ("wasbanned", "findtheir"). The same definition is applied to every system."""
    if not _GLUED_CANDIDATE.fullmatch(token) or _zipf(token) >= GLUED_WHOLE_MAX:
        return False
    return any(
        _zipf(token[:cut]) >= GLUED_PART_MIN and _zipf(token[cut:]) >= GLUED_PART_MIN
        for cut in range(GLUED_PART_MIN_LETTERS, len(token) - GLUED_PART_MIN_LETTERS + 1)
    )


def glued_words(text: str) -> list[str]:
    """The glued tokens of ``text``, in order (case matters: "USafter" is not a candidate
    of this metric, which only counts lower-case glue)."""
    return [token for token in _WORD.findall(text) if is_glued(token)]


# A token at least this common is a word, whatever the truth has beside it: "area" is
# not "are" + "a", nor "today" "to" + "day".
JOINED_WORD_MAX = 3.0


def joined_words(text: str, truth: str) -> list[str]:
    """Tokens of ``text`` that the truth has as two or three words in a row, with only
    whitespace between them ("cottonhemp" for "cotton hemp"; "1kyle" for a table's "1",
    "Kyle"): text whose separator was lost, most often between two blocks. Not counted: a
    token the truth itself has, a common word ("area"), and parts the truth joins with
    punctuation, which no lost separator explains ("U.S." and "US", "1,000" and "1000",
    "e-learning" and "elearning": the page wrote them so)."""
    lowered = truth.lower()
    found = list(_WORD.finditer(lowered))
    wanted = [match.group() for match in found]
    apart = [not lowered[a.end() : b.start()].strip() for a, b in pairwise(found)]
    joined = {wanted[i] + wanted[i + 1] for i, spaced in enumerate(apart) if spaced}
    joined |= {
        wanted[i] + wanted[i + 1] + wanted[i + 2]
        for i in range(len(apart) - 1)
        if apart[i] and apart[i + 1]
    }
    vocabulary = set(wanted)
    return [
        token
        for token in words(text)
        if token not in vocabulary and token in joined and _zipf(token) < JOINED_WORD_MAX
    ]


# Text in elements outside LINE_BREAK_TAGS runs on: "<code>U+00DF</code><code>0x</code>"
# reads "U+00DF0x" on the page.
_NOT_TEXT = ("script", "style", "noscript", "template", "head")


@lru_cache(maxsize=4)
def page_words(page: str) -> frozenset[str]:
    """The lower-cased words of a page's own text, read as HTML lays it out: a break at
    each block element and <br>, none between inline ones; no scripts, styles or head."""
    try:
        tree = lxml.html.document_fromstring(page)
    except (etree.ParserError, ValueError):
        return frozenset()
    etree.strip_elements(tree, *_NOT_TEXT, with_tail=False)
    for element in tree.iter(*LINE_BREAK_TAGS):
        element.text = "\n" + (element.text or "")
        element.tail = "\n" + (element.tail or "")
    text = etree.tostring(tree, method="text", encoding=str)
    return frozenset(_WORD.findall(text.lower()))


def lost_separators(text: str, truth: str, page: str) -> list[str]:
    """joined_words that the page does not itself glue: words a block break or a space
    of the page's HTML kept apart and the output ran together. A token inside a word
    of the page's own text ("demandefficiently" typed so; inline elements side by side)
    was not separated there, so no extractor lost a separator."""
    joined = joined_words(text, truth)
    if not joined:
        return []
    # Within one word of the page: "rosalíaluxcolumbia" glues "Rosalía", "LUX" and
    # "Columbia" (three inline elements), so "rosalíalux" is the page's own too.
    own = " ".join(page_words(page))
    return [token for token in joined if token not in own]


def _normalized(text: str) -> str:
    return " ".join(words(text))


def same_text(predicted: str | None, truth: str) -> bool:
    """Title or author agreement: equal after normalization, or one contains the other
    ("Jane Doe" and "By Jane Doe, Staff Writer"; a title with or without its site)."""
    got, want = _normalized(predicted or ""), _normalized(truth)
    if not got or not want:
        return False
    return got == want or f" {got} " in f" {want} " or f" {want} " in f" {got} "


_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")


def parse_day(value: str | date | None) -> date | None:
    """The calendar date of an ISO date or date-time string (or a date), else None."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    match = _ISO_DATE.search(value)
    if not match:
        return None
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None


def same_day(predicted: str | date | None, truth: str) -> bool:
    got, want = parse_day(predicted), parse_day(truth)
    return got is not None and got == want


# --------------------------------------------------------------------------------------
# Corpus
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Truth:
    main_content: str | None
    title: str = ""
    author: str = ""
    published: str = ""
    with_snippets: tuple[str, ...] = ()
    without_snippets: tuple[str, ...] = ()


@dataclass(frozen=True)
class CorpusPage:
    name: str
    url: str | None
    html: str
    truth: Truth


def _truth(data: dict[str, object]) -> Truth:
    def text(key: str) -> str:
        value = data.get(key)
        return value if isinstance(value, str) else ""

    def snippets(key: str) -> tuple[str, ...]:
        value = data.get(key)
        return tuple(s for s in value if isinstance(s, str)) if isinstance(value, list) else ()

    main = data.get("main_content")
    return Truth(
        main_content=main if isinstance(main, str) else None,
        title=text("title"),
        author=text("author"),
        published=text("publish_date"),
        with_snippets=snippets("with"),
        without_snippets=snippets("without"),
    )


TUNING, CHECK = "tuning", "check"


def half(name: str) -> str:
    """Which half of the corpus a page is in: a fixed hash of its file name, so the split
    does not move when pages are added and owes nothing to what the pages hold."""
    return TUNING if hashlib.sha256(name.encode()).digest()[0] % 2 == 0 else CHECK


def corpus_files(corpus: Path) -> list[tuple[Path, Path]]:
    """(page, ground truth) pairs, in file-name order."""
    html_dir, truth_dir = corpus / "html", corpus / "ground-truth"
    if not html_dir.is_dir() or not truth_dir.is_dir():
        raise FileNotFoundError(f"{corpus} has no html/ and ground-truth/ folders")
    pairs = []
    for page in sorted(html_dir.glob("*.html.gz")):
        truth = truth_dir / f"{page.name.removesuffix('.html.gz')}.json"
        if truth.is_file():
            pairs.append((page, truth))
    return pairs


def load_corpus(corpus: Path, limit: int | None = None) -> Iterator[CorpusPage]:
    """Read and decode the pages (lazily: the whole corpus is ~250 MB of HTML)."""
    pairs = corpus_files(corpus)
    for page_path, truth_path in pairs[:limit] if limit else pairs:
        data = json.loads(truth_path.read_text(encoding="utf-8"))
        raw = gzip.decompress(page_path.read_bytes())
        try:
            page = decode_input(raw, "html")
        except ExtractionError:
            page = raw.decode("utf-8", "replace")
        url = data.get("url")
        yield CorpusPage(
            name=page_path.name.removesuffix(".html.gz"),
            url=url if isinstance(url, str) else None,
            html=page,
            truth=_truth(data.get("ground_truth") or {}),
        )


# --------------------------------------------------------------------------------------
# The two systems
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Output:
    text: str = ""
    title: str = ""
    author: str = ""
    published: date | None = None
    error: str = ""


def run_pipeline(page: str, url: str | None) -> Output:
    """What Newsreader stores for a page (extract → clean → sanitize), without the DB:
    the stored ``body_text``."""
    try:
        extracted = extract(page, "html", url)
        _body_html, body_text = build_body(clean_blocks(extracted))
    except ExtractionError as exc:
        return Output(error=str(exc))
    return Output(
        text=body_text,
        title=collapse(extracted.title),
        author=extracted.byline,
        published=extracted.published.date() if extracted.published else None,
    )


def run_trafilatura(page: str, url: str | None) -> Output:
    """Plain ``trafilatura.extract`` with its defaults: the baseline."""
    text = trafilatura.extract(page, url=url)
    return Output(text=text or "", error="" if text else "no output")


def trafilatura_metadata(page: str, url: str | None) -> Output:
    """trafilatura's own metadata for the baseline's agreement scores (not timed: the
    timed baseline is the plain text extraction)."""
    meta = trafilatura.extract_metadata(page, default_url=url)
    return Output(
        text="", title=meta.title or "", author=meta.author or "", published=parse_day(meta.date)
    )


@dataclass(frozen=True)
class System:
    name: str
    run: Callable[[str, str | None], Output]
    # Metadata for the agreement scores when ``run`` has none, outside the timing.
    metadata: Callable[[str, str | None], Output] | None = None


PIPELINE = System("pipeline", run_pipeline)
TRAFILATURA = System("trafilatura", run_trafilatura, trafilatura_metadata)

# --------------------------------------------------------------------------------------
# Running and summing up
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PageResult:
    """One system's result on one page: what the totals are summed from."""

    name: str
    error: bool
    f1: float | None  # None: the truth has no main text
    precision: float
    recall: float
    leaked: tuple[str, ...]
    without_total: int
    kept: int
    with_total: int
    agreement: dict[str, tuple[int, int]]
    glued: int
    joined: int  # words the truth has apart, run together in the output
    lost: int  # of them, those the page's own text has apart too
    tokens: int
    seconds: float
    cpu_seconds: float
    # The words most over- and under-represented against the truth, for "why".
    extra: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()


def _bag_scores(text: str, truth: str) -> tuple[float, float, float, Counter[str], Counter[str]]:
    got, want = Counter(words(text)), Counter(words(truth))
    overlap = sum((got & want).values())
    precision = overlap / sum(got.values()) if got else (1.0 if not want else 0.0)
    recall = overlap / sum(want.values()) if want else (1.0 if not got else 0.0)
    return word_f1(text, truth), precision, recall, got - want, want - got


# Words as common as "the" or "your" say nothing about which text was kept or lost.
_TELLING_ZIPF_MAX = 5.5


def _telling(difference: Counter[str]) -> tuple[str, ...]:
    ranked = [word for word, _ in difference.most_common() if _zipf(word) < _TELLING_ZIPF_MAX]
    return tuple(ranked[:6])


def score_page(
    page: CorpusPage, output: Output, meta: Output, seconds: tuple[float, float]
) -> PageResult:
    truth = page.truth
    text = output.text
    f1: float | None = None
    precision = recall = 0.0
    extra: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()
    if truth.main_content is not None:
        f1, precision, recall, over, under = _bag_scores(text, truth.main_content)
        extra, missing = _telling(over), _telling(under)
    sequence = word_sequence(text)
    leaked: list[str] = []
    without_total = 0
    for snippet in truth.without_snippets:
        found = snippet_found(snippet, sequence)
        if found is not None:
            without_total += 1
            if found:
                leaked.append(snippet)
    kept = with_total = 0
    for snippet in truth.with_snippets:
        found = snippet_found(snippet, sequence)
        if found is not None:
            with_total += 1
            kept += found
    agreement: dict[str, tuple[int, int]] = {}
    checks = (
        ("title", truth.title, lambda: same_text(meta.title, truth.title)),
        ("author", truth.author, lambda: same_text(meta.author, truth.author)),
        ("date", truth.published, lambda: same_day(meta.published, truth.published)),
    )
    for key, wanted, agrees in checks:
        agreement[key] = (int(agrees()), 1) if wanted.strip() else (0, 0)
    return PageResult(
        name=page.name,
        error=bool(output.error),
        f1=f1,
        precision=precision,
        recall=recall,
        leaked=tuple(leaked),
        without_total=without_total,
        kept=kept,
        with_total=with_total,
        agreement=agreement,
        glued=len(glued_words(text)),
        joined=len(joined_words(text, truth.main_content)) if truth.main_content else 0,
        lost=len(lost_separators(text, truth.main_content, page.html)) if truth.main_content else 0,
        tokens=len(_WORD.findall(text)),
        seconds=seconds[0],
        cpu_seconds=seconds[1],
        extra=extra,
        missing=missing,
    )


@dataclass
class Score:
    """One system's results over the pages seen so far, and their totals."""

    results: list[PageResult] = field(default_factory=list)

    def add(
        self, page: CorpusPage, output: Output, meta: Output, seconds: tuple[float, float]
    ) -> None:
        self.results.append(score_page(page, output, meta, seconds))

    def only(self, names: Iterable[str]) -> Score:
        """The same results restricted to these pages (one half of the corpus)."""
        wanted = set(names)
        return Score([result for result in self.results if result.name in wanted])

    @property
    def pages(self) -> int:
        return len(self.results)

    @property
    def errors(self) -> int:
        return sum(result.error for result in self.results)

    @property
    def f1_pages(self) -> int:
        return sum(result.f1 is not None for result in self.results)

    @property
    def f1(self) -> float:
        scored = [result.f1 for result in self.results if result.f1 is not None]
        return sum(scored) / len(scored) if scored else 0.0

    @property
    def leaked(self) -> int:
        return sum(len(result.leaked) for result in self.results)

    @property
    def without_total(self) -> int:
        return sum(result.without_total for result in self.results)

    @property
    def kept(self) -> int:
        return sum(result.kept for result in self.results)

    @property
    def with_total(self) -> int:
        return sum(result.with_total for result in self.results)

    @property
    def leaked_snippets(self) -> list[tuple[str, str]]:
        return [(result.name, snippet) for result in self.results for snippet in result.leaked]

    @property
    def agreement(self) -> dict[str, list[int]]:
        totals = {"title": [0, 0], "author": [0, 0], "date": [0, 0]}
        for result in self.results:
            for key, (agreed, total) in result.agreement.items():
                totals[key][0] += agreed
                totals[key][1] += total
        return totals

    @property
    def glued(self) -> int:
        return sum(result.glued for result in self.results)

    @property
    def joined(self) -> int:
        return sum(result.joined for result in self.results)

    @property
    def tokens(self) -> int:
        return sum(result.tokens for result in self.results)

    @property
    def seconds(self) -> float:
        return sum(result.seconds for result in self.results)

    @property
    def cpu_seconds(self) -> float:
        return sum(result.cpu_seconds for result in self.results)

    @property
    def leaked_share(self) -> float:
        return self.leaked / self.without_total if self.without_total else 0.0

    @property
    def kept_share(self) -> float:
        return self.kept / self.with_total if self.with_total else 0.0

    def agreement_share(self, key: str) -> float:
        agreed, total = self.agreement[key]
        return agreed / total if total else 0.0

    @property
    def glued_per_10k(self) -> float:
        return 10_000 * self.glued / self.tokens if self.tokens else 0.0

    @property
    def joined_per_10k(self) -> float:
        return 10_000 * self.joined / self.tokens if self.tokens else 0.0

    @property
    def lost(self) -> int:
        return sum(result.lost for result in self.results)

    @property
    def lost_per_10k(self) -> float:
        return 10_000 * self.lost / self.tokens if self.tokens else 0.0

    @property
    def pages_per_second(self) -> float:
        return self.pages / self.seconds if self.seconds else 0.0

    @property
    def pages_per_cpu_second(self) -> float:
        return self.pages / self.cpu_seconds if self.cpu_seconds else 0.0


# A page is won or lost when the two systems' F1 differ by more than this.
WIN_MARGIN = 0.01


def wins_and_losses(ours: Score, base: Score) -> tuple[list[str], list[str]]:
    """The pages where ``ours`` beats ``base`` by more than WIN_MARGIN F1, and those where
    it loses by as much."""
    theirs = {result.name: result.f1 for result in base.results}
    won: list[str] = []
    lost: list[str] = []
    for result in ours.results:
        other = theirs.get(result.name)
        if result.f1 is None or other is None:
            continue
        if result.f1 > other + WIN_MARGIN:
            won.append(result.name)
        elif result.f1 < other - WIN_MARGIN:
            lost.append(result.name)
    return won, lost


def why(result: PageResult, base: PageResult | None) -> str:
    """A one-line reason a page scored low: nothing out, too little (recall) or too much
    (precision), with the words that make the difference and the leaked boilerplate."""
    if result.error:
        return "no output (the pipeline refused the page)"
    parts = [f"precision {result.precision:.2f}, recall {result.recall:.2f}"]
    if result.recall < result.precision:
        parts.append("missed text, e.g. " + " ".join(result.missing[:5]))
    else:
        parts.append("extra text, e.g. " + " ".join(result.extra[:5]))
    if result.leaked:
        parts.append(f"{len(result.leaked)} boilerplate snippet(s): “{result.leaked[0][:60]}”")
    if base is not None and base.f1 is not None:
        parts.append(f"trafilatura {base.f1:.2f}")
    return "; ".join(parts)


def worst(ours: Score, base: Score, count: int = 20) -> list[tuple[PageResult, str]]:
    """The ``count`` pages the pipeline scores lowest on, each with its reason."""
    theirs = {result.name: result for result in base.results}
    scored = sorted(
        (result for result in ours.results if result.f1 is not None),
        key=lambda result: (result.f1, result.name),
    )
    return [(result, why(result, theirs.get(result.name))) for result in scored[:count]]


def _timed(system: System, page: CorpusPage, repeat: int) -> tuple[Output, tuple[float, float]]:
    """The output of the first run, and the best (wall, CPU) seconds over ``repeat`` runs."""
    wall = cpu = float("inf")
    output: Output | None = None
    for _ in range(repeat):
        began, began_cpu = time.perf_counter(), time.process_time()
        result = system.run(page.html, page.url)
        cpu = min(cpu, time.process_time() - began_cpu)
        wall = min(wall, time.perf_counter() - began)
        output = output or result
    assert output is not None
    return output, (wall, cpu)


def evaluate(
    pages: Iterable[CorpusPage],
    systems: tuple[System, ...] = (PIPELINE, TRAFILATURA),
    *,
    repeat: int = 1,
    progress: Callable[[int], None] | None = None,
) -> dict[str, Score]:
    """Run every system on every page, interleaved, and score them.

    Only the systems' calls are timed (pages are read and decoded before); the order of
    the systems alternates from page to page so neither always runs on a warm cache.
    With ``repeat`` > 1 a page's time is the best of that many runs.
    """
    scores = {system.name: Score() for system in systems}
    warmed = False
    for index, page in enumerate(pages):
        if not warmed:
            # First calls load word lists, compile patterns and build parsers.
            for system in systems:
                system.run(page.html, page.url)
            warmed = True
        order = systems if index % 2 == 0 else tuple(reversed(systems))
        results: dict[str, tuple[Output, tuple[float, float]]] = {}
        gc.collect()
        for system in order:
            results[system.name] = _timed(system, page, max(1, repeat))
        for system in systems:
            output, seconds = results[system.name]
            meta = system.metadata(page.html, page.url) if system.metadata else output
            scores[system.name].add(page, output, meta, seconds)
        if progress is not None:
            progress(index + 1)
    return scores
