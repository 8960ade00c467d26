from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.forms import UserCreationForm
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from .ratelimit import posted, ratelimit


@require_http_methods(["GET", "POST"])
@ratelimit(key="ip", rate="10/h", scope="signup-ip")
@ratelimit(key=posted("username"), rate="5/h", scope="signup-account")
def signup(request: HttpRequest) -> HttpResponseBase:
    if request.user.is_authenticated:
        return redirect("home")
    form: UserCreationForm = UserCreationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        # The configured backend: a session naming another one is signed out on arrival.
        login(request, user, backend=settings.AUTHENTICATION_BACKENDS[0])
        messages.success(request, f"Welcome, {user.get_username()}: you are signed in.")
        return redirect("home")
    status = 400 if request.method == "POST" else 200
    response: HttpResponse = render(request, "registration/signup.html", {"form": form})
    response.status_code = status
    return response
