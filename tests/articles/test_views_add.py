"""Adding one story: by URL, upload and paste (articles.views_add)."""

from __future__ import annotations

import gzip
import re
import socket

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from articles.ingest.extract import (
    MAX_BLOCKS,
    MAX_CLASS_AND_ID_CHARS,
    MAX_ELEMENTS,
    MAX_TEXT_CHARS,
)
from articles.ingest.glued_words import split_glued_words
from articles.ingest.pipeline import PLAIN_TEXT_MAX_CHARS, PLAIN_TEXT_MAX_LINES
from articles.models import Story, StoryRevision
from tests.conftest import SAMPLES
from tests.cpu import within_cpu
from tests.feedsite import article_page, paragraphs, rss, site_fixture  # noqa: F401

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def text(response) -> str:
    return response.content.decode().replace("&#x27;", "'").replace("&quot;", '"')


@pytest.mark.parametrize(
    ("method", "name"),
    [("get", "add"), ("post", "add_url"), ("post", "add_upload"), ("post", "add_paste")],
)
def test_it_needs_a_signed_in_user(client, method, name):
    response = getattr(client, method)(reverse(name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert Story.objects.count() == 0


def test_it_shows_the_three_forms(signed_in):
    content = signed_in.get(reverse("add")).content.decode()
    for form_id in ("url-form", "upload-form", "paste-form"):
        assert f'id="{form_id}"' in content
    assert 'enctype="multipart/form-data"' in content
    assert signed_in.post(reverse("add")).status_code == 405
    assert signed_in.get(reverse("add_url")).status_code == 405


def test_each_field_on_the_page_has_an_id_of_its_own(signed_in):
    """Three forms with an address field each: a label must name its own form's field."""
    content = signed_in.get(reverse("add")).content.decode()
    ids = re.findall(r'\sid="([^"]+)"', content)
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
    for form in ("web", "upload", "paste"):
        assert f'for="id_{form}_url"' in content


# --- By URL ---


def test_it_fetches_extracts_and_shows_a_story(signed_in, site):
    url = site.article("/news/story?utm_source=x", "Fetched from the web", words=150)
    response = signed_in.post(reverse("add_url"), {"url": url})
    story = Story.objects.get()
    assert response.status_code == 302
    assert response["Location"] == story.get_absolute_url()
    assert story.url == site.url("/news/story")
    assert story.current_revision.origin == StoryRevision.Origin.URL
    page = signed_in.get(response["Location"])
    assert "Added “Fetched from the web”." in page.content.decode()
    assert "the feed's summary" not in text(page)


def test_it_redirects_htmx_to_the_story(signed_in, site):
    url = site.article("/a", "Htmx story", words=150)
    response = signed_in.post(reverse("add_url"), {"url": url}, **HTMX)
    assert response.status_code == 200
    assert response["HX-Redirect"] == Story.objects.get().get_absolute_url()


def test_it_says_when_a_story_is_unchanged_or_updated(signed_in, site):
    url = site.article("/a", "Same again", words=150, seed="one")
    signed_in.post(reverse("add_url"), {"url": url})
    response = signed_in.post(reverse("add_url"), {"url": url}, follow=True)
    assert "“Same again” was already here, unchanged." in response.content.decode()
    site.article("/a", "Same again", words=150, seed="two")
    response = signed_in.post(reverse("add_url"), {"url": url}, follow=True)
    assert "this is version 2; the earlier versions are kept" in response.content.decode()
    assert Story.objects.count() == 1
    assert StoryRevision.objects.count() == 2


@pytest.mark.parametrize(
    ("route", "message"),
    [
        ((404, "text/html", b"nope"), "The server answered 404 Not Found"),
        ((500, "text/html", b"oops"), "The server answered 500 Internal Server Error"),
        ((200, "text/html", b""), "The page is empty."),
        (
            (200, "text/html", b"<html><body><nav>Home</nav></body></html>"),
            "not look like an article",
        ),
        (
            (200, "text/html", b"<html><body><p>Too short.</p></body></html>"),
            "does not look like an article",
        ),
        (
            (200, "application/pdf", b"%PDF-1.4 ..."),
            "This address gives application/pdf, not a web page.",
        ),
        ((200, "text/html", b"\x00\x01\x02\x03" * 100), "binary"),
        ((200, "application/rss+xml", rss([])), "is a feed, not a page"),
        ((200, "text/html", b"x" * 5000), "larger than"),
    ],
)
def test_it_explains_a_bad_page_on_the_form(signed_in, site, settings, route, message):
    settings.FETCH_MAX_BYTES = 4000
    status, content_type, body = route
    site.server.route("/page", body, status=status, headers={"Content-Type": content_type})
    response = signed_in.post(reverse("add_url"), {"url": site.url("/page")})
    assert response.status_code == 400
    assert message in text(response)
    assert site.url("/page") in text(response)
    assert Story.objects.count() == 0


def test_it_explains_timeouts_and_redirect_loops(signed_in, site, settings):
    settings.FETCH_TIMEOUT = 0.5
    site.server.route("/slow", b"<p>late</p>", delay=2)
    assert "Timed out" in text(signed_in.post(reverse("add_url"), {"url": site.url("/slow")}))
    site.server.redirect("/loop", "/loop")
    response = signed_in.post(reverse("add_url"), {"url": site.url("/loop")})
    assert "redirects in a loop" in text(response)


def test_it_refuses_addresses_that_are_not_public(signed_in, settings):
    settings.FETCH_ALLOWED_HOSTS = []
    for url in ("http://127.0.0.1/", "http://169.254.169.254/latest/meta-data/", "http://[::1]/"):
        response = signed_in.post(reverse("add_url"), {"url": url})
        assert response.status_code == 400
        assert "not a public address" in text(response)


def test_it_refuses_a_private_name_without_saying_where_it_points(signed_in, settings, monkeypatch):
    settings.FETCH_ALLOWED_HOSTS = []
    real = socket.getaddrinfo

    def intranet(host, port, *args, **kwargs):
        if host == "wiki.intranet.test":
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.20.30.40", port))]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", intranet)
    for headers in ({}, HTMX):
        response = signed_in.post(
            reverse("add_url"), {"url": "http://wiki.intranet.test/page"}, **headers
        )
        assert "Refused: wiki.intranet.test is not a public address" in text(response)
        assert "10.20.30.40" not in text(response)
    assert Story.objects.count() == 0


def test_it_explains_bad_pages_to_htmx_in_place(signed_in, site):
    response = signed_in.post(reverse("add_url"), {"url": site.url("/missing")}, **HTMX)
    assert response.status_code == 200
    content = text(response)
    assert content.lstrip().startswith('<form id="url-form"')
    assert "The server answered 404 Not Found" in content


def test_it_keeps_a_story_whose_page_now_fails(signed_in, site):
    url = site.article("/a", "Keep me", words=300, seed="kept")
    signed_in.post(reverse("add_url"), {"url": url})
    site.server.route(
        "/a", b"<html><body><p>Gone.</p></body></html>", headers={"Content-Type": "text/html"}
    )
    response = signed_in.post(reverse("add_url"), {"url": url})
    assert response.status_code == 400
    site.article("/a", "Keep me", words=40, seed="teaser")
    response = signed_in.post(reverse("add_url"), {"url": url})
    assert "far fewer than the" in text(response)
    story = Story.objects.get()
    assert story.revisions.count() == 1
    assert "kept" in story.current_revision.body_text


def test_it_reads_a_plain_text_page(signed_in, site):
    body = "A plain text story\n\n" + "\n\n".join(paragraphs(100))
    site.server.route(
        "/story.txt", body.encode(), headers={"Content-Type": "text/plain; charset=utf-8"}
    )
    signed_in.post(reverse("add_url"), {"url": site.url("/story.txt")})
    assert Story.objects.get().title == "A plain text story"


# --- Upload ---


def upload(name: str, body: bytes, **data) -> dict:
    return {"file": SimpleUploadedFile(name, body), **data}


def test_it_ingests_an_uploaded_page(signed_in):
    sample = sorted(p for p in SAMPLES.iterdir() if p.suffix == ".html")[0]
    response = signed_in.post(reverse("add_upload"), upload(sample.name, sample.read_bytes()))
    story = Story.objects.get()
    assert response["Location"] == story.get_absolute_url()
    revision = story.current_revision
    assert revision.origin == StoryRevision.Origin.FILE
    assert revision.origin_detail == sample.name
    assert revision.word_count > 200


def test_it_ingests_uploaded_text_and_gzip_with_a_url(signed_in, sample_txt):
    data = upload("story.txt", sample_txt.read_bytes(), url="https://example.com/k?utm_source=x")
    signed_in.post(reverse("add_upload"), data)
    assert Story.objects.get().url == "https://example.com/k"
    page = article_page("Zipped page", paragraphs(120))
    signed_in.post(reverse("add_upload"), upload("page.html.gz", gzip.compress(page)))
    assert Story.objects.filter(title="Zipped page").exists()


def test_it_stores_the_same_upload_once(signed_in, sample_txt):
    for _ in range(2):
        signed_in.post(reverse("add_upload"), upload("k.txt", sample_txt.read_bytes()))
    assert Story.objects.count() == 1
    assert StoryRevision.objects.count() == 1


@pytest.mark.parametrize(
    ("name", "body", "message"),
    [
        ("empty.txt", b"", "The submitted file is empty."),
        ("blank.html", b"   \n", "The file is empty."),
        ("image.html", b"\x89PNG\r\n\x1a\n" + b"\x00" * 300, "binary"),
        (
            "notes.pdf",
            b"%PDF-1.4",
            "Upload a web page (.html, .htm, .html.gz) or a text file (.txt).",
        ),
        (
            "nav.html",
            b"<html><body><nav><a href='/'>Home</a></nav></body></html>",
            "not look like an",
        ),
        ("short.txt", b"Title\n\nToo short to be a story.", "does not look like an article"),
        ("broken.html.gz", b"not gzip", "Not a valid gzip file"),
        ("big.txt", b"word " * 400, "larger than"),
    ],
)
def test_it_explains_a_bad_upload_on_the_form(signed_in, settings, name, body, message):
    settings.INGEST_MAX_BYTES = 1500
    response = signed_in.post(reverse("add_upload"), upload(name, body))
    assert response.status_code == 400
    assert message in text(response)
    assert Story.objects.count() == 0


def test_it_explains_a_bad_upload_to_htmx(signed_in):
    response = signed_in.post(reverse("add_upload"), upload("x.pdf", b"%PDF"), **HTMX)
    assert response.status_code == 200
    assert text(response).lstrip().startswith('<form id="upload-form"')


def test_it_needs_a_file(signed_in):
    response = signed_in.post(reverse("add_upload"), {})
    assert response.status_code == 400
    assert "This field is required." in text(response)


# --- Paste ---


def test_it_ingests_pasted_text(signed_in, sample_txt):
    response = signed_in.post(
        reverse("add_paste"), {"text": sample_txt.read_text(), "format": "auto"}
    )
    story = Story.objects.get()
    assert response["Location"] == story.get_absolute_url()
    assert story.title == "Kaspersky is closing its UK office"
    assert story.url is None
    assert story.current_revision.origin == StoryRevision.Origin.PASTE


def test_it_ingests_pasted_html_and_detects_it(signed_in):
    html = article_page("Pasted HTML story", paragraphs(120)).decode()
    signed_in.post(reverse("add_paste"), {"text": html, "format": "auto"})
    story = Story.objects.get()
    assert story.title == "Pasted HTML story"
    assert "<p>" in story.current_revision.body_html


def test_it_treats_html_as_text_when_asked(signed_in):
    body = "Markup explained\n\n" + "\n\n".join(f"Use <p> tags. {p}" for p in paragraphs(80))
    signed_in.post(reverse("add_paste"), {"text": body, "format": "text"})
    assert "Use <p> tags." in Story.objects.get().current_revision.body_text


def test_it_stores_the_same_paste_once(signed_in, sample_txt):
    for _ in range(2):
        signed_in.post(reverse("add_paste"), {"text": sample_txt.read_text(), "format": "auto"})
    assert Story.objects.count() == 1
    assert StoryRevision.objects.count() == 1


def test_it_files_a_paste_with_a_url_under_that_url_as_the_readers_copy(
    signed_in, user, sample_txt, site
):
    url = site.article("/k", "Kaspersky is closing its UK office", words=300)
    signed_in.post(reverse("add_url"), {"url": url})
    signed_in.post(
        reverse("add_paste"), {"text": sample_txt.read_text(), "format": "text", "url": url}
    )
    shared, copy = Story.objects.order_by("pk")
    assert (shared.owner, copy.owner) == (None, user)
    assert shared.url == copy.url == url
    assert shared.revisions.count() == copy.revisions.count() == 1


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("", "This field is required."),
        ("   \n  ", "Paste some text or HTML."),
        ("Title\n\nshort", "does not look like an article"),
        ("One line I pasted", "There is only a title here (the first line)"),
        ("bin\x00\x01\x02\x03\x04\x05\x06\x07" * 50, "Null characters are not allowed."),
        ("bin\x01\x02\x03\x04\x05\x06\x07\x08" * 50, "binary"),
    ],
)
def test_it_explains_a_bad_paste_on_the_form(signed_in, body, message):
    response = signed_in.post(reverse("add_paste"), {"text": body, "format": "auto"})
    assert response.status_code == 400
    assert message in text(response)
    assert Story.objects.count() == 0


def test_a_paste_over_the_plain_text_caps_is_refused_before_parsing(signed_in):
    too_long = "Title\n\n" + "A sentence of a story. " * (PLAIN_TEXT_MAX_CHARS // 20)
    too_many_lines = "Title\r" + "Line\r" * PLAIN_TEXT_MAX_LINES
    for body in (too_long, too_many_lines):
        response = signed_in.post(reverse("add_paste"), {"text": body, "format": "text"})
        assert response.status_code == 400
        assert "Plain text is limited to 200,000 characters and 4,000 lines" in text(response)
    assert Story.objects.count() == 0


@pytest.mark.parametrize(
    "line",
    [
        "Word",
        "The Big Heading Number {i}",
        "The cat sat on mat {i} and then it left the room.",
        "• thewas{i} wasbanned theyear " + "x" * 30,
        "a" * 48,
    ],
)
def test_a_worst_case_paste_of_the_maximum_size_takes_well_under_a_second(signed_in, line):
    # The probe: a 250,000-letter word took 72 s; each of these took seconds at
    # the old 5 MB limit. A complexity guard with room for a loaded machine, not a benchmark.
    lines = [line.format(i=i) for i in range(PLAIN_TEXT_MAX_LINES - 1)]
    body = "Title\n" + "\n".join(lines)
    body = body[: PLAIN_TEXT_MAX_CHARS - 10]
    split_glued_words("wasbanned")  # loads wordfreq's dictionary once per process: 0.5 s
    # A new paste each try, so that a repeat is not the paste of one already stored.
    response = within_cpu(
        1.0,
        lambda attempt: signed_in.post(
            reverse("add_paste"), {"text": f"{body[:-10]}\nTry {attempt}.", "format": "text"}
        ),
    )
    assert response.status_code in (302, 400)


def test_an_html_paste_with_more_elements_than_an_article_is_refused_quickly(signed_in):
    # Was 47 s of CPU for 5 MB of "<b>a</b>": now refused after one lxml parse.
    body = "<html><body>" + "<b>a</b>" * 600_000 + "</body></html>"
    response = within_cpu(
        2.0, lambda _: signed_in.post(reverse("add_paste"), {"text": body, "format": "html"})
    )
    assert response.status_code == 400
    assert f"more than {MAX_ELEMENTS:,} HTML elements" in text(response)
    assert Story.objects.count() == 0


def _page(inner: str) -> str:
    return (
        f"<html><head><title>A title</title></head><body><article>{inner}</article></body></html>"
    )


@pytest.mark.parametrize(
    ("inner", "message"),
    [
        (
            f'<p class="{"c" * (MAX_CLASS_AND_ID_CHARS // 100)}">word</p>' * 101,
            f"class and id attributes hold more than {MAX_CLASS_AND_ID_CHARS:,} characters",
        ),
        (
            "<p>" + "word " * (MAX_TEXT_CHARS // 5 + 10) + "</p>",
            f"more than {MAX_TEXT_CHARS:,} characters of text",
        ),
        (
            "".join(
                f"<p>Sentence {i} says the release was good.</p>" for i in range(MAX_BLOCKS + 1)
            ),
            f"more than {MAX_BLOCKS:,} paragraphs, headings, lists and figures",
        ),
    ],
)
def test_an_html_paste_holding_more_than_an_article_does_is_refused(signed_in, inner, message):
    response = signed_in.post(reverse("add_paste"), {"text": _page(inner), "format": "html"})
    assert response.status_code == 400
    assert message in text(response)
    assert Story.objects.count() == 0


_WORDS = [
    "the",
    "cat",
    "sat",
    "on",
    "a",
    "mat",
    "and",
    "left",
    "the",
    "room",
    "after",
    "the",
    "release",
    "audit",
    "was",
    "good",
]


def _sentence(i: int, words: int) -> str:
    return " ".join(_WORDS[(i * 7 + k) % len(_WORDS)] for k in range(words)) + f" {i}"


# The worst pages found at the caps (issue 13), each of MAX_ELEMENTS elements within
# the paste limit. "paragraphs with links": paragraphs just under MAX_BLOCKS, each with
# six links, and as much text as MAX_TEXT_CHARS allows. "bylines": every element a byline
# candidate (the metadata's byline search, trafilatura's discard rules and its readability
# fallback all look at each). "long class names": spans in one paragraph, which
# trafilatura strips, leaving a text node each (see comparison._merging).
_PARAGRAPHS = MAX_BLOCKS - 100
_LINKS = MAX_ELEMENTS // _PARAGRAPHS - 1


def _paragraphs_with_links(words: int) -> str:
    return "".join(
        f"<p>{_sentence(i, 2 * words)}"
        + "".join(
            f' <a href="/{i}/{k}">{_sentence(k, 2)}</a> {_sentence(i + k, words)}'
            for k in range(_LINKS)
        )
        + ".</p>"
        for i in range(_PARAGRAPHS)
    )


def _text_chars(html: str) -> int:
    return len(re.sub(r"<[^>]*>", "", html))


_WORDS_PER_RUN = 1
while _text_chars(_paragraphs_with_links(_WORDS_PER_RUN + 1)) < 0.95 * MAX_TEXT_CHARS:
    _WORDS_PER_RUN += 1

WORST_HTML = {
    "paragraphs with links": _paragraphs_with_links(_WORDS_PER_RUN),
    "long class names": "<p>"
    + "".join(
        f'<span class="{"c" * (MAX_CLASS_AND_ID_CHARS // MAX_ELEMENTS - 20)}">word{i} </span>'
        for i in range(MAX_ELEMENTS - 10)
    )
    + "</p>",
    "bylines": "".join(
        f'<span class="author-name byline-{i}">Jane Doe{i}</span>' for i in range(MAX_ELEMENTS - 10)
    ),
    "links glued to words": "".join(
        "<p>" + 'was<a href="/x">banned</a>after' * _LINKS + "</p>" for _ in range(_PARAGRAPHS)
    ),
    "one-word paragraphs": "".join(f"<p>w{i}</p>" for i in range(MAX_ELEMENTS - 10)),
    "links": "".join(
        f'<a href="https://e.test/{i}">word {i}</a> and ' for i in range(MAX_ELEMENTS - 10)
    ),
    "table cells": "<table><tr>"
    + "".join(f"<td>cell {i} text</td>" for i in range(MAX_ELEMENTS - 10))
    + "</tr></table>",
    "images": "".join(
        f'<img src="https://e.test/{i}.png" alt="a{i}">' for i in range(MAX_ELEMENTS - 10)
    ),
    "text": "<p>" + " ".join(_sentence(i, 12) for i in range(MAX_TEXT_CHARS // 70)) + "</p>",
}


def test_the_worst_paragraphs_fill_the_text_cap():
    assert 0.8 * MAX_TEXT_CHARS < _text_chars(WORST_HTML["paragraphs with links"]) < MAX_TEXT_CHARS


@pytest.mark.parametrize("shape", WORST_HTML)
def test_a_worst_case_html_paste_at_the_caps_takes_under_a_second(signed_in, shape):
    # Before the caps on class names, text and blocks (issue 13) the worst pages took 1 to
    # 2 s of CPU (10,000 elements with 4 MB of class names, 10,000 links, 5 MB of text).
    # The worst here ("paragraphs with links", "bylines") now take about 0.6 s of CPU on
    # a two-core machine shared with other work (it was never idle while measured), most
    # of it trafilatura's passes over 10,000 elements and its readability fallback; the
    # rest 0.05-0.46 s. The bound leaves room for a loaded CI machine. A complexity
    # guard, not a benchmark.
    body = _page(WORST_HTML[shape])
    assert len(body.encode()) < 5 * 1024 * 1024
    split_glued_words("wasbanned")
    # A new page each try, so that a repeat is not the paste of one already stored.
    within_cpu(
        1.0,
        lambda attempt: signed_in.post(
            reverse("add_paste"),
            {
                "text": body.replace("</article>", f"<p>Try {attempt}.</p></article>"),
                "format": "html",
            },
        ),
    )


def test_a_one_line_paste_is_not_called_a_file(signed_in):
    response = signed_in.post(reverse("add_paste"), {"text": "Just one line", "format": "text"})
    assert "file" not in str(response.context["paste_form"].errors)


def test_it_keeps_what_was_pasted_when_it_fails(signed_in):
    body = "My title\n\nNot long enough."
    response = signed_in.post(reverse("add_paste"), {"text": body, "format": "auto"}, **HTMX)
    content = text(response)
    assert content.lstrip().startswith('<form id="paste-form"')
    assert "Not long enough." in content


def test_it_refuses_a_bad_original_url(signed_in, sample_txt):
    response = signed_in.post(
        reverse("add_paste"),
        {"text": sample_txt.read_text(), "format": "auto", "url": "javascript:alert(1)"},
    )
    assert response.status_code == 400
    assert Story.objects.count() == 0
