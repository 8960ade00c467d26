"""newsreader.paths: the same strings as reverse()."""

import pytest
from django.test.utils import override_script_prefix
from django.urls import reverse

from newsreader.paths import path


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("story", (1, "a-slug")),
        ("story", (987654, "story")),
        ("story_state", (42,)),
        ("annotation_detail", (7,)),
        ("reply_delete", (3,)),
        ("home", ()),
    ],
)
def test_it_builds_what_reverse_builds(name, args):
    assert path(name, *args) == reverse(name, args=args)
    assert path(name, *args) == reverse(name, args=args)  # the second time from the parts


def test_it_follows_the_script_prefix():
    assert path("story_state", 9) == "/stories/9/reading/state/"
    with override_script_prefix("/reader/"):
        assert path("story_state", 9) == "/reader/stories/9/reading/state/"


def test_what_reverse_would_refuse_is_left_to_reverse():
    from django.urls import NoReverseMatch

    with pytest.raises(NoReverseMatch):
        path("story", 5, "not a slug")


@pytest.mark.parametrize(
    "tag",
    [
        "{% TAG 'home' %}",
        "{% TAG 'search' %}",
        "{% TAG 'annotation_create' pk %}",
        "{% TAG 'story' pk slug %}",
        "{% TAG 'story' pk 'x_y-Z9' %}",
        "{% TAG 'story_share' pk as found %}[{{ found }}]",
    ],
)
def test_the_template_tag_renders_what_url_renders(tag):
    from django.template import engines

    engine = engines["django"]
    context = {"pk": 12, "slug": "a-slug"}
    url = engine.from_string(tag.replace("TAG", "url")).render(context)
    path_tag = engine.from_string("{% load paths %}" + tag.replace("TAG", "path")).render(context)
    assert path_tag == url


@pytest.mark.parametrize("name", ["css/app.css", "js/annotate.js", "a b&c.js"])
def test_asset_renders_what_static_renders(name, settings):
    from django.template import engines

    engine = engines["django"]
    source = "{% load TAG %}{% TAG '" + name + "' %}"
    expected = engine.from_string(source.replace("TAG", "static")).render({})
    found = engine.from_string(
        "{% load paths %}" + source.replace("{% load TAG %}", "").replace("TAG", "asset")
    ).render({})
    assert found == expected
    settings.STATIC_URL = "/elsewhere/"
    moved = engine.from_string("{% load paths %}{% asset '" + name + "' %}").render({})
    assert moved.startswith("/elsewhere/") and moved != found
