"""Lists and texts are limited to what a real record needs, in forms and the API alike, and
refused beyond with the field named (one PATCH with 12,000 contacts held every writer up)."""

from __future__ import annotations

from ecotone import limits
from tests.conftest import World
from tests.ecosystems.test_organization_pages import contact_post

API = "/api/v1/ecosystems/alpha/organizations/robotics-for-all/"


def test_api_refuses_more_contacts_than_a_partner_needs_naming_contacts(world: World) -> None:
    contacts = [{"name": f"Contact {n}"} for n in range(limits.CONTACTS + 1)]
    response = world.client("partner_a").patch(
        API, {"contacts": contacts}, content_type="application/json"
    )
    assert response.status_code == 400
    assert "contacts" in response.json()
    assert not world.org_a.contacts.exists()
    response = world.client("partner_a").patch(
        API, {"contacts": contacts[: limits.CONTACTS]}, content_type="application/json"
    )
    assert response.status_code == 200
    assert world.org_a.contacts.count() == limits.CONTACTS


def test_api_refuses_an_over_long_text_naming_the_field(world: World) -> None:
    response = world.client("partner_a").patch(
        API, {"description": "x" * (limits.LONG_TEXT + 1)}, content_type="application/json"
    )
    assert response.status_code == 400
    assert list(response.json()) == ["description"]
    world.org_a.refresh_from_db()
    assert world.org_a.description == ""


def test_edit_form_refuses_more_contacts_than_a_partner_needs(world: World) -> None:
    rows = [{"name": f"Contact {n}"} for n in range(limits.CONTACTS + 1)]
    response = world.client("partner_a").post(
        "/e/alpha/partners/robotics-for-all/edit/", contact_post(world, rows, initial=0)
    )
    assert response.status_code == 200
    assert f"Please submit at most {limits.CONTACTS} forms." in response.content.decode()
    assert not world.org_a.contacts.exists()


def test_edit_form_refuses_an_over_long_description(world: World) -> None:
    data = contact_post(world, [], initial=0)
    data["description"] = "x" * (limits.LONG_TEXT + 1)
    response = world.client("partner_a").post("/e/alpha/partners/robotics-for-all/edit/", data)
    assert response.status_code == 200
    assert "Ensure this value has at most" in response.content.decode()
    world.org_a.refresh_from_db()
    assert world.org_a.description == ""
