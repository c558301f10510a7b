from __future__ import annotations

from typing import cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from rest_framework.authtoken.models import Token

from ecotone.ecosystems.models import Membership

from .forms import ProfileForm
from .models import User
from .security import has_mfa, lacks_required_mfa


@login_required
@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)  # login_required
    form = ProfileForm(request.POST or None, instance=user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Your profile was saved."))
        response = redirect("profile")
        translation.activate(user.preferred_language)
        response.set_cookie("django_language", user.preferred_language, samesite="Lax")
        return response
    memberships = (
        Membership.objects.filter(user=user)
        .select_related("ecosystem")
        .prefetch_related("organizations")
        .order_by("ecosystem__name", "role")
    )
    return render(
        request,
        "account/profile.html",
        {
            "form": form,
            "memberships": memberships,
            "has_mfa": has_mfa(user),
            "token": Token.objects.filter(user=user).first(),
        },
    )


@login_required
@require_POST
def api_token(request: HttpRequest) -> HttpResponse:
    """Create (or replace) the personal API token, or revoke it with action=revoke."""
    user = cast(User, request.user)  # login_required
    Token.objects.filter(user=user).delete()
    if request.POST.get("action") == "revoke":
        messages.success(request, _("Your API token was revoked."))
        return redirect("profile")
    if lacks_required_mfa(user):
        messages.error(request, _("Set up two-factor authentication before creating a token."))
        return redirect("profile")
    token = Token.objects.create(user=user)
    # Shown once: the key is not displayed again after this page.
    return render(request, "account/api_token_created.html", {"key": token.key})
