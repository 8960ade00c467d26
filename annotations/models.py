"""Highlights, comments, tags and replies, anchored to a story's text.

An annotation keeps two sets of W3C selectors (TextQuoteSelector + TextPositionSelector,
offsets in code points of a revision's body_text):

* ``original_*``: what the reader selected, in the revision they were reading. Written once,
  never changed, so the quote they highlighted is never lost whatever the story becomes.
* the current anchor (``revision``, ``exact``, ``prefix``, ``suffix``, ``start``, ``end``):
  where that passage is now. Every new revision of the story moves it (see ``reanchor``),
  inside the transaction that stores the revision.

``anchor_state`` says how the current anchor relates to the original: the same place,
moved, the words changed, or not found at all (orphaned: the annotation is kept, listed as
detached, and its current anchor is the last place it was found).
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import ValidationError
from django.db import connection, models, transaction
from django.db.models import F, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from rapidfuzz.distance import Levenshtein

from articles.models import Story, StoryRevision
from newsreader import paging
from newsreader.paths import path
from newsreader.sanitizer import render_comment

from .anchoring import Anchor, AnchorState, Selectors, TextDiff, anchor, describe
from .highlighting import Highlight
from .idempotency import WINDOW, IdempotencyKey, Once

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from django.db.models.fields.related_descriptors import RelatedManager


# Whoever is looking: request.user.
Viewer = AbstractBaseUser | AnonymousUser

MAX_QUOTE = 10_000  # code points; a selection longer than this is not a highlight
MAX_COMMENT = 10_000
MAX_TAGS = 20
MAX_TAG_LENGTH = 50
_TAG_JUNK = re.compile(r"[^\w\-]+")


class Colour(models.TextChoices):
    """The highlight palette. The label is what a colour means to the reader."""

    YELLOW = "yellow", "Important"
    GREEN = "green", "Insight"
    BLUE = "blue", "Reference"
    PINK = "pink", "Question"
    PURPLE = "purple", "Disagree"


class Visibility(models.TextChoices):
    PRIVATE = "private", "Only me"
    # Anyone holding the annotation's share link (annotations/sharing.py); never listed.
    LINK = "link", "Anyone with the link"
    PUBLIC = "public", "Public"


SHAREABLE = (Visibility.LINK, Visibility.PUBLIC)


def new_share_token() -> str:
    """A capability for a share link: 176 random bits, URL-safe (30 characters)."""
    return secrets.token_urlsafe(22)


class Anchoring(models.TextChoices):
    """annotations.anchoring.AnchorState as stored (the values are the same)."""

    ANCHORED = "anchored", "Anchored"
    MOVED = "moved", "Moved"
    CHANGED = "changed", "Text changed"
    ORPHANED = "orphaned", "Detached"


class VisibilityError(ValueError):
    """A visibility the annotation's story does not allow: the message is for the reader."""


OWN_COPY_NOT_PUBLIC = (
    "Only you can open your own copy of a story, so a highlight on it cannot be public: "
    "keep it to yourself, or share its link."
)


def visibility_choices(story: Story) -> list[tuple[str, str]]:
    """The visibilities an annotation on story may have. A reader's own copy is seen by them
    alone (and by whoever opens a share link): a highlight on it is private or link-only,
    never public, which would list it for readers who cannot open the story."""
    if story.is_own_copy:
        return [(value, label) for value, label in Visibility.choices if value != Visibility.PUBLIC]
    return list(Visibility.choices)


def check_visibility(story: Story, visibility: str) -> None:
    """Raise VisibilityError unless story allows an annotation of that visibility."""
    if visibility not in dict(visibility_choices(story)):
        raise VisibilityError(OWN_COPY_NOT_PUBLIC if story.is_own_copy else "No such visibility.")


class SelectionError(ValueError):
    """A selection the server cannot find in the story: the message is for the reader."""


class QuoteNotFound(SelectionError):
    """The words are not in the story."""


class QuoteAmbiguous(SelectionError):
    """The words are in the story more than once: ``occurrences`` says where."""

    def __init__(self, message: str, occurrences: list[tuple[int, int]]) -> None:
        super().__init__(message)
        self.occurrences = occurrences


def parse_tags(value: str | Iterable[str]) -> list[str]:
    """Tag names from user input: comma separated, lower-case, words joined by "-".

    "#Rust, supply chain" -> ["rust", "supply-chain"]. Raises ValueError for too many
    or too long tags.
    """
    pieces = value.split(",") if isinstance(value, str) else list(value)
    names: list[str] = []
    for piece in pieces:
        name = _TAG_JUNK.sub("-", piece.strip().lstrip("#").lower()).strip("-_")
        if not name:
            continue
        if len(name) > MAX_TAG_LENGTH:
            raise ValueError(f"A tag can have at most {MAX_TAG_LENGTH} characters.")
        if name not in names:
            names.append(name)
    if len(names) > MAX_TAGS:
        raise ValueError(f"At most {MAX_TAGS} tags.")
    return names


class Tag(models.Model):
    name = models.CharField(max_length=MAX_TAG_LENGTH, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


def on_a_story_the_author_sees() -> Q:
    """For rows with a story and an author (annotations, story shares): the story is shared,
    or it is the author's own copy (Story.objects.visible_to, from the author's side)."""
    return Q(story__owner__isnull=True) | Q(story__owner=F("author"))


class AnnotationQuerySet(models.QuerySet["Annotation"]):
    def visible_to(self, user: Viewer) -> AnnotationQuerySet:
        """Public annotations, plus the user's own (private and link-only) ones.

        Link-only annotations of others are not here: they are reached only through their
        share token (annotations/sharing.py), never by id, in a list or a search.
        """
        if not user.is_authenticated:
            return self.filter(visibility=Visibility.PUBLIC)
        return self.filter(Q(visibility=Visibility.PUBLIC) | Q(author_id=user.pk))

    def with_thread(self, *, replies: bool = True) -> list[Annotation]:
        """The annotations with their author, tags and replies (tag_list, thread).

        Three queries however many annotations there are, one when there are none: the
        tags and replies are selected by the ids found, and with none found there is
        nothing to ask for (building those two queries was a third of the reading view's
        time for a story nobody annotated). Past a thousand, by a subquery: a list that
        long costs more to send than the subquery costs to build.
        """
        annotations: list[Annotation] = list(self.select_related("author"))
        return threaded(annotations, self.values("pk"), replies=replies)

    def on_story(self, story: Story, user: Viewer) -> list[Annotation]:
        """The annotations on story that user may see (visible_to), in text order, with
        their author, tags and replies (with_thread): the reading view's, in a statement
        written out (building it through the ORM took many times the database's time)."""
        from django.contrib.auth.models import User

        from newsreader.rows import columns, split

        q = connection.ops.quote_name
        parts = [columns(Annotation, "a"), columns(User, "u")]
        visible, params = "a.visibility = %s", [str(Visibility.PUBLIC)]
        if user.is_authenticated:
            visible, params = "(a.visibility = %s OR a.author_id = %s)", [*params, user.pk]
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {parts[0].sql}, {parts[1].sql} "  # noqa: S608
                f"FROM {q(Annotation._meta.db_table)} a "
                f"JOIN {q(User._meta.db_table)} u ON u.id = a.author_id "
                f"WHERE a.story_id = %s AND {visible} "
                f"ORDER BY a.{q('start')}, a.{q('end')} DESC, a.id",
                [story.pk, *params],
            )
            rows = cursor.fetchall()
        annotations: list[Annotation] = []
        for row in rows:
            annotation_values, author_values = split(row, parts)
            annotation = parts[0].instance(annotation_values)
            annotation.author = parts[1].instance(author_values)
            annotations.append(annotation)
        everyone = None
        if len(annotations) > 1000:
            everyone = self.filter(story=story).visible_to(user).values("pk")
        return threaded(annotations, everyone)

    def shareable(self) -> AnnotationQuerySet:
        """Annotations a share link may show: link-only and public ones, on a story their
        author may see (a share link of an annotation on a reader's own copy shows the copy;
        only its owner annotates it)."""
        return self.filter(on_a_story_the_author_sees(), visibility__in=SHAREABLE)

    def in_text_order(self) -> AnnotationQuerySet:
        return self.order_by("start", "-end", "id")

    def by(self, user: Viewer) -> AnnotationQuerySet:
        """The user's own annotations."""
        return self.filter(author_id=user.pk)

    def matching(
        self, *, colour: str | None = None, tag: str | None = None, story: int | None = None
    ) -> AnnotationQuerySet:
        """The highlights page's filters: a colour, a tag's name, a story's id (each left
        empty is no filter)."""
        annotations = self
        if colour:
            annotations = annotations.filter(colour=colour)
        if tag:
            annotations = annotations.filter(tags__name=tag)
        if story:
            annotations = annotations.filter(story_id=story)
        return annotations

    def newest_first(self, before: tuple[Any, int] | None = None) -> AnnotationQuerySet:
        """Newest first, from the one after the keyset cursor ``before`` (created, id)."""
        annotations = self if before is None else self.before(*before)
        return annotations.order_by("-created", "-id")

    def listed(self, ids: Sequence[int]) -> list[Annotation]:
        """The annotations with these ids in their order (a page of search results), as a
        list of highlights shows them: their story, author and tags (none deleted since
        the ids were found)."""
        found = {
            annotation.pk: annotation
            for annotation in self.filter(pk__in=ids)
            .select_related("story")
            .with_thread(replies=False)
        }
        return [found[pk] for pk in ids if pk in found]

    def before(self, when: Any, pk: int) -> AnnotationQuerySet:
        """Keyset paging, newest first: annotations older than the one at (when, pk).

        The bound on created alone is what lets the database start the page's index scan
        at the cursor (deep pages cost what the first does); the OR only sorts out the
        annotations sharing its time."""
        return paging.keyset(self, "created", when, pk, descending=True)

    def after(self, when: Any, pk: int) -> AnnotationQuerySet:
        """The other way: annotations newer than the one at (when, pk)."""
        return paging.keyset(self, "created", when, pk, descending=False)


class _AnnotationManager(models.Manager["Annotation"]):
    def create_from_selection(
        self,
        *,
        story: Story,
        author: User,
        revision_id: int | None = None,
        selectors: Selectors | None = None,
        quote: str | None = None,
        colour: str,
        comment: str = "",
        tags: Sequence[str] = (),
        visibility: str = Visibility.PRIVATE,
        occurrence: int | None = None,
        once: Once | None = None,
    ) -> Annotation:
        """Store what a reader selected in the story (raises SelectionError).

        The browser's selectors are checked against the current revision: its offsets
        must hold its quote. A selection made in a revision that has since been replaced
        is looked up by its quote and context instead, and only an exact match is
        accepted: a note must not land on words the reader did not see.

        Without selectors, a quote the reader typed or pasted (no selection: no script, or
        no way to select) is looked up in the current revision (see locate_quote); a quote
        found more than once needs the reader's choice of ``occurrence``.

        ``once`` makes a repeated request (a double-click, a form sent again) give the
        annotation the first one made (annotations.idempotency); it is then returned with
        ``repeated`` set, and nothing is stored.
        """
        if (selectors is None) == (quote is None):
            raise TypeError("Give either selectors or a quote.")
        with transaction.atomic():
            # Lock the story like the ingest pipeline does, so a revision stored at the
            # same moment either re-anchors this annotation or is the one it anchors to.
            story = (
                Story.objects.select_for_update(of=("self",))
                .select_related("current_revision")
                .get(pk=story.pk)
            )
            revision = story.current_revision
            if revision is None:
                raise SelectionError("This story has no text to highlight.")
            once = once or Once(window=False)
            seen = IdempotencyKey.seen(author, once)
            if seen is not None and seen.annotation_id is not None:
                return self._repeated(seen.annotation_id)
            if selectors is not None:
                start, end = locate_selection(
                    revision.body_text, selectors, same_revision=revision_id == revision.pk
                )
            else:
                # A place chosen in another revision is no choice: ask again.
                chosen = occurrence if revision_id == revision.pk else None
                start, end = locate_quote(revision.body_text, quote or "", chosen)
            if once.window:
                same = self._identical(story, author, start, end, colour, comment, tags, visibility)
                if same is not None:
                    IdempotencyKey.record(author, once, annotation=same)
                    return self._repeated(same.pk)
            described = describe(revision.body_text, start, end)
            annotation = self.model(
                story=story,
                author=author,
                colour=colour,
                visibility=visibility,
                revision=revision,
                original_revision=revision,
            )
            annotation.set_anchor(described)
            annotation.set_original(described)
            annotation.set_comment(comment)
            annotation.save()
            annotation.set_tags(tags)
            IdempotencyKey.record(author, once, annotation=annotation)
        return annotation

    def _repeated(self, pk: int) -> Annotation:
        annotation = self.select_related("story", "author").get(pk=pk)
        annotation.repeated = True
        return annotation

    def _identical(
        self,
        story: Story,
        author: User,
        start: int,
        end: int,
        colour: str,
        comment: str,
        tags: Sequence[str],
        visibility: str,
    ) -> Annotation | None:
        """The same annotation, made by the same reader moments ago (a double-click)."""
        recent = self.filter(
            story=story,
            author=author,
            revision_id=story.current_revision_id,
            start=start,
            end=end,
            colour=colour,
            comment=comment.strip(),
            visibility=visibility,
            created__gte=timezone.now() - WINDOW,
        )
        wanted = sorted(dict.fromkeys(tags))
        for candidate in recent.order_by("-pk"):
            if sorted(candidate.tag_names()) == wanted:
                return candidate
        return None

    def reanchor(self, revision: StoryRevision) -> int:
        """Move every annotation on revision's story into revision; return how many moved."""
        text = revision.body_text
        annotations = list(self.filter(story_id=revision.story_id).exclude(revision_id=revision.pk))
        # One diff per old revision, shared by all its annotations (anchoring.TextDiff).
        old_ids = {annotation.revision_id for annotation in annotations}
        old_texts = dict(
            StoryRevision.objects.filter(pk__in=old_ids).values_list("pk", "body_text")
        )
        diffs = {pk: TextDiff(old, text) for pk, old in old_texts.items()}
        for annotation in annotations:
            annotation.move_to(revision, text, diffs.get(annotation.revision_id))
        self.bulk_update(annotations, _ANCHOR_FIELDS, batch_size=500)
        return len(annotations)


AnnotationManager = _AnnotationManager.from_queryset(AnnotationQuerySet)


def locate_selection(text: str, selectors: Selectors, *, same_revision: bool) -> tuple[int, int]:
    """[start, end) in text of what the reader selected, without surrounding whitespace."""
    start, end = selectors.start, selectors.end
    if len(selectors.exact) > MAX_QUOTE:
        raise SelectionError(
            f"That selection is too long to highlight (at most {MAX_QUOTE:,} characters)."
        )
    if not (same_revision and 0 <= start < end <= len(text) and text[start:end] == selectors.exact):
        found = anchor(selectors, text) if selectors.exact.strip() else None
        if found is None or found.state not in (AnchorState.ANCHORED, AnchorState.MOVED):
            found = _sole_copy_in_context(text, selectors)
        if found is None or found.state not in (AnchorState.ANCHORED, AnchorState.MOVED):
            message = (
                "The selected text could not be found in the story. "
                "Reload the page and select it again."
                if same_revision
                else "The story has changed since you opened it and the selected text could "
                "not be found. Reload the page and select it again."
            )
            copies = _occurrences(text, selectors.exact)
            if len(copies) > 1:
                raise QuoteAmbiguous(message, copies)
            raise QuoteNotFound(message)
        assert found.start is not None and found.end is not None
        start, end = found.start, found.end
    # Double-clicks and drags pick up the spaces around words.
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if start == end:
        raise SelectionError("Select some words to highlight, not only spaces.")
    return start, end


def _sole_copy_in_context(text: str, selectors: Selectors) -> Anchor | None:
    """A new highlight's quote that is in the text once, with all the prefix and suffix it
    was sent with right beside it. Re-anchoring asks more of a passage (a neighbour it kept
    through an edit); a quote described against the text it is in is what it says."""
    copies = _occurrences(text, selectors.exact) if selectors.exact.strip() else []
    if len(copies) != 1:
        return None
    start, end = copies[0]
    if not text[:start].endswith(selectors.prefix) or not text[end:].startswith(selectors.suffix):
        return None
    return Anchor(AnchorState.MOVED, start, end, 1.0)


def _occurrences(text: str, exact: str) -> list[tuple[int, int]]:
    """Where exact is in text, character for character (overlapping)."""
    found: list[tuple[int, int]] = []
    at = text.find(exact) if exact else -1
    while at >= 0:
        found.append((at, at + len(exact)))
        at = text.find(exact, at + 1)
    return found


# What a typed quote may write for the typographic characters of the text: a keyboard
# has ' " - where an article has ’ “ ” –.
_TYPED = {"'": "['‘’]", '"': '["“”„]', "-": "[-‐‑–—]"}


def find_quote(text: str, quote: str) -> list[tuple[int, int]]:
    """Every [start, end) in text where quote is, word for word.

    The spaces between the words may differ (a paste across two paragraphs), and so may
    quotation marks, apostrophes and dashes; nothing else. The first and last words are
    whole words ("rule" is not in "rules"). Occurrences may overlap ("ha ha" in "ha ha
    ha").
    """
    words = quote.split()
    if not words:
        return []
    body = r"\s+".join(
        "".join(_TYPED.get(char) or re.escape(char) for char in word) for word in words
    )
    # Whole words at the edges: "rule" is not the start of "rules".
    start = r"(?<!\w)" if re.match(r"\w", words[0]) else ""
    end = r"(?!\w)" if re.search(r"\w$", words[-1]) else ""
    pattern = re.compile(start + body + end)
    found: list[tuple[int, int]] = []
    match = pattern.search(text)
    while match is not None:
        found.append(match.span())
        match = pattern.search(text, match.start() + 1)
    return found


def locate_quote(text: str, quote: str, occurrence: int | None = None) -> tuple[int, int]:
    """[start, end) of the one place in text where quote is (see find_quote), or of its
    occurrence-th place (from 1) when the reader chose among several.

    Words that are not in the text, or are in it more than once and not chosen among, are
    an error that says which (QuoteNotFound, QuoteAmbiguous), never a guess.
    """
    if len(quote) > MAX_QUOTE:
        raise SelectionError(
            f"That quote is too long to highlight (at most {MAX_QUOTE:,} characters)."
        )
    if not quote.split():
        raise SelectionError("Type or paste the words to highlight.")
    found = find_quote(text, quote)
    if not found:
        raise QuoteNotFound(
            "Those words are not in the story. Copy them from the story exactly as they are."
        )
    if occurrence is not None and 1 <= occurrence <= len(found):
        return found[occurrence - 1]
    if len(found) > 1:
        raise QuoteAmbiguous(
            f"Those words are in the story {len(found)} times. Choose the one you mean, or "
            "add a few words before or after them.",
            found,
        )
    return found[0]


@dataclass(frozen=True)
class Relocated:
    """Where an annotation's passage is in a new text (Annotation.move_to)."""

    state: str  # an Anchoring value
    score: float
    selectors: Selectors | None  # None: orphaned


def relocate(
    current: Selectors, original: Selectors, text: str, diff: TextDiff | None = None
) -> Relocated:
    """Find an annotation's passage in text: the last known place first, then, for a
    passage lost since, the original one (an edit that was undone brings it back).

    A function of the selectors (and, when known, the diff from the current selectors'
    revision to text), so that a data migration moves annotations the way a new
    revision does."""
    found = anchor(current, text, diff)
    if found.is_orphaned and current != original:
        found = anchor(original, text)
    if found.is_orphaned or found.start is None or found.end is None:
        return Relocated(Anchoring.ORPHANED, 0.0, None)
    return _relocated(describe(text, found.start, found.end), original)


def _relocated(described: Selectors, original: Selectors) -> Relocated:
    """What a passage found at described is, to the one first highlighted (original)."""
    if described.exact != original.exact:
        score = Levenshtein.normalized_similarity(original.exact, described.exact)
        return Relocated(Anchoring.CHANGED, score, described)
    moved = described.start != original.start
    return Relocated(Anchoring.MOVED if moved else Anchoring.ANCHORED, 1.0, described)


_ANCHOR_FIELDS = ["revision", "exact", "prefix", "suffix", "start", "end"]
_ANCHOR_FIELDS += ["anchor_state", "anchor_score"]


class Annotation(models.Model):
    story = models.ForeignKey(Story, on_delete=models.CASCADE, related_name="annotations")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="annotations"
    )

    # The current anchor: W3C selectors into this revision's body_text.
    # RESTRICT, not PROTECT: a revision cannot be deleted from under an annotation, but
    # deleting the story deletes both.
    revision = models.ForeignKey(
        StoryRevision, on_delete=models.RESTRICT, related_name="annotations"
    )
    exact = models.TextField()
    prefix = models.CharField(max_length=64, blank=True)
    suffix = models.CharField(max_length=64, blank=True)
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    anchor_state = models.CharField(
        max_length=16, choices=Anchoring.choices, default=Anchoring.ANCHORED
    )
    # 1.0 for the exact original words; their similarity when the text changed.
    anchor_score = models.FloatField(default=1.0)

    # What the reader selected, as they saw it. Never rewritten.
    original_revision = models.ForeignKey(
        StoryRevision, on_delete=models.RESTRICT, related_name="+"
    )
    original_exact = models.TextField()
    original_prefix = models.CharField(max_length=64, blank=True)
    original_suffix = models.CharField(max_length=64, blank=True)
    original_start = models.PositiveIntegerField()
    original_end = models.PositiveIntegerField()

    colour = models.CharField(max_length=16, choices=Colour.choices, default=Colour.YELLOW)
    comment = models.TextField(blank=True, max_length=MAX_COMMENT)
    # Rendered once, when the comment is written (newsreader.sanitizer.render_comment).
    comment_html = models.TextField(blank=True, editable=False)
    tags = models.ManyToManyField(Tag, blank=True, related_name="annotations")
    visibility = models.CharField(
        max_length=16, choices=Visibility.choices, default=Visibility.PRIVATE
    )
    # The capability in the annotation's share link. Every annotation has one, so making
    # one shareable needs no write on a page view; rotating it revokes the old link.
    share_token = models.CharField(
        max_length=40, unique=True, editable=False, default=new_share_token
    )
    created = models.DateTimeField(default=timezone.now)
    updated = models.DateTimeField(auto_now=True)
    # W3C "via": the id this annotation had where it was copied from (an export restored
    # through the API), so that replies to that id find it; "canonical": an IRI the
    # annotation keeps wherever it is copied. Both are the client's, kept as given.
    via = models.URLField(max_length=2000, blank=True, editable=False)
    canonical = models.URLField(max_length=2000, blank=True, editable=False)

    objects = AnnotationManager()

    if TYPE_CHECKING:
        replies: RelatedManager[Reply]

    class Meta:
        indexes = [
            models.Index(fields=["author", "-created", "-id"], name="annotation_author_idx"),
            models.Index(fields=["story", "visibility"], name="annotation_story_idx"),
            # The front page counts a reader's highlights per story, and the stories they
            # annotated, from this index alone.
            models.Index(fields=["author", "story"], name="annotation_author_story_idx"),
            # Newest first, whoever wrote them (the API's pages, search's highlights).
            models.Index(fields=["-created", "-id"], name="annotation_created_idx"),
            # A restored reply finds the annotation restored from its target's id.
            models.Index(fields=["author", "via"], name="annotation_via_idx", condition=~Q(via="")),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(start__lt=F("end")), name="annotation_span"),
            models.CheckConstraint(
                condition=Q(original_start__lt=F("original_end")),
                name="annotation_original_span",
            ),
        ]

    def __str__(self) -> str:
        quote = self.original_exact
        return f"“{quote[:60]}…”" if len(quote) > 60 else f"“{quote}”"

    def save(self, *args: Any, **kwargs: Any) -> None:
        # The last guard: forms (clean) and the API refuse first, with a message where the
        # reader acted. A public highlight on a reader's own copy would be listed for
        # readers who cannot open the story.
        update_fields = kwargs.get("update_fields")
        if update_fields is None or "visibility" in update_fields:
            check_visibility(self.story, self.visibility)
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return path("annotation_detail", self.pk)

    def clean(self) -> None:
        try:
            check_visibility(self.story, self.visibility)
        except VisibilityError as exc:
            raise ValidationError({"visibility": str(exc)}) from exc

    # --- Reading

    @property
    def selectors(self) -> Selectors:
        return Selectors(self.exact, self.prefix, self.suffix, self.start, self.end)

    @property
    def original_selectors(self) -> Selectors:
        return Selectors(
            self.original_exact,
            self.original_prefix,
            self.original_suffix,
            self.original_start,
            self.original_end,
        )

    @property
    def is_detached(self) -> bool:
        return self.anchor_state == Anchoring.ORPHANED

    @property
    def text_changed(self) -> bool:
        return self.anchor_state == Anchoring.CHANGED

    @property
    def is_private(self) -> bool:
        return self.visibility == Visibility.PRIVATE

    @property
    def has_share_menu(self) -> bool:
        """The author can always share or see why not; others only a passage still there."""
        return self.is_own or not self.is_detached

    @property
    def is_shareable(self) -> bool:
        return self.visibility in SHAREABLE

    @property
    def is_link_only(self) -> bool:
        return self.visibility == Visibility.LINK

    def share_path(self) -> str:
        """The share link, scrolled to the passage (or the card of a detached one)."""
        anchor = "annotation" if self.is_detached else "hl"
        return f"{reverse('shared', args=[self.share_token])}#{anchor}-{self.pk}"

    def original_passage_url(self) -> str:
        """The story's original page with a text fragment for the passage ("" without one)."""
        from .textfragment import fragment_url

        if not self.story.url or self.is_detached:
            return ""
        return fragment_url(self.story.url, self.exact, self.prefix, self.suffix)

    def rotate_share_token(self) -> None:
        """Revoke the share link: the old one answers 404 from now on."""
        self.share_token = new_share_token()
        self.save(update_fields=["share_token"])

    def anchored_in(self, revision: StoryRevision) -> bool:
        return not self.is_detached and self.revision_id == revision.pk

    def highlight(self) -> Highlight:
        return Highlight(self.pk, self.start, self.end, self.colour, emphasized=bool(self.comment))

    def can_edit(self, user: Viewer) -> bool:
        return user.is_authenticated and user.pk == self.author_id

    # Set on what create_from_selection returns when the request was a repeat.
    repeated: bool = False
    # Set by AnnotationQuerySet.with_thread; looked up one by one otherwise.
    _tag_list: list[Tag] | None = None
    _thread: list[Reply] | None = None
    _story_url: str | None = None
    # Who the annotation is shown to (show_to): the card's links depend on it. Unset, it
    # offers nothing but reading; the views check permissions on their own anyway.
    viewer_pk: int | None = None

    def show_to(self, viewer: Viewer, story_url: str | None = None) -> Annotation:
        self.viewer_pk = viewer.pk if viewer.is_authenticated else None
        if story_url is not None:
            self._story_url = story_url
        return self

    @property
    def thread_label(self) -> str:
        """The accessible name of the card's replies. A story page has a thread per card,
        and landmarks need names of their own: the quote says which, the id makes sure."""
        quote = " ".join((self.original_exact if self.is_detached else self.exact).split())
        if len(quote) > 40:
            quote = quote[:39].rstrip() + "…"
        return f"Replies to “{quote}” (highlight {self.pk})"

    @property
    def is_own(self) -> bool:
        return self.viewer_pk is not None and self.viewer_pk == self.author_id

    @property
    def story_url(self) -> str:
        # Computed once: a story page shows it on every card (reverse + slugify each time).
        if self._story_url is None:
            self._story_url = self.story.get_absolute_url()
        return self._story_url

    def url_in_story(self, anchor: str = "annotation") -> str:
        """The story page scrolled to this annotation's card ("annotation") or mark ("hl")."""
        return f"{self.story_url}#{anchor}-{self.pk}"

    def attach(self, tags: list[Tag], thread: list[Reply] | None) -> None:
        self._tag_list, self._thread = tags, thread

    @property
    def tag_list(self) -> list[Tag]:
        if self._tag_list is None:
            self._tag_list = list(self.tags.order_by("name"))
        return self._tag_list

    @property
    def thread(self) -> list[Reply]:
        if self._thread is None:
            self._thread = list(self.replies.select_related("author"))
        return self._thread

    def tag_names(self) -> list[str]:
        return [tag.name for tag in self.tag_list]

    # --- Writing

    def set_anchor(self, selectors: Selectors) -> None:
        self.exact, self.prefix, self.suffix = selectors.exact, selectors.prefix, selectors.suffix
        self.start, self.end = selectors.start, selectors.end

    def set_original(self, selectors: Selectors) -> None:
        self.original_exact = selectors.exact
        self.original_prefix, self.original_suffix = selectors.prefix, selectors.suffix
        self.original_start, self.original_end = selectors.start, selectors.end

    def set_comment(self, source: str) -> None:
        self.comment = source.strip()
        self.comment_html = render_comment(self.comment)

    def set_tags(self, names: Iterable[str]) -> None:
        self._tag_list = None
        wanted = list(dict.fromkeys(names))
        existing = {tag.name: tag for tag in Tag.objects.filter(name__in=wanted)}
        missing = [Tag(name=name) for name in wanted if name not in existing]
        if missing:
            Tag.objects.bulk_create(missing, ignore_conflicts=True)
            existing = {tag.name: tag for tag in Tag.objects.filter(name__in=wanted)}
        self.tags.set([existing[name] for name in wanted])

    def move_to(self, revision: StoryRevision, text: str, diff: TextDiff | None = None) -> None:
        """Re-anchor in revision (whose body_text is text); does not save (see relocate).
        diff: from the current revision's text to text, when the caller has it.
        Not found: orphaned, and the current selectors stay where the passage was last
        seen."""
        found = relocate(self.selectors, self.original_selectors, text, diff)
        self.anchor_state, self.anchor_score = found.state, found.score
        if found.selectors is not None:
            self.revision = revision
            self.set_anchor(found.selectors)

    def attach_by_hand(self, quote: str, occurrence: int | None = None) -> None:
        """Attach a (detached) annotation to the words quote in the story's current text,
        chosen by its author (locate_quote: QuoteNotFound, QuoteAmbiguous when unclear),
        and save. The original quote stays what it was; the card says how the words
        differ from it."""
        revision = self.story.current_revision
        if revision is None:
            raise QuoteNotFound("This story has no text to attach to.")
        text = revision.body_text
        start, end = locate_quote(text, quote, occurrence)
        found = _relocated(describe(text, start, end), self.original_selectors)
        assert found.selectors is not None
        self.revision = revision
        self.set_anchor(found.selectors)
        self.anchor_state, self.anchor_score = found.state, found.score
        self.save(update_fields=_ANCHOR_FIELDS)


class Reply(models.Model):
    """A comment in the thread under an annotation."""

    annotation = models.ForeignKey(Annotation, on_delete=models.CASCADE, related_name="replies")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="annotation_replies"
    )
    body = models.TextField(max_length=MAX_COMMENT)
    body_html = models.TextField(editable=False)
    created = models.DateTimeField(default=timezone.now)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "replies"
        ordering = ["created", "id"]

    def __str__(self) -> str:
        return f"Reply by {self.author_id} on {self.annotation_id}"

    def set_body(self, source: str) -> None:
        self.body = source.strip()
        self.body_html = render_comment(self.body)

    @classmethod
    def post(
        cls,
        annotation: Annotation,
        author: User,
        body: str,
        *,
        created: Any = None,
        once: Once | None = None,
    ) -> Reply:
        """Reply under annotation, once (see annotations.idempotency): a repeated request
        gets the reply the first made, with ``repeated`` set."""
        once = once or Once(window=False)
        with transaction.atomic():
            # Copies of one request wait for each other here, and the second sees the first.
            list(Annotation.objects.select_for_update().filter(pk=annotation.pk).values("pk"))
            seen = IdempotencyKey.seen(author, once)
            earlier: Reply | None = None
            if seen is not None and seen.reply_id is not None:
                earlier = cls.objects.get(pk=seen.reply_id)
            elif once.window and created is None:
                earlier = (
                    cls.objects.filter(
                        annotation=annotation,
                        author=author,
                        body=body.strip(),
                        created__gte=timezone.now() - WINDOW,
                    )
                    .order_by("-pk")
                    .first()
                )
            if earlier is not None:
                IdempotencyKey.record(author, once, reply=earlier)
                earlier.repeated = True
                return earlier
            reply = cls(annotation=annotation, author=author)
            reply.set_body(body)
            if created is not None:
                reply.created = created
            reply.save()
            IdempotencyKey.record(author, once, reply=reply)
        return reply

    # Set on what post returns when the request was a repeat.
    repeated: bool = False

    def can_delete(self, user: Viewer) -> bool:
        return user.is_authenticated and user.pk == self.author_id


class StoryShare(models.Model):
    """A link to one reader's annotated version of a story: their link-only and public
    annotations on it. One per reader and story; revoking rotates its token."""

    story = models.ForeignKey(Story, on_delete=models.CASCADE, related_name="shares")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="story_shares"
    )
    token = models.CharField(max_length=40, unique=True, default=new_share_token)
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["story", "author"], name="story_share_unique")
        ]

    def __str__(self) -> str:
        return f"{self.author_id}'s version of story {self.story_id}"

    def get_absolute_url(self) -> str:
        return reverse("shared", args=[self.token])

    def rotate(self) -> None:
        self.token = new_share_token()
        self.save(update_fields=["token"])


# Personal API tokens live with the API's authentication.


def threaded(
    annotations: list[Annotation], everyone: QuerySet[Any] | None, *, replies: bool = True
) -> list[Annotation]:
    """The annotations with their tags and (unless not replies) their replies attached
    (AnnotationQuerySet.with_thread): two queries, none when there are no annotations;
    past a thousand, selected by everyone (a subquery of their ids): a list that long
    costs more to send than the subquery costs to build."""
    if not annotations:
        return annotations
    found = [annotation.pk for annotation in annotations]
    ids: Any = found if len(found) <= 1000 or everyone is None else everyone
    tags: dict[int, list[Tag]] = {annotation.pk: [] for annotation in annotations}
    links = Annotation.tags.through.objects.filter(annotation_id__in=ids)
    for link in links.select_related("tag").order_by("tag__name"):
        tags.setdefault(link.annotation_id, []).append(link.tag)
    threads: dict[int, list[Reply]] = {annotation.pk: [] for annotation in annotations}
    if replies:
        for reply in Reply.objects.filter(annotation_id__in=ids).select_related("author"):
            threads.setdefault(reply.annotation_id, []).append(reply)
    for annotation in annotations:
        annotation.attach(tags[annotation.pk], threads[annotation.pk] if replies else None)
    return annotations


from .tokens import ApiToken  # noqa: E402, F401
