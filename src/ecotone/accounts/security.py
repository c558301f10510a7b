"""Sign-in safety glue: what django-axes counts failed attempts against, and the MFA rule."""

from __future__ import annotations

from typing import Any

from allauth.mfa.models import Authenticator
from django.http import HttpRequest

from ecotone.ecosystems import roles


def axes_username(request: HttpRequest, credentials: dict[str, Any] | None) -> str | None:
    """allauth authenticates with `email=`; its form posts `login`. Normalise both."""
    credentials = credentials or {}
    value = credentials.get("email") or credentials.get("username")
    if value is None and request is not None:
        data = getattr(request, "POST", {})
        value = data.get("login") or data.get("username") or data.get("email")
    return value.strip().lower() if isinstance(value, str) else None


def mfa_required(user: Any) -> bool:
    """Backbone roles (and the deployment's superusers) must sign in with a second factor."""
    return bool(user.is_authenticated and (user.is_superuser or roles.is_backbone_anywhere(user)))


def has_mfa(user: Any) -> bool:
    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


def lacks_required_mfa(user: Any) -> bool:
    return mfa_required(user) and not has_mfa(user)
