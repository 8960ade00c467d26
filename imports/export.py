"""The reader's library as Pocket's CSV (``title,url,time_added,tags,status``), the format
every read-it-later service imports, and ours too.

A cell a spreadsheet would take for a formula (one starting with =, +, -, @, a tab or a
carriage return: a title such as ``=HYPERLINK("http://evil.test", "Click")``) is written
with a leading apostrophe, which spreadsheets show as text; our import takes the
apostrophe off again."""

from __future__ import annotations

import csv
import io

from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import HttpResponse
from django.views.decorators.http import require_GET

from newsreader.http import HtmxHttpRequest
from reading.models import ReadingState

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def cell(value: str) -> str:
    return f"'{value}" if value.startswith(FORMULA_START) else value


def uncell(value: str) -> str:
    """A cell as written by cell(), or by another exporter following the same advice."""
    return value[1:] if value.startswith("'") and value[1:].startswith(FORMULA_START) else value


def library_csv(user_id: int) -> str:
    """Every story the reader saved or read that has an address, newest first."""
    states = ReadingState.objects.filter(user_id=user_id).filter(
        Q(saved_at__isnull=False) | Q(read_at__isnull=False)
    )
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["title", "url", "time_added", "tags", "status"])
    rows = (
        states.select_related("story")
        .prefetch_related("tags")
        .filter(story__url__isnull=False)
        .order_by("-saved_at", "-pk")
    )
    for state in rows:
        story = state.story
        added = state.saved_at or state.read_at
        writer.writerow(
            [
                cell(story.title),
                cell(story.url or ""),
                str(int(added.timestamp())) if added else "",
                cell("|".join(sorted(tag.name for tag in state.tags.all()))),
                "unread" if state.saved_at and not state.read_at else "archive",
            ]
        )
    return out.getvalue()


@login_required
@require_GET
def export_library(request: HtmxHttpRequest) -> HttpResponse:
    assert request.user.pk is not None
    response = HttpResponse(library_csv(request.user.pk), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="newsreader-library.csv"'
    return response
