import re

import pytest

from annotations.models import Reply, Visibility
from annotations.testing import annotate
from tests.factories import make_story

pytestmark = pytest.mark.django_db

BODY = [
    "The ordinance requires every vendor to publish an audit of the model before it is used.",
    "Critics said the audit rule was vague and that café owners would never read it at all.",
]
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def story():
    return make_story("Ordinance", body=BODY).story


@pytest.fixture
def annotation(story, ada):
    return annotate(story, ada, "audit rule", visibility=Visibility.PUBLIC)


def _reply(annotation, author, body="Agreed"):
    reply = Reply(annotation=annotation, author=author)
    reply.set_body(body)
    reply.save()
    return reply


def test_htmx_gets_the_reply_form_in_place(client, bob, annotation):
    client.force_login(bob)
    response = client.get(f"/annotations/{annotation.pk}/replies/new/", **HTMX)
    content = response.content.decode()
    assert response.status_code == 200
    assert content.strip().startswith(f'<section class="replies" id="replies-{annotation.pk}"')
    assert f'hx-post="/annotations/{annotation.pk}/replies/"' in content
    assert f'id="id_reply_{annotation.pk}_body"' in content
    # Cancel: the thread without the form, or the story without JavaScript.
    assert f'hx-get="/annotations/{annotation.pk}/replies/"' in content


def test_the_reply_form_is_a_page_without_htmx(client, bob, annotation):
    client.force_login(bob)
    content = client.get(f"/annotations/{annotation.pk}/replies/new/").content.decode()
    assert "<html" in content
    assert f'action="/annotations/{annotation.pk}/replies/"' in content


def test_it_replies_and_answers_htmx_with_the_thread(client, bob, annotation):
    client.force_login(bob)
    response = client.post(
        f"/annotations/{annotation.pk}/replies/", {"body": "Agreed, **very**"}, **HTMX
    )
    assert response.status_code == 200
    reply = Reply.objects.get()
    assert reply.author == bob
    assert reply.annotation == annotation
    assert reply.body == "Agreed, **very**"
    assert reply.body_html == "<p>Agreed, <strong>very</strong></p>"
    content = response.content.decode()
    assert f'id="reply-{reply.pk}"' in content
    assert "<p>Agreed, <strong>very</strong></p>" in content
    assert "<form" in content and "/replies/new/" in content  # the form closed again


def test_a_plain_reply_redirects_to_it(client, bob, annotation):
    client.force_login(bob)
    response = client.post(f"/annotations/{annotation.pk}/replies/", {"body": "Agreed"})
    reply = Reply.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"{annotation.story.get_absolute_url()}#reply-{reply.pk}"


def test_an_empty_reply_is_an_error_in_the_form(client, bob, annotation):
    client.force_login(bob)
    response = client.post(f"/annotations/{annotation.pk}/replies/", {"body": "  "}, **HTMX)
    assert response.status_code == 200
    assert "Write something to reply." in response.content.decode()
    response = client.post(f"/annotations/{annotation.pk}/replies/", {"body": ""})
    assert response.status_code == 400
    assert "Write something to reply." in response.content.decode()
    assert not Reply.objects.exists()


def test_replies_are_sanitized(client, bob, annotation):
    client.force_login(bob)
    client.post(
        f"/annotations/{annotation.pk}/replies/",
        {"body": "<img src=x onerror=alert(1)> [x](javascript:alert(1))"},
    )
    html = Reply.objects.get().body_html
    assert "<img" not in html
    assert "javascript:" not in html


def test_the_thread_is_readable_by_anyone_who_sees_the_annotation(client, bob, annotation):
    _reply(annotation, bob, "First!")
    response = client.get(f"/annotations/{annotation.pk}/replies/", **HTMX)
    assert response.status_code == 200
    assert "First!" in response.content.decode()


def test_another_users_private_annotation_is_a_404(client, story, ada, bob):
    private = annotate(story, ada, "every vendor", visibility=Visibility.PRIVATE)
    client.force_login(bob)
    assert client.get(f"/annotations/{private.pk}/replies/new/", **HTMX).status_code == 404
    assert client.get(f"/annotations/{private.pk}/replies/").status_code == 404
    response = client.post(f"/annotations/{private.pk}/replies/", {"body": "hi"}, **HTMX)
    assert response.status_code == 404
    assert not Reply.objects.exists()


def test_the_author_replies_to_their_own_private_annotation(client, story, ada):
    private = annotate(story, ada, "every vendor", visibility=Visibility.PRIVATE)
    client.force_login(ada)
    client.post(f"/annotations/{private.pk}/replies/", {"body": "Note to self"})
    assert Reply.objects.get().body == "Note to self"


def test_anonymous_readers_are_sent_to_log_in(client, annotation):
    response = client.post(f"/annotations/{annotation.pk}/replies/", {"body": "hi"})
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    response = client.get(f"/annotations/{annotation.pk}/replies/new/")
    assert response.status_code == 302
    assert not Reply.objects.exists()


def test_the_author_of_a_reply_deletes_it(client, bob, annotation):
    reply = _reply(annotation, bob)
    client.force_login(bob)
    response = client.post(f"/replies/{reply.pk}/delete/", **HTMX)
    assert response.status_code == 200
    assert f'id="replies-{annotation.pk}"' in response.content.decode()
    assert not Reply.objects.exists()


def test_a_plain_reply_delete_redirects_to_the_card(client, bob, annotation):
    reply = _reply(annotation, bob)
    client.force_login(bob)
    response = client.post(f"/replies/{reply.pk}/delete/")
    assert response.status_code == 302
    assert response["Location"].endswith(f"#annotation-{annotation.pk}")


def test_nobody_else_deletes_a_reply(client, ada, bob, annotation):
    reply = _reply(annotation, bob)
    client.force_login(ada)  # even the annotation's author
    assert client.post(f"/replies/{reply.pk}/delete/").status_code == 403
    assert client.get(f"/replies/{reply.pk}/delete/").status_code == 405
    assert Reply.objects.exists()


def test_replies_under_a_private_annotation_are_hidden_too(client, story, ada, bob):
    private = annotate(story, ada, "every vendor", visibility=Visibility.PRIVATE)
    reply = _reply(private, ada)
    client.force_login(bob)
    assert client.post(f"/replies/{reply.pk}/delete/").status_code == 404


def test_the_thread_is_a_page_without_htmx(client, bob, annotation):
    _reply(annotation, bob, "First!")
    content = client.get(f"/annotations/{annotation.pk}/replies/").content.decode()
    assert "<html" in content
    assert "First!" in content


def test_every_thread_on_a_story_page_has_a_name_of_its_own(client, story, ada, bob, annotation):
    # Two readers highlight the same words: the quote alone would not tell them apart.
    theirs = annotate(story, bob, "audit rule", visibility=Visibility.PUBLIC)
    long = annotate(story, ada, BODY[0], visibility=Visibility.PUBLIC)
    client.force_login(ada)
    content = client.get(story.get_absolute_url()).content.decode()
    labels = re.findall(r'<section class="replies" id="replies-\d+" aria-label="([^"]*)"', content)
    assert sorted(labels) == sorted(
        [
            f"Replies to “audit rule” (highlight {annotation.pk})",
            f"Replies to “audit rule” (highlight {theirs.pk})",
            f"Replies to “The ordinance requires every vendor to…” (highlight {long.pk})",
        ]
    )
    # The thread swapped in by htmx keeps its name.
    thread = client.get(f"/annotations/{annotation.pk}/replies/", **HTMX).content.decode()
    assert f'aria-label="Replies to “audit rule” (highlight {annotation.pk})"' in thread
