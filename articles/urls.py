from django.urls import path

from . import views

urlpatterns = [
    path("", views.story_list, name="home"),
    path("stories/<int:story_id>/", views.story_detail, name="story_short"),
    path("stories/<int:story_id>/<slug:slug>/", views.story_detail, name="story"),
]
