from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from articles.models import Story, StoryRevision
from articles.signals import revision_added

from .models import Annotation


@receiver(revision_added, dispatch_uid="annotations.reanchor")
def reanchor_annotations(sender: Any, story: Story, revision: StoryRevision, **kwargs: Any) -> None:
    """Carry every annotation of the story over to its new revision.

    Runs inside the transaction that stores the revision, so readers never see the new
    text with anchors into the old one, and a failure here stores neither.
    """
    Annotation.objects.reanchor(revision)
