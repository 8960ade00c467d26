from django.contrib import admin

from .models import ImportJob


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    """Imports, to see what a reader's import did (read-only: the worker writes them)."""

    list_display = ["file_name", "user", "format", "status", "done", "total", "created"]
    list_filter = ["format", "status"]
    search_fields = ["file_name", "user__username"]
    exclude = ["items"]
    readonly_fields = [
        f.name for f in ImportJob._meta.get_fields() if f.concrete and f.name != "items"
    ]

    def has_add_permission(self, request: object) -> bool:
        return False
