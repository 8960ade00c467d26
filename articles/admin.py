from django.contrib import admin

from .models import Source, Story, StoryRevision


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin[Source]):
    list_display = ("name", "site_url", "feed_url", "created")
    search_fields = ("name", "site_url", "feed_url")


class RevisionInline(admin.TabularInline[StoryRevision, Story]):
    model = StoryRevision
    fields = ("number", "title", "word_count", "origin", "origin_detail", "created")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(Story)
class StoryAdmin(admin.ModelAdmin[Story]):
    list_display = ("title", "site_name", "published", "created")
    list_select_related = ("source",)
    search_fields = ("title", "url", "byline")
    list_filter = ("source",)
    date_hierarchy = "sort_date"
    raw_id_fields = ("current_revision", "source")
    inlines = [RevisionInline]


@admin.register(StoryRevision)
class StoryRevisionAdmin(admin.ModelAdmin[StoryRevision]):
    """Revisions are history: readable here, never edited."""

    list_display = ("story", "number", "origin", "word_count", "created")
    list_select_related = ("story",)
    raw_id_fields = ("story",)

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False
