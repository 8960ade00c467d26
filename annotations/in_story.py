"""What the reading view needs from the annotations app: the story body with its marks
drawn, and the annotations for the sidebar, in a constant number of queries."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.safestring import SafeString

from articles.models import Story, StoryRevision

from .cards import render_cards
from .forms import QuoteForm
from .highlighting import draw_highlights
from .idempotency import new_key
from .models import Annotation, Colour, QuoteAmbiguous, Viewer, visibility_choices


@dataclass(frozen=True)
class StoryAnnotations:
    story: Story
    revision: StoryRevision
    anchored: list[Annotation]  # drawn in the body, in text order
    detached: list[Annotation]  # orphaned: listed with their original quote

    @classmethod
    def load(cls, story: Story, revision: StoryRevision, user: Viewer) -> StoryAnnotations:
        annotations = Annotation.objects.on_story(story, user)
        anchored: list[Annotation] = []
        detached: list[Annotation] = []
        story_url = story.get_absolute_url()
        for annotation in annotations:
            annotation.story = story  # the cards link to it: no query per card
            annotation.show_to(user, story_url)
            (anchored if annotation.anchored_in(revision) else detached).append(annotation)
        detached.sort(key=lambda annotation: (annotation.created, annotation.pk))
        return cls(story, revision, anchored, detached)

    @property
    def count(self) -> int:
        return len(self.anchored) + len(self.detached)

    def body_html(self) -> str:
        return draw_highlights(
            self.revision.body_html,
            [annotation.highlight() for annotation in self.anchored],
            body_text=self.revision.body_text,
        )

    def next_after(self, annotation: Annotation) -> Annotation | None:
        """The card that follows annotation's in the sidebar (for inserting it in place)."""
        for index, candidate in enumerate(self.anchored):
            if candidate.pk == annotation.pk:
                following = self.anchored[index + 1 : index + 2]
                return following[0] if following else None
        return None

    def context(self, request: HttpRequest) -> dict[str, Any]:
        """Template context for reading/story_detail.html (body, sidebar, toolbar); the
        cards come rendered, most from the cache (annotations/cards.py)."""
        return {
            "body_html": self.body_html(),
            "annotations": self.anchored,
            "annotation_cards": render_cards(self.anchored, request),
            "detached_annotations": self.detached,
            "detached_cards": render_cards(self.detached, request),
            "annotation_count": self.count,
            "colours": Colour.choices,
            **_toolbar_colours(),
            "visibilities": visibility_choices(self.story),
            # The form unfilled: rendered once (a refused quote brings its own quote_form).
            "quote_form_html": QuoteForm.blank_html(),
            "idempotency_key": new_key(),
        }


_TOOLBAR_COLOURS: dict[str, SafeString] = {}


def _toolbar_colours() -> dict[str, SafeString]:
    """The toolbar's colour buttons and choices: the palette's, the same on every story
    page, so rendered once per process (a sixth of the reading view's template time)."""
    if not _TOOLBAR_COLOURS:
        for part in ("colour_buttons", "colour_options"):
            context = {"colours": Colour.choices}
            _TOOLBAR_COLOURS[part] = render_to_string(f"annotations/toolbar.html#{part}", context)
    return _TOOLBAR_COLOURS


QUOTE_CHOICES = 20  # places offered when typed words are in the story more than once
CHOICE_CONTEXT = 50  # characters of context on each side of a place


def quote_choices(story: Story, error: QuoteAmbiguous) -> list[dict[str, Any]]:
    """The places a typed quote is in, with some words around each, to choose from."""
    revision = story.current_revision
    assert revision is not None
    text = revision.body_text
    choices = []
    for number, (start, end) in enumerate(error.occurrences[:QUOTE_CHOICES], start=1):
        before = " ".join(text[max(0, start - CHOICE_CONTEXT) : start].split(" ")[1:])
        after = " ".join(text[end : end + CHOICE_CONTEXT].split(" ")[:-1])
        choices.append(
            {
                "value": f"{number}:{revision.pk}",
                "before": " ".join(before.split()),
                "quote": " ".join(text[start:end].split()),
                "after": " ".join(after.split()),
            }
        )
    return choices
