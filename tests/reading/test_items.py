"""reading/items.py: the front page reuses rendered stories, never a stale one and never
one rendered for another reader."""

from __future__ import annotations

import re
from unittest.mock import patch

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache
from django.template.loader import get_template
from django.test import Client

from annotations.models import Visibility
from annotations.testing import annotate
from bench.floors import normalise
from reading.items import ITEM
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


def _client(user: User | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


class _Counted:
    def __init__(self, template) -> None:
        self.template, self.count = template, 0

    def render(self, *args, **kwargs) -> str:
        self.count += 1
        return self.template.render(*args, **kwargs)


def _front(client: Client, path: str = "/") -> tuple[str, int]:
    counted = _Counted(get_template(ITEM))
    with patch("newsreader.fragments.get_template", lambda name: counted):
        response = client.get(path)
    assert response.status_code == 200
    return response.content.decode(), counted.count


def _item(html: str, story) -> str:
    found = re.search(
        rf'<li class="story-item">(?:(?!</li>).)*?story-state-{story.pk}".*?</li>', html, re.S
    )
    assert found, f"no item for {story.pk}"
    return found.group(0)


def test_a_second_visit_renders_no_story_and_shows_the_same_page():
    ada = User.objects.create_user("ada")
    for i in range(3):
        make_story(f"Story {i}", body=BODY)
    client = _client(ada)
    first, rendered = _front(client)
    assert rendered == 3
    second, rendered_again = _front(client)
    assert rendered_again == 0
    assert normalise(first) == normalise(second)


def test_saving_reading_and_highlighting_show_at_once():
    ada = User.objects.create_user("ada")
    story = make_story("An ordinance", body=BODY).story
    client = _client(ada)
    assert "state-unread" in _item(_front(client)[0], story)
    client.post(story.state_url, {"saved": "1", "next": "/"})
    item = _item(_front(client)[0], story)
    assert "state-saved" in item and ">Unsave<" in item
    client.post(story.state_url, {"read": "1", "next": "/"})
    assert "state-unread" not in _item(_front(client)[0], story)
    annotate(story, ada, "audit of the model", visibility=Visibility.PRIVATE)
    assert "1 highlight<" in _item(_front(client)[0], story)


def test_one_readers_story_is_never_shown_to_another():
    ada, bob = User.objects.create_user("ada"), User.objects.create_user("bob")
    story = make_story("An ordinance", body=BODY).story
    _client(ada).post(story.state_url, {"saved": "1", "next": "/"})
    annotate(story, ada, "audit of the model", visibility=Visibility.PUBLIC)
    assert "state-saved" in _item(_front(_client(ada))[0], story)
    for reader in (bob, None):
        html, rendered = _front(_client(reader))
        assert rendered == 1  # their own rendering
        item = _item(html, story) if reader else html
        assert "state-saved" not in item and "highlight<" not in item


def test_a_renamed_story_moves_its_link():
    ada = User.objects.create_user("ada")
    story = make_story("An ordinance", body=BODY).story
    client = _client(ada)
    _front(client)
    type(story).objects.filter(pk=story.pk).update(title="An amended ordinance")
    story.refresh_from_db()
    html, rendered = _front(client)
    assert rendered == 1
    assert f'href="{story.get_absolute_url()}"' in html
