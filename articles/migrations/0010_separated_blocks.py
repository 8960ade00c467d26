"""Stored stories get their blocks apart in the text (issue 14).

The sanitizer now writes a newline between blocks whose words touched: list items, table
cells and rows, a line after a <br> ("cottonhemp" → "cotton\\nhemp"). Revisions are
immutable, so each story whose current text changes under today's sanitizer gets a new
revision made from its stored HTML (same title, dek, origin), and its annotations move
there as with any new revision:

* an annotation anchored in the replaced revision keeps exactly its characters: the new
  text is the old one with newlines inserted, so its offsets map one to one
  (annotations.respacing), and the ordinary anchoring confirms the place. It is "moved"
  (the same words at new offsets); one that was "changed" stays changed.
* anything else (detached annotations, or a text that changed in more than separators)
  goes through the ordinary re-anchoring, as a new revision does (annotations.models
  .relocate).

Nothing is deleted: the old revisions stay, and every annotation keeps its original
selectors. The search index is rewritten for the stories and annotations that moved.
"""

import re
from typing import Any

from django.db import migrations
from django.db.models import Max

_WORD = re.compile(r"\w+")  # the pipeline's word count
BATCH = 200


def _hash(title: str, dek: str, body_html: str) -> str:
    from articles.models import StoryRevision

    return StoryRevision.hash_content(title, dek, body_html)


def _move(annotation: Any, old: Any, new: Any, positions: list[int] | None) -> None:
    from annotations.anchoring import Selectors
    from annotations.models import Anchoring, relocate
    from annotations.respacing import respace

    current = Selectors(
        annotation.exact, annotation.prefix, annotation.suffix, annotation.start, annotation.end
    )
    original = Selectors(
        annotation.original_exact,
        annotation.original_prefix,
        annotation.original_suffix,
        annotation.original_start,
        annotation.original_end,
    )
    respaced = None
    found: Selectors | None
    state: str
    score: float
    if annotation.revision_id == old.pk and positions is not None:
        respaced = respace(current, old.body_text, new.body_text, positions)
    if respaced is not None:
        found = respaced.selectors
        if found.exact == original.exact:
            same_place = found.start == original.start
            state, score = (Anchoring.ANCHORED if same_place else Anchoring.MOVED), 1.0
        elif annotation.anchor_state == Anchoring.CHANGED:
            state, score = Anchoring.CHANGED, annotation.anchor_score
        else:
            state, score = Anchoring.MOVED, 1.0  # the same words, a line apart now
    else:
        relocated = relocate(current, original, new.body_text)
        found, state, score = relocated.selectors, relocated.state, relocated.score
    annotation.anchor_state, annotation.anchor_score = state, score
    if found is not None:
        annotation.revision_id = new.pk
        annotation.exact, annotation.prefix, annotation.suffix = (
            found.exact,
            found.prefix,
            found.suffix,
        )
        annotation.start, annotation.end = found.start, found.end


FIELDS = ["revision", "exact", "prefix", "suffix", "start", "end", "anchor_state"]
FIELDS += ["anchor_score"]


def forwards(apps: Any, schema_editor: Any) -> None:
    from annotations.respacing import map_offsets
    from newsreader.sanitizer import html_to_text, sanitize_article_html
    from search import engine as search

    Story = apps.get_model("articles", "Story")
    Revision = apps.get_model("articles", "StoryRevision")
    Annotation = apps.get_model("annotations", "Annotation")
    ids = list(
        Story.objects.filter(current_revision__isnull=False)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    stories: list[int] = []
    annotations: list[int] = []
    for at in range(0, len(ids), BATCH):
        batch = Story.objects.filter(pk__in=ids[at : at + BATCH]).select_related("current_revision")
        for story in batch.order_by("pk"):
            old = story.current_revision
            body_html = sanitize_article_html(old.body_html)
            body_text = html_to_text(body_html)
            if body_text == old.body_text:
                continue
            number = Revision.objects.filter(story=story).aggregate(n=Max("number"))["n"]
            new = Revision.objects.create(
                story=story,
                number=number + 1,
                title=old.title,
                dek=old.dek,
                body_html=body_html,
                body_text=body_text,
                content_hash=_hash(old.title, old.dek, body_html),
                word_count=len(_WORD.findall(body_text)),
                origin=old.origin,
                origin_detail=old.origin_detail,
                page_error=old.page_error,
            )
            Story.objects.filter(pk=story.pk).update(current_revision=new)
            positions = map_offsets(old.body_text, body_text)
            moved = list(Annotation.objects.filter(story=story).exclude(revision=new))
            for annotation in moved:
                _move(annotation, old, new, positions)
            Annotation.objects.bulk_update(moved, FIELDS, batch_size=500)
            stories.append(story.pk)
            annotations += [annotation.pk for annotation in moved]
    # Today's index code, as library 0006 uses it: the tables it reads are these.
    for at in range(0, len(stories), BATCH):
        search.index_stories(stories[at : at + BATCH])
    for at in range(0, len(annotations), BATCH):
        search.index_annotations(annotations[at : at + BATCH])


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0009_import_origins"),
        ("annotations", "0005_idempotency_keys"),
        ("library", "0006_story_owners"),
    ]

    # Backwards leaves the new revisions: they are stories' history now, like any other.
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
