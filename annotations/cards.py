"""Annotation cards rendered once and kept in the configured cache (newsreader/fragments.py).

A story page with 200 annotations spent most of its time rendering the same cards again.
A card is kept under a key made of everything it shows — the annotation's words, comment,
colour, visibility and anchoring, its tags, its replies (each with its author and words),
the story's address, the relative times as they read now (static/js/times.js keeps them
right in an open page) — and of the reader it was rendered for. So there is nothing to
invalidate: an edit, a reply, a deleted reply or a new visibility is a new key, and the old
entry ages out; and a card rendered for one reader is never shown to another.
"""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.safestring import SafeString

from newsreader import fragments

from .models import Annotation
from .templatetags.annotation_tags import ago

CARD = "annotations/annotation.html#card"


def card_key(annotation: Annotation) -> str:
    """Everything the card shows, and who it was rendered for."""
    return fragments.key(
        CARD,
        "card",
        annotation.pk,
        (
            annotation.viewer_pk,
            annotation.story_url,
            annotation.colour,
            annotation.anchor_state,
            annotation.visibility,
            annotation.exact,
            annotation.original_exact,
            annotation.comment_html,
            annotation.author_id,
            annotation.author.get_username(),
            annotation.created.isoformat(),
            ago(annotation.created),
            [tag.name for tag in annotation.tag_list],
            [
                (
                    reply.pk,
                    reply.author_id,
                    reply.author.get_username(),
                    reply.body_html,
                    reply.created.isoformat(),
                    ago(reply.created),
                )
                for reply in annotation.thread
            ],
        ),
    )


def render_cards(annotations: list[Annotation], request: HttpRequest) -> list[SafeString]:
    """The cards of annotations (each shown to the reader by Annotation.show_to), from the
    cache when rendered before."""
    return fragments.render(
        CARD,
        [(card_key(annotation), {"annotation": annotation}) for annotation in annotations],
        request,
    )
