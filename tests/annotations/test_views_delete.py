import pytest

from annotations.models import Annotation, Reply, Visibility
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


def _url(annotation):
    return f"/annotations/{annotation.pk}/delete/"


def test_it_deletes_and_redraws_the_body_for_htmx(client, story, ada):
    gone = annotate(story, ada, "audit rule")
    kept = annotate(story, ada, "every vendor")
    Reply.objects.create(annotation=gone, author=ada, body="x", body_html="<p>x</p>")
    client.force_login(ada)
    response = client.post(_url(gone), **HTMX)
    assert response.status_code == 200
    assert list(Annotation.objects.all()) == [kept]
    assert not Reply.objects.exists()
    content = response.content.decode()
    # Nothing for the card's own swap: it is removed. The body and the count come out of band.
    assert content.startswith('<div class="story-body" id="story-body"')
    assert 'hx-swap-oob="true"' in content
    assert f'data-annotation="{gone.pk}"' not in content
    assert f'data-annotation="{kept.pk}"' in content
    assert '<span class="annotation-count">1</span>' in content


def test_it_redirects_a_plain_post_with_a_message(client, story, ada):
    annotation = annotate(story, ada, "audit rule")
    client.force_login(ada)
    response = client.post(_url(annotation), follow=True)
    assert response.redirect_chain[0] == (f"{story.get_absolute_url()}#annotations", 302)
    assert "Annotation deleted." in response.content.decode()
    assert not Annotation.objects.exists()


def test_only_the_author_deletes(client, story, ada, bob):
    annotation = annotate(story, ada, "audit rule", visibility=Visibility.PUBLIC)
    client.force_login(bob)
    assert client.post(_url(annotation), **HTMX).status_code == 403
    assert Annotation.objects.exists()


def test_another_users_private_annotation_is_a_404(client, story, ada, bob):
    annotation = annotate(story, ada, "audit rule", visibility=Visibility.PRIVATE)
    client.force_login(bob)
    assert client.post(_url(annotation)).status_code == 404
    assert Annotation.objects.exists()


def test_it_only_posts(client, story, ada):
    annotation = annotate(story, ada, "audit rule")
    client.force_login(ada)
    assert client.get(_url(annotation)).status_code == 405
    assert Annotation.objects.exists()


def test_anonymous_readers_are_sent_to_log_in(client, story, ada):
    annotation = annotate(story, ada, "audit rule")
    response = client.post(_url(annotation))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert Annotation.objects.exists()
