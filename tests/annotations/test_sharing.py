"""Share links: /s/<token>/ for one annotation or a reader's annotated version."""

from __future__ import annotations

import re
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from annotations.models import Annotation, Reply, StoryShare, Visibility
from annotations.testing import annotate
from tests.factories import make_story

pytestmark = pytest.mark.django_db

BODY = [
    "The ordinance requires every vendor to publish an audit of the model before it is used.",
    "Critics said the audit rule was vague, and that café owners would never read it at all.",
    "The council will vote again in spring, after a consultation with residents and firms.",
]
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def story():
    return make_story("The ordinance", body=BODY, url="https://news.example/ordinance").story


@pytest.fixture
def shared(story, ada):
    return annotate(
        story,
        ada,
        "the audit rule was vague",
        comment="Vague *how*? The rule names no auditor.",
        tags=["policy"],
        visibility=Visibility.LINK,
    )


def _share_url(annotation: Annotation) -> str:
    return reverse("shared", args=[annotation.share_token])


def _meta(body: str, attribute: str, name: str) -> str:
    match = re.search(rf'<meta {attribute}="{re.escape(name)}" content="([^"]*)"', body)
    assert match, f"no {name} meta"
    return unescape(match.group(1))


def test_it_gives_every_annotation_an_unguessable_token(shared, story, ada):
    other = annotate(story, ada, "publish an audit")
    assert shared.share_token and other.share_token
    assert shared.share_token != other.share_token
    assert len(shared.share_token) >= 22  # 22 random bytes: 176 bits, base64url


def test_it_shows_the_shared_annotation_to_an_anonymous_visitor(client, shared):
    response = client.get(_share_url(shared))
    assert response.status_code == 200
    body = response.content.decode()
    assert f'id="hl-{shared.pk}"' in body
    assert re.search(
        rf'<mark class="hl hl-yellow hl-emphasized" data-annotation="{shared.pk}"', body
    )
    assert "Vague <em>how</em>?" in body
    assert "#policy" in body
    assert "Log in</a> to reply" in body
    assert response["Referrer-Policy"] == "no-referrer"


def test_its_share_path_scrolls_to_the_mark(shared):
    assert shared.share_path() == f"/s/{shared.share_token}/#hl-{shared.pk}"


def test_it_carries_social_preview_meta(client, shared):
    body = client.get(_share_url(shared)).content.decode()
    assert _meta(body, "property", "og:title") == "The ordinance"
    assert _meta(body, "property", "og:site_name") == "Newsreader"
    assert _meta(body, "property", "og:type") == "article"
    assert _meta(body, "name", "twitter:card") == "summary"
    description = _meta(body, "property", "og:description")
    assert description.startswith("“the audit rule was vague”")
    assert "Vague how? The rule names no auditor." in description
    assert _meta(body, "property", "og:url") == f"http://testserver{_share_url(shared)}"
    assert f'<link rel="canonical" href="http://testserver{_share_url(shared)}">' in body
    # Not public: kept out of search engines.
    assert '<meta name="robots" content="noindex, nofollow">' in body


def test_previews_show_a_comments_text_not_its_markdown(client, story, ada):
    shared = annotate(
        story,
        ada,
        "publish an audit",
        comment="**Who** audits? See [the ordinance](https://city.example/o) and `rule 4`.\n\n- one",
        visibility=Visibility.LINK,
    )
    body = client.get(_share_url(shared)).content.decode()
    for attribute, name in (
        ("name", "description"),
        ("property", "og:description"),
        ("name", "twitter:description"),
    ):
        description = _meta(body, attribute, name)
        assert description.endswith("— Who audits? See the ordinance and rule 4. one"), name
        for markup in ("**", "](", "`", "https://city.example", "- one"):
            assert markup not in description, (name, markup)


def test_it_trims_a_long_passage_in_the_preview(client, story, ada):
    long = annotate(story, ada, BODY[0], comment="x" * 500, visibility=Visibility.PUBLIC)
    body = client.get(_share_url(long)).content.decode()
    description = _meta(body, "property", "og:description")
    assert len(description) < 300
    assert "noindex" not in body


def test_it_shows_other_public_highlights_quietly(client, shared, story, bob):
    public = annotate(story, bob, "vote again in spring", comment="Bob's public note")
    private = annotate(story, bob, "consultation", visibility=Visibility.PRIVATE)
    other_link = annotate(story, bob, "publish an audit", visibility=Visibility.LINK)
    body = client.get(_share_url(shared)).content.decode()
    assert re.search(rf'<mark class="hl hl-yellow" data-annotation="{public.pk}"', body)
    assert "Bob's public note" not in body  # marks only, no card
    assert f'data-annotation="{private.pk}"' not in body
    assert f'data-annotation="{other_link.pk}"' not in body


def test_it_answers_404_once_the_annotation_is_private(client, shared):
    url = _share_url(shared)
    Annotation.objects.filter(pk=shared.pk).update(visibility=Visibility.PRIVATE)
    assert client.get(url).status_code == 404


def test_it_answers_404_for_an_unknown_token(client, shared):
    assert client.get(reverse("shared", args=["x" * 30])).status_code == 404


def test_it_revokes_a_link(client, shared, ada):
    old = _share_url(shared)
    client.force_login(ada)
    response = client.post(reverse("annotation_revoke_link", args=[shared.pk]))
    assert response.status_code == 302
    shared.refresh_from_db()
    assert client.get(old).status_code == 404
    assert client.get(_share_url(shared)).status_code == 200


def test_it_revokes_with_htmx_and_returns_the_card(client, shared, ada):
    client.force_login(ada)
    response = client.post(reverse("annotation_revoke_link", args=[shared.pk]), **HTMX)
    shared.refresh_from_db()
    body = response.content.decode()
    assert f'id="annotation-{shared.pk}"' in body
    # The menu stays open on the new link.
    assert '<details class="share-menu" open>' in body
    assert f"/s/{shared.share_token}/#hl-{shared.pk}" in body


def test_only_the_author_revokes(client, shared, bob):
    client.force_login(bob)
    response = client.post(reverse("annotation_revoke_link", args=[shared.pk]))
    assert response.status_code == 404  # link-only: bob cannot see it by id
    Annotation.objects.filter(pk=shared.pk).update(visibility=Visibility.PUBLIC)
    assert client.post(reverse("annotation_revoke_link", args=[shared.pk])).status_code == 403
    token = shared.share_token
    shared.refresh_from_db()
    assert shared.share_token == token


def test_a_signed_in_visitor_replies_through_the_link(client, shared, bob):
    client.force_login(bob)
    url = reverse("shared_reply", args=[shared.share_token, shared.pk])
    response = client.post(url, {"body": "Agreed, it is *vague*."})
    reply = Reply.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"{_share_url(shared)}#reply-{reply.pk}"
    assert (reply.annotation_id, reply.author) == (shared.pk, bob)
    body = client.get(_share_url(shared)).content.decode()
    assert "Agreed, it is <em>vague</em>." in body
    # The ordinary reply form still 404s: the link is the only way in.
    assert client.get(reverse("reply_form", args=[shared.pk])).status_code == 404


def test_a_reply_through_the_link_with_htmx_returns_the_thread(client, shared, bob):
    client.force_login(bob)
    url = reverse("shared_reply", args=[shared.share_token, shared.pk])
    response = client.post(url, {"body": "Through htmx."}, **HTMX)
    body = response.content.decode()
    assert body.lstrip().startswith(f'<section class="replies" id="replies-{shared.pk}"')
    assert "Through htmx." in body


def test_an_empty_reply_is_an_error_where_the_visitor_typed(client, shared, bob):
    client.force_login(bob)
    url = reverse("shared_reply", args=[shared.share_token, shared.pk])
    response = client.post(url, {"body": "  "})
    assert response.status_code == 400
    assert "Write something to reply." in response.content.decode()
    assert not Reply.objects.exists()


def test_an_anonymous_reply_goes_to_log_in(client, shared):
    url = reverse("shared_reply", args=[shared.share_token, shared.pk])
    response = client.post(url, {"body": "Hi"})
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
    assert not Reply.objects.exists()


def test_a_reply_through_a_revoked_link_is_404(client, shared, bob):
    client.force_login(bob)
    url = reverse("shared_reply", args=[shared.share_token, shared.pk])
    shared.rotate_share_token()
    assert client.post(url, {"body": "Hi"}).status_code == 404


def test_a_reply_to_an_annotation_outside_the_link_is_404(client, shared, story, ada, bob):
    other = annotate(story, ada, "publish an audit", visibility=Visibility.LINK)
    client.force_login(bob)
    url = reverse("shared_reply", args=[shared.share_token, other.pk])
    assert client.post(url, {"body": "Hi"}).status_code == 404


def test_a_visitor_deletes_their_reply_through_the_link(client, shared, ada, bob):
    mine = Reply(annotation=shared, author=bob)
    mine.set_body("Mine")
    mine.save()
    theirs = Reply(annotation=shared, author=ada)
    theirs.set_body("Theirs")
    theirs.save()
    client.force_login(bob)
    token = shared.share_token
    denied = client.post(reverse("shared_reply_delete", args=[token, theirs.pk]))
    assert denied.status_code == 403
    response = client.post(reverse("shared_reply_delete", args=[token, mine.pk]))
    assert response.status_code == 302
    assert list(Reply.objects.values_list("body", flat=True)) == ["Theirs"]


# --- A reader's annotated version


def test_it_shares_a_readers_version_of_a_story(client, story, ada, bob):
    link = annotate(story, ada, "publish an audit", comment="Link note", visibility=Visibility.LINK)
    public = annotate(story, ada, "vote again", comment="Public note")
    private = annotate(story, ada, "consultation", comment="Secret", visibility=Visibility.PRIVATE)
    bobs = annotate(story, bob, "café owners", comment="Bob's")
    client.force_login(ada)
    assert client.post(reverse("story_share_create", args=[story.pk])).status_code == 302
    share = StoryShare.objects.get()
    client.logout()
    body = client.get(reverse("shared", args=[share.token])).content.decode()
    for annotation in (link, public):
        assert f'id="annotation-{annotation.pk}"' in body
        assert re.search(rf'hl-emphasized" data-annotation="{annotation.pk}"', body)
    assert "Secret" not in body and f'data-annotation="{private.pk}"' not in body
    assert "Bob&#x27;s" not in body and f'data-annotation="{bobs.pk}"' not in body
    assert "ada</strong>’s annotated version" in body


def test_the_story_share_page_creates_and_revokes(client, story, ada):
    annotate(story, ada, "publish an audit", visibility=Visibility.LINK)
    annotate(story, ada, "consultation", visibility=Visibility.PRIVATE)
    client.force_login(ada)
    page = client.get(reverse("story_share", args=[story.pk])).content.decode()
    assert "Create a link" in page
    assert "Your 1 private annotation is not included." in page
    response = client.post(reverse("story_share_create", args=[story.pk]), **HTMX)
    share = StoryShare.objects.get()
    assert f"http://testserver/s/{share.token}/" in response.content.decode()
    # Creating again keeps the same link.
    client.post(reverse("story_share_create", args=[story.pk]))
    assert StoryShare.objects.get().token == share.token
    client.post(reverse("story_share_revoke", args=[story.pk]))
    assert not StoryShare.objects.exists()
    assert client.get(reverse("shared", args=[share.token])).status_code == 404


def test_the_story_share_page_needs_an_account(client, story):
    response = client.get(reverse("story_share", args=[story.pk]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_story_version_reply_goes_to_an_annotation_in_it(client, story, ada, bob):
    link = annotate(story, ada, "publish an audit", visibility=Visibility.LINK)
    share = StoryShare.objects.create(story=story, author=ada)
    client.force_login(bob)
    url = reverse("shared_reply", args=[share.token, link.pk])
    assert client.post(url, {"body": "On the version"}).status_code == 302
    assert Reply.objects.get().annotation_id == link.pk


# --- On the story page: the share menu


def _share_menu(client, annotation, **headers) -> str:
    response = client.get(reverse("annotation_share_menu", args=[annotation.pk]), **headers)
    assert response.status_code == 200
    return response.content.decode()


def test_the_story_page_links_each_card_to_its_share_menu(client, shared, ada):
    client.force_login(ada)
    body = client.get(shared.story.get_absolute_url()).content.decode()
    url = reverse("annotation_share_menu", args=[shared.pk])
    assert f'<a class="share-menu-link" href="{url}" hx-get="{url}"' in body
    # Fetched when asked for, not drawn on every card.
    assert "share-menu-body" not in body and shared.share_token not in body


def test_the_author_sees_the_share_menu_with_the_permalink(client, shared, ada):
    client.force_login(ada)
    body = _share_menu(client, shared, **HTMX)
    assert body.strip().startswith('<details class="share-menu" open>')
    assert "<summary autofocus>Share</summary>" in body
    assert f'value="http://testserver/s/{shared.share_token}/#hl-{shared.pk}"' in body
    assert "(anyone with the link)" in body
    original = "https://news.example/ordinance#:~:text=the%20audit%20rule%20was%20vague"
    assert original in body.replace("&amp;", "&")
    assert 'data-copy="share-url-' in body


def test_without_javascript_the_menu_opens_on_the_annotation_page(client, shared, ada):
    client.force_login(ada)
    body = _share_menu(client, shared)
    assert "<!doctype html>" in body
    assert f'id="annotation-{shared.pk}"' in body
    assert '<details class="share-menu" open>' in body
    assert f"/s/{shared.share_token}/#hl-{shared.pk}" in body


def test_a_private_annotation_offers_no_permalink(client, story, ada):
    private = annotate(story, ada, "publish an audit", visibility=Visibility.PRIVATE)
    client.force_login(ada)
    body = _share_menu(client, private, **HTMX)
    assert private.share_token not in body
    assert "Only you can see this annotation." in body


def test_others_never_see_the_token_of_a_public_annotation(client, story, ada, bob):
    # Were it shown, the link would keep working after the author made it link-only.
    public = annotate(story, ada, "publish an audit")
    client.force_login(bob)
    page = client.get(story.get_absolute_url()).content.decode()
    for body in (page, _share_menu(client, public, **HTMX), _share_menu(client, public)):
        assert public.share_token not in body
    assert f"{story.get_absolute_url()}#hl-{public.pk}" in _share_menu(client, public, **HTMX)


def test_the_share_menu_of_an_annotation_one_may_not_see_is_404(client, story, ada, bob):
    private = annotate(story, ada, "publish an audit", visibility=Visibility.PRIVATE)
    client.force_login(bob)
    url = reverse("annotation_share_menu", args=[private.pk])
    assert client.get(url, **HTMX).status_code == 404
    assert client.get(url).status_code == 404


def test_the_share_page_costs_a_constant_number_of_queries(client, story, ada, bob):
    shared = annotate(story, ada, "publish an audit", visibility=Visibility.LINK)
    StoryShare.objects.create(story=story, author=ada)
    token = StoryShare.objects.get().token

    def count(url: str) -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    before = (count(_share_url(shared)), count(reverse("shared", args=[token])))
    for i, quote in enumerate(["vote again", "consultation", "café owners", "every vendor"]):
        other = annotate(story, ada if i % 2 else bob, quote, comment=f"n{i}")
        for n in range(2):
            reply = Reply(annotation=other if n else shared, author=bob)
            reply.set_body(f"r{n}")
            reply.save()
    assert (count(_share_url(shared)), count(reverse("shared", args=[token]))) == before


def test_a_detached_annotation_is_shared_with_its_original_words(client, shared, story):
    make_story(
        "The ordinance",
        body=[
            "The whole text was rewritten by the editors after the council changed its mind.",
            "Nothing of the earlier version is left, and the new one says something else now.",
        ],
        url=story.url,
    )
    shared.refresh_from_db()
    assert shared.is_detached
    assert shared.share_path().endswith(f"#annotation-{shared.pk}")
    body = client.get(_share_url(shared)).content.decode()
    assert "This passage is no longer in the story." in body
    assert "the audit rule was vague" in body
    assert f'id="hl-{shared.pk}"' not in body
    assert "data-scroll-to" not in body


def test_a_share_knows_whether_its_viewer_wrote_it(ada, bob):
    from django.contrib.auth.models import AnonymousUser

    from annotations.sharing import resolve_share

    story = make_story("Shared").story
    annotation = annotate(story, ada, _first_words(story), visibility=Visibility.LINK)
    share = StoryShare.objects.create(story=story, author=ada)
    for token in (annotation.share_token, share.token):
        assert [a.is_own for a in resolve_share(token, ada).cards] == [True]
        assert [a.is_own for a in resolve_share(token, bob).cards] == [False]
        assert [a.is_own for a in resolve_share(token, AnonymousUser()).cards] == [False]


def test_a_story_share_lists_in_text_order_with_detached_ones_last(ada):
    from annotations.models import Anchoring
    from annotations.sharing import resolve_share

    story = make_story("Shared").story
    words = story.current_revision.body_text.split()
    first, second, third = (
        annotate(story, ada, " ".join(words[i : i + 3]), visibility=Visibility.PUBLIC)
        for i in (0, 6, 12)
    )
    # The first one's passage is gone from the story: it is detached, listed last.
    Annotation.objects.filter(pk=first.pk).update(anchor_state=Anchoring.ORPHANED)
    share = StoryShare.objects.create(story=story, author=ada)
    assert [a.pk for a in resolve_share(share.token, ada).cards] == [second.pk, third.pk, first.pk]


def _first_words(story) -> str:
    return " ".join(story.current_revision.body_text.split()[:3])


def test_an_absurd_share_token_is_refused_before_any_query():
    from django.contrib.auth.models import AnonymousUser
    from django.http import Http404

    from annotations.sharing import resolve_share

    for token in ("", "x" * 65, "x" * 10_000):
        with CaptureQueriesContext(connection) as queries, pytest.raises(Http404):
            resolve_share(token, AnonymousUser())
        assert len(queries) == 0, len(token)
    # Tokens are 30 characters; up to 64 are looked up.
    with CaptureQueriesContext(connection) as queries, pytest.raises(Http404):
        resolve_share("x" * 64, AnonymousUser())
    assert len(queries) > 0
