"""The listing and location forms refuse incoherent data with a message on the field at fault."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from ecotone.directory.listings.state import program_state
from ecotone.directory.models import (
    CoordinatesSource,
    ListingChange,
    Location,
    Program,
    Schedule,
    ServiceCapacity,
)
from tests.conftest import World
from tests.directory.listings import WEEKLY, listing_data
from tests.directory.test_search import add_program
from tests.html_forms import browser_form
from tests.test_i18n import spanish_client

pytestmark = pytest.mark.django_db


def create_url(world: World) -> str:
    return reverse("listings:program_create", args=["alpha", world.org_a.slug])


def post_listing(world: World, **kwargs: Any) -> Any:
    return world.client("partner_a").post(create_url(world), listing_data(**kwargs))


def field_errors(response: Any, prefix: str = "") -> dict[str, list[str]]:
    """Errors of the program form, or of the first form of a formset (`prefix`)."""
    if prefix:
        return dict(response.context[prefix].forms[0].errors)
    return dict(response.context["form"].errors)


def test_the_empty_form_offers_profile_languages_and_locations(world: World) -> None:
    Location.objects.create(ecosystem=world.alpha, organization=world.org_a, name="Riverton hall")
    response = world.client("partner_a").get(create_url(world))
    assert response.status_code == 200
    html = response.content.decode()
    for text in ("Grades", "STEM fields", "Languages", "Riverton hall", "When it meets"):
        assert text in html
    # Every part is on the page; a new listing is sent from its last step.
    assert "Next: Who it is for" in html


def test_a_valid_listing_is_accepted(world: World) -> None:
    response = post_listing(world, schedules=[WEEKLY])
    assert response.status_code == 302
    assert ListingChange.objects.count() == 1


@pytest.mark.parametrize(
    ("schedule", "field", "message"),
    [
        ({"byday": []}, "byday", "needs at least one day of the week"),
        ({"closes_at": "15:00"}, "closes_at", "end time must be after the start time"),
        ({"closes_at": ""}, "closes_at", "both the start and the end time"),
        (
            {"dtstart": "2026-09-01", "until": "2026-08-01"},
            "until",
            "must not be before the first one",
        ),
        (
            {"dtstart": "2026-09-01", "until": "2026-12-01", "count": "10"},
            "count",
            "not both",
        ),
        ({"until": "2026-12-01"}, "dtstart", "Give the first session"),
        ({"bymonthday": "1,15"}, "bymonthday", "only apply to monthly"),
        ({"freq": "MONTHLY", "byday": [], "bymonthday": ""}, "bymonthday", "needs days of"),
        ({"freq": "MONTHLY", "byday": [], "bymonthday": "1,x"}, "bymonthday", "day numbers"),
        ({"freq": "MONTHLY", "byday": [], "bymonthday": "32"}, "bymonthday", "day numbers"),
        ({"interval": "0"}, "interval", ""),
        (
            # Coherent field by field, but February has no 31st: no session at all.
            {
                "freq": "MONTHLY",
                "byday": [],
                "bymonthday": "31",
                "dtstart": "2027-02-01",
                "until": "2027-02-28",
            },
            "dtstart",
            "produces no session",
        ),
    ],
)
def test_schedule_rules_are_checked_field_by_field(
    world: World, schedule: dict[str, Any], field: str, message: str
) -> None:
    response = post_listing(world, schedules=[{**WEEKLY, **schedule}])
    assert response.status_code == 200
    errors = field_errors(response, "schedules")
    assert field in errors, errors
    assert message in " ".join(errors[field])
    assert not ListingChange.objects.exists()


def test_a_monthly_schedule_on_days_of_the_month_is_accepted(world: World) -> None:
    monthly = {
        "freq": "MONTHLY",
        "interval": "1",
        "bymonthday": "1, 15",
        "dtstart": "2026-09-01",
        "count": "6",
    }
    assert post_listing(world, schedules=[monthly]).status_code == 302
    saved = ListingChange.objects.get().proposed["schedules"][0]
    assert saved["bymonthday"] == "1,15"
    assert saved["count"] == 6


def test_ages_must_fit_the_grade_bands(world: World) -> None:
    response = post_listing(world, profile_grade_band=["6-8"], minimum_age="5", maximum_age="8")
    errors = field_errors(response)
    assert "do not fit grades" in " ".join(errors["maximum_age"])
    assert "6–8" in " ".join(errors["maximum_age"])
    assert "profile_grade_band" in errors


def test_ages_that_reach_the_grade_bands_are_accepted(world: World) -> None:
    response = post_listing(
        world, profile_grade_band=["3-5", "6-8"], minimum_age="9", maximum_age="13"
    )
    assert response.status_code == 302


def test_maximum_age_must_not_be_below_the_minimum(world: World) -> None:
    errors = field_errors(post_listing(world, minimum_age="12", maximum_age="10"))
    assert "must not be below the minimum" in " ".join(errors["maximum_age"])


def test_more_places_cannot_be_open_than_exist(world: World) -> None:
    response = post_listing(
        world, capacities=[{"unit": "seats", "available": "25", "maximum": "20"}]
    )
    errors = field_errors(response, "capacities")
    assert "Open places must not be more than" in " ".join(errors["available"])


def test_a_listing_needs_a_name(world: World) -> None:
    assert "name" in field_errors(post_listing(world, name=""))


def existing_program(world: World) -> Program:
    """A live listing with a schedule without times and a capacity, as imports create."""
    program = add_program(world, "Robot Club", description="Build robots.", phone="555-0100")
    Schedule.objects.create(program=program, freq="WEEKLY", byday="TU")
    ServiceCapacity.objects.create(
        program=program, unit="seats", available=4, maximum=12, updated=timezone.now()
    )
    return program


def test_an_edit_form_saved_as_the_browser_sends_it_keeps_the_listing(world: World) -> None:
    program = existing_program(world)
    before = program_state(program)
    client = world.client("partner_a")
    url = reverse("listings:program_edit", args=["alpha", program.slug])
    data = browser_form(client.get(url).content.decode(), "schedules-TOTAL_FORMS")
    # The blank extra rows come with their defaults, as a browser shows and sends them.
    assert data["schedules-1-freq"] == "WEEKLY"
    assert data["capacities-1-unit"] == "seats"

    response = client.post(url, data)
    assert response.status_code == 302, response.context["schedules"].errors
    assert ListingChange.objects.pending().get().proposed == before

    data = browser_form(client.get(url).content.decode(), "schedules-TOTAL_FORMS")
    response = client.post(url, {**data, "phone": "555-0199"})
    assert response.status_code == 302
    proposed = ListingChange.objects.pending().get().proposed
    assert proposed == {**before, "fields": {**before["fields"], "phone": "555-0199"}}


def test_an_edit_form_in_spanish_keeps_its_dates_as_a_date_picker_reads_them(
    world: World,
) -> None:
    program = existing_program(world)
    Schedule.objects.filter(program=program).update(
        dtstart=date(2026, 9, 14), until=date(2026, 12, 6)
    )
    before = program_state(program)
    client = spanish_client(world.client("partner_a"))
    url = reverse("listings:program_edit", args=["alpha", program.slug])
    page = client.get(url).content.decode()
    assert 'type="date" name="schedules-0-dtstart" value="2026-09-14"' in page
    assert 'type="date" name="schedules-0-until" value="2026-12-06"' in page

    response = client.post(url, browser_form(page, "schedules-TOTAL_FORMS"))
    assert response.status_code == 302, response.context["schedules"].errors
    assert ListingChange.objects.pending().get().proposed == before


def test_a_date_picker_s_iso_value_is_accepted_in_spanish(world: World) -> None:
    client = spanish_client(world.client("partner_a"))
    weekly = {**WEEKLY, "dtstart": "2026-09-14", "until": "2026-12-06"}
    response = client.post(create_url(world), listing_data(schedules=[weekly]))
    assert response.status_code == 302
    (schedule,) = ListingChange.objects.get().proposed["schedules"]
    assert (schedule["dtstart"], schedule["until"]) == ("2026-09-14", "2026-12-06")


def test_a_new_listing_without_schedule_is_accepted_from_the_browser(world: World) -> None:
    client = world.client("partner_a")
    data = browser_form(client.get(create_url(world)).content.decode(), "schedules-TOTAL_FORMS")
    data.update(name="Coding Nights", description="Build games.")
    assert client.post(create_url(world), data).status_code == 302
    assert ListingChange.objects.get().proposed["schedules"] == []


# Locations ------------------------------------------------------------------------------------


def location_url(world: World) -> str:
    return reverse("listings:location_create", args=["alpha", world.org_a.slug])


ADDRESS = {
    "location_type": "physical",
    "name": "Riverton hall",
    "address_1": "1 Main St",
    "city": "Columbus",
    "state_province": "OH",
    "postal_code": "43215",
}


def test_a_location_without_coordinates_is_placed_at_its_zip_code(world: World) -> None:
    response = world.client("partner_a").post(location_url(world), ADDRESS)
    assert response.status_code == 302
    location = Location.objects.get(name="Riverton hall")
    assert location.organization == world.org_a
    assert location.coordinates_source == CoordinatesSource.ZIP_CENTROID
    assert location.latitude == pytest.approx(39.96, abs=0.05)


def test_a_location_needs_a_known_zip_code_or_coordinates(world: World) -> None:
    response = world.client("partner_a").post(location_url(world), {**ADDRESS, "postal_code": ""})
    assert "known US ZIP code" in " ".join(response.context["form"].errors["postal_code"])


def test_latitude_and_longitude_come_together(world: World) -> None:
    response = world.client("partner_a").post(location_url(world), {**ADDRESS, "latitude": "40"})
    assert "longitude" in response.context["form"].errors


def test_a_place_outside_the_region_needs_an_explicit_confirmation(world: World) -> None:
    client = world.client("partner_a")
    # The confirmation checkbox is not on the form until it is needed.
    assert 'type="checkbox" name="outside_region_confirmed"' not in (
        client.get(location_url(world)).content.decode()
    )
    far = {**ADDRESS, "latitude": "44.0", "longitude": "-70.0"}
    response = client.post(location_url(world), far)
    assert response.status_code == 200
    assert "outside Alpha Valley STEM Alliance" in " ".join(
        response.context["form"].errors["outside_region_confirmed"]
    )
    assert 'type="checkbox" name="outside_region_confirmed"' in response.content.decode()
    assert not Location.objects.exists()
    response = client.post(location_url(world), {**far, "outside_region_confirmed": "on"})
    assert response.status_code == 302
    assert Location.objects.get().coordinates_source == CoordinatesSource.ENTERED


def test_a_zip_code_outside_the_region_needs_the_confirmation_too(world: World) -> None:
    response = world.client("partner_a").post(
        location_url(world), {**ADDRESS, "postal_code": "10001", "city": "New York"}
    )
    assert "outside_region_confirmed" in response.context["form"].errors


def test_a_virtual_location_needs_its_address(world: World) -> None:
    response = world.client("partner_a").post(
        location_url(world), {"location_type": "virtual", "name": "Online"}
    )
    assert "url" in response.context["form"].errors


def test_a_second_editor_of_a_location_sees_the_first_change_and_keeps_their_input(
    world: World,
) -> None:
    assert world.client("partner_a").post(location_url(world), ADDRESS).status_code == 302
    location = Location.objects.get()
    url = reverse("listings:location_edit", args=["alpha", location.hsds_id])
    first, second = world.client("partner_a"), world.client("staff")
    first_form = browser_form(first.get(url).content.decode(), "address_1")
    second_form = browser_form(second.get(url).content.decode(), "address_1")
    assert first.post(url, {**first_form, "name": "Riverton town hall"}).status_code == 302

    response = second.post(url, {**second_form, "description": "Side door on Elm St"})

    assert response.status_code == 200
    html = response.content.decode()
    assert "Someone else changed this record after you opened it" in html
    assert [(c.before, c.after) for c in response.context["conflict"].changes] == [
        ("Riverton hall", "Riverton town hall")
    ]
    assert "Side door on Elm St" in html  # their input is kept
    location.refresh_from_db()
    assert (location.name, location.description) == ("Riverton town hall", "")

    again = browser_form(html, "address_1")
    assert second.post(url, again).status_code == 302
    location.refresh_from_db()
    assert (location.name, location.description) == ("Riverton hall", "Side door on Elm St")
