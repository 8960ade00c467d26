"""The re-anchoring properties of issue 12, checked on real stories and real edits.

The benchmark's own machinery (bench/anchoring.py) edits a few stories of the shared corpus
with every kind of revision and knows, for each highlight, where its characters went. Only
stories of the *tune* half are used: *held* is for reporting, never for tuning or pinning.
The seed is fixed, so a failure here is reproducible with the benchmark's `run`.
"""

from __future__ import annotations

import functools

import pytest

from bench.anchoring import CORPUS, KINDS, corpus_texts, half, run

# Few enough to take under half a second a run (the mutation tool runs this test for most
# mutants of anchoring.py), enough to meet every kind of edit and every class.
STORIES = 4
PER_STORY = 12
SEED = 0

# Edited highlights followed (right / all edited), measured on these stories with this
# seed: 65/66 with the old text, 58/66 from the selectors alone. The floors leave two and
# three highlights of margin, so that a harmless change of the search is not a failure,
# while a broken similarity threshold or fuzzy search (which loses more) is.
EDITED_FLOOR_WITH_DIFF = 0.95
EDITED_FLOOR_SELECTORS_ONLY = 0.82


@functools.cache
def tune_stories() -> dict[str, str]:
    # Cached: the texts do not depend on the code under test. The runs below are not: each
    # test re-anchors on its own, so that a mutant of anchoring.py is what it measures.
    if not CORPUS.is_dir():
        # As the other corpus tests: a missing corpus is a failure, never a silent skip.
        pytest.fail(f"Extraction corpus not found at {CORPUS}", pytrace=False)
    texts = corpus_texts()
    names = sorted(name for name in texts if half(name) == "tune")[:STORIES]
    return {name: texts[name] for name in names}


@pytest.mark.parametrize(
    ("use_diff", "edited_floor"),
    [(True, EDITED_FLOOR_WITH_DIFF), (False, EDITED_FLOOR_SELECTORS_ONLY)],
    ids=["with_the_old_text", "selectors_only"],
)
def test_real_edits_never_misplace_a_highlight_and_follow_what_survives(
    use_diff: bool, edited_floor: float
) -> None:
    tallies = run(tune_stories(), seed=SEED, per_story=PER_STORY, use_diff=use_diff)
    assert tallies["held"].highlights == 0  # nothing of the held half was looked at
    tally = tallies["tune"]
    # The sample meets every kind of edit and every class, or what follows holds vacuously.
    assert {key.split("/")[0] for key in tally.counts} == set(KINDS)
    unchanged, edited = tally.total("unchanged"), tally.total("edited")
    deleted, copied = tally.total("deleted"), tally.total("copied")
    assert unchanged["right"] > 500 and deleted["right"] >= 20
    assert sum(edited.values()) >= 50
    for truth in ("cut", "broken"):
        assert sum(tally.total(truth).values()) >= 3, truth

    # No highlight anchored to the wrong place, whatever became of its passage.
    assert tally.wrong == 0, tally.examples
    # Every unchanged passage found, exactly where it went.
    assert unchanged["orphaned"] == 0, unchanged
    # Every deleted passage orphaned (or, when a decoy copied it whole, on that copy): the
    # judge counts any other anchor of it as wrong.
    assert deleted["wrong"] == copied["wrong"] == 0, (deleted, copied)
    # Edited passages followed at least at the measured rate, less a small margin.
    assert edited["right"] >= edited_floor * sum(edited.values()), edited
