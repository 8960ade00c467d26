"""Personal API tokens: the settings page, Bearer authentication, CSRF and rate limits."""

from __future__ import annotations

import hashlib
import json
import re

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from annotations.models import Annotation
from annotations.tokens import MAX_TOKENS, ApiToken
from tests.factories import make_story

pytestmark = pytest.mark.django_db

QUOTE = "rewritten storage layer"


@pytest.fixture
def story():
    body = [
        "Engineers said the release has a rewritten storage layer and a new scheduler.",
        "It starts faster and it surprises the people who run it themselves far less.",
    ]
    return make_story("Tokens", body=body).story


def _annotation_json(story) -> str:
    return json.dumps(
        {
            "type": "Annotation",
            "target": {
                "source": story.url,
                "selector": [
                    {"type": "TextQuoteSelector", "exact": QUOTE, "prefix": "release has a "}
                ],
            },
        }
    )


def _created_token(response) -> str:
    match = re.search(
        r'id="new-token" type="text" readonly value="([^"]+)"', response.content.decode()
    )
    assert match, "the new token is shown"
    return match.group(1)


def test_the_settings_page_needs_an_account(client):
    response = client.get(reverse("api_tokens"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_it_creates_a_token_shows_it_once_and_stores_only_its_hash(client, ada):
    client.force_login(ada)
    response = client.post(reverse("api_tokens"), {"name": "My script"})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"].split(", ")
    token = _created_token(response)
    row = ApiToken.objects.get()
    assert row.name == "My script"
    assert row.digest == hashlib.sha256(token.encode()).hexdigest()
    assert token not in {row.digest, row.hint, row.name}
    assert token.startswith(row.hint) and len(row.hint) < 12
    page = client.get(reverse("api_tokens")).content.decode()
    assert token not in page
    assert "My script" in page and f"{row.hint}…" in page and "never used" in page


def test_a_token_without_a_name_is_an_error_on_the_form(client, ada):
    client.force_login(ada)
    response = client.post(reverse("api_tokens"), {"name": ""})
    assert response.status_code == 400
    assert "Give the token a name" in response.content.decode()
    assert not ApiToken.objects.exists()


def test_a_user_has_at_most_so_many_tokens(client, ada):
    for n in range(MAX_TOKENS):
        ApiToken.issue(ada, f"t{n}")
    client.force_login(ada)
    response = client.post(reverse("api_tokens"), {"name": "one more"})
    assert response.status_code == 400
    assert ApiToken.objects.count() == MAX_TOKENS


def test_a_revoked_token_no_longer_works(client, ada):
    row, token = ApiToken.issue(ada, "t")
    assert client.get("/api/annotations/", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 200
    client.force_login(ada)
    assert client.post(reverse("api_token_revoke", args=[row.pk])).status_code == 302
    client.logout()
    response = client.get("/api/annotations/", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 401
    assert 'error="invalid_token"' in response["WWW-Authenticate"]


def test_nobody_revokes_someone_elses_token(client, ada):
    row, _token = ApiToken.issue(ada, "t")
    bob = User.objects.create_user("bob", password="pw")
    client.force_login(bob)
    assert client.post(reverse("api_token_revoke", args=[row.pk])).status_code == 404
    assert ApiToken.objects.exists()


@pytest.mark.parametrize("scheme", ["Bearer", "bearer", "BEARER", "Bearer "])
def test_the_bearer_scheme_is_case_insensitive(client, ada, story, scheme):
    # RFC 9110: the authentication scheme is case-insensitive; spaces before the token too.
    from annotations.models import Visibility
    from annotations.testing import annotate

    _row, token = ApiToken.issue(ada, "t")
    private = annotate(story, ada, QUOTE, visibility=Visibility.PRIVATE)
    response = client.get(f"/api/annotations/{private.pk}/", HTTP_AUTHORIZATION=f"{scheme} {token}")
    assert response.status_code == 200
    assert client.get(f"/api/annotations/{private.pk}/").status_code == 404


@pytest.mark.parametrize("header", ["Bearer nope", "Bearer nr_forged", "Basic YWRhOnB3", "Bearer"])
def test_a_bad_authorization_header_is_401(client, header):
    response = client.get("/api/annotations/", HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith('Bearer realm="newsreader"')


def test_an_inactive_users_token_does_not_work(client, ada):
    _row, token = ApiToken.issue(ada, "t")
    ada.is_active = False
    ada.save()
    assert client.get("/api/annotations/", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 401


def test_a_token_request_needs_no_csrf_token(story, ada):
    _row, token = ApiToken.issue(ada, "t")
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        "/api/annotations/",
        _annotation_json(story),
        content_type="application/ld+json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.status_code == 201, response.content
    assert ApiToken.objects.get().last_used is not None


def test_a_session_write_must_pass_csrf(story, ada):
    client = Client(enforce_csrf_checks=True)
    client.force_login(ada)
    kwargs = {"content_type": "application/ld+json"}
    refused = client.post("/api/annotations/", _annotation_json(story), **kwargs)
    assert refused.status_code == 403
    assert "CSRF" in refused.json()["error"]
    assert not Annotation.objects.exists()
    # A page sets the cookie; a script sends it back as the header.
    client.get(reverse("home"))
    csrf = client.cookies["csrftoken"].value
    response = client.post(
        "/api/annotations/", _annotation_json(story), HTTP_X_CSRFTOKEN=csrf, **kwargs
    )
    assert response.status_code == 201, response.content


def test_an_anonymous_write_is_401(story):
    response = Client().post(
        "/api/annotations/", _annotation_json(story), content_type="application/ld+json"
    )
    assert response.status_code == 401
    assert "Bearer" in response["WWW-Authenticate"]


def test_the_api_is_rate_limited(client, ada, settings):
    settings.RATELIMIT_RATES = {"api": "3/m"}
    _row, token = ApiToken.issue(ada, "t")
    responses = [
        client.get("/api/annotations/", HTTP_AUTHORIZATION=f"Bearer {token}") for _ in range(4)
    ]
    assert [r.status_code for r in responses] == [200, 200, 200, 429]
    refused = responses[-1]
    # An API client gets JSON it can parse, not the HTML page browsers get.
    assert refused["Content-Type"] == "application/json"
    assert "try again" in refused.json()["error"]
    assert int(refused["Retry-After"]) >= 1
