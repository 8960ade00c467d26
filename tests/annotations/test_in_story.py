"""The reading view with annotations: marks in the body, the sidebar, permissions, queries."""

import re

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext

from annotations.anchoring import describe
from annotations.models import Annotation, Reply, Visibility
from annotations.testing import annotate
from articles.ingest.blocks import Block
from articles.ingest.extract import Extracted
from articles.ingest.pipeline import store
from articles.models import StoryRevision
from newsreader.sanitizer import html_to_text
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


def _body(content: str) -> str:
    match = re.search(
        r'<div class="story-body" id="story-body"[^>]*>(.*?)</div>\s*<', content, re.S
    )
    assert match, "no story body"
    return match.group(1)


def test_it_draws_highlights_into_the_body(client, story, ada):
    annotation = annotate(story, ada, "publish an audit", colour="green")
    content = client.get(story.get_absolute_url()).content.decode()
    body = _body(content)
    assert (
        f'<mark class="hl hl-green" data-annotation="{annotation.pk}" id="hl-{annotation.pk}">'
        "publish an audit</mark>"
    ) in body
    # The marks change nothing in the text the offsets count.
    assert html_to_text(body) == story.current_revision.body_text


def test_it_underlines_highlights_with_a_comment(client, story, ada):
    annotation = annotate(story, ada, "audit rule", comment="Vague indeed")
    body = _body(client.get(story.get_absolute_url()).content.decode())
    assert f'class="hl hl-yellow hl-emphasized" data-annotation="{annotation.pk}"' in body


def test_it_splits_a_highlight_across_elements(client, ada):
    extracted = Extracted(
        title="Markup",
        blocks=[
            Block("p", "<p>Plain words then <em>emphasized words</em> then more.</p>", ""),
            Block("ul", "<ul><li>first item here</li><li>second item</li></ul>", ""),
            Block("p", "<p>" + "Enough filler words to count as an article. " * 4 + "</p>", ""),
        ],
        url="https://news.example/markup",
    )
    story = store(extracted, origin=StoryRevision.Origin.FILE).story
    text = story.current_revision.body_text
    start, end = text.index("then emphasized"), text.index("first item") + len("first item")
    annotation = Annotation.objects.create_from_selection(
        story=story,
        author=ada,
        revision_id=story.current_revision_id,
        selectors=describe(text, start, end),
        colour="yellow",
        visibility=Visibility.PUBLIC,
    )
    body = _body(client.get(story.get_absolute_url()).content.decode())
    pieces = re.findall(rf'<mark [^>]*data-annotation="{annotation.pk}"[^>]*>(.*?)</mark>', body)
    assert pieces == ["then ", "emphasized words", " then more.", "first item"]
    assert body.count(f'id="hl-{annotation.pk}"') == 1  # only the first piece has the id
    assert html_to_text(body) == story.current_revision.body_text


def test_it_nests_overlapping_highlights(client, story, ada, bob):
    outer = annotate(story, ada, "publish an audit of the model")
    inner = annotate(story, bob, "an audit", colour="pink")
    body = _body(client.get(story.get_absolute_url()).content.decode())
    assert (
        f'<mark class="hl hl-yellow" data-annotation="{outer.pk}" id="hl-{outer.pk}">publish '
        f'<mark class="hl hl-pink" data-annotation="{inner.pk}" id="hl-{inner.pk}">an audit</mark>'
        " of the model</mark>"
    ) in body


def test_it_lists_annotations_in_text_order(client, story, ada):
    later = annotate(story, ada, "vote again in spring", comment="When exactly?")
    earlier = annotate(story, ada, "every vendor", tags=["vendors"])
    client.force_login(ada)
    content = client.get(story.get_absolute_url()).content.decode()
    assert content.index(f'id="annotation-{earlier.pk}"') < content.index(
        f'id="annotation-{later.pk}"'
    )
    card = content[content.index(f'id="annotation-{later.pk}"') :]
    assert "<p>When exactly?</p>" in card
    assert f'href="{story.get_absolute_url()}#hl-{later.pk}"' in card
    assert "ada" in card
    assert "#vendors" in content
    assert '<span class="annotation-count">2</span>' in content


def test_anonymous_readers_see_public_annotations_only(client, story, ada):
    public = annotate(story, ada, "every vendor", visibility=Visibility.PUBLIC)
    private = annotate(story, ada, "audit rule", visibility=Visibility.PRIVATE)
    content = client.get(story.get_absolute_url()).content.decode()
    assert f'id="annotation-{public.pk}"' in content
    assert f'data-annotation="{public.pk}"' in content
    assert f"annotation-{private.pk}" not in content
    assert f'data-annotation="{private.pk}"' not in content
    assert '<span class="annotation-count">1</span>' in content
    assert "Log in</a> to highlight" in content
    assert 'id="annotate-toolbar"' not in content


def test_authors_see_their_private_annotations_and_others_do_not(client, story, ada, bob):
    private = annotate(story, ada, "audit rule", visibility=Visibility.PRIVATE)
    client.force_login(ada)
    content = client.get(story.get_absolute_url()).content.decode()
    assert f'id="annotation-{private.pk}"' in content
    assert "Private" in content
    assert 'id="annotate-toolbar"' in content
    client.force_login(bob)
    content = client.get(story.get_absolute_url()).content.decode()
    assert f"annotation-{private.pk}" not in content
    assert f'data-annotation="{private.pk}"' not in content
    assert '<span class="annotation-count">0</span>' in content
    assert "audit rule</mark>" not in content


def test_only_the_author_gets_edit_and_delete(client, story, ada, bob):
    annotation = annotate(story, ada, "audit rule")
    client.force_login(bob)
    content = client.get(story.get_absolute_url()).content.decode()
    assert f"/annotations/{annotation.pk}/edit/" not in content
    assert f"/annotations/{annotation.pk}/delete/" not in content
    assert f"/annotations/{annotation.pk}/replies/new/" in content  # bob may reply
    client.force_login(ada)
    content = client.get(story.get_absolute_url()).content.decode()
    assert f"/annotations/{annotation.pk}/edit/" in content
    assert f"/annotations/{annotation.pk}/delete/" in content


def test_the_toolbar_posts_the_selectors_of_the_current_revision(client, story, ada):
    client.force_login(ada)
    content = client.get(story.get_absolute_url()).content.decode()
    toolbar = content[content.index('id="annotate-toolbar"') :]
    assert f'hx-post="/stories/{story.pk}/annotations/new/"' in content
    assert f'name="revision" value="{story.current_revision_id}"' in toolbar
    for name in ("exact", "prefix", "suffix", "start", "end"):
        assert f'name="{name}"' in toolbar
    for colour in ("yellow", "green", "blue", "pink", "purple"):
        assert f'name="colour" value="{colour}"' in toolbar


def test_the_toolbars_colours_are_the_palette_on_every_page(client, story, ada):
    from annotations.models import Colour

    client.force_login(ada)
    other = make_story("Another", body=BODY).story
    toolbars = []
    for shown in (story, other, story):
        content = client.get(shown.get_absolute_url()).content.decode()
        start = content.index('id="annotate-toolbar"')
        toolbars.append(content[start : content.index("</form>", start)])
    toolbar = toolbars[0]
    for number, (value, label) in enumerate(Colour.choices, start=1):
        assert (
            f'data-colour="{value}"\n              title="{label} ({value}), key {number}" '
            f'aria-label="Highlight {value}: {label}"' in toolbar
        )
        checked = " checked" if number == 1 else ""
        assert f'<input type="radio" name="colour" value="{value}"{checked}><span' in toolbar
        assert f'aria-hidden="true"></span>{label}</label>' in toolbar
    assert toolbar.count('name="colour"') == 2 * len(Colour.choices)
    colours = [
        re.findall(r'<div class="(?:annotate-quick|colour-choice)".*?</div>', shown, re.S)
        for shown in toolbars
    ]
    assert len(colours[0]) == 2
    assert colours[0] == colours[1] == colours[2]


def test_it_loads_the_module_with_a_nonce_and_no_inline_code(client, story, ada):
    annotate(story, ada, "audit rule", comment="Hi")
    client.force_login(ada)
    response = client.get(story.get_absolute_url())
    content = response.content.decode()
    nonce = re.search(r"'nonce-([^']+)'", response["Content-Security-Policy"]).group(1)
    assert f'<script type="module" src="/static/js/annotate.js" nonce="{nonce}">' in content
    assert " style=" not in content
    assert not re.search(r"<script(?![^>]*\bsrc=)", content)  # no inline script
    assert not re.search(r"\son[a-z]+=", content)  # no event handler attributes


def test_detached_annotations_are_listed_apart_with_their_quote(client, story, ada):
    kept = annotate(story, ada, "every vendor")
    lost = annotate(story, ada, "café owners would never read it")
    make_story("Ordinance", body=[BODY[0], BODY[2]], url=story.url)
    content = client.get(story.get_absolute_url()).content.decode()
    detached = content[content.index("Detached annotations") :]
    assert f'id="annotation-{lost.pk}"' in detached
    assert "café owners would never read it" in detached
    assert f'id="annotation-{kept.pk}"' not in detached
    assert f'data-annotation="{lost.pk}"' not in content  # not drawn
    assert f'data-annotation="{kept.pk}"' in content
    assert '<span class="annotation-count">2</span>' in content


def test_a_changed_passage_says_so(client, story, ada):
    annotation = annotate(story, ada, "publish an audit of the model before it is used")
    edited = BODY[0].replace("an audit of the model", "an audit of the models")
    make_story("Ordinance", body=[edited, *BODY[1:]], url=story.url)
    client.force_login(ada)
    content = client.get(story.get_absolute_url()).content.decode()
    card = content[content.index(f'id="annotation-{annotation.pk}"') :]
    assert "Text changed since you highlighted it" in card
    assert "publish an audit of the model before it is used" in card
    assert f'data-annotation="{annotation.pk}"' in _body(content)


def _queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def _fill(story, users, count):
    revision = story.current_revision
    text = revision.body_text
    words = [m.span() for m in re.finditer(r"\S+", text)]
    for i in range(count):
        author = users[i % len(users)]
        start, _ = words[i % len(words)]
        _, end = words[min(len(words) - 1, i % len(words) + i % 3)]
        annotation = Annotation.objects.create_from_selection(
            story=story,
            author=author,
            revision_id=revision.pk,
            selectors=describe(text, start, end),
            colour=["yellow", "green", "blue", "pink", "purple"][i % 5],
            comment=f"Note {i}" if i % 2 else "",
            tags=[f"tag{i % 4}"] if i % 3 else [],
            visibility=Visibility.PUBLIC if i % 4 else Visibility.PRIVATE,
        )
        if i % 5 == 0:
            Reply.objects.create(
                annotation=annotation,
                author=users[(i + 1) % len(users)],
                body="A reply",
                body_html="<p>A reply</p>",
            )


@pytest.mark.parametrize("signed_in", [False, True])
def test_the_page_runs_a_constant_number_of_queries(client, signed_in):
    users = [User.objects.create_user(f"reader{i}") for i in range(20)]
    empty = make_story("Empty", body=BODY).story
    some = make_story("Some", body=BODY).story
    full = make_story("Full", body=BODY).story
    _fill(some, users, 2)  # the first is private: a visitor sees one
    _fill(full, users, 200)
    assert Annotation.objects.filter(story=full).count() == 200
    if signed_in:
        client.force_login(users[0])
    # Warm up all: session, content types, and whatever a first visit records.
    for story in (empty, some, full):
        client.get(story.get_absolute_url())
    baseline = _queries(client, some.get_absolute_url())
    assert _queries(client, full.get_absolute_url()) == baseline
    # With none there are no tags or replies to ask for.
    assert _queries(client, empty.get_absolute_url()) == baseline - 2
    content = client.get(full.get_absolute_url()).content.decode()
    assert content.count('class="annotation annotation-') > 100


def test_the_quote_form_is_rendered_once_but_gets_a_new_key_each_time(client, story):
    from annotations.forms import QuoteForm

    client.force_login(User.objects.create_user("quoter"))
    keys = []
    for _ in range(2):
        content = client.get(story.get_absolute_url()).content.decode()
        form = re.search(r'<details class="quote-highlight".*?</details>', content, re.S).group(0)
        keys += re.findall(r'name="idempotency_key" value="([^"]+)" id="id_quote_idempotency', form)
        fresh = QuoteForm()
        assert fresh["quote"].as_field_group() in form
        assert fresh["colour"].as_field_group() in form
    assert len(keys) == 2 and keys[0] != keys[1]
    assert "stand-in" not in content


@pytest.mark.parametrize("reader", ["visitor", "author", "other"])
def test_on_story_finds_what_the_orm_finds(story, reader):
    from django.contrib.auth.models import AnonymousUser

    users = [User.objects.create_user(f"reader{i}") for i in range(3)]
    _fill(story, users, 40)
    make_story("Elsewhere", body=BODY)
    viewer = {"visitor": AnonymousUser(), "author": users[0], "other": users[2]}[reader]
    expected = (
        Annotation.objects.visible_to(viewer).filter(story=story).in_text_order().with_thread()
    )
    found = Annotation.objects.on_story(story, viewer)
    assert [a.pk for a in found] == [a.pk for a in expected]
    assert len(found) < 40 if reader == "visitor" else len(found) > 0
    for mine, theirs in zip(found, expected, strict=True):
        for field in Annotation._meta.concrete_fields:
            assert getattr(mine, field.attname) == getattr(theirs, field.attname), field.name
        assert mine.author.username == theirs.author.username
        assert [t.name for t in mine.tag_list] == [t.name for t in theirs.tag_list]
        assert [r.pk for r in mine.thread] == [r.pk for r in theirs.thread]
    with CaptureQueriesContext(connection) as queries:
        for annotation in found:
            _ = (annotation.author.username, annotation.tag_list, annotation.thread)
    assert len(queries) == 0
