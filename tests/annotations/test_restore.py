"""Export → wipe → restore gives back the same annotations: a round trip, as a property.

The restore is the README's: every item of the JSON-LD export, page after page, POSTed to
the API in order (annotations, each followed by its replies), by the reader who exported
them. Stories with an original address and stories without one (pasted, uploaded), on
whichever database the suite runs on.
"""

from __future__ import annotations

import json
import os
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, assume, given
from hypothesis import settings as examples
from hypothesis import strategies as st

from annotations.anchoring import describe
from annotations.models import Annotation, Colour, Reply, Visibility, parse_tags
from annotations.tokens import ApiToken
from annotations.w3c import iter_collection
from tests.factories import make_story

pytestmark = pytest.mark.django_db

BODY = [
    "The ordinance requires every vendor to publish an audit of the model before it is used.",
    "Critics said the audit rule was vague, and that café owners would never read it — at all.",
    "The audit rule was vague. The audit rule was vague. Residents asked: “who audits?” 🚀",
]
COMMENTS = st.one_of(
    st.just(""),
    st.text(alphabet=st.sampled_from("ab Z*_`[]()#>-\n!é🚀<&"), min_size=1, max_size=60).filter(
        lambda text: text.strip()
    ),
    st.sampled_from(["**Who** audits?", "See [the rule](https://city.example/r)", "- a\n- b"]),
)
REPLY = st.text(alphabet=st.sampled_from("xy *_é\n"), min_size=1, max_size=30).filter(
    lambda text: text.strip()
)


@st.composite
def annotation_specs(draw: Any, text: str) -> dict[str, Any]:
    start = draw(st.integers(0, len(text) - 1))
    end = draw(st.integers(start + 1, min(len(text), start + 80)))
    assume(text[start:end].strip())
    return {
        "start": start,
        "end": end,
        "colour": draw(st.sampled_from(Colour.values)),
        "comment": draw(COMMENTS),
        "tags": draw(
            st.lists(st.sampled_from(["policy", "AI", "supply chain", "café"]), max_size=3)
        ),
        "visibility": draw(st.sampled_from(Visibility.values)),
        "replies": draw(st.lists(REPLY, max_size=2)),
    }


def snapshot(author: User) -> list[tuple[Any, ...]]:
    """Everything a reader made, as it would be compared by hand."""
    found = []
    for a in Annotation.objects.filter(author=author).prefetch_related("tags", "replies"):
        replies = tuple((r.body, r.created) for r in a.replies.order_by("created", "pk"))
        found.append(
            (
                a.story_id, a.exact, a.prefix, a.suffix, a.start, a.end, a.colour, a.comment,
                a.visibility, a.created, tuple(sorted(t.name for t in a.tags.all())), replies,
            )
        )  # fmt: skip
    return sorted(found, key=repr)


def restore(export: dict[str, Any], reader: User, token: str) -> list[int]:
    """The README's loop: each item in order, the reader's own replies with them."""
    statuses = []
    client = Client()
    for item in iter_collection(export):
        if item["motivation"] == "replying" and item["creator"]["nickname"] != reader.username:
            continue
        response = client.post(
            "/api/annotations/",
            json.dumps(item),
            content_type="application/ld+json",
            HTTP_AUTHORIZATION=f"Bearer {token}",
        )
        assert response.status_code == 201, (item, response.content)
        statuses.append(response.status_code)
    return statuses


@examples(
    max_examples=int(os.environ.get("RESTORE_EXAMPLES", "25")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data(), with_url=st.booleans())
def test_export_wipe_restore_gives_the_same_annotations(client, settings, ada, data, with_url):
    settings.RATELIMIT_RATES = {"api": "100000/m"}  # many examples in one minute
    Annotation.objects.all().delete()
    story = make_story("The ordinance", body=BODY, url="auto" if with_url else None).story
    revision = story.current_revision
    text = revision.body_text
    specs = data.draw(st.lists(annotation_specs(text), min_size=1, max_size=5))
    for spec in specs:
        selected = describe(text, spec["start"], spec["end"])
        annotation = Annotation.objects.create_from_selection(
            story=story,
            author=ada,
            revision_id=revision.pk,
            selectors=selected,
            colour=spec["colour"],
            comment=spec["comment"],
            tags=parse_tags(spec["tags"]),
            visibility=spec["visibility"],
        )
        for body in spec["replies"]:
            Reply.post(annotation, ada, body)
    before = snapshot(ada)
    client.force_login(ada)
    export = client.get(reverse("annotation_export"), {"format": "jsonld"}).json()
    Annotation.objects.filter(author=ada).delete()
    assert snapshot(ada) == []
    token = ApiToken.issue(ada, "restore")[1]
    restore(export, ada, token)
    assert snapshot(ada) == before


def test_replies_by_others_are_left_out_of_a_restore_not_put_under_the_readers_name(
    client, ada, bob
):
    story = make_story("The ordinance", body=BODY, url=None).story
    text = story.current_revision.body_text
    start = text.index("publish an audit")
    annotation = Annotation.objects.create_from_selection(
        story=story,
        author=ada,
        revision_id=story.current_revision_id,
        selectors=describe(text, start, start + 16),
        colour="green",
        visibility=Visibility.PUBLIC,
    )
    Reply.post(annotation, bob, "Bob's answer")
    Reply.post(annotation, ada, "Ada's answer")
    client.force_login(ada)
    export = client.get(reverse("annotation_export"), {"format": "jsonld"}).json()
    Annotation.objects.all().delete()
    restore(export, ada, ApiToken.issue(ada, "restore")[1])
    [restored] = Annotation.objects.all()
    assert [(r.author.username, r.body) for r in restored.replies.all()] == [
        ("ada", "Ada's answer")
    ]
