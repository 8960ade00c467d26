"""A story with no frame trafilatura knows keeps its lists (recovery.py)."""

from __future__ import annotations

import trafilatura

from articles.ingest.extract import extract_html


def _sentence(i: int) -> str:
    return (
        f"Sentence {i} says that the accounting software we tested keeps the books of a "
        "freelancer tidy and the taxes paid on time."
    )


_FEATURES = (
    "<ul><li><strong>Invoicing:</strong> Create invoices that reflect your brand.</li>"
    "<li><strong>Expense tracking:</strong> Track every penny spent on cookies and cabs.</li>"
    "</ul>"
)
_MENU = (
    '<ul><li><a href="/">Home</a></li><li><a href="/blog">Blog</a></li>'
    '<li><a href="/pricing">Pricing</a></li><li><a href="/about">About</a></li></ul>'
)


def _page(body: str) -> str:
    # A page builder's rich-text block: no <article>, <main> or "post-content" class, so
    # trafilatura's main pass finds no frame and recovers the text from the whole page.
    return (
        "<html><head><title>Accounting software</title></head><body>"
        f'<div class="nav">{_MENU}</div><div class="page"><div class="rich w-richtext">'
        f"{body}</div></div></body></html>"
    )


STORY = (
    f"<p>{_sentence(1)}</p><p>{_sentence(2)}</p><h2>1. QuickBooks</h2><p>{_sentence(3)}</p>"
    f"{_FEATURES}<h2>2. FreshBooks</h2><p>{_sentence(4)}</p><p>{_sentence(5)}</p>"
)


def test_a_story_without_a_frame_keeps_its_lists():
    # Its headings are still lost: recovered from the whole page, headings brought in the
    # sidebar's and the footer's (see recovery.py).
    blocks = extract_html(_page(STORY)).blocks
    assert [(b.tag, b.text[:12]) for b in blocks] == [
        ("p", "Sentence 1 s"),
        ("p", "Sentence 2 s"),
        ("p", "Sentence 3 s"),
        ("ul", "Invoicing: C"),
        ("p", "Sentence 4 s"),
        ("p", "Sentence 5 s"),
    ]


def test_the_recovered_lists_are_still_pruned_of_menus():
    texts = [b.text for b in extract_html(_page(STORY)).blocks]
    assert not any("Pricing" in text for text in texts)


def test_trafilatura_called_outside_the_pipeline_is_left_as_it_is():
    # Only the pipeline's extraction widens the search: the benchmark's baseline (and any
    # other caller) gets trafilatura's own recovery, which drops the headings.
    text = trafilatura.extract(_page(STORY)) or ""
    assert "Sentence 3" in text
    assert "Invoicing" not in text
