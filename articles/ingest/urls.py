"""Story identity: one canonical URL per story, however it was reached."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from tld import get_fld

# Parameters that only say how a reader arrived, never which story it is.
_TRACKING = re.compile(
    r"^(utm_[a-z_]+|fbclid|gclid|dclid|gbraid|wbraid|msclkid|mc_cid|mc_eid|igshid|yclid|"
    r"_hsenc|_hsmi|mkt_tok|ref_src|ref_url|cmpid|s_cid|ncid|ocid|__twitter_impression|"
    r"oly_enc_id|oly_anon_id|vero_id|rss|utm)$",
    re.I,
)


def canonicalize(url: str) -> str:
    """Lower-case scheme and host, drop default ports, fragments and tracking parameters."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower().rstrip(".")
    port = parts.port
    netloc = host
    if port and not ((scheme == "http" and port == 80) or (scheme == "https" and port == 443)):
        netloc = f"{host}:{port}"
    if ":" in host and not host.startswith("["):
        netloc = f"[{host}]" + (f":{port}" if port and netloc.endswith(f":{port}") else "")
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    query = urlencode([(k, v) for k, v in pairs if not _TRACKING.match(k)])
    path = parts.path or "/"
    return urlunsplit((scheme, netloc, path, query, ""))


def is_web_url(value: str) -> bool:
    parts = urlsplit(value.strip())
    return parts.scheme in {"http", "https"} and bool(parts.hostname)


def same_site(first: str, second: str) -> bool:
    """Whether two addresses belong to one site: the same registered domain by the public
    suffix list (amp.example.co.uk and www.example.co.uk do; alice.github.io and
    bob.github.io do not), else, for an IP address or localhost, the same host."""
    first_site = get_fld(first, fail_silently=True)
    second_site = get_fld(second, fail_silently=True)
    if first_site and second_site:
        return bool(first_site == second_site)
    return (urlsplit(first).hostname or "") == (urlsplit(second).hostname or "")
