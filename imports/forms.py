from __future__ import annotations

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile

from .files import MB, ImportFileError, check_size


class ImportForm(forms.Form):
    file = forms.FileField(
        label="Export file",
        help_text=(
            "Pocket (CSV or ril_export.html), Instapaper (CSV), Omnivore (zip), Wallabag or "
            "Hypothesis (JSON), or Newsreader's own JSON-LD export; up to "
            f"{settings.IMPORT_MAX_BYTES // MB} MB."
        ),
        widget=forms.ClearableFileInput(
            attrs={"accept": ".csv,.html,.htm,.zip,.json,.jsonld,text/csv,application/zip"}
        ),
    )
    keep_visibility = forms.BooleanField(
        required=False,
        label="Keep who could see each highlight, as the file says",
        help_text=(
            "Hypothesis and Newsreader exports say it. Unticked, every imported highlight is "
            "private: only you see it."
        ),
    )

    def clean_file(self) -> tuple[str, bytes]:
        upload: UploadedFile = self.cleaned_data["file"]
        try:
            check_size(upload.size or 0)
        except ImportFileError as exc:
            raise forms.ValidationError(str(exc)) from exc
        return upload.name or "upload", upload.read(settings.IMPORT_MAX_BYTES + 1)
