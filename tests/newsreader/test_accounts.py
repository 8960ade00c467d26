"""Sign-up, log-in and log-out, through the forms the pages serve (CSRF enforced), checked on
the request after: a session that does not survive to the next page is no sign-in."""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import urljoin

import pytest
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, SESSION_KEY
from django.contrib.auth.models import User
from django.test import Client

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-pass-phrase-9"


class _Forms(HTMLParser):
    """Each <form> of a page: its action, its inputs' names and values, its buttons' text."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict] = []
        self.form: dict | None = None
        self.button: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.form = {"action": attrs.get("action") or "", "fields": {}, "buttons": []}
            self.forms.append(self.form)
        elif self.form is not None and tag == "input" and attrs.get("name"):
            self.form["fields"][attrs["name"]] = attrs.get("value") or ""
        elif self.form is not None and tag == "button":
            self.button = []

    def handle_data(self, data):
        if self.button is not None:
            self.button.append(data)

    def handle_endtag(self, tag):
        if tag == "button" and self.button is not None and self.form is not None:
            self.form["buttons"].append(" ".join("".join(self.button).split()))
            self.button = None
        elif tag == "form":
            self.form = None


def submit(client: Client, page: str, button: str, **values: str):
    """Open page, fill the form whose button says `button` with values, press it."""
    response = client.get(page)
    assert response.status_code == 200, page
    parser = _Forms()
    parser.feed(response.content.decode())
    [form] = [f for f in parser.forms if button in f["buttons"]]
    missing = set(values) - set(form["fields"])
    assert not missing, f"the form has no field {missing}"
    data = {**form["fields"], **values}
    return client.post(urljoin(page, form["action"] or page), data)


def signed_in_as(client: Client) -> str | None:
    """Who the next request is made by (None: nobody), as the app sees it."""
    response = client.get("/")
    user = response.context["user"]
    if not user.is_authenticated:
        assert "Log out" not in response.content.decode()
        return None
    html = response.content.decode()
    assert f'<span class="nav-user">{user.get_username()}</span>' in html
    return user.get_username()


@pytest.fixture
def browser_client() -> Client:
    return Client(enforce_csrf_checks=True)


def test_signing_up_signs_the_new_reader_in(browser_client):
    response = submit(
        browser_client,
        "/accounts/signup/",
        "Create account",
        username="quokka",
        password1=PASSWORD,
        password2=PASSWORD,
    )
    assert response.status_code == 302
    assert response["Location"] == "/"
    user = User.objects.get(username="quokka")
    session = browser_client.session
    assert session[SESSION_KEY] == str(user.pk)
    assert session[BACKEND_SESSION_KEY] in settings.AUTHENTICATION_BACKENDS
    assert signed_in_as(browser_client) == "quokka"


def test_a_refused_sign_up_keeps_the_form_and_signs_nobody_in(browser_client):
    response = submit(
        browser_client,
        "/accounts/signup/",
        "Create account",
        username="quokka",
        password1=PASSWORD,
        password2="something else",
    )
    assert response.status_code == 400
    assert 'value="quokka"' in response.content.decode()
    assert not User.objects.exists()
    assert signed_in_as(browser_client) is None


def test_logging_in_through_the_form_lasts_to_the_next_page(browser_client):
    User.objects.create_user("quokka", password=PASSWORD)
    response = submit(
        browser_client, "/accounts/login/", "Log in", username="quokka", password=PASSWORD
    )
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert signed_in_as(browser_client) == "quokka"


def test_logging_in_returns_to_the_page_that_asked(browser_client):
    User.objects.create_user("quokka", password=PASSWORD)
    asked = browser_client.get("/sources/")
    assert asked.status_code == 302
    response = submit(
        browser_client, asked["Location"], "Log in", username="quokka", password=PASSWORD
    )
    assert response["Location"] == "/sources/"
    assert browser_client.get("/sources/").status_code == 200


def test_logging_in_never_leaves_for_another_site(browser_client):
    User.objects.create_user("quokka", password=PASSWORD)
    response = submit(
        browser_client,
        "/accounts/login/?next=https://evil.example/",
        "Log in",
        username="quokka",
        password=PASSWORD,
    )
    assert response["Location"] == "/"


def test_a_wrong_password_says_so_and_signs_nobody_in(browser_client):
    User.objects.create_user("quokka", password=PASSWORD)
    response = submit(
        browser_client, "/accounts/login/", "Log in", username="quokka", password="wrong"
    )
    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()
    assert signed_in_as(browser_client) is None


def test_logging_out_through_the_header_button_ends_the_session(browser_client):
    User.objects.create_user("quokka", password=PASSWORD)
    submit(browser_client, "/accounts/login/", "Log in", username="quokka", password=PASSWORD)
    assert signed_in_as(browser_client) == "quokka"
    response = submit(browser_client, "/", "Log out")
    assert response.status_code == 302
    assert signed_in_as(browser_client) is None
    assert SESSION_KEY not in browser_client.session


def test_the_forms_need_their_csrf_token(browser_client):
    User.objects.create_user("quokka", password=PASSWORD)
    response = browser_client.post("/accounts/login/", {"username": "quokka", "password": PASSWORD})
    assert response.status_code == 403
    assert signed_in_as(browser_client) is None


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
