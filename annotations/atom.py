"""An Atom feed of a reader's public highlights (and of those with one tag): subscribe to
a person's reading. Each entry is the quote, the comment as HTML (rendered once and
sanitized when it was written: Annotation.comment_html) and a link to the highlight on
the story's page. Only public annotations: link-only and private ones are never listed,
here as anywhere else; public ones are only ever on shared stories."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import escape
from django.views.decorators.http import require_GET

from newsreader.http import HtmxHttpRequest

from .models import Annotation, Visibility, parse_tags
from .w3c import Site

ENTRIES = 50


@require_GET
def public_highlights(request: HtmxHttpRequest, username: str, tag: str = "") -> HttpResponse:
    author = get_object_or_404(get_user_model(), username=username, is_active=True)
    site = Site.of(request)
    annotations = (
        Annotation.objects.filter(author=author, visibility=Visibility.PUBLIC)
        .select_related("story")
        .order_by("-created", "-pk")
    )
    if tag:
        names = parse_tags([tag])
        if not names:
            raise Http404("No such tag.")
        tag = names[0]
        annotations = annotations.filter(tags__name=tag)
    here = site.url(request.path)
    title = f"Highlights by {author.get_username()}" + (f", tagged {tag}" if tag else "")
    feed = Atom1Feed(
        title=title,
        link=site.url(reverse("my_highlights")),
        feed_url=here,
        description=title,
        feed_guid=here,
        language="en",
    )
    for annotation in annotations[:ENTRIES].with_thread(replies=False):
        permalink = site.url(f"{annotation.story.get_absolute_url()}#hl-{annotation.pk}")
        quote = annotation.original_exact if annotation.is_detached else annotation.exact
        content = f"<blockquote><p>{escape(quote)}</p></blockquote>{annotation.comment_html}"
        content += f'<p><a href="{escape(permalink)}">{escape(annotation.story.title)}</a></p>'
        feed.add_item(
            title=f"{annotation.story.title}: “{quote[:80]}{'…' if len(quote) > 80 else ''}”",
            link=permalink,
            description=content,
            unique_id=site.annotation(annotation.pk),
            pubdate=annotation.created,
            updateddate=annotation.updated,
            author_name=author.get_username(),
            categories=annotation.tag_names(),
        )
    response = HttpResponse(content_type="application/atom+xml; charset=utf-8")
    feed.write(response, "utf-8")
    return response
