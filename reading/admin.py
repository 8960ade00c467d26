from django.contrib import admin

from .models import ReadingState, UserPreferences


@admin.register(ReadingState)
class ReadingStateAdmin(admin.ModelAdmin[ReadingState]):
    list_display = ("user", "story", "read_at", "saved_at", "progress", "updated")
    list_select_related = ("user", "story")
    list_filter = ("user",)
    raw_id_fields = ("user", "story")


@admin.register(UserPreferences)
class UserPreferencesAdmin(admin.ModelAdmin[UserPreferences]):
    list_display = ("user", "theme", "text_size", "updated")
    list_select_related = ("user",)
