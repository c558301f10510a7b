from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _

from ecotone.clientip import client_address

# RFC 5321 (4.5.3.1): a local part of at most 64 octets, and a path of at most 256 including its
# angle brackets, so an address of at most 254 (RFC 3696, erratum 1690). Mail servers refuse
# longer ones, so an account with one could never receive its confirmation.
LOCAL_PART_MAX = 64
ADDRESS_MAX = 254


def validate_address_length(email: str) -> None:
    """ValidationError when `email` is longer than mail can carry (RFC 5321's limits)."""
    local = email.rpartition("@")[0]
    if len(local) > LOCAL_PART_MAX:
        raise ValidationError(
            _(
                "An email address can have at most %(max)d characters before the @; "
                "this one has %(count)d."
            )
            % {"max": LOCAL_PART_MAX, "count": len(local)},
            code="local_part_too_long",
        )
    if len(email) > ADDRESS_MAX:
        raise ValidationError(
            _("An email address can have at most %(max)d characters; this one has %(count)d.")
            % {"max": ADDRESS_MAX, "count": len(email)},
            code="address_too_long",
        )


class AccountAdapter(DefaultAccountAdapter):
    def clean_email(self, email: str) -> str:
        """Every address a person gives allauth (sign-up, adding an address) within RFC 5321."""
        validate_address_length(email)
        return super().clean_email(email)

    def save_user(self, request: HttpRequest, user: Any, form: Any, commit: bool = True) -> Any:
        user = super().save_user(request, user, form, commit=False)
        language = getattr(request, "LANGUAGE_CODE", None)
        if language:
            user.preferred_language = language
        if commit:
            user.save()
        return user

    def get_client_ip(self, request: HttpRequest) -> str:
        """allauth's rate limits count the client behind the proxy, as axes does."""
        return client_address(request)

    def _get_login_attempts_cache_key(self, request: HttpRequest, **credentials: Any) -> str:
        # Failed passwords count per account and address: per account alone, anyone could lock
        # a named person out by mistyping their password from elsewhere.
        key = super()._get_login_attempts_cache_key(request, **credentials)
        return f"{key}:{client_address(request)}"
