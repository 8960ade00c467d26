"""Production settings (DEBUG off), read in a fresh process as a deployment reads them:
the proxy header is trusted only when named, HSTS preload and subdomains only when asked
for, and Django's deployment checks pass either way (what `make check` runs)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": "k" * 64 + "-not-a-real-secret-only-for-this-test",
    "ALLOWED_HOSTS": "newsreader.example",
    "DATABASE_URL": "sqlite:///:memory:",
}
# Reads the settings, then runs `manage.py check --deploy --fail-level WARNING` (it exits
# non-zero on any warning).
SCRIPT = """
import json, django
from django.conf import settings
from django.core.management import call_command
django.setup()
print(json.dumps([
    getattr(settings, "SECURE_PROXY_SSL_HEADER", None), settings.SECURE_HSTS_SECONDS,
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS, settings.SECURE_HSTS_PRELOAD,
]))
call_command("check", deploy=True, fail_level="WARNING")
"""


def _deployment(**env: str) -> list:
    kept = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SECURE_", "DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE"))
    }
    kept |= {"DJANGO_SETTINGS_MODULE": "newsreader.settings", **PRODUCTION, **env}
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT], cwd=ROOT, env=kept, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return json.loads(result.stdout.strip().splitlines()[0])


def test_by_default_no_client_header_says_https_and_hsts_is_for_this_host_only():
    proxy, seconds, subdomains, preload = _deployment()
    assert proxy is None
    assert seconds == 31536000
    assert (subdomains, preload) == (False, False)


def test_the_proxy_header_preload_and_subdomains_are_the_operators_choice():
    proxy, _, subdomains, preload = _deployment(
        SECURE_PROXY_SSL_HEADER="X-Forwarded-Proto",
        SECURE_HSTS_INCLUDE_SUBDOMAINS="1",
        SECURE_HSTS_PRELOAD="1",
    )
    assert proxy == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert (subdomains, preload) == (True, True)
