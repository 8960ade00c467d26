"""The W3C Web Annotation Protocol over our annotations.

* ``/api/annotations/`` — the container (an ldp:BasicContainer). GET: an AnnotationPage of
  what the caller may see, newest first, keyset-paged (``next``), filtered by ``story``
  (id), ``target`` (the story's original URL or its page here), ``author`` (username) and
  ``tag``. POST: a new annotation from a W3C annotation whose target has a
  TextQuoteSelector and/or a TextPositionSelector on a story, anchored in the current
  revision (409 when the passage cannot be found); or, with ``motivation: replying`` and
  a target naming an annotation, a reply.
* ``/api/annotations/<id>/`` and ``/api/annotations/replies/<id>/`` — GET, PUT (with
  ``If-Match``: 428 without it, 412 on a stale ETag) and DELETE, by the author only.

Permissions are the pages' own: reading goes through Annotation.objects.visible_to, so what
a page answers 404 is a 404 here, and only the author changes or deletes (403 for others).
Callers authenticate with a personal token (``Authorization: Bearer``, csrf-exempt: a token
is not sent by browsers on their own) or the session, whose unsafe requests must pass CSRF.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import urlencode, urlsplit

from django.db import transaction
from django.db.models import F
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.middleware.csrf import CsrfViewMiddleware
from django.urls import Resolver404, resolve, reverse
from django.utils.dateparse import parse_datetime
from django.views.decorators.csrf import csrf_exempt

from articles.models import Story
from newsreader.ratelimit import ratelimit

from .anchoring import Selectors, describe
from .export import ANNO_CONTEXT, JSONLD, serialize, serialize_reply
from .models import (
    MAX_COMMENT,
    Annotation,
    Colour,
    Reply,
    SelectionError,
    Visibility,
    VisibilityError,
    check_visibility,
    parse_tags,
)
from .tokens import ApiToken

if TYPE_CHECKING:
    from django.contrib.auth.models import User

PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
MAX_BODY = 256 * 1024  # bytes of JSON in a POST or PUT
LDP = "http://www.w3.org/ns/ldp#"
CONTAINER_LINKS = (
    f'<{LDP}BasicContainer>; rel="type", '
    '<http://www.w3.org/TR/annotation-protocol/>; rel="http://www.w3.org/ns/ldp#constrainedBy"'
)
ITEM_LINKS = f'<{LDP}Resource>; rel="type", <http://www.w3.org/ns/oa#Annotation>; rel="type"'
CONTAINER_ALLOW = "GET, POST, HEAD, OPTIONS"
ITEM_ALLOW = "GET, PUT, DELETE, HEAD, OPTIONS"
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


class ApiError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


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
            return limited(request, *args, **kwargs)
        except ApiError as exc:
            return _error(exc.status, exc.message)

    return csrf_exempt(wrapper)


def _absolute(request: HttpRequest) -> Callable[[str], str]:
    return request.build_absolute_uri


def _etag(data: dict[str, Any]) -> str:
    digest = hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()
    return f'"{digest[:32]}"'


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
    if not isinstance(data, dict):
        raise ApiError(400, "The body must be one annotation (a JSON object).")
    return data


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _bodies(data: dict[str, Any]) -> tuple[str, list[str]]:
    """The comment and the tags of an annotation's bodies (TextualBody only)."""
    comments: list[str] = []
    tags: list[str] = []
    for body in _as_list(data.get("body")):
        if isinstance(body, str):
            comments.append(body)
            continue
        if not isinstance(body, dict):
            raise ApiError(400, "A body is a TextualBody object.")
        if body.get("type", "TextualBody") != "TextualBody" or not isinstance(
            body.get("value"), str
        ):
            raise ApiError(400, "Only TextualBody bodies with a string value are supported.")
        if body.get("purpose") == "tagging":
            tags.append(body["value"])
        else:
            comments.append(body["value"])
    comment = "\n\n".join(part.strip() for part in comments if part.strip())
    if len(comment) > MAX_COMMENT:
        raise ApiError(400, f"A comment can have at most {MAX_COMMENT:,} characters.")
    try:
        return comment, parse_tags(tags)
    except ValueError as exc:
        raise ApiError(400, str(exc)) from exc


def _colour(target: dict[str, Any], default: str = Colour.YELLOW) -> str:
    style = target.get("styleClass")
    if style is None:
        return default
    colour = str(style).removeprefix("hl-")
    if colour not in Colour.values:
        choices = ", ".join(f"hl-{value}" for value in Colour.values)
        raise ApiError(400, f"styleClass must be one of {choices}.")
    return colour


def _visibility(data: dict[str, Any], story: Story, default: str = Visibility.PRIVATE) -> str:
    value = data.get("visibility", default)
    if value not in Visibility.values:
        raise ApiError(400, f"visibility must be one of {', '.join(Visibility.values)}.")
    try:
        check_visibility(story, value)
    except VisibilityError as exc:
        raise ApiError(400, str(exc)) from exc
    return str(value)


def _one_target(data: dict[str, Any]) -> Any:
    targets = _as_list(data.get("target"))
    if len(targets) != 1:
        raise ApiError(400, "An annotation needs exactly one target.")
    return targets[0]


def _resolve_path(url: str) -> tuple[str, dict[str, Any]] | None:
    try:
        match = resolve(urlsplit(url).path)
    except Resolver404:
        return None
    return match.url_name or "", match.kwargs


def _story_for(request: HttpRequest, source: str) -> Story:
    """The story a target's source names, among those the caller may see: its original URL
    (their own copy under that URL before the shared story: the text they saved is the
    one they read), or its page here."""
    if not isinstance(source, str) or not source:
        raise ApiError(400, "The target needs a source: the story's URL.")
    stories = Story.objects.visible_to(request.user).select_related("current_revision")
    story = stories.filter(url=source).order_by(F("owner_id").asc(nulls_last=True)).first()
    if story is None:
        found = _resolve_path(source)
        if found and found[0] == "story":
            story = stories.filter(pk=found[1]["story_id"]).first()
    if story is None or story.current_revision is None:
        raise ApiError(404, f"No story here has the source {source!r}.")
    return story


def _selectors(target: dict[str, Any], story: Story) -> Selectors:
    raw = [s for s in _as_list(target.get("selector")) if isinstance(s, dict)]
    revision = story.current_revision
    assert revision is not None
    if any(s.get("type") == "TextQuoteSelector" for s in raw):
        try:
            return Selectors.from_w3c(raw)
        except (TypeError, ValueError) as exc:
            raise ApiError(400, f"Bad selector: {exc}") from exc
    for selector in raw:
        if selector.get("type") == "TextPositionSelector":
            start, end = selector.get("start"), selector.get("end")
            if not isinstance(start, int) or not isinstance(end, int):
                raise ApiError(400, "A TextPositionSelector needs integer start and end.")
            try:
                return describe(revision.body_text, start, end)
            except ValueError as exc:
                raise ApiError(409, f"The position is not in the story's text: {exc}") from exc
    raise ApiError(400, "The target needs a TextQuoteSelector or a TextPositionSelector.")


def _created(data: dict[str, Any]) -> datetime | None:
    value = data.get("created")
    if value is None:
        return None
    when = parse_datetime(value) if isinstance(value, str) else None
    if when is None or when.tzinfo is None:
        raise ApiError(400, "created must be an ISO 8601 date-time with a time zone.")
    return when


# --- Reading


def _visible(request: HttpRequest) -> Any:
    return Annotation.objects.visible_to(request.user).select_related("story", "author", "revision")


def _item_response(request: HttpRequest, annotation: Annotation, status: int = 200) -> HttpResponse:
    data = serialize(annotation, _absolute(request))
    response = _json(data, status)
    response["ETag"] = _etag(data)
    response["Link"] = ITEM_LINKS
    response["Allow"] = ITEM_ALLOW
    if status == 201:
        response["Location"] = data["id"]
    return response


def _reply_response(request: HttpRequest, reply: Reply, status: int = 200) -> HttpResponse:
    data = serialize_reply(reply, _absolute(request))
    response = _json(data, status)
    response["ETag"] = _etag(data)
    response["Link"] = ITEM_LINKS
    response["Allow"] = ITEM_ALLOW
    if status == 201:
        response["Location"] = data["id"]
    return response


def _cursor(value: str | None) -> tuple[datetime, int] | None:
    if not value or "~" not in value:
        return None
    when, _, pk = value.rpartition("~")
    parsed = parse_datetime(when)
    if parsed is None or not pk.isdigit():
        raise ApiError(400, "Bad cursor: use the page's next link.")
    return parsed, int(pk)


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
        found = _resolve_path(target)
        if found and found[0] == "story":
            annotations = annotations.filter(story__in=stories.filter(pk=found[1]["story_id"]))
        else:
            annotations = annotations.filter(story__in=stories.filter(url=target))
    if params.get("author"):
        annotations = annotations.filter(author__username=params["author"])
    if params.get("tag"):
        annotations = annotations.filter(tags__name=params["tag"].lstrip("#").lower())
    return annotations


def _list(request: HttpRequest) -> HttpResponse:
    size = _page_size(request.GET.get("limit"))
    annotations = _filtered(request)
    cursor = _cursor(request.GET.get("before"))
    if cursor is not None:
        annotations = annotations.before(*cursor)
    page = annotations.order_by("-created", "-id")[: size + 1].with_thread(replies=False)
    absolute = _absolute(request)
    container = absolute(reverse("api_annotations"))
    items = [serialize(annotation, absolute) for annotation in page[:size]]
    for item in items:
        item.pop("@context", None)
    data: dict[str, Any] = {
        "@context": ANNO_CONTEXT,
        "id": absolute(request.get_full_path()),
        "type": "AnnotationPage",
        "partOf": {"id": container, "type": "AnnotationCollection"},
        "items": items,
    }
    if len(page) > size:
        last = page[size - 1]
        query = request.GET.copy()
        query["before"] = f"{last.created.isoformat()}~{last.pk}"
        data["next"] = f"{container}?{urlencode(sorted(query.items()))}"
    response = _json(data)
    response["Link"] = CONTAINER_LINKS
    response["Allow"] = CONTAINER_ALLOW
    response["Accept-Post"] = JSONLD
    return response


# --- Writing


def _create(request: HttpRequest) -> HttpResponse:
    user = _signed_in(request)
    data = _read_body(request)
    if data.get("motivation") == "replying":
        return _create_reply(request, user, data)
    target = _one_target(data)
    if not isinstance(target, dict):
        raise ApiError(400, "The target is a SpecificResource with a source and selectors.")
    story = _story_for(request, target.get("source", ""))
    selectors = _selectors(target, story)
    comment, tags = _bodies(data)
    created = _created(data)
    colour, visibility = _colour(target), _visibility(data, story)
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
            )
            if created is not None:
                Annotation.objects.filter(pk=annotation.pk).update(created=created)
    except SelectionError as exc:
        raise ApiError(
            409,
            f"{exc} (the API anchors the TextQuoteSelector in the story's current text: "
            "give the exact words with some prefix and suffix, or a TextPositionSelector).",
        ) from exc
    return _item_response(request, _visible(request).get(pk=annotation.pk), 201)


def _parent(request: HttpRequest, target: Any) -> Annotation:
    url = target.get("id") or target.get("source") if isinstance(target, dict) else target
    found = _resolve_path(str(url or ""))
    if not found or found[0] not in ("api_annotation", "annotation_detail"):
        raise ApiError(400, "A reply's target is the id of the annotation it answers.")
    annotation: Annotation | None = _visible(request).filter(pk=found[1]["annotation_id"]).first()
    if annotation is None:
        raise ApiError(404, "No such annotation.")
    return annotation


def _create_reply(request: HttpRequest, user: User, data: dict[str, Any]) -> HttpResponse:
    parent = _parent(request, _one_target(data))
    comment, _tags = _bodies(data)
    if not comment:
        raise ApiError(400, "A reply needs a TextualBody with its text.")
    reply = Reply(annotation=parent, author=user)
    reply.set_body(comment)
    created = _created(data)
    if created is not None:
        reply.created = created
    reply.save()
    return _reply_response(request, reply, 201)


def _check_etag(request: HttpRequest, current: str) -> None:
    wanted = request.headers.get("If-Match")
    if wanted is None:
        raise ApiError(428, "Send If-Match with the ETag you last read.")
    tags = [tag.strip() for tag in wanted.split(",")]
    if "*" not in tags and current not in tags:
        raise ApiError(412, "The annotation has changed since you read it: GET it again.")


def _update(request: HttpRequest, annotation: Annotation) -> HttpResponse:
    if not annotation.can_edit(request.user):
        raise ApiError(403, "Only the author can change this annotation.")
    _check_etag(request, _etag(serialize(annotation, _absolute(request))))
    data = _read_body(request)
    target = _one_target(data)
    if isinstance(target, dict):
        quotes = [
            s.get("exact")
            for s in _as_list(target.get("selector"))
            if isinstance(s, dict) and s.get("type") == "TextQuoteSelector"
        ]
        if any(q not in (annotation.exact, annotation.original_exact) for q in quotes):
            raise ApiError(409, "The target of an annotation cannot change: create a new one.")
        annotation.colour = _colour(target, annotation.colour)
    comment, tags = _bodies(data)
    annotation.visibility = _visibility(data, annotation.story, annotation.visibility)
    with transaction.atomic():
        annotation.set_comment(comment)
        annotation.save()
        annotation.set_tags(tags)
    return _item_response(request, _visible(request).get(pk=annotation.pk))


# --- Views


@api_view
def container(request: HttpRequest) -> HttpResponse:
    if request.method in ("GET", "HEAD"):
        return _list(request)
    if request.method == "POST":
        return _create(request)
    if request.method == "OPTIONS":
        return _options(CONTAINER_ALLOW, CONTAINER_LINKS)
    return _error(405, "Use GET or POST.", Allow=CONTAINER_ALLOW)


def _options(allow: str, links: str) -> HttpResponse:
    response = HttpResponse(status=204)
    response["Allow"] = allow
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
    if request.method == "DELETE":
        item.delete()
        return HttpResponse(status=204)
    if request.method == "PUT":
        _check_etag(request, _etag(serialize_reply(item, _absolute(request))))
        comment, _tags = _bodies(_read_body(request))
        if not comment:
            raise ApiError(400, "A reply needs a TextualBody with its text.")
        item.set_body(comment)
        item.save()
    return _reply_response(request, item)
