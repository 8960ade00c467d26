"""Pages the import fixtures (tests/fixtures/imports/) point at, served by the local test
server. The fixtures name the host ``http://news.test``; ``fixture()`` reads one with
that host replaced by the server's address."""

from __future__ import annotations

import html
import io
import zipfile
from pathlib import Path

from tests.httpserver import LocalServer

FIXTURES = Path(__file__).parent / "fixtures" / "imports"
HOST = "http://news.test"

PAGES = {
    "/rust": (
        "Rust in the kernel",
        [
            "The kernel maintainers agreed to accept drivers written in Rust from the next "
            "release on, after two years of experiments in a separate tree.",
            "Memory safety bugs account for most of the security fixes shipped in the last "
            "five years, the maintainers said when they announced the decision.",
            "A rewritten storage layer keeps writes ordered even when the disk fills up.",
            "Drivers in C remain welcome, and nobody will be asked to rewrite working code "
            "that has served users well for decades.",
        ],
    ),
    "/storage": (
        "The storage rewrite",
        [
            "The maintainers said the release focuses on reliability and a faster start-up "
            "for everyone who runs it.",
            "A rewritten storage layer keeps writes ordered even when the disk fills up, "
            "which was the most requested fix.",
            "Benchmarks published with the release show lower latency under sustained load "
            "on ordinary hardware.",
        ],
    ),
    "/policy": (
        "Support policy",
        [
            "Older platforms lose support, and their users are told to stay on the previous "
            "series for another year while they plan their upgrades.",
            "The project plans a long-term support branch for organisations that upgrade "
            "slowly and need security fixes for three years.",
        ],
    ),
}


def page(title: str, paragraphs: list[str]) -> bytes:
    body = "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title></head><body><main><article>"
        f"<h1>{html.escape(title)}</h1>{body}</article></main></body></html>"
    ).encode()


def serve(server: LocalServer) -> None:
    for path, (title, paragraphs) in PAGES.items():
        server.route(path, page(title, paragraphs), headers={"Content-Type": "text/html"})


def fixture(name: str, server: LocalServer) -> bytes:
    return (
        (FIXTURES / name).read_bytes().replace(HOST.encode(), server.url("").rstrip("/").encode())
    )


def omnivore_zip(server: LocalServer, folder: str = "omnivore") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted((FIXTURES / folder).rglob("*")):
            if path.is_file():
                name = path.relative_to(FIXTURES / folder).as_posix()
                archive.writestr(name, fixture(f"{folder}/{name}", server))
    return buffer.getvalue()
