"""The mentor pages: who gets what on each address (one table), sign-up, the own profile,
pausing and withdrawing, the backbone's list (filters, export, query count), a mentor's page
(contact details and self-identification only for the right people) and employers' rosters."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from ecotone.ecosystems import roles
from ecotone.ecosystems.models import Role
from ecotone.ecosystems.services import grant_role
from ecotone.mentoring.models import (
    Consent,
    ConsentKind,
    Match,
    MatchStatus,
    Mentor,
    MentorStatus,
)
from ecotone.mentoring.services import matches
from tests.conftest import PERSONAS, World, make_user
from tests.html_forms import browser_form
from tests.mentoring.builders import clear, make_mentor, make_opportunity, make_program

BASE = "/e/alpha/mentoring/"


@pytest.fixture
def people(world: World) -> World:
    """Ada, a mentor employed by org_a who shares her identity and lets her employer see her
    hours, and a profile for the `mentor` persona."""
    ada = make_mentor(
        world.alpha,
        "ada@mentor.test",
        name="Ada Lovelace",
        phone="555-0101",
        employer=world.org_a,
        shares_identity=True,
        identity_tags=["woman", "first_generation"],
        occupation="Mathematician",
    )
    Consent.objects.create(mentor=ada, kind=ConsentKind.EMPLOYER)
    Consent.objects.create(mentor=ada, kind=ConsentKind.IDENTITY)
    make_mentor(world.alpha, user=world.users["mentor"], occupation="Chemist")
    world.ada = ada  # type: ignore[attr-defined]
    return world


def ada_client(world: World) -> Client:
    client = Client()
    client.force_login(world.ada.user)  # type: ignore[attr-defined]
    return client


def page(response: Any) -> str:
    assert response.status_code == 200, response.status_code
    return str(response.content.decode())


# Who gets what -------------------------------------------------------------------------------

# persona -> expected status, per address ("ada" is filled in with Ada's id).
TABLE: dict[str, dict[str, int]] = {
    "join/": {
        "anonymous": 200,
        "outsider": 200,
        "operator": 200,
        "member": 200,
        "mentor": 302,  # already a mentor: to the profile
        "reviewer": 200,
        "partner_a": 200,
        "partner_b": 200,
        "staff": 200,
        "admin": 200,
    },
    "profile/": {
        "anonymous": 302,
        "outsider": 404,
        "operator": 404,
        "member": 302,  # not a mentor: to join/
        "mentor": 200,
        "reviewer": 302,
        "partner_a": 302,
        "partner_b": 302,
        "staff": 302,
        "admin": 302,
    },
    "mentors/": {
        "anonymous": 302,
        "outsider": 404,
        "operator": 404,
        "member": 403,
        "mentor": 403,
        "reviewer": 403,
        "partner_a": 403,
        "partner_b": 403,
        "staff": 200,
        "admin": 200,
    },
    # Ada has not started screening: no program sees her yet (every stage is in
    # tests/test_permissions.py, page and API), nor does another mentor.
    "mentors/ada/": {
        "anonymous": 302,
        "outsider": 404,
        "operator": 404,
        "member": 403,
        "mentor": 404,
        "reviewer": 403,
        "partner_a": 404,
        "partner_b": 404,
        "staff": 200,
        "admin": 200,
    },
    "screening/": {
        "anonymous": 302,
        "outsider": 404,
        "operator": 404,
        "member": 403,
        "mentor": 403,
        "reviewer": 403,
        "partner_a": 403,
        "partner_b": 403,
        "staff": 403,
        "admin": 200,
    },
    "screening/new/": {
        "anonymous": 302,
        "outsider": 404,
        "operator": 404,
        "member": 403,
        "mentor": 403,
        "reviewer": 403,
        "partner_a": 403,
        "partner_b": 403,
        "staff": 403,
        "admin": 200,
    },
    "screening/expiring/": {
        "anonymous": 302,
        "outsider": 404,
        "operator": 404,
        "member": 403,
        "mentor": 403,
        "reviewer": 403,
        "partner_a": 403,
        "partner_b": 403,
        "staff": 200,
        "admin": 200,
    },
    "employers/robotics-for-all/": {
        "anonymous": 302,
        "outsider": 404,
        "operator": 404,
        "member": 403,
        "mentor": 403,
        "reviewer": 403,
        "partner_a": 200,
        "partner_b": 404,  # another organization's roster
        "staff": 200,
        "admin": 200,
    },
}
CASES = [(address, persona) for address in TABLE for persona in PERSONAS]


@pytest.mark.parametrize(("address", "persona"), CASES)
def test_each_persona_gets_what_the_table_says(people: World, address: str, persona: str) -> None:
    url = BASE + address.replace("ada", str(people.ada.pk))  # type: ignore[attr-defined]
    response = people.client(persona).get(url)
    assert response.status_code == TABLE[address][persona]


def test_a_mentor_sees_their_own_page_and_not_anothers(people: World) -> None:
    ada = people.ada  # type: ignore[attr-defined]
    assert ada_client(people).get(f"{BASE}mentors/{ada.pk}/").status_code == 200
    other = Mentor.objects.get(user=people.users["mentor"])
    assert ada_client(people).get(f"{BASE}mentors/{other.pk}/").status_code == 404


def test_a_mentor_of_another_ecosystem_is_not_found(people: World) -> None:
    beta_mentor = make_mentor(people.beta, "bea@mentor.test")
    assert people.client("staff").get(f"{BASE}mentors/{beta_mentor.pk}/").status_code == 404


def test_screening_step_edit_page_is_for_backbone_admins_of_this_ecosystem(
    people: World,
) -> None:
    from ecotone.mentoring.models import ScreeningStep

    step = ScreeningStep.for_ecosystem(people.alpha).first()
    assert step is not None
    assert people.client("admin").get(f"{BASE}screening/{step.pk}/").status_code == 200
    assert people.client("staff").get(f"{BASE}screening/{step.pk}/").status_code == 403
    beta_step = ScreeningStep.for_ecosystem(people.beta).first()
    assert beta_step is not None
    assert people.client("admin").get(f"{BASE}screening/{beta_step.pk}/").status_code == 404


# Sign-up -------------------------------------------------------------------------------------


def test_visitors_see_what_mentoring_involves_and_how_to_get_an_account(world: World) -> None:
    html = page(world.client("anonymous").get(BASE + "join/"))
    assert "What mentoring involves" in html
    assert "/accounts/signup/?next=%2Fe%2Falpha%2Fmentoring%2Fjoin%2F" in html
    assert "/accounts/login/?next=%2Fe%2Falpha%2Fmentoring%2Fjoin%2F" in html
    assert "Background check" in html  # the screening steps are explained


def windows(*rows: tuple[Any, str, str]) -> dict[str, Any]:
    """The weekly availability rows as the page posts them."""
    data: dict[str, Any] = {"window-TOTAL_FORMS": str(len(rows)), "window-INITIAL_FORMS": "0"}
    for n, (day, start, end) in enumerate(rows):
        data.update(
            {f"window-{n}-weekday": day, f"window-{n}-start": start, f"window-{n}-end": end}
        )
    return data


def sign_up_form(**fields: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "occupation": "Nurse",
        "stem_field": "health",
        "topics": ["health", "science"],
        "skills": "first aid, anatomy",
        "languages": ["en", "es"],
        "grade_bands": ["9-12"],
        "modes": ["in_person", "virtual"],
        "home_postal_code": "43215",
        "travel_radius_mi": "15",
        "hours_per_month": "6",
        "max_matches": "2",
        **windows((1, "16:00", "18:30"), (5, "09:00", "12:00"), ("", "", "")),
        "agrees_to_terms": "on",
        "agrees_to_background_check": "on",
    }
    data.update(fields)
    return data


def test_signing_up_creates_the_profile_and_lists_the_next_screening_steps(
    world: World,
) -> None:
    user = make_user("nurse@volunteer.test", name="Nora Nurse")
    client = Client()
    client.force_login(user)
    form = page(client.get(BASE + "join/"))
    assert "Self-identification (optional)" in form
    assert "Programs never see it" in form
    response = client.post(
        BASE + "join/", sign_up_form(employer_may_see="on", employer=str(world.org_a.pk))
    )
    assert response.status_code == 302
    assert response["Location"] == BASE + "profile/"
    mentor = Mentor.objects.get(ecosystem=world.alpha, user=user)
    assert mentor.availability == [[1, 960, 1110], [5, 540, 720]]
    assert mentor.skills == ["first aid", "anatomy"]
    assert mentor.employer == world.org_a
    assert Role.MENTOR in roles.roles_in(user, world.alpha)
    profile = page(client.get(response["Location"]))
    assert "Your next steps" in profile
    assert "Background check" in profile
    # Already a mentor: join/ goes to the profile.
    assert client.get(BASE + "join/")["Location"] == BASE + "profile/"


MEMBER_ONLY_DATA = (
    "/e/alpha/atlas/",
    "/api/v1/ecosystems/alpha/population-areas/",
    "/e/alpha/atlas/export.csv",
)


def test_signing_up_as_a_mentor_opens_the_mentor_pages_but_not_member_only_data(
    world: World,
) -> None:
    """Anyone may give themself the mentor role: it opens their own mentoring pages, never the
    atlas, which needs a role the backbone grants."""
    user = make_user("stranger@volunteer.test", name="Sam Stranger")
    client = Client()
    client.force_login(user)
    assert [client.get(url).status_code for url in MEMBER_ONLY_DATA] == [404, 404, 404]
    assert client.post(BASE + "join/", sign_up_form()).status_code == 302
    assert client.get(BASE + "profile/").status_code == 200
    assert [client.get(url).status_code for url in MEMBER_ONLY_DATA] == [403, 403, 403]
    grant_role(world.alpha, user, Role.MEMBER, world.users["admin"])
    assert [client.get(url).status_code for url in MEMBER_ONLY_DATA] == [200, 200, 200]


def test_sign_up_shows_the_services_refusal_as_a_form_error(world: World) -> None:
    user = make_user("far@volunteer.test", name="Fay Far")
    client = Client()
    client.force_login(user)
    html = page(client.post(BASE + "join/", sign_up_form(home_postal_code="00000")))
    assert "Enter a known US ZIP code: we do not know 00000" in html
    assert not Mentor.objects.filter(user=user).exists()


def test_sign_up_refuses_times_off_the_quarter_hour_and_backwards(world: World) -> None:
    user = make_user("odd@volunteer.test")
    client = Client()
    client.force_login(user)
    html = page(client.post(BASE + "join/", sign_up_form(**windows((1, "16:10", "18:00")))))
    assert "quarter hours" in html
    html = page(client.post(BASE + "join/", sign_up_form(**windows((1, "19:00", "18:00")))))
    assert "The end must be after the start" in html
    html = page(client.post(BASE + "join/", sign_up_form(**windows(("", "10:00", "11:00")))))
    assert "Choose the day" in html
    html = page(client.post(BASE + "join/", sign_up_form(agrees_to_terms="")))
    assert not Mentor.objects.filter(user=user).exists()


# The own profile -----------------------------------------------------------------------------


def test_the_profile_shows_screening_and_saves_changes(people: World) -> None:
    client = ada_client(people)
    html = page(client.get(BASE + "profile/"))
    assert "My screening" in html
    assert "Not started" in html
    assert "Mentor training" in html
    data = sign_up_form(occupation="Analyst", shares_identity="on", identity_tags=["veteran"])
    del data["agrees_to_terms"], data["agrees_to_background_check"]
    response = client.post(BASE + "profile/", data)
    assert response.status_code == 302
    ada = Mentor.objects.get(pk=people.ada.pk)  # type: ignore[attr-defined]
    assert ada.occupation == "Analyst"
    assert ada.identity_tags == ["veteran"]
    # Opting out of identity sharing deletes the tags.
    del data["shares_identity"]
    client.post(BASE + "profile/", data)
    ada.refresh_from_db()
    assert ada.identity_tags == []


def test_the_profile_form_shows_every_saved_window_and_a_row_for_each_free_day(
    people: World,
) -> None:
    ada = people.ada  # type: ignore[attr-defined]
    ada.availability = [[0, 9 * 60, 10 * 60], [0, 15 * 60, 18 * 60], [2, 15 * 60, 24 * 60]]
    ada.save()
    html = page(ada_client(people).get(BASE + "profile/"))
    assert 'name="window-0-start" value="09:00"' in html
    assert 'name="window-1-start" value="15:00"' in html  # the second Monday window
    assert 'name="window-3-end" value="00:00"' in html  # Wednesday to midnight
    assert 'name="window-2-start"' in html  # Tuesday's empty row
    assert 'name="window-2-start" value' not in html
    # Saving the page unchanged keeps all three windows.
    data = sign_up_form(
        **windows((0, "09:00", "10:00"), (0, "15:00", "18:00"), (2, "15:00", "23:59"))
    )
    del data["agrees_to_terms"], data["agrees_to_background_check"]
    response = ada_client(people).post(BASE + "profile/", data)
    assert response.status_code == 302, response.content.decode()[-6000:]
    ada.refresh_from_db()
    assert ada.availability == [[0, 540, 600], [0, 900, 1080], [2, 900, 1440]]


def test_withdrawing_asks_first_then_withdraws_pending_matches(people: World) -> None:
    ada = people.ada  # type: ignore[attr-defined]
    clear(ada, people.users["staff"])
    offered = matches.request_to_join(make_opportunity(make_program(people.org_b)), ada, ada.user)
    client = ada_client(people)
    confirm = page(client.get(BASE + "profile/status/?status=withdrawn"))
    assert "Withdraw from mentoring?" in confirm
    assert "will be withdrawn" in confirm
    ada.refresh_from_db()
    assert ada.status == MentorStatus.ACTIVE  # nothing changed on GET
    response = client.post(BASE + "profile/status/", {"status": "withdrawn"})
    assert response.status_code == 302
    ada.refresh_from_db()
    assert ada.status == MentorStatus.WITHDRAWN
    assert Match.objects.get(pk=offered.pk).status == MatchStatus.WITHDRAWN


def test_pausing_and_resuming(people: World) -> None:
    client = ada_client(people)
    client.post(BASE + "profile/status/", {"status": "paused"})
    ada = Mentor.objects.get(pk=people.ada.pk)  # type: ignore[attr-defined]
    assert ada.status == MentorStatus.PAUSED
    assert "You are paused" in page(client.get(BASE + "profile/"))
    client.post(BASE + "profile/status/", {"status": "active"})
    ada.refresh_from_db()
    assert ada.status == MentorStatus.ACTIVE


# The backbone's list -------------------------------------------------------------------------


def test_the_list_searches_filters_and_sorts(people: World) -> None:
    staff = people.client("staff")
    clear(people.ada, people.users["staff"])  # type: ignore[attr-defined]
    html = page(staff.get(BASE + "mentors/?q=mathem"))
    assert "Ada Lovelace" in html
    assert "Chemist" not in html
    html = page(staff.get(BASE + "mentors/?q=robotics+for"))  # the employer's name
    assert "Ada Lovelace" in html
    html = page(staff.get(BASE + "mentors/?stage=cleared"))
    assert "Ada Lovelace" in html
    assert "Chemist" not in html
    html = page(staff.get(BASE + "mentors/?stage=not_started"))
    assert "Ada Lovelace" not in html
    assert "Chemist" in html
    html = page(staff.get(f"{BASE}mentors/?employer={people.org_a.pk}"))
    assert "Ada Lovelace" in html
    assert "Chemist" not in html
    html = page(staff.get(BASE + "mentors/?status=paused"))
    assert "No mentor matches these filters" in html
    html = page(staff.get(BASE + "mentors/?sort=-joined"))
    assert html.index("Chemist") < html.index("Ada Lovelace")


def test_the_list_export_has_no_self_identification(people: World) -> None:
    response = people.client("staff").get(BASE + "mentors/?format=csv")
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8-sig")  # type: ignore[attr-defined]
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:3] == ["Name", "Email", "Phone"]
    assert any("ada@mentor.test" in row for row in rows)
    assert "woman" not in text
    assert "first_generation" not in text
    assert "Woman" not in text
    xlsx = people.client("staff").get(BASE + "mentors/?format=xlsx")
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")


def test_the_list_makes_a_constant_number_of_queries(
    people: World, django_assert_max_num_queries: Any
) -> None:
    staff = people.client("staff")
    staff.get(BASE + "mentors/")  # the session and the default steps exist from here on

    def queries(url: str) -> int:
        with CaptureQueriesContext(connection) as context:
            page(staff.get(url))
        return len(context)

    # One mentor in screening first: an empty page costs two queries fewer (no rows to read).
    first = make_mentor(people.alpha, "first@mentor.test", employer=people.org_b)
    clear(first, people.users["staff"], only=("application",))
    few = queries(BASE + "mentors/"), queries(BASE + "mentors/?stage=in_progress")
    for n in range(12):
        mentor = make_mentor(people.alpha, f"m{n}@mentor.test", employer=people.org_b)
        clear(mentor, people.users["staff"], only=("application",))
    many = queries(BASE + "mentors/"), queries(BASE + "mentors/?stage=in_progress")
    assert few == many
    with django_assert_max_num_queries(20):
        response = staff.get(BASE + "mentors/?format=csv")
        assert len(b"".join(response.streaming_content).splitlines()) == 16


# A mentor's page -----------------------------------------------------------------------------


def test_backbone_staff_see_contact_identity_and_screening_forms(people: World) -> None:
    ada = people.ada  # type: ignore[attr-defined]
    html = page(people.client("staff").get(f"{BASE}mentors/{ada.pk}/"))
    assert "ada@mentor.test" in html
    assert "555-0101" in html
    assert "First in my family to go to college" in html
    assert f"/mentoring/mentors/{ada.pk}/screening/" in html


def test_partner_staff_see_neither_contact_nor_identity_nor_screening_forms(
    people: World,
) -> None:
    ada = people.ada  # type: ignore[attr-defined]
    clear(ada, people.users["staff"])
    for persona in ("partner_a", "partner_b"):
        html = page(people.client(persona).get(f"{BASE}mentors/{ada.pk}/"))
        assert "Mathematician" in html
        assert "ada@mentor.test" not in html
        assert "555-0101" not in html
        assert "First in my family" not in html
        assert "Woman" not in html
        assert "/screening/" not in html


def test_partner_staff_see_the_screening_stage_but_no_steps_record(people: World) -> None:
    ada = people.ada  # type: ignore[attr-defined]
    clear(ada, people.users["staff"])
    for persona in ("partner_a", "partner_b"):
        html = page(people.client(persona).get(f"{BASE}mentors/{ada.pk}/"))
        assert "Cleared for all work with youth" in html
        assert "Screening steps" not in html
        assert "Background check" not in html
        assert "does not expire" not in html
    html = page(ada_client(people).get(f"{BASE}mentors/{ada.pk}/"))
    assert "Background check" in html


def test_partner_staff_of_a_matched_program_see_contact_but_never_identity(
    people: World,
) -> None:
    ada = people.ada  # type: ignore[attr-defined]
    clear(ada, people.users["staff"])
    match = matches.request_to_join(make_opportunity(make_program(people.org_b)), ada, ada.user)
    matches.accept(match, people.users["partner_b"], side="program")
    html = page(people.client("partner_b").get(f"{BASE}mentors/{ada.pk}/"))
    assert "ada@mentor.test" in html
    assert "First in my family" not in html
    assert "Robotics club mentor" in html
    # partner_a's page of Ada does not list org_b's match.
    html = page(people.client("partner_a").get(f"{BASE}mentors/{ada.pk}/"))
    assert "Robotics club mentor" not in html


def test_the_mentor_sees_their_identity_on_their_own_page(people: World) -> None:
    ada = people.ada  # type: ignore[attr-defined]
    html = page(ada_client(people).get(f"{BASE}mentors/{ada.pk}/"))
    assert "First in my family to go to college" in html
    assert "ada@mentor.test" in html
    assert f"/mentoring/mentors/{ada.pk}/screening/" not in html


# Employers' rosters --------------------------------------------------------------------------


def test_the_roster_shows_people_who_agreed_without_contact_details(people: World) -> None:
    make_mentor(people.alpha, "quiet@corp.test", name="Quiet Person", employer=people.org_a)
    html = page(people.client("partner_a").get(BASE + "employers/robotics-for-all/"))
    assert "Ada Lovelace" in html
    assert "Quiet Person" not in html
    assert "ada@mentor.test" not in html
    assert "555-0101" not in html
    assert "Woman" not in html


def test_the_roster_exports_hours(people: World) -> None:
    response = people.client("partner_a").get(BASE + "employers/robotics-for-all/?format=csv")
    text = b"".join(response.streaming_content).decode("utf-8-sig")  # type: ignore[attr-defined]
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:4] == ["Name", "Status", "Screening", "Approved hours"]
    assert rows[1][0] == "Ada Lovelace"
    assert "ada@mentor.test" not in text


def test_the_roster_makes_a_constant_number_of_queries(people: World) -> None:
    partner = people.client("partner_a")
    url = BASE + "employers/robotics-for-all/"
    page(partner.get(url))

    def queries() -> int:
        with CaptureQueriesContext(connection) as context:
            page(partner.get(url))
        return len(context)

    few = queries()
    for n in range(8):
        mentor = make_mentor(people.alpha, f"r{n}@corp.test", employer=people.org_a)
        Consent.objects.create(mentor=mentor, kind=ConsentKind.EMPLOYER)
        clear(mentor, people.users["staff"], only=("application",))
    assert queries() == few


def test_the_mentors_page_sums_their_hours(people: World) -> None:
    from decimal import Decimal

    from ecotone.mentoring.models import HourLog

    ada = people.ada  # type: ignore[attr-defined]
    clear(ada, people.users["staff"])
    match = matches.request_to_join(make_opportunity(make_program(people.org_b)), ada, ada.user)
    for hours, status in [("2", "approved"), ("1.5", "approved"), ("3", "pending")]:
        HourLog.objects.create(
            match=match,
            mentor=ada,
            ecosystem=people.alpha,
            date="2026-03-01",
            hours=Decimal(hours),
            status=status,
        )
    html = page(people.client("staff").get(f"{BASE}mentors/{ada.pk}/"))
    assert "Hours: 3.5 approved, 3 awaiting approval." in html
    # Another organization's staff do not see hours given elsewhere.
    html = page(people.client("partner_a").get(f"{BASE}mentors/{ada.pk}/"))
    assert "Hours: 0 approved, 0 awaiting approval." in html


def test_a_language_the_checkboxes_lack_is_offered_and_kept(people: World) -> None:
    ada = people.ada  # type: ignore[attr-defined]
    ada.languages = ["en", "ja"]
    ada.save()
    html = page(ada_client(people).get(BASE + "profile/"))
    assert 'value="ja"' in html
    data = sign_up_form(languages=["en", "ja"])
    del data["agrees_to_terms"], data["agrees_to_background_check"]
    assert ada_client(people).post(BASE + "profile/", data).status_code == 302
    ada.refresh_from_db()
    assert ada.languages == ["en", "ja"]


def test_a_profile_saved_in_a_second_tab_sees_the_first_change_and_keeps_its_input(
    people: World,
) -> None:
    first, second = ada_client(people), ada_client(people)
    people.ada.home_postal_code = "43215"  # type: ignore[attr-defined]  # in person needs it
    people.ada.save()  # type: ignore[attr-defined]
    first_form = browser_form(page(first.get(BASE + "profile/")), "occupation")
    second_form = browser_form(page(second.get(BASE + "profile/")), "occupation")
    assert first.post(BASE + "profile/", {**first_form, "occupation": "Analyst"}).status_code == 302

    response = second.post(BASE + "profile/", {**second_form, "phone": "555-0142"})

    html = page(response)
    assert "Someone else changed this record after you opened it" in html
    assert [(c.label, c.after) for c in response.context["conflict"].changes] == [
        ("Occupation", "Analyst")
    ]
    assert 'value="555-0142"' in html  # their input is kept
    ada = Mentor.objects.get(pk=people.ada.pk)  # type: ignore[attr-defined]
    assert (ada.occupation, ada.phone) == ("Analyst", "555-0101")

    again = browser_form(html, "occupation")
    assert second.post(BASE + "profile/", {**again, "occupation": "Analyst"}).status_code == 302
    ada.refresh_from_db()
    assert (ada.occupation, ada.phone) == ("Analyst", "555-0142")
