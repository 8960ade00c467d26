import pytest

from annotations.models import Annotation, Visibility
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
    return annotate(story, ada, "audit rule", comment="First", tags=["policy"])


def _url(annotation):
    return f"/annotations/{annotation.pk}/edit/"


def _data(**change):
    return {
        "colour": "purple",
        "comment": "Second *thought*",
        "tags": "eu, law",
        "visibility": "private",
        **change,
    }


def test_it_gives_htmx_the_form_in_place_of_the_card(client, ada, annotation):
    client.force_login(ada)
    response = client.get(_url(annotation), **HTMX)
    content = response.content.decode()
    assert response.status_code == 200
    assert content.strip().startswith(
        f'<li class="annotation annotation-yellow is-editing" id="annotation-{annotation.pk}"'
    )
    assert "<html" not in content
    assert f'hx-post="/annotations/{annotation.pk}/edit/"' in content
    assert ">\nFirst</textarea>" in content
    assert 'value="policy"' in content
    assert f'id="id_annotation_{annotation.pk}_comment"' in content
    # Cancel goes back to the card, or to the story without JavaScript.
    assert f'hx-get="/annotations/{annotation.pk}/"' in content
    assert f'href="{annotation.story.get_absolute_url()}#annotation-{annotation.pk}"' in content


def test_it_gives_a_page_without_htmx(client, ada, annotation):
    client.force_login(ada)
    content = client.get(_url(annotation)).content.decode()
    assert "<html" in content
    assert 'class="stacked-form annotation-edit-form"' in content


def test_it_saves_and_answers_htmx_with_the_card_and_the_marks(client, ada, annotation):
    client.force_login(ada)
    response = client.post(_url(annotation), _data(), **HTMX)
    assert response.status_code == 200
    annotation.refresh_from_db()
    assert annotation.colour == "purple"
    assert annotation.comment == "Second *thought*"
    assert annotation.comment_html == "<p>Second <em>thought</em></p>"
    assert annotation.tag_names() == ["eu", "law"]
    assert annotation.visibility == Visibility.PRIVATE
    content = response.content.decode()
    assert content.strip().startswith(
        f'<li class="annotation annotation-purple" id="annotation-{annotation.pk}"'
    )
    assert "<p>Second <em>thought</em></p>" in content
    assert 'id="story-body" data-revision' in content and 'hx-swap-oob="true"' in content
    assert f'<mark class="hl hl-purple hl-emphasized" data-annotation="{annotation.pk}"' in content
    # The quote and the original selection are not editable.
    assert annotation.exact == annotation.original_exact == "audit rule"


def test_it_redirects_a_plain_post_back_to_the_card(client, ada, annotation):
    client.force_login(ada)
    response = client.post(_url(annotation), _data())
    assert response.status_code == 302
    assert (
        response["Location"] == f"{annotation.story.get_absolute_url()}#annotation-{annotation.pk}"
    )


def test_it_shows_errors_in_the_form_and_changes_nothing(client, ada, annotation):
    client.force_login(ada)
    data = _data(tags=",".join(f"t{i}" for i in range(21)), comment="Kept in the form")
    response = client.post(_url(annotation), data, **HTMX)
    assert response.status_code == 200
    content = response.content.decode()
    assert "At most 20 tags." in content
    assert ">\nKept in the form</textarea>" in content
    annotation.refresh_from_db()
    assert annotation.comment == "First"
    assert annotation.colour == "yellow"
    response = client.post(_url(annotation), data)
    assert response.status_code == 400
    assert "At most 20 tags." in response.content.decode()


def test_only_the_author_edits(client, bob, annotation):
    client.force_login(bob)
    assert client.get(_url(annotation)).status_code == 403
    assert client.post(_url(annotation), _data()).status_code == 403
    annotation.refresh_from_db()
    assert annotation.colour == "yellow"


def test_another_users_private_annotation_is_a_404(client, story, ada, bob):
    private = annotate(story, ada, "every vendor", visibility=Visibility.PRIVATE)
    client.force_login(bob)
    assert client.get(_url(private)).status_code == 404
    assert client.post(_url(private), _data(), **HTMX).status_code == 404


def test_anonymous_readers_are_sent_to_log_in(client, annotation):
    response = client.get(_url(annotation))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert client.post(_url(annotation), _data()).status_code == 302
    assert Annotation.objects.get().colour == "yellow"
