"""A local HTTP server for tests that must never leave the machine.

A threaded ``http.server`` on 127.0.0.1 with a random port. A test registers routes and
then points the code under test at ``server.url("/path")``::

    def test_something(local_server):
        local_server.add("/page", (200, {"Content-Type": "text/html"}, b"<p>hi</p>"))
        local_server.redirect("/old", "/page")
        local_server.add("/slow", Response(body=drip(b"x" * 100, interval=0.1)))
        local_server.add("/etag", lambda request: (304, {}, b"")
                         if request.headers.get("if-none-match") == '"v1"'
                         else (200, {"ETag": '"v1"'}, b"body"))
        ...
        assert local_server.requests_to("/etag")[0].headers["if-none-match"] == '"v1"'

A route is ``(status, headers, body)``, a ``Response`` (adds ``delay`` before the status
line), or a callable taking the ``Request`` and returning either. ``body`` is bytes or any
iterable of bytes; an iterable is streamed as it is produced (no Content-Length unless
you set one, connection closed at the end; ``Transfer-Encoding: chunked`` in the headers
frames it as chunks), which is how slow (``drip``) and endless (``Stream``) bodies work.
Headers you set are sent as given, so a test can lie (e.g. a huge Content-Length).
Unknown paths answer 404. Every request is recorded, with lower-cased header names.

Use the ``local_server`` fixture (``from tests.httpserver import local_server`` in a
conftest), or ``with LocalServer(ssl_context=ctx) as server:`` for HTTPS.
"""

from __future__ import annotations

import contextlib
import ssl
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

Body = bytes | Iterable[bytes]
Headers = Mapping[str, str] | Sequence[tuple[str, str]]


@dataclass(frozen=True)
class Request:
    method: str
    path: str  # as sent, including the query string
    headers: dict[str, str]  # lower-cased names
    body: bytes


@dataclass
class Response:
    status: int = 200
    headers: Headers = ()
    body: Body = b""
    delay: float = 0.0  # seconds to wait before sending anything at all


Route = (
    Response
    | tuple[int, Headers, Body]
    | Callable[[Request], "Response | tuple[int, Headers, Body]"]
)


def drip(data: bytes, *, chunk_size: int = 1, interval: float = 0.1) -> Iterator[bytes]:
    """Yield ``data`` a little at a time, sleeping between pieces (a slow server)."""
    for start in range(0, len(data), chunk_size):
        if start:
            time.sleep(interval)
        yield data[start : start + chunk_size]


@dataclass
class Stream:
    """An iterable body of ``total`` bytes (endless if None) that counts what it sent."""

    chunk: bytes = b"x" * 65536
    total: int | None = None
    sent: int = field(default=0, init=False)

    def __iter__(self) -> Iterator[bytes]:
        while self.total is None or self.sent < self.total:
            piece = self.chunk if self.total is None else self.chunk[: self.total - self.sent]
            self.sent += len(piece)
            yield piece


def _as_response(result: Response | tuple[int, Headers, Body]) -> Response:
    if isinstance(result, Response):
        return result
    status, headers, body = result
    return Response(status, headers, body)


class LocalServer:
    """A threaded HTTP(S) server on 127.0.0.1; see the module docstring."""

    host = "127.0.0.1"

    def __init__(self, ssl_context: ssl.SSLContext | None = None) -> None:
        self._routes: dict[str, Route] = {}
        self._requests: list[Request] = []
        self._lock = threading.Lock()
        self.errors: list[BaseException] = []  # exceptions in handlers, for debugging
        self.scheme = "https" if ssl_context else "http"
        self._httpd = _Server((self.host, 0), _Handler, self)
        if ssl_context is not None:
            # Handshake in the handler thread (on first read), not in the accept loop.
            self._httpd.socket = ssl_context.wrap_socket(
                self._httpd.socket, server_side=True, do_handshake_on_connect=False
            )
        self.port: int = self._httpd.server_address[1]
        # A short poll interval: shutdown() waits up to one interval, once per test.
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()

    # -- routes --

    def add(self, path: str, route: Route) -> None:
        """Answer ``path`` (matched with its query string first, then without)."""
        with self._lock:
            self._routes[path] = route

    def route(
        self,
        path: str,
        body: Body = b"",
        *,
        status: int = 200,
        headers: Headers = (),
        delay: float = 0.0,
    ) -> None:
        self.add(path, Response(status, headers, body, delay))

    def redirect(self, path: str, location: str, status: int = 302) -> None:
        self.add(path, (status, {"Location": location}, b""))

    # -- addresses --

    def url(self, path: str = "/", host: str | None = None) -> str:
        return f"{self.scheme}://{host or self.host}:{self.port}{path}"

    @property
    def base_url(self) -> str:
        return self.url("")

    # -- what was received --

    @property
    def requests(self) -> list[Request]:
        with self._lock:
            return list(self._requests)

    def requests_to(self, path: str) -> list[Request]:
        return [r for r in self.requests if r.path == path or r.path.split("?", 1)[0] == path]

    # -- lifecycle --

    def close(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> LocalServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- used by the handler --

    def _record(self, request: Request) -> Route | None:
        with self._lock:
            self._requests.append(request)
            path_only = request.path.split("?", 1)[0]
            return self._routes.get(request.path, self._routes.get(path_only))


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # a handler still dripping must not hold up close()

    def __init__(
        self, address: tuple[str, int], handler: type[_Handler], owner: LocalServer
    ) -> None:
        self.owner = owner
        super().__init__(address, handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Clients hanging up mid-response is what half these tests are about; keep the
        # exception for debugging instead of printing a traceback.
        exc = sys.exc_info()[1]
        if exc is not None:
            self.owner.errors.append(exc)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self._serve()

    def do_HEAD(self) -> None:
        self._serve(send_body=False)

    def do_POST(self) -> None:
        self._serve()

    def _serve(self, send_body: bool = True) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        request = Request(
            method=self.command,
            path=self.path,
            headers={k.lower(): v for k, v in self.headers.items()},
            body=self.rfile.read(length) if length else b"",
        )
        route = self.server.owner._record(request)
        if route is None:
            response = Response(404, {"Content-Type": "text/plain"}, b"not found")
        elif callable(route):
            response = _as_response(route(request))
        else:
            response = _as_response(route)
        if response.delay:
            time.sleep(response.delay)

        items = list(
            response.headers.items() if isinstance(response.headers, Mapping) else response.headers
        )
        names = {k.lower() for k, _ in items}
        chunked = any(k.lower() == "transfer-encoding" and "chunked" in v.lower() for k, v in items)
        body = response.body
        if isinstance(body, bytes) and "content-length" not in names and not chunked:
            items.append(("Content-Length", str(len(body))))
        # One request per connection keeps close-delimited bodies and tests simple.
        items.append(("Connection", "close"))
        self.close_connection = True

        try:
            self.send_response(response.status)
            for name, value in items:
                self.send_header(name, value)
            self.end_headers()
            if not send_body:
                return
            pieces = [body] if isinstance(body, bytes) else body
            for piece in pieces:
                if not piece:
                    continue
                if chunked:
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
                else:
                    self.wfile.write(piece)
            if chunked:
                self.wfile.write(b"0\r\n\r\n")
        except OSError:  # BrokenPipe, ConnectionReset, SSL errors
            # The client gave up (size cap, timeout): expected, stop producing.
            with contextlib.suppress(Exception):
                close = getattr(body, "close", None)
                if close is not None:
                    close()


@pytest.fixture
def local_server() -> Iterator[LocalServer]:
    """A running LocalServer, closed after the test."""
    with LocalServer() as server:
        yield server
