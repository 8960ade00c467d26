"""The W3C Web Annotation Protocol over our annotations.

* ``/api/annotations/`` — the container: an ldp:BasicContainer and AnnotationCollection of
  what the caller may see, newest first (``total``, ``modified``, ``label``, ``first``,
  ``last``), filtered by ``story`` (id), ``target`` (the story's original URL or its page
  here), ``author`` (username) and ``tag``. The ``Prefer`` header chooses what it embeds
  (PreferContainedDescriptions, the default; PreferContainedIRIs; PreferMinimalContainer:
  no page, links only); the IRI that answered says which (``iris=0|1``, also in
  ``Content-Location``). Its AnnotationPages (``page=0|last``, or a keyset cursor:
  ``before``/``after`` an annotation) carry ``partOf``, ``startIndex``, ``next`` and
  ``prev``. Container and pages have an ETag (and answer If-None-Match with 304).
  POST: a new annotation from a W3C annotation whose target has a TextQuoteSelector
  and/or a TextPositionSelector on a story, anchored in the current revision (409 when
  the passage cannot be found); or, with ``motivation: replying`` and a target naming an
  annotation (here, or the id a restored annotation keeps as ``via``), a reply.
* ``/api/annotations/<id>/`` and ``/api/annotations/replies/<id>/`` — GET, PUT (with
  ``If-Match``: 428 without it, 412 on a stale ETag) and DELETE (412 on a stale
  If-Match), by the author only.

Permissions are the pages' own: reading goes through Annotation.objects.visible_to, so what
a page answers 404 is a 404 here, and only the author changes or deletes (403 for others).
Callers authenticate with a personal token (``Authorization: Bearer``, csrf-exempt: a token
is not sent by browsers on their own) or the session, whose unsafe requests must pass CSRF.
What is written and read as JSON-LD lives in annotations/w3c.py.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import urlencode

from django.db import transaction
from django.db.models import Count, F, Max, Q
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.middleware.csrf import CsrfViewMiddleware
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt

from articles.models import Story
from newsreader import paging
from newsreader.ratelimit import ratelimit

from . import w3c
from .idempotency import MAX_KEY, KeyReused, Once, fingerprint
from .models import (
    Annotation,
    QuoteAmbiguous,
    QuoteNotFound,
    Reply,
    SelectionError,
    VisibilityError,
    check_visibility,
)
from .tokens import ApiToken
from .w3c import JSONLD, Site, W3CError

if TYPE_CHECKING:
    from django.contrib.auth.models import User

PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
MAX_BODY = 256 * 1024  # bytes of JSON in a POST or PUT
LDP = "http://www.w3.org/ns/ldp#"
PREFER_MINIMAL = f"{LDP}PreferMinimalContainer"
PREFER_IRIS = "http://www.w3.org/ns/oa#PreferContainedIRIs"
PREFER_DESCRIPTIONS = "http://www.w3.org/ns/oa#PreferContainedDescriptions"
CONTAINER_LINKS = (
    f'<{LDP}BasicContainer>; rel="type", '
    '<http://www.w3.org/TR/annotation-protocol/>; rel="http://www.w3.org/ns/ldp#constrainedBy"'
)
ITEM_LINKS = f'<{LDP}Resource>; rel="type", <http://www.w3.org/ns/oa#Annotation>; rel="type"'
CONTAINER_ALLOW = "GET, POST, HEAD, OPTIONS"
PAGE_ALLOW = "GET, HEAD, OPTIONS"
ITEM_ALLOW = "GET, PUT, DELETE, HEAD, OPTIONS"
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
FILTERS = ("story", "target", "author", "tag")
PAGING = ("page", "before", "after")


class ApiError(W3CError):
    """A request the API refuses: its status and a message for the client."""


def _json(data: Any, status: int = 200, content_type: str = JSONLD) -> HttpResponse:
    response = HttpResponse(
        json.dumps(data, ensure_ascii=False, indent=2), content_type=content_type, status=status
    )
    # The answer depends on who asks and how they ask.
    response["Vary"] = "Accept, Authorization, Cookie"
    return response


def _error(status: int, message: str, **headers: str) -> HttpResponse:
    response = _json({"error": message}, status, "application/json")
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response


def _unauthorized(message: str, error: str = "") -> HttpResponse:
    challenge = 'Bearer realm="newsreader"' + (f', error="{error}"' if error else "")
    return _error(401, message, WWW_Authenticate=challenge)


View = Callable[..., HttpResponseBase]


def _too_many_requests(request: HttpRequest, retry_after: int) -> HttpResponse:
    return _error(
        429, f"Too many requests: try again in {retry_after} s.", Retry_After=str(retry_after)
    )


def api_view(view: View) -> View:
    """Authentication, CSRF for session writes, rate limit and errors as JSON."""
    limited = ratelimit(
        key="user",
        rate="600/m",
        scope="api",
        method=("GET", "HEAD", "POST", "PUT", "DELETE"),
        refuse=_too_many_requests,
    )(view)

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        header = request.META.get("HTTP_AUTHORIZATION", "")
        if header:
            scheme, _, credential = header.partition(" ")
            token = None
            if scheme.lower() == "bearer":
                token = ApiToken.objects.authenticate(credential.strip())
            if token is None:
                return _unauthorized("The API token is invalid or was revoked.", "invalid_token")
            request.user = token.user
        elif request.method in UNSAFE:
            if not request.user.is_authenticated:
                return _unauthorized("Sign in, or send a token: Authorization: Bearer <token>.")
            # The session is sent by browsers on their own: it must come with the CSRF token.
            refused = CsrfViewMiddleware(view).process_view(request, view, args, kwargs)
            if refused is not None:
                return _error(403, "CSRF check failed: send the X-CSRFToken header.")
        try:
            if any("\x00" in value for value in request.GET.values()):
                raise ApiError(400, "Null characters are not allowed in the query string.")
            return limited(request, *args, **kwargs)
        except W3CError as exc:
            return _error(exc.status, exc.message)

    return csrf_exempt(wrapper)


def _etag(data: dict[str, Any]) -> str:
    digest = hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()
    return f'"{digest[:32]}"'


def _not_modified(request: HttpRequest, etag: str) -> bool:
    wanted = request.headers.get("If-None-Match")
    if wanted is None or request.method not in ("GET", "HEAD"):
        return False
    return "*" in wanted or etag in [tag.strip() for tag in wanted.split(",")]


def _with_etag(request: HttpRequest, data: dict[str, Any], status: int = 200) -> HttpResponse:
    """The representation with its ETag, or 304 when the client has it already."""
    etag = _etag(data)
    if status == 200 and _not_modified(request, etag):
        response = HttpResponse(status=304)
        response["Vary"] = "Accept, Authorization, Cookie"
    else:
        response = _json(data, status)
    response["ETag"] = etag
    return response


def _signed_in(request: HttpRequest) -> User:
    if not request.user.is_authenticated:
        raise ApiError(401, "Sign in, or send a token: Authorization: Bearer <token>.")
    return cast("User", request.user)


def _read_body(request: HttpRequest) -> dict[str, Any]:
    content_type = request.content_type or ""
    if content_type not in ("application/ld+json", "application/json"):
        raise ApiError(415, "Send application/ld+json (or application/json).")
    if len(request.body) > MAX_BODY:
        raise ApiError(413, f"The annotation is larger than {MAX_BODY // 1024} KB.")
    try:
        data = json.loads(request.body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ApiError(400, f"The body is not valid JSON: {exc}") from exc
    except RecursionError as exc:
        raise ApiError(400, "The body is nested too deeply to be an annotation.") from exc
    if not isinstance(data, dict):
        raise ApiError(400, "The body must be one annotation (a JSON object).")
    if _holds_nul(data):
        # A text column on PostgreSQL cannot store one; no field of an annotation needs it.
        raise ApiError(400, "Null characters are not allowed in an annotation.")
    return data


def _holds_nul(data: Any) -> bool:
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def _story_for(request: HttpRequest, source: str) -> Story:
    """The story a target's source names, among those the caller may see: its original URL
    (their own copy under that URL before the shared story: the text they saved is the
    one they read), or its page here."""
    if not isinstance(source, str) or not source:
        raise ApiError(400, "The target needs a source: the story's URL.")
    stories = Story.objects.visible_to(request.user).select_related("current_revision")
    story = stories.filter(url=source).order_by(F("owner_id").asc(nulls_last=True)).first()
    if story is None:
        page = Site.of(request).story_id(source)
        if page is not None:
            story = stories.filter(pk=page).first()
    if story is None or story.current_revision is None:
        raise ApiError(404, f"No story here has the source {source!r}.")
    return story


def _allowed(story: Story, visibility: str) -> str:
    """A visibility the story allows (a reader's own copy: no public highlights)."""
    try:
        check_visibility(story, visibility)
    except VisibilityError as exc:
        raise ApiError(400, str(exc)) from exc
    return visibility


# --- Reading


def _visible(request: HttpRequest) -> Any:
    return Annotation.objects.visible_to(request.user).select_related("story", "author", "revision")


def _item_response(request: HttpRequest, annotation: Annotation, status: int = 200) -> HttpResponse:
    data = w3c.annotation(annotation, Site.of(request))
    response = _with_etag(request, data, status)
    response["Link"] = ITEM_LINKS
    response["Allow"] = ITEM_ALLOW
    if status == 201:
        response["Location"] = data["id"]
    return response


def _reply_response(request: HttpRequest, reply: Reply, status: int = 200) -> HttpResponse:
    data = w3c.reply(reply, Site.of(request))
    response = _with_etag(request, data, status)
    response["Link"] = ITEM_LINKS
    response["Allow"] = ITEM_ALLOW
    if status == 201:
        response["Location"] = data["id"]
    return response


def _cursor(value: str) -> tuple[datetime, int]:
    parsed = paging.parse(value)
    if parsed is None:
        raise ApiError(400, "Bad cursor: use the page's next or prev link.")
    return parsed


def _page_size(value: str | None) -> int:
    if value is None:
        return PAGE_SIZE
    if not value.isdigit() or not 1 <= int(value) <= MAX_PAGE_SIZE:
        raise ApiError(400, f"limit is a number from 1 to {MAX_PAGE_SIZE}.")
    return int(value)


def _filtered(request: HttpRequest) -> Any:
    annotations = _visible(request)
    params = request.GET
    stories = Story.objects.visible_to(request.user)
    if params.get("story"):
        if not params["story"].isdigit():
            raise ApiError(400, "story is a story's id.")
        annotations = annotations.filter(story__in=stories.filter(pk=int(params["story"])))
    if params.get("target"):
        target = params["target"]
        page = Site.of(request).story_id(target)
        if page is not None:
            annotations = annotations.filter(story__in=stories.filter(pk=page))
        else:
            annotations = annotations.filter(story__in=stories.filter(url=target))
    if params.get("author"):
        annotations = annotations.filter(author__username=params["author"])
    if params.get("tag"):
        annotations = annotations.filter(tags__name=params["tag"].lstrip("#").lower())
    return annotations


_PREFER_PARAM = re.compile(r'\s*([\w-]+)\s*(?:=\s*("[^"]*"|[^;,\s]*))?')


def _preferences(request: HttpRequest) -> tuple[set[str], bool]:
    """The IRIs of the Prefer header's include parameter (RFC 7240, LDP 7.2) and whether
    it asked for return=representation."""
    header = request.headers.get("Prefer", "")
    include: set[str] = set()
    representation = False
    for preference in header.split(","):
        params = dict(
            (name.lower(), value.strip('"'))
            for name, value in _PREFER_PARAM.findall(preference)
            if name
        )
        if params.get("return") == "representation":
            representation = True
            include |= set(params.get("include", "").split())
    return include, representation


class Listing:
    """A GET of the container or one of its pages: what it shows and its IRIs."""

    def __init__(self, request: HttpRequest) -> None:
        self.request = request
        self.site = Site.of(request)
        self.size = _page_size(request.GET.get("limit"))
        self.annotations = _filtered(request)
        include, self.representation = _preferences(request)
        if PREFER_IRIS in include and PREFER_DESCRIPTIONS in include:
            raise ApiError(
                400, "Prefer PreferContainedIRIs or PreferContainedDescriptions, not both."
            )
        self.minimal = PREFER_MINIMAL in include
        if PREFER_IRIS in include:
            self.iris = True
        elif PREFER_DESCRIPTIONS in include:
            self.iris = False
        else:
            self.iris = request.GET.get("iris") == "1"
        # The IRIs of the container and its pages keep the filters and the page size, and
        # say whether the pages hold IRIs or whole annotations (Protocol 4.2).
        self.query = {name: request.GET[name] for name in FILTERS if request.GET.get(name)}
        if "limit" in request.GET:
            self.query["limit"] = str(self.size)
        self.query["iris"] = "1" if self.iris else "0"
        stats = self.annotations.aggregate(total=Count("pk"), modified=Max("updated"))
        self.total: int = stats["total"]
        self.modified: datetime | None = stats["modified"]

    def iri(self, **paging: str) -> str:
        query = sorted({**self.query, **paging}.items())
        return f"{self.site.url(reverse('api_annotations'))}?{urlencode(query)}"

    @property
    def label(self) -> str:
        user = self.request.user
        who = f"{user.get_username()} can see" if user.is_authenticated else "anyone can see"
        chosen = [f"{name} {self.query[name]}" for name in FILTERS if name in self.query]
        return f"Annotations {who} on Newsreader" + (f" ({', '.join(chosen)})" if chosen else "")

    def part_of(self) -> dict[str, Any]:
        return w3c.part_of(self.iri(), self.label, self.total, self.modified)

    def _rows(self, ordered: Any, count: int) -> list[tuple[int, datetime, Any]]:
        if self.iris:
            return [
                (pk, created, self.site.annotation(pk))
                for pk, created in ordered.values_list("pk", "created")[:count]
            ]
        return [
            (item.pk, item.created, w3c.annotation(item, self.site, context=False))
            for item in ordered[:count].with_thread(replies=False)
        ]

    def _newer_or_at(self, when: datetime, pk: int) -> int:
        at = Q(created__gt=when) | Q(created=when, pk__gte=pk)
        return int(self.annotations.filter(created__gte=when).filter(at).count())

    def page(
        self, which: str, cursor: tuple[datetime, int] | None, context: bool
    ) -> dict[str, Any]:
        """The first or last page, or the page before or after an annotation."""
        newest_first = self.annotations.order_by("-created", "-id")
        oldest_first = self.annotations.order_by("created", "id")
        more = False
        if which == "first":
            rows = self._rows(newest_first, self.size + 1)
            more, rows, start = len(rows) > self.size, rows[: self.size], 0
            iri = self.iri(page="0")
        elif which == "last":
            count = self.total % self.size or self.size
            rows = self._rows(oldest_first, count)[::-1]
            start, iri = self.total - len(rows), self.iri(page="last")
        elif which == "before":
            assert cursor is not None
            rows = self._rows(newest_first.before(*cursor), self.size + 1)
            more, rows = len(rows) > self.size, rows[: self.size]
            start = self._newer_or_at(*cursor)
            iri = self.iri(before=paging.encode(*cursor))
        else:
            assert cursor is not None
            rows = self._rows(oldest_first.after(*cursor), self.size)[::-1]
            start = self.annotations.after(*cursor).count() - len(rows)
            more = bool(rows) and newest_first.before(rows[-1][1], rows[-1][0]).exists()
            iri = self.iri(after=paging.encode(*cursor))
        next_page = self.iri(before=paging.encode(rows[-1][1], rows[-1][0])) if more else None
        prev_page = None
        if rows and start > 0:
            prev_page = self.iri(after=paging.encode(rows[0][1], rows[0][0]))
        return w3c.page(
            iri=iri,
            part_of=self.part_of(),
            start_index=start,
            items=[item for _pk, _created, item in rows],
            next_page=next_page,
            prev_page=prev_page,
            context=context,
        )

    def container(self) -> dict[str, Any]:
        first: Any = None
        last = None
        if self.total:
            last = self.iri(page="last")
            first = self.iri(page="0") if self.minimal else self.page("first", None, False)
            if isinstance(first, dict):
                first.pop("partOf")  # the page is inside the collection it would name
        return w3c.collection(
            iri=self.iri(),
            label=self.label,
            total=self.total,
            modified=self.modified,
            first=first,
            last=last,
            container=True,
        )


def _list(request: HttpRequest) -> HttpResponse:
    listing = Listing(request)
    params = request.GET
    if not any(name in params for name in PAGING):
        data = listing.container()
        response = _with_etag(request, data)
        response["Link"] = CONTAINER_LINKS
        response["Allow"] = CONTAINER_ALLOW
        response["Accept-Post"] = JSONLD
        response["Content-Location"] = data["id"]
        response["Vary"] = "Accept, Prefer, Authorization, Cookie"
        if listing.representation:
            response["Preference-Applied"] = "return=representation"
        return response
    if "before" in params:
        data = listing.page("before", _cursor(params["before"]), True)
    elif "after" in params:
        data = listing.page("after", _cursor(params["after"]), True)
    elif params["page"] in ("0", "first"):
        data = listing.page("first", None, True)
    elif params["page"] == "last":
        data = listing.page("last", None, True)
    else:
        raise ApiError(400, "page is 0 or last; the other pages are named by next and prev.")
    # A page is not a container (Protocol 4.3): no container type, and nothing to POST.
    response = _with_etag(request, data)
    response["Allow"] = PAGE_ALLOW
    return response


# --- Writing


def _create(request: HttpRequest) -> HttpResponse:
    user = _signed_in(request)
    data = _read_body(request)
    if data.get("motivation") == "replying":
        return _create_reply(request, user, data)
    target = w3c.one_target(data)
    if not isinstance(target, dict):
        raise ApiError(400, "The target is a SpecificResource with a source and selectors.")
    story = _story_for(request, target.get("source", ""))
    assert story.current_revision is not None
    selectors = w3c.target_selectors(target, story.current_revision.body_text)
    comment, tags = w3c.bodies(data)
    created = w3c.created(data)
    colour, visibility = w3c.colour(target), _allowed(story, w3c.visibility(data))
    via, canonical = w3c.copied_from(data)
    try:
        with transaction.atomic():
            annotation = Annotation.objects.create_from_selection(
                story=story,
                author=user,
                revision_id=None,
                selectors=selectors,
                colour=colour,
                comment=comment,
                tags=tags,
                visibility=visibility,
                once=_once(request, data, created),
            )
            if not annotation.repeated:
                kept: dict[str, Any] = {"via": via, "canonical": canonical}
                if created is not None:
                    kept["created"] = created
                Annotation.objects.filter(pk=annotation.pk).update(**kept)
    except QuoteAmbiguous as exc:
        raise ApiError(
            409,
            f"The quote is in the story's current text {len(exc.occurrences)} times, and its "
            "prefix, suffix and position do not say which: give more of the text around it, "
            "or a TextPositionSelector.",
        ) from exc
    except QuoteNotFound as exc:
        raise ApiError(
            409,
            "The quote could not be found in the story's current text: give the exact words "
            "with some prefix and suffix, or a TextPositionSelector.",
        ) from exc
    except SelectionError as exc:
        raise ApiError(409, str(exc)) from exc
    except KeyReused as exc:
        raise ApiError(422, _KEY_REUSED) from exc
    # A repeat is answered as the first request was: 201 and where the annotation is.
    return _item_response(request, _visible(request).get(pk=annotation.pk), 201)


_KEY_REUSED = "This Idempotency-Key came with another request: use a new key for each request."


def _once(request: HttpRequest, data: dict[str, Any], created: datetime | None) -> Once:
    """The Idempotency-Key header (a string, quoted or not) and this request's fingerprint.
    A copy that says when it was made (a restore) is not taken for a double-click."""
    key = request.headers.get("Idempotency-Key", "").strip()
    if key.startswith('"') and key.endswith('"') and len(key) >= 2:
        key = key[1:-1]
    if "Idempotency-Key" in request.headers and not 0 < len(key) <= MAX_KEY:
        raise ApiError(400, f"An Idempotency-Key is 1 to {MAX_KEY} characters.")
    return Once(key=key, fingerprint=fingerprint(data), window=created is None, strict=True)


def _parent(request: HttpRequest, user: User, target: Any) -> Annotation:
    """The annotation a reply answers: one restored from the target's id (its ``via``),
    else the annotation the target names on this site."""
    site = Site.of(request)
    [iri] = w3c.targets([target]) or [""]
    if not iri:
        raise ApiError(400, "A reply's target is the id of the annotation it answers.")
    visible = _visible(request)
    restored = visible.filter(author=user, via=iri).order_by("-pk").first()
    if restored is not None:
        return cast("Annotation", restored)
    found = site.resolve(iri, "api_annotation", "annotation_detail")
    if found is None:
        if site.path_of(iri) is None:
            raise ApiError(404, f"No annotation here was restored from {iri!r}.")
        raise ApiError(400, "A reply's target is the id of the annotation it answers.")
    annotation: Annotation | None = visible.filter(pk=found["annotation_id"]).first()
    if annotation is None:
        raise ApiError(404, "No such annotation.")
    return annotation


def _create_reply(request: HttpRequest, user: User, data: dict[str, Any]) -> HttpResponse:
    parent = _parent(request, user, w3c.one_target(data))
    comment, _tags = w3c.bodies(data)
    if not comment:
        raise ApiError(400, "A reply needs a TextualBody with its text.")
    created = w3c.created(data)
    try:
        reply = Reply.post(
            parent, user, comment, created=created, once=_once(request, data, created)
        )
    except KeyReused as exc:
        raise ApiError(422, _KEY_REUSED) from exc
    return _reply_response(request, reply, 201)


def _check_etag(request: HttpRequest, current: str, *, required: bool = True) -> None:
    wanted = request.headers.get("If-Match")
    if wanted is None:
        if required:
            raise ApiError(428, "Send If-Match with the ETag you last read.")
        return
    tags = [tag.strip() for tag in wanted.split(",")]
    if "*" not in tags and current not in tags:
        raise ApiError(412, "The annotation has changed since you read it: GET it again.")


def _update(request: HttpRequest, annotation: Annotation) -> HttpResponse:
    if not annotation.can_edit(request.user):
        raise ApiError(403, "Only the author can change this annotation.")
    _check_etag(request, _etag(w3c.annotation(annotation, Site.of(request))))
    data = _read_body(request)
    target = w3c.one_target(data)
    if isinstance(target, dict):
        quotes = w3c.quotes(w3c.selector_objects(target))
        if any(q not in (annotation.exact, annotation.original_exact) for q in quotes):
            raise ApiError(409, "The target of an annotation cannot change: create a new one.")
        annotation.colour = w3c.colour(target, annotation.colour)
    # Protocol 5.3: via and canonical, once set, are not the client's to change.
    for name in ("via", "canonical"):
        kept = getattr(annotation, name)
        if kept and name in data and data[name] != kept:
            raise ApiError(409, f"The annotation's {name} cannot change.")
    comment, tags = w3c.bodies(data)
    annotation.visibility = _allowed(annotation.story, w3c.visibility(data, annotation.visibility))
    with transaction.atomic():
        annotation.set_comment(comment)
        annotation.save()
        annotation.set_tags(tags)
    return _item_response(request, _visible(request).get(pk=annotation.pk))


# --- Views


@api_view
def container(request: HttpRequest) -> HttpResponse:
    paged = any(name in request.GET for name in PAGING)
    if request.method in ("GET", "HEAD"):
        return _list(request)
    if request.method == "POST" and not paged:
        return _create(request)
    if request.method == "OPTIONS":
        if paged:
            return _options(PAGE_ALLOW, "")
        return _options(CONTAINER_ALLOW, CONTAINER_LINKS)
    if paged:
        return _error(405, "A page is read only: POST to the container.", Allow=PAGE_ALLOW)
    return _error(405, "Use GET or POST.", Allow=CONTAINER_ALLOW)


def _options(allow: str, links: str) -> HttpResponse:
    response = HttpResponse(status=204)
    response["Allow"] = allow
    if links:
        response["Link"] = links
    if "POST" in allow:
        response["Accept-Post"] = JSONLD
    return response


@api_view
def item(request: HttpRequest, annotation_id: int) -> HttpResponse:
    if request.method == "OPTIONS":
        return _options(ITEM_ALLOW, ITEM_LINKS)
    if request.method not in ("GET", "HEAD", "PUT", "DELETE"):
        return _error(405, "Use GET, PUT or DELETE.", Allow=ITEM_ALLOW)
    if request.method in UNSAFE:
        _signed_in(request)
    found = _visible(request).filter(pk=annotation_id).with_thread(replies=False)
    if not found:
        raise ApiError(404, "No such annotation.")
    item = found[0]
    if request.method == "PUT":
        return _update(request, item)
    if request.method == "DELETE":
        if not item.can_edit(request.user):
            raise ApiError(403, "Only the author can delete this annotation.")
        _check_etag(request, _etag(w3c.annotation(item, Site.of(request))), required=False)
        item.delete()
        return HttpResponse(status=204)
    return _item_response(request, item)


@api_view
def reply(request: HttpRequest, reply_id: int) -> HttpResponse:
    if request.method == "OPTIONS":
        return _options(ITEM_ALLOW, ITEM_LINKS)
    if request.method not in ("GET", "HEAD", "PUT", "DELETE"):
        return _error(405, "Use GET, PUT or DELETE.", Allow=ITEM_ALLOW)
    if request.method in UNSAFE:
        _signed_in(request)
    item = (
        Reply.objects.filter(annotation__in=Annotation.objects.visible_to(request.user))
        .select_related("author")
        .filter(pk=reply_id)
        .first()
    )
    if item is None:
        raise ApiError(404, "No such reply.")
    if request.method in UNSAFE and not item.can_delete(request.user):
        raise ApiError(403, "Only the author can change this reply.")
    current = _etag(w3c.reply(item, Site.of(request)))
    if request.method == "DELETE":
        _check_etag(request, current, required=False)
        item.delete()
        return HttpResponse(status=204)
    if request.method == "PUT":
        _check_etag(request, current)
        comment, _tags = w3c.bodies(_read_body(request))
        if not comment:
            raise ApiError(400, "A reply needs a TextualBody with its text.")
        item.set_body(comment)
        item.save()
    return _reply_response(request, item)
