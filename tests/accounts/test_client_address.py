"""The client's address behind the TLS proxy: what lockouts, rate limits and throttles key on.

Every request through the proxy arrives from the proxy's socket address; the proxy names the
client in `X-Forwarded-For`. That header is believed only from an address in TRUSTED_PROXIES.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client, RequestFactory
from rest_framework.throttling import AnonRateThrottle

from ecotone.clientip import client_address
from tests.accounts.test_security import current_code
from tests.conftest import PASSWORD, World

PROXY = "10.0.0.2"
ATTACKER = "203.0.113.9"
NEIGHBOUR = "198.51.100.7"


@pytest.fixture
def behind_proxy(settings: Any) -> None:
    settings.TRUSTED_PROXIES = ["10.0.0.0/24"]


def via_proxy(client_ip: str) -> dict[str, str]:
    return {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": client_ip}


def sign_in(client: Client, email: str, password: str, **extra: str) -> Any:
    return client.post("/accounts/login/", {"login": email, "password": password}, **extra)


def test_client_address_is_the_socket_address_without_trusted_proxies(settings: Any) -> None:
    settings.TRUSTED_PROXIES = []
    request = RequestFactory().get("/", **via_proxy(ATTACKER))
    assert client_address(request) == PROXY


def test_client_address_comes_from_the_header_of_a_trusted_proxy(behind_proxy: None) -> None:
    # The proxy appends the address it saw to whatever the client sent.
    request = RequestFactory().get("/", **via_proxy(f"1.2.3.4, {NEIGHBOUR}"))
    assert client_address(request) == NEIGHBOUR
    # Proxies in a chain are skipped; the first untrusted hop is the client.
    request = RequestFactory().get("/", **via_proxy(f"{NEIGHBOUR}, 10.0.0.7"))
    assert client_address(request) == NEIGHBOUR
    # No header, or nothing usable in it: the socket address.
    assert client_address(RequestFactory().get("/", REMOTE_ADDR=PROXY)) == PROXY
    request = RequestFactory().get("/", **via_proxy("not-an-address"))
    assert client_address(request) == PROXY


def test_client_address_ignores_the_header_from_an_untrusted_address(behind_proxy: None) -> None:
    request = RequestFactory().get("/", REMOTE_ADDR=ATTACKER, HTTP_X_FORWARDED_FOR=NEIGHBOUR)
    assert client_address(request) == ATTACKER


def test_api_throttle_cannot_be_bypassed_with_a_rotating_header(
    world: World, behind_proxy: None, monkeypatch: Any
) -> None:
    monkeypatch.setitem(AnonRateThrottle.THROTTLE_RATES, "anon", "3/min")
    client = Client()
    statuses = [
        client.get(
            "/api/v1/ecosystems/alpha/organizations/",
            REMOTE_ADDR=ATTACKER,
            HTTP_X_FORWARDED_FOR=f"192.0.2.{n}",
        ).status_code
        for n in range(5)
    ]
    assert statuses == [200, 200, 200, 429, 429]


def test_api_throttle_counts_each_client_behind_the_proxy_apart(
    world: World, behind_proxy: None, monkeypatch: Any
) -> None:
    monkeypatch.setitem(AnonRateThrottle.THROTTLE_RATES, "anon", "3/min")
    client = Client()
    url = "/api/v1/ecosystems/alpha/organizations/"
    for _ in range(3):
        assert client.get(url, **via_proxy(ATTACKER)).status_code == 200
    assert client.get(url, **via_proxy(ATTACKER)).status_code == 429
    assert client.get(url, **via_proxy(NEIGHBOUR)).status_code == 200


def test_failed_sign_ins_lock_the_account_for_that_address_only(
    world: World, behind_proxy: None
) -> None:
    attacker = Client()
    for _ in range(12):  # past axes' limit and allauth's
        sign_in(attacker, "mentor@alpha.test", "wrong-password", **via_proxy(ATTACKER))
    response = sign_in(attacker, "mentor@alpha.test", PASSWORD, **via_proxy(ATTACKER))
    assert not response.has_header("Location")
    assert "_auth_user_id" not in attacker.session
    # The mentor, from home, through the same proxy, still signs in; so does everyone else.
    assert (
        sign_in(Client(), "mentor@alpha.test", PASSWORD, **via_proxy(NEIGHBOUR)).status_code == 302
    )
    assert (
        sign_in(Client(), "member@alpha.test", PASSWORD, **via_proxy(NEIGHBOUR)).status_code == 302
    )


def test_a_flood_from_one_address_does_not_block_sign_in_behind_the_proxy(
    world: World, behind_proxy: None
) -> None:
    attacker = Client()
    for n in range(35):
        sign_in(attacker, f"guess{n}@alpha.test", "wrong-password", **via_proxy(ATTACKER))
    # The flooding address itself is slowed down.
    response = sign_in(attacker, "member@alpha.test", PASSWORD, **via_proxy(ATTACKER))
    assert not response.has_header("Location")
    assert (
        sign_in(Client(), "member@alpha.test", PASSWORD, **via_proxy(NEIGHBOUR)).status_code == 302
    )


def test_repeated_wrong_two_factor_codes_are_rate_limited_per_account(world: World) -> None:
    client = Client()
    assert (
        sign_in(client, "admin@alpha.test", PASSWORD)["Location"] == "/accounts/2fa/authenticate/"
    )
    for _ in range(10):
        response = client.post("/accounts/2fa/authenticate/", {"code": "000000"})
        assert response.status_code == 200
    # A fresh session (another address, even) gets no fresh attempts at the same account.
    other = Client(REMOTE_ADDR=NEIGHBOUR)
    sign_in(other, "admin@alpha.test", PASSWORD)
    response = other.post("/accounts/2fa/authenticate/", {"code": current_code()})
    assert response.status_code == 200
    assert "Too many failed" in response.content.decode()
    assert "_auth_user_id" not in other.session
