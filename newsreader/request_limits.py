"""How big a request body may be, enforced before a byte of it is read.

A body over its limit is refused by its Content-Length in `RequestSizeMiddleware`, before
any view, CSRF check or upload handler touches `request.POST`: nothing is read, parsed,
kept in memory or spooled to a temporary file. The limit is `UPLOAD_MAX_BYTES` (16 MB)
for the forms that take files or pasted text (`LARGE_BODY_VIEWS`) and `REQUEST_MAX_BYTES`
(1 MB) for everything else — a log-in form or an API call has no business being larger
(staff in the admin, who edit whole stories, get the larger one).
Under WSGI the Content-Length is binding (Django reads no further than it says), and a
body without one reads as empty, so the header is the whole truth.

`CappedUploadHandler` comes first among the upload handlers: it refuses a multipart body
over the limit again (for a request that did not pass through the middleware) and keeps
count of the file bytes it passes on, so no later handler can receive more than the limit.
Uploads within it stay in memory (`FILE_UPLOAD_MAX_MEMORY_SIZE` is the same 16 MB), so
nothing a client sends is written to disk.

The answer is the app's own, DEBUG on or off (Django would show its 400 page for
`RequestDataTooBig`): the API gets JSON `413`, htmx the message as a fragment (swapped
where the form was, with a way back), a plain form post a whole page saying the limit.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.core.files.uploadhandler import FileUploadHandler
from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

# The forms that take a file or a long paste; every other path takes REQUEST_MAX_BYTES.
# (A page saved from the reader's browser is a whole rendered DOM, as big as an upload.)
LARGE_BODY_VIEWS = ("add_upload", "add_paste", "sources_import", "save_page")
# An import file may be IMPORT_MAX_BYTES itself: the multipart framing around it is extra.
_MULTIPART_ALLOWANCE = 64 * 1024


@cache
def _large_body_paths() -> frozenset[str]:
    return frozenset(reverse(name) for name in LARGE_BODY_VIEWS)


@cache
def _import_path() -> str:
    return reverse("import")


def body_limit(request: HttpRequest) -> int:
    """The largest body `request`'s path accepts, in bytes."""
    if request.path_info == _import_path() and _signed_in(request):
        # Only a signed-in reader's import may be larger than memory (and spool to disk).
        return int(settings.IMPORT_MAX_BYTES) + _MULTIPART_ALLOWANCE
    if request.path_info in _large_body_paths() or _staff_in_admin(request):
        return int(settings.UPLOAD_MAX_BYTES)
    return int(settings.REQUEST_MAX_BYTES)


def _signed_in(request: HttpRequest) -> bool:
    user = getattr(request, "user", None)
    return user is not None and bool(user.is_authenticated)


def _staff_in_admin(request: HttpRequest) -> bool:
    # Staff edit stories (up to INGEST_MAX_BYTES of text) in the admin; its log-in page,
    # like every anonymous request, keeps the small limit.
    user = getattr(request, "user", None)
    return request.path_info.startswith("/admin/") and user is not None and bool(user.is_staff)


def _declared_length(request: HttpRequest) -> int:
    try:
        return max(0, int(request.META.get("CONTENT_LENGTH") or 0))
    except ValueError:
        return 0


def _megabytes(size: int, digits: int = 2) -> str:
    return f"{round(size / (1024 * 1024), digits):g} MB"


def too_large(request: HttpRequest, limit: int) -> HttpResponse:
    """413 in the form the client reads: JSON for the API, a fragment for htmx, a page."""
    if request.path_info.startswith("/api/"):
        message = f"The request body is larger than the {_megabytes(limit)} the API accepts."
        return JsonResponse({"error": message}, status=413)
    size = _declared_length(request)
    if request.path_info == _import_path() and _signed_in(request):
        # The reader chose a file, not a body: name the file limit the import form names.
        most = int(settings.IMPORT_MAX_BYTES)
        message = f"An import file may be at most {_megabytes(most)}."
        if size > limit:
            message = f"This is {_megabytes(size, 1)}; {message[0].lower()}{message[1:]}"
    elif size > limit:
        message = (
            f"This is {_megabytes(size, 1)}, larger than the {_megabytes(limit)} this form accepts."
        )
    else:
        message = f"This is larger than the {_megabytes(limit)} this form accepts."
    context = {"message": message, "back": _way_back(request)}
    template = "413.html#message" if getattr(request, "htmx", False) else "413.html"
    return render(request, template, context, status=413)


def _way_back(request: HttpRequest) -> str:
    """The page the form was on, if it is one of ours, else the front page."""
    parts = urlsplit(request.headers.get("Referer", ""))
    back = parts.path + (f"?{parts.query}" if parts.query else "")
    host = request.get_host()
    if parts.netloc == host and url_has_allowed_host_and_scheme(back, allowed_hosts={host}):
        return back
    return reverse("home")


class RequestSizeMiddleware:
    """Refuse a body over its limit before it is read (see the module docstring)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        limit = body_limit(request)
        if _declared_length(request) > limit:
            return too_large(request, limit)
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        # A view reading a body Django's own limit refuses: the same answer, never its page.
        if isinstance(exception, RequestDataTooBig):
            django_limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE or body_limit(request)
            return too_large(request, min(body_limit(request), django_limit))
        return None


class CappedUploadHandler(FileUploadHandler):
    """First upload handler: no multipart body or file over the request's limit gets
    past it to the handlers that keep (or spool) the bytes."""

    def handle_raw_input(
        self,
        input_data: Any,
        META: dict[str, Any],
        content_length: int,
        boundary: str,
        encoding: str | None = None,
    ) -> None:
        self.limit = body_limit(self.request) if self.request is not None else 0
        self.received = 0
        if content_length > self.limit:
            raise RequestDataTooBig(f"The body is larger than {self.limit} bytes.")

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.received += len(raw_data)
        if self.received > self.limit:
            raise RequestDataTooBig(f"The files are larger than {self.limit} bytes.")
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None
