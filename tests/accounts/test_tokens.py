"""API tokens: revoked by a password change, a password reset and "sign out everywhere";
refused after API_TOKEN_MAX_AGE_DAYS; their last use is shown on the profile page."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from django.core import mail
from django.db import connection
from django.template.defaultfilters import date as date_filter
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.authtoken.models import Token

from tests.conftest import PASSWORD, World

NEW_PASSWORD = "a-whole-new-passphrase"


def create_token(client: Client) -> str:
    response = client.post("/accounts/api-token/")
    match = re.search(r"<code>(\w+)</code>", response.content.decode())
    assert match
    return match.group(1)


def api_me(key: str) -> Any:
    return Client().get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {key}")


def test_changing_the_password_revokes_the_api_token(world: World) -> None:
    client = world.client("mentor")
    key = create_token(client)
    assert api_me(key).status_code == 200
    response = client.post(
        "/accounts/password/change/",
        {"oldpassword": PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert api_me(key).status_code == 401


def test_resetting_the_password_revokes_the_api_token(world: World) -> None:
    key = create_token(world.client("mentor"))
    client = Client()
    client.post("/accounts/password/reset/", {"email": "mentor@alpha.test"})
    link = re.search(r"http://testserver(/accounts/password/reset/key/\S+/)", mail.outbox[-1].body)
    assert link
    set_password_url = client.get(link.group(1))["Location"]
    response = client.post(set_password_url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert response.status_code == 302
    assert api_me(key).status_code == 401


def test_sign_out_everywhere_ends_every_session_and_revokes_the_token(world: World) -> None:
    laptop, phone = world.client("mentor"), world.client("mentor")
    key = create_token(laptop)
    assert phone.get("/accounts/profile/").status_code == 200
    response = laptop.post("/accounts/sign-out-everywhere/")
    assert response.status_code == 302
    assert laptop.get("/accounts/profile/").status_code == 302  # to the sign-in page
    assert phone.get("/accounts/profile/").status_code == 302
    assert api_me(key).status_code == 401
    # Signing in again works, and other people's sessions were never touched.
    assert world.client("member").get("/accounts/profile/").status_code == 200
    response = Client().post(
        "/accounts/login/", {"login": "mentor@alpha.test", "password": PASSWORD}
    )
    assert response.status_code == 302


def test_a_token_older_than_the_maximum_age_is_refused(world: World, settings: Any) -> None:
    settings.API_TOKEN_MAX_AGE_DAYS = 90
    key = create_token(world.client("mentor"))
    Token.objects.filter(key=key).update(created=timezone.now() - timedelta(days=89))
    assert api_me(key).status_code == 200
    Token.objects.filter(key=key).update(created=timezone.now() - timedelta(days=91))
    response = api_me(key)
    assert response.status_code == 401
    assert "expired" in response.json()["detail"]


def test_the_profile_shows_when_the_token_expires_and_was_last_used(
    world: World, settings: Any
) -> None:
    settings.API_TOKEN_MAX_AGE_DAYS = 90
    client = world.client("mentor")
    key = create_token(client)
    page = client.get("/accounts/profile/").content.decode()
    assert "Not used yet." in page
    expires = date_filter(timezone.localdate() + timedelta(days=90))
    assert f"expires on {expires}." in page
    assert api_me(key).status_code == 200
    page = client.get("/accounts/profile/").content.decode()
    assert "Not used yet." not in page
    assert "Last used on" in page


def test_token_use_is_written_at_most_once_a_minute(world: World) -> None:
    def writes_of_one_call() -> list[str]:
        with CaptureQueriesContext(connection) as queries:
            assert api_me(key).status_code == 200
        return [q["sql"] for q in queries if q["sql"].startswith(("INSERT", "UPDATE"))]

    key = create_token(world.client("mentor"))
    assert any("accounts_tokenuse" in sql for sql in writes_of_one_call())
    assert writes_of_one_call() == []
