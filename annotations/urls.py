from django.urls import path

from . import atom, views

urlpatterns = [
    path("annotations/<int:annotation_id>/", views.annotation_detail, name="annotation_detail"),
    path(
        "annotations/<int:annotation_id>/share/",
        views.annotation_share_menu,
        name="annotation_share_menu",
    ),
    path("annotations/<int:annotation_id>/edit/", views.annotation_edit, name="annotation_edit"),
    path(
        "annotations/<int:annotation_id>/attach/",
        views.annotation_attach,
        name="annotation_attach",
    ),
    path(
        "annotations/<int:annotation_id>/delete/",
        views.annotation_delete,
        name="annotation_delete",
    ),
    path(
        "annotations/<int:annotation_id>/replies/",
        views.annotation_replies,
        name="annotation_replies",
    ),
    path("annotations/<int:annotation_id>/replies/new/", views.reply_form, name="reply_form"),
    path("replies/<int:reply_id>/delete/", views.reply_delete, name="reply_delete"),
    path("people/<str:username>/highlights.atom", atom.public_highlights, name="highlights_feed"),
    path(
        "people/<str:username>/tags/<str:tag>/highlights.atom",
        atom.public_highlights,
        name="highlights_tag_feed",
    ),
]
