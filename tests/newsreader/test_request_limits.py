"""Request size limits (newsreader.request_limits): a body over its limit is refused by its
Content-Length before it is read, and the answer is the app's own — a page, an htmx
fragment or API JSON — with DEBUG on or off."""

from __future__ import annotations

import json
import socket
import time
from urllib.parse import urlsplit

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import RequestDataTooBig
from django.core.files import uploadhandler
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory
from django.urls import reverse

from annotations.models import ApiToken
from articles.models import Story
from newsreader.request_limits import CappedUploadHandler, body_limit

pytestmark = pytest.mark.django_db

MB = 1024 * 1024
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(params=[False, True], ids=["debug-off", "debug-on"])
def debug(request, settings):
    settings.DEBUG = request.param
    return request.param


@pytest.fixture
def spooled(monkeypatch, settings, tmp_path):
    """Every temporary upload file Django makes (none, we expect), and its directory."""
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path)
    made: list[str] = []
    real = uploadhandler.TemporaryUploadedFile

    def record(*args, **kwargs):
        made.append(args[0] if args else kwargs.get("name", "?"))
        return real(*args, **kwargs)

    monkeypatch.setattr(uploadhandler, "TemporaryUploadedFile", record)
    return made


def text(response) -> str:
    return response.content.decode().replace("&#x27;", "'")


def test_the_limits_are_16_mb_for_the_forms_that_take_files_and_1_mb_elsewhere():
    factory = RequestFactory()
    for name in ("add_upload", "add_paste", "sources_import"):
        assert body_limit(factory.post(reverse(name))) == 16 * MB
    for path in ("/accounts/login/", "/accounts/signup/", "/api/annotations/", "/add/url/"):
        assert body_limit(factory.post(path)) == MB


def test_staff_may_send_a_story_sized_body_in_the_admin_and_nobody_else(rf, admin_user, user):
    for who, path, limit in [
        (admin_user, "/admin/articles/storyrevision/1/change/", 16 * MB),
        (user, "/admin/articles/storyrevision/1/change/", MB),
        (AnonymousUser(), "/admin/login/", MB),
        (admin_user, "/api/annotations/", MB),
    ]:
        request = rf.post(path)
        request.user = who
        assert body_limit(request) == limit


def test_an_import_may_be_as_large_as_the_import_limit_only_for_a_signed_in_reader(
    rf, user, settings
):
    from django.contrib.auth.models import AnonymousUser

    settings.IMPORT_MAX_BYTES = 100 * MB
    request = rf.post(reverse("import"))
    request.user = user
    assert body_limit(request) > 100 * MB
    request.user = AnonymousUser()
    assert body_limit(request) == MB
    assert body_limit(rf.post(reverse("save_page"))) == 16 * MB


def test_a_signed_in_import_over_the_in_memory_size_reaches_the_import(signed_in, settings):
    # Past the 1 MB other forms take, the import reads the file and answers about it.
    settings.UPLOAD_MAX_BYTES = 1 * MB
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1 * MB
    data = b"\x00\x01 not an export of any service " * (3 * MB // 34)
    assert len(data) > 2 * MB
    response = signed_in.post(reverse("import"), {"file": SimpleUploadedFile("odd.bin", data)})
    assert response.status_code == 400
    assert "larger than" not in text(response)
    assert "This file is binary, not text." in text(response)


def test_an_anonymous_upload_to_the_log_in_form_is_refused_unread(client, spooled, debug):
    big = SimpleUploadedFile("big.bin", b"x" * (7 * MB))
    response = client.post(reverse("login"), {"username": "a", "password": "b", "f": big})
    assert response.status_code == 413
    assert spooled == []
    assert "This is 7 MB, larger than the 1 MB this form accepts." in text(response)
    assert "Traceback" not in text(response) and "RequestDataTooBig" not in text(response)


def test_a_paste_over_the_ingest_cap_gets_the_forms_own_message(signed_in):
    # 8.5 MB: within the request limit for this form, over what a story may be.
    pasted = "Words of a very long story. " * (int(8.5 * MB) // 28)
    response = signed_in.post(reverse("add_paste"), {"text": pasted, "format": "text"})
    assert response.status_code == 400
    assert "This is larger than 5 MB." in text(response)
    assert 'id="paste-form"' in text(response)
    assert Story.objects.count() == 0


def test_a_body_over_the_forms_limit_is_a_page_that_says_the_limit_and_the_way_back(
    signed_in, debug, spooled
):
    upload = SimpleUploadedFile("huge.txt", b"word " * (17 * MB // 5))
    response = signed_in.post(
        reverse("add_upload"), {"file": upload}, HTTP_REFERER="http://testserver/add/"
    )
    assert response.status_code == 413
    content = text(response)
    assert "<title>Too large · Newsreader</title>" in content
    assert "This is 17 MB, larger than the 16 MB this form accepts." in content
    assert '<a href="/add/">Back to the form</a>' in content
    assert "Technical details" not in content and "RequestDataTooBig" not in content
    assert spooled == []
    assert Story.objects.count() == 0


def test_htmx_gets_the_message_as_a_fragment(signed_in, debug):
    pasted = "x" * (17 * MB)
    response = signed_in.post(
        reverse("add_paste"), {"text": pasted}, HTTP_REFERER="http://testserver/add/", **HTMX
    )
    assert response.status_code == 413
    content = text(response)
    assert content.lstrip().startswith('<div class="request-too-large" role="alert">')
    assert "<html" not in content
    assert "16 MB" in content


def test_the_api_answers_json_413(client, ada, debug):
    token = ApiToken.issue(ada, "tests")[1]
    body = json.dumps({"bodyValue": "x" * (2 * MB)})
    response = client.post(
        reverse("api_annotations"),
        body,
        content_type="application/ld+json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.status_code == 413
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"error": "The request body is larger than the 1 MB the API accepts."}


def test_a_view_that_hits_djangos_own_limit_gets_the_same_answer(client, ada, settings, debug):
    # Should Django's limit ever be the smaller one, its exception is answered as ours.
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 512 * 1024
    body = json.dumps({"bodyValue": "x" * (600 * 1024)})
    response = client.post(
        reverse("api_annotations"),
        body,
        content_type="application/ld+json",
        HTTP_AUTHORIZATION=f"Bearer {ApiToken.issue(ada, 'tests')[1]}",
    )
    assert response.status_code == 413
    assert response.json() == {
        "error": "The request body is larger than the 0.5 MB the API accepts."
    }


@pytest.mark.parametrize(
    ("referer", "back"),
    [
        ("http://testserver/add/?tab=paste", "/add/?tab=paste"),
        ("http://testserver//evil.example/", "/"),
        ("https://evil.example/add/", "/"),
        ("", "/"),
    ],
)
def test_the_way_back_stays_on_this_site(client, referer, back):
    response = client.post(
        reverse("login"), "x" * (2 * MB), content_type="text/plain", HTTP_REFERER=referer
    )
    assert response.status_code == 413
    assert f'<a href="{back}">Back to the form</a>' in text(response)


def test_a_body_within_the_limit_is_read_as_before(client, ada):
    response = client.post(reverse("login"), {"username": "ada", "password": "wrong" * 1000})
    assert response.status_code == 200


def test_the_upload_handler_refuses_what_is_over_the_limit_before_any_later_handler():
    request = RequestFactory().post(reverse("login"))
    handler = CappedUploadHandler(request)
    with pytest.raises(RequestDataTooBig):
        handler.handle_raw_input(None, request.META, 200 * MB, b"b")
    handler.handle_raw_input(None, request.META, MB, b"b")
    assert handler.receive_data_chunk(b"x" * (MB - 1), 0) == b"x" * (MB - 1)
    with pytest.raises(RequestDataTooBig):
        handler.receive_data_chunk(b"xx", MB - 1)


@pytest.mark.django_db(transaction=True)
def test_a_200_mb_body_to_the_live_log_in_is_refused_before_it_is_sent(live_server, spooled):
    """Headers that announce 200 MB and the first 64 KB of it: the server answers at once,
    without waiting for (or spooling) the rest."""
    address = urlsplit(live_server.url)
    boundary = "x" * 20
    head = (
        f"POST /accounts/login/ HTTP/1.1\r\nHost: {address.netloc}\r\n"
        f"Content-Type: multipart/form-data; boundary={boundary}\r\n"
        f"Content-Length: {200 * MB}\r\n\r\n"
        f'--{boundary}\r\nContent-Disposition: form-data; name="f"; filename="big.bin"\r\n\r\n'
    ).encode()
    started = time.monotonic()
    with socket.create_connection((address.hostname, address.port), timeout=10) as sock:
        sock.sendall(head + b"x" * 65536)
        answer = sock.recv(65536).decode("latin-1")
    assert answer.startswith("HTTP/1.1 413")
    assert time.monotonic() - started < 5
    assert spooled == []
