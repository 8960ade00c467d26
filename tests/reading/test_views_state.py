"""reading/views_state.py: save / read buttons, reading progress, display preferences."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from reading.models import ReadingState, UserPreferences
from tests.factories import make_story

pytestmark = pytest.mark.django_db


@pytest.fixture
def reader(client, ada):
    client.force_login(ada)
    return client


@pytest.fixture
def story():
    return make_story("Heat pumps everywhere").story


def _state_url(story):
    return f"/stories/{story.pk}/reading/state/"


def _state(ada, story):
    return ReadingState.objects.get(user=ada, story=story)


# --- Save and read


def test_saving_without_javascript_redirects_back(reader, ada, story):
    response = reader.post(_state_url(story), {"saved": "1", "next": "/?show=saved"})
    assert response.status_code == 302
    assert response["Location"] == "/?show=saved"
    assert _state(ada, story).is_saved


def test_htmx_gets_the_buttons_back(reader, ada, story):
    response = reader.post(
        _state_url(story), {"saved": "1", "next": "/"}, headers={"HX-Request": "true"}
    )
    content = response.content.decode()
    assert response.status_code == 200
    assert content.lstrip().startswith(f'<div class="story-state" id="story-state-{story.pk}">')
    assert ">Unsave<" in content
    assert 'name="saved" value="0"' in content
    assert 'name="next" value="/"' in content  # the page it is on, not this URL
    assert f'id="save-{story.pk}"' in content


def _tab_counts(content):
    return dict(
        re.findall(r'>(All|Unread|Saved|Annotated) <span class="tab-count">(\d+)<', content)
    )


def test_on_the_front_page_the_tab_counts_follow_the_buttons(reader, ada, story):
    make_story("Another story")
    front = reader.get("/?show=unread").content.decode()
    assert _tab_counts(front) == {"All": "2", "Unread": "2", "Saved": "0", "Annotated": "0"}
    on_front_page = {"HX-Request": "true", "HX-Current-URL": "http://testserver/?show=unread"}
    saved = reader.post(_state_url(story), {"saved": "1"}, headers=on_front_page)
    read = reader.post(_state_url(story), {"read": "1"}, headers=on_front_page)
    # The tabs come out of band with the buttons, the tab the reader is on still current.
    assert (
        'id="library-tabs" aria-label="Which stories" hx-swap-oob="true"' in read.content.decode()
    )
    assert _tab_counts(saved.content.decode())["Saved"] == "1"
    assert _tab_counts(read.content.decode()) == {
        "All": "2", "Unread": "1", "Saved": "1", "Annotated": "0"
    }  # fmt: skip
    assert '?show=unread" aria-current="page">Unread' in read.content.decode()


def test_elsewhere_the_buttons_come_back_alone(reader, story):
    on_story = {
        "HX-Request": "true",
        "HX-Current-URL": f"http://testserver{story.get_absolute_url()}",
    }
    response = reader.post(_state_url(story), {"saved": "1"}, headers=on_story)
    assert "library-tabs" not in response.content.decode()


def test_the_form_asks_for_a_state_so_sending_it_twice_is_harmless(reader, ada, story):
    reader.post(_state_url(story), {"read": "1"})
    reader.post(_state_url(story), {"read": "1"})
    assert _state(ada, story).is_read
    reader.post(_state_url(story), {"read": "0"})
    assert not _state(ada, story).is_read


def test_marking_unread_from_the_story_goes_to_the_front_page(reader, ada, story):
    reader.get(story.get_absolute_url())
    response = reader.post(
        _state_url(story), {"read": "0", "next": story.get_absolute_url()}, follow=True
    )
    assert response.redirect_chain[-1][0] == "/"
    assert "marked unread" in response.content.decode()
    assert not _state(ada, story).is_read


def test_it_never_redirects_elsewhere(reader, story):
    for target in ("https://evil.example/", "//evil.example/", "javascript:alert(1)"):
        response = reader.post(_state_url(story), {"saved": "1", "next": target})
        assert response["Location"] == story.get_absolute_url()


def test_bad_values_are_refused(reader, story):
    assert reader.post(_state_url(story), {"saved": "yes"}).status_code == 400
    assert not ReadingState.objects.exists()


def test_visitors_must_log_in(client, story):
    response = client.post(_state_url(story), {"saved": "1"})
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
    assert not ReadingState.objects.exists()


def test_it_only_takes_posts(reader, story):
    assert reader.get(_state_url(story)).status_code == 405


def test_a_missing_story_is_404(reader):
    assert reader.post("/stories/999999/reading/state/", {"saved": "1"}).status_code == 404


# --- Progress


def _progress_url(story):
    return f"/stories/{story.pk}/reading/progress/"


def test_progress_is_stored(reader, ada, story):
    response = reader.post(_progress_url(story), {"progress": "0.4237"})
    assert response.status_code == 204
    assert _state(ada, story).progress == pytest.approx(0.4237)


@pytest.mark.parametrize("value", ["", "abc", "-0.1", "1.01", "nan", "inf"])
def test_bad_progress_is_refused(reader, story, value):
    response = reader.post(_progress_url(story), {"progress": value})
    assert response.status_code == 400
    assert not ReadingState.objects.exists()


def test_progress_needs_a_reader(client, story):
    assert client.post(_progress_url(story), {"progress": "0.5"}).status_code == 302


def test_the_reading_view_hands_the_progress_to_the_script(reader, ada, story):
    ReadingState.objects.record_progress(ada, story, 0.35)
    content = reader.get(story.get_absolute_url()).content.decode()
    assert 'data-progress="0.3500"' in content
    assert f'data-progress-url="{_progress_url(story)}"' in content
    assert "js/progress.js" in content


# --- Preferences


def test_preferences_show_the_defaults(reader):
    content = reader.get("/preferences/").content.decode()
    assert re.search(r'<input type="radio" name="theme" value="system"[^>]* checked', content)
    assert re.search(r'<input type="radio" name="text_size" value="medium"[^>]* checked', content)
    assert "<legend>Text size</legend>" in content


def test_preferences_are_saved_and_applied_to_every_page(reader, ada):
    response = reader.post("/preferences/", {"theme": "dark", "text_size": "xlarge"})
    assert response.status_code == 302
    assert UserPreferences.objects.get(user=ada).html_classes == "theme-dark text-xlarge"
    content = reader.get("/").content.decode()
    assert '<html lang="en" class="theme-dark text-xlarge">' in content


def test_bad_preferences_are_an_error_and_change_nothing(reader, ada):
    UserPreferences.objects.create(user=ada, theme="light")
    response = reader.post("/preferences/", {"theme": "neon", "text_size": "medium"})
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert UserPreferences.objects.get(user=ada).theme == "light"


def test_visitors_get_the_system_theme(client):
    content = client.get("/").content.decode()
    assert '<html lang="en" class="theme-system text-medium">' in content
    assert client.get("/preferences/").status_code == 302


def test_a_refused_form_leaves_the_page_in_the_saved_theme(reader, ada):
    UserPreferences.objects.create(user=ada, theme="light")
    response = reader.post("/preferences/", {"theme": "dark", "text_size": "huge"})
    assert response.status_code == 400
    assert '<html lang="en" class="theme-light text-medium">' in response.content.decode()


@pytest.mark.parametrize("saved", [True, False])
def test_preferences_come_with_the_user_in_one_query(reader, ada, saved):
    if saved:
        UserPreferences.objects.create(user=ada, theme="dark")
    with CaptureQueriesContext(connection) as queries:
        content = reader.get("/preferences/").content.decode()
    expected = "theme-dark text-medium" if saved else "theme-system text-medium"
    assert f'<html lang="en" class="{expected}">' in content
    # The session, then the user joined to their preferences: nothing else.
    assert len(queries) == 2
    assert "library_userpreferences" in queries[1]["sql"]
