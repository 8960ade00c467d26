"""Settings → API tokens: create (the token is shown once), name and revoke."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from newsreader.http import HtmxHttpRequest
from newsreader.ratelimit import ratelimit

from .tokens import MAX_TOKENS, ApiToken

if TYPE_CHECKING:
    from django.contrib.auth.models import User


class TokenForm(forms.Form):
    name = forms.CharField(
        max_length=100,
        help_text="What the token is for, e.g. “reading script on my laptop”.",
        error_messages={"required": "Give the token a name, to recognise it later."},
    )


@require_http_methods(["GET", "POST"])
@login_required
@ratelimit(key="user", rate="30/h", scope="api-token")
def tokens(request: HtmxHttpRequest) -> HttpResponse:
    user = cast("User", request.user)
    form = TokenForm(request.POST or None)
    created_token = ""
    status = 200
    if request.method == "POST":
        if form.is_valid():
            if ApiToken.objects.filter(user=user).count() >= MAX_TOKENS:
                form.add_error(None, f"You have {MAX_TOKENS} tokens: revoke one first.")
            else:
                _row, created_token = ApiToken.issue(user, form.cleaned_data["name"])
                form = TokenForm()
        if form.errors:
            status = 400
    context = {
        "form": form,
        "tokens": ApiToken.objects.filter(user=user),
        "created_token": created_token,
    }
    # Not a redirect after a successful POST: the token is shown this once and is stored
    # nowhere (not even in the session), so it may not be cached either.
    response = render(request, "annotations/tokens.html", context, status=status)
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@login_required
def token_revoke(request: HtmxHttpRequest, token_id: int) -> HttpResponseBase:
    token = get_object_or_404(ApiToken, pk=token_id, user_id=request.user.pk)
    token.delete()
    messages.success(request, f"Token “{token.name}” revoked: it no longer works.")
    return redirect("api_tokens")
