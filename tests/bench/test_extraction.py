"""The extraction benchmark: its scoring on tiny hand-made inputs (so a wrong metric
cannot hide behind big numbers), and a small run of the command on the corpus."""

from __future__ import annotations

import gzip
import hashlib
import json
from datetime import date, datetime
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from bench.extraction import (
    CHECK,
    DEFAULT_CORPUS,
    TUNING,
    CorpusPage,
    Output,
    Score,
    System,
    Truth,
    evaluate,
    glued_words,
    half,
    is_glued,
    joined_words,
    load_corpus,
    lost_separators,
    page_words,
    parse_day,
    run_pipeline,
    same_day,
    same_text,
    snippet_found,
    wins_and_losses,
    word_f1,
    word_sequence,
    words,
    worst,
)
from bench.extraction_report import SECTION, Halves, write_section

# --------------------------------------------------------------------------------------
# Words and F1
# --------------------------------------------------------------------------------------


def test_it_lowercases_and_keeps_only_word_characters():
    assert words("Hello, World! It's 2025 — naïve_user") == [
        "hello",
        "world",
        "it",
        "s",
        "2025",
        "naïve_user",
    ]


@pytest.mark.parametrize(
    ("predicted", "truth", "f1"),
    [
        ("a b c", "a b c", 1.0),
        ("A, b. C!", "a b c", 1.0),  # case and punctuation do not count
        ("c b a", "a b c", 1.0),  # a bag: order does not count
        ("x y z", "a b c", 0.0),
        ("a b c", "a b d", 2 / 3),
        # Counts matter: "a a b" against "a b" overlaps in 2 of 3 words, recalls all 2.
        ("a a b", "a b", 2 * (2 / 3) * 1.0 / ((2 / 3) + 1.0)),
        ("a b c d", "a b", 2 * 0.5 * 1.0 / 1.5),
        ("", "a b", 0.0),
        ("a b", "", 0.0),
        ("", "", 1.0),
    ],
)
def test_it_scores_the_bag_of_words(predicted, truth, f1):
    assert word_f1(predicted, truth) == pytest.approx(f1)


# --------------------------------------------------------------------------------------
# Snippets
# --------------------------------------------------------------------------------------


def test_it_finds_a_snippet_as_a_run_of_whole_words():
    sequence = word_sequence("Sign up for our newsletter! It's free.\nMore text.")
    assert snippet_found("sign up for our newsletter", sequence) is True
    assert snippet_found("Newsletter — it's FREE", sequence) is True
    assert snippet_found("It's free. More text", sequence) is True  # across lines
    assert snippet_found("up for newsletter", sequence) is False  # not contiguous
    assert snippet_found("letter", sequence) is False  # part of a word
    assert snippet_found("sign", sequence) is True


def test_it_ignores_snippets_without_words():
    assert snippet_found("— !", word_sequence("anything")) is None
    assert snippet_found("", word_sequence("anything")) is None


# --------------------------------------------------------------------------------------
# Glued words
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("token", ["wasbanned", "findtheir", "thewine", "andtasting"])
def test_it_counts_two_common_words_without_a_space(token):
    assert is_glued(token)


@pytest.mark.parametrize(
    "token",
    [
        "smartphone",  # a word wordfreq knows
        "cybersecurity",
        "banned",
        "theirs",
        "ofthe",  # two words, but shorter than six letters
        "USafter",  # only lower-case tokens count
        "theUK",
        "abc",  # too short
        "kubectl",  # not a word, but not two words either
        "2025the",
    ],
)
def test_it_does_not_count_words_names_or_short_tokens(token):
    assert not is_glued(token)


def test_it_lists_the_glued_tokens_in_order():
    assert glued_words("The firm wasbanned after a smartphone leak, findtheir notes.") == [
        "wasbanned",
        "findtheir",
    ]


# --------------------------------------------------------------------------------------
# Metadata agreement
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("predicted", "truth", "agree"),
    [
        ("Jane Doe", "Jane Doe", True),
        ("jane  doe", "Jane Doe", True),
        ("By Jane Doe, Staff Writer", "Jane Doe", True),  # the truth inside
        ("Doe", "Jane Doe", True),  # inside the truth
        ("Big News | Example Site", "Big News", True),
        ("Jane Doeman", "Jane Doe", False),  # not at word edges
        ("John Smith", "Jane Doe", False),
        ("", "Jane Doe", False),
        (None, "Jane Doe", False),
        ("Jane Doe", "", False),
    ],
)
def test_it_compares_titles_and_authors(predicted, truth, agree):
    assert same_text(predicted, truth) is agree


def test_it_compares_dates_by_calendar_day():
    assert same_day(date(2025, 9, 4), "2025-09-04")
    assert same_day(datetime(2025, 9, 4, 23, 59), "2025-09-04T08:00:00+02:00")
    assert same_day("2025-09-04T10:00:00", "2025-09-04")
    assert not same_day(date(2025, 9, 5), "2025-09-04")
    assert not same_day(None, "2025-09-04")
    assert not same_day(date(2025, 9, 4), "")
    assert parse_day("published 2025-02-30") is None  # no such day


# --------------------------------------------------------------------------------------
# What is scored: the stored text, on two halves
# --------------------------------------------------------------------------------------


def test_it_scores_the_pipeline_on_the_stored_body_text():
    page_html = (
        "<html><head><title>Kit</title></head><body><article><h1>Kit</h1>"
        + "<p>The shop says the new kit is made of three certified fibres this year.</p>" * 3
        + "<ul><li>organic cotton</li><li>hemp</li><li>recycled polyester</li></ul>"
        "</article></body></html>"
    )
    output = run_pipeline(page_html, "https://shop.example/kit")
    assert "cotton\nhemp\nrecycled" in output.text
    assert "cottonhemp" not in output.text


def test_the_halves_are_fixed_by_the_file_name_and_about_even():
    names = [f"{n:04d}" for n in range(1000)]
    halves = [half(name) for name in names]
    assert halves == [half(name) for name in names]  # no state, no randomness
    assert set(halves) == {TUNING, CHECK}
    assert 400 < halves.count(TUNING) < 600
    # The rule itself, so that the split cannot drift silently.
    assert half("0001") == (TUNING if hashlib.sha256(b"0001").digest()[0] % 2 == 0 else CHECK)


# --------------------------------------------------------------------------------------
# Summing up
# --------------------------------------------------------------------------------------


def page(**truth: object) -> CorpusPage:
    defaults: dict[str, object] = {
        "main_content": "alpha beta gamma delta",
        "title": "A Title",
        "author": "Jane Doe",
        "published": "2025-01-02",
        "with_snippets": ("beta gamma", "omega"),
        "without_snippets": ("sign up now", "alpha beta", "!"),
    }
    defaults.update(truth)
    return CorpusPage(name="x", url=None, html="<html></html>", truth=Truth(**defaults))  # type: ignore[arg-type]


def test_it_sums_a_page_up():
    score = Score()
    output = Output(
        text="Alpha beta gamma. Sign up now!",
        title="A Title — Site",
        author="Jane Doe",
        published=date(2025, 1, 3),
    )
    score.add(page(), output, output, (0.5, 0.25))
    assert score.pages == 1
    assert score.f1 == pytest.approx(
        word_f1("alpha beta gamma sign up now", "alpha beta gamma delta")
    )
    assert (score.leaked, score.without_total) == (2, 2)  # "!" has no words
    assert (score.kept, score.with_total) == (1, 2)
    assert score.agreement == {"title": [1, 1], "author": [1, 1], "date": [0, 1]}
    assert score.leaked_snippets == [("x", "sign up now"), ("x", "alpha beta")]
    assert score.pages_per_second == 2.0
    assert score.pages_per_cpu_second == 4.0


def test_it_skips_fields_the_truth_lacks():
    score = Score()
    blank = page(main_content=None, author="", published="", with_snippets=(), without_snippets=())
    score.add(blank, Output(text="x"), Output(text="x"), (1.0, 1.0))
    assert score.f1_pages == 0
    assert score.agreement["author"] == [0, 0]
    assert score.agreement["date"] == [0, 0]
    assert score.agreement["title"] == [0, 1]
    assert score.leaked_share == 0.0


def named(name: str, text: str, main: str = "alpha beta gamma delta") -> tuple[CorpusPage, Output]:
    page_ = page(main_content=main)
    return CorpusPage(name=name, url=None, html="", truth=page_.truth), Output(text=text)


def scores(pairs: dict[str, tuple[str, str]]) -> tuple[Score, Score]:
    ours, base = Score(), Score()
    for name, (mine, theirs) in pairs.items():
        corpus_page, output = named(name, mine)
        ours.add(corpus_page, output, output, (1.0, 1.0))
        corpus_page, output = named(name, theirs)
        base.add(corpus_page, output, output, (1.0, 1.0))
    return ours, base


def test_it_counts_pages_won_and_lost_by_more_than_a_hundredth():
    ours, base = scores(
        {
            "won": ("alpha beta gamma delta", "alpha beta"),
            "lost": ("alpha", "alpha beta gamma delta"),
            "tie": ("alpha beta gamma", "alpha beta gamma"),
        }
    )
    assert wins_and_losses(ours, base) == (["won"], ["lost"])


def test_it_explains_the_worst_pages():
    ours, base = scores(
        {
            "short": ("alpha", "alpha beta gamma delta"),
            "padded": ("alpha beta gamma delta cookie cookie cookie cookie", "alpha beta"),
            "good": ("alpha beta gamma delta", "alpha beta gamma delta"),
        }
    )
    listed = worst(ours, base, count=2)
    assert [result.name for result, _ in listed] == ["short", "padded"]
    assert "missed text, e.g. beta" in listed[0][1]
    assert "trafilatura 1.00" in listed[0][1]
    assert "extra text, e.g. cookie" in listed[1][1]


def test_it_reports_each_half_on_its_own_pages():
    names = {half(f"{n:04d}"): f"{n:04d}" for n in range(8)}
    ours, base = scores(
        {names[TUNING]: ("alpha beta gamma delta", "alpha"), names[CHECK]: ("alpha", "alpha")}
    )
    halves = Halves.of(ours, base)
    assert halves.parts[TUNING][0].f1 == 1.0
    assert halves.parts[CHECK][0].f1 == halves.parts[CHECK][1].f1
    assert halves.parts["all"][0].pages == 2


def test_it_runs_every_system_on_every_page_in_alternating_order():
    calls: list[str] = []

    def system(name: str) -> System:
        def run(html: str, url: str | None) -> Output:
            calls.append(name)
            return Output(text="alpha beta")

        return System(name, run)

    pages = [page(), page(), page()]
    scores = evaluate(pages, (system("one"), system("two")), repeat=2)
    assert set(scores) == {"one", "two"}
    assert scores["one"].pages == scores["two"].pages == 3
    # A warm-up call each, then per page: two runs of one system, two of the other,
    # whichever goes first alternating from page to page.
    assert calls[:2] == ["one", "two"]
    assert (
        calls[2:]
        == ["one"] * 2 + ["two"] * 2 + ["two"] * 2 + ["one"] * 2 + ["one"] * 2 + ["two"] * 2
    )
    assert scores["one"].seconds > 0


# --------------------------------------------------------------------------------------
# The corpus and the command
# --------------------------------------------------------------------------------------


def make_corpus(root: Path, pages: dict[str, tuple[str, dict[str, object]]]) -> Path:
    (root / "html").mkdir(parents=True)
    (root / "ground-truth").mkdir()
    for name, (markup, truth) in pages.items():
        (root / "html" / f"{name}.html.gz").write_bytes(gzip.compress(markup.encode()))
        data = {"url": f"https://example.test/{name}", "ground_truth": truth}
        (root / "ground-truth" / f"{name}.json").write_text(json.dumps(data))
    return root


ARTICLE = (
    "<html><head><title>Robots recalled</title></head><body><article><h1>Robots recalled</h1>"
    + "<p>Acme is recalling about 40,000 robot vacuums after reports of overheating batteries."
    " The regulator said owners should stop using them at once.</p>"
    * 4
    + "<p>Sign up for our newsletter to get the best stories in your inbox.</p>"
    "</article></body></html>"
)


def test_it_reads_pages_and_their_truth(tmp_path):
    corpus = make_corpus(
        tmp_path,
        {
            "0002": (ARTICLE, {"main_content": "text", "title": "T", "with": ["a"], "without": []}),
            "0001": ("<p>x</p>", {"title": "Only a title"}),
        },
    )
    (corpus / "html" / "0003.html.gz").write_bytes(gzip.compress(b"<p>no truth</p>"))
    pages = list(load_corpus(corpus))
    assert [p.name for p in pages] == ["0001", "0002"]
    assert pages[0].truth.main_content is None
    assert pages[0].truth.title == "Only a title"
    assert pages[1].url == "https://example.test/0002"
    assert pages[1].truth.with_snippets == ("a",)
    assert "Robots recalled" in pages[1].html
    assert [p.name for p in load_corpus(corpus, limit=1)] == ["0001"]


def test_it_runs_the_command_on_a_small_corpus(tmp_path):
    truth = {
        "main_content": "Acme is recalling about 40,000 robot vacuums.",
        "title": "Robots recalled",
        "author": "",
        "publish_date": "",
        "with": ["recalling about 40,000 robot vacuums"],
        "without": ["Sign up for our newsletter"],
    }
    corpus = make_corpus(tmp_path / "corpus", {"0001": (ARTICLE, truth)})
    out = StringIO()
    call_command("bench_extraction", corpus=corpus, repeat=1, show_leaks=True, stdout=out)
    printed = out.getvalue()
    assert "1 pages from" in printed
    # The last two columns are all pages: the pipeline against trafilatura.
    leaked = next(line for line in printed.splitlines() if "`without` snippets leaked" in line)
    assert leaked.endswith("| 0/1 (0.0%) | 1/1 (100.0%) |")
    kept = next(line for line in printed.splitlines() if "`with` snippets kept" in line)
    assert kept.endswith("| 1/1 (100.0%) | 1/1 (100.0%) |")
    assert "The 20 worst pages:" in printed
    assert "leak 0001" not in printed  # the pipeline dropped the newsletter line


def test_it_refuses_bad_arguments(tmp_path):
    with pytest.raises(CommandError, match="no html/ and ground-truth/"):
        call_command("bench_extraction", corpus=tmp_path, stdout=StringIO())
    with pytest.raises(CommandError, match="--limit"):
        call_command("bench_extraction", limit=0, stdout=StringIO())
    with pytest.raises(CommandError, match="--repeat"):
        call_command("bench_extraction", repeat=0, stdout=StringIO())


@pytest.fixture
def corpus() -> Path:
    if not (DEFAULT_CORPUS / "html").is_dir():
        pytest.fail(f"WCXB corpus not found at {DEFAULT_CORPUS}", pytrace=False)
    return DEFAULT_CORPUS


def test_it_benchmarks_three_corpus_pages_and_writes_its_section(corpus, tmp_path):
    report = tmp_path / "docs" / "benchmarks.md"
    report.parent.mkdir()
    report.write_text("# Benchmarks\n\n## Anchoring\n\nother numbers\n")
    out = StringIO()
    call_command("bench_extraction", limit=3, repeat=1, write=report, stdout=out)
    printed = out.getvalue()
    assert printed.startswith("3 pages from")
    for row in (
        "word F1 (mean over pages)",
        "`without` snippets leaked",
        "`with` snippets kept",
        "title agreement",
        "author agreement",
        "date agreement",
        "glued words per 10k tokens",
        "pages/second",
        "pages/second of CPU time",
    ):
        assert f"| {row} |" in printed
    for part in ("tuning half", "check half", "all pages"):
        assert f"{part}: " in printed
    assert printed.count("word F1 at least trafilatura's + 0.01") == 3
    assert "pages won / lost" in printed
    written = report.read_text()
    assert "## Anchoring\n\nother numbers" in written
    assert written.count(SECTION) == 1
    assert "on 3 pages of the WCXB dev split" in written
    assert "trafilatura 2." in written and "Python 3." in written


# --------------------------------------------------------------------------------------
# The section in docs/benchmarks.md
# --------------------------------------------------------------------------------------


def test_it_creates_the_file_with_its_section(tmp_path):
    path = tmp_path / "docs" / "benchmarks.md"
    write_section(path, f"{SECTION}\n\nnew\n")
    assert path.read_text() == f"# Benchmarks\n\n{SECTION}\n\nnew\n"


def test_it_replaces_only_its_own_section(tmp_path):
    path = tmp_path / "benchmarks.md"
    path.write_text(
        f"# Benchmarks\n\nIntro.\n\n## Anchoring\n\nA.\n\n{SECTION}\n\nold\n\n## Other\n\nB.\n"
    )
    write_section(path, f"{SECTION}\n\nnew\n")
    assert path.read_text() == (
        f"# Benchmarks\n\nIntro.\n\n## Anchoring\n\nA.\n\n{SECTION}\n\nnew\n\n## Other\n\nB.\n"
    )
    write_section(path, f"{SECTION}\n\nnewer\n")
    assert path.read_text().count(SECTION) == 1
    assert "newer" in path.read_text() and "\nnew\n" not in path.read_text()


def test_it_appends_its_section_after_the_others(tmp_path):
    path = tmp_path / "benchmarks.md"
    path.write_text("# Benchmarks\n\n## Anchoring\n\nA.\n")
    write_section(path, f"{SECTION}\n\nnew\n")
    assert path.read_text() == f"# Benchmarks\n\n## Anchoring\n\nA.\n\n{SECTION}\n\nnew\n"


def test_it_counts_words_joined_where_the_truth_has_them_apart():
    truth = "Made of organic cotton hemp and linen. 1 Kyle Busch 2 Denny Hamlin"
    assert joined_words("organic cottonhemp and linen 1Kyle Busch", truth) == [
        "cottonhemp",
        "1kyle",
    ]
    assert joined_words("cotton\nhemp and linen", truth) == []
    # A word the truth itself writes as one is not a joined one.
    assert joined_words("a codebase", "the code base and the codebase") == []


def test_a_common_word_or_parts_joined_by_punctuation_are_not_joined_words():
    truth = "They are a team in the U.S. with 1,000 staff in e-learning, working to day."
    assert joined_words("an area in the US with 1000 staff in elearning today", truth) == []
    assert joined_words("teamin", truth) == ["teamin"]


def test_a_page_s_own_words_are_read_as_html_lays_them_out():
    page = (
        "<html><head><title>Title here</title><script>var scriptword;</script></head><body>"
        "<ul><li>cotton</li><li>hemp</li></ul><p>spikes in demandefficiently, "
        "<code>U+00DF</code><code>0x</code> and one<br>two</p><!-- hidden --></body></html>"
    )
    words = page_words(page)
    assert {"cotton", "hemp", "demandefficiently", "00df0x", "one", "two"} <= words
    assert not {"cottonhemp", "onetwo", "scriptword", "title", "hidden"} & words


def test_only_words_the_page_keeps_apart_are_lost_separators():
    truth = "Made of organic cotton hemp and linen, in demand efficiently."
    page = "<ul><li>cotton</li><li>hemp</li></ul><p>in demandefficiently.</p>"
    text = "organic cottonhemp and linen in demandefficiently"
    assert joined_words(text, truth) == ["cottonhemp", "demandefficiently"]
    assert lost_separators(text, truth, page) == ["cottonhemp"]
    assert lost_separators("cotton hemp", truth, page) == []
    # Inside a longer word of the page: three inline elements side by side.
    page = "<h2><a>Rosalia</a><em>LUX</em><span>Columbia</span></h2>"
    assert lost_separators("rosalialux columbia", "Rosalia LUX Columbia", page) == []
