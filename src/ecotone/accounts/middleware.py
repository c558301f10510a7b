from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from .security import lacks_required_mfa

# Paths a person must still reach while setting up their second factor.
ALLOWED_PREFIXES = ("/accounts/", "/i18n/", "/static/", "/healthz")


class RequireMFAMiddleware:
    """Backbone staff without TOTP are sent to set it up before anything else."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith(ALLOWED_PREFIXES) or not lacks_required_mfa(request.user):
            return self.get_response(request)
        if request.path.startswith("/api/"):
            return JsonResponse(
                {"detail": _("Two-factor authentication is required for backbone roles.")},
                status=403,
            )
        messages.warning(
            request,
            _("Your role requires two-factor authentication. Please set up an authenticator app."),
        )
        return redirect("mfa_activate_totp")
