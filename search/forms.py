from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from django import forms
from django.utils import timezone

from annotations.models import Colour
from newsreader.widgets import ListSelect

from .query import SearchQuery, parse

STORIES, HIGHLIGHTS = "stories", "highlights"
KINDS = [(STORIES, "Stories"), (HIGHLIGHTS, "Highlights")]
MAX_QUERY = 200


def _within_calendar(day: date) -> None:
    # date_range adds a day and a time zone: 9999-12-31 would overflow.
    if not date(1900, 1, 1) <= day <= date(2999, 12, 31):
        raise forms.ValidationError("Enter a date between 1900 and 2999.")


class SearchForm(forms.Form):
    """The search box and its filters. Errors are shown beside the field they are about;
    the results then stay empty rather than quietly ignoring what the reader asked for."""

    q = forms.CharField(
        label="Search",
        required=False,
        max_length=MAX_QUERY,
        strip=True,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
        error_messages={"max_length": f"Search for at most {MAX_QUERY} characters."},
    )
    kind = forms.ChoiceField(choices=KINDS, required=False, widget=forms.HiddenInput)
    source = forms.TypedChoiceField(
        label="Source",
        required=False,
        coerce=int,
        empty_value=None,
        choices=[],
        widget=ListSelect,  # every source and (below) every tag of the reader's
    )
    since = forms.DateField(
        label="From",
        required=False,
        widget=forms.DateInput(attrs={"type": "date", "min": "1900-01-01", "max": "2999-12-31"}),
        validators=[_within_calendar],
    )
    until = forms.DateField(
        label="To",
        required=False,
        widget=forms.DateInput(attrs={"type": "date", "min": "1900-01-01", "max": "2999-12-31"}),
        validators=[_within_calendar],
    )
    unread = forms.BooleanField(label="Unread", required=False)
    saved = forms.BooleanField(label="Saved", required=False)
    annotated = forms.BooleanField(label="With my highlights", required=False)
    tag = forms.ChoiceField(label="My tag", required=False, choices=[], widget=ListSelect)
    colour = forms.ChoiceField(
        label="Colour", required=False, choices=[("", "Any colour"), *Colour.choices]
    )

    READER_FIELDS = ("unread", "saved", "annotated", "tag", "colour")

    def __init__(
        self,
        *args: Any,
        sources: list[tuple[int, str]],
        tags: list[str] | None = None,
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        source_field = self.fields["source"]
        tag_field = self.fields["tag"]
        assert isinstance(source_field, forms.ChoiceField)
        assert isinstance(tag_field, forms.ChoiceField)
        source_field.choices = [("", "Any source"), *sources]
        for name, field in self.fields.items():
            # The errors' place is stable, so that htmx can fill it in (see search.html).
            field.widget.attrs.setdefault("aria-describedby", f"errors-{name}")
        if tags is None:
            # A visitor: the filters about one's own reading and highlights do not apply.
            for name in self.READER_FIELDS:
                del self.fields[name]
        else:
            tag_field.choices = [("", "Any tag"), *((name, f"#{name}") for name in tags)]

    def clean_q(self) -> str:
        text: str = self.cleaned_data["q"]
        if text and parse(text).is_empty:
            raise forms.ValidationError("Search for a word or a phrase in quotes.")
        if text and not parse(text).is_searchable:
            raise forms.ValidationError(
                "Add a word to search for: “-word” only leaves stories with that word out."
            )
        return text

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        since, until = data.get("since"), data.get("until")
        if since and until and until < since:
            self.add_error("until", "The end date is before the start date.")
        return data

    @property
    def selected_kind(self) -> str:
        value = self.data.get("kind")
        return value if value in dict(KINDS) else STORIES

    @property
    def query(self) -> SearchQuery:
        return parse(self.cleaned_data.get("q") or "")

    def filtered(self) -> bool:
        """Is anything asked for besides the query?"""
        return any(self.cleaned_data.get(name) for name in self.fields if name not in {"q", "kind"})

    def date_range(self) -> tuple[datetime | None, datetime | None]:
        """[start, end) in the current time zone, whole days, for the date filters."""
        return _day_start(self.cleaned_data.get("since")), _day_start(
            self.cleaned_data.get("until"), days=1
        )


def _day_start(day: date | None, days: int = 0) -> datetime | None:
    if day is None:
        return None
    return datetime.combine(day + timedelta(days=days), time.min, timezone.get_current_timezone())


class HighlightFilterForm(forms.Form):
    """The filters of "My highlights". Invalid values are ignored, not errors."""

    q = forms.CharField(required=False, max_length=200, label="Search")
    colour = forms.ChoiceField(required=False, choices=[("", "Any colour"), *Colour.choices])
    # Every tag the reader used: a long list.
    tag = forms.ChoiceField(required=False, choices=[("", "Any tag")], widget=ListSelect)
    # Not a list of every story the reader annotated (thousands of options on every visit):
    # each highlight links to "only this story", and the form carries that choice along.
    story = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def __init__(self, *args: Any, tags: list[str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        tag_field = self.fields["tag"]
        assert isinstance(tag_field, forms.ChoiceField)
        tag_field.choices = [("", "Any tag"), *((name, name) for name in tags or [])]

    def clean_q(self) -> str:
        text: str = self.cleaned_data["q"]
        if text and not parse(text).is_searchable:
            # Said, not dropped: showing every highlight would answer another question.
            raise forms.ValidationError(
                "Search for a word or a phrase in quotes: “-word” only leaves highlights out."
            )
        return text

    @property
    def query(self) -> SearchQuery:
        """What to search for (nothing when the search box is empty or invalid)."""
        return parse(self.cleaned_data.get("q") or "")

    def filters(self) -> dict[str, Any]:
        """The valid filters; a bad one (a story you never annotated) is dropped."""
        if self.is_valid():
            return self.cleaned_data
        return {name: value for name, value in self.cleaned_data.items() if name not in self.errors}
