from django.urls import path

from . import views, views_highlight, views_state

urlpatterns = [
    path("", views.story_list, name="home"),
    path("stories/<int:story_id>/", views.story_detail, name="story_short"),
    path("stories/<int:story_id>/<slug:slug>/", views.story_detail, name="story"),
    # Four segments: "stories/<id>/<slug>/" must never swallow them, whatever the title.
    path("stories/<int:story_id>/reading/state/", views_state.story_state, name="story_state"),
    path(
        "stories/<int:story_id>/reading/progress/",
        views_state.story_progress,
        name="story_progress",
    ),
    path(
        "stories/<int:story_id>/annotations/new/",
        views_highlight.annotation_create,
        name="annotation_create",
    ),
    path("preferences/", views_state.preferences, name="preferences"),
]
