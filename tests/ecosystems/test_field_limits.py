"""Lists and texts are limited to what a real record needs, in forms and the API alike, and
refused beyond with the field named (one PATCH with 12,000 contacts held every writer up)."""

from __future__ import annotations

import json
import math
from typing import Any

from ecotone import limits
from ecotone.atlas import services as atlas_services
from ecotone.directory.models import ListingChange
from ecotone.mentoring.models import Mentor, Opportunity
from tests.conftest import World
from tests.directory.test_moderation import submit_new
from tests.ecosystems.test_organization_pages import contact_post
from tests.html_forms import browser_form
from tests.mentoring.builders import make_mentor, make_program
from tests.mentoring.test_opps_pages import post_data

API = "/api/v1/ecosystems/alpha/organizations/robotics-for-all/"
ANALYSES = "/api/v1/ecosystems/alpha/analyses/"
ANALYSIS_SETTINGS = "/e/alpha/atlas/settings/"
MENTOR_PROFILE = "/e/alpha/mentoring/profile/"
OPPORTUNITIES = "/e/alpha/mentoring/opportunities/"
SETTINGS = "/e/alpha/settings/"


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


def test_a_listing_refuses_a_choice_given_twice_naming_the_field(world: World) -> None:
    response = submit_new(world, name="Coding Nights", profile_stem_field=["computing"] * 300)
    assert response.status_code == 200
    assert "profile_stem_field" in response.context["form"].errors
    assert not ListingChange.objects.exists()


# A choice given more than once -----------------------------------------------------------------


def test_mentor_profile_refuses_a_choice_given_twice_naming_the_field(world: World) -> None:
    make_mentor(world.alpha, user=world.users["mentor"], home_postal_code="43215")
    client = world.client("mentor")
    data = browser_form(client.get(MENTOR_PROFILE).content.decode(), "occupation")
    data["topics"] = ["robotics"] * 500
    response = client.post(MENTOR_PROFILE, data)
    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["topics"]
    assert Mentor.objects.get(user=world.users["mentor"]).topics == ["robotics", "computing"]
    data["topics"] = ["robotics"]
    assert client.post(MENTOR_PROFILE, data).status_code == 302


def test_an_opportunity_refuses_a_choice_given_twice_naming_the_field(world: World) -> None:
    program = make_program(world.org_a)
    data = post_data(program=program.pk, grade_bands=["6-8", "6-8"], languages=["es"] * 300)
    response = world.client("partner_a").post(OPPORTUNITIES + "new/", data)
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"grade_bands", "languages"}
    assert not Opportunity.objects.exists()


def test_analysis_settings_refuse_a_choice_given_twice_naming_the_field(world: World) -> None:
    client = world.client("staff")
    data = browser_form(client.get(ANALYSIS_SETTINGS).content.decode(), "catchment_rural")
    data.update(stem_fields=["robotics"] * 400, activity_types=["competition", "competition"])
    response = client.post(ANALYSIS_SETTINGS, data)
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"stem_fields", "activity_types"}
    assert atlas_services.default_analysis(world.alpha).parameters["stem_fields"] == []


# Sizes of structured values ----------------------------------------------------------------------


def outline(positions: int) -> dict[str, Any]:
    """A closed ring of `positions` positions around Riverton, Ohio."""
    ring = [
        [
            -82.9 + 0.1 * math.cos(2 * math.pi * n / (positions - 1)),
            39.9 + 0.1 * math.sin(2 * math.pi * n / (positions - 1)),
        ]
        for n in range(positions - 1)
    ]
    return {"type": "Polygon", "coordinates": [[*ring, ring[0]]]}


def test_settings_refuse_a_region_outline_with_too_many_positions(world: World) -> None:
    client = world.client("admin")
    data = browser_form(client.get(SETTINGS).content.decode(), "region_geojson")
    data["region_geojson"] = json.dumps(outline(limits.REGION_POSITIONS + 1))
    response = client.post(SETTINGS, data)
    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["region_geojson"]
    world.alpha.refresh_from_db()
    assert world.alpha.region_geojson is None
    data["region_geojson"] = json.dumps(outline(limits.REGION_POSITIONS))
    assert client.post(SETTINGS, data).status_code == 302
    world.alpha.refresh_from_db()
    assert len(world.alpha.region_geojson["coordinates"][0]) == limits.REGION_POSITIONS


def test_api_refuses_analysis_settings_past_their_size_naming_parameters(world: World) -> None:
    client = world.client("staff")
    stuffed = {"stem_fields": ["robotics"] * (limits.ANALYSIS_SETTINGS // 10)}
    response = client.patch(
        ANALYSES + "default/", {"parameters": stuffed}, content_type="application/json"
    )
    assert response.status_code == 400
    assert list(response.json()) == ["parameters"]
    response = client.post(
        ANALYSES, {"name": "Stuffed", "parameters": stuffed}, content_type="application/json"
    )
    assert response.status_code == 400
    assert list(response.json()) == ["parameters"]
    response = client.patch(
        ANALYSES + "default/",
        {"parameters": {"stem_fields": ["robotics"]}},
        content_type="application/json",
    )
    assert response.status_code == 200
