from django.contrib import admin

from .models import Annotation, Reply, Tag


class ReplyInline(admin.TabularInline[Reply, Annotation]):
    model = Reply
    fields = ("author", "body", "created")
    readonly_fields = ("created",)
    raw_id_fields = ("author",)
    extra = 0


@admin.register(Annotation)
class AnnotationAdmin(admin.ModelAdmin[Annotation]):
    list_display = ("__str__", "story", "author", "colour", "visibility", "anchor_state", "created")
    list_select_related = ("story", "author")
    list_filter = ("visibility", "anchor_state", "colour")
    search_fields = ("exact", "original_exact", "comment", "author__username", "story__title")
    raw_id_fields = ("story", "author", "revision", "original_revision")
    readonly_fields = (
        "original_revision",
        "original_exact",
        "original_prefix",
        "original_suffix",
        "original_start",
        "original_end",
        "comment_html",
        "created",
        "updated",
    )
    filter_horizontal = ("tags",)
    date_hierarchy = "created"
    inlines = [ReplyInline]

    def save_model(self, request, obj, form, change):  # type: ignore[no-untyped-def]
        obj.set_comment(obj.comment)  # keep the rendered HTML in step with the source
        super().save_model(request, obj, form, change)


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin[Tag]):
    search_fields = ("name",)


@admin.register(Reply)
class ReplyAdmin(admin.ModelAdmin[Reply]):
    list_display = ("__str__", "author", "created")
    list_select_related = ("author",)
    raw_id_fields = ("annotation", "author")
    search_fields = ("body",)

    def save_model(self, request, obj, form, change):  # type: ignore[no-untyped-def]
        obj.set_body(obj.body)
        super().save_model(request, obj, form, change)
