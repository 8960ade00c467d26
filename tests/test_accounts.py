import pytest
from django.contrib.auth.models import User

pytestmark = pytest.mark.django_db


def test_it_signs_up_and_logs_in(client):
    response = client.post(
        "/accounts/signup/",
        {
            "username": "reader",
            "password1": "a-long-pass-phrase-9",
            "password2": "a-long-pass-phrase-9",
        },
    )
    assert response.status_code == 302
    assert User.objects.filter(username="reader").exists()
    # Signed in: a page for readers only opens (anyone else is sent to log in).
    assert client.get("/preferences/").status_code == 200


def test_it_rejects_a_bad_signup(client):
    response = client.post(
        "/accounts/signup/", {"username": "reader", "password1": "x", "password2": "y"}
    )
    assert response.status_code == 400
    assert not User.objects.exists()


def test_it_logs_in_and_out(client):
    User.objects.create_user("ada", password="correct-horse-battery")
    response = client.post(
        "/accounts/login/", {"username": "ada", "password": "correct-horse-battery"}
    )
    assert response.status_code == 302
    assert client.get("/").context["user"].is_authenticated
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert not client.get("/").context["user"].is_authenticated


def test_it_needs_post_to_log_out(client):
    assert client.get("/accounts/logout/").status_code == 405


def test_signing_up_leaves_the_reader_signed_in_on_the_next_pages(client):
    """The session sign-up writes must name a backend the settings still have: the next
    request loads the user through AUTHENTICATION_BACKENDS, or drops the session."""
    response = client.post(
        "/accounts/signup/",
        {
            "username": "newcomer",
            "password1": "a-long-pass-phrase-9",
            "password2": "a-long-pass-phrase-9",
        },
        follow=True,
    )
    assert response.redirect_chain == [("/", 302)]
    assert response.context["user"].get_username() == "newcomer"
    assert "Welcome, newcomer: you are signed in." in response.content.decode()
    # A page only a signed-in reader gets: no redirect to log in.
    page = client.get("/highlights/")
    assert page.status_code == 200
    assert page.context["user"].get_username() == "newcomer"


def test_signed_in_pages_are_private_and_not_stored(client):
    """Back after logging out must not bring a private page out of the browser's cache."""
    User.objects.create_user("ada", password="correct-horse-battery")
    anonymous = client.get("/")
    assert "no-store" not in anonymous.get("Cache-Control", "")
    client.post("/accounts/login/", {"username": "ada", "password": "correct-horse-battery"})
    for url in ("/", "/highlights/", "/preferences/", "/settings/tokens/", "/api/annotations/"):
        response = client.get(url)
        assert response.status_code == 200, url
        directives = {d.strip() for d in response["Cache-Control"].split(",")}
        assert {"private", "no-store"} <= directives, url
