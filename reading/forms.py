from __future__ import annotations

from django import forms

from .models import UserPreferences


class PreferencesForm(forms.ModelForm[UserPreferences]):
    class Meta:
        model = UserPreferences
        fields = ["theme", "text_size"]
        labels = {"theme": "Theme", "text_size": "Text size"}
        widgets = {"theme": forms.RadioSelect, "text_size": forms.RadioSelect}
