from django.contrib.auth import views as auth_views
from django.urls import path

from . import accounts
from .ratelimit import limit_login

# Password guessing is limited per address, per account and address, and per account
# (newsreader.ratelimit.LOGIN_RATES); the admin's log-in shares the counters.
login_view = limit_login(auth_views.LoginView.as_view())

urlpatterns = [
    path("signup/", accounts.signup, name="signup"),
    path("login/", login_view, name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
]
