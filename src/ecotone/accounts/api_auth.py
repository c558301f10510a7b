from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

from .security import lacks_required_mfa


class MFATokenAuthentication(TokenAuthentication):
    """`Authorization: Token <key>`; refused for backbone roles that have no second factor."""

    def authenticate_credentials(self, key: str) -> tuple[Any, Any]:
        user, token = super().authenticate_credentials(key)
        if lacks_required_mfa(user):
            raise exceptions.AuthenticationFailed(
                _("Two-factor authentication is required for backbone roles.")
            )
        return user, token
