"""The two-factor rule: backbone roles (and the deployment's superusers) sign in with TOTP.

It depends on roles, so it lives with the other permission rules. Pages send such a person to
set up an authenticator before anything else; the API refuses their tokens until they have.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from allauth.mfa.models import Authenticator
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

from ecotone import replicas
from ecotone.accounts import tokens

from . import roles

# Paths a person must still reach while setting up their second factor.
ALLOWED_PREFIXES = (
    "/accounts/",
    "/i18n/",
    "/static/",
    "/healthz",
    "/api/schema/",
    "/api/docs/",
    "/api/redoc/",
)


def mfa_required(user: Any) -> bool:
    return bool(user.is_authenticated and (user.is_superuser or roles.is_backbone_anywhere(user)))


def has_mfa(user: Any) -> bool:
    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


def lacks_required_mfa(user: Any) -> bool:
    return mfa_required(user) and not has_mfa(user)


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


class MFATokenAuthentication(TokenAuthentication):
    """`Authorization: Token <key>`; refused once expired, and for backbone roles that have no
    second factor. Each use is noted for the profile page."""

    def authenticate_credentials(self, key: str) -> tuple[Any, Any]:
        with replicas.primary():  # a token revoked a moment ago must not pass on a replica
            return self._authenticate_credentials(key)

    def _authenticate_credentials(self, key: str) -> tuple[Any, Any]:
        user, token = super().authenticate_credentials(key)
        if tokens.has_expired(token):
            raise exceptions.AuthenticationFailed(
                _("This API token has expired. Create a new one on your profile page.")
            )
        if lacks_required_mfa(user):
            raise exceptions.AuthenticationFailed(
                _("Two-factor authentication is required for backbone roles.")
            )
        tokens.record_use(token)
        return user, token
