"""Save from anywhere (imports/views_save.py, imports/saving.py): the page, the window
the bookmarklet opens, and what a save stores."""

from __future__ import annotations

import pytest
from django.urls import reverse

from annotations.models import Annotation
from articles.models import Story
from imports import bookmarklet
from imports.models import SaveKey
from reading.models import ReadingState
from tests.importsite import PAGES, page, serve

pytestmark = pytest.mark.django_db

PAYWALLED = "Subscribe to read the rest of this story. Already a subscriber? Log in."


@pytest.fixture
def server(local_server, settings):
    settings.FETCH_ALLOWED_HOSTS = [f"127.0.0.1:{local_server.port}"]
    settings.FETCH_TIMEOUT = 5
    serve(local_server)
    title, _paragraphs = PAGES["/rust"]
    local_server.route(
        "/paywalled", page(title, [PAYWALLED]), headers={"Content-Type": "text/html"}
    )
    return local_server


def key_of(user) -> str:
    return SaveKey.for_user(user).key


def rust_dom() -> str:
    title, paragraphs = PAGES["/rust"]
    return page(title, paragraphs).decode()


def test_the_page_offers_a_bookmarklet_that_carries_the_readers_key(signed_in, user):
    content = signed_in.get(reverse("save_anywhere")).content.decode()
    key = key_of(user)
    assert 'class="bookmarklet" href="javascript:' in content
    assert key in content
    code = bookmarklet.code("http://testserver", key)
    assert 'const origin = "http://testserver"' in code
    assert 'open(origin + "/save/window/"' in code
    assert "//" not in code.replace("http://", "")  # one line: a comment would end it


def test_a_new_bookmarklet_revokes_the_old_key(signed_in, user):
    old = key_of(user)
    response = signed_in.post(reverse("save_key_rotate"), follow=True)
    assert key_of(user) != old
    assert key_of(user) in response.content.decode()


def test_the_window_keeps_its_opener_and_fills_in_the_address(signed_in):
    response = signed_in.get(
        reverse("save_window"), {"url": "https://example.com/a", "selection": "some words"}
    )
    assert response["Cross-Origin-Opener-Policy"] == "unsafe-none"
    content = response.content.decode()
    assert 'value="https://example.com/a"' in content
    assert ">some words</textarea>" in content
    assert "js/save-window" in content


def test_the_window_asks_for_a_sign_in_and_comes_back_with_the_address(client, user):
    response = client.get(reverse("save_window"), {"url": "https://example.com/a"})
    assert response.status_code == 302
    login = response["Location"]
    assert login.startswith(reverse("login"))
    signed_in = client.post(login, {"username": "reader", "password": "pw"}, follow=True)
    assert signed_in.resolver_match.url_name == "save_window"
    assert 'value="https://example.com/a"' in signed_in.content.decode()


def test_saving_an_address_fetches_it_and_highlights_the_selection(signed_in, user, server):
    response = signed_in.post(
        reverse("save_page"),
        {
            "url": server.url("/rust"),
            "selection": "Memory safety bugs account for\nmost of the security fixes",
            "html": rust_dom(),
            "key": key_of(user),
        },
    )
    story = Story.objects.get()
    assert story.owner is None  # the server got the whole page: the shared story
    [highlight] = Annotation.objects.all()
    assert highlight.exact == "Memory safety bugs account for most of the security fixes"
    assert response["Location"] == f"{story.get_absolute_url()}#hl-{highlight.pk}"
    assert ReadingState.objects.get(user=user, story=story).saved_at is not None


def test_a_page_behind_a_paywall_is_saved_as_the_reader_sees_it(signed_in, user, server):
    response = signed_in.post(
        reverse("save_page"),
        {
            "url": server.url("/paywalled"),
            "selection": "Drivers in C remain welcome",
            "html": rust_dom(),
            "key": key_of(user),
        },
        follow=True,
    )
    copy = Story.objects.get(owner=user)
    assert copy.url == server.url("/paywalled")
    assert copy.current_revision.origin == "browser"
    assert "Drivers in C remain welcome" in copy.current_revision.body_text
    assert Annotation.objects.get().story == copy
    assert "as your own copy" in response.content.decode()
    # Nobody else's view of that address changed.
    assert not Story.objects.filter(owner=None, url=server.url("/paywalled")).exists() or (
        PAYWALLED
        in Story.objects.get(owner=None, url=server.url("/paywalled")).current_revision.body_text
    )


def test_a_page_the_server_cannot_fetch_is_saved_from_the_dom(signed_in, user, server):
    signed_in.post(
        reverse("save_page"),
        {"url": server.url("/members-only"), "html": rust_dom(), "key": key_of(user)},
    )
    copy = Story.objects.get()
    assert copy.owner == user
    assert copy.title == "Rust in the kernel"


def test_a_page_sent_without_the_key_saves_nothing(signed_in, user, server):
    response = signed_in.post(
        reverse("save_page"),
        {"url": server.url("/members-only"), "html": rust_dom(), "key": "not-the-key"},
    )
    assert response.status_code == 403
    assert "without your bookmarklet" in response.content.decode().replace("&#x27;", "'")
    assert Story.objects.count() == 0


def test_an_address_that_cannot_be_saved_says_why_in_the_window(signed_in, server):
    response = signed_in.post(reverse("save_page"), {"url": server.url("/members-only")})
    assert response.status_code == 400
    assert "404" in response.content.decode()
    assert Story.objects.count() == 0


def test_saving_needs_the_csrf_token(client, user, server):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(user)
    response = strict.post(reverse("save_page"), {"url": server.url("/rust")})
    assert response.status_code == 403
    assert Story.objects.count() == 0


# --- Installing, and sharing from a phone ---------------------------------------------------


def test_every_page_links_the_manifest_and_the_theme_colours(client):
    content = client.get(reverse("login")).content.decode()
    assert f'<link rel="manifest" href="{reverse("manifest")}">' in content
    assert (
        '<meta name="theme-color" content="#1f4fa8" media="(prefers-color-scheme: light)">'
        in content
    )
    assert (
        '<meta name="theme-color" content="#17171a" media="(prefers-color-scheme: dark)">'
        in content
    )


def test_the_manifest_makes_the_app_installable_with_a_share_target(client):
    from django.contrib.staticfiles import finders

    response = client.get(reverse("manifest"))
    assert response["Content-Type"] == "application/manifest+json"
    data = response.json()
    assert (data["name"], data["start_url"], data["display"]) == ("Newsreader", "/", "standalone")
    sizes = {icon["sizes"] for icon in data["icons"] if icon["type"] == "image/png"}
    assert {"192x192", "512x512"} <= sizes
    assert any(icon.get("purpose") == "maskable" for icon in data["icons"])
    for icon in data["icons"]:
        path = icon["src"].removeprefix("/static/")
        assert finders.find(path), icon["src"]
    assert data["share_target"] == {
        "action": reverse("share_target"),
        "method": "GET",
        "params": {"title": "title", "text": "text", "url": "url"},
    }


@pytest.mark.parametrize(
    ("url", "text", "address", "passage"),
    [
        ("https://example.com/a", "", "https://example.com/a", ""),
        ("", "Read this https://example.com/a?x=1", "https://example.com/a?x=1", "Read this"),
        (
            "",
            "“Memory safety bugs account for most fixes”\nhttps://example.com/a#:~:text=Memory",
            "https://example.com/a",
            "Memory safety bugs account for most fixes",
        ),
    ],
)
def test_what_a_phone_shares_is_split_into_address_and_passage(url, text, address, passage):
    from imports.views_save import shared_parts

    assert shared_parts(url, text) == (address, passage)


def test_sharing_shows_the_form_and_saves_nothing_by_itself(signed_in, server):
    response = signed_in.get(
        reverse("share_target"),
        {"title": "Rust", "text": f"“Drivers in C remain welcome” {server.url('/rust')}"},
    )
    content = response.content.decode()
    assert "Shared with Newsreader" in content
    assert f'value="{server.url("/rust")}"' in content
    assert ">Drivers in C remain welcome</textarea>" in content
    assert "js/save-window" not in content  # no script that would send it
    assert Story.objects.count() == 0
