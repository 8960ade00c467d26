from __future__ import annotations

import random
import re
import statistics
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from annotations.anchoring import (
    CONTEXT,
    NEIGHBOUR,
    UNIQUE_QUOTE,
    AnchorState,
    Selectors,
    anchor,
    describe,
)
from bench.anchoring import run
from tests.cpu import slowness

SHARED_SAMPLE = Path("/work/shared/samples/techradar-kaspersky-uk.txt")
SAMPLE = Path(__file__).resolve().parents[2] / "articles" / "samples" / "techradar-kaspersky-uk.txt"
TEXT = (SHARED_SAMPLE if SHARED_SAMPLE.exists() else SAMPLE).read_text()
PARAGRAPHS = [p for p in TEXT.split("\n\n") if p.strip()]
WORDS = sorted(set(TEXT.split()))
FOUND = (AnchorState.ANCHORED, AnchorState.MOVED)
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def join(paragraphs: list[str]) -> str:
    return "\n\n".join(paragraphs)


# --- Selectors.


def test_it_describes_a_span_with_context() -> None:
    start = TEXT.index("reorienting")
    selectors = describe(TEXT, start, start + 11)
    assert selectors.exact == "reorienting"
    assert selectors.prefix == TEXT[start - CONTEXT : start]
    assert selectors.suffix == TEXT[start + 11 : start + 11 + CONTEXT]


def test_it_clips_the_context_at_the_edges() -> None:
    selectors = describe("Hello world", 0, 5)
    assert (selectors.prefix, selectors.exact, selectors.suffix) == ("", "Hello", " world")


@pytest.mark.parametrize(("start", "end"), [(-1, 3), (3, 3), (4, 3), (0, 12), (11, 12)])
def test_it_refuses_invalid_spans(start: int, end: int) -> None:
    with pytest.raises(ValueError):
        describe("Hello world", start, end)


# --- Examples.


def test_it_anchors_an_unchanged_text_in_place() -> None:
    start = TEXT.index("Francesco Tius")
    result = anchor(describe(TEXT, start, start + 14), TEXT)
    assert (result.state, result.start, result.end, result.score) == (
        AnchorState.ANCHORED,
        start,
        start + 14,
        1.0,
    )


def test_it_follows_a_passage_moved_by_edits_before_it() -> None:
    start = TEXT.index("Francesco Tius")
    edited = "Update: the office closes in March.\n\n" + TEXT
    result = anchor(describe(TEXT, start, start + 14), edited)
    assert result.state is AnchorState.MOVED
    assert edited[result.start : result.end] == "Francesco Tius"
    assert result.start == edited.index("Francesco Tius")


def test_a_sentence_moved_away_from_both_its_neighbours_is_another_passage() -> None:
    # Nothing around it came along: the same words, not the same passage (a repeated
    # phrase, a pull quote). Shorter than UNIQUE_QUOTE, so the words alone do not count.
    sentence = "The update was pushed without giving customers any option to accept or decline"
    assert len(sentence) < UNIQUE_QUOTE
    start = TEXT.index(sentence)
    paragraphs = [p.replace(sentence + ", which", "It") for p in PARAGRAPHS]
    paragraphs[2] = paragraphs[2] + " Then: " + sentence + ". And so on."
    edited = join(paragraphs)
    assert anchor(describe(TEXT, start, start + len(sentence)), edited).is_orphaned


def test_a_sentence_moved_with_the_words_after_it_is_followed() -> None:
    sentence = "The update was pushed without giving customers any option to accept or decline"
    start = TEXT.index(sentence)
    end = TEXT.index(".", start)
    moved = TEXT[start : end + 1]
    paragraphs = [p.replace(moved, "").strip() for p in PARAGRAPHS]
    paragraphs.insert(2, "Meanwhile: " + moved)
    edited = join(paragraphs)
    result = anchor(describe(TEXT, start, start + len(sentence)), edited)
    assert result.state is AnchorState.MOVED
    assert result.start == edited.index(sentence)


def test_it_follows_a_reworded_passage() -> None:
    start = TEXT.index("insisting it maintains independent from any outside influence")
    end = start + len("insisting it maintains independent from any outside influence")
    edited = TEXT.replace("maintains independent from", "maintains independence from")
    result = anchor(describe(TEXT, start, end), edited)
    assert result.state is AnchorState.CHANGED
    assert edited[result.start : result.end] == (
        "insisting it maintains independence from any outside influence"
    )
    assert 0.9 < result.score < 1


def test_it_tells_repeated_headings_apart_by_context() -> None:
    first = TEXT.index("Staying efficient")
    second = TEXT.index("Staying efficient", first + 1)
    edited = "Breaking.\n\n" + TEXT
    for start in (first, second):
        result = anchor(describe(TEXT, start, start + 17), edited)
        assert result.state is AnchorState.MOVED
        assert result.start == start + len("Breaking.\n\n")


def test_it_orphans_a_deleted_passage() -> None:
    start = TEXT.index("spokesperson Francesco Tius said")
    selectors = describe(TEXT, start, start + len("spokesperson Francesco Tius said"))
    edited = TEXT.replace(",” spokesperson Francesco Tius said.", ".”")
    assert anchor(selectors, edited).state is AnchorState.ORPHANED


def test_it_orphans_a_deleted_list_item_next_to_a_similar_one() -> None:
    # The text after the old prefix ("Best VPN ...") is 88% similar to the quote.
    text = (
        "More from TechRadar Pro\n\nBest CDN provider of 2024\n\nBest VPN provider of 2024\n\nEnd"
    )
    start = text.index("Best CDN")
    selectors = describe(text, start, start + len("Best CDN provider of 2024"))
    edited = text.replace("Best CDN provider of 2024\n\n", "")
    assert anchor(selectors, edited).state is AnchorState.ORPHANED


def test_it_orphans_a_short_quote_that_lost_its_context() -> None:
    start = TEXT.index("UltraAV")
    selectors = describe(TEXT, start, start + 7)
    # The sentence is rewritten around the word, which still appears elsewhere.
    edited = TEXT.replace(
        "replaced with new software UltraAV.", "replaced with something else."
    ).replace("ViaTechCrunch", "UltraAV is a VPN.\n\nViaTechCrunch")
    assert anchor(selectors, edited).state is AnchorState.ORPHANED


def test_it_orphans_rather_than_choose_between_identical_copies() -> None:
    # A paragraph printed twice: a quote inside it has the same context in both copies.
    paragraph = PARAGRAPHS[4]
    text = join(["Intro text here.", paragraph, "Middle text.", paragraph, "Outro."])
    second = text.rindex(paragraph) + 40
    selectors = describe(text, second, second + 9)
    edited = text.replace("Intro text here.", "A new intro.")
    assert anchor(selectors, edited).state is AnchorState.ORPHANED
    # Unchanged offsets settle it.
    result = anchor(selectors, text)
    assert (result.state, result.start) == (AnchorState.ANCHORED, second)


def test_it_follows_an_edited_passage_not_a_pull_quote_that_keeps_the_old_words() -> None:
    # A pull quote repeats a sentence; the sentence is then edited in the body only. The
    # copy has none of the passage's neighbours: another passage. The edited one has both.
    quote = "the transition allows users to maintain access to their VPNs"
    start = TEXT.index(quote)
    selectors = describe(TEXT, start, start + len(quote))
    edited = TEXT.replace(quote, "the transition lets users maintain access to their VPNs")
    edited = edited.replace("ViaTechCrunch", f"“{quote}”\n\nViaTechCrunch")
    result = anchor(selectors, edited)
    assert result.state is AnchorState.CHANGED
    assert edited[result.start : result.end] == (
        "the transition lets users maintain access to their VPNs"
    )


def test_it_orphans_when_the_passage_was_edited_and_a_copy_with_a_neighbour_keeps_it() -> None:
    # The copy kept the words after the passage too: two candidates, each with evidence.
    quote = "the transition allows users to maintain access to their VPNs"
    start = TEXT.index(quote)
    selectors = describe(TEXT, start, start + len(quote))
    copy = quote + selectors.suffix[:NEIGHBOUR]
    edited = TEXT.replace(quote, "the transition lets users maintain access to their VPNs")
    edited = edited.replace("ViaTechCrunch", f"“{copy}”\n\nViaTechCrunch")
    assert anchor(selectors, edited).state is AnchorState.ORPHANED


def test_it_handles_the_edges_of_the_text() -> None:
    heading = "Kaspersky is closing its UK office"
    selectors = describe(TEXT, 0, len(heading))
    edited = TEXT.replace(heading, "Kaspersky is closing its British office", 1)
    result = anchor(selectors, edited)
    assert result.state is AnchorState.CHANGED
    assert result.start == 0
    assert edited[result.start : result.end] == "Kaspersky is closing its British office"
    end_selectors = describe(TEXT, len(TEXT) - 10, len(TEXT))
    moved = anchor(end_selectors, TEXT + "")
    assert moved.state is AnchorState.ANCHORED
    whole = describe("Hi", 0, 2)
    assert anchor(whole, "Hi").state is AnchorState.ANCHORED
    assert anchor(whole, "Ho").state is AnchorState.ORPHANED


def test_it_orphans_garbage_selectors() -> None:
    assert anchor(Selectors("", "", "", 0, 0), TEXT).state is AnchorState.ORPHANED
    assert anchor(Selectors("x" * 10_000, "", "", 0, 10), TEXT).state is AnchorState.ORPHANED
    weird = Selectors("Kaspersky", "", "", 10**9, -5)
    assert anchor(weird, TEXT).state in (AnchorState.MOVED, AnchorState.ORPHANED)


# --- Properties.


@st.composite
def selections(draw: st.DrawFn, text: str = TEXT) -> tuple[int, int]:
    """A word-aligned span of 1-15 words."""
    words = [m.span() for m in re.finditer(r"\S+", text)]
    first = draw(st.integers(0, len(words) - 1))
    last = draw(st.integers(first, min(len(words) - 1, first + 14)))
    return words[first][0], words[last][1]


def paragraph_edits(draw: st.DrawFn, text: str, start: int, end: int) -> tuple[str, int]:
    """Insert and delete whole paragraphs away from [start, end): (new text, shift)."""
    shift = 0
    for _ in range(draw(st.integers(1, 3))):
        breaks = [0] + [m.end() for m in re.finditer(r"\n\n", text)]
        outside = [b for b in breaks if b <= start or b >= end]
        at = draw(st.sampled_from(outside))
        if draw(st.booleans()):
            words = draw(st.lists(st.sampled_from(WORDS), min_size=3, max_size=30))
            piece = " ".join(words) + "\n\n"
            text = text[:at] + piece + text[at:]
            if at <= start:
                start, end, shift = start + len(piece), end + len(piece), shift + len(piece)
        else:
            following = text.find("\n\n", at)
            stop = len(text) if following == -1 else following + 2
            if not (stop <= start or at >= end) or stop - at >= len(text) - (end - start):
                continue  # would touch the passage
            text = text[:at] + text[stop:]
            if stop <= start:
                start, end, shift = start - (stop - at), end - (stop - at), shift - (stop - at)
    return text, shift


@SETTINGS
@given(st.data())
def test_it_keeps_the_exact_passage_through_edits_elsewhere(data: st.DataObject) -> None:
    start, end = data.draw(selections())
    selectors = describe(TEXT, start, end)
    edited, shift = paragraph_edits(data.draw, TEXT, start, end)
    result = anchor(selectors, edited)
    assert result.state in (*FOUND, AnchorState.ORPHANED)
    if result.state is not AnchorState.ORPHANED:
        # Never another copy: the passage, where it went.
        assert (result.start, result.end) == (start + shift, end + shift)
        assert result.score == 1.0
    # Where the quote and its context are unique and the edits stayed clear of the
    # context, nothing can get in the way: it must be found.
    window = TEXT[max(0, start - CONTEXT) : end + CONTEXT]
    untouched = edited[max(0, start + shift - CONTEXT) : end + shift + CONTEXT] == window
    if TEXT.count(window) == 1 and untouched:
        assert result.state in FOUND


@st.composite
def passages(draw: st.DrawFn) -> str:
    """At least 20 characters of random words: unique in the corpus, by construction."""
    words = draw(st.lists(st.sampled_from(WORDS), min_size=4, max_size=12))
    passage = " ".join(words)
    assume(len(passage) >= 20 and passage not in TEXT)
    return passage


@SETTINGS
@given(st.data())
def test_it_orphans_a_deleted_passage_and_never_attaches_it_elsewhere(
    data: st.DataObject,
) -> None:
    passage = data.draw(passages())
    paragraphs = list(PARAGRAPHS)
    where = data.draw(st.integers(0, len(paragraphs) - 1))
    host = paragraphs[where]
    cut = data.draw(st.sampled_from([0, *[m.end() for m in re.finditer(r" ", host)], len(host)]))
    separator_before = " " if cut > 0 else ""
    separator_after = " " if cut < len(host) else ""
    paragraphs[where] = host[:cut] + separator_before + passage + separator_after + host[cut:]
    text = join(paragraphs)
    start = text.index(passage)
    selectors = describe(text, start, start + len(passage))
    assert anchor(selectors, text).state is AnchorState.ANCHORED
    deleted = text[:start] + text[start + len(passage) :]
    edited, _ = paragraph_edits(data.draw, deleted, start, start)
    assume(passage not in edited)
    assert anchor(selectors, edited).state is AnchorState.ORPHANED


def reword(draw: st.DrawFn, passage: str) -> str:
    """Up to two small edits strictly inside the passage (its first and last words stay)."""
    words = passage.split(" ")
    for _ in range(draw(st.integers(1, 2))):
        if len(words) < 3:
            break
        i = draw(st.integers(1, len(words) - 2))
        operation = draw(st.sampled_from(["replace", "insert", "delete", "typo"]))
        if operation == "replace":
            words[i] = draw(st.sampled_from(WORDS))
        elif operation == "insert":
            words.insert(i, draw(st.sampled_from(WORDS)))
        elif operation == "delete":
            del words[i]
        elif len(words[i]) > 1:
            j = draw(st.integers(0, len(words[i]) - 2))
            w = words[i]
            words[i] = w[:j] + w[j + 1] + w[j] + w[j + 2 :]
    return " ".join(words)


@SETTINGS
@given(st.data())
def test_it_follows_a_reworded_passage_or_orphans_it(data: st.DataObject) -> None:
    start, end = data.draw(selections())
    exact = TEXT[start:end]
    selectors = describe(TEXT, start, end)
    changed = reword(data.draw, exact)
    edited = TEXT[:start] + changed + TEXT[end:]
    edited, shift = paragraph_edits(data.draw, edited, start, start + len(changed))
    region = (start + shift, start + shift + len(changed))
    result = anchor(selectors, edited)
    if result.state is AnchorState.ORPHANED:
        assert result.start is None and result.end is None
        return
    assert result.start is not None and result.end is not None
    # On the edited passage, never elsewhere.
    assert result.start < region[1] and region[0] < result.end, (exact, changed, result)


@SETTINGS
@given(st.data())
def test_it_finds_a_lightly_reworded_long_passage(data: st.DataObject) -> None:
    passage = data.draw(passages())
    assume(len(passage) >= 40)
    paragraphs = list(PARAGRAPHS)
    where = data.draw(st.integers(1, len(paragraphs) - 1))
    paragraphs[where] = paragraphs[where] + " " + passage + " and so on."
    text = join(paragraphs)
    start = text.index(passage)
    selectors = describe(text, start, start + len(passage))
    words = passage.split(" ")
    words[len(words) // 2] = words[len(words) // 2] + "s"  # one letter: a plural
    changed = " ".join(words)
    edited = text.replace(passage, changed)
    result = anchor(selectors, edited)
    assert result.state is AnchorState.CHANGED
    assert (result.start, result.end) == (start, start + len(changed))


# --- Benchmark and speed.


def synthetic_text(size: int, seed: int) -> str:
    """Article-like text: the sample's paragraphs and sentences of its words, shuffled."""
    rng = random.Random(seed)
    paragraphs: list[str] = []
    while sum(len(p) + 2 for p in paragraphs) < size:
        if rng.random() < 0.1:
            paragraphs.append(rng.choice(PARAGRAPHS))
        else:
            sentences = [
                " ".join(rng.choices(WORDS, k=rng.randint(5, 25))).capitalize() + "."
                for _ in range(rng.randint(1, 5))
            ]
            paragraphs.append(" ".join(sentences))
    return join(paragraphs)


def test_it_never_anchors_wrongly_in_the_benchmark() -> None:
    texts = {"sample": TEXT.replace("\n\n", "\n"), "synthetic": synthetic_text(8_000, 1)}
    texts["synthetic"] = texts["synthetic"].replace("\n\n", "\n")
    tallies = run(texts, seed=3, per_story=12)
    assert sum(tally.wrong for tally in tallies.values()) == 0, [
        tally.examples for tally in tallies.values()
    ]
    counts: dict[str, dict[str, int]] = {}
    for tally in tallies.values():
        for key, row in tally.counts.items():
            for outcome, n in row.items():
                counts.setdefault(key, {}).setdefault(outcome, 0)
                counts[key][outcome] += n
    kinds = {key.split("/")[0] for key in counts}
    assert kinds >= {"typo", "reword", "insert_paragraph", "move_paragraph", "decoy", "several"}
    unchanged = [row for key, row in counts.items() if key.endswith("/unchanged")]
    assert sum(row["right"] for row in unchanged) > 200
    assert all(row["orphaned"] == 0 for row in unchanged)
    deleted = [row for key, row in counts.items() if key.endswith("/deleted")]
    assert sum(row["right"] for row in deleted) > 0


def test_it_anchors_quickly_on_a_100_kb_text() -> None:
    text = synthetic_text(100_000, 2)
    rng = random.Random(5)
    timings = []
    for _ in range(60):
        start = rng.randrange(0, len(text) - 400)
        end = start + rng.randint(5, 300)
        selectors = describe(text, start, end)
        for edited in (
            text,
            "A new first paragraph.\n\n" + text,
            text[: start + 2] + "xx" + text[start + 4 :],  # an edit inside the quote
            text[:start] + text[end:],  # deleted
        ):
            began = time.perf_counter()
            anchor(selectors, edited)
            timings.append(time.perf_counter() - began)
    timings.sort()
    mean, p95 = statistics.fmean(timings) * 1000, timings[int(len(timings) * 0.95)] * 1000
    print(f"anchor() on {len(text)} chars: mean {mean:.3f} ms, p95 {p95:.3f} ms")
    # In milliseconds of the reference machine (tests/cpu.py), which takes about 1 and 4.
    slow = slowness()
    assert mean < 5 * slow
    assert p95 < 20 * slow


# --- Finding every occurrence, overlapping ones included


@given(
    text=st.text(alphabet="ab", max_size=60),
    needle=st.text(alphabet="ab", min_size=1, max_size=10),
)
def test_every_occurrence_is_found_overlapping_ones_included(text, needle):
    from annotations.anchoring import _find_all

    assert _find_all(text, needle) == [
        i for i in range(len(text) - len(needle) + 1) if text.startswith(needle, i)
    ]


@pytest.mark.parametrize(
    ("word", "period"),
    [("a", 1), ("aaaa", 1), ("abab", 2), ("ababa", 2), ("abcab", 3), ("aab", 3), ("abaab", 3),
     ("abacaba", 4), ("aabaaa", 4), ("", 0)],
)  # fmt: skip
def test_the_smallest_period_of_a_word(word, period):
    from annotations.anchoring import _smallest_period

    assert _smallest_period(word) == period


@given(st.text(alphabet="ab", min_size=1, max_size=14))
def test_the_smallest_period_is_the_first_shift_that_matches(word):
    from annotations.anchoring import _smallest_period

    assert _smallest_period(word) == next(
        p for p in range(1, len(word) + 1) if word[p:] == word[: len(word) - p]
    )


def test_a_quote_that_repeats_itself_in_a_story_that_does_is_found_in_linear_time():
    # 'a' × 10,000 in 'a' × 100,000 overlaps itself 90,001 times; comparing the whole
    # quote at each took 2.3 s. Counted, not timed: the text is read a bounded number
    # of times however often the quote overlaps itself.
    from annotations import anchoring

    calls = {"find": 0}
    real = anchoring._find_all

    class Counting(str):
        def find(self, *args, **kwargs):
            calls["find"] += 1
            return str.find(self, *args, **kwargs)

    for lead in ("", "b" * 20_000):  # the run far from the text's start too
        calls["find"] = 0
        hits = real(Counting(lead + "a" * 100_000 + "b."), "a" * 10_000)
        assert hits == list(range(len(lead), len(lead) + 90_001))
        # The first hit, the second (which shows the overlap), and the search after
        # the run.
        assert calls["find"] == 3
