from django.contrib import admin
from django.urls import include, path

from .health import healthz

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("newsreader.accounts_urls")),
    path("healthz", healthz, name="healthz"),
    path("api/", include("annotations.api_urls")),
    path("", include("annotations.share_urls")),
    path("", include("annotations.urls")),
    path("", include("articles.urls")),
]
