"""Tests for articles.ingest.fetch: the only code that talks to the network.

Everything runs against tests/httpserver.py on 127.0.0.1 (listed in FETCH_ALLOWED_HOSTS
where a test needs to reach it) or against a fake resolver; nothing leaves the machine.
"""

import gzip
import ipaddress
import pickle
import socket
import ssl
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from articles.ingest import fetch as fetch_module
from articles.ingest.fetch import (
    BadURL,
    BlockedAddress,
    ConnectionFailed,
    FetchError,
    FetchTimeout,
    HTTPStatusError,
    TooLarge,
    TooManyRedirects,
    UnsupportedContent,
    check_url,
    decode_body,
    fetch,
    is_public_address,
)
from tests.httpserver import LocalServer, Request, Response, Stream, drip

PUBLIC_IP = "93.184.216.34"


# --- fixtures -----------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def fetch_settings(settings):
    """Known settings whatever the environment says; short timeout keeps tests fast."""
    settings.FETCH_ALLOWED_HOSTS = []
    settings.FETCH_TIMEOUT = 5
    settings.FETCH_MAX_BYTES = 5 * 1024 * 1024
    settings.FETCH_USER_AGENT = "Newsreader-test/1.0"
    return settings


@pytest.fixture
def allow_local(settings, local_server):
    settings.FETCH_ALLOWED_HOSTS = [f"127.0.0.1:{local_server.port}"]


class FakeDNS:
    """socket.getaddrinfo replacement: names from ``records``, no real lookups of names."""

    def __init__(self, real: Callable[..., list]) -> None:
        self.records: dict[str, list[str] | Callable[[], list[str]]] = {}
        self.calls: list[str] = []
        self._real = real

    def __call__(self, host, port, *args, **kwargs):
        host_text = host.decode() if isinstance(host, bytes) else str(host)
        self.calls.append(host_text)
        if host_text in self.records:
            entry = self.records[host_text]
            ips = entry() if callable(entry) else entry
            result = []
            for ip in ips:
                if ":" in ip:
                    result.append((socket.AF_INET6, socket.SOCK_STREAM, 6, "", (ip, port, 0, 0)))
                else:
                    result.append((socket.AF_INET, socket.SOCK_STREAM, 6, "", (ip, port)))
            return result
        try:
            ipaddress.ip_address(host_text.strip("[]").split("%")[0])
        except ValueError:
            if host_text != "localhost":
                raise socket.gaierror(socket.EAI_NONAME, "Name or service not known") from None
        return self._real(host, port, *args, **kwargs)  # IP literals and /etc/hosts only


@pytest.fixture
def fake_dns(monkeypatch) -> FakeDNS:
    dns = FakeDNS(socket.getaddrinfo)
    dns.records.update(
        {
            "public.test": [PUBLIC_IP],
            "public6.test": ["2606:4700:4700::1111"],
            "private.test": ["10.0.0.5"],
            "metadata.test": ["169.254.169.254"],
            "mixed.test": [PUBLIC_IP, "10.0.0.5"],
            "v6local.test": ["fd00::1"],
            "mapped.test": ["::ffff:127.0.0.1"],
            "xn--bcher-kva.test": [PUBLIC_IP],
        }
    )
    monkeypatch.setattr(socket, "getaddrinfo", dns)
    return dns


# --- address policy -----------------------------------------------------------------------

ADDRESSES = [
    # public
    ("8.8.8.8", True),
    ("1.1.1.1", True),
    (PUBLIC_IP, True),
    ("2606:4700:4700::1111", True),
    ("2a00:1450:4001:82b::200e", True),
    ("::ffff:8.8.8.8", True),  # IPv4-mapped public
    ("64:ff9b::808:808", True),  # NAT64 of 8.8.8.8
    # loopback / unspecified / broadcast
    ("127.0.0.1", False),
    ("127.255.255.254", False),
    ("0.0.0.0", False),  # noqa: S104
    ("0.1.2.3", False),
    ("255.255.255.255", False),
    ("::1", False),
    ("::", False),
    # private, CGNAT, link-local (cloud metadata)
    ("10.0.0.5", False),
    ("172.16.0.1", False),
    ("172.31.255.255", False),
    ("192.168.1.1", False),
    ("100.64.0.1", False),
    ("100.127.255.255", False),
    ("169.254.169.254", False),
    # multicast, reserved, benchmarking, documentation, protocol assignments
    ("224.0.0.1", False),
    ("239.255.255.250", False),
    ("240.0.0.1", False),
    ("198.18.0.1", False),
    ("192.0.2.1", False),
    ("198.51.100.7", False),
    ("203.0.113.9", False),
    ("192.0.0.8", False),
    ("192.88.99.1", False),
    # IPv6 special ranges
    ("fe80::1", False),
    ("fc00::1", False),
    ("fd12:3456:789a::1", False),
    ("fec0::1", False),
    ("ff02::1", False),
    ("2001:db8::1", False),
    ("3fff::1", False),
    ("100::1", False),
    ("64:ff9b:1::a00:5", False),
    # IPv6 forms that smuggle an IPv4 address
    ("::ffff:127.0.0.1", False),
    ("::ffff:7f00:1", False),
    ("::ffff:10.0.0.5", False),
    ("::ffff:169.254.169.254", False),
    ("::127.0.0.1", False),  # IPv4-compatible (deprecated)
    ("64:ff9b::7f00:1", False),  # NAT64 of 127.0.0.1
    ("64:ff9b::a00:5", False),  # NAT64 of 10.0.0.5
    ("2002:7f00:1::1", False),  # 6to4 of 127.0.0.1
    ("2002:0808:0808::1", False),  # 6to4 at all
    ("2001:0:4136:e378:8000:63bf:3fff:fdd2", False),  # Teredo
]


@pytest.mark.parametrize(("address", "public"), ADDRESSES)
def test_it_classifies_addresses(address, public):
    assert is_public_address(ipaddress.ip_address(address)) is public


# The policy's own lists, on top of Python's view of the IANA registries (is_global): each
# layer must refuse these on its own, so neither can silently weaken the other.
NOT_PUBLIC_RANGES = [
    "0.0.0.0/8",
    "10.0.0.0/8",
    "100.64.0.0/10",
    "127.0.0.0/8",
    "169.254.0.0/16",
    "172.16.0.0/12",
    "192.0.0.0/24",
    "192.0.2.0/24",
    "192.88.99.0/24",
    "192.168.0.0/16",
    "198.18.0.0/15",
    "198.51.100.0/24",
    "203.0.113.0/24",
    "224.0.0.0/4",
    "240.0.0.0/4",
    "::/8",
    "64:ff9b:1::/48",
    "100::/64",
    "2001::/23",
    "2001:db8::/32",
    "2002::/16",
    "3fff::/20",
    "5f00::/16",
    "fc00::/7",
    "fe80::/10",
    "fec0::/10",
    "ff00::/8",
]


@pytest.mark.parametrize("network", NOT_PUBLIC_RANGES)
def test_the_policy_lists_refuse_each_range_whatever_python_says(monkeypatch, network):
    for cls in (ipaddress.IPv4Address, ipaddress.IPv6Address):
        monkeypatch.setattr(cls, "is_global", property(lambda self: True))
        monkeypatch.setattr(cls, "is_multicast", property(lambda self: False))
    net = ipaddress.ip_network(network)
    assert not is_public_address(net[0])
    assert not is_public_address(net[-1])
    assert is_public_address(ipaddress.ip_address("8.8.8.8"))


@pytest.mark.parametrize(
    "address",
    ["10.0.0.5", "127.0.0.1", "169.254.169.254", "224.0.0.1", "239.255.255.250", "::1",
     "fe80::1", "fd00::1", "ff0e::1", "::ffff:10.0.0.5"],
)  # fmt: skip
def test_without_the_lists_python_and_the_multicast_check_still_refuse(monkeypatch, address):
    monkeypatch.setattr(fetch_module, "_NOT_PUBLIC_V4", ())
    monkeypatch.setattr(fetch_module, "_NOT_PUBLIC_V6", ())
    assert not is_public_address(ipaddress.ip_address(address))
    assert is_public_address(ipaddress.ip_address("8.8.8.8"))


URLS = [
    # fine
    ("http://public.test/", None),
    ("https://public.test/path?q=1#frag", None),
    ("HTTPS://PUBLIC.TEST./", None),
    ("http://public.test:8080/", None),
    ("http://public6.test/", None),
    ("http://8.8.8.8/", None),
    ("http://[2606:4700:4700::1111]/", None),
    ("http://bücher.test/", None),  # IDN, resolved as xn--bcher-kva.test
    ("http://public.test/a b/ü", None),  # quoted, not refused
    # schemes
    ("ftp://public.test/", BadURL),
    ("file:///etc/passwd", BadURL),
    ("javascript:alert(1)", BadURL),
    ("gopher://public.test/", BadURL),
    ("data:text/html,hi", BadURL),
    ("//public.test/", BadURL),
    ("public.test", BadURL),
    ("", BadURL),
    # malformed
    ("http://", BadURL),
    ("http:///path", BadURL),
    ("http://public.test:99999/", BadURL),
    ("http://public.test:0/", BadURL),
    ("http://public.test:port/", BadURL),
    ("http://user:pass@public.test/", BadURL),
    ("http://user@public.test/", BadURL),
    ("http://public.test\\@127.0.0.1/", BadURL),
    ("http://public.test/\r\nX-Injected: 1", BadURL),
    ("http://pub lic.test/", BadURL),
    ("http://[::1/", BadURL),
    ("http://1.2.3.4.5/", BadURL),
    ("http://256.1.1.1/", BadURL),
    # names resolving to non-public addresses
    ("http://localhost/", BlockedAddress),
    ("http://localhost./", BlockedAddress),
    ("http://private.test/", BlockedAddress),
    ("http://metadata.test/latest/meta-data/", BlockedAddress),
    ("http://mixed.test/", BlockedAddress),  # every address must be public
    ("http://v6local.test/", BlockedAddress),
    ("http://mapped.test/", BlockedAddress),
    # literals
    ("http://127.0.0.1/", BlockedAddress),
    ("http://127.0.0.1:8000/admin", BlockedAddress),
    ("http://10.0.0.5/", BlockedAddress),
    ("http://169.254.169.254/latest/meta-data/", BlockedAddress),
    ("http://100.64.0.1/", BlockedAddress),
    ("http://0.0.0.0/", BlockedAddress),
    ("http://224.0.0.1/", BlockedAddress),
    ("http://192.0.2.1/", BlockedAddress),
    # numeric tricks that mean 127.0.0.1 (or 10.0.0.5) to the resolver
    ("http://2130706433/", BlockedAddress),
    ("http://0x7f.1/", BlockedAddress),
    ("http://0177.0.0.1/", BlockedAddress),
    ("http://0177.1/", BlockedAddress),
    ("http://127.1/", BlockedAddress),
    ("http://127.0.1/", BlockedAddress),
    ("http://0x7f000001/", BlockedAddress),
    ("http://0x7F.0x0.0x0.0x1/", BlockedAddress),
    ("http://127.000.000.001/", BlockedAddress),
    ("http://167772165/", BlockedAddress),
    ("http://0/", BlockedAddress),
    # IPv6 literals
    ("http://[::1]/", BlockedAddress),
    ("http://[::]/", BlockedAddress),
    ("http://[::ffff:7f00:1]/", BlockedAddress),
    ("http://[::ffff:127.0.0.1]:8080/", BlockedAddress),
    ("http://[0:0:0:0:0:ffff:a9fe:a9fe]/", BlockedAddress),
    ("http://[64:ff9b::7f00:1]/", BlockedAddress),
    ("http://[2002:7f00:1::]/", BlockedAddress),
    ("http://[fe80::1%25eth0]/", BlockedAddress),
    ("http://[fd00::1]/", BlockedAddress),
]


@pytest.mark.parametrize(("url", "error"), URLS)
def test_it_checks_urls(fake_dns, url, error):
    if error is None:
        check_url(url)
    else:
        with pytest.raises(error):
            check_url(url)


def test_it_explains_refusals(fake_dns):
    with pytest.raises(BlockedAddress) as info:
        check_url("http://mixed.test/")
    assert str(info.value) == "Refused: mixed.test is not a public address"
    with pytest.raises(BlockedAddress) as info:
        check_url("http://0x7f.1/")
    assert str(info.value) == "Refused: 0x7f.1 means 127.0.0.1, which is not a public address"
    with pytest.raises(BlockedAddress) as info:
        check_url("http://[::1]/")
    assert str(info.value) == "Refused: ::1 is not a public address"
    with pytest.raises(BadURL, match="only http and https"):
        check_url("file:///etc/passwd")


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("", "The link is empty"),
        ("   ", "The link is empty"),
        ("ftp://public.test/", "ftp: links cannot be fetched; only http and https"),
        ("public.test", "Links without http:// or https:// cannot be fetched; only http and https"),
        ("http:///path", "The link has no host name"),
        ("http://a..b/", "a..b is not a valid host name"),
    ],
)
def test_it_says_what_is_wrong_with_a_link(url, message):
    with pytest.raises(BadURL) as info:
        check_url(url)
    assert str(info.value) == message


def test_a_host_name_is_at_most_253_characters(fake_dns):
    longest = ".".join(["a" * 63, "b" * 63, "c" * 63, "d" * 61])
    fake_dns.records[longest] = [PUBLIC_IP]
    check_url(f"http://{longest}/")
    fake_dns.records[longest + "d"] = [PUBLIC_IP]
    with pytest.raises(BadURL, match="is not a valid host name"):
        check_url(f"http://{longest}d/")


def test_it_resolves_for_the_port_the_scheme_implies(monkeypatch):
    asked = []

    def resolver(host, port, *args, **kwargs):
        asked.append((host, port))
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (PUBLIC_IP, port))]

    monkeypatch.setattr(socket, "getaddrinfo", resolver)
    for url in ("http://public.test/", "https://public.test", "http://public.test:8080/"):
        check_url(url)
    assert asked == [("public.test", 80), ("public.test", 443), ("public.test", 8080)]


def test_it_uses_only_the_internet_addresses_a_name_resolves_to(monkeypatch):
    def resolver(host, port, *args, **kwargs):
        unix = (socket.AF_UNIX, socket.SOCK_STREAM, 0, "", "/run/x.sock")
        if host == "odd.test":
            return [unix]
        return [unix, (socket.AF_INET, socket.SOCK_STREAM, 6, "", (PUBLIC_IP, port))]

    monkeypatch.setattr(socket, "getaddrinfo", resolver)
    check_url("http://mixed-families.test/")
    with pytest.raises(ConnectionFailed, match=r"Could not find the server odd\.test"):
        check_url("http://odd.test/")


def test_an_unset_allow_list_allows_nothing_more(fake_dns, settings):
    settings.FETCH_ALLOWED_HOSTS = None
    check_url("http://public.test/")
    with pytest.raises(BlockedAddress):
        check_url("http://127.0.0.1/")


@pytest.mark.parametrize(
    ("entries", "allowed", "refused"),
    [
        # No port: the default ports only, not every service on the machine.
        (
            ["private.test"],
            ["http://private.test/", "https://private.test/"],
            ["http://private.test:8080/", "http://private.test:22/", "https://private.test:8443/"],
        ),
        # A port: that port only, not the defaults.
        (
            ["private.test:8080"],
            ["http://private.test:8080/", "https://private.test:8080/"],
            ["http://private.test/", "https://private.test/", "http://private.test:8081/"],
        ),
        (
            ["10.0.0.5:8080"],
            ["http://10.0.0.5:8080/"],
            ["http://10.0.0.5/", "http://10.0.0.5:80/x:8080"],
        ),
        (
            ["[fd00::1]:8443"],
            ["https://[fd00::1]:8443/"],
            ["https://[fd00::1]/", "http://[fd00::1]:8444/"],
        ),
        (["fd00::1"], ["https://[fd00::1]/"], ["http://[fd00::1]:8443/"]),
        # The port belongs to the host it is written with.
        (
            ["private.test:8080", "v6local.test"],
            ["http://private.test:8080/"],
            ["http://v6local.test:8080/", "http://private.test/"],
        ),
    ],
)
def test_an_allowed_host_is_allowed_on_its_port_only(fake_dns, settings, entries, allowed, refused):
    settings.FETCH_ALLOWED_HOSTS = entries
    for url in allowed:
        check_url(url)
    for url in refused:
        with pytest.raises(BlockedAddress):
            check_url(url)


@pytest.mark.parametrize(
    "entry", ["private.test:", "private.test:http", "private.test:70000", "[fd00::1]x"]
)
def test_a_malformed_allowed_host_is_a_configuration_error(fake_dns, settings, entry):
    settings.FETCH_ALLOWED_HOSTS = [entry]
    with pytest.raises(ImproperlyConfigured, match="host\\[:port\\]"):
        check_url("http://private.test/")


def test_a_link_without_a_path_asks_for_the_root(local_server, allow_local, fetch_settings):
    local_server.route("/", b"root", headers={"Content-Type": "text/plain"})
    result = fetch(local_server.url(""))
    assert result.content == b"root"
    assert [r.path for r in local_server.requests] == ["/"]


def test_it_reports_unknown_names(fake_dns):
    with pytest.raises(ConnectionFailed, match=r"Could not find the server nowhere\.test"):
        check_url("http://nowhere.test/")


def test_it_lets_allowed_hosts_through(fake_dns, settings):
    settings.FETCH_ALLOWED_HOSTS = ["127.0.0.1:8000", "Private.Test", "[fd00::1]", "fd00::2"]
    check_url("http://127.0.0.1:8000/")
    check_url("http://2130706433:8000/")  # the same address, however it is written
    check_url("http://private.test/")
    check_url("https://PRIVATE.test./")
    check_url("http://private.test:443/")
    check_url("http://[fd00::1]/")
    check_url("http://[fd00::2]/")
    with pytest.raises(BlockedAddress):
        check_url("http://localhost/")  # a name for 127.0.0.1, but not the listed one
    with pytest.raises(BlockedAddress):
        check_url("http://127.0.0.2/")
    with pytest.raises(BlockedAddress):
        check_url("http://metadata.test/")


# --- fetching -----------------------------------------------------------------------------


def test_it_fetches_a_page(local_server, allow_local, fetch_settings):
    html = "<html><body><p>Héllo</p></body></html>".encode()
    local_server.route(
        "/page", html, headers={"Content-Type": "text/html; charset=UTF-8", "ETag": '"v1"'}
    )

    result = fetch(local_server.url("/page"))

    assert result.url == result.final_url == local_server.url("/page")
    assert result.status == 200
    assert result.content == html
    assert result.content_type == "text/html"
    assert result.encoding == "utf-8"
    assert result.text == "<html><body><p>Héllo</p></body></html>"
    assert result.headers["etag"] == '"v1"'
    assert result.not_modified is False
    (request,) = local_server.requests_to("/page")
    assert request.headers["user-agent"] == "Newsreader-test/1.0"
    assert request.headers["accept"].startswith("text/html")
    assert request.headers["accept-encoding"] == "gzip, deflate"
    assert request.headers["host"] == f"127.0.0.1:{local_server.port}"
    assert "if-none-match" not in request.headers


def test_it_sends_the_accept_header_it_is_given(local_server, allow_local):
    local_server.route("/feed", b"<rss/>", headers={"Content-Type": "application/rss+xml"})
    result = fetch(local_server.url("/feed?x=1"), accept="application/rss+xml")
    assert result.content_type == "application/rss+xml"
    assert local_server.requests_to("/feed")[0].headers["accept"] == "application/rss+xml"


def test_it_follows_redirects(local_server, allow_local):
    local_server.redirect("/a", "/b", status=301)
    local_server.redirect("/b", "c?x=1", status=307)  # relative to /b
    local_server.redirect("/c", local_server.url("/d"), status=308)
    local_server.route("/d", b"done", headers={"Content-Type": "text/plain"})

    result = fetch(local_server.url("/a"))

    assert result.content == b"done"
    assert result.url == local_server.url("/a")
    assert result.final_url == local_server.url("/d")
    assert [r.path for r in local_server.requests] == ["/a", "/b", "/c?x=1", "/d"]


def test_it_rechecks_every_redirect(local_server, settings):
    # The server is reachable only under the name "localhost"; a redirect to its IP is a
    # different, unlisted host and must be refused before anything is sent there.
    settings.FETCH_ALLOWED_HOSTS = [f"localhost:{local_server.port}"]
    local_server.redirect("/start", local_server.url("/secret"))
    local_server.route("/secret", b"internal")

    with pytest.raises(BlockedAddress, match=r"127\.0\.0\.1"):
        fetch(local_server.url("/start", host="localhost"))

    assert [r.path for r in local_server.requests] == ["/start"]
    assert local_server.requests[0].headers["host"] == f"localhost:{local_server.port}"


@pytest.mark.parametrize(
    ("location", "error"),
    [
        ("http://169.254.169.254/latest/meta-data/", BlockedAddress),
        ("http://[::ffff:a9fe:a9fe]/", BlockedAddress),
        ("http://10.0.0.5/", BlockedAddress),
        ("file:///etc/passwd", BadURL),
        ("ftp://example.org/", BadURL),
        ("http://user:pw@example.org/", BadURL),
    ],
)
def test_it_refuses_redirects_to_forbidden_places(local_server, allow_local, location, error):
    local_server.redirect("/go", location)
    with pytest.raises(error):
        fetch(local_server.url("/go"))


def test_it_follows_five_redirects_but_not_six(local_server, allow_local):
    for i in range(6):
        local_server.redirect(f"/r{i}", f"/r{i + 1}")
    local_server.route("/r6", b"end")

    assert fetch(local_server.url("/r1")).content == b"end"  # 5 redirects
    with pytest.raises(TooManyRedirects) as info:
        fetch(local_server.url("/r0"))  # 6 redirects
    assert str(info.value) == "Too many redirects (more than 5)"


def test_it_stops_redirect_loops(local_server, allow_local):
    local_server.redirect("/ping", "/pong")
    local_server.redirect("/pong", "/ping")
    local_server.redirect("/self", "/self")

    with pytest.raises(TooManyRedirects, match="loop"):
        fetch(local_server.url("/ping"))
    assert len(local_server.requests_to("/ping")) == 1
    with pytest.raises(TooManyRedirects, match="loop"):
        fetch(local_server.url("/self"))


def test_it_times_out_on_a_slow_drip(local_server, allow_local, settings):
    # Every byte arrives well within any per-read timeout; only a total deadline helps.
    settings.FETCH_TIMEOUT = 0.5
    local_server.route("/drip", drip(b"x" * 200, interval=0.05), headers={"Content-Length": "200"})

    started = time.monotonic()
    with pytest.raises(FetchTimeout) as info:
        fetch(local_server.url("/drip"))
    assert time.monotonic() - started < 1.5
    assert str(info.value) == "Timed out after 0.5 s"


def test_it_times_out_waiting_for_headers(local_server, allow_local, settings):
    settings.FETCH_TIMEOUT = 0.4
    local_server.route("/late", b"late", delay=2)
    started = time.monotonic()
    with pytest.raises(FetchTimeout):
        fetch(local_server.url("/late"))
    assert time.monotonic() - started < 1.5


def test_it_times_out_on_headers_sent_one_byte_at_a_time(settings):
    # http.client reads a header line until its newline, so per-read timeouts never fire
    # here; the deadline watchdog has to cut the connection.
    settings.FETCH_TIMEOUT = 0.5
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    settings.FETCH_ALLOWED_HOSTS = [f"127.0.0.1:{port}"]
    stop = threading.Event()

    def serve() -> None:
        conn, _ = listener.accept()
        with conn:
            conn.recv(65536)
            conn.sendall(b"HTTP/1.1 200 OK\r\nX-Slow: ")
            while not stop.is_set():
                try:
                    conn.sendall(b"a")
                except OSError:
                    return
                time.sleep(0.02)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    started = time.monotonic()
    try:
        with pytest.raises(FetchTimeout):
            fetch(f"http://127.0.0.1:{port}/")
        assert time.monotonic() - started < 1.5
    finally:
        stop.set()
        listener.close()
        thread.join(timeout=2)


def test_it_stops_reading_a_huge_body(local_server, allow_local):
    body = Stream(total=200 * 1024 * 1024)  # no Content-Length: streamed until closed
    local_server.route("/huge", body, headers={"Content-Type": "text/html"})

    with pytest.raises(TooLarge) as info:
        fetch(local_server.url("/huge"), max_bytes=256 * 1024)

    assert str(info.value) == "The page is larger than 256 KB"
    assert body.sent < 50 * 1024 * 1024  # gave up long before the end


def test_it_caps_chunked_bodies(local_server, allow_local):
    body = Stream(total=20 * 1024 * 1024)
    local_server.route("/chunked", body, headers={"Transfer-Encoding": "chunked"})
    with pytest.raises(TooLarge):
        fetch(local_server.url("/chunked"), max_bytes=100_000)


def test_it_accepts_a_body_of_exactly_the_cap(local_server, allow_local):
    local_server.route("/exact", b"x" * 1000)
    assert len(fetch(local_server.url("/exact"), max_bytes=1000).content) == 1000
    with pytest.raises(TooLarge):
        fetch(local_server.url("/exact"), max_bytes=999)


def test_it_rejects_a_large_content_length_before_reading(local_server, allow_local):
    body = Stream()  # endless; the announced length alone must be enough
    local_server.route("/big", body, headers={"Content-Length": str(6 * 1024 * 1024)})

    with pytest.raises(TooLarge) as info:
        fetch(local_server.url("/big"))

    assert str(info.value) == "The page is larger than 5 MB"


def test_it_decompresses_gzip_and_deflate(local_server, allow_local):
    html = b"<p>" + b"compressible text " * 1000 + b"</p>"
    raw_deflate = zlib.compressobj(wbits=-15)
    local_server.route("/gz", gzip.compress(html), headers={"Content-Encoding": "gzip"})
    local_server.route("/zlib", zlib.compress(html), headers={"Content-Encoding": "deflate"})
    local_server.route(
        "/raw",
        raw_deflate.compress(html) + raw_deflate.flush(),
        headers={"Content-Encoding": "deflate"},
    )
    local_server.route(
        "/gz-chunked",
        drip(gzip.compress(html), chunk_size=100, interval=0),
        headers={"Content-Encoding": "gzip", "Transfer-Encoding": "chunked"},
    )
    local_server.route(
        "/two-members",
        gzip.compress(html[:500]) + gzip.compress(html[500:]),
        headers={"Content-Encoding": "gzip"},
    )

    local_server.route(
        "/deflate-bytewise",
        drip(zlib.compress(html), chunk_size=1, interval=0),
        headers={"Content-Encoding": "deflate", "Transfer-Encoding": "chunked"},
    )
    local_server.route(
        "/padded", gzip.compress(html) + b"\0" * 8, headers={"Content-Encoding": "x-gzip"}
    )

    for path in [
        "/gz",
        "/zlib",
        "/raw",
        "/gz-chunked",
        "/two-members",
        "/deflate-bytewise",
        "/padded",
    ]:
        assert fetch(local_server.url(path)).content == html, path


def test_it_survives_a_gzip_bomb(local_server, allow_local):
    bomb = gzip.compress(b"\0" * (16 * 1024 * 1024), compresslevel=9)  # 16 MB in ~16 KB
    assert len(bomb) < 32 * 1024
    local_server.route("/bomb", bomb, headers={"Content-Encoding": "gzip"})

    with pytest.raises(TooLarge, match="larger than 1 MB"):
        fetch(local_server.url("/bomb"), max_bytes=1024 * 1024)


def test_it_refuses_unknown_or_broken_compression(local_server, allow_local):
    local_server.route("/br", b"\x1b\x00", headers={"Content-Encoding": "br"})
    local_server.route("/junk", b"not gzip at all", headers={"Content-Encoding": "gzip"})
    with pytest.raises(UnsupportedContent, match="br"):
        fetch(local_server.url("/br"))
    with pytest.raises(UnsupportedContent, match="corrupt"):
        fetch(local_server.url("/junk"))


@pytest.mark.parametrize(
    ("status", "message"),
    [
        (404, "The server answered 404 Not Found"),
        (410, "The server answered 410 Gone"),
        (500, "The server answered 500 Internal Server Error"),
        (503, "The server answered 503 Service Unavailable"),
    ],
)
def test_it_raises_on_error_statuses(local_server, allow_local, status, message):
    local_server.route("/err", b"oops", status=status)
    with pytest.raises(HTTPStatusError) as info:
        fetch(local_server.url("/err"))
    assert info.value.status == status
    assert str(info.value) == message


def test_it_raises_on_a_redirect_without_location(local_server, allow_local):
    local_server.route("/nowhere", b"", status=302)
    with pytest.raises(HTTPStatusError) as info:
        fetch(local_server.url("/nowhere"))
    assert info.value.status == 302


def test_it_does_conditional_gets(local_server, allow_local):
    etag, stamp = '"abc123"', "Wed, 21 Oct 2015 07:28:00 GMT"

    def page(request: Request) -> Response:
        if request.headers.get("if-none-match") == etag:
            return Response(304, {"ETag": etag})
        return Response(200, {"ETag": etag, "Last-Modified": stamp}, b"<p>fresh</p>")

    local_server.add("/cond", page)

    first = fetch(local_server.url("/cond"))
    assert first.content == b"<p>fresh</p>"
    again = fetch(
        local_server.url("/cond"),
        etag=first.headers["etag"],
        last_modified=first.headers["last-modified"],
    )

    assert again.not_modified is True
    assert again.status == 304
    assert again.content == b""
    sent = local_server.requests_to("/cond")[1].headers
    assert sent["if-none-match"] == etag
    assert sent["if-modified-since"] == stamp


def test_it_reports_refused_connections(settings):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed again: nothing listens there
    settings.FETCH_ALLOWED_HOSTS = [f"127.0.0.1:{port}"]
    with pytest.raises(
        ConnectionFailed, match=r"Could not connect to 127\.0\.0\.1 \(connection refused\)"
    ):
        fetch(f"http://127.0.0.1:{port}/")


def test_it_connects_to_the_address_it_checked(local_server, fake_dns, monkeypatch):
    # DNS rebinding: the name is public when checked and 127.0.0.1 a moment later. The
    # connection must go to the checked address without a second lookup.
    answers = iter([[PUBLIC_IP], ["127.0.0.1"], ["127.0.0.1"]])
    fake_dns.records["rebind.test"] = lambda: next(answers)
    opened = []
    real_open_pool = fetch_module._open_pool

    def open_pool(scheme, ip, port, hostname, timeout, watchdog):
        opened.append((scheme, str(ip), port, hostname))
        # Pretend the network routes PUBLIC_IP to our local server.
        return real_open_pool(
            scheme, ipaddress.ip_address("127.0.0.1"), port, hostname, timeout, watchdog
        )

    monkeypatch.setattr(fetch_module, "_open_pool", open_pool)
    local_server.route("/", b"public page")

    result = fetch(f"http://rebind.test:{local_server.port}/")

    assert result.content == b"public page"
    assert opened == [("http", PUBLIC_IP, local_server.port, "rebind.test")]
    assert fake_dns.calls.count("rebind.test") == 1
    assert local_server.requests[0].headers["host"] == f"rebind.test:{local_server.port}"


def test_it_tries_the_next_checked_address(local_server, fake_dns, monkeypatch):
    fake_dns.records["two.test"] = [PUBLIC_IP, "8.8.8.8"]
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        dead_port = sock.getsockname()[1]
    real_open_pool = fetch_module._open_pool
    tried = []

    def open_pool(scheme, ip, port, hostname, timeout, watchdog):
        tried.append(str(ip))
        # The first address refuses connections, the second is our server.
        local_port = dead_port if str(ip) == PUBLIC_IP else port
        return real_open_pool(
            scheme, ipaddress.ip_address("127.0.0.1"), local_port, hostname, timeout, watchdog
        )

    monkeypatch.setattr(fetch_module, "_open_pool", open_pool)
    local_server.route("/", b"second")

    assert fetch(f"http://two.test:{local_server.port}/").content == b"second"
    assert tried == [PUBLIC_IP, "8.8.8.8"]


@pytest.mark.parametrize("host", ["private.test", "mixed.test", "metadata.test", "mapped.test"])
def test_a_refusal_never_reveals_what_the_name_resolved_to(fake_dns, host):
    with pytest.raises(BlockedAddress) as info:
        fetch(f"http://{host}/")
    assert str(info.value) == f"Refused: {host} is not a public address"
    for address in fake_dns.records[host]:
        assert address not in str(info.value)


def test_it_never_connects_when_the_check_fails(fake_dns, monkeypatch):
    monkeypatch.setattr(fetch_module, "_open_pool", pytest.fail)
    for url in ["http://private.test/", "http://0x7f.1/", "gopher://public.test/"]:
        with pytest.raises(FetchError):
            fetch(url)


def test_errors_are_one_line_messages():
    errors = [
        HTTPStatusError(404),
        HTTPStatusError(599),
        BlockedAddress("Refused: x is not a public address"),
    ]
    for error in errors:
        assert isinstance(error, FetchError)
        assert "\n" not in str(error)
    assert str(HTTPStatusError(599)) == "The server answered 599"
    # Task queues pickle exceptions; the status must survive.
    copy = pickle.loads(pickle.dumps(HTTPStatusError(404)))  # noqa: S301
    assert copy.status == 404 and str(copy) == "The server answered 404 Not Found"


# --- HTTPS (SNI and certificate checked against the name while connecting to the IP) ------


@pytest.fixture(scope="module")
def certificates(tmp_path_factory) -> Iterator[dict[str, Path]]:
    """A self-signed certificate and key per name (made here: no openssl binary needed)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    directory = tmp_path_factory.mktemp("certs")
    paths = {}
    now = datetime.now(UTC)
    for name in ["localhost", "other.test"]:
        key = ec.generate_private_key(ec.SECP256R1())
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
        cert = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(minutes=5))
            .not_valid_after(now + timedelta(days=2))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256())
        )
        paths[name] = directory / f"{name}.pem"
        paths[name].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        paths[f"{name}.key"] = directory / f"{name}.key"
        paths[f"{name}.key"].write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
    yield paths


def tls_server(certificates, name: str) -> LocalServer:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(certificates[name], certificates[f"{name}.key"])
    return LocalServer(ssl_context=context)


def test_it_verifies_https_against_the_hostname(certificates, settings, monkeypatch):
    # OpenSSL's default trust store honours SSL_CERT_FILE: trust our self-signed cert.
    monkeypatch.setenv("SSL_CERT_FILE", str(certificates["localhost"]))
    with tls_server(certificates, "localhost") as server:
        settings.FETCH_ALLOWED_HOSTS = [f"localhost:{server.port}"]
        server.route("/", b"secure", headers={"Content-Type": "text/plain"})
        # Connected to 127.0.0.1, but the certificate (DNS:localhost only) is checked
        # against the name, so this passes.
        result = fetch(server.url("/", host="localhost"))
    assert result.content == b"secure"
    assert result.final_url == f"https://localhost:{server.port}/"


def test_it_rejects_a_certificate_for_another_name(certificates, settings, monkeypatch):
    monkeypatch.setenv("SSL_CERT_FILE", str(certificates["other.test"]))
    with tls_server(certificates, "other.test") as server:
        settings.FETCH_ALLOWED_HOSTS = [f"localhost:{server.port}"]
        server.route("/", b"secure")
        with pytest.raises(ConnectionFailed, match="secure connection to localhost"):
            fetch(server.url("/", host="localhost"))


def test_it_rejects_an_untrusted_certificate(certificates, settings, monkeypatch):
    monkeypatch.setenv("SSL_CERT_FILE", str(certificates["other.test"]))  # not the server's
    with tls_server(certificates, "localhost") as server:
        settings.FETCH_ALLOWED_HOSTS = [f"localhost:{server.port}"]
        server.route("/", b"secure")
        with pytest.raises(ConnectionFailed, match="secure connection"):
            fetch(server.url("/", host="localhost"))


# --- charsets -----------------------------------------------------------------------------

# Has characters that exist in windows-1252 but not in ISO-8859-1 (quote, dash, euro).
FRENCH = "Les élèves ont passé l’été à Noël — « déjà vu » — et ça coûte 10 €."
JAPANESE = "日本語のニュース記事です。東京で新しい技術が発表されました。"


def test_it_decodes_with_the_header_charset():
    body = f"<html><body><p>{FRENCH}</p></body></html>".encode("windows-1252")
    text, encoding = decode_body(body, "text/html; charset=windows-1252")
    assert FRENCH in text
    assert encoding == "cp1252"


def test_it_decodes_iso_8859_1_declared_in_meta_as_browsers_do():
    # Pages labelled ISO-8859-1 often contain windows-1252 quotes; browsers decode them
    # as windows-1252, and so do we.
    page = f'<html><head><meta charset="ISO-8859-1"></head><body>{FRENCH}</body></html>'
    text, encoding = decode_body(page.encode("windows-1252"), "text/html")
    assert FRENCH in text
    assert encoding == "cp1252"


def test_it_decodes_shift_jis_declared_in_http_equiv():
    page = (
        '<html><head><meta http-equiv="Content-Type" content="text/html; charset=Shift_JIS">'
        f"</head><body><p>{JAPANESE}</p></body></html>"
    )
    text, encoding = decode_body(page.encode("shift_jis"), None)
    assert JAPANESE in text
    assert encoding == "cp932"


def test_it_decodes_with_the_xml_declaration():
    feed = f'<?xml version="1.0" encoding="ISO-8859-1"?><rss><title>{FRENCH}</title></rss>'
    text, _ = decode_body(feed.encode("windows-1252"), "application/rss+xml")
    assert FRENCH in text


def test_it_detects_an_undeclared_charset():
    page = ("<html><body>" + f"<p>{JAPANESE}</p>" * 20 + "</body></html>").encode("shift_jis")
    text, encoding = decode_body(page, "text/html")
    assert JAPANESE in text
    assert encoding in {"shift_jis", "cp932"}


def test_it_prefers_the_byte_order_mark():
    page = "\ufeff<p>Grüße — ünïcödé</p>".encode()
    text, encoding = decode_body(page, "text/html; charset=iso-8859-1")
    assert text == "<p>Grüße — ünïcödé</p>"
    assert encoding == "utf-8"
    text, encoding = decode_body("\ufeffhi".encode("utf-16-le"), None)
    assert (text, encoding) == ("hi", "utf-16-le")


def test_it_falls_back_to_utf8_with_replacement():
    assert decode_body(b"", None) == ("", "utf-8")
    assert decode_body(b"plain ascii", "text/plain; charset=bogus-charset") == (
        "plain ascii",
        "utf-8",
    )
    text, _ = decode_body(b"ok \xff\xfe\xfa", "text/html; charset=utf-8")
    assert text.startswith("ok ") and "\ufffd" in text


def test_it_decodes_fetched_pages(local_server, allow_local):
    local_server.route(
        "/latin",
        f"<p>{FRENCH}</p>".encode("windows-1252"),
        headers={"Content-Type": "text/html; charset=windows-1252"},
    )
    local_server.route(
        "/bom", "\ufeff<p>☃ snow</p>".encode(), headers={"Content-Type": "text/html"}
    )
    latin = fetch(local_server.url("/latin"))
    assert latin.encoding == "cp1252"
    assert FRENCH in latin.text
    assert fetch(local_server.url("/bom")).text == "<p>☃ snow</p>"
