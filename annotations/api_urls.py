from django.urls import path

from . import api

urlpatterns = [
    path("annotations/", api.container, name="api_annotations"),
    path("annotations/<int:annotation_id>/", api.item, name="api_annotation"),
    path("annotations/replies/<int:reply_id>/", api.reply, name="api_reply"),
]
