"""Text readers pasted or uploaded becomes their own copy; shared stories show again the
last text the server fetched (issue 13: any reader could rewrite a shared story).

Old revisions do not say who pasted them. The Add page sends whoever pasted or uploaded
straight to the story, which marks it read: the reader whose reading state was stamped
within READ_WITHIN of a revision is taken as its author. So, per story with such
revisions:

* A revision is a reader's when it was pasted (origin "paste") or uploaded (origin
  "file" with such a reader: a file without one is the operator's, `manage.py ingest`
  or `load_samples`, like the bundled samples always are). Fetched revisions ("url",
  "feed") and the operator's files are the server's.
* A story made of one reader's revisions only becomes their own copy, unless another
  reader annotated it, saved it or shared it, or a feed carries it (their work is on it:
  it stays shared, as it has always been). Other readers' read marks on it go with it.
* A story with server revisions shows its last one again (the shared story's current
  revision, title and dek), and its annotations are re-anchored there as a new revision
  would re-anchor them. Each reader whose revisions it had gets their own copy made of
  them (same text, order and dates) with the annotations they made on that text.
* What cannot be attributed (a paste with no reading state stamped after it) is left
  where it is: in a shared story made of it, or in a shared story's history.

Nothing is deleted: a shared story keeps every revision in its history (the annotations
of other readers made on a reader's text keep pointing at it), and a moved annotation
keeps its original selectors. A public highlight on a copy becomes link-only (no one else
may open the story). The search index and the listed count follow in library 0006.
"""

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.db import migrations

READ_WITHIN = timedelta(seconds=10)
SAMPLES = {path.name for path in (Path(__file__).resolve().parents[1] / "samples").iterdir()}
# What a copied revision keeps (its number and story are the copy's).
COPIED = ["title", "dek", "body_html", "body_text", "content_hash", "word_count", "origin"]
COPIED += ["origin_detail", "page_error"]


@dataclass(frozen=True)
class Models:
    """The models as this migration knows them."""

    Story: Any
    Revision: Any
    Annotation: Any
    StoryShare: Any
    ReadingState: Any
    FeedEntry: Any

    @classmethod
    def of(cls, apps: Any) -> "Models":
        return cls(
            Story=apps.get_model("articles", "Story"),
            Revision=apps.get_model("articles", "StoryRevision"),
            Annotation=apps.get_model("annotations", "Annotation"),
            StoryShare=apps.get_model("annotations", "StoryShare"),
            ReadingState=apps.get_model("library", "ReadingState"),
            FeedEntry=apps.get_model("articles", "FeedEntry"),
        )


def _is_readers(revision: Any, reader: int | None) -> bool:
    """Pasted, or uploaded (a file someone was sent to at once, and not a sample)."""
    if revision.origin == "paste":
        return True
    return (
        revision.origin == "file" and reader is not None and revision.origin_detail not in SAMPLES
    )


class SortedOut:
    """One story's revisions: the server's, and the readers' (with who, when known)."""

    def __init__(self, m: Models, story: Any) -> None:
        self.story = story
        self.revisions = list(m.Revision.objects.filter(story=story).order_by("number"))
        states = m.ReadingState.objects.filter(story=story, read_at__isnull=False)
        self.states = list(states.order_by("read_at", "pk"))
        self.server: list[Any] = []
        self.readers: dict[int, int | None] = {}  # revision -> its reader, None: unknown
        for revision in self.revisions:
            reader = self._reader_of(revision)
            if _is_readers(revision, reader):
                self.readers[revision.pk] = reader
            else:
                self.server.append(revision)

    def _reader_of(self, revision: Any) -> int | None:
        for state in self.states:
            if revision.created <= state.read_at <= revision.created + READ_WITHIN:
                return int(state.user_id)
        return None


def _move(annotation: Any, revision: Any) -> None:
    """Re-anchor annotation in revision as a new revision would (Annotation.move_to)."""
    from annotations.anchoring import Selectors
    from annotations.models import relocate

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
    found = relocate(current, original, revision.body_text)
    annotation.anchor_state, annotation.anchor_score = found.state, found.score
    if found.selectors is not None:
        annotation.revision_id = revision.pk
        annotation.exact, annotation.prefix = found.selectors.exact, found.selectors.prefix
        annotation.suffix = found.selectors.suffix
        annotation.start, annotation.end = found.selectors.start, found.selectors.end


def _make_own(m: Models, sorted_out: SortedOut) -> None:
    """A story made of reader revisions only: its reader's copy, if it is theirs alone."""
    story = sorted_out.story
    readers = set(sorted_out.readers.values())
    if len(readers) != 1 or None in readers:
        return  # several readers, or one we cannot name: it stays shared
    owner = readers.pop()
    others_work = (
        m.FeedEntry.objects.filter(story=story).exists()
        or m.Annotation.objects.filter(story=story).exclude(author_id=owner).exists()
        or m.StoryShare.objects.filter(story=story).exclude(author_id=owner).exists()
        or m.ReadingState.objects.filter(story=story, saved_at__isnull=False)
        .exclude(user_id=owner)
        .exists()
    )
    if others_work:
        return
    m.Story.objects.filter(pk=story.pk).update(owner_id=owner)
    m.ReadingState.objects.filter(story=story).exclude(user_id=owner).delete()
    m.Annotation.objects.filter(story=story, visibility="public").update(visibility="link")


def _copy_for(m: Models, story: Any, owner: int, revisions: list[Any]) -> None:
    """owner's own copy of their revisions of story, with the annotations made on them."""
    last = revisions[-1]
    copy = m.Story.objects.create(
        owner_id=owner,
        url=story.url,
        title=last.title,
        dek=last.dek,
        byline=story.byline,
        site_name=story.site_name,
        published=story.published,
        language=story.language,
        sort_date=story.sort_date,
    )
    copies = {}
    for number, revision in enumerate(revisions, start=1):
        fields = {field: getattr(revision, field) for field in COPIED}
        copied = m.Revision.objects.create(story=copy, number=number, **fields)
        m.Revision.objects.filter(pk=copied.pk).update(created=revision.created)
        copies[revision.pk] = copied
    current = copies[last.pk]
    m.Story.objects.filter(pk=copy.pk).update(
        current_revision=current, created=revisions[0].created
    )
    m.ReadingState.objects.create(user_id=owner, story=copy, read_at=last.created)
    made_on_it = m.Annotation.objects.filter(
        story=story, author_id=owner, original_revision_id__in=list(copies)
    )
    for annotation in made_on_it:
        annotation.story = copy
        annotation.original_revision_id = copies[annotation.original_revision_id].pk
        if annotation.revision_id in copies:
            annotation.revision_id = copies[annotation.revision_id].pk
        if annotation.revision_id != current.pk:
            _move(annotation, current)
        if annotation.visibility == "public":
            annotation.visibility = "link"
        annotation.save()


def _restore(m: Models, sorted_out: SortedOut) -> None:
    """A shared story some readers revised: the server's text again, a copy for each."""
    story, last = sorted_out.story, sorted_out.server[-1]
    by_reader: dict[int, list[Any]] = {}
    for revision in sorted_out.revisions:
        reader = sorted_out.readers.get(revision.pk)
        if reader is not None:
            by_reader.setdefault(reader, []).append(revision)
    for owner, revisions in by_reader.items():
        _copy_for(m, story, owner, revisions)
    if story.current_revision_id in sorted_out.readers:
        m.Story.objects.filter(pk=story.pk).update(
            current_revision=last, title=last.title, dek=last.dek
        )
        for annotation in m.Annotation.objects.filter(story=story).exclude(revision=last):
            _move(annotation, last)
            annotation.save()


def forwards(apps: Any, schema_editor: Any) -> None:
    m = Models.of(apps)
    supplied = m.Story.objects.filter(revisions__origin__in=["paste", "file"]).distinct()
    for story in supplied.order_by("pk"):
        sorted_out = SortedOut(m, story)
        if not sorted_out.readers:
            continue
        if sorted_out.server:
            _restore(m, sorted_out)
        else:
            _make_own(m, sorted_out)


def backwards(apps: Any, schema_editor: Any) -> None:
    """Copies become shared stories again; one whose URL a shared story has gives that
    story its revisions (after its own) and annotations, as the old code stored them.
    Read marks of other readers that forwards removed are not made up again."""
    m = Models.of(apps)
    for copy in m.Story.objects.filter(owner__isnull=False).order_by("pk"):
        shared = None
        if copy.url:
            shared = m.Story.objects.filter(owner__isnull=True, url=copy.url).first()
        if shared is None:
            m.Story.objects.filter(pk=copy.pk).update(owner=None)
            continue
        start = m.Revision.objects.filter(story=shared).order_by("-number").first().number
        for offset, revision in enumerate(m.Revision.objects.filter(story=copy).order_by("number")):
            m.Revision.objects.filter(pk=revision.pk).update(
                story=shared, number=start + offset + 1
            )
        current = m.Revision.objects.get(pk=shared.current_revision_id)
        for annotation in m.Annotation.objects.filter(story=copy):
            annotation.story = shared
            _move(annotation, current)
            annotation.save()
        for model, user in ((m.ReadingState, "user_id"), (m.StoryShare, "author_id")):
            for row in model.objects.filter(story=copy):
                if model.objects.filter(story=shared, **{user: getattr(row, user)}).exists():
                    row.delete()
                else:
                    model.objects.filter(pk=row.pk).update(story=shared)
        m.Story.objects.filter(pk=copy.pk).update(current_revision=None)
        m.Story.objects.filter(pk=copy.pk).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0005_story_own_listing_index"),
        ("annotations", "0003_listing_indexes"),
        ("library", "0005_sessions_use_preferences_backend"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
