"""My highlights: every annotation of the signed-in reader, newest first."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

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


def _aged(annotation, minutes):
    Annotation.objects.filter(pk=annotation.pk).update(
        created=timezone.now() - timedelta(minutes=minutes)
    )
    return annotation


def test_it_needs_a_signed_in_user(client):
    response = client.get("/highlights/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_it_lists_my_annotations_newest_first_with_links_into_the_stories(client, story, ada, bob):
    old = _aged(annotate(story, ada, "every vendor", comment="Who?", tags=["vendors"]), 10)
    new = annotate(story, ada, "audit rule", visibility=Visibility.PRIVATE)
    theirs = annotate(story, bob, "café owners", visibility=Visibility.PUBLIC)
    client.force_login(ada)
    content = client.get("/highlights/").content.decode()
    assert content.index(f'id="highlight-{new.pk}"') < content.index(f'id="highlight-{old.pk}"')
    assert f'href="{story.get_absolute_url()}#hl-{new.pk}">audit rule</a>' in content
    assert "<p>Who?</p>" in content
    assert 'href="/highlights/?tag=vendors">#vendors</a>' in content
    assert f"highlight-{theirs.pk}" not in content  # public, but not mine
    assert 'href="/highlights/"' in content  # the nav link


def test_it_never_shows_another_users_private_annotation(client, story, ada, bob):
    private = annotate(story, bob, "audit rule", visibility=Visibility.PRIVATE, tags=["secret"])
    client.force_login(ada)
    for query in ("", "?q=audit", "?tag=secret", f"?story={story.pk}"):
        content = client.get(f"/highlights/{query}").content.decode()
        assert f"highlight-{private.pk}" not in content
        assert "secret" not in content


def test_it_filters_by_colour_tag_story_and_text(client, ada):
    first = make_story("First story", body=BODY).story
    second = make_story("Second story", body=BODY).story
    a = annotate(first, ada, "every vendor", colour="green", tags=["policy"])
    b = annotate(first, ada, "audit rule", colour="pink", comment="Is this *vague*?")
    c = annotate(second, ada, "café owners", colour="green", tags=["cafes", "policy"])
    client.force_login(ada)

    def listed(query):
        content = client.get(f"/highlights/?{query}").content.decode()
        return {x.pk for x in (a, b, c) if f'id="highlight-{x.pk}"' in content}

    assert listed("") == {a.pk, b.pk, c.pk}
    assert listed("colour=green") == {a.pk, c.pk}
    assert listed("tag=policy") == {a.pk, c.pk}
    assert listed("tag=cafes") == {c.pk}
    assert listed(f"story={first.pk}") == {a.pk, b.pk}
    assert listed("q=VAGUE") == {b.pk}  # the comment
    assert listed("q=Café") == {c.pk}  # the quote
    assert listed(f"colour=green&story={second.pk}") == {c.pk}
    assert listed("colour=green&q=audit") == set()
    # Filters that match nothing of mine are ignored rather than errors.
    assert listed("colour=orange") == {a.pk, b.pk, c.pk}
    assert listed("story=999999") == {a.pk, b.pk, c.pk}
    content = client.get("/highlights/?colour=green&q=audit").content.decode()
    assert "No highlights match these filters." in content
    assert "Clear filters" in content


def test_it_offers_only_my_tags_and_stories_as_filters(client, ada, bob):
    mine = make_story("Mine", body=BODY).story
    other = make_story("Not mine", body=BODY).story
    annotate(mine, ada, "every vendor", tags=["policy"])
    annotate(other, bob, "audit rule", tags=["elsewhere"])
    client.force_login(ada)
    content = client.get("/highlights/").content.decode()
    assert '<option value="policy">policy</option>' in content
    assert "elsewhere" not in content
    assert f'href="/highlights/?story={mine.pk}">only this story' in content
    assert "Not mine" not in content


def test_it_narrows_to_one_story_and_back(client, ada, bob):
    first = make_story("First story", body=BODY).story
    second = make_story("Second story", body=BODY).story
    a = annotate(first, ada, "every vendor", colour="green")
    b = annotate(second, ada, "audit rule", colour="green")
    theirs = make_story("Their story", body=BODY).story
    annotate(theirs, bob, "café owners", visibility=Visibility.PUBLIC)
    client.force_login(ada)
    content = client.get(f"/highlights/?colour=green&story={first.pk}").content.decode()
    assert f'id="highlight-{a.pk}"' in content and f'id="highlight-{b.pk}"' not in content
    # Said above the list, kept by the form, and undone by one link keeping the rest.
    assert "<strong>First story</strong>" in content
    assert f'<input type="hidden" name="story" value="{first.pk}"' in content
    assert 'href="/highlights/?colour=green">All stories</a>' in content
    assert "only this story" not in content
    # A story I never annotated filters nothing and its title is not shown.
    content = client.get(f"/highlights/?story={theirs.pk}").content.decode()
    assert f'id="highlight-{a.pk}"' in content and f'id="highlight-{b.pk}"' in content
    assert "Their story" not in content


def test_it_pages_by_keyset(client, story, ada):
    made = [_aged(annotate(story, ada, "every vendor"), minutes=i) for i in range(30)]
    client.force_login(ada)
    content = client.get("/highlights/?colour=yellow").content.decode()
    assert content.count('class="highlight-item') == 25
    assert "Older highlights" in content
    start = content.index('hx-get="?') + len('hx-get="?')
    query = content[start : content.index('"', start)].replace("&amp;", "&")
    assert "colour=yellow" in query and "before=" in query
    response = client.get(f"/highlights/?{query}", **HTMX)
    page = response.content.decode()
    assert "<html" not in page
    assert page.count('class="highlight-item') == 5
    assert "Older highlights" not in page
    # Together, every annotation once, newest first.
    oldest = [m.pk for m in made[25:]]
    assert [pk for pk in oldest if f'id="highlight-{pk}"' in page] == oldest


def test_a_filter_change_with_htmx_swaps_the_results(client, story, ada):
    annotate(story, ada, "every vendor", colour="green")
    client.force_login(ada)
    content = client.get("/highlights/?colour=green", **HTMX).content.decode()
    assert content.strip().startswith('<div class="highlight-results" id="highlight-results">')
    assert "<html" not in content
    # A history restore asks with HX-Request too, and needs the whole page.
    content = client.get(
        "/highlights/?colour=green", HTTP_HX_HISTORY_RESTORE_REQUEST="true", **HTMX
    ).content.decode()
    assert "<html" in content


def test_a_bad_cursor_means_the_first_page(client, story, ada):
    annotate(story, ada, "every vendor")
    client.force_login(ada)
    for cursor in ("nonsense", "2026-01-01~x", "~", "x~1"):
        response = client.get(f"/highlights/?before={cursor}")
        assert response.status_code == 200
        assert response.content.decode().count('class="highlight-item') == 1


def test_detached_annotations_link_to_their_card(client, story, ada):
    annotation = annotate(story, ada, "café owners would never read it")
    make_story(
        "Ordinance",
        body=[
            BODY[0],
            "Another paragraph replaced the critics, with enough words in it to count as a story.",
        ],
        url=story.url,
    )
    client.force_login(ada)
    content = client.get("/highlights/").content.decode()
    assert f'href="{story.get_absolute_url()}#annotation-{annotation.pk}"' in content
    assert "Detached" in content


def test_it_runs_a_constant_number_of_queries(client, ada):
    client.force_login(ada)
    client.get("/highlights/")

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/highlights/").status_code == 200
        return len(queries)

    empty = count()
    first = make_story("Story", body=BODY).story
    annotate(first, ada, "every vendor", tags=["all"], comment="c")
    one = count()
    # With none there are no tags to ask for.
    assert empty == one - 1
    for i in range(5):
        story = make_story(f"Story {i}", body=BODY).story
        for quote in ("every vendor", "audit rule", "café owners"):
            annotate(story, ada, quote, tags=[f"t{i}", "all"], comment="c")
    assert count() == one


def test_it_pages_through_annotations_made_at_the_same_moment(client, story, ada):
    made = [annotate(story, ada, "every vendor") for _ in range(30)]
    Annotation.objects.update(created=timezone.now())
    client.force_login(ada)
    seen = []
    url = "/highlights/"
    while url:
        content = client.get(url).content.decode()
        on_page = [a.pk for a in made if f'id="highlight-{a.pk}"' in content]
        seen += sorted(on_page, key=lambda pk: content.index(f'id="highlight-{pk}"'))
        marker = 'hx-get="?'
        url = None
        if marker in content:
            start = content.index(marker) + len(marker)
            url = "/highlights/?" + content[start : content.index('"', start)].replace("&amp;", "&")
    assert sorted(seen) == sorted(a.pk for a in made)
    assert seen == sorted(seen, reverse=True)  # newest (highest id) first on a tie


# --- Searching: the search index (search.engine), not substrings


def _listed_in(content, annotations):
    """Those of annotations on the page, in the order shown."""
    shown = [a for a in annotations if f'id="highlight-{a.pk}"' in content]
    return sorted(shown, key=lambda a: content.index(f'id="highlight-{a.pk}"'))


def _listed(client, query, *annotations):
    return _listed_in(client.get(f"/highlights/?{query}").content.decode(), annotations)


def test_it_searches_words_not_substrings(client, story, ada):
    rule = annotate(story, ada, "audit rule", comment="Too vague")
    vendor = annotate(story, ada, "every vendor", tags=["procurement"])
    cafe = annotate(story, ada, "café owners would never read it")
    client.force_login(ada)
    assert _listed(client, "q=aud", rule, vendor, cafe) == []  # a piece of a word is no word
    assert _listed(client, "q=audits", rule, vendor, cafe) == [rule]  # stemmed
    assert _listed(client, "q=rule+audit", rule, vendor, cafe) == [rule]  # in any order
    assert _listed(client, "q=procurement", rule, vendor, cafe) == [vendor]  # the tags too
    assert _listed(client, "q=CAFÉ", rule, vendor, cafe) == [cafe]  # any case
    assert _listed(client, "q=vague+or+vendor", rule, vendor, cafe) == [vendor, rule]
    assert _listed(client, 'q="never+read"+-owners', rule, vendor, cafe) == []


def test_it_ranks_the_quote_above_a_comment(client, story, ada):
    quoted = _aged(annotate(story, ada, "audit rule"), minutes=10)
    commented = annotate(story, ada, "every vendor", comment="An audit, again.")
    client.force_login(ada)
    # Newest first without a search; with one, the quote's words outrank the comment's.
    assert _listed(client, "", quoted, commented) == [commented, quoted]
    assert _listed(client, "q=audit", quoted, commented) == [quoted, commented]
    content = client.get("/highlights/?q=audit").content.decode()
    assert "Best matches first." in content


def test_it_finds_the_words_first_highlighted_after_the_story_changed(client, story, ada):
    annotation = annotate(story, ada, "café owners would never read it")
    make_story(
        "Ordinance",
        body=[BODY[0], BODY[1].replace("café owners", "restaurant owners")],
        url=story.url,
    )
    annotation.refresh_from_db()
    assert annotation.exact == "restaurant owners would never read it"
    client.force_login(ada)
    assert _listed(client, "q=restaurant", annotation) == [annotation]
    assert _listed(client, "q=café", annotation) == [annotation]


def test_a_search_only_leaving_words_out_says_so(client, story, ada):
    annotate(story, ada, "audit rule")
    client.force_login(ada)
    for query in ("-audit", "%21%21%21"):
        content = client.get(f"/highlights/?q={query}").content.decode()
        assert "Search for a word or a phrase in quotes" in content
        assert 'class="highlight-item' not in content
        assert "No highlights match these filters." in content


def test_search_results_page_by_rank_with_the_filters(client, ada):
    first = make_story("First story", body=BODY).story
    second = make_story("Second story", body=BODY).story
    made = []
    for i in range(32):
        # Ranks tie in threes: the id breaks the tie, and no page repeats or skips one.
        quote = ("audit", "audit of the model", "every vendor to publish an audit")[i % 3]
        made.append(annotate(first, ada, quote, colour="green", comment="audit " * (i % 2)))
    others = [
        annotate(second, ada, "audit rule", colour="green"),
        annotate(first, ada, "audit rule", colour="pink"),
    ]
    client.force_login(ada)
    seen, url = [], "/highlights/?q=audit&colour=green&story=" + str(first.pk)
    pages = 0
    while url:
        pages += 1
        response = client.get(url, **(HTMX if pages > 1 else {}))
        content = response.content.decode()
        assert ("<html" in content) == (pages == 1)
        seen += [a.pk for a in _listed_in(content, made + others)]
        url = None
        marker = 'hx-get="?'
        if marker in content:
            start = content.index(marker) + len(marker)
            query = content[start : content.index('"', start)].replace("&amp;", "&")
            assert "after=" in query and "before=" not in query
            assert "colour=green" in query and f"story={first.pk}" in query and "q=audit" in query
            assert "More highlights" in content
            url = f"/highlights/?{query}"
    assert pages == 2
    assert sorted(seen) == sorted(a.pk for a in made)  # each once, the filters kept
    assert len(seen) == len(set(seen))


def test_a_bad_search_cursor_means_the_first_page(client, story, ada):
    annotate(story, ada, "audit rule")
    client.force_login(ada)
    for cursor in ("nonsense", "nan~1", "inf~2", "1.5~x"):
        content = client.get(f"/highlights/?q=audit&after={cursor}").content.decode()
        assert content.count('class="highlight-item') == 1
