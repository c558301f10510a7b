"""Sign-up takes only addresses mail can carry: RFC 5321's 64 characters before the @ and 254 in
all (a longer one could never receive its confirmation, and PostgreSQL's column refuses it)."""

from __future__ import annotations

import pytest
from django.test import Client

from ecotone.accounts.models import User
from tests.conftest import PASSWORD
from tests.test_i18n import spanish_client

pytestmark = pytest.mark.django_db


def sign_up(client: Client, email: str) -> object:
    return client.post(
        "/accounts/signup/", {"email": email, "password1": PASSWORD, "password2": PASSWORD}
    )


def test_an_address_with_more_than_64_characters_before_the_at_is_refused() -> None:
    response = sign_up(Client(), "a" * 300 + "@example.org")
    assert response.status_code == 200
    assert response.context["form"].errors["email"] == [
        "An email address can have at most 64 characters before the @; this one has 300."
    ]
    assert not User.objects.exists()
    response = sign_up(Client(), "b" * 65 + "@example.org")
    assert "at most 64 characters before the @; this one has 65" in response.content.decode()
    assert not User.objects.exists()


def test_an_address_longer_than_254_characters_is_refused() -> None:
    domain = ".".join(["d" * 60] * 3) + ".example.org"  # 194 characters
    too_long = "c" * 60 + "@" + domain  # 255
    response = sign_up(Client(), too_long)
    assert response.context["form"].errors["email"] == [
        "An email address can have at most 254 characters; this one has 255."
    ]
    assert not User.objects.exists()
    fits = "c" * 59 + "@" + domain  # 254
    assert sign_up(Client(), fits).status_code == 302
    assert User.objects.filter(email=fits).exists()


def test_an_address_at_the_limits_is_accepted() -> None:
    email = "e" * 64 + "@example.org"
    assert sign_up(Client(), email).status_code == 302
    assert User.objects.filter(email=email).exists()


def test_the_limit_is_explained_in_spanish() -> None:
    response = sign_up(spanish_client(), "a" * 300 + "@example.org")
    assert (
        "Una dirección de correo electrónico puede tener como máximo 64 caracteres antes de la @;"
        " esta tiene 300." in response.content.decode()
    )
