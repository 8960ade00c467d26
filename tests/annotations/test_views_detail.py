import pytest

from annotations.models import Visibility
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


def test_it_shows_a_public_annotation_to_anyone(client, story, ada):
    annotation = annotate(story, ada, "audit rule", comment="Vague", tags=["policy"])
    response = client.get(f"/annotations/{annotation.pk}/")
    content = response.content.decode()
    assert response.status_code == 200
    assert "<html" in content
    assert f'href="{story.get_absolute_url()}#annotation-{annotation.pk}">Ordinance</a>' in content
    assert f'href="{story.get_absolute_url()}#hl-{annotation.pk}"' in content
    assert "<p>Vague</p>" in content
    assert "#policy" in content
    assert "/edit/" not in content
    assert "Reply" not in content  # signing in comes first


def test_htmx_gets_the_card(client, story, ada):
    annotation = annotate(story, ada, "audit rule")
    client.force_login(ada)
    content = client.get(f"/annotations/{annotation.pk}/", **HTMX).content.decode()
    assert content.strip().startswith(
        f'<li class="annotation annotation-yellow" id="annotation-{annotation.pk}"'
    )
    assert "<html" not in content
    assert f"/annotations/{annotation.pk}/edit/" in content


def test_a_private_annotation_is_for_its_author_only(client, story, ada, bob):
    annotation = annotate(story, ada, "audit rule", visibility=Visibility.PRIVATE)
    url = f"/annotations/{annotation.pk}/"
    assert client.get(url).status_code == 404
    client.force_login(bob)
    assert client.get(url).status_code == 404
    assert client.get(url, **HTMX).status_code == 404
    client.force_login(ada)
    assert client.get(url).status_code == 200


def test_it_404s_for_a_missing_annotation(client):
    assert client.get("/annotations/424242/").status_code == 404
