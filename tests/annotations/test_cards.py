"""annotations/cards.py: story pages reuse rendered annotation cards, never a stale one and
never one rendered for another reader."""

from __future__ import annotations

import re
from datetime import timedelta
from unittest.mock import patch

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache
from django.core.management import call_command
from django.template.loader import get_template
from django.test import Client
from django.test.utils import override_settings

from annotations.cards import CARD
from annotations.models import Annotation, Reply, Visibility
from annotations.testing import annotate
from bench.floors import normalise
from newsreader.settings import _caches
from tests.factories import make_story

pytestmark = pytest.mark.django_db

BODY = [
    "The ordinance requires every vendor to publish an audit of the model before it is used.",
    "Critics said the audit rule was vague and that café owners would never read it at all.",
]


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def story():
    return make_story("Ordinance", body=BODY).story


def _client(user: User | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


class _Counted:
    """The card template, counting its renderings."""

    def __init__(self, template) -> None:
        self.template, self.count = template, 0

    def render(self, *args, **kwargs) -> str:
        self.count += 1
        return self.template.render(*args, **kwargs)


def _page(client: Client, story) -> tuple[str, int]:
    counted = _Counted(get_template(CARD))
    with patch("newsreader.fragments.get_template", lambda name: counted):
        response = client.get(story.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode(), counted.count


def _card(html: str, annotation: Annotation) -> str:
    found = re.search(
        rf'<li class="annotation[^"]*" id="annotation-{annotation.pk}".*?</section>\s*</li>',
        html,
        re.S,
    )
    assert found, f"no card for {annotation.pk}"
    return found.group(0)


def test_a_second_visit_renders_no_card_and_shows_the_same_page(story, ada, bob):
    annotate(story, ada, "audit of the model", comment="Why *this*?", tags=["law"])
    annotate(story, bob, "café owners")
    client = _client(ada)
    first, rendered = _page(client, story)
    assert rendered == 2
    second, rendered_again = _page(client, story)
    assert rendered_again == 0
    assert normalise(first) == normalise(second)  # CSRF tokens, nonces and keys apart


def test_each_card_carries_this_responses_csrf_token(story, ada):
    annotate(story, ada, "audit of the model")
    client = _client(ada)
    _page(client, story)
    html, rendered = _page(client, story)
    assert rendered == 0
    tokens = set(re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', html))
    assert "csrf-stand-in" not in html
    assert tokens and all(len(token) == 64 for token in tokens)
    delete = re.search(r'action="/annotations/\d+/delete/"', html)
    assert delete
    # The cached card's delete form posts with the token of this response's cookie.
    response = client.post(
        delete.group(0).split('"')[1], {"csrfmiddlewaretoken": tokens.pop()}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert not Annotation.objects.exists()


def test_an_edit_shows_at_once(story, ada):
    annotation = annotate(story, ada, "audit of the model", comment="First thoughts")
    client = _client(ada)
    _page(client, story)
    response = client.post(
        f"/annotations/{annotation.pk}/edit/",
        {"colour": "green", "comment": "Second thoughts", "tags": "rules", "visibility": "public"},
    )
    assert response.status_code == 302
    card = _card(_page(client, story)[0], annotation)
    assert "Second thoughts" in card and "First thoughts" not in card
    assert "annotation-green" in card and "#rules" in card


def test_a_reply_and_its_deletion_show_at_once(story, ada, bob):
    annotation = annotate(story, ada, "audit of the model")
    for reader in (ada, bob):
        _page(_client(reader), story)
    response = _client(bob).post(
        f"/annotations/{annotation.pk}/replies/",
        {"body": "I agree with this", "idempotency_key": "k1"},
    )
    assert response.status_code == 302
    assert "I agree with this" in _card(_page(_client(ada), story)[0], annotation)
    reply = Reply.objects.get()
    assert f"/replies/{reply.pk}/delete/" in _card(_page(_client(bob), story)[0], annotation)
    # Ada may not delete Bob's reply: her cached card never offers it.
    assert f"/replies/{reply.pk}/delete/" not in _card(_page(_client(ada), story)[0], annotation)
    _client(bob).post(f"/replies/{reply.pk}/delete/")
    assert "I agree with this" not in _card(_page(_client(ada), story)[0], annotation)


def test_a_visibility_change_shows_at_once_and_hides_from_others(story, ada, bob):
    annotation = annotate(story, ada, "audit of the model", visibility=Visibility.PUBLIC)
    assert f'id="annotation-{annotation.pk}"' in _page(_client(bob), story)[0]
    _page(_client(ada), story)
    _client(ada).post(
        f"/annotations/{annotation.pk}/edit/",
        {"colour": "yellow", "comment": "", "tags": "", "visibility": "private"},
    )
    assert "Private" in _card(_page(_client(ada), story)[0], annotation)
    assert f'id="annotation-{annotation.pk}"' not in _page(_client(bob), story)[0]
    assert f'id="annotation-{annotation.pk}"' not in _page(_client(None), story)[0]


def test_a_card_rendered_for_its_author_is_never_shown_to_another_reader(story, ada, bob):
    annotation = annotate(story, ada, "audit of the model", visibility=Visibility.PUBLIC)
    mine = _card(_page(_client(ada), story)[0], annotation)
    assert f"/annotations/{annotation.pk}/edit/" in mine
    for reader in (bob, None):
        theirs, rendered = _page(_client(reader), story)
        assert rendered == 1  # their own rendering, not the author's
        card = _card(theirs, annotation)
        assert f"/annotations/{annotation.pk}/edit/" not in card
        assert "/delete/" not in card
    assert "reply-link" not in _card(_page(_client(None), story)[0], annotation)


def test_relative_times_move_on_without_an_edit(story, ada):
    annotation = annotate(story, ada, "audit of the model")
    client = _client(ada)
    assert "just now" in _card(_page(client, story)[0], annotation)
    Annotation.objects.filter(pk=annotation.pk).update(
        created=annotation.created - timedelta(hours=3)
    )
    card = _card(_page(client, story)[0], annotation)
    assert "3\xa0hours ago" in card and "just now" not in card


def test_a_renamed_story_moves_its_cards_links(story, ada):
    annotation = annotate(story, ada, "audit of the model")
    client = _client(ada)
    _page(client, story)
    type(story).objects.filter(pk=story.pk).update(title="Ordinance, amended")
    story.refresh_from_db()
    card = _card(_page(client, story)[0], annotation)
    assert f'href="{story.get_absolute_url()}#hl-{annotation.pk}"' in card


def test_the_cache_url_chooses_the_backend():
    assert _caches("locmem://")["default"]["BACKEND"].endswith("LocMemCache")
    assert _caches("redis://cache:6379/1")["default"]["LOCATION"] == "redis://cache:6379/1"
    database = _caches("db://page_cache")["default"]
    assert database["BACKEND"].endswith("DatabaseCache") and database["LOCATION"] == "page_cache"
    with pytest.raises(Exception, match="unknown scheme"):
        _caches("memcached://x")


@pytest.mark.django_db(transaction=True)
def test_cards_rendered_by_one_process_serve_another_through_the_database_cache(ada):
    story = make_story("Ordinance", body=BODY).story
    annotate(story, ada, "audit of the model")
    shared = _caches("db://test_card_cache")
    call_command("createcachetable", "test_card_cache", verbosity=0)
    with override_settings(CACHES=shared):
        from django.core.cache import caches

        caches["default"].clear()
        _first, rendered = _page(_client(ada), story)
        assert rendered == 1
        # Another web process: its own memory, the same database.
        del caches["default"]
        _second, rendered_elsewhere = _page(_client(ada), story)
        assert rendered_elsewhere == 0
