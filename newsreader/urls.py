from django.contrib import admin
from django.urls import include, path

from .health import healthz
from .ratelimit import limit_login

urlpatterns = [
    # Before admin.site.urls, so this is the admin's log-in: the same password-guessing
    # limits as /accounts/login/, sharing its counters.
    path("admin/login/", limit_login(admin.site.login), name="admin_login"),
    path("admin/", admin.site.urls),
    path("accounts/", include("newsreader.accounts_urls")),
    path("healthz", healthz, name="healthz"),
    path("api/", include("annotations.api_urls")),
    path("", include("annotations.share_urls")),
    path("", include("annotations.urls")),
    path("", include("imports.urls")),
    path("", include("articles.urls")),
    path("", include("reading.urls")),
    path("", include("search.urls")),
]
