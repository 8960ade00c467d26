"""Forms for bringing stories and feeds in. They check what can be checked without the
network; the views run the pipeline and put its errors on the form."""

from __future__ import annotations

import gzip
import io
import re
from pathlib import PurePath
from typing import Any

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile

from .ingest.extract import ExtractionError
from .ingest.pipeline import HTML_SUFFIXES, TEXT_SUFFIXES, decode_input
from .ingest.urls import is_web_url
from .models import REFRESH_MAX, REFRESH_MIN, describe_minutes

_HTML_HINT = re.compile(r"<(!doctype|html|head|body|p|div|article|h[1-6]|br|ul|ol|section)\b", re.I)


def _size_limit_message() -> str:
    return f"This is larger than {settings.INGEST_MAX_BYTES // (1024 * 1024)} MB."


class WebURLField(forms.URLField):
    """An http(s) URL; "example.com/page" is read as https://example.com/page."""

    def __init__(self, **kwargs: object) -> None:
        kwargs.setdefault("max_length", 2000)
        kwargs.setdefault("assume_scheme", "https")
        super().__init__(**kwargs)  # type: ignore[arg-type]

    def clean(self, value: object) -> str:
        url: str = super().clean(value)
        if url and not is_web_url(url):
            raise forms.ValidationError("Give an http:// or https:// address.")
        return url


class _AddForm(forms.Form):
    """One of the Add page's three forms. Each has field ids of its own (id_paste_url…):
    the page holds all three, and a label names its field by an id unique in the page."""

    id_prefix = "add"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", f"id_{self.id_prefix}_%s")
        super().__init__(*args, **kwargs)


class UrlForm(_AddForm):
    id_prefix = "web"
    url = WebURLField(
        label="Page address",
        widget=forms.URLInput(attrs={"placeholder": "https://example.com/news/story"}),
    )


class OptionalUrlMixin(_AddForm):
    url = WebURLField(
        label="Original address (optional)",
        required=False,
        help_text="Where the story lives on the web: your copy links to it, and never "
        "changes the story other readers see there.",
    )


class UploadForm(OptionalUrlMixin):
    id_prefix = "upload"
    file = forms.FileField(
        label="File",
        help_text="A saved web page (.html, .htm, .html.gz) or plain text (.txt).",
        widget=forms.ClearableFileInput(attrs={"accept": ".html,.htm,.xhtml,.gz,.txt,.text,.md"}),
    )
    field_order = ["file", "url"]

    def clean_file(self) -> tuple[str, str, str]:
        """(decoded text, kind, file name)."""
        upload: UploadedFile = self.cleaned_data["file"]
        name = PurePath(upload.name or "upload").name
        lower = name.lower()
        if lower.endswith(HTML_SUFFIXES):
            kind = "html"
        elif lower.endswith(TEXT_SUFFIXES):
            kind = "text"
        else:
            raise forms.ValidationError(
                "Upload a web page (.html, .htm, .html.gz) or a text file (.txt)."
            )
        limit = settings.INGEST_MAX_BYTES
        if upload.size is not None and upload.size > limit:
            raise forms.ValidationError(_size_limit_message())
        raw = upload.read(limit + 1)
        if lower.endswith(".gz"):
            raw = _gunzip(raw, limit)
        if len(raw) > limit:
            raise forms.ValidationError(_size_limit_message())
        try:
            return decode_input(raw, kind), kind, name
        except ExtractionError as exc:
            raise forms.ValidationError(str(exc)) from None


def _gunzip(raw: bytes, limit: int) -> bytes:
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(raw)) as unzipped:
            return unzipped.read(limit + 1)
    except (OSError, EOFError) as exc:
        raise forms.ValidationError(f"Not a valid gzip file ({exc}).") from None


class PasteForm(OptionalUrlMixin):
    id_prefix = "paste"
    FORMATS = [("auto", "Detect"), ("html", "HTML"), ("text", "Plain text")]

    text = forms.CharField(
        label="Text or HTML",
        strip=False,
        widget=forms.Textarea(attrs={"rows": 12, "spellcheck": "false"}),
        help_text="Plain text: the first line is the title. HTML: a page or its article part.",
    )
    format = forms.ChoiceField(choices=FORMATS, initial="auto", widget=forms.RadioSelect)
    field_order = ["text", "format", "url"]

    def clean_text(self) -> str:
        text: str = self.cleaned_data["text"]
        if not text.strip():
            raise forms.ValidationError("Paste some text or HTML.")
        if len(text.encode()) > settings.INGEST_MAX_BYTES:
            raise forms.ValidationError(_size_limit_message())
        try:
            # The same checks as a file (binary junk, undecodable), on the same bytes.
            return decode_input(text.encode(), "text")
        except ExtractionError as exc:
            raise forms.ValidationError(str(exc)) from None

    @property
    def kind(self) -> str:
        chosen = self.cleaned_data.get("format", "auto")
        if chosen in {"html", "text"}:
            return chosen
        return "html" if _HTML_HINT.search(self.cleaned_data.get("text", "")[:5000]) else "text"


class FeedForm(forms.Form):
    url = WebURLField(
        label="Feed or site address",
        widget=forms.URLInput(attrs={"placeholder": "https://example.com/feed.xml"}),
        help_text="RSS, Atom or JSON Feed; or a site's address, if its pages name their feed.",
    )


# What the sources page offers; any whole number of minutes in range is accepted.
REFRESH_OPTIONS = [15, 30, 60, 120, 180, 360, 720, 1440]


class ScheduleForm(forms.Form):
    refresh_minutes = forms.IntegerField(
        label="Fetch every",
        required=False,
        min_value=REFRESH_MIN,
        max_value=REFRESH_MAX,
        help_text="Empty: as often as the feed asks (its <ttl> or sy:updatePeriod), else hourly.",
    )

    @staticmethod
    def options() -> list[tuple[int, str]]:
        return [(minutes, describe_minutes(minutes)) for minutes in REFRESH_OPTIONS]


class OpmlForm(forms.Form):
    file = forms.FileField(
        label="OPML file",
        help_text="An export from another reader: every feed it lists is added.",
        widget=forms.ClearableFileInput(attrs={"accept": ".opml,.xml,text/x-opml,text/xml"}),
    )

    def clean_file(self) -> bytes:
        upload: UploadedFile = self.cleaned_data["file"]
        limit = settings.INGEST_MAX_BYTES
        if upload.size is not None and upload.size > limit:
            raise forms.ValidationError(_size_limit_message())
        return upload.read(limit + 1)[:limit]
