"""Keep the search index in step with stories and annotations.

Every receiver runs inside the transaction of the change it follows (the ingest pipeline
saves a story and its new revision atomically), so the index never describes text that was
rolled back, and a search never misses a story that was committed.
"""

from __future__ import annotations

from typing import Any

from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from annotations.models import Annotation
from annotations.signals import reanchored
from articles.models import Story, StoryRevision

from . import engine

# What the story index is made of (the body comes with current_revision).
_INDEXED_STORY_FIELDS = frozenset({"title", "dek", "byline", "current_revision"})


@receiver(post_save, sender=Story, dispatch_uid="search.index_story")
def index_story(
    sender: Any, instance: Story, update_fields: frozenset[str] | None = None, **kwargs: Any
) -> None:
    """A story is searchable once it has a revision: the pipeline saves it with its new
    current revision, whether the story is new or a new version of one we had."""
    if update_fields is not None and not (_INDEXED_STORY_FIELDS & set(update_fields)):
        return
    if instance.current_revision_id is None:
        engine.remove_stories([instance.pk])
    else:
        engine.index_stories([instance.pk])


@receiver(post_delete, sender=Story, dispatch_uid="search.unindex_story")
def unindex_story(sender: Any, instance: Story, **kwargs: Any) -> None:
    engine.remove_stories([instance.pk])


@receiver(reanchored, dispatch_uid="search.reindex_annotations")
def reindex_annotations(sender: Any, story: Story, revision: StoryRevision, **kwargs: Any) -> None:
    """A new revision moved the story's annotations, and with them the words they
    highlight now."""
    ids = list(Annotation.objects.filter(story_id=story.pk).values_list("pk", flat=True))
    engine.index_annotations(ids)


@receiver(post_save, sender=Annotation, dispatch_uid="search.index_annotation")
def index_annotation(sender: Any, instance: Annotation, **kwargs: Any) -> None:
    engine.index_annotations([instance.pk])


@receiver(post_delete, sender=Annotation, dispatch_uid="search.unindex_annotation")
def unindex_annotation(sender: Any, instance: Annotation, **kwargs: Any) -> None:
    engine.remove_annotations([instance.pk])


@receiver(m2m_changed, sender=Annotation.tags.through, dispatch_uid="search.index_tags")
def index_annotation_tags(
    sender: Any,
    instance: Any,
    action: str,
    reverse: bool,
    pk_set: set[int] | None,
    **kwargs: Any,
) -> None:
    if not reverse:
        if action in {"post_add", "post_remove", "post_clear"}:
            engine.index_annotations([instance.pk])
    elif action == "pre_clear":
        # tag.annotations.clear(): afterwards, which annotations had the tag is not known.
        instance._search_cleared = list(instance.annotations.values_list("pk", flat=True))
    elif action == "post_clear":
        engine.index_annotations(getattr(instance, "_search_cleared", []))
    elif action in {"post_add", "post_remove"} and pk_set:
        engine.index_annotations(sorted(pk_set))
