"""Exports of a reader's annotations: Markdown, and W3C Web Annotation JSON-LD.

Both are downloads (Content-Disposition: attachment) of the reader's own annotations, on
one story or all of them, private ones included: it is their data, and so are the threads
under them (replies by anyone, as the reader sees them on the page). The JSON-LD is an
AnnotationCollection whose AnnotationPages are embedded one inside the other ("first",
then each page's "next"), so one file holds everything and a client that follows the
protocol's paging reads it unchanged; POSTing its items to /api/annotations/ restores them.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from itertools import groupby, pairwise
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.views.decorators.http import require_GET

from articles.models import Story
from newsreader.http import HtmxHttpRequest

from .models import Annotation, Reply

JSONLD = 'application/ld+json; profile="http://www.w3.org/ns/anno.jsonld"'
ANNO_CONTEXT = "http://www.w3.org/ns/anno.jsonld"
EXPORT_PAGE_SIZE = 200


def serialize(annotation: Annotation, absolute: Callable[[str], str]) -> dict[str, Any]:
    """One annotation as the API and the export give it (Annotation.as_w3c, plus what
    this app needs to restore it: its visibility; the id is the API's)."""
    data = annotation.as_w3c(absolute(""))
    data["id"] = absolute(reverse("api_annotation", args=[annotation.pk]))
    data["visibility"] = annotation.visibility
    return data


def serialize_reply(reply: Reply, absolute: Callable[[str], str]) -> dict[str, Any]:
    """A reply as the W3C model has it: an annotation whose target is the annotation."""
    return {
        "@context": ANNO_CONTEXT,
        "id": absolute(reverse("api_reply", args=[reply.pk])),
        "type": "Annotation",
        "motivation": "replying",
        "created": reply.created.isoformat(),
        "modified": reply.updated.isoformat(),
        "creator": {"type": "Person", "nickname": reply.author.get_username()},
        "body": {"type": "TextualBody", "value": reply.body, "format": "text/markdown"},
        "target": absolute(reverse("api_annotation", args=[reply.annotation_id])),
    }


def _quote_block(text: str) -> str:
    lines = text.strip().splitlines() or [""]
    return "\n".join(f"> {line}".rstrip() for line in lines)


def markdown(annotations: Sequence[Annotation], absolute: Callable[[str], str], title: str) -> str:
    """Grouped by story: its title and links, then each passage as a block quote with the
    comment, tags and a link back to the annotation in the story."""
    out = [f"# {title}", "", f"Exported from Newsreader on {timezone.now():%Y-%m-%d}.", ""]
    for _story_id, group in groupby(annotations, key=lambda a: a.story_id):
        items = list(group)
        story = items[0].story
        out += [f"## [{story.title}]({absolute(story.get_absolute_url())})", ""]
        if story.url:
            out += [f"Original: <{story.url}>", ""]
        for annotation in items:
            quote = annotation.original_exact if annotation.is_detached else annotation.exact
            out += [_quote_block(quote), ""]
            if annotation.is_detached:
                out += ["*This passage is no longer in the story.*", ""]
            if annotation.comment:
                out += [annotation.comment.strip(), ""]
            meta = [annotation.get_colour_display(), annotation.get_visibility_display()]
            meta.append(f"{annotation.created:%Y-%m-%d}")
            if annotation.tag_list:
                meta.append(" ".join(f"#{tag.name}" for tag in annotation.tag_list))
            link = f"{annotation.story_url}#{'annotation' if annotation.is_detached else 'hl'}"
            meta.append(f"[link]({absolute(f'{link}-{annotation.pk}')})")
            out += ["— " + " · ".join(meta), ""]
            for reply in annotation.thread:
                # A list item per reply; its later lines are indented to stay inside it.
                lines = reply.body.strip().splitlines() or [""]
                head = f"- **{reply.author.get_username()}** ({reply.created:%Y-%m-%d}): "
                out.append(head + lines[0])
                out.extend(f"  {line}".rstrip() for line in lines[1:])
            if annotation.thread:
                out.append("")
            out += ["---", ""]
    if out[-2:] == ["---", ""]:
        out = out[:-2]
    return "\n".join(out).rstrip() + "\n"


def collection(
    annotations: Sequence[Annotation],
    absolute: Callable[[str], str],
    collection_id: str,
    label: str,
    page_size: int = EXPORT_PAGE_SIZE,
) -> dict[str, Any]:
    """An AnnotationCollection with every annotation, in embedded AnnotationPages; each
    annotation is followed by its replies (motivation "replying", target the annotation)."""
    items: list[dict[str, Any]] = []
    for annotation in annotations:
        items.append(serialize(annotation, absolute))
        items.extend(serialize_reply(reply, absolute) for reply in annotation.thread)
    pages: list[dict[str, Any]] = []
    for index, start in enumerate(range(0, len(items), page_size)):
        pages.append(
            {
                "id": f"{collection_id}#page-{index + 1}",
                "type": "AnnotationPage",
                "partOf": collection_id,
                "startIndex": start,
                "items": items[start : start + page_size],
            }
        )
    for page, following in pairwise(pages):
        page["next"] = following
    for page in pages:
        for item in page["items"]:
            item.pop("@context", None)  # said once, at the top
    data: dict[str, Any] = {
        "@context": ANNO_CONTEXT,
        "id": collection_id,
        "type": "AnnotationCollection",
        "label": label,
        "total": len(items),
    }
    if pages:
        data["first"] = pages[0]
    return data


def iter_collection(data: dict[str, Any]) -> list[dict[str, Any]]:
    """The annotations of an exported collection, page after page."""
    items: list[dict[str, Any]] = []
    page = data.get("first")
    while isinstance(page, dict):
        items.extend(page.get("items", []))
        page = page.get("next")
    return items


# --- Views


def _download(content: str, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _export(
    request: HtmxHttpRequest,
    annotations: Sequence[Annotation],
    *,
    name: str,
    title: str,
    collection_id: str,
) -> HttpResponse:
    absolute: Callable[[str], str] = request.build_absolute_uri
    if request.GET.get("format") == "jsonld":
        data = collection(annotations, absolute, absolute(collection_id), title)
        content = json.dumps(data, ensure_ascii=False, indent=2)
        return _download(content, JSONLD, f"newsreader-{name}-annotations.jsonld")
    content = markdown(annotations, absolute, title)
    return _download(content, "text/markdown; charset=utf-8", f"newsreader-{name}-annotations.md")


def _mine(request: HtmxHttpRequest) -> Any:
    return (
        Annotation.objects.filter(author_id=request.user.pk)
        .select_related("story", "author", "revision")
        .order_by("story__title", "story_id", "start", "id")
    )


@require_GET
@login_required
def export_all(request: HtmxHttpRequest) -> HttpResponse:
    annotations = _mine(request).with_thread()
    return _export(
        request,
        annotations,
        name=slugify(request.user.get_username()) or "my",
        title=f"Annotations by {request.user.get_username()}",
        collection_id=reverse("annotation_export"),
    )


@require_GET
@login_required
def export_story(request: HtmxHttpRequest, story_id: int) -> HttpResponse:
    story = get_object_or_404(Story.objects.visible_to(request.user), pk=story_id)
    annotations = _mine(request).filter(story=story).with_thread()
    return _export(
        request,
        annotations,
        name=story.slug[:60],
        title=f"{story.title} — annotations by {request.user.get_username()}",
        collection_id=reverse("story_export", args=[story.pk]),
    )
