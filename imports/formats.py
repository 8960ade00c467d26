"""What other services export, read into one shape: a list of items (a story the reader
kept, its state, tags and highlights), each a plain JSON-able dict so the job can store
its work list and the worker can go through it.

Every reader here parses the whole file before anything is stored, and raises
ImportFileError for a file that is not what it says; an item that is merely incomplete (no
address, a date that does not parse) is kept with what it has.

Formats, from their own exports (fixtures in tests/fixtures/imports/ follow them):

* Pocket CSV (2024–2025): ``title,url,time_added,tags,status``; time_added in Unix
  seconds, tags separated by ``|``, status ``unread`` or ``archive``.
* Pocket HTML (``ril_export.html``): ``<h1>Unread</h1><ul>`` and ``<h1>Read Archive</h1>
  <ul>`` of ``<li><a href time_added tags>`` (tags comma separated).
* Instapaper CSV: ``URL,Title,Selection,Folder,Timestamp``. The selection is a highlight;
  the folders Unread, Archive and Starred are states, any other folder is a tag.
* Omnivore zip (its export handler): ``metadata_<from>_to_<to>.json`` (id, slug, title,
  url, state ``archived``/``active``, readingProgress in percent, labels, savedAt,
  publishedAt), ``content/<slug>.html``, ``highlights/<slug>.md`` (each highlight a
  ``> `` block quote, then ``#label`` words, then the note; highlights separated by
  blank lines).
* Wallabag JSON: a list of entries (url, title, content, tags, is_archived, is_starred,
  created_at, annotations with quote, text and created_at).
* Hypothesis JSON (the profile's export, or the API's rows): annotations with uri, text,
  tags, created, target[].selector, document.title, permissions.read.
* Newsreader's own JSON-LD export (annotations/w3c.py): an AnnotationCollection, or a
  list or page of annotations; replies come back under the annotation they answer.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from datetime import UTC, datetime
from typing import Any

from django.utils.dateparse import parse_datetime
from lxml import html as lxml_html

from annotations import w3c
from annotations.models import Colour, Visibility

from .files import ImportFileError, decode_text, read_zip

Item = dict[str, Any]
Highlight = dict[str, Any]

FORMATS = {
    "pocket-csv": "Pocket (CSV)",
    "pocket-html": "Pocket (ril_export.html)",
    "instapaper": "Instapaper (CSV)",
    "omnivore": "Omnivore (zip)",
    "wallabag": "Wallabag (JSON)",
    "hypothesis": "Hypothesis (JSON)",
    "jsonld": "Newsreader (JSON-LD)",
}
EXPECTED = (
    "Expected a Pocket CSV or ril_export.html, an Instapaper CSV, an Omnivore zip, "
    "a Wallabag or Hypothesis JSON export, or Newsreader's JSON-LD export."
)


def new_item(url: str | None, title: str = "") -> Item:
    return {
        "url": (url or "").strip() or None,
        "title": (title or "").strip(),
        "added": None,
        "read": False,
        "read_at": None,
        "saved": False,
        "progress": None,
        "tags": [],
        "content_html": None,
        "highlights": [],
    }


def new_highlight(quote: str, key: str, **values: Any) -> Highlight:
    return {
        "quote": quote,
        "key": key,
        "comment": values.get("comment", "") or "",
        "tags": list(values.get("tags") or []),
        "created": values.get("created"),
        "selectors": values.get("selectors"),
        "colour": values.get("colour", Colour.YELLOW),
        "visibility": values.get("visibility", Visibility.PRIVATE),
        "replies": list(values.get("replies") or []),
    }


def item_key(fmt: str, *parts: str) -> str:
    """A stable IRI for something the file does not name: the same file gives the same
    key, so an annotation imported twice is found by its ``via``."""
    digest = hashlib.sha256("\x1f".join((fmt, *parts)).encode()).hexdigest()[:32]
    return f"urn:newsreader-import:{fmt}:{digest}"


def _iso(when: datetime | None) -> str | None:
    return when.isoformat() if when else None


def _unix(value: Any) -> str | None:
    try:
        seconds = int(str(value).strip())
    except ValueError:
        return None
    if seconds <= 0:
        return None
    try:
        return _iso(datetime.fromtimestamp(seconds, tz=UTC))
    except (OverflowError, OSError, ValueError):
        return None


def _date(value: Any) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    # Wallabag writes "+0100" offsets; parse_datetime wants "+01:00".
    text = re.sub(r"([+-]\d{2})(\d{2})$", r"\1:\2", text)
    try:
        when = parse_datetime(text)
    except ValueError:
        return None
    if when is None:
        return None
    return _iso(when if when.tzinfo else when.replace(tzinfo=UTC))


# --- Detecting the format -------------------------------------------------------------


def parse(name: str, raw: bytes) -> tuple[str, list[Item]]:
    """(format, items) of an export file, whatever it is; ImportFileError otherwise."""
    if not raw.strip():
        raise ImportFileError("The file is empty.")
    if raw.startswith(b"PK\x03\x04") or raw.startswith(b"PK\x05\x06"):
        return "omnivore", parse_omnivore(read_zip(raw))
    if name.lower().endswith(".zip"):
        raise ImportFileError("This is not a zip file, or it is cut short: download it again.")
    text = decode_text(raw)
    head = text.lstrip()[:1]
    if head in "[{":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ImportFileError(
                f"This JSON file is damaged or cut short (line {exc.lineno}): {exc.msg}."
            ) from exc
        return parse_json(data)
    if head == "<":
        if re.search(r"<h1>\s*(Unread|Read Archive)\s*</h1>", text, re.I):
            return "pocket-html", parse_pocket_html(text)
        raise ImportFileError(f"An HTML file, but not Pocket's ril_export.html. {EXPECTED}")
    return parse_csv(text)


def parse_json(data: Any) -> tuple[str, list[Item]]:
    if isinstance(data, dict) and (
        "@context" in data or data.get("type") in {"AnnotationCollection", "AnnotationPage"}
    ):
        return "jsonld", parse_jsonld(data)
    rows: Any = data
    if isinstance(data, dict):
        rows = data.get("annotations", data.get("rows"))
        if rows is None:
            raise ImportFileError(f"A JSON file, but not an export we know. {EXPECTED}")
    if not isinstance(rows, list):
        raise ImportFileError(f"A JSON file, but not an export we know. {EXPECTED}")
    dicts = [row for row in rows if isinstance(row, dict)]
    if len(dicts) != len(rows):
        raise ImportFileError("The JSON file's list holds something other than entries.")
    if not dicts:
        raise ImportFileError("The export holds nothing to import.")
    first = dicts[0]
    if "@context" in first or first.get("type") == "Annotation":
        return "jsonld", parse_jsonld({"first": {"items": dicts}})
    if "uri" in first and ("target" in first or "text" in first):
        return "hypothesis", parse_hypothesis(dicts)
    if "url" in first and ("is_archived" in first or "content" in first):
        return "wallabag", parse_wallabag(dicts)
    raise ImportFileError(f"A JSON file, but not an export we know. {EXPECTED}")


def parse_csv(text: str) -> tuple[str, list[Item]]:
    try:
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise ImportFileError(f"This CSV file cannot be read: {exc}.") from exc
    if not rows:
        raise ImportFileError("The file is empty.")
    header = [cell.strip().lower() for cell in rows[0]]
    if {"title", "url", "time_added", "status"} <= set(header):
        return "pocket-csv", parse_pocket_csv(header, rows[1:])
    if {"url", "title", "selection", "folder", "timestamp"} <= set(header):
        return "instapaper", parse_instapaper(header, rows[1:])
    raise ImportFileError(f"Not a file we can import. {EXPECTED}")


def _records(header: list[str], rows: list[list[str]]) -> list[dict[str, str]]:
    records = []
    for number, row in enumerate(rows, start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            raise ImportFileError(
                f"Line {number} of the CSV file has {len(row)} columns instead of "
                f"{len(header)}: the file is damaged or cut short."
            )
        records.append(dict(zip(header, row, strict=True)))
    if not records:
        raise ImportFileError("The export holds nothing to import.")
    return records


# --- Pocket ----------------------------------------------------------------------------


def _split_tags(value: str, separators: str) -> list[str]:
    return [t.strip() for t in re.split(f"[{re.escape(separators)}]", value or "") if t.strip()]


def parse_pocket_csv(header: list[str], rows: list[list[str]]) -> list[Item]:
    from .export import uncell

    items = []
    for record in _records(header, rows):
        record = {name: uncell(value) for name, value in record.items()}
        item = new_item(record["url"], record["title"])
        item["added"] = _unix(record["time_added"])
        item["tags"] = _split_tags(record.get("tags", ""), "|")
        archived = record["status"].strip().lower() == "archive"
        item["read"], item["saved"] = archived, not archived
        item["read_at"] = item["added"] if archived else None
        items.append(item)
    return items


def parse_pocket_html(text: str) -> list[Item]:
    try:
        document = lxml_html.fromstring(text)
    except (ValueError, lxml_html.etree.ParserError) as exc:
        raise ImportFileError("This HTML file cannot be read.") from exc
    items = []
    archived = False
    for element in document.iter("h1", "a"):
        if element.tag == "h1":
            archived = "archive" in (element.text_content() or "").lower()
            continue
        href = element.get("href")
        if not href:
            continue
        item = new_item(href, element.text_content())
        item["added"] = _unix(element.get("time_added", ""))
        item["tags"] = _split_tags(element.get("tags", ""), ",")
        item["read"], item["saved"] = archived, not archived
        item["read_at"] = item["added"] if archived else None
        items.append(item)
    if not items:
        raise ImportFileError("The export holds nothing to import.")
    return items


# --- Instapaper -------------------------------------------------------------------------

_INSTAPAPER_STATES = {"unread", "archive", "starred"}


def parse_instapaper(header: list[str], rows: list[list[str]]) -> list[Item]:
    items = []
    for record in _records(header, rows):
        url = record["url"].strip()
        item = new_item(url, record["title"])
        item["added"] = _unix(record["timestamp"])
        folder = record["folder"].strip()
        state = folder.lower()
        item["read"] = state == "archive"
        item["read_at"] = item["added"] if item["read"] else None
        item["saved"] = state != "archive"
        if folder and state not in _INSTAPAPER_STATES:
            item["tags"] = [folder]
        selection = record["selection"].strip()
        if selection:
            key = item_key("instapaper", url, selection)
            item["highlights"].append(new_highlight(selection, key, created=item["added"]))
        items.append(item)
    return items


# --- Omnivore ----------------------------------------------------------------------------

_OMNIVORE_METADATA = re.compile(r"(^|/)metadata_[^/]*\.json$")


def parse_omnivore(members: dict[str, bytes]) -> list[Item]:
    names = sorted(name for name in members if _OMNIVORE_METADATA.search(name))
    if not names:
        raise ImportFileError(
            f"A zip file, but not an Omnivore export (it has no metadata_*.json). {EXPECTED}"
        )
    # Members by their last two path segments ("content/<slug>.html"), wherever the
    # export's folder put them.
    by_name = {"/".join(name.split("/")[-2:]): name for name in members}
    items = []
    for name in names:
        try:
            entries = json.loads(decode_text(members[name], name))
        except json.JSONDecodeError as exc:
            raise ImportFileError(f"{name} in the zip file is damaged: {exc.msg}.") from exc
        if not isinstance(entries, list):
            raise ImportFileError(f"{name} in the zip file is not a list of entries.")
        for entry in entries:
            if not isinstance(entry, dict):
                raise ImportFileError(f"{name} in the zip file holds something else than entries.")
            items.append(_omnivore_item(entry, members, by_name))
    if not items:
        raise ImportFileError("The export holds nothing to import.")
    return items


def _omnivore_item(
    entry: dict[str, Any], members: dict[str, bytes], by_name: dict[str, str]
) -> Item:
    url = entry.get("url") if isinstance(entry.get("url"), str) else None
    item = new_item(url, str(entry.get("title") or ""))
    item["added"] = _date(entry.get("savedAt"))
    archived = str(entry.get("state", "")).lower() == "archived"
    item["read"], item["saved"] = archived, not archived
    item["read_at"] = (_date(entry.get("updatedAt")) or item["added"]) if archived else None
    progress = entry.get("readingProgress")
    if isinstance(progress, int | float) and 0 <= progress <= 100:
        item["progress"] = progress / 100
    labels = entry.get("labels") or []
    item["tags"] = [str(label) for label in labels if isinstance(label, str)]
    slug = str(entry.get("slug") or "")
    content = members.get(by_name.get(f"content/{slug}.html", ""))
    if slug and content:
        item["content_html"] = decode_text(content, f"content/{slug}.html")
    notes = members.get(by_name.get(f"highlights/{slug}.md", ""))
    if slug and notes:
        markdown = decode_text(notes, f"highlights/{slug}.md")
        for quote, labels_, note in parse_omnivore_highlights(markdown):
            key = item_key("omnivore", str(entry.get("id") or slug), quote)
            item["highlights"].append(
                new_highlight(quote, key, comment=note, tags=labels_, created=item["added"])
            )
    return item


_LABELS_LINE = re.compile(r"^(#[^\s#]+)(\s+#[^\s#]+)*$")


def parse_omnivore_highlights(markdown: str) -> list[tuple[str, list[str], str]]:
    """(quote, labels, note) of each highlight in an Omnivore highlights/<slug>.md: a
    block quote ("> " lines; an empty paragraph line inside is "> "), then a line of
    #labels, then the note, until the next block quote."""
    found: list[tuple[list[str], list[str], list[str]]] = []
    in_quote = False
    for line in markdown.splitlines():
        if line.startswith(">"):
            body = line[1:].removeprefix(" ")
            if in_quote:
                found[-1][0].append(body)
            else:
                found.append(([body], [], []))
                in_quote = True
            continue
        in_quote = False
        if not found:
            continue
        _quote, labels, note = found[-1]
        stripped = line.strip()
        if not labels and not note and _LABELS_LINE.match(stripped):
            labels.extend(word.lstrip("#") for word in stripped.split())
        elif stripped or note:
            note.append(line)
    result = []
    for quote_lines, labels, note in found:
        quote = "\n".join(quote_lines).strip()
        # Omnivore links each highlight back to itself: "quote [⤴️](https://omnivore…)".
        quote = re.sub(r"\s*\[[^\]]*\]\(https://omnivore\.app/[^)]*\)\s*$", "", quote).strip()
        if quote:
            result.append((quote, labels, "\n".join(note).strip()))
    return result


# --- Wallabag ----------------------------------------------------------------------------


def _flag(value: Any) -> bool:
    return value in (True, 1, "1", "true")


def parse_wallabag(entries: list[dict[str, Any]]) -> list[Item]:
    items = []
    for entry in entries:
        url = entry.get("url") if isinstance(entry.get("url"), str) else None
        item = new_item(url, str(entry.get("title") or ""))
        item["added"] = _date(entry.get("created_at"))
        archived = _flag(entry.get("is_archived"))
        item["read"] = archived
        item["read_at"] = (_date(entry.get("archived_at")) or item["added"]) if archived else None
        item["saved"] = _flag(entry.get("is_starred")) or not archived
        tags = entry.get("tags") or []
        item["tags"] = [
            str(tag.get("label") if isinstance(tag, dict) else tag)
            for tag in tags
            if isinstance(tag, str | dict)
        ]
        content = entry.get("content")
        if isinstance(content, str) and content.strip():
            item["content_html"] = content
        for note in entry.get("annotations") or []:
            if not isinstance(note, dict) or not isinstance(note.get("quote"), str):
                continue
            quote = note["quote"].strip()
            if not quote:
                continue
            ident = str(note.get("id") or "")
            key = item_key("wallabag", str(entry.get("id") or url), ident or quote)
            item["highlights"].append(
                new_highlight(
                    quote,
                    key,
                    comment=str(note.get("text") or ""),
                    created=_date(note.get("created_at")) or item["added"],
                )
            )
        items.append(item)
    return items


# --- Hypothesis --------------------------------------------------------------------------


def parse_hypothesis(rows: list[dict[str, Any]]) -> list[Item]:
    """One item per annotated page (its title from ``document.title``); each annotation is
    read as the Web Annotation it is (annotations.w3c.from_hypothesis). A page note has no
    passage: the worker keeps it detached, with its comment."""
    titles: dict[str, str] = {}
    annotations = []
    for row in rows:
        uri = row.get("uri")
        if not isinstance(uri, str) or not uri:
            continue
        document = row.get("document")
        names = document.get("title") if isinstance(document, dict) else None
        if uri not in titles and isinstance(names, list) and names:
            titles[uri] = str(names[0] or "")
        annotations.append(w3c.from_hypothesis(row))
    if not annotations:
        raise ImportFileError("The Hypothesis export holds no annotation with a page address.")
    items = _items_of(annotations, "hypothesis")
    for item in items:
        item["title"] = titles.get(item["url"], "")
    return items


# --- Newsreader's JSON-LD ---------------------------------------------------------------


def parse_jsonld(data: dict[str, Any]) -> list[Item]:
    if data.get("type") == "Annotation":
        rows = [data]
    elif data.get("type") == "AnnotationPage":
        rows = list(data.get("items") or [])
    else:
        rows = w3c.iter_collection(data)
    if any(not isinstance(row, dict) for row in rows):
        raise ImportFileError("The JSON-LD file holds something other than annotations.")
    items = _items_of(rows, "jsonld")
    if not items:
        raise ImportFileError("The JSON-LD file holds no annotation.")
    return items


def _items_of(rows: list[dict[str, Any]], fmt: str) -> list[Item]:
    """Web Annotations (annotations.w3c.read_imported), one item per page they are on;
    a reply comes back under the annotation it answers (its target is that one's id)."""
    pages: dict[str, Item] = {}
    by_id: dict[str, Highlight] = {}
    for row in rows:
        if row.get("motivation") == "replying":
            targets = w3c.targets(w3c.as_list(row.get("target")))
            parent = by_id.get(targets[0]) if targets else None
            if parent is not None:
                try:
                    text, _tags = w3c.bodies(row)
                except w3c.W3CError as exc:
                    raise ImportFileError(f"A reply in the file: {exc.message}") from exc
                creator = row.get("creator") or {}
                parent["replies"].append(
                    {
                        "body": text,
                        "created": _date(row.get("created")),
                        "by": creator.get("nickname") if isinstance(creator, dict) else None,
                    }
                )
            continue
        try:
            found = w3c.read_imported(row)
        except w3c.W3CError as exc:
            raise ImportFileError(f"An annotation in the file: {exc.message}") from exc
        item = pages.setdefault(found.source, new_item(found.source, ""))
        item["saved"] = True
        created = _iso(found.created)
        if created and (item["added"] is None or created < item["added"]):
            item["added"] = created
        highlight = new_highlight(
            found.quote,
            found.via or item_key(fmt, found.source, found.quote),
            comment=found.comment,
            tags=found.tags,
            created=created,
            selectors=found.selectors or None,
            colour=found.colour,
            visibility=found.visibility,
        )
        item["highlights"].append(highlight)
        if found.via:
            by_id[found.via] = highlight
    return list(pages.values())
