"""Who reaches what through a share link, and where link-only annotations never appear.

Link-only: anyone holding the link sees it; nobody but its author finds it anywhere else —
not by id, not on the story page, not in search, counts or the API's lists.
"""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from annotations.models import Reply, StoryShare, Visibility
from annotations.testing import annotate
from tests.factories import make_story

pytestmark = pytest.mark.django_db

MARKER = "quokkaxylophone"
ROLES = ["anonymous", "author", "other"]
STATES = [*Visibility.values, "deleted"]


@pytest.fixture
def world(state):
    ada = User.objects.create_user("ada", password="pw")
    bob = User.objects.create_user("bob", password="pw")
    story = make_story("A story with an annotation").story
    visibility = Visibility.PRIVATE if state == "deleted" else state
    annotation = annotate(
        story, ada, "rewritten storage layer", comment=f"Note {MARKER}", visibility=visibility
    )
    share = StoryShare.objects.create(story=story, author=ada)
    token = annotation.share_token
    if state == "deleted":
        annotation.delete()
    return {"users": {"anonymous": None, "author": ada, "other": bob}, "story": story,
            "token": token, "story_token": share.token, "annotation": annotation}  # fmt: skip


def _login(client, world, role):
    user = world["users"][role]
    if user is not None:
        client.force_login(user)


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("role", ROLES)
def test_the_annotations_link_works_exactly_while_it_is_shareable(client, world, role, state):
    _login(client, world, role)
    response = client.get(reverse("shared", args=[world["token"]]))
    shareable = state in (Visibility.LINK, Visibility.PUBLIC)
    assert response.status_code == (200 if shareable else 404)
    if shareable:
        assert MARKER in response.content.decode()


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("role", ROLES)
def test_the_story_version_shows_exactly_the_shareable(client, world, role, state):
    _login(client, world, role)
    response = client.get(reverse("shared", args=[world["story_token"]]))
    assert response.status_code == 200
    shown = MARKER in response.content.decode()
    assert shown == (state in (Visibility.LINK, Visibility.PUBLIC))


@pytest.mark.parametrize("state", [Visibility.LINK, Visibility.PUBLIC])
@pytest.mark.parametrize("role", ["author", "other"])
def test_a_signed_in_visitor_replies_through_the_link(client, world, role, state):
    _login(client, world, role)
    url = reverse("shared_reply", args=[world["token"], world["annotation"].pk])
    assert client.post(url, {"body": "Reply"}).status_code == 302
    assert Reply.objects.count() == 1


@pytest.mark.parametrize("state", [Visibility.LINK])
@pytest.mark.parametrize("role", ROLES)
def test_link_only_is_absent_from_every_listing_but_the_authors(client, world, role, state):
    _login(client, world, role)
    mine = role == "author"
    story = world["story"]
    annotation = world["annotation"]
    page = client.get(story.get_absolute_url()).content.decode()
    assert (f'id="annotation-{annotation.pk}"' in page) == mine
    assert (f'id="hl-{annotation.pk}"' in page) == mine
    count = re.search(r'class="annotation-count">(\d+)<', page)
    assert count and count.group(1) == ("1" if mine else "0")
    search = client.get(reverse("search"), {"q": MARKER, "kind": "highlights"})
    assert (f'id="result-highlight-{annotation.pk}"' in search.content.decode()) == mine
    assert (MARKER in client.get("/api/annotations/").content.decode()) == (
        # The API's list without a token is the session's: the author is signed in.
        mine
    )
    by_id = client.get(reverse("annotation_detail", args=[annotation.pk]))
    assert by_id.status_code == (200 if mine else 404)
    # Nor does the token leak into any page a non-author sees: it is in the card's share
    # menu, fetched when asked for (a 404 to them), not on the story page.
    assert annotation.share_token not in page
    menu = client.get(reverse("annotation_share_menu", args=[annotation.pk]))
    assert menu.status_code == (200 if mine else 404)
    assert (annotation.share_token in menu.content.decode()) == mine


def test_the_link_of_a_public_annotation_is_indexable_but_link_only_is_not(client):
    ada = User.objects.create_user("ada", password="pw")
    story = make_story("Robots").story
    public = annotate(story, ada, "rewritten storage layer")
    link = annotate(story, ada, "faster start-up", visibility=Visibility.LINK)
    noindex = '<meta name="robots" content="noindex, nofollow">'
    assert noindex not in client.get(reverse("shared", args=[public.share_token])).content.decode()
    assert noindex in client.get(reverse("shared", args=[link.share_token])).content.decode()
