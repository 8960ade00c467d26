import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import IntegrityError, transaction

from annotations.anchoring import AnchorState, Selectors, describe
from annotations.models import (
    MAX_QUOTE,
    Anchoring,
    Annotation,
    Colour,
    Reply,
    SelectionError,
    Tag,
    Visibility,
    parse_tags,
)
from annotations.testing import annotate
from articles.models import Story
from tests.factories import make_story

pytestmark = pytest.mark.django_db

BODY = [
    "The ordinance requires every vendor to publish an audit of the model before it is used.",
    "Critics said the audit rule was vague 🚀 and that café owners would never read it at all.",
]


@pytest.fixture
def story():
    return make_story("Ordinance", body=BODY).story


def _create(story, author, selectors, revision_id=None, **fields):
    return Annotation.objects.create_from_selection(
        story=story,
        author=author,
        revision_id=story.current_revision_id if revision_id is None else revision_id,
        selectors=selectors,
        colour=fields.pop("colour", Colour.YELLOW),
        **fields,
    )


def test_it_stores_w3c_selectors_and_keeps_the_original(story, ada):
    text = story.current_revision.body_text
    start = text.index("publish an audit")
    annotation = _create(story, ada, describe(text, start, start + 16))
    annotation.refresh_from_db()
    assert annotation.exact == annotation.original_exact == "publish an audit"
    assert annotation.start == annotation.original_start == start
    assert annotation.end == annotation.original_end == start + 16
    assert annotation.prefix == annotation.original_prefix == text[start - 32 : start]
    assert annotation.suffix == annotation.original_suffix == text[start + 16 : start + 48]
    assert annotation.revision_id == annotation.original_revision_id == story.current_revision_id
    assert annotation.anchor_state == Anchoring.ANCHORED
    assert annotation.visibility == Visibility.PRIVATE  # the default


def test_it_counts_code_points(story, ada):
    text = story.current_revision.body_text
    start = text.index("vague 🚀")
    annotation = _create(story, ada, describe(text, start, start + len("vague 🚀")))
    assert annotation.exact == "vague 🚀"
    assert annotation.end - annotation.start == 7  # the rocket is one code point


def test_it_trims_spaces_around_the_selection(story, ada):
    text = story.current_revision.body_text
    start = text.index(" audit of")
    annotation = _create(story, ada, describe(text, start, start + len(" audit of ")))
    assert annotation.exact == "audit of"
    assert text[annotation.start : annotation.end] == "audit of"


def test_it_finds_the_quote_when_the_offsets_are_wrong(story, ada):
    text = story.current_revision.body_text
    start = text.index("publish an audit of the model")
    selectors = describe(text, start, start + 29)
    shifted = Selectors(selectors.exact, selectors.prefix, selectors.suffix, 3, 32)
    annotation = _create(story, ada, shifted)
    assert (annotation.start, annotation.end) == (start, start + 29)


def test_it_rejects_a_selection_that_is_not_in_the_story(story, ada):
    bogus = Selectors("words that are nowhere", "", "", 0, 22)
    with pytest.raises(SelectionError, match="could not be found"):
        _create(story, ada, bogus)
    assert not Annotation.objects.exists()


def test_it_rejects_spaces_only(story, ada):
    text = story.current_revision.body_text
    with pytest.raises(SelectionError, match="not only spaces"):
        _create(story, ada, describe(text, 3, 4))  # "The| |ordinance"


def test_it_rejects_a_huge_selection(story, ada):
    with pytest.raises(SelectionError, match="too long"):
        _create(story, ada, Selectors("x" * (MAX_QUOTE + 1), "", "", 0, MAX_QUOTE + 1))


def test_it_anchors_a_selection_from_an_older_revision(story, ada):
    old = story.current_revision
    start = old.body_text.index("publish an audit of the model")
    selectors = describe(old.body_text, start, start + 29)
    newer = make_story(
        "Ordinance", body=["A new first paragraph was added.", *BODY], url=story.url
    ).story
    annotation = _create(newer, ada, selectors, revision_id=old.pk)
    assert annotation.revision_id == newer.current_revision_id != old.pk
    text = newer.current_revision.body_text
    assert text[annotation.start : annotation.end] == "publish an audit of the model"


def test_it_refuses_an_old_selection_whose_words_changed(story, ada):
    old = story.current_revision
    start = old.body_text.index("publish an audit of the model")
    selectors = describe(old.body_text, start, start + 29)
    edited = [BODY[0].replace("an audit of the model", "a review of the system"), BODY[1]]
    make_story("Ordinance", body=edited, url=story.url)
    story.refresh_from_db()
    with pytest.raises(SelectionError, match="has changed since you opened it"):
        _create(story, ada, selectors, revision_id=old.pk)


def test_it_renders_the_comment_once_when_written(story, ada):
    annotation = annotate(
        story,
        ada,
        "audit rule",
        comment="See **this**: https://example.org/x <script>alert(1)</script>",
    )
    stored = Annotation.objects.get(pk=annotation.pk)
    assert "<strong>this</strong>" in stored.comment_html
    assert 'href="https://example.org/x"' in stored.comment_html
    assert 'rel="nofollow noopener noreferrer"' in stored.comment_html
    assert "<script>" not in stored.comment_html
    assert "&lt;script&gt;" in stored.comment_html
    assert stored.comment.startswith("See **this**")  # the source is kept


@pytest.mark.parametrize(
    ("raw", "names"),
    [
        ("", []),
        ("rust", ["rust"]),
        ("#Rust, supply chain ,, RUST", ["rust", "supply-chain"]),
        ("  c++ / ai  ", ["c-ai"]),
        (["Policy", "policy", "#eu"], ["policy", "eu"]),
        ("日本語, café", ["日本語", "café"]),
    ],
)
def test_it_normalizes_tags(raw, names):
    assert parse_tags(raw) == names


def test_it_limits_tags():
    with pytest.raises(ValueError, match="At most 20"):
        parse_tags(",".join(f"t{i}" for i in range(21)))
    with pytest.raises(ValueError, match="at most 50"):
        parse_tags("x" * 51)


def test_it_shares_tags_between_annotations(story, ada, bob):
    first = annotate(story, ada, "audit rule", tags=["policy", "eu"])
    second = annotate(story, bob, "café owners", tags=["policy"])
    assert Tag.objects.count() == 2
    assert first.tag_names() == ["eu", "policy"]
    assert second.tag_names() == ["policy"]
    first.set_tags(["eu"])
    assert first.tag_names() == ["eu"]


def test_it_shows_private_annotations_only_to_their_author(story, ada, bob):
    public = annotate(story, ada, "audit rule", visibility=Visibility.PUBLIC)
    private = annotate(story, ada, "café owners", visibility=Visibility.PRIVATE)
    assert set(Annotation.objects.visible_to(ada)) == {public, private}
    assert set(Annotation.objects.visible_to(bob)) == {public}
    assert set(Annotation.objects.visible_to(AnonymousUser())) == {public}
    assert private.can_edit(ada)
    assert not private.can_edit(bob)
    assert not public.can_edit(AnonymousUser())


@pytest.mark.parametrize(
    ("visibility", "private", "link_only", "shareable"),
    [
        (Visibility.PRIVATE, True, False, False),
        (Visibility.LINK, False, True, True),
        (Visibility.PUBLIC, False, False, True),
    ],
)
def test_it_names_its_visibility(story, ada, visibility, private, link_only, shareable):
    annotation = annotate(story, ada, "audit rule", visibility=visibility)
    assert (annotation.is_private, annotation.is_link_only, annotation.is_shareable) == (
        private,
        link_only,
        shareable,
    )
    assert Annotation.objects.shareable().filter(pk=annotation.pk).exists() == shareable


def test_a_detached_highlight_offers_its_share_menu_to_its_author_only(story, ada, bob):
    annotation = annotate(story, ada, "audit rule", visibility=Visibility.PUBLIC)
    for viewer in (ada, bob, AnonymousUser()):
        assert annotation.show_to(viewer).has_share_menu
    annotation.anchor_state = Anchoring.ORPHANED  # its passage is gone from the story
    assert annotation.show_to(ada).is_own
    assert annotation.show_to(ada).has_share_menu
    assert not annotation.show_to(bob).has_share_menu
    assert not annotation.show_to(AnonymousUser()).has_share_menu


def test_a_visitor_owns_nothing_not_even_what_has_no_author_yet():
    # The checks say "signed in, and the author": None (a visitor's pk, or an author not
    # set yet on a new object) is nobody.
    visitor = AnonymousUser()
    assert not Annotation().can_edit(visitor)
    assert not Annotation().show_to(visitor).is_own
    assert not Reply().can_delete(visitor)


def test_it_stores_the_anchor_states_of_the_algorithm():
    assert {state.value for state in AnchorState} == set(Anchoring.values)


def test_it_checks_spans_in_the_database(story, ada):
    annotation = annotate(story, ada, "audit rule")
    with pytest.raises(IntegrityError), transaction.atomic():
        Annotation.objects.filter(pk=annotation.pk).update(end=annotation.start)


def test_deleting_a_story_deletes_its_annotations(story, ada, bob):
    annotation = annotate(story, ada, "audit rule")
    Reply.objects.create(annotation=annotation, author=bob, body="yes", body_html="<p>yes</p>")
    Story.objects.filter(pk=story.pk).delete()
    assert not Annotation.objects.exists()
    assert not Reply.objects.exists()


def test_it_describes_itself_by_its_quote(story, ada):
    assert str(annotate(story, ada, "audit rule")) == "“audit rule”"
