"""Saving the page a reader is on (the bookmarklet, the share target): its address is
fetched as Add → From the web does, and the page as the reader sees it (the rendered DOM
the bookmarklet sends) is kept instead, as their own copy, when the server cannot get it
or gets less of it: a failed fetch, a login or paywall page, or a text without the words
the reader selected."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.contrib.auth.models import User

from annotations.models import Annotation, QuoteAmbiguous, SelectionError, find_quote
from articles.ingest.extract import ExtractionError
from articles.ingest.fetch import FetchError
from articles.ingest.pipeline import (
    IngestResult,
    build_body,
    clean_blocks,
    extract,
    ingest_document,
    ingest_url,
)
from articles.models import Story, StoryRevision
from reading.models import ReadingState

Origin = StoryRevision.Origin
_WORD = re.compile(r"\w+")
# The page the reader sees has this much more text than the server's copy: the server got
# a teaser (a paywall, a "log in to read on" page), the reader got the story.
MORE_TEXT = 1.5
MORE_WORDS = 50
MAX_SELECTION = 10_000


class SaveError(Exception):
    """Nothing could be saved; the message says why, for the reader."""


@dataclass
class Saved:
    story: Story
    created: bool
    own_copy_because: str = ""  # why the page as the reader saw it was kept
    highlight: Annotation | None = None
    highlight_problem: str = ""


def _words(text: str) -> int:
    return len(_WORD.findall(text))


def _dom_words(html: str, url: str) -> int:
    try:
        _body_html, text = build_body(clean_blocks(extract(html, "html", url=url)))
    except ExtractionError:
        return 0
    return _words(text)


def save_page(user: User, url: str, *, html: str = "", selection: str = "") -> Saved:
    """Save url to the reader's library (SaveError when neither the fetch nor the page
    sent gives a story), then highlight the selection when it is in the story."""
    selection = selection.strip()[:MAX_SELECTION]
    fetched: IngestResult | None = None
    reason = ""
    try:
        fetched = ingest_url(url, origin=Origin.URL)
    except (FetchError, ExtractionError) as exc:
        reason = str(exc).rstrip(".")
    because = ""
    if html.strip():
        if fetched is None:
            because = f"the page could not be fetched by the server ({reason})"
        else:
            text = fetched.revision.body_text
            if selection and not find_quote(text, selection) and _in_dom(html, url, selection):
                because = "the words you selected are not in the page the server got"
            elif _dom_words(html, url) > max(
                fetched.revision.word_count * MORE_TEXT, fetched.revision.word_count + MORE_WORDS
            ):
                because = "the server got less of the page than you see (a login or paywall)"
    if because:
        try:
            result = ingest_document(
                html, "html", origin=Origin.BROWSER, owner=user, origin_detail=url, url=url
            )
        except ExtractionError as exc:
            if fetched is None:
                raise SaveError(f"{reason}; and the page you see: {exc}") from exc
            result, because = fetched, ""
    elif fetched is not None:
        result = fetched
    else:
        raise SaveError(f"The page could not be saved: {reason}.")
    story = result.story
    ReadingState.objects.set_flags(user, story, saved=True)
    saved = Saved(story=story, created=result.created, own_copy_because=because)
    if selection:
        try:
            saved.highlight = Annotation.objects.create_from_selection(
                story=story, author=user, quote=selection, colour="yellow"
            )
        except QuoteAmbiguous as exc:
            saved.highlight_problem = (
                f"The words you selected are in the story {len(exc.occurrences)} times: "
                "select them again on this page to highlight the one you mean."
            )
        except SelectionError:
            saved.highlight_problem = (
                "The words you selected are not in the saved text, so they were not highlighted."
            )
    return saved


def _in_dom(html: str, url: str, selection: str) -> bool:
    try:
        _body_html, text = build_body(clean_blocks(extract(html, "html", url=url)))
    except ExtractionError:
        return False
    return bool(find_quote(text, selection))
