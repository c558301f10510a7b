"""One ecosystem never shows another's records: pages, API, querysets."""

from __future__ import annotations

from typing import Any

from django.test import Client
from rest_framework.authtoken.models import Token

from ecotone.ecosystems.models import Membership, Role
from tests.conftest import World


def test_member_of_one_ecosystem_gets_404_on_anothers_private_pages(world: World) -> None:
    client = world.client("admin")  # admin of alpha only
    for url in ("/e/beta/members/", "/e/beta/invitations/", "/e/beta/audit/", "/e/beta/settings/"):
        assert client.get(url).status_code == 404, url


def test_and_404_on_anothers_api(world: World) -> None:
    token = Token.objects.create(user=world.users["admin"])
    client = Client(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert client.get("/api/v1/ecosystems/beta/memberships/").status_code == 404
    assert client.get("/api/v1/ecosystems/beta/audit-log/").status_code == 404
    response = client.patch(
        f"/api/v1/ecosystems/beta/organizations/{world.org_beta.slug}/",
        {"name": "Hijacked"},
        content_type="application/json",
    )
    assert response.status_code == 404
    world.org_beta.refresh_from_db()
    assert world.org_beta.name == "Beta Science Center"


def test_records_of_another_ecosystem_are_404_even_through_this_one(world: World) -> None:
    client = world.client("admin")
    assert client.get(f"/e/alpha/partners/{world.org_beta.slug}/").status_code == 404
    assert (
        client.get(f"/api/v1/ecosystems/alpha/organizations/{world.org_beta.slug}/").status_code
        == 404
    )
    other = world.memberships["outsider"].pk
    assert client.get(f"/api/v1/ecosystems/alpha/memberships/{other}/").status_code == 404


def test_api_lists_start_from_the_ecosystem(world: World) -> None:
    client = world.client("admin")
    orgs = client.get("/api/v1/ecosystems/alpha/organizations/").json()["results"]
    assert {o["slug"] for o in orgs} == {world.org_a.slug, world.org_b.slug}
    members = client.get("/api/v1/ecosystems/alpha/memberships/").json()["results"]
    assert "outsider@beta.test" not in {m["user"]["email"] for m in members}


def test_unknown_or_inactive_ecosystem_is_404(world: World) -> None:
    world.beta.is_active = False
    world.beta.save()
    assert world.client("outsider").get("/e/beta/").status_code == 404
    assert world.client("anonymous").get("/e/nowhere/partners/").status_code == 404


def test_a_person_with_roles_in_two_ecosystems_sees_both(world: World) -> None:
    user = world.users["mentor"]
    Membership.objects.create(user=user, ecosystem=world.beta, role=Role.REVIEWER)
    client = world.client("mentor")
    assert client.get("/e/beta/").status_code == 200
    # Two ecosystems: the home page lists them instead of redirecting.
    response = client.get("/")
    assert response.status_code == 200
    assert "Beta Bay STEM Hub" in response.content.decode()


def test_network_operator_sees_aggregates_not_records(world: World) -> None:
    client = world.client("operator")
    summary = client.get("/api/v1/networks/state/summary/").json()
    alpha = next(row for row in summary["ecosystems"] if row["ecosystem"] == "alpha")
    assert alpha["organizations"] == 2
    assert alpha["people"] == 7
    assert alpha["people_by_role"]["mentor"] == 1
    # ...but no individual records of the ecosystems.
    assert client.get("/e/alpha/members/").status_code == 404
    assert client.get("/api/v1/ecosystems/alpha/memberships/").status_code == 404


def test_operator_home_lists_the_network(world: World) -> None:
    body = world.client("operator").get("/").content.decode()
    assert "State STEM Network" in body


def test_api_validation_errors_are_readable(
    world: World, django_assert_max_num_queries: Any
) -> None:
    client = world.client("admin")
    response = client.post(
        "/api/v1/ecosystems/alpha/organizations/",
        {"name": "", "sector": "spaceport"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert set(response.json()) == {"name", "sector"}
    response = client.patch(
        f"/api/v1/ecosystems/alpha/memberships/{world.memberships['admin'].pk}/",
        {"role": "member"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "at least one backbone admin" in response.json()["detail"]


def test_api_organization_list_paginates_with_flat_queries(
    world: World, django_assert_max_num_queries: Any
) -> None:
    from tests.conftest import make_organization

    for i in range(60):
        make_organization(world.alpha, f"Partner {i:02d}")
    client = world.client("member")
    client.get("/api/v1/ecosystems/alpha/organizations/")
    with django_assert_max_num_queries(10):
        body = client.get("/api/v1/ecosystems/alpha/organizations/?per_page=20&page=2").json()
    assert body["count"] == 62
    assert len(body["results"]) == 20
    assert body["results"][0]["contacts"] is None  # members see no contacts


def test_partner_staff_updates_own_organization_through_the_api(world: World) -> None:
    client = world.client("partner_a")
    response = client.patch(
        f"/api/v1/ecosystems/alpha/organizations/{world.org_a.slug}/",
        {"phone": "555-0142"},
        content_type="application/json",
    )
    assert response.status_code == 200
    assert response.json()["phone"] == "555-0142"
    assert response.json()["contacts"] == []
