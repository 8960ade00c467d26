"""A detached highlight's author attaches it again, by hand, to words of the story."""

from __future__ import annotations

import pytest
from django.urls import reverse

from annotations.models import Anchoring, Annotation
from annotations.testing import annotate
from tests.factories import make_story

pytestmark = pytest.mark.django_db

BODY = [
    "The ordinance requires every vendor to publish an audit of the model before it is used.",
    "Critics said the audit rule was vague and that café owners would never read it at all.",
    "The council will vote again in spring, after a consultation with residents and firms.",
]


@pytest.fixture
def story():
    return make_story("Ordinance", body=BODY).story


@pytest.fixture
def detached(story, ada):
    annotation = annotate(story, ada, "café owners would never read it")
    revised = [BODY[0], "Critics called the rule unreadable for small businesses.", BODY[2]]
    assert make_story("Ordinance", body=revised, url=story.url).changed
    story.refresh_from_db()
    annotation = Annotation.objects.get(pk=annotation.pk)
    assert annotation.is_detached
    return annotation


def _url(annotation):
    return reverse("annotation_attach", args=[annotation.pk])


def test_its_author_sees_the_form_on_the_detached_card(client, story, ada, detached):
    client.force_login(ada)
    content = client.get(story.get_absolute_url()).content.decode()
    card = content[content.index(f'id="annotation-{detached.pk}"') :]
    assert f'action="{_url(detached)}"' in card[: card.index("</li>")]
    assert "Attach to words in the story" in card
    assert ">café owners would never read it</textarea>" in card  # the old words, to edit


def test_others_do_not_see_it_and_cannot_attach(client, story, bob, detached):
    detached.visibility = "public"
    detached.save()
    client.force_login(bob)
    content = client.get(story.get_absolute_url()).content.decode()
    assert "Attach to words in the story" not in content
    response = client.post(_url(detached), {"quote": "small businesses"})
    assert response.status_code == 403
    assert Annotation.objects.get(pk=detached.pk).is_detached


def test_it_attaches_to_the_words_chosen(client, story, ada, detached):
    client.force_login(ada)
    response = client.post(_url(detached), {"quote": "unreadable for small businesses"})
    assert response.status_code == 302
    assert response["Location"].endswith(f"#hl-{detached.pk}")
    attached = Annotation.objects.get(pk=detached.pk)
    text = story.current_revision.body_text
    assert attached.revision_id == story.current_revision_id
    assert text[attached.start : attached.end] == "unreadable for small businesses"
    assert attached.anchor_state == Anchoring.CHANGED  # other words than highlighted
    assert attached.original_exact == "café owners would never read it"  # kept
    content = client.get(story.get_absolute_url()).content.decode()
    assert f'id="hl-{detached.pk}"' in content
    assert "Text changed since you highlighted it" in content


def test_the_same_words_back_are_anchored_as_they_were(client, story, ada, detached):
    make_story("Ordinance", body=[*BODY, "A note."], url=story.url)
    story.refresh_from_db()
    annotation = Annotation.objects.get(pk=detached.pk)
    annotation.anchor_state = Anchoring.ORPHANED  # as if it had not come back by itself
    annotation.save()
    client.force_login(ada)
    client.post(_url(annotation), {"quote": "café owners would never read it"})
    attached = Annotation.objects.get(pk=annotation.pk)
    assert (attached.anchor_state, attached.start) == (Anchoring.ANCHORED, annotation.start)


def test_words_not_in_the_story_keep_the_form_filled_and_say_so(client, story, ada, detached):
    client.force_login(ada)
    response = client.post(_url(detached), {"quote": "no such words"})
    assert response.status_code == 400
    content = response.content.decode()
    assert "Those words are not in the story." in content
    assert "no such words</textarea>" in content
    assert Annotation.objects.get(pk=detached.pk).is_detached


def test_words_in_several_places_offer_them_and_a_choice_attaches(client, story, ada, detached):
    client.force_login(ada)
    response = client.post(_url(detached), {"quote": "The"})
    assert response.status_code == 400
    content = response.content.decode()
    assert "Which one do you mean?" in content
    revision = story.current_revision_id
    assert f'value="2:{revision}"' in content
    response = client.post(_url(detached), {"quote": "The", "occurrence": f"2:{revision}"})
    assert response.status_code == 302
    attached = Annotation.objects.get(pk=detached.pk)
    assert attached.start == story.current_revision.body_text.index("The", 1)


def test_the_page_without_javascript_opens_the_form(client, ada, detached):
    client.force_login(ada)
    response = client.get(_url(detached))
    assert response.status_code == 200
    assert '<details class="quote-highlight attach" open>' in response.content.decode()
