from __future__ import annotations

from typing import Any

from django.dispatch import Signal, receiver

from articles.models import Story, StoryRevision
from articles.signals import revision_added

from .models import Annotation

# Sent once a story's annotations have moved to its new revision (inside the same
# transaction), for the apps above this one that keep something about them: the search
# index re-reads what each one highlights now.
reanchored = Signal()  # story, revision


@receiver(revision_added, dispatch_uid="annotations.reanchor")
def reanchor_annotations(sender: Any, story: Story, revision: StoryRevision, **kwargs: Any) -> None:
    """Carry every annotation of the story over to its new revision.

    Runs inside the transaction that stores the revision, so readers never see the new
    text with anchors into the old one, and a failure here stores neither.
    """
    Annotation.objects.reanchor(revision)
    reanchored.send(sender=Annotation, story=story, revision=revision)
