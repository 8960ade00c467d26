"""library 0009 on a SQLite database indexed before it: the stories and annotations in
the FTS5 tables get their stored scores, and rank as a fresh index ranks them."""

from __future__ import annotations

import pytest
from django.db import connection

from search import engine as search
from search.query import parse
from tests.migrations import back_to_latest, migrate

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's stored scores"),
]


def test_stories_and_annotations_indexed_before_the_scores_rank_after_it():
    with back_to_latest("library"):
        migrate([("library", "0008_models_move_to_reading")])
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO library_story_search (rowid, title, dek, byline, body) "
                "VALUES (7, 'Quark', '', '', 'A quark and a quark.'), "
                "(8, 'Other', 'Quark dek', '', 'No more.')"
            )
            cursor.execute(
                "INSERT INTO library_annotation_search "
                "(rowid, quote, tags, comment, author_id, visibility) "
                "VALUES (5, 'quark quark quark', '', '', 1, 'public')"
            )
        migrate([("library", "0009_search_scores")])

        stories = search.rank(search.STORIES, parse("quark"), None)
        # Per column: points × 1000·tf/(tf+1), integer division. Title 8 × 500, body
        # 1 × 666; dek 4 × 500.
        assert [(hit.pk, hit.rank) for hit in stories] == [(7, 4666.0), (8, 2000.0)]
        annotations = search.rank(search.ANNOTATIONS, parse("quark"), None)
        assert [(hit.pk, hit.rank) for hit in annotations] == [(5, 6000.0)]
