"""Marks drawn into the real sample stories: the text is untouched, each mark covers its span."""

import random
import xml.etree.ElementTree as ET

import pytest

from annotations.highlighting import Highlight, draw_highlights
from bench.management.commands.bench_anchoring import sample_texts
from newsreader.sanitizer import html_to_text
from newsreader.sanitizer.html5 import html5lib

BODIES: dict[str, str] = {}
TEXTS = sample_texts(bodies=BODIES)


def _covered(html: str) -> dict[int, set[int]]:
    """For each data-annotation id, the text offsets inside its marks."""
    root = html5lib.parseFragment(html, treebuilder="etree", namespaceHTMLElements=False)
    covered: dict[int, set[int]] = {}
    position = 0

    def add(text: str, active: frozenset[int]) -> None:
        nonlocal position
        for ident in active:
            covered.setdefault(ident, set()).update(range(position, position + len(text)))
        position += len(text)

    def walk(element: ET.Element, active: frozenset[int]) -> None:
        if element.tag == "mark":
            active = active | {int(element.get("data-annotation", "0"))}
        add(element.text or "", active)
        for child in element:
            walk(child, active)
            add(child.tail or "", active)

    walk(root, frozenset())
    return covered


@pytest.mark.parametrize("name", sorted(TEXTS))
def test_marks_cover_their_passage_and_change_no_text(name):
    text, html = TEXTS[name], BODIES[name]
    rng = random.Random(name)
    for _ in range(40):
        highlights = []
        for ident in range(1, rng.randint(2, 12)):
            start = rng.randrange(len(text) - 1)
            end = min(len(text), start + rng.choice([1, 5, 30, 200, 1000]))
            highlights.append(Highlight(ident, start, end, rng.choice(["yellow", "pink"])))
        drawn = draw_highlights(html, highlights, body_text=text)
        assert html_to_text(drawn) == text
        covered = _covered(drawn)
        for highlight in highlights:
            want = set(range(highlight.start, highlight.end))
            got = covered.get(highlight.id, set())
            assert got <= want
            # Only whitespace between blocks is left unmarked.
            assert all(text[i].isspace() for i in want - got)
            assert drawn.count(f'id="hl-{highlight.id}"') == (1 if got else 0)
