"""The ScrapingHub benchmark's scoring, as its evaluate.py computes it, on tiny inputs."""

import gzip
import json

import pytest

from bench.extraction import PIPELINE, TRAFILATURA, Output, System
from bench.shingles import PageScore, ShingleScore, evaluate, load_benchmark, shingles, table


def test_shingles_are_four_tokens_counted_with_repeats():
    assert shingles("One two, three four five") == {
        ("One", "two", "three", "four"): 1,
        ("two", "three", "four", "five"): 1,
    }
    assert shingles("a b c d a b c d") == {
        ("a", "b", "c", "d"): 2,
        ("b", "c", "d", "a"): 1,
        ("c", "d", "a", "b"): 1,
        ("d", "a", "b", "c"): 1,
    }
    # A text shorter than a shingle is one shorter shingle; no text, none.
    assert shingles("just two") == {("just", "two"): 1}
    assert shingles(" ,. ") == {}


def test_a_page_s_shares_are_normalized_and_scored():
    score = PageScore.of("one two three four six", "one two three four five")
    assert (score.tp, score.fp, score.fn) == pytest.approx((1 / 3, 1 / 3, 1 / 3))
    assert score.precision == score.recall == pytest.approx(0.5)
    assert score.f1 == pytest.approx(0.5)
    # Case matters to the benchmark's tokens: the first of three shingles differs.
    cased = PageScore.of("Same words in the same order.", "same words in the same order")
    assert (cased.tp, cased.fp, cased.fn) == pytest.approx((0.5, 0.25, 0.25))
    assert PageScore.of("same words in the same order", "same words in the same order").f1 == 1


def test_precision_and_recall_are_means_over_pages_and_f1_comes_from_the_means():
    half = PageScore.of("one two three four six", "one two three four five")
    empty = PageScore.of("", "one two three four five")  # no output: counts for recall only
    whole = PageScore.of("a b c d e", "a b c d e")
    score = ShingleScore({"x": half, "y": empty, "z": whole})
    assert score.precision == pytest.approx((0.5 + 1) / 2)
    assert score.recall == pytest.approx((0.5 + 0 + 1) / 3)
    p, r = score.precision, score.recall
    assert score.f1 == pytest.approx(2 * p * r / (p + r))


def test_the_benchmark_folder_is_read_and_each_half_reported(tmp_path):
    (tmp_path / "html").mkdir()
    truth = {}
    for name in ("aa", "ab", "ac", "ad"):
        page = f"<html><body><article><p>Story {name} says one two three four.</p></article></body></html>"
        (tmp_path / "html" / f"{name}.html.gz").write_bytes(gzip.compress(page.encode()))
        truth[name] = {"articleBody": f"Story {name} says one two three four.", "url": None}
    (tmp_path / "ground-truth.json").write_text(json.dumps(truth))
    pages = list(load_benchmark(tmp_path))
    assert [page.name for page in pages] == ["aa", "ab", "ac", "ad"]
    perfect = System("pipeline", lambda html, url: Output(text=truth[_name(html)]["articleBody"]))
    nothing = System("trafilatura", lambda html, url: Output())
    scores = evaluate(iter(pages), (perfect, nothing))
    assert scores[PIPELINE.name].f1 == 1
    assert scores[TRAFILATURA.name].recall == 0
    rows = table(scores)
    assert rows[-1].startswith("| all | 4 | 1.0000")
    assert rows[-1].endswith("| 4 / 0 |")
    with pytest.raises(FileNotFoundError):
        list(load_benchmark(tmp_path / "missing"))


def _name(html: str) -> str:
    return html.split("Story ", 1)[1].split(" ", 1)[0]
