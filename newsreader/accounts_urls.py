from django.contrib.auth import views as auth_views
from django.urls import path

from . import accounts
from .ratelimit import posted, ratelimit

# Password guessing is limited per address and, separately, per account it targets, so
# neither many accounts from one address nor one account from many addresses gets far.
login_view = ratelimit(key="ip", rate="30/m", scope="login-ip")(
    ratelimit(key=posted("username"), rate="10/m", scope="login-account")(
        auth_views.LoginView.as_view()
    )
)

urlpatterns = [
    path("signup/", accounts.signup, name="signup"),
    path("login/", login_view, name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
]
