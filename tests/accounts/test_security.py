"""Sign-in safety: verified email, lockout, two-factor for backbone roles, API tokens."""

from __future__ import annotations

import time

from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.test import Client
from rest_framework.authtoken.models import Token

from ecotone.ecosystems.models import Membership, Role
from tests.conftest import PASSWORD, TOTP_SECRET, World, make_user


def current_code() -> str:
    return format_hotp_value(hotp_value(TOTP_SECRET, int(time.time()) // 30))


def sign_in(client: Client, email: str, password: str = PASSWORD) -> object:
    return client.post("/accounts/login/", {"login": email, "password": password})


def test_partner_staff_sign_in_with_password_and_land_in_their_ecosystem(world: World) -> None:
    client = Client()
    response = sign_in(client, "partner_a@alpha.test")
    assert response.status_code == 302
    assert client.get("/", follow=True).redirect_chain[-1][0] == "/e/alpha/"


def test_backbone_sign_in_asks_for_the_second_factor(world: World) -> None:
    client = Client()
    response = sign_in(client, "admin@alpha.test")
    assert response["Location"] == "/accounts/2fa/authenticate/"
    # Not signed in yet: private pages still send to sign-in.
    assert client.get("/e/alpha/members/").status_code == 302
    response = client.post("/accounts/2fa/authenticate/", {"code": "000000"})
    assert response.status_code == 200  # wrong code, form shown again
    response = client.post("/accounts/2fa/authenticate/", {"code": current_code()})
    assert response.status_code == 302
    assert client.get("/e/alpha/members/").status_code == 200


def test_backbone_without_two_factor_must_set_it_up(world: World) -> None:
    person = make_user("newadmin@alpha.test")
    Membership.objects.create(user=person, ecosystem=world.alpha, role=Role.BACKBONE_STAFF)
    client = Client()
    sign_in(client, "newadmin@alpha.test")
    response = client.get("/e/alpha/members/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/2fa/totp/activate/"
    # allauth asks for the password again before a second factor is added.
    response = client.get("/accounts/2fa/totp/activate/")
    assert response["Location"].startswith("/accounts/reauthenticate/")
    client.post(response["Location"], {"password": PASSWORD})
    assert client.get("/accounts/2fa/totp/activate/").status_code == 200
    api = client.get("/api/v1/ecosystems/alpha/memberships/")
    assert api.status_code == 403
    assert "Two-factor" in api.json()["detail"]


def test_roles_without_backbone_duty_need_no_second_factor(world: World) -> None:
    assert world.client("mentor").get("/e/alpha/").status_code == 200


def test_unverified_email_cannot_sign_in(db: object) -> None:
    from ecotone.accounts.models import User

    User.objects.create_user(email="unverified@example.org", password=PASSWORD)
    client = Client()
    response = sign_in(client, "unverified@example.org")
    assert response["Location"] == "/accounts/confirm-email/"
    assert "_auth_user_id" not in client.session


def test_repeated_failed_sign_ins_lock_the_account_out(world: World, settings: object) -> None:
    client = Client()
    for _ in range(4):
        response = sign_in(client, "mentor@alpha.test", "wrong-password")
        assert response.status_code == 200
    response = sign_in(client, "mentor@alpha.test", "wrong-password")  # the fifth failure
    assert response.status_code == 429
    assert "Too many failed sign-ins" in response.content.decode()
    response = sign_in(client, "mentor@alpha.test", PASSWORD)  # even the right one, now
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    # Another account from the same address is not affected.
    assert sign_in(Client(), "member@alpha.test").status_code == 302


def test_api_token_works_and_is_refused_without_it(world: World) -> None:
    token = Token.objects.create(user=world.users["partner_a"])
    client = Client()
    assert client.get("/api/v1/me/").status_code == 401
    response = client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {token.key}")
    assert response.status_code == 200
    assert response.json()["memberships"] == [
        {"ecosystem": "alpha", "role": "partner_staff", "organizations": ["robotics-for-all"]}
    ]
    assert client.get("/api/v1/me/", HTTP_AUTHORIZATION="Token nope").status_code == 401


def test_backbone_token_refused_without_two_factor(world: World) -> None:
    person = make_user("nomfa@alpha.test")
    Membership.objects.create(user=person, ecosystem=world.alpha, role=Role.BACKBONE_ADMIN)
    token = Token.objects.create(user=person)
    response = Client().get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {token.key}")
    assert response.status_code == 401
    assert "Two-factor" in response.json()["detail"]


def test_profile_creates_shows_once_and_revokes_a_token(world: World) -> None:
    client = world.client("mentor")
    response = client.post("/accounts/api-token/")
    key = Token.objects.get(user=world.users["mentor"]).key
    assert key in response.content.decode()
    assert key not in client.get("/accounts/profile/").content.decode()
    client.post("/accounts/api-token/", {"action": "revoke"})
    assert not Token.objects.filter(user=world.users["mentor"]).exists()


def test_profile_saves_name_and_language(world: World) -> None:
    client = world.client("mentor")
    response = client.post("/accounts/profile/", {"name": "Dev L.", "preferred_language": "es"})
    assert response.status_code == 302
    world.users["mentor"].refresh_from_db()
    assert world.users["mentor"].preferred_language == "es"
    assert response.cookies["django_language"].value == "es"


def test_sessions_expire_and_cookies_are_http_only(settings: object) -> None:
    from django.conf import settings as django_settings

    assert django_settings.SESSION_COOKIE_AGE == 12 * 3600
    assert django_settings.SESSION_COOKIE_HTTPONLY
    assert not django_settings.SESSION_SAVE_EVERY_REQUEST  # renewed hourly instead
