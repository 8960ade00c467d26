from django.urls import path

from . import views, views_highlights

urlpatterns = [
    path("search/", views.search_view, name="search"),
    path("highlights/", views_highlights.my_highlights, name="my_highlights"),
]
