import pytest

from tests.factories import make_story

pytestmark = pytest.mark.django_db


def test_it_shows_the_story(client):
    result = make_story(
        "A readable story",
        dek="The standfirst.",
        byline="Ada Lovelace",
        site_name="Engine Weekly",
        url="https://engine.example/a-readable-story",
    )
    response = client.get(result.story.get_absolute_url())
    assert response.status_code == 200
    content = response.content.decode()
    assert '<h1 class="story-title">A readable story</h1>' in content
    assert "The standfirst." in content
    assert "By Ada Lovelace" in content
    assert 'href="https://engine.example/a-readable-story"' in content
    assert "min read" in content
    assert result.revision.body_html in content


def test_it_redirects_to_the_canonical_slug(client):
    story = make_story("Slug me please").story
    response = client.get(f"/stories/{story.pk}/wrong-slug/")
    assert response.status_code == 301
    assert response["Location"] == story.get_absolute_url()
    response = client.get(f"/stories/{story.pk}/")
    assert response.status_code == 301


def test_it_404s_for_a_missing_story(client):
    assert client.get("/stories/999999/nothing/").status_code == 404


def test_it_needs_no_javascript_to_read(client):
    story = make_story("Plain reading").story
    content = client.get(story.get_absolute_url()).content.decode()
    body_start = content.index('id="story-body"')
    assert "<noscript" not in content
    assert "Engineers at the company" in content[body_start:]


def test_it_sends_a_strict_content_security_policy(client):
    story = make_story("Policy").story
    response = client.get(story.get_absolute_url())
    policy = response["Content-Security-Policy"]
    assert "script-src 'self' 'nonce-" in policy
    assert "unsafe-inline" not in policy
    assert "unsafe-eval" not in policy
    assert "object-src 'none'" in policy
