"""The one way Newsreader reaches the network: fetch a URL a user (or a feed) gave us.

Threat model. URLs come from people and from feeds we do not control, and the server that
fetches them usually sits next to things that must not be reachable from outside: the
database, the cloud metadata service (169.254.169.254), admin panels on 127.0.0.1, other
hosts on the private network. So this module treats every URL, and every redirect, as
hostile:

* Server-side request forgery. Only http and https are fetched. The host is resolved once
  and *every* address it resolves to must be public (not loopback, private, link-local,
  CGNAT, multicast, reserved, documentation, unique-local, ...). IP literals are parsed the
  way the resolver would parse them, so ``2130706433``, ``0x7f.1``, ``0177.0.0.1`` or
  ``[::ffff:7f00:1]`` are recognised as 127.0.0.1, and IPv6 addresses that embed an IPv4
  address (IPv4-mapped, NAT64) are judged by that IPv4 address. ``host[:port]`` entries of
  ``settings.FETCH_ALLOWED_HOSTS`` skip the public check on that port (no port: 80 and 443
  only), for a self-hosted feed on the LAN.
* DNS rebinding. A name could resolve to a public address for the check and to 127.0.0.1 a
  moment later for the connection. We therefore connect to the very address we checked
  (urllib3 pool opened on the IP) and send the real name only in the ``Host`` header and in
  TLS (SNI and certificate verification still use the hostname).
* Redirects are followed by hand, at most ``MAX_REDIRECTS``, and each hop goes through the
  same checks, so a public page cannot bounce us to an internal one.
* Resource exhaustion. A total deadline (``FETCH_TIMEOUT``) covers connecting, headers and
  body: a watchdog shuts the socket down when it passes, so a server that drips one byte a
  second cannot hold a worker. The body is read in chunks and capped at ``max_bytes``
  *while* reading, after decompression (we decompress ourselves with a bounded output size,
  so a small gzip bomb cannot expand into gigabytes).

Known residue: ``getaddrinfo`` cannot be interrupted, so a hanging DNS lookup is bounded
by the system resolver's own timeout rather than by our deadline (it is checked right
after), and a TLS handshake is bounded by the connect timeout per read.

Every failure is a ``FetchError`` whose ``str()`` is a one-line message fit for the user.
"""

import codecs
import contextlib
import http
import http.client
import ipaddress
import re
import socket
import ssl
import threading
import time
import zlib
from dataclasses import dataclass
from functools import cached_property
from typing import Any, cast
from urllib.parse import quote, urljoin, urlsplit

import charset_normalizer
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from urllib3 import HTTPConnectionPool, HTTPResponse, HTTPSConnectionPool
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.exceptions import (
    ConnectTimeoutError,
    HTTPError,
    NewConnectionError,
    ReadTimeoutError,
    SSLError,
)
from urllib3.util import Timeout

__all__ = [
    "DEFAULT_ACCEPT",
    "MAX_REDIRECTS",
    "BadURL",
    "BlockedAddress",
    "ConnectionFailed",
    "FetchError",
    "FetchResult",
    "FetchTimeout",
    "HTTPStatusError",
    "TooLarge",
    "TooManyRedirects",
    "UnsupportedContent",
    "check_url",
    "decode_body",
    "fetch",
    "is_public_address",
]

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

DEFAULT_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
MAX_REDIRECTS = 5
# A server that does not even accept the connection within this is not worth waiting
# for, even when the total deadline would allow more (it also leaves time to try the
# host's next address).
CONNECT_TIMEOUT = 10.0
CHUNK_SIZE = 64 * 1024

_DEFAULT_PORTS = {"http": 80, "https": 443}
_REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})


# --- Errors -------------------------------------------------------------------------------


class FetchError(Exception):
    """Anything that stops a fetch. ``str(error)`` is a one-line message for the user."""


class BadURL(FetchError):
    """The URL is malformed or uses something we never fetch (scheme, userinfo, port)."""


class BlockedAddress(FetchError):
    """The host is, or resolves to, an address that is not public."""


class TooLarge(FetchError):
    """The body (after decompression) is bigger than the cap."""


class TooManyRedirects(FetchError):
    """More than ``MAX_REDIRECTS`` redirects, or a redirect loop."""


class HTTPStatusError(FetchError):
    """The server answered with an error status (4xx/5xx, or a 3xx we cannot follow)."""

    def __init__(self, status: int, reason: str = "") -> None:
        self.status = status
        self.reason = reason or _reason_phrase(status)
        super().__init__(f"The server answered {status} {self.reason}".rstrip())

    def __reduce__(self) -> tuple[Any, ...]:
        # Keep (status, reason) through pickling (task queues store exceptions).
        return (type(self), (self.status, self.reason))


class FetchTimeout(FetchError):
    """The total deadline passed (or the server would not accept the connection)."""


class ConnectionFailed(FetchError):
    """DNS failure, connection refused or reset, TLS failure, broken response."""


class UnsupportedContent(FetchError):
    """The body is encoded in a way we cannot decode (unknown or corrupt compression)."""


def _reason_phrase(status: int) -> str:
    try:
        return http.HTTPStatus(status).phrase
    except ValueError:
        return ""


def _human_size(n: int) -> str:
    mib, kib = 1024 * 1024, 1024
    if n >= mib:
        return f"{n // mib} MB" if n % mib == 0 else f"{n / mib:.1f} MB"
    if n >= kib:
        return f"{n // kib} KB" if n % kib == 0 else f"{n / kib:.1f} KB"
    return f"{n} bytes"


# --- Addresses ----------------------------------------------------------------------------

# Explicit lists on top of ipaddress' own is_global, so the policy is readable here and
# does not silently change with the Python version's view of the IANA registries.
_NOT_PUBLIC_V4 = tuple(
    ipaddress.IPv4Network(net)
    for net in (
        "0.0.0.0/8",  # "this network", unspecified
        "10.0.0.0/8",  # private
        "100.64.0.0/10",  # carrier-grade NAT
        "127.0.0.0/8",  # loopback
        "169.254.0.0/16",  # link-local, cloud metadata
        "172.16.0.0/12",  # private
        "192.0.0.0/24",  # IETF protocol assignments
        "192.0.2.0/24",  # documentation (TEST-NET-1)
        "192.88.99.0/24",  # 6to4 relay anycast
        "192.168.0.0/16",  # private
        "198.18.0.0/15",  # benchmarking
        "198.51.100.0/24",  # documentation (TEST-NET-2)
        "203.0.113.0/24",  # documentation (TEST-NET-3)
        "224.0.0.0/4",  # multicast
        "240.0.0.0/4",  # reserved, and 255.255.255.255 broadcast
    )
)
_NOT_PUBLIC_V6 = tuple(
    ipaddress.IPv6Network(net)
    for net in (
        "::/8",  # unspecified, loopback, IPv4-compatible, IPv4-translated
        "64:ff9b:1::/48",  # local-use NAT64
        "100::/64",  # discard-only
        "2001::/23",  # IETF protocol assignments, including Teredo 2001::/32
        "2001:db8::/32",  # documentation
        "2002::/16",  # 6to4: tunnels to an arbitrary IPv4 host
        "3fff::/20",  # documentation
        "5f00::/16",  # segment routing
        "fc00::/7",  # unique-local
        "fe80::/10",  # link-local
        "fec0::/10",  # site-local (deprecated, still routed internally by some)
        "ff00::/8",  # multicast
    )
)
_IPV4_MAPPED = ipaddress.IPv6Network("::ffff:0:0/96")
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")


def is_public_address(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """True if connecting to ``ip`` reaches the public internet and nothing else."""
    if isinstance(ip, ipaddress.IPv6Address):
        # These reach an IPv4 host, so judge that host: ::ffff:127.0.0.1 is loopback and
        # 64:ff9b::a00:5 is 10.0.0.5 through the NAT64 gateway.
        if ip in _IPV4_MAPPED or ip in _NAT64:
            return is_public_address(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
        if any(ip in net for net in _NOT_PUBLIC_V6):
            return False
    elif any(ip in net for net in _NOT_PUBLIC_V4):
        return False
    # is_global is False for anything IANA marks as not globally reachable; multicast
    # ranges count as "global" there, hence the extra test.
    return ip.is_global and not ip.is_multicast


# A host whose last label is a number is an IPv4 address in the resolver's eyes (decimal,
# octal "0177" or hex "0x7f" parts, 1 to 4 of them); such hosts never go to DNS.
_NUMERIC_LABEL = re.compile(r"(?:0x[0-9a-f]*|[0-9]+)")
_HOSTNAME = re.compile(
    r"[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?(?:\.[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?)*"
)


def _parse_ip_literal(host: str) -> IPAddress | None:
    """The address an IP-literal host means, None for a name; BadURL if it is neither."""
    if ":" in host:
        try:
            return ipaddress.IPv6Address(host)
        except ValueError:
            raise BadURL(f"{host} is not a valid IPv6 address") from None
    if not _NUMERIC_LABEL.fullmatch(host.rsplit(".", 1)[-1]):
        return None
    try:
        return ipaddress.IPv4Address(host)
    except ValueError:
        pass
    # inet_aton accepts the legacy forms (127.1, 0x7f000001, 0177.0.0.1, 2130706433)
    # exactly as getaddrinfo would, so we see the address the connection would reach.
    try:
        return ipaddress.IPv4Address(socket.inet_aton(host))
    except OSError:
        raise BadURL(f"{host} is not a valid address") from None


def _allowed_entry(entry: str) -> tuple[str | IPAddress, int | None] | None:
    """One FETCH_ALLOWED_HOSTS entry, ``host[:port]``: (a lower-case name or an address,
    the port or None); None for a blank entry."""
    entry = entry.strip().lower()
    if not entry:
        return None
    host, port = entry, None
    if entry.startswith("["):  # [v6] or [v6]:port
        host, _, rest = entry[1:].partition("]")
        if rest:
            port = _allowed_port(entry, rest.removeprefix(":"))
    elif entry.count(":") == 1:  # a bare IPv6 address has more than one colon
        host, _, text = entry.partition(":")
        port = _allowed_port(entry, text)
    host = host.rstrip(".")
    try:
        return ipaddress.ip_address(host), port
    except ValueError:
        return host, port


def _allowed_port(entry: str, text: str) -> int:
    if not text.isdigit() or not 0 < int(text) < 65536:
        raise ImproperlyConfigured(f"FETCH_ALLOWED_HOSTS: {entry!r} is not host[:port]")
    return int(text)


def _is_allowed(host: str | IPAddress, port: int) -> bool:
    """Is ``host`` on ``port`` in FETCH_ALLOWED_HOSTS? An entry with a port allows that
    port only; one without allows the default ports (80, 443) only, so listing a LAN feed
    does not open every other service on that machine."""
    for entry in getattr(settings, "FETCH_ALLOWED_HOSTS", []) or []:
        parsed = _allowed_entry(entry)
        if parsed is None or parsed[0] != host:
            continue
        allowed_port = parsed[1]
        if port == allowed_port or (allowed_port is None and port in _DEFAULT_PORTS.values()):
            return True
    return False


def _resolve(host: str, port: int) -> tuple[IPAddress, ...]:
    """All addresses ``host`` resolves to, in the resolver's order of preference."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise ConnectionFailed(f"Could not find the server {host}") from None
    addresses: list[IPAddress] = []
    for family, _type, _proto, _canon, sockaddr in infos:
        if family not in (socket.AF_INET, socket.AF_INET6):
            continue
        ip = ipaddress.ip_address(sockaddr[0])
        if ip not in addresses:
            addresses.append(ip)
    if not addresses:
        raise ConnectionFailed(f"Could not find the server {host}")
    return tuple(addresses)


# --- URLs ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _ParsedURL:
    """A URL taken apart and validated, before anything is resolved."""

    scheme: str
    raw_host: str  # as written (for messages)
    host: str  # lower-case ASCII name, or the canonical text of an IP literal
    port: int
    request_path: str  # path and query, percent-encoded; never a fragment
    literal: IPAddress | None

    @property
    def key(self) -> tuple[str, str, int, str]:
        """What makes two URLs the same request (for redirect-loop detection)."""
        return (self.scheme, self.host, self.port, self.request_path)


@dataclass(frozen=True, slots=True)
class _Target:
    """A checked request: where to connect and what to send."""

    url: _ParsedURL
    addresses: tuple[IPAddress, ...]  # all checked; the connection goes to these only

    @property
    def host(self) -> str:
        return self.url.host

    @property
    def host_header(self) -> str:
        url = self.url
        host = f"[{url.host}]" if ":" in url.host else url.host
        return host if url.port == _DEFAULT_PORTS[url.scheme] else f"{host}:{url.port}"


_CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f]")
_PATH_SAFE = "/%:@!$&'()*+,;=-._~"
_QUERY_SAFE = _PATH_SAFE + "?[]"


def _parse(url: str) -> _ParsedURL:
    url = url.strip()
    if not url:
        raise BadURL("The link is empty")
    # Control characters (CR/LF especially) would let a URL inject headers or requests.
    if _CONTROL_CHARS.search(url):
        raise BadURL("The link contains control characters")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise BadURL(f"Not a valid link: {url[:200]}") from None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS:
        shown = f"{scheme}: links" if scheme else "Links without http:// or https://"
        raise BadURL(f"{shown} cannot be fetched; only http and https")
    # Credentials in a URL are a phishing trick ("https://bank.com@evil.com/") and we
    # have no business sending them anywhere.
    if "@" in parts.netloc:
        raise BadURL("Links with a user name or password are not supported")
    raw_host = (parts.hostname or "").rstrip(".")
    if not raw_host:
        raise BadURL("The link has no host name")
    if port == 0:
        raise BadURL("Port 0 is not a valid port")

    literal = _parse_ip_literal(raw_host)
    if literal is not None:
        host = str(literal)
    else:
        try:
            host = raw_host if raw_host.isascii() else raw_host.encode("idna").decode("ascii")
        except UnicodeError:
            raise BadURL(f"{raw_host} is not a valid host name") from None
        host = host.lower()
        # Anything else (spaces, backslashes, %-escapes) is not a DNS name, and some
        # resolvers would do surprising things with it.
        if len(host) > 253 or not _HOSTNAME.fullmatch(host):
            raise BadURL(f"{raw_host} is not a valid host name")

    path = quote(parts.path or "/", safe=_PATH_SAFE)
    if parts.query:
        path += "?" + quote(parts.query, safe=_QUERY_SAFE)
    return _ParsedURL(scheme, raw_host, host, port or _DEFAULT_PORTS[scheme], path, literal)


def _check(url: _ParsedURL) -> _Target:
    """Resolve and apply the address policy; the returned addresses are the only ones used."""
    if url.literal is not None:
        if not _is_allowed(url.literal, url.port) and not is_public_address(url.literal):
            means = "" if url.raw_host == url.host else f" means {url.host}, which"
            raise BlockedAddress(f"Refused: {url.raw_host}{means} is not a public address")
        return _Target(url, (url.literal,))
    addresses = _resolve(url.host, url.port)
    # The message names the host, never what it resolved to: the answer of the server's
    # own resolver is a map of the private network (it reaches forms, items and stories).
    if not _is_allowed(url.host, url.port) and not all(is_public_address(ip) for ip in addresses):
        raise BlockedAddress(f"Refused: {url.host} is not a public address")
    return _Target(url, addresses)


def check_url(url: str) -> None:
    """Raise BadURL or BlockedAddress if ``url`` must not be fetched; connect to nothing.

    Names are resolved (the only way to know where they point), so a name that does not
    resolve raises ConnectionFailed.
    """
    _check(_parse(url))


def _redirect_url(base: str, location: str) -> str:
    location = location.strip()
    # http.client decodes header bytes as latin-1; servers that put raw UTF-8 in Location
    # mean UTF-8, and _check percent-encodes it again.
    with contextlib.suppress(UnicodeError):
        location = location.encode("latin-1").decode("utf-8")
    return urljoin(base, location)


# --- Connections --------------------------------------------------------------------------


class _Watchdog:
    """Shuts down a fetch's sockets when its deadline passes.

    Socket timeouts bound each read, not the whole: a server that sends one byte per
    second, or an endless header line, would never trip them. Shutting the socket down
    from another thread makes any blocked read return at once.
    """

    def __init__(self, deadline: float) -> None:
        self.deadline = deadline
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        self.fired = False
        self._timer = threading.Timer(max(0.0, deadline - time.monotonic()), self._fire)
        self._timer.daemon = True
        self._timer.start()

    def watch(self, sock: socket.socket) -> None:
        with self._lock:
            self._sockets.append(sock)
            fired = self.fired
        if fired:
            self._shutdown(sock)

    @property
    def expired(self) -> bool:
        # The clock too, not only the flag: the timer thread may be scheduled late.
        return self.fired or time.monotonic() >= self.deadline

    def cancel(self) -> None:
        self._timer.cancel()

    def _fire(self) -> None:
        with self._lock:
            self.fired = True
            sockets = list(self._sockets)
        for sock in sockets:
            self._shutdown(sock)

    @staticmethod
    def _shutdown(sock: socket.socket) -> None:
        # The plain socket method, also on an SSLSocket: SSLSocket.shutdown would drop
        # the SSL object from under the thread that is reading. OSError: already closed.
        with contextlib.suppress(OSError):
            socket.socket.shutdown(sock, socket.SHUT_RDWR)


class _WatchedHTTPConnection(HTTPConnection):
    def __init__(self, *args: Any, watchdog: _Watchdog | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._watchdog = watchdog

    def connect(self) -> None:
        super().connect()
        if self._watchdog is not None and isinstance(self.sock, socket.socket):
            self._watchdog.watch(self.sock)


class _WatchedHTTPSConnection(HTTPSConnection):
    def __init__(self, *args: Any, watchdog: _Watchdog | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._watchdog = watchdog

    def connect(self) -> None:
        super().connect()
        if self._watchdog is not None and isinstance(self.sock, socket.socket):
            self._watchdog.watch(self.sock)


class _HTTPPool(HTTPConnectionPool):
    ConnectionCls = _WatchedHTTPConnection


class _HTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _WatchedHTTPSConnection


def _open_pool(
    scheme: str, ip: IPAddress, port: int, hostname: str, timeout: Timeout, watchdog: _Watchdog
) -> HTTPConnectionPool:
    """A one-connection pool to the checked address ``ip``; never resolves ``hostname``.

    Kept separate so tests can see which address a fetch really connects to.
    """
    if scheme == "https":
        # SNI and certificate verification use the hostname although we connect by IP.
        return _HTTPSPool(
            str(ip),
            port,
            timeout=timeout,
            maxsize=1,
            retries=False,
            cert_reqs="CERT_REQUIRED",
            server_hostname=hostname,
            assert_hostname=hostname,
            watchdog=watchdog,
        )
    return _HTTPPool(str(ip), port, timeout=timeout, maxsize=1, retries=False, watchdog=watchdog)


def _root_cause(exc: BaseException) -> BaseException:
    seen = {id(exc)}
    while True:
        nxt = exc.__cause__ or exc.__context__
        if nxt is None or id(nxt) in seen:
            return exc
        seen.add(id(nxt))
        exc = nxt


def _why(exc: BaseException) -> str:
    """A short lower-case reason ("connection refused") from a low-level exception."""
    cause = _root_cause(exc)
    for candidate in (exc.args[-1] if exc.args else None, cause):
        if isinstance(candidate, OSError) and candidate.strerror:
            return candidate.strerror.lower()
    if isinstance(cause, ssl.SSLCertVerificationError):
        return str(cause.verify_message or cause.reason or "certificate verify failed")
    text = str(cause) or type(cause).__name__
    return text.splitlines()[0][:200]


def _send(
    target: _Target,
    headers: dict[str, str],
    deadline: float,
    timeout_s: float,
    watchdog: _Watchdog,
) -> tuple[HTTPResponse, HTTPConnectionPool]:
    """Send the GET to the first checked address that accepts a connection."""
    last_error: ConnectTimeoutError | None = None
    for ip in target.addresses:
        remaining = deadline - time.monotonic()
        if remaining <= 0 or watchdog.fired:
            raise FetchTimeout(f"Timed out after {timeout_s:g} s")
        timeout = Timeout(connect=min(remaining, CONNECT_TIMEOUT), read=remaining)
        pool = _open_pool(target.url.scheme, ip, target.url.port, target.host, timeout, watchdog)
        try:
            response = pool.urlopen(
                "GET",
                target.url.request_path,
                headers={**headers, "Host": target.host_header},
                redirect=False,
                retries=False,
                preload_content=False,
                decode_content=False,
                release_conn=False,
            )
        except ConnectTimeoutError as exc:
            # Refused, unreachable or not answering (NewConnectionError is a subclass):
            # nothing was sent, so the host's next checked address may be tried.
            pool.close()
            last_error = exc
            continue
        except Exception as exc:
            pool.close()
            mapped = _map_error(exc, target, timeout_s, watchdog)
            if mapped is exc:
                raise
            raise mapped from exc
        # preload_content=False on an HTTPConnectionPool always gives urllib3's HTTPResponse.
        return cast(HTTPResponse, response), pool
    assert last_error is not None  # there is always at least one address
    raise _map_error(last_error, target, timeout_s, watchdog) from last_error


def _map_error(exc: Exception, target: _Target, timeout_s: float, watchdog: _Watchdog) -> Exception:
    """The FetchError for a low-level failure; anything unexpected (a bug) is returned as is."""
    if isinstance(exc, FetchError):
        return exc
    # Whatever broke after the deadline broke because of it (the watchdog cut it).
    if watchdog.expired or isinstance(exc, ReadTimeoutError):
        return FetchTimeout(f"Timed out after {timeout_s:g} s")
    if isinstance(exc, NewConnectionError):
        return ConnectionFailed(f"Could not connect to {target.host} ({_why(exc)})")
    if isinstance(exc, ConnectTimeoutError):
        return FetchTimeout(f"Timed out connecting to {target.host}")
    if isinstance(exc, SSLError):
        return ConnectionFailed(
            f"Could not make a secure connection to {target.host} ({_why(exc)})"
        )
    if isinstance(exc, (HTTPError, OSError, http.client.HTTPException)):
        return ConnectionFailed(f"The connection to {target.host} failed ({_why(exc)})")
    return exc


# --- Bodies -------------------------------------------------------------------------------


class _Decompressor:
    """gzip/deflate with a bounded output size per call (decompression-bomb safe)."""

    def __init__(self, coding: str) -> None:
        self._coding = coding
        self._obj: Any = None  # zlib._Decompress; created once the first bytes show the format
        self._head = b""  # the first byte of a stream, until there are two to look at
        self._streams = 0  # streams (gzip members) finished so far
        self._done = False  # past the end of the data; anything more is ignored

    def _new(self, first: bytes) -> Any:
        if self._coding == "gzip":
            # 32+: accept a zlib header too; some servers label zlib data "gzip".
            return zlib.decompressobj(32 + zlib.MAX_WBITS)
        # "deflate" should be zlib-wrapped; some servers send a raw deflate stream.
        wrapped = first[0] & 0x0F == 8 and ((first[0] << 8) | first[1]) % 31 == 0
        return zlib.decompressobj(zlib.MAX_WBITS if wrapped else -zlib.MAX_WBITS)

    def decompress(self, data: bytes, max_length: int) -> bytes:
        """At most ``max_length`` bytes; if fewer come out, all of ``data`` was consumed."""
        out = bytearray()
        try:
            while data and len(out) < max_length and not self._done:
                if self._obj is None:
                    data, self._head = self._head + data, b""
                    if len(data) < 2:
                        self._head = data
                        break
                    # Concatenated gzip members are one body; anything else after the end
                    # of the data (some servers pad with zeros) is ignored.
                    if self._streams and not (self._coding == "gzip" and data[:2] == b"\x1f\x8b"):
                        self._done = True
                        break
                    self._obj = self._new(data)
                out += self._obj.decompress(data, max_length - len(out))
                if self._obj.eof:
                    data = self._obj.unused_data
                    self._obj = None
                    self._streams += 1
                else:
                    data = self._obj.unconsumed_tail
        except zlib.error:
            raise UnsupportedContent("The page's compressed data is corrupt") from None
        return bytes(out)


def _content_coding(headers: dict[str, str]) -> str | None:
    codings = [
        c.strip().lower() for c in headers.get("content-encoding", "").split(",") if c.strip()
    ]
    codings = [c for c in codings if c != "identity"]
    if not codings:
        return None
    if codings in (["gzip"], ["x-gzip"]):
        return "gzip"
    if codings == ["deflate"]:
        return "deflate"
    # We only advertise gzip and deflate; anything else (br, zstd, stacked codings) is
    # something we could not cap safely without a decoder we trust.
    raise UnsupportedContent(
        f"The server used a compression we do not support ({headers['content-encoding']})"
    )


def _read_body(
    response: HTTPResponse,
    headers: dict[str, str],
    limit: int,
    timeout_s: float,
    watchdog: _Watchdog,
    target: _Target,
) -> bytes:
    too_large = f"The page is larger than {_human_size(limit)}"
    # Fail before reading anything when the server announces too much.
    lengths = {v.strip() for v in headers.get("content-length", "").split(",") if v.strip()}
    if any(v.isdigit() and int(v) > limit for v in lengths):
        raise TooLarge(too_large)
    coding = _content_coding(headers)
    decompressor = _Decompressor(coding) if coding else None
    body = bytearray()
    wire_bytes = 0
    try:
        while True:
            # read1: one recv at most, so the deadline is looked at between small reads.
            chunk = response.read1(CHUNK_SIZE, decode_content=False)
            if watchdog.expired:
                raise FetchTimeout(f"Timed out after {timeout_s:g} s")
            if not chunk:
                break
            # Also cap what comes off the wire: a compressed stream can decode to nothing.
            wire_bytes += len(chunk)
            if wire_bytes > limit:
                raise TooLarge(too_large)
            if decompressor is not None:
                # One byte over the cap is enough to know; never inflate more than that.
                chunk = decompressor.decompress(chunk, limit - len(body) + 1)
            body += chunk
            if len(body) > limit:
                raise TooLarge(too_large)
    except FetchError:
        raise
    except Exception as exc:
        mapped = _map_error(exc, target, timeout_s, watchdog)
        if mapped is exc:
            raise
        raise mapped from exc
    return bytes(body)


# --- Charsets -----------------------------------------------------------------------------

# Labels browsers decode as a superset (WHATWG Encoding Standard): pages that say
# ISO-8859-1 routinely contain windows-1252 curly quotes, and so on.
_SUPERSETS = {
    "ascii": "cp1252",
    "iso8859-1": "cp1252",
    "iso8859-9": "cp1254",
    "tis-620": "cp874",
    "iso8859-11": "cp874",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "euc_kr": "cp949",
    "shift_jis": "cp932",
}
_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_PRESCAN_BYTES = 8192
_CHARSET_PARAM = re.compile(r"""charset\s*=\s*["']?\s*([\w.:-]+)""", re.IGNORECASE)
_XML_DECL = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([\w.:-]+)""", re.IGNORECASE)
_META_CHARSET = re.compile(rb"""<meta\b[^>]*?charset\s*=\s*["']?\s*([\w.:-]+)""", re.IGNORECASE)


def _codec(label: str | None) -> str | None:
    """Python codec for a charset label, with browser supersets; None if unknown."""
    if not label:
        return None
    try:
        name = codecs.lookup(label.strip().strip("\"'")).name
    except LookupError:
        return None
    return _SUPERSETS.get(name, name)


def _header_charset(content_type_header: str | None) -> str | None:
    if not content_type_header:
        return None
    match = _CHARSET_PARAM.search(content_type_header)
    return _codec(match.group(1)) if match else None


def _declared_charset(content: bytes) -> str | None:
    head = content[:_PRESCAN_BYTES]
    match = _XML_DECL.match(head) or _META_CHARSET.search(head)
    if not match:
        return None
    codec = _codec(match.group(1).decode("ascii"))
    # A declaration we could read as ASCII cannot be in UTF-16; browsers take UTF-8.
    if codec is not None and codec.startswith("utf-16"):
        return "utf-8"
    return codec


def decode_body(content: bytes, content_type_header: str | None) -> tuple[str, str]:
    """Decode a body the way a browser would; returns (text, Python codec name).

    Order: byte-order mark, charset in the Content-Type header, <meta charset> /
    <meta http-equiv> or the XML declaration, valid UTF-8, charset_normalizer's guess,
    and finally UTF-8 with replacement characters.
    """
    for bom, bom_encoding in _BOMS:
        if content.startswith(bom):
            return content[len(bom) :].decode(bom_encoding, errors="replace"), bom_encoding
    encoding = _header_charset(content_type_header) or _declared_charset(content)
    if encoding is None:
        try:
            return content.decode("utf-8"), "utf-8"
        except UnicodeDecodeError:
            pass
        best = charset_normalizer.from_bytes(content).best()
        encoding = (_codec(best.encoding) if best is not None else None) or "utf-8"
    return content.decode(encoding, errors="replace"), encoding


# --- Fetch --------------------------------------------------------------------------------


@dataclass(frozen=True)
class FetchResult:
    url: str  # as requested
    final_url: str  # after redirects
    status: int
    content_type: str  # media type, lower-case ("text/html"); "" if the server sent none
    encoding: str | None  # charset from the Content-Type header (Python codec name), if any
    content: bytes  # decompressed body; b"" when not_modified
    headers: dict[str, str]  # lower-cased names; repeated headers joined with ", "
    not_modified: bool = False  # 304 answer to a conditional GET

    @cached_property
    def text(self) -> str:
        """The body decoded (see decode_body); computed once, on first use."""
        return decode_body(self.content, self.headers.get("content-type"))[0]


def fetch(
    url: str,
    *,
    accept: str = DEFAULT_ACCEPT,
    etag: str | None = None,
    last_modified: str | None = None,
    max_bytes: int | None = None,
) -> FetchResult:
    """GET ``url`` safely (see the module docstring); raise a FetchError on any failure.

    ``etag``/``last_modified`` make it a conditional GET (If-None-Match /
    If-Modified-Since); a 304 comes back as ``FetchResult(not_modified=True)``.
    """
    limit = settings.FETCH_MAX_BYTES if max_bytes is None else max_bytes
    timeout_s = float(settings.FETCH_TIMEOUT)
    deadline = time.monotonic() + timeout_s
    headers = {
        "User-Agent": settings.FETCH_USER_AGENT,
        "Accept": accept,
        "Accept-Encoding": "gzip, deflate",
    }
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified

    watchdog = _Watchdog(deadline)
    try:
        current = url
        seen: set[tuple[str, str, int, str]] = set()
        for _hop in range(MAX_REDIRECTS + 1):
            parsed = _parse(current)
            if parsed.key in seen:
                raise TooManyRedirects("The page redirects in a loop")
            seen.add(parsed.key)
            target = _check(parsed)
            if watchdog.expired:  # DNS may have eaten the budget
                raise FetchTimeout(f"Timed out after {timeout_s:g} s")
            response, pool = _send(target, headers, deadline, timeout_s, watchdog)
            try:
                status = response.status
                response_headers = {k.lower(): v for k, v in response.headers.itermerged()}
                location = response_headers.get("location")
                if status in _REDIRECT_STATUSES and location:
                    current = _redirect_url(current, location)
                    continue
                content_type_header = response_headers.get("content-type", "")
                content_type = content_type_header.split(";", 1)[0].strip().lower()
                encoding = _header_charset(content_type_header)
                if status == 304:
                    return FetchResult(
                        url, current, status, content_type, encoding, b"", response_headers, True
                    )
                if status >= 300:
                    raise HTTPStatusError(status, response.reason or "")
                content = _read_body(response, response_headers, limit, timeout_s, watchdog, target)
                return FetchResult(
                    url, current, status, content_type, encoding, content, response_headers
                )
            finally:
                response.close()
                pool.close()
        raise TooManyRedirects(f"Too many redirects (more than {MAX_REDIRECTS})")
    finally:
        watchdog.cancel()
