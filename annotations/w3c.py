"""The W3C Web Annotation model and protocol, written and read in one place.

Everything Newsreader says in Web Annotation JSON-LD is built here: an annotation, its
target and selectors, a reply (an annotation whose target is another), the collections and
pages of the API's container and of the JSON-LD export. What the API and the imports read
back (selectors, bodies, colour, visibility, dates, the ids kept in ``via``, the story a
target's source names) is parsed here too, so the export, the API and the imports cannot
drift apart and an export is always something the API and the import take back.

IRIs are absolute and built from the site's root (``Site``), never from the address of
the request being answered: "/stories/12/…" joined to "…/api/annotations/" is a broken
link, and every one of them must answer.

Specifications: the Web Annotation Data Model (https://www.w3.org/TR/annotation-model/)
and Protocol (https://www.w3.org/TR/annotation-protocol/), both W3C Recommendations of
23 February 2017.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import pairwise
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from django.urls import Resolver404, resolve, reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from newsreader.sanitizer import check_comment

from .anchoring import Selectors, describe
from .models import MAX_COMMENT, Colour, Visibility, parse_tags

if TYPE_CHECKING:
    from django.http import HttpRequest

    from .models import Annotation, Reply

ANNO_CONTEXT = "http://www.w3.org/ns/anno.jsonld"
LDP_CONTEXT = "http://www.w3.org/ns/ldp.jsonld"
JSONLD = f'application/ld+json; profile="{ANNO_CONTEXT}"'
MAX_IRI = 2000


class W3CError(Exception):
    """What a client sent cannot be taken: the HTTP status and a message for them."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


@dataclass(frozen=True)
class Site:
    """The site's root ("https://reader.example"): every IRI is this plus a path."""

    root: str

    @classmethod
    def of(cls, request: HttpRequest) -> Site:
        return cls(request.build_absolute_uri("/").rstrip("/"))

    def url(self, path: str) -> str:
        if not path.startswith("/"):
            raise ValueError(f"A path from the site's root, not {path!r}.")
        return self.root + path

    def path_of(self, iri: str) -> str | None:
        """The path of an IRI on this site, None for another site's."""
        parts, root = urlsplit(iri), urlsplit(self.root)
        if (parts.scheme, parts.netloc) != (root.scheme, root.netloc):
            return None
        return parts.path

    def resolve(self, iri: str, *names: str) -> dict[str, Any] | None:
        """The URL arguments of an IRI on this site that names one of the views `names`,
        None for another site's or another view's."""
        path = self.path_of(iri)
        if not path:
            return None
        try:
            match = resolve(path)
        except Resolver404:
            return None
        return match.kwargs if (match.url_name or "") in names else None

    def story_id(self, iri: str) -> int | None:
        """The story whose page here an IRI is (what a target's ``state.cached`` names,
        and its ``source`` for a story with no address of its own)."""
        found = self.resolve(iri, "story", "story_short")
        return None if found is None else int(found["story_id"])

    def annotation(self, pk: int) -> str:
        return self.url(reverse("api_annotation", args=[pk]))

    def reply(self, pk: int) -> str:
        return self.url(reverse("api_reply", args=[pk]))


def _person(user: Any) -> dict[str, str]:
    return {"type": "Person", "nickname": user.get_username()}


# --- Selectors: where in the story's text a passage is

QUOTE = "TextQuoteSelector"
POSITION = "TextPositionSelector"
_TEXT_SELECTORS = (QUOTE, POSITION)


def selectors(found: Selectors) -> list[dict[str, Any]]:
    """A passage as a target's selectors: its quote with the words around it, and its
    position in the text (the revision the target's TimeState names)."""
    return [
        {"type": QUOTE, "exact": found.exact, "prefix": found.prefix, "suffix": found.suffix},
        {"type": POSITION, "start": found.start, "end": found.end},
    ]


def selector_objects(target: Any) -> list[dict[str, Any]]:
    """A target's selectors (one or a list); what is not an object is not one."""
    if not isinstance(target, dict):
        return []
    return [s for s in as_list(target.get("selector")) if isinstance(s, dict)]


def quotes(raw: Iterable[Mapping[str, Any]]) -> list[Any]:
    """The ``exact`` of each TextQuoteSelector, as sent."""
    return [selector.get("exact") for selector in raw if selector.get("type") == QUOTE]


def read_selectors(raw: Iterable[Mapping[str, Any]]) -> Selectors:
    """The inverse of selectors(): a TextQuoteSelector is required (ValueError without one,
    ValueError or TypeError for a position that is not a number); a missing
    TextPositionSelector becomes start = end = -1."""
    quote: Mapping[str, Any] | None = None
    position: Mapping[str, Any] | None = None
    for selector in raw:
        if selector.get("type") == QUOTE:
            quote = selector
        elif selector.get("type") == POSITION:
            position = selector
    if quote is None or not isinstance(quote.get("exact"), str):
        raise ValueError("A TextQuoteSelector with an exact quote is required.")
    start, end = -1, -1
    if position is not None:
        start, end = int(position.get("start", -1)), int(position.get("end", -1))
    return Selectors(
        exact=quote["exact"],
        prefix=str(quote.get("prefix", "")),
        suffix=str(quote.get("suffix", "")),
        start=start,
        end=end,
    )


def target_selectors(target: dict[str, Any], text: str) -> Selectors:
    """The passage a posted target names in the story's text: its TextQuoteSelector (a
    TextPositionSelector beside it says which of several places), else its
    TextPositionSelector alone (the quote is read from the text: 409 if it is not in it)."""
    raw = selector_objects(target)
    if any(s.get("type") == QUOTE for s in raw):
        try:
            return read_selectors(raw)
        except (TypeError, ValueError, OverflowError) as exc:
            raise W3CError(400, f"Bad selector: {exc}") from exc
    for selector in raw:
        if selector.get("type") == POSITION:
            start, end = selector.get("start"), selector.get("end")
            if not isinstance(start, int) or not isinstance(end, int):
                raise W3CError(400, "A TextPositionSelector needs integer start and end.")
            try:
                return describe(text, start, end)
            except ValueError as exc:
                raise W3CError(409, f"The position is not in the story's text: {exc}") from exc
    raise W3CError(400, "The target needs a TextQuoteSelector or a TextPositionSelector.")


# --- Writing


def annotation(item: Annotation, site: Site, *, context: bool = True) -> dict[str, Any]:
    """An annotation as the Web Annotation model has it, plus what this app needs to give
    it back as it was: its visibility. The target's source is the story's original URL
    when it has one, else its page here; the TimeState says which text the selectors
    apply to (the revision they point into, by the time it was stored)."""
    story_page = site.url(item.story_url)
    body: list[dict[str, Any]] = []
    if item.comment:
        body.append(
            {
                "type": "TextualBody",
                "value": item.comment,
                "format": "text/markdown",
                "purpose": "commenting",
            }
        )
    body.extend(
        {"type": "TextualBody", "value": name, "purpose": "tagging"} for name in item.tag_names()
    )
    data: dict[str, Any] = {"@context": ANNO_CONTEXT} if context else {}
    data |= {
        "id": site.annotation(item.pk),
        "type": "Annotation",
        "motivation": "commenting" if item.comment else "highlighting",
        "created": item.created.isoformat(),
        "modified": item.updated.isoformat(),
        "creator": _person(item.author),
    }
    if item.via:
        data["via"] = item.via
    if item.canonical:
        data["canonical"] = item.canonical
    if body:
        data["body"] = body
    data["target"] = {
        "type": "SpecificResource",
        "source": item.story.url or story_page,
        "styleClass": f"hl-{item.colour}",
        "state": {
            "type": "TimeState",
            "sourceDate": item.revision.created.isoformat(),
            "cached": story_page,
        },
        "selector": selectors(item.selectors),
    }
    data["visibility"] = item.visibility
    return data


def reply(item: Reply, site: Site, *, context: bool = True) -> dict[str, Any]:
    """A reply as the model has it: an annotation replying to the annotation it answers."""
    data: dict[str, Any] = {"@context": ANNO_CONTEXT} if context else {}
    return data | {
        "id": site.reply(item.pk),
        "type": "Annotation",
        "motivation": "replying",
        "created": item.created.isoformat(),
        "modified": item.updated.isoformat(),
        "creator": _person(item.author),
        "body": {"type": "TextualBody", "value": item.body, "format": "text/markdown"},
        "target": site.annotation(item.annotation_id),
    }


def page(
    *,
    iri: str,
    part_of: dict[str, Any],
    start_index: int,
    items: Sequence[Any],
    next_page: Any = None,
    prev_page: str | None = None,
    context: bool = True,
) -> dict[str, Any]:
    """An AnnotationPage: part of a collection (partOf, with its total and modified),
    the zero-based position of its first item, the next and previous pages."""
    data: dict[str, Any] = {"@context": ANNO_CONTEXT} if context else {}
    data |= {"id": iri, "type": "AnnotationPage", "partOf": part_of, "startIndex": start_index}
    if next_page is not None:
        data["next"] = next_page
    if prev_page is not None:
        data["prev"] = prev_page
    data["items"] = list(items)
    return data


def collection(
    *,
    iri: str,
    label: str,
    total: int,
    modified: datetime | None,
    first: Any = None,
    last: str | None = None,
    container: bool = False,
) -> dict[str, Any]:
    """An AnnotationCollection; as the API's container it is an ldp:BasicContainer too,
    described with both contexts (Protocol 4.1, 4.2)."""
    data: dict[str, Any] = {
        "@context": [ANNO_CONTEXT, LDP_CONTEXT] if container else ANNO_CONTEXT,
        "id": iri,
        "type": ["BasicContainer", "AnnotationCollection"] if container else "AnnotationCollection",
        "label": label,
        "total": total,
    }
    if modified is not None:
        data["modified"] = modified.isoformat()
    if first is not None:
        data["first"] = first
    if last is not None:
        data["last"] = last
    return data


def part_of(iri: str, label: str, total: int, modified: datetime | None) -> dict[str, Any]:
    """What a page says about its collection (Protocol 4.3: its total and modified)."""
    data: dict[str, Any] = {"id": iri, "type": "AnnotationCollection", "label": label}
    data["total"] = total
    if modified is not None:
        data["modified"] = modified.isoformat()
    return data


def export(
    annotations: Sequence[Annotation], site: Site, iri: str, label: str, page_size: int
) -> dict[str, Any]:
    """One file with everything: a collection whose pages are embedded one inside the
    other ("first", then each page's "next"; "last" and "prev" name pages by their IRI),
    so a client that follows the protocol's paging reads it unchanged. Each annotation is
    followed by its replies, which restore after it (their target is its id, which the
    restored annotation keeps as ``via``)."""
    items: list[dict[str, Any]] = []
    modified: datetime | None = None
    for item in annotations:
        items.append(annotation(item, site, context=False))
        items.extend(reply(answer, site, context=False) for answer in item.thread)
        for when in (item.updated, *(answer.updated for answer in item.thread)):
            modified = when if modified is None else max(modified, when)
    about = part_of(iri, label, len(items), modified)
    starts = range(0, len(items), page_size)
    pages = [
        page(
            iri=f"{iri}#page-{number}",
            part_of=about,
            start_index=start,
            items=items[start : start + page_size],
            prev_page=f"{iri}#page-{number - 1}" if number > 1 else None,
            context=False,
        )
        for number, start in enumerate(starts, start=1)
    ]
    for earlier, later in pairwise(pages):
        earlier["next"] = later
    return collection(
        iri=iri,
        label=label,
        total=len(items),
        modified=modified,
        first=pages[0] if pages else None,
        last=pages[-1]["id"] if pages else None,
    )


def iter_collection(data: dict[str, Any]) -> list[dict[str, Any]]:
    """The items of a collection whose pages are embedded, page after page."""
    items: list[dict[str, Any]] = []
    current = data.get("first")
    while isinstance(current, dict):
        items.extend(current.get("items", []))
        current = current.get("next")
    return items


# --- Reading what a client sent


def as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def one_target(data: dict[str, Any]) -> Any:
    targets = as_list(data.get("target"))
    if len(targets) != 1:
        raise W3CError(400, "An annotation needs exactly one target.")
    return targets[0]


def bodies(data: dict[str, Any]) -> tuple[str, list[str]]:
    """The comment and the tags of an annotation's bodies (TextualBody only; bodyValue is
    a comment too)."""
    comments: list[str] = []
    tags: list[str] = []
    if isinstance(data.get("bodyValue"), str):
        comments.append(data["bodyValue"])
    for body in as_list(data.get("body")):
        if isinstance(body, str):
            comments.append(body)
            continue
        if not isinstance(body, dict):
            raise W3CError(400, "A body is a TextualBody object.")
        if body.get("type", "TextualBody") != "TextualBody" or not isinstance(
            body.get("value"), str
        ):
            raise W3CError(400, "Only TextualBody bodies with a string value are supported.")
        if body.get("purpose") == "tagging":
            tags.append(body["value"])
        else:
            comments.append(body["value"])
    comment = "\n\n".join(part.strip() for part in comments if part.strip())
    if len(comment) > MAX_COMMENT:
        raise W3CError(400, f"A comment can have at most {MAX_COMMENT:,} characters.")
    try:
        check_comment(comment)
        return comment, parse_tags(tags)
    except ValueError as exc:
        raise W3CError(400, str(exc)) from exc


def colour(target: dict[str, Any], default: str = Colour.YELLOW) -> str:
    style = target.get("styleClass")
    if style is None:
        return default
    value = str(style).removeprefix("hl-")
    if value not in Colour.values:
        choices = ", ".join(f"hl-{choice}" for choice in Colour.values)
        raise W3CError(400, f"styleClass must be one of {choices}.")
    return value


def visibility(data: dict[str, Any], default: str = Visibility.PRIVATE) -> str:
    value = data.get("visibility", default)
    if value not in Visibility.values:
        raise W3CError(400, f"visibility must be one of {', '.join(Visibility.values)}.")
    return str(value)


def created(data: dict[str, Any]) -> datetime | None:
    value = data.get("created")
    if value is None:
        return None
    when = parse_datetime(value) if isinstance(value, str) else None
    if when is None or when.tzinfo is None:
        raise W3CError(400, "created must be an ISO 8601 date-time with a time zone.")
    # A restore brings its past dates; a future one would pin an annotation on top of every
    # newest-first list until that day comes, so it is now.
    return min(when, timezone.now())


def _iri(value: Any, name: str) -> str:
    if value is None or value == "":
        return ""
    if not isinstance(value, str) or len(value) > MAX_IRI or not urlsplit(value).scheme:
        raise W3CError(400, f"{name} must be an absolute IRI of at most {MAX_IRI} characters.")
    return value


def copied_from(data: dict[str, Any]) -> tuple[str, str]:
    """(via, canonical) of a posted annotation. The server gives it its own id; the id it
    came with is kept as ``via`` (Protocol 5.1: "it SHOULD be copied to the via
    property"), and a ``canonical`` IRI is kept as it is."""
    return _iri(data.get("id") or data.get("via"), "id"), _iri(data.get("canonical"), "canonical")


def targets(iris: Iterable[Any]) -> list[str]:
    """The IRIs a reply's target may be given as: a string, or an object's id/source."""
    found = []
    for value in iris:
        iri = value.get("id") or value.get("source") if isinstance(value, dict) else value
        if isinstance(iri, str) and iri:
            found.append(iri)
    return found


# --- Reading annotations from elsewhere (imports/)


HYPOTHESIS_ANNOTATION = "https://hypothes.is/a/"


def from_hypothesis(row: dict[str, Any]) -> dict[str, Any]:
    """A Hypothesis annotation (its API's and its export's JSON) as the Web Annotation it
    is: Hypothesis keeps the model's target/selector shape, and says the rest its own way
    (``text`` the comment, ``tags``, ``uri`` the page, ``permissions.read`` containing
    ``group:__world__`` when public, ``id`` whose page is https://hypothes.is/a/<id>).
    A comment longer than ours and tags beyond ours are cut, not refused: it is the
    reader's own note, and the rest of the export must not fail for it."""
    body: list[dict[str, Any]] = []
    text = row.get("text")
    if isinstance(text, str) and text.strip():
        body.append({"type": "TextualBody", "value": text[:MAX_COMMENT], "purpose": "commenting"})
    tags = [t for t in row.get("tags") or [] if isinstance(t, str) and t.strip()]
    body.extend({"type": "TextualBody", "value": t, "purpose": "tagging"} for t in tags[:20])
    found: list[dict[str, Any]] = []
    for target in as_list(row.get("target")):
        found.extend(selector_objects(target))
    permissions = row.get("permissions")
    readers = permissions.get("read") if isinstance(permissions, dict) else None
    data: dict[str, Any] = {
        "type": "Annotation",
        "body": body,
        "target": {
            "source": row.get("uri"),
            "selector": [s for s in found if s.get("type") in _TEXT_SELECTORS],
        },
        "visibility": (
            Visibility.PUBLIC
            if isinstance(readers, list) and "group:__world__" in readers
            else Visibility.PRIVATE
        ),
    }
    if isinstance(row.get("id"), str) and row["id"]:
        data["id"] = HYPOTHESIS_ANNOTATION + row["id"]
    if isinstance(row.get("created"), str):
        data["created"] = row["created"]
    return data


@dataclass(frozen=True)
class Imported:
    """What an import keeps of one Web Annotation (W3CError if it is not one)."""

    source: str
    selectors: list[dict[str, Any]]
    quote: str
    comment: str
    tags: list[str]
    colour: str
    visibility: str
    created: datetime | None
    via: str


def read_imported(data: dict[str, Any]) -> Imported:
    target = one_target(data)
    if not isinstance(target, dict) or not isinstance(target.get("source"), str):
        raise W3CError(400, "An annotation's target needs a source: the page's address.")
    raw = selector_objects(target)
    exact = quotes(raw)
    comment, tags = bodies(data)
    via, _canonical = copied_from(data)
    return Imported(
        source=target["source"],
        selectors=raw,
        quote=str(exact[0]) if exact else "",
        comment=comment,
        tags=tags,
        colour=colour(target),
        visibility=visibility(data),
        created=created(data),
        via=via,
    )
