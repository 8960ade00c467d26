"""The CommonMark migration re-renders stored comments and replies from their Markdown."""

from __future__ import annotations

import pytest

from newsreader.sanitizer import REL
from tests.migrations import back_to_latest, migrate, old_story

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("annotations", "0005_idempotency_keys")]
AFTER = [("annotations", "0006_commonmark_comments")]


def test_it_rebuilds_comment_and_reply_html_from_the_kept_source():
    with back_to_latest("annotations"):
        apps = migrate(BEFORE)
        Annotation = apps.get_model("annotations", "Annotation")
        Reply = apps.get_model("annotations", "Reply")
        user, story, revision, fields = old_story(apps)
        # Python-Markdown needed a blank line before a list: this one was a paragraph.
        listed = Annotation.objects.create(
            story=story, author=user, revision=revision, original_revision=revision,
            comment="Two points:\n- [rules](https://ex.com/r)\n- *more*",
            comment_html="<p>Two points:<br>\n- rules<br>\n- <em>more</em></p>", **fields,
        )  # fmt: skip
        plain = Annotation.objects.create(
            story=story, author=user, revision=revision, original_revision=revision,
            comment="", comment_html="", **fields,
        )  # fmt: skip
        reply = Reply.objects.create(
            annotation=listed, author=user, body="See https://ex.com/a", body_html="stale"
        )

        apps = migrate(AFTER)
        Annotation = apps.get_model("annotations", "Annotation")
        Reply = apps.get_model("annotations", "Reply")
        listed = Annotation.objects.get(pk=listed.pk)
        assert listed.comment == "Two points:\n- [rules](https://ex.com/r)\n- *more*"
        assert listed.comment_html == (
            "<p>Two points:</p>\n<ul>\n"
            f'<li><a href="https://ex.com/r" rel="{REL}">rules</a></li>\n'
            "<li><em>more</em></li>\n</ul>"
        )
        assert Annotation.objects.get(pk=plain.pk).comment_html == ""
        assert Reply.objects.get(pk=reply.pk).body_html == (
            f'<p>See <a href="https://ex.com/a" rel="{REL}">https://ex.com/a</a></p>'
        )
