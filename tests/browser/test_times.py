"""static/js/times.js: the relative times on annotation cards and replies move on while a
story is open, in the server's words; without JavaScript the server's words stay."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from annotations.models import Annotation, Reply, Visibility
from annotations.templatetags.annotation_tags import ago
from annotations.testing import annotate
from tests.factories import make_story

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BODY = [
    "The ordinance requires every vendor to publish an audit of the model before it is used.",
    "Critics said the audit rule was vague and that café owners would never read it at all.",
]


def _login(context, live_server, user) -> None:
    client = Client()
    client.force_login(user)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}]
    )


def test_relative_times_move_on_while_the_story_is_open(page, live_server, ada, bob):
    story = make_story("Ordinance", body=BODY).story
    annotation = annotate(story, ada, "audit of the model", visibility=Visibility.PUBLIC)
    Annotation.objects.filter(pk=annotation.pk).update(
        created=timezone.now() - timedelta(minutes=5, seconds=10)
    )
    reply = Reply(annotation=annotation, author=bob, created=timezone.now())
    reply.set_body("Agreed")
    reply.save()
    _login(page.context, live_server, ada)
    page.clock.install()
    page.goto(story.get_absolute_url())
    card_time = page.locator(f"#annotation-{annotation.pk} .annotation-time time")
    reply_time = page.locator(f"#reply-{reply.pk} time")
    assert card_time.inner_text() == "5\xa0minutes ago"
    assert reply_time.inner_text() == "just now"
    page.clock.fast_forward("02:00:00")
    assert card_time.inner_text() == "2\xa0hours ago"
    assert reply_time.inner_text() == "2\xa0hours ago"
    page.clock.fast_forward(3 * 24 * 3600 * 1000)
    assert card_time.inner_text() == "3\xa0days ago"
    # What the script writes is what the server writes for the same moment.
    annotation.refresh_from_db()
    assert page.evaluate(
        "([iso, now]) => import('/static/js/times.js').then((m) => m.ago(Date.parse(iso), now))",
        [annotation.created.isoformat(), (timezone.now() + timedelta(hours=1)).timestamp() * 1000],
    ) == ago(annotation.created - timedelta(hours=1))


def test_without_javascript_the_servers_words_stay(browser, live_server, ada):
    story = make_story("Ordinance", body=BODY).story
    annotation = annotate(story, ada, "audit of the model", visibility=Visibility.PUBLIC)
    Annotation.objects.filter(pk=annotation.pk).update(
        created=timezone.now() - timedelta(hours=3, minutes=2)
    )
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(story.get_absolute_url())
        text = page.locator(f"#annotation-{annotation.pk} .annotation-time time").inner_text()
        assert text == "3\xa0hours ago"
    finally:
        context.close()
