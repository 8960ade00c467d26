"""Exports of a reader's annotations: Markdown, and W3C Web Annotation JSON-LD.

Both are downloads (Content-Disposition: attachment) of the reader's own annotations, on
one story or all of them, private ones included: it is their data, and so are the threads
under them (replies by anyone, as the reader sees them on the page). The JSON-LD is the
AnnotationCollection of annotations/w3c.py (its pages embedded, each annotation followed by
its replies); POSTing its items to /api/annotations/ in order restores them, replies
included (a reply's target is the exported id, which the restored annotation keeps as
``via``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from itertools import groupby
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

from . import w3c
from .models import Annotation
from .w3c import JSONLD, Site

EXPORT_PAGE_SIZE = 200
# What would make a story's title into Markdown inside the heading's link text.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]<>#|!])")


def _markdown_text(text: str) -> str:
    """Plain text that a Markdown reader shows as it is (a title like "C[++] *and* me")."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", " ".join(text.split()))


def _quote_block(text: str) -> str:
    lines = text.strip().splitlines() or [""]
    return "\n".join(f"> {line}".rstrip() for line in lines)


def markdown(annotations: Sequence[Annotation], absolute: Callable[[str], str], title: str) -> str:
    """Grouped by story: its title and links, then each passage as a block quote with the
    comment, tags and a link back to the annotation in the story."""
    out = [
        f"# {_markdown_text(title)}",
        "",
        f"Exported from Newsreader on {timezone.now():%Y-%m-%d}.",
        "",
    ]
    for _story_id, group in groupby(annotations, key=lambda a: a.story_id):
        items = list(group)
        story = items[0].story
        out += [f"## [{_markdown_text(story.title)}]({absolute(story.get_absolute_url())})", ""]
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
            if original := annotation.original_passage_url():
                # A text-fragment link: browsers that support it scroll the publisher's
                # page to the passage and mark it (note apps keep the way back).
                meta.append(f"[in the original](<{original}>)")
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
    site = Site.of(request)
    absolute: Callable[[str], str] = site.url
    if request.GET.get("format") == "jsonld":
        iri = absolute(f"{collection_id}?format=jsonld")
        data = w3c.export(annotations, site, iri, title, EXPORT_PAGE_SIZE)
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
