from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.utils.safestring import SafeString, mark_safe

from newsreader.sanitizer import check_comment

from .anchoring import CONTEXT, Selectors
from .idempotency import MAX_KEY, Once, fingerprint, new_key
from .models import (
    MAX_COMMENT,
    MAX_QUOTE,
    OWN_COPY_NOT_PUBLIC,
    Annotation,
    Colour,
    Visibility,
    parse_tags,
    visibility_choices,
)

if TYPE_CHECKING:
    from articles.models import Story


def _limit_visibility(field: forms.Field, story: Story) -> None:
    """Offer the visibilities the story allows (none public on a reader's own copy), and
    say why when another is sent."""
    assert isinstance(field, forms.ChoiceField)
    field.choices = visibility_choices(story)
    if story.is_own_copy:
        field.error_messages["invalid_choice"] = OWN_COPY_NOT_PUBLIC


class TagsField(forms.CharField):
    """Comma-separated tag names in, a list of normalized names out."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", 1000)
        kwargs.setdefault("help_text", "Separate tags with commas.")
        super().__init__(**kwargs)

    def clean(self, value: Any) -> list[str]:  # type: ignore[override]
        text = super().clean(value)
        try:
            return parse_tags(text or "")
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from exc

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list | tuple):
            return ", ".join(str(item) for item in value)
        return value


def _showable(source: str) -> None:
    try:
        check_comment(source)
    except ValueError as exc:
        raise forms.ValidationError(str(exc)) from exc


def _comment_field() -> forms.CharField:
    return forms.CharField(
        required=False,
        max_length=MAX_COMMENT,
        validators=[_showable],
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Markdown: *emphasis*, **strong**, `code`, [links](https://…), lists.",
    )


def _key_field() -> forms.CharField:
    # A new key each time the form is shown: the same form sent twice is one request.
    return forms.CharField(
        required=False, max_length=MAX_KEY, initial=new_key, widget=forms.HiddenInput
    )


class CreateOnce(forms.Form):
    """A form that creates something, once however often it is sent (see idempotency)."""

    idempotency_key = _key_field()

    def once(self) -> Once:
        data = {k: v for k, v in self.cleaned_data.items() if k != "idempotency_key"}
        return Once(
            key=self.cleaned_data.get("idempotency_key") or "", fingerprint=fingerprint(data)
        )


class AnnotationCreateForm(CreateOnce):
    """What the selection toolbar posts: W3C selectors plus the annotation's fields."""

    revision = forms.IntegerField(min_value=1, required=False)
    # strip=False: the quote must match the story text character for character.
    exact = forms.CharField(
        strip=False,
        max_length=MAX_QUOTE,
        error_messages={
            "required": "Select some text in the story first.",
            "max_length": f"That selection is too long to highlight (at most {MAX_QUOTE:,} "
            "characters).",
        },
    )
    # The form metaclass moves fields out of the class, so this does not shadow Form.prefix.
    prefix = forms.CharField(  # type: ignore[assignment]
        strip=False, required=False, max_length=CONTEXT * 2
    )
    suffix = forms.CharField(strip=False, required=False, max_length=CONTEXT * 2)
    start = forms.IntegerField(min_value=0)
    end = forms.IntegerField(min_value=0)
    colour = forms.ChoiceField(choices=Colour.choices)
    comment = _comment_field()
    tags = TagsField()
    visibility = forms.ChoiceField(
        choices=Visibility.choices, required=False, initial=Visibility.PRIVATE
    )

    def __init__(self, *args: Any, story: Story, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _limit_visibility(self.fields["visibility"], story)

    def clean_visibility(self) -> str:
        return self.cleaned_data.get("visibility") or Visibility.PRIVATE

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if start is not None and end is not None and start >= end:
            raise forms.ValidationError("Select some text in the story first.")
        return data

    def selectors(self) -> Selectors:
        data = self.cleaned_data
        return Selectors(
            exact=data["exact"],
            prefix=data.get("prefix") or "",
            suffix=data.get("suffix") or "",
            start=data["start"],
            end=data["end"],
        )

    def annotation_fields(self) -> dict[str, Any]:
        """Annotation.objects.create_from_selection's arguments, from a valid form."""
        data = self.cleaned_data
        return {
            "revision_id": data["revision"],
            "selectors": self.selectors(),
            **{name: data[name] for name in ("colour", "comment", "tags", "visibility")},
            "once": self.once(),
        }


_KEY_STAND_IN = "quote-form-key-stand-in"
_BLANK_QUOTE_FORM: str | None = None


class QuoteForm(CreateOnce):
    """Highlight a quote the reader types or pastes: no selection needed (no script, or
    no way to select text). The server finds it in the story (models.locate_quote)."""

    quote = forms.CharField(
        label="Words from the story",
        max_length=MAX_QUOTE,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Exactly as in the story, long enough to occur only once.",
        error_messages={
            "required": "Type or paste the words to highlight.",
            "max_length": f"That quote is too long to highlight (at most {MAX_QUOTE:,} "
            "characters).",
        },
    )
    colour = forms.ChoiceField(choices=Colour.choices, initial=Colour.YELLOW)
    # Which of the places the words are in, when they are in several: "<n>:<revision>",
    # the n-th place (from 1) in the revision the reader chose in.
    occurrence = forms.RegexField(regex=r"^[1-9][0-9]{0,5}:[1-9][0-9]{0,18}$", required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Not to clash with the selection toolbar's fields on the same page.
        self.auto_id = "id_quote_%s"

    @classmethod
    def blank_html(cls) -> SafeString:
        """The unfilled form's fields as HTML, rendered once per process (a story page shows
        it every time) with a new one-time key each time."""
        global _BLANK_QUOTE_FORM
        if _BLANK_QUOTE_FORM is None:
            form = cls(initial={"idempotency_key": _KEY_STAND_IN})
            _BLANK_QUOTE_FORM = (
                f"{form['idempotency_key']}"
                f"<div>{form['quote'].as_field_group()}</div>\n"
                f"<div>{form['colour'].as_field_group()}</div>"
            )
        # Only the key changes; the stand-in is an attribute value nothing else renders.
        return mark_safe(_BLANK_QUOTE_FORM.replace(_KEY_STAND_IN, new_key()))

    def annotation_fields(self) -> dict[str, Any]:
        """Annotation.objects.create_from_selection's arguments, from a valid form."""
        fields: dict[str, Any] = {
            "quote": self.cleaned_data["quote"],
            "colour": self.cleaned_data["colour"],
            "once": self.once(),
        }
        if self.cleaned_data.get("occurrence"):
            occurrence, revision = self.cleaned_data["occurrence"].split(":")
            fields |= {"occurrence": int(occurrence), "revision_id": int(revision)}
        return fields


class AttachForm(forms.Form):
    """The words a detached annotation's author attaches it to again (by hand)."""

    quote = forms.CharField(
        label="Words from the story",
        max_length=MAX_QUOTE,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Copy them from the story as they are now.",
        error_messages={
            "required": "Type or paste the words to attach it to.",
            "max_length": f"That quote is too long (at most {MAX_QUOTE:,} characters).",
        },
    )
    # As QuoteForm's: "<n>:<revision>" when the words are in several places.
    occurrence = forms.RegexField(regex=r"^[1-9][0-9]{0,5}:[1-9][0-9]{0,18}$", required=False)

    def __init__(self, *args: Any, annotation_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.auto_id = f"id_attach_{annotation_id}_%s"  # many cards on one page

    def place(self, revision_id: int | None) -> int | None:
        """The chosen place, if it was chosen in this revision."""
        if not self.cleaned_data.get("occurrence"):
            return None
        occurrence, revision = self.cleaned_data["occurrence"].split(":")
        return int(occurrence) if int(revision) == revision_id else None


class AnnotationEditForm(forms.ModelForm[Annotation]):
    tags = TagsField()
    comment = _comment_field()

    class Meta:
        model = Annotation
        fields = ["colour", "comment", "visibility"]
        widgets = {"colour": forms.RadioSelect}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk and not self.is_bound:
            self.initial["tags"] = self.instance.tag_names()
        # The field ids must be unique among the many cards of a story page.
        self.auto_id = f"id_annotation_{self.instance.pk}_%s"
        _limit_visibility(self.fields["visibility"], self.instance.story)

    def save(self, commit: bool = True) -> Annotation:
        annotation = super().save(commit=False)
        annotation.set_comment(self.cleaned_data["comment"])
        annotation.save()
        annotation.set_tags(self.cleaned_data["tags"])
        return annotation


class ReplyForm(CreateOnce):
    body = forms.CharField(
        label="Reply",
        max_length=MAX_COMMENT,
        validators=[_showable],
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Write something to reply."},
    )

    def __init__(self, *args: Any, annotation_id: int | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if annotation_id is not None:
            self.auto_id = f"id_reply_{annotation_id}_%s"
