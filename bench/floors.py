"""Same-content floors: the front page and the reading view produced as directly as Python
can — raw SQL, one pass of one flat template, URLs as f-strings — for `make bench-pages`
only (bench/urls.py routes them; the product's URLs never do).

Each must produce the page's HTML (bench.pages compares them after `normalise`: whitespace,
CSRF tokens, nonces and one-time form keys). They take the same request through the same
middleware (session, user, CSRF, CSP) as the page, so a page's time over its floor's is
what its own way of building the HTML costs. Signed-in readers, the first page of All.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.messages import get_messages
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse
from django.middleware.csp import get_nonce
from django.middleware.csrf import get_token
from django.template import engines
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.dateformat import format as format_date
from django_htmx.jinja import htmx_script

from annotations.forms import QuoteForm
from annotations.highlighting import Highlight, draw_highlights
from annotations.idempotency import new_key
from annotations.models import Colour, Visibility
from annotations.templatetags.annotation_tags import ago
from articles.models import WORDS_PER_MINUTE
from newsreader import paging
from reading.models import UserPreferences
from reading.views import PAGE_SIZE

TEMPLATES = Path(__file__).resolve().parent / "templates"
COLOURS = dict(Colour.choices)


@cache
def _template(name: str) -> Any:
    """One template, compiled once: the shared parts are pasted in, not included."""
    source = (TEMPLATES / name).read_text()
    for part in ("head", "nav", "foot", "card"):
        source = source.replace(f"@@{part}@@", (TEMPLATES / f"{part}.html").read_text())
    return engines["django"].from_string(source)


def _statics() -> dict[str, str]:
    """The static files' addresses, once per settings (tests change the storage)."""
    key = (settings.STATIC_URL, str(settings.STORAGES["staticfiles"]["BACKEND"]))
    found = _STATICS.get(key)
    if found is None:
        names = ["favicon.svg", "icons/icon-192.png", "css/app.css", "css/lists.css"]
        names += ["css/reader.css"]
        names += ["js/htmx-safe.js", "js/shortcuts.js", "js/annotate.js", "js/progress.js"]
        found = _STATICS[key] = {
            name.split("/")[-1].replace(".", "_").replace("-", "_"): static(name) for name in names
        }
        found["manifest"] = reverse("manifest")
    return found


_STATICS: dict[tuple[str, str], dict[str, str]] = {}


def _aware(value: Any) -> datetime | None:
    """A timestamp from a raw cursor: SQLite gives naive UTC (or text), PostgreSQL aware."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _slug(title: str) -> str:
    from django.utils.text import slugify

    return slugify(title)[:80] or "story"


def _base(request: HttpRequest) -> dict[str, Any]:
    context: dict[str, Any] = {
        "static": _statics(),
        "csrf": get_token(request),
        "nonce": get_nonce(request),
        "username": request.user.get_username(),
        "html_classes": UserPreferences.for_user(request.user).html_classes,
        "messages": list(get_messages(request)),
    }
    context["htmx"] = htmx_script(version=4, minified=True, extensions="", nonce=context["nonce"])
    return context


def _table(model: str) -> str:
    from django.apps import apps

    return connection.ops.quote_name(apps.get_model(model)._meta.db_table)


def _quote_form() -> tuple[str, str]:
    """The quote form's fields: the same for every story (its one-time key apart)."""
    if "form" not in _FORM:
        form = QuoteForm(initial={"idempotency_key": "KEY"})
        _FORM["form"] = (
            str(form["idempotency_key"]),
            f"<div>{form['quote'].as_field_group()}</div>\n"
            f"<div>{form['colour'].as_field_group()}</div>",
        )
    return _FORM["form"]


_FORM: dict[str, tuple[str, str]] = {}


# --- The front page


def front_page(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        raise Http404("The floors are for a signed-in reader.")
    reader = int(request.user.pk)  # type: ignore[arg-type]
    story, revision, source = (
        _table("articles.Story"),
        _table("articles.StoryRevision"),
        _table("articles.Source"),
    )
    state, annotation = _table("reading.ReadingState"), _table("annotations.Annotation")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT s.id, s.title, s.dek, s.site_name, src.name, s.owner_id, s.sort_date, "  # noqa: S608
            "r.word_count, st.read_at, st.saved_at, st.progress, "
            f"(SELECT COUNT(*) FROM {annotation} a WHERE a.story_id = s.id AND a.author_id = %s) "
            f"FROM {story} s JOIN {revision} r ON r.id = s.current_revision_id "
            f"LEFT JOIN {source} src ON src.id = s.source_id "
            f"LEFT JOIN {state} st ON st.story_id = s.id AND st.user_id = %s "
            "WHERE s.current_revision_id IS NOT NULL AND (s.owner_id IS NULL OR s.owner_id = %s) "
            "ORDER BY s.sort_date DESC, s.id DESC LIMIT %s",
            [reader, reader, reader, PAGE_SIZE + 1],
        )
        rows = cursor.fetchall()
        cursor.execute(
            f"SELECT (SELECT total FROM {_table('reading.ListedStories')} WHERE id = 1), "  # noqa: S608
            f"(SELECT COUNT(*) FROM {story} WHERE owner_id = %s "
            "AND current_revision_id IS NOT NULL), "
            f"(SELECT COUNT(*) FROM {state} WHERE user_id = %s AND read_at IS NOT NULL), "
            f"(SELECT COUNT(*) FROM {state} WHERE user_id = %s AND saved_at IS NOT NULL), "
            f"(SELECT COUNT(DISTINCT story_id) FROM {annotation} WHERE author_id = %s)",
            [reader] * 4,
        )
        shared, copies, read, saved, annotated = cursor.fetchone()
    total = (shared or 0) + copies
    stories = []
    for (
        pk,
        title,
        dek,
        site,
        source_name,
        owner,
        when,
        words,
        read_at,
        saved_at,
        progress,
        mine,
    ) in rows[:PAGE_SIZE]:
        when = timezone.localtime(_aware(when))
        stories.append(
            {
                "pk": pk,
                "title": title,
                "url": f"/stories/{pk}/{_slug(title)}/",
                "own": owner is not None,
                "source": site or source_name or "",
                "iso": when.isoformat(),
                "day": format_date(when, "j M Y"),
                "minutes": max(1, -(-words // WORDS_PER_MINUTE)),
                "progress": round((progress or 0) * 100) if 0.02 < (progress or 0) < 0.98 else None,
                "highlights": mine,
                "dek": dek,
                "read": read_at is not None,
                "saved": saved_at is not None,
            }
        )
    next_query = None
    if len(rows) > PAGE_SIZE:
        last = rows[PAGE_SIZE - 1]
        from urllib.parse import urlencode

        next_query = urlencode({"before": paging.encode(_aware(last[6]), last[0])})  # type: ignore[arg-type]
    context = _base(request) | {
        "stories": stories,
        "next_query": next_query,
        "next": "/",  # the front page's own address, which this stands in for
        "tabs": [
            ("/", "All", total, True),
            ("/?show=unread", "Unread", max(0, total - read), False),
            ("/?show=saved", "Saved", saved, False),
            ("/?show=annotated", "Annotated", annotated, False),
        ],
    }
    return HttpResponse(_template("front.html").render(context))


# --- The reading view


def reading_view(request: HttpRequest, story_id: int) -> HttpResponse:
    if not request.user.is_authenticated:
        raise Http404("The floors are for a signed-in reader.")
    reader = int(request.user.pk)  # type: ignore[arg-type]
    story_t, revision_t, source_t = (
        _table("articles.Story"),
        _table("articles.StoryRevision"),
        _table("articles.Source"),
    )
    state_t, annotation_t = _table("reading.ReadingState"), _table("annotations.Annotation")
    user_t, reply_t = _table("auth.User"), _table("annotations.Reply")
    tag_t = _table("annotations.Tag")
    link_t = connection.ops.quote_name("annotations_annotation_tags")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT s.id, s.title, s.dek, s.byline, s.site_name, src.name, s.owner_id, "  # noqa: S608
            "s.published, s.url, s.language, s.sort_date, r.id, r.word_count, r.page_error, "
            "r.body_html, r.body_text, st.read_at, st.saved_at, st.progress, st.id "
            f"FROM {story_t} s JOIN {revision_t} r ON r.id = s.current_revision_id "
            f"LEFT JOIN {source_t} src ON src.id = s.source_id "
            f"LEFT JOIN {state_t} st ON st.story_id = s.id AND st.user_id = %s "
            "WHERE s.id = %s AND (s.owner_id IS NULL OR s.owner_id = %s)",
            [reader, story_id, reader],
        )
        row = cursor.fetchone()
        if row is None:
            raise Http404("No such story.")
        (pk, title, dek, byline, site, source_name, owner, published, url, language, sort_date) = (
            row[:11]
        )
        (revision, words, page_error, body_html, body_text) = row[11:16]
        read_at, saved_at, progress, _state = row[16:]
        if read_at is None:
            now = timezone.now()
            cursor.execute(
                f"INSERT INTO {state_t} (user_id, story_id, read_at, saved_at, progress, updated) "  # noqa: S608
                "VALUES (%s, %s, %s, NULL, 0, %s) ON CONFLICT (user_id, story_id) "
                "DO UPDATE SET read_at = %s, updated = %s",
                [reader, pk, *[connection.ops.adapt_datetimefield_value(now)] * 4],
            )
        visible = "(a.visibility = %s OR a.author_id = %s)"
        cursor.execute(
            "SELECT a.id, a.colour, a.anchor_state, a.revision_id, a.exact, a.original_exact, "  # noqa: S608
            "a.start, a.end, a.comment, a.comment_html, a.visibility, a.created, a.author_id, "
            f"u.username FROM {annotation_t} a JOIN {user_t} u ON u.id = a.author_id "
            f"WHERE a.story_id = %s AND {visible} ORDER BY a.start, a.end DESC, a.id",
            [pk, Visibility.PUBLIC, reader],
        )
        annotations = cursor.fetchall()
        cursor.execute(
            f"SELECT l.annotation_id, t.name FROM {link_t} l JOIN {tag_t} t ON t.id = l.tag_id "  # noqa: S608
            f"JOIN {annotation_t} a ON a.id = l.annotation_id "
            f"WHERE a.story_id = %s AND {visible} ORDER BY t.name",
            [pk, Visibility.PUBLIC, reader],
        )
        tags: dict[int, list[str]] = {}
        for annotation_id, name in cursor.fetchall():
            tags.setdefault(annotation_id, []).append(name)
        cursor.execute(
            "SELECT p.annotation_id, p.id, p.body_html, p.created, p.author_id, u.username "  # noqa: S608
            f"FROM {reply_t} p JOIN {user_t} u ON u.id = p.author_id "
            f"JOIN {annotation_t} a ON a.id = p.annotation_id "
            f"WHERE a.story_id = %s AND {visible} ORDER BY p.created, p.id",
            [pk, Visibility.PUBLIC, reader],
        )
        replies: dict[int, list[dict[str, Any]]] = {}
        for annotation_id, reply_id, reply_html, created, author_id, username in cursor.fetchall():
            created = _aware(created)
            replies.setdefault(annotation_id, []).append(
                {
                    "pk": reply_id,
                    "html": reply_html,
                    "author": username,
                    "own": author_id == reader,
                    "iso": timezone.localtime(created).isoformat(),
                    "ago": ago(created),
                }
            )
        sort_date = connection.ops.adapt_datetimefield_value(_aware(sort_date))
        listed = (
            f"FROM {story_t} WHERE current_revision_id IS NOT NULL "
            "AND (owner_id IS NULL OR owner_id = %s) "
        )
        cursor.execute(
            f"SELECT * FROM (SELECT 0, id, title {listed}AND sort_date >= %s "  # noqa: S608
            "AND (sort_date > %s OR id > %s) ORDER BY sort_date, id LIMIT 1) newer "
            f"UNION ALL SELECT * FROM (SELECT 1, id, title {listed}AND sort_date <= %s "
            "AND (sort_date < %s OR id < %s) ORDER BY sort_date DESC, id DESC LIMIT 1) older",
            [reader, sort_date, sort_date, pk, reader, sort_date, sort_date, pk],
        )
        neighbours = {side: (other, other_title) for side, other, other_title in cursor.fetchall()}

    story_url = f"/stories/{pk}/{_slug(title)}/"
    anchored, detached = [], []
    for (
        a_pk,
        colour,
        anchor_state,
        a_revision,
        exact,
        original,
        start,
        end,
        comment,
        comment_html,
        visibility,
        created,
        author_id,
        username,
    ) in annotations:
        created = _aware(created)
        is_detached = anchor_state == "orphaned"
        own = author_id == reader
        shown = original if is_detached else exact
        label = " ".join(shown.split())
        if len(label) > 40:
            label = label[:39].rstrip() + "…"
        card = {
            "pk": a_pk,
            "colour": colour,
            "colour_label": COLOURS.get(colour, colour),
            "detached": is_detached,
            "quote": _truncate(shown),
            "original": _truncate(original),
            "changed": anchor_state == "changed",
            "own": own,
            "author": username,
            "comment_html": comment_html,
            "iso": timezone.localtime(created).isoformat(),
            "ago": ago(created),
            "created": created,
            "private": visibility == Visibility.PRIVATE,
            "link_only": visibility == Visibility.LINK,
            "tags": tags.get(a_pk, []),
            "replies": replies.get(a_pk, []),
            "share_menu": own or not is_detached,
            "thread_label": f"Replies to “{label}” (highlight {a_pk})",
        }
        if not is_detached and a_revision == revision:
            card["highlight"] = Highlight(a_pk, start, end, colour, emphasized=bool(comment))
            anchored.append(card)
        else:
            detached.append(card)
    detached.sort(key=lambda card: (card["created"], card["pk"]))
    key_field, quote_fields = _quote_form()
    colours = list(Colour.choices)
    published = _aware(published)
    context = _base(request) | {
        "story": {
            "pk": pk,
            "title": title,
            "dek": dek,
            "dek_200": _truncate(dek, 200),
            "byline": byline,
            "url": url,
            "language": language,
            "own": owner is not None,
            "source": site or source_name or "",
            "published_iso": timezone.localtime(published).isoformat() if published else "",
            "published_day": format_date(timezone.localtime(published), "j F Y")
            if published
            else "",
            "minutes": max(1, -(-words // WORDS_PER_MINUTE)),
            "page_error": page_error,
            "saved": saved_at is not None,
        },
        "story_url": story_url,
        "canonical": f"{request.scheme}://{request.get_host()}{story_url}",
        "progress": f"{progress or 0:.4f}",
        "revision": revision,
        "body_html": draw_highlights(
            body_html, [card["highlight"] for card in anchored], body_text=body_text
        ),
        "annotations": anchored,
        "detached": detached,
        "count": len(anchored) + len(detached),
        "colours": colours,
        "visibilities": [
            choice for choice in Visibility.choices if not owner or choice[0] != Visibility.PUBLIC
        ],
        "key_field": _KEY.sub(f'value="{new_key()}"', key_field),
        "quote_fields": quote_fields,
        "idempotency_key": new_key(),
        "next": story_url,
        "newer": _neighbour(neighbours.get(0)),
        "older": _neighbour(neighbours.get(1)),
    }
    return HttpResponse(_template("story.html").render(context))


_KEY = re.compile(r'value="KEY"')


def _neighbour(found: tuple[int, str] | None) -> dict[str, Any] | None:
    if found is None:
        return None
    return {"title": found[1], "url": f"/stories/{found[0]}/{_slug(found[1])}/"}


def _truncate(text: str, length: int = 400) -> str:
    """Django's truncatechars."""
    return text if len(text) <= length else text[: length - 1] + "…"


# --- Comparing a page with its floor

_VOLATILE = [
    (re.compile(r'(name="csrfmiddlewaretoken" value=")[^"]*"'), r'\1CSRF"'),
    (re.compile(r'("X-CSRFToken":")[^"]*"'), r'\1CSRF"'),
    (re.compile(r'( nonce=")[^"]*"'), r'\1NONCE"'),
    (re.compile(r'(name="idempotency_key"[^>]*? value=")[^"]*"'), r'\1KEY"'),
    (re.compile(r'(name="idempotency_key" value=")[^"]*"'), r'\1KEY"'),
    (re.compile(r"\s+"), " "),
    (re.compile(r" ?([<>]) ?"), r"\1"),
]


def normalise(html: str) -> str:
    """What two renderings of a page share: whitespace collapsed (and dropped next to
    tags), CSRF tokens, nonces and one-time form keys replaced by placeholders."""
    for pattern, replacement in _VOLATILE:
        html = pattern.sub(replacement, html)
    return html


def first_difference(page: str, floor: str, context: int = 120) -> str | None:
    """None when the two are the same HTML; else where they part."""
    a, b = normalise(page), normalise(floor)
    if a == b:
        return None
    at = next(
        (i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b))
    )
    around = slice(max(0, at - context), at + context)
    return f"page: …{a[around]}…\nfloor: …{b[around]}…"
