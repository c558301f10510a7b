"""The listing form in steps: one part of the listing at a time, each step checked by the same
form before the next, the whole listing carried by the page from step to step, and a failed
save shown at the step holding its first error, with the summary."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.urls import reverse

from ecotone.directory.models import ListingChange, Location
from tests.conftest import World
from tests.directory.listings import WEEKLY, listing_data
from tests.directory.test_listing_forms import existing_program
from tests.html_forms import browser_form
from tests.test_error_summary import links, summary

pytestmark = pytest.mark.django_db

STEPS = ["about", "who", "when", "cost"]


def create_url(world: World) -> str:
    return reverse("listings:program_create", args=["alpha", world.org_a.slug])


def shown_steps(response: Any) -> list[str]:
    """The steps whose part of the form the page shows (the others are there, hidden)."""
    html = response.content.decode()
    sections = re.findall(r'<section class="listing-step"[^>]*id="step-(\w+)"([^>]*)>', html)
    assert [code for code, _rest in sections] == STEPS
    return [code for code, rest in sections if " hidden" not in rest]


def current_step(response: Any) -> str:
    match = re.search(r'aria-current="step"[^>]*>\s*(?:<[^>]+>\s*)*(\d)', response.content.decode())
    assert match
    return STEPS[int(match.group(1)) - 1]


def test_the_form_opens_on_its_first_step_with_the_rest_hidden(world: World) -> None:
    response = world.client("partner_a").get(create_url(world))
    assert shown_steps(response) == ["about"]
    assert current_step(response) == "about"
    html = response.content.decode()
    assert "Step 1 of 4" in html
    assert 'name="step" value="2"' in html  # Next
    # A new listing is sent at the last step only.
    assert "Send for review" not in html


def test_an_invalid_step_stays_put_with_the_summary(world: World) -> None:
    response = world.client("partner_a").post(
        create_url(world), {**listing_data(name=""), "step": "2"}
    )
    assert response.status_code == 200
    assert shown_steps(response) == ["about"]
    assert links(response) == ["#id_name"]
    assert not ListingChange.objects.exists()


def test_a_valid_step_moves_on_without_a_word(world: World) -> None:
    response = world.client("partner_a").post(create_url(world), {**listing_data(), "step": "2"})
    assert shown_steps(response) == ["who"]
    assert summary(response).found == 0
    assert not ListingChange.objects.exists()


def test_a_later_step_is_reached_only_past_valid_steps(world: World) -> None:
    client = world.client("partner_a")
    data = listing_data(minimum_age="12", maximum_age="10")
    response = client.post(create_url(world), {**data, "step": "4"})
    assert shown_steps(response) == ["who"]
    assert links(response) == ["#id_maximum_age"]
    # Going back is never held up.
    response = client.post(create_url(world), {**data, "step": "1"})
    assert shown_steps(response) == ["about"]
    assert summary(response).found == 0


def test_the_last_step_sends_the_listing(world: World) -> None:
    response = world.client("partner_a").post(create_url(world), {**listing_data(), "step": "4"})
    assert shown_steps(response) == ["cost"]
    assert "Send for review" in response.content.decode()


def test_a_failed_save_shows_the_step_of_the_first_error_with_the_summary(world: World) -> None:
    client = world.client("partner_a")
    capacity = {"unit": "seats", "available": "25", "maximum": "20"}
    response = client.post(create_url(world), listing_data(capacities=[capacity]))
    assert response.status_code == 200
    assert shown_steps(response) == ["when"]
    assert current_step(response) == "when"
    assert links(response) == ["#id_capacities-0-available"]

    # Mistakes on two steps: both are shown, the first one current, every error listed.
    response = client.post(create_url(world), listing_data(name="", capacities=[capacity]))
    assert shown_steps(response) == ["about", "when"]
    assert current_step(response) == "about"
    assert links(response) == ["#id_name", "#id_capacities-0-available"]
    assert not ListingChange.objects.exists()


def test_a_walk_through_the_steps_saves_the_same_listing_as_one_post(world: World) -> None:
    hall = Location.objects.create(
        ecosystem=world.alpha, organization=world.org_a, name="Riverton hall"
    )
    answers = [
        {"name": "Coding Nights", "description": "Build games in Python.", "alternate_name": "CN"},
        {
            "profile_grade_band": ["6-8"],
            "minimum_age": "11",
            "maximum_age": "14",
            "languages": ["es"],
        },
        {
            "locations": [str(hall.hsds_id)],
            **{f"schedules-0-{key}": value for key, value in WEEKLY.items()},
            "capacities-0-available": "8",
            "capacities-0-maximum": "12",
        },
        {"cost_band": "low", "phone": "555-0100", "email": "hi@coding.test"},
    ]
    client = world.client("partner_a")
    response = client.get(create_url(world))
    for number, step_answers in enumerate(answers, start=1):
        assert shown_steps(response) == [STEPS[number - 1]]
        data = {**browser_form(response.content.decode(), "name"), **step_answers}
        if number < len(answers):
            data["step"] = str(number + 1)
        response = client.post(create_url(world), data)
    assert response.status_code == 302
    walked = ListingChange.objects.get()

    one_post = {key: value for step_answers in answers for key, value in step_answers.items()}
    one_post = {
        **listing_data(schedules=[WEEKLY], capacities=[{"unit": "seats"}]),
        **one_post,
    }
    walked.delete()
    assert client.post(create_url(world), one_post).status_code == 302
    assert walked.proposed == ListingChange.objects.get().proposed
    assert walked.proposed["fields"]["phone"] == "555-0100"
    assert walked.proposed["schedules"][0]["byday"] == "MO,WE"


def test_an_edit_can_be_saved_from_any_step(world: World) -> None:
    program = existing_program(world)
    client = world.client("partner_a")
    url = reverse("listings:program_edit", args=["alpha", program.slug])
    response = client.get(url)
    assert shown_steps(response) == ["about"]
    assert "Send for review" in response.content.decode()
    data = {**browser_form(response.content.decode(), "name"), "phone": "555-0199"}
    assert client.post(url, data).status_code == 302
    assert ListingChange.objects.pending().get().proposed["fields"]["phone"] == "555-0199"


def test_the_steps_are_in_spanish(world: World) -> None:
    client = world.client("partner_a")
    client.cookies["django_language"] = "es"
    html = client.get(create_url(world)).content.decode()
    assert "Paso 1 de 4" in html
    assert "Sobre el programa" in html


def test_every_field_of_the_listing_is_on_exactly_one_step(world: World) -> None:
    from ecotone.directory.forms import ProgramForm
    from ecotone.directory.listings.steps import STEPS

    on_steps = [name for step in STEPS for name in step.fields]
    assert sorted(on_steps) == sorted(ProgramForm().fields)
    assert len(set(on_steps)) == len(on_steps)
