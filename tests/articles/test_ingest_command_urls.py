"""`manage.py ingest` with URLs, and its progress bar on a terminal."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command

from articles.models import Story, StoryRevision
from tests.feedsite import site_fixture  # noqa: F401

pytestmark = pytest.mark.django_db


class Terminal(StringIO):
    def isatty(self) -> bool:
        return True


def run(*args: str, stderr: StringIO | None = None) -> tuple[int, str, str]:
    out, err = StringIO(), stderr or StringIO()
    code = 0
    try:
        call_command("ingest", *args, stdout=out, stderr=err)
    except SystemExit as exc:
        code = int(exc.code or 0)
    return code, out.getvalue(), err.getvalue()


def test_it_fetches_a_url(site):
    url = site.article("/news/a?utm_campaign=x", "Fetched by the command", words=150)
    code, out, err = run(url, "--json")
    assert code == 0, err
    [story] = [json.loads(line) for line in out.splitlines()]
    assert story["title"] == "Fetched by the command"
    assert story["url"] == site.url("/news/a")
    assert story["created"] is True
    assert StoryRevision.objects.get().origin == StoryRevision.Origin.URL


def test_it_files_a_url_under_the_given_url(site):
    url = site.article("/a", "Renamed", words=150)
    code, _out, err = run(url, "--url", "https://example.com/original?utm_source=x")
    assert code == 0, err
    assert Story.objects.get().url == "https://example.com/original"


def test_it_mixes_files_and_urls_and_reports_failures(site, sample_txt):
    good = site.article("/good", "A good page", words=150)
    bad = site.url("/missing")
    code, out, err = run(good, bad, str(sample_txt))
    assert code == 1
    assert err.strip() == f"{bad}: The server answered 404 Not Found"
    assert f"{good}: new story: #" in out
    assert "Kaspersky is closing its UK office" in out
    assert Story.objects.count() == 2


def test_it_refuses_addresses_that_are_not_public(settings):
    settings.FETCH_ALLOWED_HOSTS = []
    code, _out, err = run("http://127.0.0.1:1/page")
    assert code == 1
    assert "not a public address" in err


def test_it_prints_plain_lines_when_not_on_a_terminal(site):
    urls = [site.article(f"/s{i}", f"Story {i}", words=150) for i in range(3)]
    _code, _out, err = run(*urls)
    assert "\r" not in err and "[" not in err


def test_it_shows_a_progress_bar_on_a_terminal(site):
    urls = [site.article(f"/s{i}", f"Story {i}", words=150) for i in range(3)]
    urls.append(site.url("/missing"))
    code, out, err = run(*urls, stderr=Terminal())
    assert code == 1
    assert "\r\x1b[K[" in err
    assert "] 0/4 " in err and "] 3/4 " in err
    assert f"{site.url('/missing')}: The server answered 404 Not Found\n" in err
    assert err.endswith("4 items: 3 stored, 1 failed\n")
    assert out.count("new story") == 3


def test_it_shows_no_bar_for_one_item(site):
    url = site.article("/one", "Only one", words=150)
    _code, _out, err = run(url, stderr=Terminal())
    assert err == ""
