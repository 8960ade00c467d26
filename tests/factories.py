from __future__ import annotations

import html
import itertools
from datetime import datetime
from typing import TYPE_CHECKING

from articles.ingest.blocks import Block
from articles.ingest.extract import Extracted
from articles.ingest.pipeline import IngestResult, store
from articles.models import StoryRevision

if TYPE_CHECKING:
    from django.contrib.auth.models import User

_counter = itertools.count(1)

LOREM = (
    "Engineers at the company said the new release focuses on reliability, with a rewritten "
    "storage layer, faster start-up and fewer surprises for people who run it themselves."
)


def paragraphs(*texts: str) -> list[Block]:
    return [Block("p", f"<p>{html.escape(t)}</p>", t) for t in texts]


def make_story(
    title: str | None = None,
    *,
    body: list[str] | None = None,
    url: str | None = "auto",
    dek: str = "",
    published: datetime | None = None,
    byline: str = "",
    site_name: str = "",
    owner: User | None = None,
) -> IngestResult:
    n = next(_counter)
    if url == "auto":
        url = f"https://news.example/story-{n}"
    extracted = Extracted(
        title=title or f"Story number {n}",
        blocks=paragraphs(*(body or [f"{LOREM} ({n})", LOREM])),
        dek=dek,
        byline=byline,
        site_name=site_name,
        published=published,
        url=url,
    )
    if owner is not None:
        return store(extracted, origin=StoryRevision.Origin.PASTE, url=url, owner=owner)
    return store(extracted, origin=StoryRevision.Origin.FILE, url=url)
