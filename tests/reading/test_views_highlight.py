import pytest
from django.contrib.auth.models import User
from django.test import Client

from annotations.anchoring import describe
from annotations.models import (
    Annotation,
    QuoteAmbiguous,
    Visibility,
    find_quote,
    locate_quote,
)
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
def signed_in(client, ada):
    client.force_login(ada)
    return client


def _url(story):
    return f"/stories/{story.pk}/annotations/new/"


def _selection(story, quote, **extra):
    text = story.current_revision.body_text
    start = text.index(quote)
    selectors = describe(text, start, start + len(quote))
    return {
        "revision": story.current_revision_id,
        "exact": selectors.exact,
        "prefix": selectors.prefix,
        "suffix": selectors.suffix,
        "start": selectors.start,
        "end": selectors.end,
        "colour": "blue",
        **extra,
    }


def test_it_answers_htmx_with_the_body_and_the_sidebar_entry(signed_in, story):
    response = signed_in.post(_url(story), _selection(story, "publish an audit"), **HTMX)
    assert response.status_code == 200
    annotation = Annotation.objects.get()
    assert annotation.exact == "publish an audit"
    assert annotation.colour == "blue"
    assert annotation.author.username == "ada"
    content = response.content.decode()
    # The swap target first: the body, with the new mark.
    assert content.startswith('<div class="story-body" id="story-body"')
    # It names the new highlight: annotate.js focuses it as the body is swapped in.
    assert f'data-created="{annotation.pk}"' in content.split(">", 1)[0]
    assert (
        f'<mark class="hl hl-blue" data-annotation="{annotation.pk}" id="hl-{annotation.pk}">'
        in content
    )
    # Out of band: the card at the end of the list (it is the only one) and the count.
    assert '<div hx-swap-oob="beforeend:#annotation-list">' in content
    assert f'<li class="annotation annotation-blue" id="annotation-{annotation.pk}"' in content
    assert 'id="annotations-summary" hx-swap-oob="true"' in content
    assert '<span class="annotation-count">1</span>' in content
    assert "HX-Trigger" not in response


def test_it_inserts_the_card_before_the_next_passage(signed_in, story, ada):
    later = annotate(story, ada, "café owners")
    response = signed_in.post(_url(story), _selection(story, "every vendor"), **HTMX)
    assert f'hx-swap-oob="beforebegin:#annotation-{later.pk}"' in response.content.decode()


def test_it_redirects_a_plain_post_to_the_mark(signed_in, story):
    response = signed_in.post(_url(story), _selection(story, "publish an audit"))
    annotation = Annotation.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"{story.get_absolute_url()}#hl-{annotation.pk}"


def test_it_stores_comment_tags_and_visibility(signed_in, story):
    data = _selection(
        story,
        "audit rule",
        comment="Why *vague*?",
        tags="Policy, #EU",
        visibility="public",
        colour="pink",
    )
    signed_in.post(_url(story), data, **HTMX)
    annotation = Annotation.objects.get()
    assert annotation.comment == "Why *vague*?"
    assert annotation.comment_html == "<p>Why <em>vague</em>?</p>"
    assert annotation.tag_names() == ["eu", "policy"]
    assert annotation.visibility == Visibility.PUBLIC
    assert annotation.colour == "pink"


def test_it_is_private_unless_asked(signed_in, story):
    signed_in.post(_url(story), _selection(story, "audit rule"), **HTMX)
    assert Annotation.objects.get().visibility == Visibility.PRIVATE


def test_it_shows_errors_in_the_toolbar(signed_in, story):
    data = _selection(story, "audit rule", exact="not in the story at all")
    response = signed_in.post(_url(story), data, **HTMX)
    assert response.status_code == 200  # htmx swaps only successful responses
    assert response["HX-Retarget"] == "#annotate-error"
    assert response["HX-Reswap"] == "outerHTML"
    content = response.content.decode()
    assert content.strip().startswith('<div class="annotate-error" id="annotate-error"')
    assert "could not be found in the story" in content
    assert not Annotation.objects.exists()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"colour": "orange"}, "Select a valid choice"),
        ({"tags": ",".join(f"t{i}" for i in range(21))}, "At most 20 tags."),
        ({"exact": ""}, "Select some text in the story first."),
        ({"start": "12", "end": "3"}, "Select some text in the story first."),
        ({"start": "-1"}, "greater than or equal to 0"),
        ({"comment": "x" * 10_001}, "at most 10000 characters"),
        ({"exact": "x" * 10_001}, "too long to highlight"),
    ],
)
def test_it_rejects_bad_input(signed_in, story, change, message):
    data = {**_selection(story, "audit rule"), **change}
    response = signed_in.post(_url(story), data, **HTMX)
    assert message in response.content.decode()
    assert not Annotation.objects.exists()


def test_a_plain_post_with_errors_gets_a_page(signed_in, story):
    data = _selection(story, "audit rule", exact="nowhere to be found")
    response = signed_in.post(_url(story), data)
    assert response.status_code == 400
    content = response.content.decode()
    assert "could not be found" in content
    assert f'href="{story.get_absolute_url()}"' in content


def test_it_places_a_selection_made_in_an_older_revision(signed_in, story):
    data = _selection(story, "publish an audit of the model")
    newer = make_story("Ordinance", body=["A new lead paragraph.", *BODY], url=story.url).story
    response = signed_in.post(_url(story), data, **HTMX)
    assert response.status_code == 200
    annotation = Annotation.objects.get()
    assert annotation.revision_id == newer.current_revision_id
    assert f'data-revision="{newer.current_revision_id}"' in response.content.decode()


def test_it_needs_a_signed_in_user(client, story):
    response = client.post(_url(story), _selection(story, "audit rule"))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert not Annotation.objects.exists()


def test_it_needs_a_csrf_token(ada, story):
    client = Client(enforce_csrf_checks=True)
    client.force_login(ada)
    response = client.post(_url(story), _selection(story, "audit rule"), **HTMX)
    assert response.status_code == 403
    assert not Annotation.objects.exists()


def test_it_accepts_the_token_htmx_sends_in_a_header(ada, story):
    client = Client(enforce_csrf_checks=True)
    client.force_login(ada)
    page = client.get(story.get_absolute_url())
    token = page.context["csrf_token"]
    response = client.post(
        _url(story), _selection(story, "audit rule"), HTTP_X_CSRFTOKEN=str(token), **HTMX
    )
    assert response.status_code == 200
    assert Annotation.objects.count() == 1


def test_it_only_posts(signed_in, story):
    assert signed_in.get(_url(story)).status_code == 405


def test_it_404s_for_a_missing_story(signed_in, story):
    response = signed_in.post("/stories/999999/annotations/new/", _selection(story, "audit rule"))
    assert response.status_code == 404


def test_a_story_titled_annotations_still_opens(client):
    story = make_story("Annotations", body=BODY).story
    assert client.get(story.get_absolute_url()).status_code == 200


def test_the_fragments_leave_out_other_users_private_annotations(client, story, ada):
    secret = annotate(story, ada, "café owners", visibility=Visibility.PRIVATE)
    public = annotate(story, ada, "every vendor", visibility=Visibility.PUBLIC)
    bob = User.objects.create_user("bob")
    client.force_login(bob)
    response = client.post(_url(story), _selection(story, "audit rule"), **HTMX)
    content = response.content.decode()
    assert f'data-annotation="{secret.pk}"' not in content
    assert f"annotation-{secret.pk}" not in content
    assert f'data-annotation="{public.pk}"' in content
    assert '<span class="annotation-count">2</span>' in content  # public + bob's own


# --- "Highlight a quote": typed or pasted words, no selection and no script


def test_the_reading_view_offers_to_highlight_a_quote(signed_in, story):
    content = signed_in.get(story.get_absolute_url()).content.decode()
    assert "<summary>Highlight a quote</summary>" in content
    assert (
        f'<form method="post" action="{_url(story)}#quote-highlight" class="stacked-form">'
        in content
    )
    assert 'name="quote"' in content and 'id="id_quote_colour"' in content


def test_it_highlights_a_typed_quote_where_it_is(signed_in, story):
    response = signed_in.post(_url(story), {"quote": "  audit rule ", "colour": "pink"})
    annotation = Annotation.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"{story.get_absolute_url()}#hl-{annotation.pk}"
    text = story.current_revision.body_text
    assert annotation.exact == "audit rule" == text[annotation.start : annotation.end]
    assert annotation.original_exact == "audit rule"
    assert annotation.colour == "pink"
    assert annotation.visibility == Visibility.PRIVATE


def test_a_pasted_quote_may_differ_in_spaces_and_typography(signed_in):
    story = make_story(
        "Typography",
        body=["The vendor’s “audit” is due – soon.", "It runs to the end of the year. " * 3],
    ).story
    pasted = 'vendor\'s "audit" is due - soon.\n\nIt runs'
    assert signed_in.post(_url(story), {"quote": pasted, "colour": "blue"}).status_code == 302
    annotation = Annotation.objects.get()
    text = story.current_revision.body_text
    assert annotation.exact == text[annotation.start : annotation.end]
    assert annotation.exact.startswith("vendor’s “audit” is due – soon.")
    assert annotation.exact.endswith("It runs")


@pytest.mark.parametrize(
    ("quote", "message"),
    [
        ("not in this story", "Those words are not in the story."),
        ("audit", "Those words are in the story 2 times."),
        ("   ", "Type or paste the words to highlight."),
        ("Audit Rule", "Those words are not in the story."),  # the words as they are
    ],
)
def test_a_quote_that_is_not_there_once_keeps_the_reader_on_the_story(
    signed_in, story, quote, message
):
    response = signed_in.post(_url(story), {"quote": quote, "colour": "blue"})
    assert response.status_code == 400
    content = response.content.decode()
    # The story itself, not a dead end: its text, the form open, what was typed kept.
    assert response.templates[0].name == "reading/story_detail.html"
    assert 'id="story-body"' in content
    assert '<details class="quote-highlight" id="quote-highlight" open>' in content
    assert message in content
    if quote.strip():
        assert f">\n{quote}</textarea>" in content
    assert 'value="blue" checked' in content or 'value="blue" selected' in content
    assert not Annotation.objects.exists()


def test_words_found_several_times_offer_each_place_to_choose(signed_in, story):
    response = signed_in.post(_url(story), {"quote": "audit", "colour": "pink"})
    content = response.content.decode()
    revision = story.current_revision_id
    assert "Which one do you mean?" in content
    # Each place with the words around it, as a button that picks it.
    assert f'name="occurrence" value="1:{revision}"' in content
    assert f'name="occurrence" value="2:{revision}"' in content
    assert "to publish an <mark>audit</mark> of the model" in content
    assert "said the <mark>audit</mark> rule was" in content
    chosen = signed_in.post(
        _url(story), {"quote": "audit", "colour": "pink", "occurrence": f"2:{revision}"}
    )
    annotation = Annotation.objects.get()
    assert chosen["Location"].endswith(f"#hl-{annotation.pk}")
    text = story.current_revision.body_text
    assert annotation.start == text.index("audit rule") and annotation.exact == "audit"
    assert annotation.colour == "pink"


def test_a_place_chosen_in_an_older_revision_is_asked_again(signed_in, story):
    revision = story.current_revision_id
    response = signed_in.post(
        _url(story), {"quote": "audit", "colour": "pink", "occurrence": f"2:{revision + 99}"}
    )
    assert response.status_code == 400
    assert "Which one do you mean?" in response.content.decode()
    assert not Annotation.objects.exists()


def test_a_typed_quote_is_whole_words_at_its_edges():
    text = "The rules say the rule is a rule-of-thumb; unruled."
    assert find_quote(text, "rule") == [(18, 22), (28, 32)]
    assert find_quote(text, "the rule") == [(14, 22)]
    assert find_quote(text, "rule-of-thumb;") == [(28, 42)]


def test_overlapping_occurrences_count_as_two():
    with pytest.raises(QuoteAmbiguous, match="2 times") as raised:
        locate_quote("ha ha ha", "ha ha")
    assert raised.value.occurrences == [(0, 5), (3, 8)]
    assert locate_quote("ha ha ha", "ha ha", 2) == (3, 8)
    assert locate_quote("ha ha hat", "ha hat") == (3, 9)
