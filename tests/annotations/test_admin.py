import pytest
from django.contrib.auth.models import User

from annotations.models import Annotation, Reply
from annotations.testing import annotate
from tests.factories import make_story

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    admin = User.objects.create_superuser("root", password="pw-root-123456")
    client.force_login(admin)
    return client


def test_it_lists_and_shows_annotations(admin_client):
    author = User.objects.create_user("ada")
    annotation = annotate(make_story("Admin").story, author, "storage layer", comment="Hm")
    reply = Reply(annotation=annotation, author=author)
    reply.set_body("ok")
    reply.save()
    assert admin_client.get("/admin/annotations/annotation/").status_code == 200
    assert admin_client.get("/admin/annotations/annotation/?q=storage").status_code == 200
    page = admin_client.get(f"/admin/annotations/annotation/{annotation.pk}/change/")
    assert page.status_code == 200
    assert "storage layer" in page.content.decode()
    assert admin_client.get("/admin/annotations/reply/").status_code == 200
    assert admin_client.get("/admin/annotations/tag/").status_code == 200


def test_saving_in_the_admin_renders_the_comment(admin_client):
    author = User.objects.create_user("ada")
    annotation = annotate(make_story("Admin").story, author, "storage layer", comment="old")
    url = f"/admin/annotations/annotation/{annotation.pk}/change/"
    response = admin_client.get(url)
    form = response.context["adminform"].form
    data = {
        name: form[name].value() if form[name].value() is not None else ""
        for name in form.fields
        if name != "tags"
    }
    data.update(
        {
            "comment": "**new**",
            "replies-TOTAL_FORMS": "0",
            "replies-INITIAL_FORMS": "0",
            "replies-MIN_NUM_FORMS": "0",
            "replies-MAX_NUM_FORMS": "1000",
        }
    )
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert Annotation.objects.get().comment_html == "<p><strong>new</strong></p>"
