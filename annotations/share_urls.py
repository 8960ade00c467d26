from django.urls import path

from . import export, sharing, views_tokens

urlpatterns = [
    # Share links: /s/<token>/ is one annotation's or one reader's version of a story.
    path("s/<str:token>/", sharing.shared, name="shared"),
    path(
        "s/<str:token>/annotations/<int:annotation_id>/replies/",
        sharing.shared_reply,
        name="shared_reply",
    ),
    path(
        "s/<str:token>/replies/<int:reply_id>/delete/",
        sharing.shared_reply_delete,
        name="shared_reply_delete",
    ),
    path(
        "annotations/<int:annotation_id>/share/revoke/",
        sharing.annotation_revoke_link,
        name="annotation_revoke_link",
    ),
    # Four segments, like annotation_create: never taken for "stories/<id>/<slug>/".
    path("stories/<int:story_id>/share/version/", sharing.story_share, name="story_share"),
    path(
        "stories/<int:story_id>/share/version/create/",
        sharing.story_share_create,
        name="story_share_create",
    ),
    path(
        "stories/<int:story_id>/share/version/revoke/",
        sharing.story_share_revoke,
        name="story_share_revoke",
    ),
    path("stories/<int:story_id>/annotations/export/", export.export_story, name="story_export"),
    path("highlights/export/", export.export_all, name="annotation_export"),
    path("settings/tokens/", views_tokens.tokens, name="api_tokens"),
    path(
        "settings/tokens/<int:token_id>/revoke/",
        views_tokens.token_revoke,
        name="api_token_revoke",
    ),
]
