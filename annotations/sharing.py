"""Share links: one annotation, or a reader's annotated version of a story.

``/s/<token>/`` is a capability URL. The token (annotations.models.new_share_token) is the
only way to reach a link-only annotation that is not yours: it is never listed, and its id
alone answers 404 (Annotation.objects.visible_to). An annotation's link shows the story with
that highlight emphasized, its comment and replies, and the other public highlights quietly;
a story link shows its author's link-only and public annotations. Making an annotation
private takes effect at once (the token lookup requires a shareable visibility), and
revoking rotates the token, so the old link is a 404.

A link of an annotation on a reader's own copy (articles.models.Story) is how others see
that copy: the page shows it, and links to the story's own page only for its owner. Such
a link works while its author may see the story (AnnotationQuerySet.shareable).

Pages reached by a link work without an account and without JavaScript; signed-in visitors
reply through the same token (the reply URLs carry it), because the ordinary reply form
would 404 on a link-only annotation.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.text import Truncator
from django.views.decorators.http import require_GET, require_POST

from articles.models import Story, StoryRevision, get_visible_story_or_404
from newsreader.http import HtmxHttpRequest
from newsreader.sanitizer import markdown_to_text

from .forms import ReplyForm
from .highlighting import Highlight, draw_highlights
from .models import Annotation, Reply, StoryShare, Visibility, on_a_story_the_author_sees

if TYPE_CHECKING:
    from django.contrib.auth.models import User

SHARE = "annotations/share.html"


@dataclass
class SharedView:
    """What a share link shows."""

    token: str
    story: Story
    revision: StoryRevision
    author: User
    cards: list[Annotation]  # shown with comment and replies: the annotation, or the version's
    quiet: list[Annotation]  # other public highlights, drawn but not listed
    focus: Annotation | None = None  # set for an annotation's link
    # The visitor may open the story itself: a shared one, or their own copy. Anyone else
    # sees a reader's copy only through its links.
    story_open: bool = True

    @property
    def url(self) -> str:
        return reverse("shared", args=[self.token])

    @property
    def unlisted(self) -> bool:
        """Kept out of search engines: anything not public to begin with."""
        return self.focus is None or self.focus.visibility != Visibility.PUBLIC

    def body_html(self) -> str:
        highlights = [
            Highlight(a.pk, a.start, a.end, a.colour)
            for a in self.quiet
            if a.anchored_in(self.revision)
        ]
        highlights += [
            Highlight(a.pk, a.start, a.end, a.colour, emphasized=True)
            for a in self.cards
            if a.anchored_in(self.revision)
        ]
        return draw_highlights(
            self.revision.body_html, highlights, body_text=self.revision.body_text
        )

    def description(self) -> str:
        """For link previews: the quoted passage, trimmed, then the start of the comment."""
        first = self.focus or (self.cards[0] if self.cards else None)
        if first is None:
            return self.story.dek
        quote = first.original_exact if first.is_detached else first.exact
        text = f"“{Truncator(' '.join(quote.split())).chars(160)}”"
        if first.comment:
            # Previews show text, not Markdown: "**so**" and "[a](url)" would show as typed.
            text += " — " + Truncator(markdown_to_text(first.comment)).chars(120)
        return text

    def card(self, annotation_id: int) -> Annotation:
        for annotation in self.cards:
            if annotation.pk == annotation_id:
                return annotation
        raise Http404("No such annotation in this share.")


def resolve_share(token: str, viewer: Any) -> SharedView:
    """The share a token names, as viewer sees it; 404 for an unknown or revoked token."""
    if not token or len(token) > 64:
        raise Http404("No such link.")
    focus = (
        Annotation.objects.shareable()
        .filter(share_token=token, story__current_revision__isnull=False)
        .select_related("story__current_revision", "author")
        .first()
    )
    if focus is not None:
        story = focus.story
        cards = Annotation.objects.filter(pk=focus.pk).with_thread()
        quiet = list(
            Annotation.objects.filter(story=story, visibility=Visibility.PUBLIC)
            .exclude(pk=focus.pk)
            .only("pk", "start", "end", "colour", "revision_id", "anchor_state")
        )
        author = focus.author
    else:
        share = (
            StoryShare.objects.filter(token=token, story__current_revision__isnull=False)
            .filter(on_a_story_the_author_sees())
            .select_related("story__current_revision", "author")
            .first()
        )
        if share is None:
            raise Http404("No such link: it may have been revoked.")
        story, author = share.story, share.author
        cards = (
            Annotation.objects.shareable()
            .filter(story=story, author=author)
            .in_text_order()
            .with_thread()
        )
        quiet = []
    revision = story.current_revision
    assert revision is not None
    story_url = story.get_absolute_url()
    for annotation in cards:
        annotation.story = story
        annotation.author = author
        annotation.show_to(viewer, story_url)
    # In text order (the query's: the sort is stable) with the detached ones (their
    # passage is gone) last.
    cards.sort(key=lambda a: not a.anchored_in(revision))
    shared = SharedView(
        token, story, revision, author, cards, quiet, story_open=story.is_visible_to(viewer)
    )
    if focus is not None:
        [shared.focus] = cards  # an annotation's link shows that one card
    return shared


def _share_context(request: HtmxHttpRequest, shared: SharedView, **extra: Any) -> dict[str, Any]:
    reply_forms = {}
    if request.user.is_authenticated:
        reply_forms = {a.pk: ReplyForm(annotation_id=a.pk) for a in shared.cards}
    reply_forms.update(extra.pop("reply_forms", {}))
    for annotation in shared.cards:
        annotation.share_reply_form = reply_forms.get(annotation.pk)  # type: ignore[attr-defined]
    return {
        "shared": shared,
        "story": shared.story,
        "revision": shared.revision,
        "body_html": shared.body_html(),
        "canonical_url": request.build_absolute_uri(shared.url),
        "description": shared.description(),
        **extra,
    }


@require_GET
def shared(request: HtmxHttpRequest, token: str) -> HttpResponse:
    view = resolve_share(token, request.user)
    response = render(request, SHARE, _share_context(request, view))
    # A capability URL: keep it out of the Referer of links followed from the page.
    response["Referrer-Policy"] = "no-referrer"
    return response


@require_POST
def shared_reply(request: HtmxHttpRequest, token: str, annotation_id: int) -> HttpResponseBase:
    if not request.user.is_authenticated:
        return redirect_to_login(reverse("shared", args=[token]))
    view = resolve_share(token, request.user)
    annotation = view.card(annotation_id)
    form = ReplyForm(request.POST, annotation_id=annotation.pk)
    if not form.is_valid():
        context = _share_context(request, view, reply_forms={annotation.pk: form})
        if request.htmx:
            return render(request, f"{SHARE}#replies", {**context, "annotation": annotation})
        return render(request, SHARE, context, status=400)
    reply = Reply.post(
        annotation, cast("User", request.user), form.cleaned_data["body"], once=form.once()
    )
    if not request.htmx:
        return redirect(f"{view.url}#reply-{reply.pk}")
    view = resolve_share(token, request.user)
    context = _share_context(request, view)
    return render(request, f"{SHARE}#replies", {**context, "annotation": view.card(annotation_id)})


@require_POST
def shared_reply_delete(request: HtmxHttpRequest, token: str, reply_id: int) -> HttpResponseBase:
    if not request.user.is_authenticated:
        return redirect_to_login(reverse("shared", args=[token]))
    view = resolve_share(token, request.user)
    reply = get_object_or_404(
        Reply.objects.filter(annotation_id__in=[a.pk for a in view.cards]), pk=reply_id
    )
    if not reply.can_delete(request.user):
        raise PermissionDenied("Only the author can delete this reply.")
    annotation_id = reply.annotation_id
    reply.delete()
    if not request.htmx:
        return redirect(f"{view.url}#annotation-{annotation_id}")
    view = resolve_share(token, request.user)
    context = _share_context(request, view)
    return render(request, f"{SHARE}#replies", {**context, "annotation": view.card(annotation_id)})


# --- The author's side: revoking an annotation's link, sharing a story version.


@require_POST
@login_required
def annotation_revoke_link(request: HtmxHttpRequest, annotation_id: int) -> HttpResponseBase:
    annotation = get_object_or_404(
        Annotation.objects.visible_to(request.user).select_related("story", "author"),
        pk=annotation_id,
    )
    if not annotation.can_edit(request.user):
        raise PermissionDenied("Only the author can revoke this link.")
    annotation.rotate_share_token()
    annotation.show_to(request.user)
    if request.htmx:
        # The menu stays open on the new link.
        context = {"annotation": annotation, "share_open": True}
        return render(request, "annotations/annotation.html#card", context)
    messages.success(request, "The old link no longer works; the annotation has a new link.")
    return redirect(f"{annotation.story_url}#annotation-{annotation.pk}")


def _story_share_context(request: HtmxHttpRequest, story: Story) -> dict[str, Any]:
    mine = Annotation.objects.filter(story=story, author_id=request.user.pk)
    counts = {value: 0 for value in Visibility.values}
    for visibility in mine.values_list("visibility", flat=True):
        counts[visibility] += 1
    share = StoryShare.objects.filter(story=story, author_id=request.user.pk).first()
    return {
        "story": story,
        "share": share,
        "share_url": request.build_absolute_uri(share.get_absolute_url()) if share else "",
        "shareable_count": counts[Visibility.LINK] + counts[Visibility.PUBLIC],
        "private_count": counts[Visibility.PRIVATE],
    }


@require_GET
@login_required
def story_share(request: HtmxHttpRequest, story_id: int) -> HttpResponse:
    story = get_visible_story_or_404(request.user, story_id)
    return render(request, "annotations/share_story.html", _story_share_context(request, story))


@require_POST
@login_required
def story_share_create(request: HtmxHttpRequest, story_id: int) -> HttpResponseBase:
    story = get_visible_story_or_404(request.user, story_id)
    StoryShare.objects.get_or_create(story=story, author=cast("User", request.user))
    if request.htmx:
        context = _story_share_context(request, story)
        return render(request, "annotations/share_story.html#link", context)
    return redirect("story_share", story.pk)


@require_POST
@login_required
def story_share_revoke(request: HtmxHttpRequest, story_id: int) -> HttpResponseBase:
    story = get_visible_story_or_404(request.user, story_id)
    share = StoryShare.objects.filter(story=story, author_id=request.user.pk).first()
    if share is not None:
        share.delete()
    if request.htmx:
        context = _story_share_context(request, story)
        return render(request, "annotations/share_story.html#link", context)
    messages.success(request, "The link to your annotated version no longer works.")
    return redirect("story_share", story.pk)
