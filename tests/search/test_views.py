"""The search page: /search/ (search/views.py)."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from annotations.models import Colour, Visibility
from annotations.testing import annotate
from articles.models import Source
from reading.models import ReadingState
from search.views import PAGE_SIZE
from tests.factories import LOREM, make_story

pytestmark = pytest.mark.django_db

BASE = datetime(2026, 3, 1, tzinfo=UTC)


@pytest.fixture
def reader(client, ada):
    client.force_login(ada)
    return client


def _story(title, text="", days=0, **kwargs):
    return make_story(
        title, body=[LOREM, text or LOREM], published=BASE + timedelta(days=days), **kwargs
    ).story


def _titles(response) -> list[str]:
    html = response.content.decode()
    found = re.findall(r'class="story-item-title"><a href="[^"]+">(.*?)</a>', html, re.S)
    return [re.sub(r"<[^>]+>", "", title) for title in found]


def _search(client, **params):
    response = client.get("/search/", params)
    assert response.status_code == 200
    return response


def test_it_explains_itself_before_a_search(client):
    content = _search(client).content.decode()
    assert "Search the stories" in content
    assert 'role="search"' in content


def test_it_finds_stories_best_first_and_marks_the_words(client):
    _story("Archive news", "A tape library kept a hospital running. Tape, tape, tape.")
    _story("Tape drives are back", "Archivists like tape for its price.")
    _story("Disk prices fall")
    response = _search(client, q="tape")
    assert _titles(response) == ["Tape drives are back", "Archive news"]
    content = response.content.decode()
    assert '<mark class="search-hit">Tape</mark> drives are back' in content
    assert 'class="search-snippet"' in content
    assert '<mark class="search-hit">tape</mark>' in content


def test_it_escapes_what_the_stories_say(client):
    _story(
        "Evil <script>alert(1)</script> title", "The payload <img src=x onerror=alert(1)> works."
    )
    content = _search(client, q="payload").content.decode()
    assert "<script>alert(1)</script>" not in content
    assert "&lt;script&gt;" in content
    assert "<img src=x" not in content
    assert "&lt;img src=x onerror=alert(1)&gt;" in content


def test_it_shows_matching_highlights_first_and_all_of_them_in_their_tab(reader, ada):
    story = _story("Heat pumps", "Heat pumps move heat rather than make it.")
    annotation = annotate(story, ada, "move heat", comment="Refrigerant matters")
    response = _search(reader, q="refrigerant")
    content = response.content.decode()
    assert "Refrigerant" in content
    assert 'id="preview-title"' in content
    assert f"#hl-{annotation.pk}" in content
    response = _search(reader, q="refrigerant", kind="highlights")
    content = response.content.decode()
    assert '<mark class="search-hit">Refrigerant</mark> matters' in content
    assert 'aria-current="page">Highlights</a>' in content


def test_highlight_comments_are_shown_as_text_not_markdown(reader, ada):
    story = _story("Heat pumps", "Heat pumps move heat rather than make it.")
    annotate(
        story,
        ada,
        "move heat",
        comment="**Refrigerant** matters, see [the guide](https://g.example/x)",
    )
    content = _search(reader, q="refrigerant", kind="highlights").content.decode()
    assert '<mark class="search-hit">Refrigerant</mark> matters, see the guide' in content
    assert "**" not in content
    assert "](" not in content and "g.example" not in content


def test_it_finds_highlights_by_tag(reader, ada):
    story = _story("Heat pumps", "Heat pumps move heat rather than make it.")
    annotate(story, ada, "move heat", tags=["climate-tech"])
    content = _search(reader, q="climate-tech", kind="highlights").content.decode()
    assert "#climate-tech" in content


def test_others_private_highlights_are_never_found(reader, bob):
    story = _story("Heat pumps", "Heat pumps move heat rather than make it.")
    annotate(story, bob, "move heat", comment="secret plan", visibility=Visibility.PRIVATE)
    annotate(story, bob, "Heat pumps", comment="public plan", visibility=Visibility.PUBLIC)
    content = _search(reader, q="plan", kind="highlights").content.decode()
    assert "secret" not in content
    assert "public" in content
    assert "by bob" in content


# --- Filters


def test_it_filters_by_source_and_dates(client):
    wire = Source.objects.create(name="Wire")
    gazette = Source.objects.create(name="Gazette")
    old = _story("Solar old", "Solar panels.", days=0)
    mid = _story("Solar mid", "Solar panels.", days=10)
    _story("Solar new", "Solar panels.", days=20)
    old.source, mid.source = wire, gazette
    old.save()
    mid.save()
    assert _titles(_search(client, q="solar", source=wire.pk)) == ["Solar old"]
    since, until = (BASE + timedelta(days=5)).date(), (BASE + timedelta(days=10)).date()
    assert _titles(_search(client, q="solar", since=since, until=until)) == ["Solar mid"]
    assert _titles(_search(client, q="solar", until=BASE.date())) == ["Solar old"]


def test_it_filters_by_the_readers_library(reader, ada):
    read = _story("Wind read", "Wind farms.", days=1)
    saved = _story("Wind saved", "Wind farms.", days=2)
    highlighted = _story("Wind highlighted", "Wind farms at sea.", days=3)
    ReadingState.objects.set_flags(ada, read, read=True)
    ReadingState.objects.set_flags(ada, saved, saved=True)
    annotate(highlighted, ada, "Wind farms", colour=Colour.GREEN, tags=["energy"])
    annotate(read, ada, "Wind farms", colour=Colour.PINK)
    assert _titles(_search(reader, q="wind", saved="on")) == ["Wind saved"]
    assert set(_titles(_search(reader, q="wind", unread="on"))) == {
        "Wind saved",
        "Wind highlighted",
    }
    assert set(_titles(_search(reader, q="wind", annotated="on"))) == {
        "Wind read",
        "Wind highlighted",
    }
    assert _titles(_search(reader, q="wind", tag="energy")) == ["Wind highlighted"]
    assert _titles(_search(reader, q="wind", colour="pink")) == ["Wind read"]
    assert _titles(_search(reader, q="wind", tag="energy", colour="pink")) == []


def test_filters_without_words_list_newest_first(reader, ada):
    for days in range(3):
        story = _story(f"Listed {days}", days=days)
        ReadingState.objects.set_flags(ada, story, saved=True)
    _story("Not saved", days=5)
    assert _titles(_search(reader, saved="on")) == ["Listed 2", "Listed 1", "Listed 0"]


def test_highlights_filter_by_colour_tag_and_date(reader, ada):
    story = _story("Batteries", "Sodium cells are cheap. Lithium cells are light.")
    annotate(story, ada, "Sodium cells", colour=Colour.BLUE, tags=["chemistry"])
    annotate(story, ada, "Lithium cells", colour=Colour.PINK)
    blue = _search(reader, q="cells", kind="highlights", colour="blue").content.decode()
    assert "Sodium" in blue and "Lithium" not in blue
    tagged = _search(reader, kind="highlights", tag="chemistry").content.decode()
    assert "Sodium" in tagged and "Lithium" not in tagged
    long_ago = _search(reader, q="cells", kind="highlights", until="2001-01-01").content.decode()
    assert "Sodium" not in long_ago and "No highlights match" in long_ago


def test_a_visitor_gets_no_reader_filters(client):
    content = _search(client).content.decode()
    assert 'name="source"' in content
    for name in ("unread", "saved", "annotated", "tag", "colour"):
        assert f'name="{name}"' not in content


# --- Errors where the reader acted


def test_a_backwards_date_range_is_an_error_beside_the_field(client):
    _story("Solar", "Solar panels.")
    response = _search(client, q="solar", since="2026-03-10", until="2026-03-01")
    content = response.content.decode()
    assert "The end date is before the start date." in content
    assert _titles(response) == []
    assert 'value="solar"' in content  # nothing the reader typed is lost


def test_only_exclusions_is_an_error_on_the_box(client):
    content = _search(client, q="-solar").content.decode()
    assert "Add a word to search for" in content
    assert 'aria-invalid="true"' in content


def test_htmx_gets_the_errors_beside_the_fields(client):
    response = client.get(
        "/search/",
        {"q": "solar", "since": "2026-03-10", "until": "2026-03-01"},
        headers={"HX-Request": "true"},
    )
    content = response.content.decode()
    assert re.search(
        r'<div class="field-errors" id="errors-until" hx-swap-oob="true">'
        r'<ul class="errorlist"[^>]*><li>The end date is before the start date.</li></ul></div>',
        content,
    )


def test_the_fields_point_at_their_errors(client):
    content = _search(client, q="solar", until="nonsense").content.decode()
    assert 'aria-describedby="errors-until"' in content
    assert '<div class="field-errors" id="errors-until"><ul class="errorlist"' in content


def test_a_bad_date_or_source_is_an_error_not_a_crash(client):
    content = _search(client, q="solar", since="yesterday", source="abc").content.decode()
    assert "Enter a valid date." in content
    assert "Select a valid choice." in content


def test_an_overlong_query_is_refused(client):
    content = _search(client, q="x" * 201).content.decode()
    assert "at most 200 characters" in content


def test_nul_characters_are_refused_not_sent_to_the_database(client):
    content = _search(client, q="solar\x00").content.decode()
    assert "Null characters are not allowed." in content


# --- Pages


def test_more_results_come_from_a_keyset_cursor(client):
    for i in range(PAGE_SIZE + 3):
        _story(f"Fusion {i:02d}", "Fusion " * (1 + i % 5), days=i)
    first = _search(client, q="fusion")
    content = first.content.decode()
    cursor = re.search(r'href="\?([^"]*after=[^"]+)"', content)
    assert cursor is not None
    assert "offset" not in cursor.group(1)
    second = client.get("/search/?" + cursor.group(1).replace("&amp;", "&"))
    titles = _titles(first) + _titles(second)
    assert len(titles) == len(set(titles)) == PAGE_SIZE + 3


def test_htmx_gets_fragments(client):
    for i in range(PAGE_SIZE + 1):
        _story(f"Fusion {i:02d}", "Fusion.", days=i)
    page = client.get("/search/", {"q": "fusion"}, headers={"HX-Request": "true"})
    content = page.content.decode()
    assert "<html" not in content
    # The results, and each field's errors out of band; never the form being typed in.
    assert content.lstrip().startswith('<div class="search-results-region"')
    assert '<div class="field-errors" id="errors-q" hx-swap-oob="true"></div>' in content
    assert "<form" not in content
    cursor = re.search(r'hx-get="\?([^"]*after=[^"]+)"', content).group(1).replace("&amp;", "&")
    more = client.get("/search/?" + cursor, headers={"HX-Request": "true"}).content.decode()
    assert "search-page" not in more
    assert more.count('class="story-item"') == 1


def _queries(client, **params) -> int:
    with CaptureQueriesContext(connection) as ctx:
        _search(client, **params)
    return len(ctx.captured_queries)


def test_it_runs_a_constant_number_of_queries(reader, ada):
    story = _story("Geothermal 0", "Geothermal wells.")
    annotate(story, ada, "Geothermal wells", tags=["heat"])
    # The first search on a connection asks SQLite for the words' stems (five statements)
    # and remembers them: measure both with them known, as each request here shares one.
    assert _queries(reader, q="geothermal") <= 20
    few = _queries(reader, q="geothermal")
    few_highlights = _queries(reader, q="geothermal", kind="highlights")
    for i in range(1, 30):
        story = _story(f"Geothermal {i}", "Geothermal wells.")
        annotate(story, ada, "Geothermal wells", tags=[f"t{i}"], comment="hot rocks")
    assert _queries(reader, q="geothermal") == few
    assert _queries(reader, q="geothermal", kind="highlights") == few_highlights
    assert few <= 15


def test_a_cut_search_says_so_and_still_pages(client, settings):
    settings.SEARCH_CANDIDATES = PAGE_SIZE + 2
    for i in range(PAGE_SIZE + 5):
        _story(f"Plasma {i:02d}", "Plasma " * (1 + i % 5), days=i)
    first = _search(client, q="plasma")
    content = first.content.decode()
    notice = f"More than {PAGE_SIZE + 2} stories match: these are the best of the newest"
    assert notice in content
    cursor = re.search(r'href="\?([^"]*after=[^"]+)"', content).group(1).replace("&amp;", "&")
    second = client.get("/search/?" + cursor)
    titles = _titles(first) + _titles(second)
    # Every candidate once; the three oldest stories were never ranked.
    assert len(titles) == len(set(titles)) == PAGE_SIZE + 2
    assert not {"Plasma 00", "Plasma 01", "Plasma 02"} & set(titles)


def test_a_search_within_the_bound_says_nothing_about_a_cut(client, settings):
    settings.SEARCH_CANDIDATES = 5
    for i in range(5):
        _story(f"Neutrino {i}", "Neutrino.", days=i)
    assert "search-cut" not in _search(client, q="neutrino").content.decode()
    _story("Neutrino 5", "Neutrino.", days=6)
    assert "More than 5 stories match" in _search(client, q="neutrino").content.decode()


def test_a_result_kept_from_an_earlier_page_shows_what_changed_since(reader, ada):
    # Each result is rendered once and kept (newsreader/fragments.py): what it shows is
    # its key, so a change shows at once, and each response has its own CSRF token.
    story = _story("Neutrino detectors", "Neutrino counts rose.")
    first = _search(reader, q="neutrino").content.decode()
    again = _search(reader, q="neutrino").content.decode()
    assert "csrf-stand-in" not in again
    volatile = re.compile(r'(name="csrfmiddlewaretoken" value=|"X-CSRFToken":|nonce=)"[^"]*"')
    assert volatile.sub("", first) == volatile.sub("", again)
    tokens = re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', again)
    assert len(tokens) > 1 and "csrf-stand-in" not in tokens
    assert 'class="state-badge state-saved"' not in again
    ReadingState.objects.set_flags(ada, story, saved=True)
    saved = _search(reader, q="neutrino").content.decode()
    assert 'class="state-badge state-saved"' in saved
    story.title = "Neutrino observatories"
    story.save()
    assert "observatories" in _search(reader, q="neutrino").content.decode()
    # Another query marks other words; another reader has their own state.
    assert '<mark class="search-hit">counts</mark>' in _search(reader, q="counts").content.decode()
    reader.logout()
    anonymous = _search(reader, q="neutrino").content.decode()
    assert "state-saved" not in anonymous and 'class="story-state' not in anonymous
