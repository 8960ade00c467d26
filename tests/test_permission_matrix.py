"""Who may do what with an annotation: every role × visibility × action is a test.

Roles: anonymous, the author, another user, staff (staff get no special powers over other
people's annotations in the app; the admin is where they moderate). States: each value of
`Visibility` plus "deleted". Rules (README, "Visibility"):

- What a reader may not see does not exist for them: 404, never 403, so a private
  annotation's existence does not leak. A deleted annotation is a 404 for everyone.
- An annotation the reader may see but not change (someone else's) is a 403 on change.
- Lists, counts and search show exactly what the reader may see; "My highlights" only
  their own.
- Actions that need an account send anonymous readers to log in before anything is
  looked up.

New visibilities and actions join by parametrization: every value of `Visibility` is a
state, and one the rules below do not know fails loudly (`expected`). Link-only
annotations are reached by share token only, so by id they behave as private ones; the
share link, export and W3C API rows join ACTIONS once their URLs are routed (export is
switched on by its URL name already).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import NoReverseMatch, reverse

from annotations.models import Annotation, Reply, Visibility
from annotations.testing import annotate
from articles.models import Story
from tests.factories import make_story

pytestmark = pytest.mark.django_db

TOKEN = "quokkaxylophone"  # in the comment only: a search hit means the annotation is shown
QUOTE = "rewritten storage layer"
HTMX = {"HX-Request": "true"}

ROLES = ["anonymous", "author", "other", "staff"]
DELETED = "deleted"
# "Anyone with the link" (the sharing work names it "link").
LINK_ONLY = {"link"}
STATES = [*Visibility.values, DELETED]


def _url_exists(name: str, *args: object) -> bool:
    try:
        reverse(name, args=args)
    except NoReverseMatch:
        return False
    return True


@dataclass
class World:
    story: Story
    annotation_id: int
    reply_id: int
    existed: bool
    users: dict[str, User | None]


@pytest.fixture
def world(request) -> World:
    state = request.getfixturevalue("state")
    ada = User.objects.create_user("ada", password="pw")
    bob = User.objects.create_user("bob", password="pw")
    staff = User.objects.create_user("sam", password="pw", is_staff=True, is_superuser=True)
    story = make_story("A story with an annotation").story
    visibility = Visibility.PRIVATE if state == DELETED else state
    annotation = annotate(story, ada, QUOTE, comment=f"Note {TOKEN}", visibility=visibility)
    reply = Reply(annotation=annotation, author=ada)
    reply.set_body("The author's own follow-up.")
    reply.save()
    annotation_id, reply_id = annotation.pk, reply.pk
    if state == DELETED:
        annotation.delete()
    return World(
        story,
        annotation_id,
        reply_id,
        state != DELETED,
        {"anonymous": None, "author": ada, "other": bob, "staff": staff},
    )


# --- What each action answers, reduced to one word


def _status(response) -> str:
    if response.status_code == 302 and "/accounts/login/" in response["Location"]:
        return "login"
    if response.status_code in (200, 302):
        return "ok"
    return str(response.status_code)


def _shown(response) -> str:
    assert response.status_code == 200, response.status_code
    return "shown" if TOKEN in response.content.decode() else "hidden"


def _card_listed(response, world: World) -> str:
    assert response.status_code == 200
    return (
        "shown"
        if f'id="annotation-{world.annotation_id}"' in response.content.decode()
        else "hidden"
    )


def _count(response) -> str:
    assert response.status_code == 200
    match = re.search(r'class="annotation-count">(\d+)<', response.content.decode())
    assert match is not None
    return "shown" if match.group(1) == "1" else "hidden"


Action = Callable[[Client, World], str]


def view_page(c: Client, w: World) -> str:
    return _status(c.get(reverse("annotation_detail", args=[w.annotation_id])))


def view_fragment(c: Client, w: World) -> str:
    return _status(c.get(reverse("annotation_detail", args=[w.annotation_id]), headers=HTMX))


def share_menu(c: Client, w: World) -> str:
    return _status(c.get(reverse("annotation_share_menu", args=[w.annotation_id]), headers=HTMX))


def share_menu_page(c: Client, w: World) -> str:
    return _status(c.get(reverse("annotation_share_menu", args=[w.annotation_id])))


def view_thread(c: Client, w: World) -> str:
    return _status(c.get(reverse("annotation_replies", args=[w.annotation_id])))


def story_page_lists(c: Client, w: World) -> str:
    return _card_listed(c.get(w.story.get_absolute_url()), w)


def story_page_count(c: Client, w: World) -> str:
    return _count(c.get(w.story.get_absolute_url()))


def story_page_mark(c: Client, w: World) -> str:
    body = c.get(w.story.get_absolute_url()).content.decode()
    return "shown" if f'id="hl-{w.annotation_id}"' in body else "hidden"


def _search(c: Client, w: World, **params: str) -> str:
    response = c.get(reverse("search"), {"q": TOKEN, **params})
    assert response.status_code == 200
    found = f'id="result-highlight-{w.annotation_id}"' in response.content.decode()
    return "shown" if found else "hidden"


def search_hit(c: Client, w: World) -> str:
    return _search(c, w, kind="highlights")


def search_preview(c: Client, w: World) -> str:
    return _search(c, w)


def my_highlights(c: Client, w: World) -> str:
    response = c.get(reverse("my_highlights"))
    return "login" if response.status_code == 302 else _shown(response)


def front_page_count(c: Client, w: World) -> str:
    body = c.get(reverse("home")).content.decode()
    return "shown" if "1 highlight" in body else "hidden"


def reply_form(c: Client, w: World) -> str:
    return _status(c.get(reverse("reply_form", args=[w.annotation_id])))


def reply(c: Client, w: World) -> str:
    before = Reply.objects.count()
    url = reverse("annotation_replies", args=[w.annotation_id])
    outcome = _status(c.post(url, {"body": "A reply."}))
    assert Reply.objects.count() == before + (1 if outcome == "ok" else 0)
    return outcome


def edit_form(c: Client, w: World) -> str:
    return _status(c.get(reverse("annotation_edit", args=[w.annotation_id])))


def edit(c: Client, w: World) -> str:
    data = {"colour": "green", "comment": "Changed", "tags": "", "visibility": Visibility.PRIVATE}
    outcome = _status(c.post(reverse("annotation_edit", args=[w.annotation_id]), data))
    changed = Annotation.objects.filter(pk=w.annotation_id, comment="Changed").exists()
    assert changed == (outcome == "ok")
    return outcome


def delete(c: Client, w: World) -> str:
    outcome = _status(c.post(reverse("annotation_delete", args=[w.annotation_id])))
    gone = not Annotation.objects.filter(pk=w.annotation_id).exists()
    assert gone == (outcome == "ok" or not _existed(w))
    return outcome


def delete_reply(c: Client, w: World) -> str:
    outcome = _status(c.post(reverse("reply_delete", args=[w.reply_id])))
    gone = not Reply.objects.filter(pk=w.reply_id).exists()
    assert gone == (outcome == "ok" or not _existed(w))
    return outcome


def _existed(w: World) -> bool:
    return w.existed


# kind: "direct" (by its address), "listed" (lists, counts, search), "own" (the reader's
# own list), "write" (a signed-in reader who may see it), "author" (its author only).
ACTIONS: dict[str, tuple[str, Action]] = {
    "view page": ("direct", view_page),
    "view fragment": ("direct", view_fragment),
    "view thread": ("direct", view_thread),
    "share menu": ("direct", share_menu),
    "share menu page": ("direct", share_menu_page),
    "story page card": ("listed", story_page_lists),
    "story page mark": ("listed", story_page_mark),
    "story page count": ("listed", story_page_count),
    "search hit": ("listed", search_hit),
    "search preview": ("listed", search_preview),
    "my highlights": ("own", my_highlights),
    "front page count": ("own", front_page_count),
    "reply form": ("write", reply_form),
    "reply": ("write", reply),
    "edit form": ("author", edit_form),
    "edit": ("author", edit),
    "delete": ("author", delete),
    "delete reply": ("author", delete_reply),
}
# The sharing work adds export and the W3C API; their rows are switched on by their URLs.
if _url_exists("annotation_export"):  # pragma: no cover - lands with the sharing work

    def export(c: Client, w: World) -> str:
        response = c.get(reverse("annotation_export"))
        return "login" if response.status_code == 302 else _shown(response)

    ACTIONS["export"] = ("own", export)


def expected(role: str, state: str, kind: str) -> str:
    if state == DELETED:
        exists = direct = listed = False
    elif state == Visibility.PUBLIC:
        exists = direct = listed = True
    elif state == Visibility.PRIVATE:
        exists = True
        direct = listed = role == "author"
    elif state in LINK_ONLY:
        # Reached by its share token only (annotations/sharing.py): by id, in lists and
        # searches it is as private as a private one to everyone but its author.
        exists = True
        direct = listed = role == "author"
    else:
        raise AssertionError(f"The permission matrix has no rule for visibility {state!r}.")
    anonymous = role == "anonymous"
    if kind == "direct":
        return "ok" if direct else "404"
    if kind == "listed":
        return "shown" if listed else "hidden"
    if kind == "own":
        if anonymous:
            return "login"
        return "shown" if exists and role == "author" else "hidden"
    if anonymous:
        return "login"
    if not direct:
        return "404"
    if kind == "write":
        return "ok"
    assert kind == "author"
    return "ok" if role == "author" else "403"


@pytest.mark.parametrize("action", list(ACTIONS))
@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("role", ROLES)
def test_it_allows_exactly_what_the_matrix_says(client, world, role, state, action):
    user = world.users[role]
    if user is not None:
        client.force_login(user)
    kind, run = ACTIONS[action]
    if role == "anonymous" and kind == "own" and action == "front page count":
        # The front page is public: anonymous readers just see no counts.
        assert run(client, world) == "hidden"
        return
    assert run(client, world) == expected(role, state, kind)
