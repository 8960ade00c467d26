"""The text contract: body_text is the textContent of body_html, in code points."""

import pytest

from articles.ingest.blocks import Block
from articles.ingest.extract import Extracted
from articles.ingest.pipeline import store
from articles.models import StoryRevision
from newsreader.sanitizer import html_to_text

pytestmark = pytest.mark.django_db

BODY = [
    Block("h2", "<h2>Caf&eacute; &amp; crème 🚀</h2>", "Café & crème 🚀"),
    Block(
        "p",
        "<p>Nested <em>markup <strong>inside</strong></em> a <a href='https://a.example/'>link</a>"
        " with an emoji 👩‍💻 and a flag 🇪🇺, enough words to be a story body for sure.</p>",
        "",
    ),
    Block("ul", "<ul><li>one</li><li>two &lt;three&gt;</li></ul>", "one two <three>"),
    Block("pre", "<pre><code>x = 1 &lt; 2\n  y = 3\n</code></pre>", "x = 1 < 2"),
    Block("p", "<p>" + "Filler words for the word count. " * 5 + "</p>", ""),
]


def test_it_stores_the_text_content_of_the_html():
    result = store(
        Extracted(title="Contract", blocks=BODY, url="https://a.example/contract"),
        origin=StoryRevision.Origin.FILE,
    )
    revision = result.revision
    assert revision.body_text == html_to_text(revision.body_html)
    assert "Café & crème 🚀" in revision.body_text
    assert "two <three>" in revision.body_text
    assert "x = 1 < 2\n  y = 3" in revision.body_text
    # Offsets are code points: an emoji is one character here (two UTF-16 units in a browser).
    start = revision.body_text.index("🚀")
    assert revision.body_text[start : start + 1] == "🚀"
