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

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from django.contrib.auth.models import AnonymousUser, User
from django.test import Client
from django.urls import NoReverseMatch, reverse

from annotations.models import Annotation, Reply, Visibility
from annotations.testing import annotate
from articles.models import Story
from reading import listing as reading
from tests.factories import LOREM, make_story

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


# --- Stories: shared, or one reader's own copy -------------------------------------------
#
# Roles: anonymous, the copy's owner, another reader, staff. A shared story is everyone's;
# a reader's own copy (text they pasted or uploaded) is the owner's alone: absent from
# every list, count and search of anyone else, and a 404 by its address, staff included
# (the admin is where staff see it). Others reach it only through the share link of an
# annotation the owner made on it.

STORY_ROLES = ["anonymous", "owner", "other", "staff"]
STORY_KINDS = ["shared", "own copy"]
STORY_TOKEN = "wombatquasar"  # in the title: what a search looks for
UNIQUE = "quarterly audits"  # words that are in the story once: a highlight finds them
COPY_URL = "https://news.example/behind-a-paywall"


@dataclass
class Library:
    story: Story
    neighbour: Story  # a shared story a day older: its page links to story as "newer"
    annotation: Annotation  # the owner's, link-only: its share link shows the story
    users: dict[str, User | None]


@pytest.fixture
def library(request) -> Library:
    kind = request.getfixturevalue("kind")
    ada = User.objects.create_user("ada", password="pw")
    bob = User.objects.create_user("bob", password="pw")
    staff = User.objects.create_user("sam", password="pw", is_staff=True, is_superuser=True)
    neighbour = make_story(
        "An older shared story", published=datetime(2026, 5, 1, tzinfo=UTC)
    ).story
    story = make_story(
        f"The {STORY_TOKEN} story",
        url=COPY_URL,
        body=[LOREM, f"The team publishes {UNIQUE} of the storage code."],
        published=datetime(2026, 5, 2, tzinfo=UTC),
        owner=ada if kind == "own copy" else None,
    ).story
    annotation = annotate(story, ada, QUOTE, comment=f"Note {TOKEN}", visibility="link")
    return Library(
        story,
        neighbour,
        annotation,
        {"anonymous": None, "owner": ada, "other": bob, "staff": staff},
    )


def _linked(response, lib: Library) -> str:
    """Whether the page links to the story (a search box may repeat the words asked for)."""
    assert response.status_code == 200, response.status_code
    return (
        "shown"
        if f'href="{lib.story.get_absolute_url()}' in response.content.decode()
        else "hidden"
    )


def read_story(c: Client, lib: Library) -> str:
    return _status(c.get(lib.story.get_absolute_url()))


def read_story_short(c: Client, lib: Library) -> str:
    return _status(c.get(reverse("story_short", args=[lib.story.pk]), follow=True))


def front_page(c: Client, lib: Library) -> str:
    return _linked(c.get(reverse("home")), lib)


def front_page_tab_count(c: Client, lib: Library) -> str:
    body = c.get(reverse("home")).content.decode()
    match = re.search(r'>All <span class="tab-count">(\d+)</span>', body)
    if match is None:  # visitors have no tabs: their count is the shared stories'
        return "shown" if reading.counts(AnonymousUser())["all"] == 2 else "hidden"
    return "shown" if match.group(1) == "2" else "hidden"


def search_stories(c: Client, lib: Library) -> str:
    return _linked(c.get(reverse("search"), {"q": STORY_TOKEN}), lib)


def search_filtered(c: Client, lib: Library) -> str:
    return _linked(c.get(reverse("search"), {"q": STORY_TOKEN, "since": "2026-01-01"}), lib)


def browse_filtered(c: Client, lib: Library) -> str:
    return _linked(c.get(reverse("search"), {"since": "2026-05-02"}), lib)


def newer_link(c: Client, lib: Library) -> str:
    return _linked(c.get(lib.neighbour.get_absolute_url()), lib)


def mark_read(c: Client, lib: Library) -> str:
    return _status(c.post(reverse("story_state", args=[lib.story.pk]), {"read": "1"}))


def record_progress(c: Client, lib: Library) -> str:
    response = c.post(reverse("story_progress", args=[lib.story.pk]), {"progress": "0.5"})
    return "ok" if response.status_code == 204 else _status(response)


def highlight(c: Client, lib: Library) -> str:
    url = reverse("annotation_create", args=[lib.story.pk])
    return _status(c.post(url, {"quote": UNIQUE, "colour": "green"}))


def share_version(c: Client, lib: Library) -> str:
    return _status(c.get(reverse("story_share", args=[lib.story.pk])))


def export_story(c: Client, lib: Library) -> str:
    return _status(c.get(reverse("story_export", args=[lib.story.pk])))


def _api(c: Client, lib: Library, method: str, **kwargs) -> object:
    return getattr(c, method)(reverse("api_annotations"), **kwargs)


def api_target_filter(c: Client, lib: Library) -> str:
    # Its author's own annotation, listed by the story's URL, or the story is not there.
    response = _api(c, lib, "get", data={"target": COPY_URL})
    if response.status_code != 200:
        return str(response.status_code)
    return (
        "shown" if f"/annotations/{lib.annotation.pk}/" in response.content.decode() else "hidden"
    )


def api_create(c: Client, lib: Library) -> str:
    body = {
        "type": "Annotation",
        "target": {
            "source": COPY_URL,
            "selector": {
                "type": "TextQuoteSelector",
                "prefix": "The team publishes ",
                "exact": UNIQUE,
                "suffix": " of the storage code.",
            },
        },
    }
    response = _api(c, lib, "post", data=json.dumps(body), content_type="application/ld+json")
    assert response.status_code != 409, response.content
    return {201: "ok", 401: "login"}.get(response.status_code, str(response.status_code))


def annotation_by_id(c: Client, lib: Library) -> str:
    return _status(c.get(reverse("annotation_detail", args=[lib.annotation.pk])))


def annotation_share_link(c: Client, lib: Library) -> str:
    response = c.get(reverse("shared", args=[lib.annotation.share_token]))
    assert response.status_code == 200, response.status_code
    return "shown" if STORY_TOKEN in response.content.decode() else "hidden"


def admin_page(c: Client, lib: Library) -> str:
    response = c.get(reverse("admin:articles_story_change", args=[lib.story.pk]))
    return "ok" if response.status_code == 200 else "refused"


# kind: "direct" (by its address), "listed" (lists, counts, search, neighbours), "write"
# (a signed-in reader who may see it), "link" (through the owner's share link), "admin".
STORY_ACTIONS: dict[str, tuple[str, Callable[[Client, Library], str]]] = {
    "reading view": ("direct", read_story),
    "short address": ("direct", read_story_short),
    "annotation by id": ("direct", annotation_by_id),
    "front page": ("listed", front_page),
    "front page count": ("listed", front_page_tab_count),
    "search": ("listed", search_stories),
    "search with a filter": ("listed", search_filtered),
    "filters without words": ("listed", browse_filtered),
    "newer / older": ("listed", newer_link),
    "API target filter": ("listed", api_target_filter),
    "mark read": ("write", mark_read),
    "reading progress": ("write", record_progress),
    "highlight": ("write", highlight),
    "API create": ("write", api_create),
    "share annotated version": ("write", share_version),
    "export its annotations": ("write", export_story),
    "annotation share link": ("link", annotation_share_link),
    "admin": ("admin", admin_page),
}


def story_expected(role: str, kind: str, action: str) -> str:
    sees = kind == "shared" or role == "owner"
    group = STORY_ACTIONS[action][0]
    if group == "admin":
        return "ok" if role == "staff" else "refused"
    if group == "link":
        return "shown"
    if action == "annotation by id":
        # Link-only: by id, its author's alone, whatever the story.
        return "ok" if role == "owner" else "404"
    if group == "direct":
        return "ok" if sees else "404"
    if group == "listed":
        # The owner's link-only annotation is listed for them alone.
        if action == "API target filter":
            return "shown" if role == "owner" else "hidden"
        return "shown" if sees else "hidden"
    assert group == "write"
    if role == "anonymous":
        return "login"
    return "ok" if sees else "404"


@pytest.mark.parametrize("action", list(STORY_ACTIONS))
@pytest.mark.parametrize("kind", STORY_KINDS)
@pytest.mark.parametrize("role", STORY_ROLES)
def test_a_readers_own_copy_is_theirs_alone(client, library, role, kind, action):
    user = library.users[role]
    if user is not None:
        client.force_login(user)
    assert STORY_ACTIONS[action][1](client, library) == story_expected(role, kind, action)
