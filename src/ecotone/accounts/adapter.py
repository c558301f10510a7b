from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from django.http import HttpRequest

from ecotone.clientip import client_address

from .addresses import validate_address_length


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
