from django.urls import path

from . import views_add, views_sources

urlpatterns = [
    path("add/", views_add.add, name="add"),
    path("add/url/", views_add.add_url, name="add_url"),
    path("add/upload/", views_add.add_upload, name="add_upload"),
    path("add/paste/", views_add.add_paste, name="add_paste"),
    path("sources/", views_sources.sources, name="sources"),
    path("sources/add/", views_sources.source_add, name="source_add"),
    path("sources/import/", views_sources.sources_import, name="sources_import"),
    path("sources/export.opml", views_sources.sources_export, name="sources_export"),
    path("sources/<int:source_id>/", views_sources.source_row, name="source_row"),
    path("sources/<int:source_id>/refresh/", views_sources.source_refresh, name="source_refresh"),
    path("sources/<int:source_id>/pause/", views_sources.source_pause, name="source_pause"),
    path(
        "sources/<int:source_id>/schedule/",
        views_sources.source_schedule,
        name="source_schedule",
    ),
    path("sources/<int:source_id>/delete/", views_sources.source_delete, name="source_delete"),
]
