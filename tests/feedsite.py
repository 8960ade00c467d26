"""A small news site on the local test server: article pages and feeds about them.

Use the `site` fixture (import `site_fixture` into the test module):

    def test_something(site):
        url = site.article("/a", "A title", words=120)
        feed_url = site.rss("/feed.xml", [site.item("/a", "A title")])
"""

from __future__ import annotations

import html
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime

import pytest
from django.tasks import TaskResultStatus
from django.tasks.signals import task_finished

from tests.httpserver import LocalServer

SENTENCES = [
    "The maintainers said the release focuses on reliability and a faster start-up.",
    "Operators who run the software themselves asked for fewer surprises during upgrades.",
    "A rewritten storage layer keeps writes ordered even when the disk fills up.",
    "Benchmarks published with the release show lower latency under sustained load.",
    "Older platforms lose support, and their users are told to stay on the previous series.",
    "The project plans a long-term support branch for organisations that upgrade slowly.",
]


def paragraphs(words: int, seed: str = "") -> list[str]:
    """Prose of at least `words` words, varied by `seed` so two articles differ."""
    out: list[str] = []
    count = 0
    i = 0
    while count < words:
        sentence = SENTENCES[i % len(SENTENCES)]
        text = f"{sentence} {seed} paragraph {i + 1} adds detail.".replace("  ", " ")
        out.append(text)
        count += len(text.split())
        i += 1
    return out


def article_page(
    title: str,
    body: Sequence[str],
    *,
    canonical: str | None = None,
    published: str | None = None,
    feed_links: Sequence[tuple[str, str]] = (),
) -> bytes:
    head = [f"<title>{html.escape(title)}</title>"]
    if canonical:
        head.append(f'<link rel="canonical" href="{html.escape(canonical)}">')
    if published:
        head.append(f'<meta property="article:published_time" content="{published}">')
    for kind, href in feed_links:
        head.append(f'<link rel="alternate" type="{kind}" title="Feed" href="{html.escape(href)}">')
    paras = "".join(f"<p>{html.escape(p)}</p>" for p in body)
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        + "".join(head)
        + "</head><body><header><nav><a href='/'>Home</a></nav></header>"
        + f"<main><article><h1>{html.escape(title)}</h1>{paras}</article></main>"
        + "<footer><p>© Example News</p></footer></body></html>"
    ).encode()


@dataclass
class Item:
    title: str
    link: str
    guid: str
    description: str = ""
    published: datetime | None = None


def rss(
    items: Sequence[Item], *, title: str = "Example News", link: str = "", channel: str = ""
) -> bytes:
    """An RSS 2.0 feed; `channel` is extra markup for the channel (<ttl>, sy:…)."""
    entries = []
    for item in items:
        date = f"<pubDate>{format_datetime(item.published)}</pubDate>" if item.published else ""
        entries.append(
            "<item>"
            f"<title>{html.escape(item.title)}</title><link>{html.escape(item.link)}</link>"
            f"<guid isPermaLink='false'>{html.escape(item.guid)}</guid>"
            f"<description>{html.escape(item.description)}</description>{date}"
            "</item>"
        )
    return (
        '<?xml version="1.0" encoding="utf-8"?>'
        '<rss version="2.0" xmlns:sy="http://purl.org/rss/1.0/modules/syndication/"><channel>'
        f"<title>{html.escape(title)}</title><link>{html.escape(link)}</link>"
        f"<description>Test feed</description>{channel}" + "".join(entries) + "</channel></rss>"
    ).encode()


def atom(items: Sequence[Item], *, title: str = "Example Atom", link: str = "") -> bytes:
    entries = []
    for item in items:
        when = (item.published or datetime(2026, 1, 1, tzinfo=UTC)).isoformat()
        entries.append(
            "<entry>"
            f"<title>{html.escape(item.title)}</title>"
            f'<link rel="alternate" href="{html.escape(item.link)}"/>'
            f"<id>{html.escape(item.guid)}</id><updated>{when}</updated>"
            f'<content type="html">{html.escape(item.description)}</content>'
            "</entry>"
        )
    return (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        f'<title>{html.escape(title)}</title><link href="{html.escape(link)}"/>'
        "<id>urn:test</id><updated>2026-01-01T00:00:00Z</updated>" + "".join(entries) + "</feed>"
    ).encode()


class Site:
    def __init__(self, server: LocalServer) -> None:
        self.server = server

    def url(self, path: str) -> str:
        return self.server.url(path)

    def article(
        self, path: str, title: str, *, words: int = 120, seed: str = "", **kwargs: object
    ) -> str:
        body = article_page(title, paragraphs(words, seed or title), **kwargs)  # type: ignore[arg-type]
        self.server.route(path, body, headers={"Content-Type": "text/html; charset=utf-8"})
        return self.url(path)

    def item(self, path: str, title: str, *, description: str = "", **kwargs: object) -> Item:
        return Item(
            title=title,
            link=self.url(path),
            guid=kwargs.pop("guid", f"guid:{path}"),  # type: ignore[arg-type]
            description=description or f"Summary of {title}.",
            **kwargs,  # type: ignore[arg-type]
        )

    def rss(self, path: str, items: Sequence[Item], **kwargs: str) -> str:
        self.server.route(
            path, rss(items, **kwargs), headers={"Content-Type": "application/rss+xml"}
        )
        return self.url(path)

    def atom(self, path: str, items: Sequence[Item], **kwargs: str) -> str:
        self.server.route(
            path, atom(items, **kwargs), headers={"Content-Type": "application/atom+xml"}
        )
        return self.url(path)


@pytest.fixture(name="site")
def site_fixture(local_server: LocalServer, settings: object) -> Iterator[Site]:
    """The local server as a news site; a background task that crashes fails the test
    (the immediate backend would only record it)."""
    # The test server's port only, as an operator lists a LAN feed (host:port).
    settings.FETCH_ALLOWED_HOSTS = [  # type: ignore[attr-defined]
        f"127.0.0.1:{local_server.port}",
        f"localhost:{local_server.port}",
    ]
    settings.FETCH_TIMEOUT = 5  # type: ignore[attr-defined]
    crashed: list[str] = []

    def on_finished(sender: object, task_result: object, **kwargs: object) -> None:
        if task_result.status == TaskResultStatus.FAILED:  # type: ignore[attr-defined]
            crashed.extend(e.traceback for e in task_result.errors)  # type: ignore[attr-defined]

    task_finished.connect(on_finished, weak=False)
    try:
        yield Site(local_server)
    finally:
        task_finished.disconnect(on_finished)
    assert not crashed, "\n".join(crashed)
