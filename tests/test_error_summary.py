"""A failed submit says at the top of the form what went wrong: one summary, the same on every
form, listing each error as a link to its field; the fields at fault are marked invalid."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from tests.conftest import World, make_user
from tests.directory.listings import listing_data
from tests.mentoring.test_people_pages import sign_up_form

pytestmark = pytest.mark.django_db


class _Summary(HTMLParser):
    """The error summary's heading and entries: (text, link or None)."""

    def __init__(self) -> None:
        super().__init__()
        self.found = 0
        self.attrs: dict[str, str] = {}
        self.heading = ""
        self.entries: list[tuple[str, str | None]] = []
        self._depth = 0
        self._in: str | None = None
        self._href: str | None = None
        self._text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {key: value or "" for key, value in attrs}
        if tag == "div" and "error-summary" in a.get("class", "").split():
            self.found += 1
            self.attrs = a
            self._depth = 1
            return
        if not self._depth:
            return
        if tag == "div":
            self._depth += 1
        elif tag in ("h2", "li"):
            self._in, self._text, self._href = tag, "", None
        elif tag == "a" and self._in == "li":
            self._href = a.get("href")

    def handle_endtag(self, tag: str) -> None:
        if not self._depth:
            return
        if tag == "div":
            self._depth -= 1
        elif tag == "h2" and self._in == "h2":
            self.heading, self._in = " ".join(self._text.split()), None
        elif tag == "li" and self._in == "li":
            self.entries.append((" ".join(self._text.split()), self._href))
            self._in = None

    def handle_data(self, data: str) -> None:
        if self._in:
            self._text += data


def summary(response: Any) -> _Summary:
    reader = _Summary()
    reader.feed(response.content.decode())
    return reader


def links(response: Any) -> list[str]:
    return [href for _text, href in summary(response).entries if href]


def marked_invalid(response: Any, field_id: str) -> bool:
    """The field's widget has aria-invalid and is described by its error text, which exists."""
    html = response.content.decode()
    tag = re.search(rf'<(?:input|select|textarea)[^>]*\sid="{field_id}"[^>]*>', html)
    assert tag, field_id
    described = re.search(r'aria-describedby="([^"]*)"', tag.group(0))
    return (
        'aria-invalid="true"' in tag.group(0)
        and described is not None
        and all(f'id="{ref}"' in html for ref in described.group(1).split())
        and f"{field_id}_error" in described.group(1)
    )


def test_a_form_shown_for_the_first_time_has_no_summary(world: World) -> None:
    response = world.client("staff").get("/e/alpha/partners/new/")
    assert summary(response).found == 0


def test_the_partner_form_lists_each_error_with_a_link_to_its_field(world: World) -> None:
    response = world.client("staff").post(
        "/e/alpha/partners/new/",
        {"name": "", "sector": "", "coalition_role": "partner", "email": "not an email"},
    )
    assert response.status_code == 200
    found = summary(response)
    assert found.found == 1
    assert found.heading == "There is a problem"
    assert found.attrs["role"] == "alert"
    assert found.attrs["tabindex"] == "-1"
    assert links(response) == ["#id_name", "#id_sector", "#id_email"]
    assert any(text.startswith("Name") for text, _href in found.entries)
    assert marked_invalid(response, "id_name")


def test_the_partner_form_and_its_contacts_share_one_summary(world: World) -> None:
    data = {
        "name": "",
        "email": "not an email",
        "sector": "youth_nonprofit",
        "coalition_role": "partner",
        "contacts-TOTAL_FORMS": "2",
        "contacts-INITIAL_FORMS": "0",
        "contacts-MIN_NUM_FORMS": "0",
        "contacts-MAX_NUM_FORMS": "20",
        "contacts-0-name": "One",
        "contacts-0-is_primary": "on",
        "contacts-1-name": "Two",
        "contacts-1-is_primary": "on",
        "contacts-1-email": "nor this",
    }
    url = f"/e/alpha/partners/{world.org_a.slug}/edit/"
    client = world.client("partner_a")
    response = client.post(url, data)
    found = summary(response)
    assert found.found == 1
    assert links(response) == ["#id_name", "#id_email", "#id_contacts-1-email"]
    assert any(text.startswith("Contact 2: Email") for text, _href in found.entries)
    assert marked_invalid(response, "id_contacts-1-email")

    data.update({"name": "Robotics For All", "email": "", "contacts-1-email": ""})
    found = summary(client.post(url, data))
    # A rule about several contacts names no one field: listed, without a link.
    assert found.entries == [("Only one contact can be the primary contact.", None)]


def test_the_location_form_links_to_the_zip_code(world: World) -> None:
    url = reverse("listings:location_create", args=["alpha", world.org_a.slug])
    response = world.client("partner_a").post(
        url, {"location_type": "physical", "name": "", "postal_code": ""}
    )
    assert links(response) == ["#id_name", "#id_postal_code"]
    assert marked_invalid(response, "id_name")


def test_the_listing_form_links_to_fields_and_schedule_rows(world: World) -> None:
    url = reverse("listings:program_create", args=["alpha", world.org_a.slug])
    response = world.client("partner_a").post(
        url,
        listing_data(
            name="",
            minimum_age="12",
            maximum_age="10",
            schedules=[{"freq": "WEEKLY", "interval": "1", "opens_at": "15:00"}],
        ),
    )
    assert response.status_code == 200
    found = links(response)
    assert "#id_name" in found
    assert "#id_maximum_age" in found
    # A checkbox group is reached at its first box.
    assert "#id_schedules-0-byday_0" in found
    entries = dict(summary(response).entries)
    assert any(text.startswith("Schedule 1") for text in entries)
    assert marked_invalid(response, "id_maximum_age")


def test_the_opportunity_form_marks_its_schedule_times(world: World) -> None:
    from tests.mentoring.builders import make_program

    make_program(world.org_a, "Robot Club")
    response = world.client("partner_a").post(
        "/e/alpha/mentoring/opportunities/new/", {"title": "", "day1_start": "19:00"}
    )
    assert response.status_code == 200
    found = links(response)
    assert "#id_title" in found
    assert "#id_day1_end" in found
    assert marked_invalid(response, "id_day1_end")


def test_the_mentor_sign_up_lists_the_zip_code_with_the_other_errors(world: World) -> None:
    """An unknown home ZIP is a field error found in the same submit as the rest, not a
    refusal that only comes once everything else is right."""
    client = Client()
    client.force_login(make_user("far@volunteer.test", name="Fay Far"))
    response = client.post(
        "/e/alpha/mentoring/join/",
        sign_up_form(home_postal_code="00000", hours_per_month="many"),
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "home_postal_code" in errors
    assert "hours_per_month" in errors
    found = links(response)
    assert "#id_home_postal_code" in found
    assert "#id_hours_per_month" in found
    assert marked_invalid(response, "id_home_postal_code")


def test_the_summary_is_in_spanish_for_spanish_readers(world: World) -> None:
    client = world.client("staff")
    client.cookies["django_language"] = "es"
    response = client.post("/e/alpha/partners/new/", {"name": "", "sector": ""})
    assert summary(response).heading == "Hay un problema"
