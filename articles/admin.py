from django.contrib import admin

from .models import FeedEntry, Source, Story, StoryRevision


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin[Source]):
    list_display = ("name", "site_url", "feed_url", "refresh_minutes", "next_fetch", "created")
    search_fields = ("name", "site_url", "feed_url")

    def save_model(self, request, obj, form, change):  # type: ignore[no-untyped-def]
        super().save_model(request, obj, form, change)
        if change and "refresh_minutes" in form.changed_data:
            # As on the sources page: the next fetch follows the new interval.
            obj.set_refresh_minutes(obj.refresh_minutes)


@admin.register(FeedEntry)
class FeedEntryAdmin(admin.ModelAdmin[FeedEntry]):
    """What the feeds delivered and what became of it: for finding out why an item did
    not turn into a story. The refresh tasks own these rows, so they are read-only."""

    list_display = ("__str__", "source", "story", "pending", "short_error", "published", "updated")
    list_select_related = ("source", "story")
    list_filter = ("pending", ("error", admin.EmptyFieldListFilter), "source")
    search_fields = ("title", "link", "guid", "error", "source__name")
    date_hierarchy = "first_seen"
    ordering = ("-updated", "-pk")
    show_full_result_count = False

    @admin.display(description="error")
    def short_error(self, entry: FeedEntry) -> str:
        return entry.error if len(entry.error) <= 80 else entry.error[:79] + "…"

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


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
    """Every story, readers' own copies included (owner: whose copy; empty: shared)."""

    list_display = ("title", "site_name", "owner", "published", "created")
    list_select_related = ("source", "owner")
    search_fields = ("title", "url", "byline")
    list_filter = (("owner", admin.EmptyFieldListFilter), "source")
    date_hierarchy = "sort_date"
    raw_id_fields = ("current_revision", "source", "owner")
    inlines = [RevisionInline]


@admin.register(StoryRevision)
class StoryRevisionAdmin(admin.ModelAdmin[StoryRevision]):
    """Revisions are history: readable here, never edited."""

    list_display = ("story", "number", "origin", "word_count", "created")
    list_select_related = ("story",)
    raw_id_fields = ("story",)

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False
