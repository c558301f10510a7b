"""Opportunity pages: who may open which, the staff list and its export, posting and closing,
the mentor's ranked browse, asking to join, saving, and programs inviting ranked mentors."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail

from ecotone.mentoring.models import Match, MatchSource, MatchStatus, Opportunity
from ecotone.mentoring.services import matches
from tests.html_forms import browser_form
from tests.mentoring.builders import (
    SUPERVISED_STEPS,
    clear,
    make_mentor,
    make_opportunity,
    make_program,
)

pytestmark = pytest.mark.django_db

BASE = "/e/alpha/mentoring/opportunities/"


@pytest.fixture
def setup(world: Any) -> Any:
    """org_a's program with an open in-person opportunity; the mentor persona has a profile,
    fully screened; another, unscreened mentor."""
    program = make_program(world.org_a)
    opportunity = make_opportunity(program)
    mentor = make_mentor(world.alpha, user=world.users["mentor"])
    clear(mentor, world.users["staff"])
    world.program, world.opportunity, world.mentor = program, opportunity, mentor
    return world


def url(opportunity: Opportunity | None = None, suffix: str = "") -> str:
    return f"{BASE}{opportunity.pk}/{suffix}" if opportunity else BASE + suffix


# --- the permission table ---------------------------------------------------------------------

# persona -> expected status on GET of: list, new, detail, edit, close, mentors
TABLE = {
    "anonymous": (302, 302, 302, 302, 302, 302),
    "outsider": (404, 404, 404, 404, 404, 404),
    "member": (403, 403, 403, 403, 403, 403),
    "reviewer": (403, 403, 403, 403, 403, 403),
    "mentor": (200, 403, 200, 403, 403, 403),
    "partner_a": (200, 200, 200, 200, 200, 200),
    "partner_b": (200, 200, 404, 404, 404, 404),
    "staff": (200, 200, 200, 200, 200, 200),
    "admin": (200, 200, 200, 200, 200, 200),
}


@pytest.mark.parametrize("persona", sorted(TABLE))
def test_each_persona_gets_the_expected_status_on_each_page(setup: Any, persona: str) -> None:
    client = setup.client(persona)
    o = setup.opportunity
    pages = (
        url(),
        url(suffix="new/"),
        url(o),
        url(o, "edit/"),
        url(o, "close/"),
        url(o, "mentors/"),
    )
    got = tuple(client.get(page).status_code for page in pages)
    assert got == TABLE[persona]


@pytest.mark.parametrize(
    ("persona", "expected"),
    [("anonymous", 302), ("member", 403), ("partner_a", 403), ("staff", 403), ("mentor", 302)],
)
def test_join_and_save_are_for_mentors(setup: Any, persona: str, expected: int) -> None:
    client = setup.client(persona)
    for suffix in ("join/", "save/"):
        assert client.post(url(setup.opportunity, suffix)).status_code == expected


def test_join_and_save_refuse_get(setup: Any) -> None:
    client = setup.client("mentor")
    for suffix in ("join/", "save/"):
        assert client.get(url(setup.opportunity, suffix)).status_code == 405


def test_partner_b_cannot_post_for_org_a_or_change_its_need(setup: Any) -> None:
    client = setup.client("partner_b")
    o = setup.opportunity
    assert client.post(url(o, "close/")).status_code == 404
    assert client.post(url(o, "mentors/"), {"mentor": setup.mentor.pk}).status_code == 404
    response = client.post(url(suffix="new/"), {"program": setup.program.pk, "title": "Mine"})
    assert response.status_code == 200
    assert "program" in response.context["form"].errors
    assert Opportunity.objects.count() == 1


# --- the staff list ---------------------------------------------------------------------------


def test_partner_staff_see_only_their_organizations_opportunities(setup: Any) -> None:
    theirs = make_opportunity(make_program(setup.org_b, "Library lab"), "Library helper")
    listed_a = setup.client("partner_a").get(url()).context["page"].object_list
    listed_b = setup.client("partner_b").get(url()).context["page"].object_list
    listed_staff = setup.client("staff").get(url()).context["page"].object_list
    assert list(listed_a) == [setup.opportunity]
    assert list(listed_b) == [theirs]
    assert set(listed_staff) == {setup.opportunity, theirs}


def test_the_staff_list_filters_searches_and_sorts(setup: Any) -> None:
    talk = make_opportunity(
        make_program(setup.org_b, "Library lab"),
        "Career talk",
        kind="career_talk",
        mode="virtual",
        status="draft",
    )
    client = setup.client("staff")

    def titles(**query: Any) -> list[str]:
        return [o.title for o in client.get(url(), query).context["page"].object_list]

    assert titles(kind="career_talk") == ["Career talk"]
    assert titles(mode="in_person") == ["Robotics club mentor"]
    assert titles(status="draft") == ["Career talk"]
    assert titles(organization=setup.org_a.pk) == ["Robotics club mentor"]
    assert titles(program=talk.program.pk) == ["Career talk"]
    assert titles(q="library") == ["Career talk"]
    assert titles(sort="title") == ["Career talk", "Robotics club mentor"]
    assert "No opportunity matches" in client.get(url(), {"q": "nothing"}).content.decode()


def test_the_staff_list_exports_csv_and_xlsx(setup: Any) -> None:
    client = setup.client("partner_a")
    response = client.get(url(), {"format": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    body = b"".join(response.streaming_content).decode()
    assert "Robotics club mentor" in body
    assert "Girls Who Build" in body
    response = client.get(url(), {"format": "xlsx"})
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith('.xlsx"')


def test_the_staff_list_pages(setup: Any) -> None:
    for n in range(26):
        make_opportunity(setup.program, f"Need {n:02d}")
    response = setup.client("staff").get(url())
    assert len(response.context["page"].object_list) == 25
    assert len(setup.client("staff").get(url(), {"page": 2}).context["page"].object_list) == 2


# --- posting, editing, closing ----------------------------------------------------------------


def post_data(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "title": "Coding club coach",
        "kind": "relationship",
        "status": "open",
        "mode": "in_person",
        "teacher_present": "on",
        "topics": ["computing"],
        "grade_bands": ["6-8"],
        "mentors_needed": 2,
        "depth": "medium",
        "duration_weeks": 12,
        "hours_per_month": 4,
        "day1_start": "15:30",
        "day1_end": "17:00",
    }
    data.update(overrides)
    return data


def test_partner_staff_post_for_their_own_program_only(setup: Any) -> None:
    other = make_program(setup.org_b, "Library lab")
    client = setup.client("partner_a")
    form = client.get(url(suffix="new/")).context["form"]
    assert list(form.fields["program"].queryset) == [setup.program]
    response = client.post(url(suffix="new/"), post_data(program=setup.program.pk))
    created = Opportunity.objects.get(title="Coding club coach")
    assert response.status_code == 302
    assert response["Location"] == url(created)
    assert created.schedule == [[1, 930, 1020]]
    assert created.created_by == setup.users["partner_a"]
    response = client.post(url(suffix="new/"), post_data(program=other.pk, title="Not mine"))
    assert "program" in response.context["form"].errors
    assert not Opportunity.objects.filter(title="Not mine").exists()


def test_backbone_may_post_for_any_program(setup: Any) -> None:
    other = make_program(setup.org_b, "Library lab")
    response = setup.client("staff").post(url(suffix="new/"), post_data(program=other.pk))
    assert response.status_code == 302
    assert Opportunity.objects.get(title="Coding club coach").program == other


def test_invalid_posts_show_readable_errors_beside_fields(setup: Any) -> None:
    client = setup.client("partner_a")
    response = client.post(
        url(suffix="new/"),
        post_data(program=setup.program.pk, languages=["en", "Spanish"]),
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "Spanish is not one of the available choices" in errors["languages"][0]
    response = client.post(
        url(suffix="new/"), post_data(program=setup.program.pk, welcomes_identities=["woman"])
    )
    errors = response.context["form"].errors
    assert "tick that box" in errors["welcomes_identities"][0]
    response = client.post(
        url(suffix="new/"), post_data(program=setup.program.pk, day2_start="16:00")
    )
    assert "both a start and an end" in response.context["form"].errors["day2_end"][0]
    response = client.post(
        url(suffix="new/"),
        post_data(program=setup.program.pk, day3_start="16:05", day3_end="17:00"),
    )
    assert "quarter hours" in response.content.decode()
    assert not Opportunity.objects.filter(title="Coding club coach").exists()


def test_editing_keeps_the_program_and_saves_changes(setup: Any) -> None:
    client = setup.client("partner_a")
    form = client.get(url(setup.opportunity, "edit/")).context["form"]
    assert "program" not in form.fields
    assert form.initial["day1_start"].strftime("%H:%M") == "15:30"
    response = client.post(
        url(setup.opportunity, "edit/"), post_data(title="Robot coach", mentors_needed=3)
    )
    assert response.status_code == 302
    setup.opportunity.refresh_from_db()
    assert (setup.opportunity.title, setup.opportunity.mentors_needed) == ("Robot coach", 3)


def test_a_second_editor_of_an_opportunity_sees_the_first_edit_and_keeps_their_input(
    setup: Any,
) -> None:
    edit = url(setup.opportunity, "edit/")
    first, second = setup.client("partner_a"), setup.client("staff")
    first_form = browser_form(first.get(edit).content.decode(), "title")
    second_form = browser_form(second.get(edit).content.decode(), "title")
    assert first.post(edit, {**first_form, "title": "Robot coach"}).status_code == 302

    response = second.post(edit, {**second_form, "mentors_needed": "3"})

    assert response.status_code == 200
    changes = response.context["conflict"].changes
    assert [(c.label, c.after) for c in changes] == [("Title", "Robot coach")]
    assert 'name="mentors_needed" value="3"' in response.content.decode()
    setup.opportunity.refresh_from_db()
    assert (setup.opportunity.title, setup.opportunity.mentors_needed) == ("Robot coach", 1)


def test_closing_asks_first_then_withdraws_offers(setup: Any) -> None:
    offer = matches.invite(setup.opportunity, setup.mentor, setup.users["partner_a"])
    client = setup.client("partner_a")
    page = client.get(url(setup.opportunity, "close/")).content.decode()
    assert "1 match that has not started is withdrawn" in page
    response = client.post(url(setup.opportunity, "close/"), {"reason": "Club cancelled"})
    assert response.status_code == 302
    setup.opportunity.refresh_from_db()
    assert setup.opportunity.status == "closed"
    offer.refresh_from_db()
    assert (offer.status, offer.decline_reason) == (MatchStatus.WITHDRAWN, "Club cancelled")
    assert client.get(url(setup.opportunity, "edit/")).status_code == 302


# --- the detail -------------------------------------------------------------------------------


def test_the_detail_shows_needs_screening_in_words_and_matches_to_staff(setup: Any) -> None:
    matches.invite(setup.opportunity, setup.mentor, setup.users["partner_a"])
    page = setup.client("partner_a").get(url(setup.opportunity)).content.decode()
    assert "Girls Who Build" in page
    assert "Background check" in page
    assert "Mentor training" in page
    assert "the full screening applies" in page
    assert "Matches so far" in page
    assert "Mentor" in page
    assert "Program invited" in page
    assert "mentor@alpha.test" not in page  # no contact details


def test_partner_staff_do_not_see_a_rounds_proposals_in_review(setup: Any) -> None:
    Match(
        ecosystem=setup.alpha,
        mentor=setup.mentor,
        opportunity=setup.opportunity,
        source=MatchSource.ENGINE,
        status=MatchStatus.PROPOSED,
    ).save()
    assert setup.client("partner_a").get(url(setup.opportunity)).context["matches"] == []
    assert len(setup.client("staff").get(url(setup.opportunity)).context["matches"]) == 1


def test_mentors_do_not_see_drafts(setup: Any) -> None:
    draft = make_opportunity(setup.program, "Draft need", status="draft")
    assert setup.client("mentor").get(url(draft)).status_code == 404


# --- the mentor's browse ----------------------------------------------------------------------


def test_a_mentor_browses_only_opportunities_that_fit_with_why(setup: Any) -> None:
    far = make_opportunity(make_program(setup.org_b, "Far club", north_mi=40), "Far away")
    response = setup.client("mentor").get(url())
    rows = response.context["page"].object_list
    assert [r["opportunity"] for r in rows] == [setup.opportunity]
    assert far not in [r["opportunity"] for r in rows]
    page = response.content.decode()
    assert "Why it fits" in page
    assert "Shared topics: Robotics" in page
    assert "miles away" in page


def test_a_mentor_without_a_profile_is_told_to_create_one(world: Any) -> None:
    page = world.client("mentor").get(url()).content.decode()
    assert "no mentor profile" in page


def test_an_unscreened_mentor_sees_what_screening_they_still_need(setup: Any) -> None:
    newcomer = make_mentor(setup.alpha, "new@mentor.test")
    client = setup.client("mentor")
    client.force_login(newcomer.user)
    response = client.get(url())
    assert response.status_code == 200
    assert list(response.context["page"].object_list) == []
    page = response.content.decode()
    assert "For supervised virtual work" in page
    assert "Code of conduct" in page
    assert "For in-person or one-to-one work" in page
    assert "Background check" in page


def test_an_unscreened_mentor_cannot_join_a_direct_contact_need_and_sees_why(setup: Any) -> None:
    newcomer = make_mentor(setup.alpha, "new@mentor.test")
    clear(newcomer, setup.users["staff"], only=SUPERVISED_STEPS)
    client = setup.client("mentor")
    client.force_login(newcomer.user)
    detail = client.get(url(setup.opportunity)).content.decode()
    assert "you still need it" in detail
    response = client.post(url(setup.opportunity, "join/"), {"message": "Hi"}, follow=True)
    page = response.content.decode()
    assert "no current, verified screening for" in page
    assert "Background check" in page
    assert not Match.objects.filter(mentor=newcomer).exists()


def test_a_supervised_virtual_need_only_needs_application_and_code_of_conduct(setup: Any) -> None:
    talk = make_opportunity(
        setup.program,
        "Career talk",
        kind="career_talk",
        mode="virtual",
        teacher_present=True,
        one_to_one=False,
    )
    newcomer = make_mentor(setup.alpha, "new@mentor.test")
    clear(newcomer, setup.users["staff"], only=SUPERVISED_STEPS)
    client = setup.client("mentor")
    client.force_login(newcomer.user)
    detail = client.get(url(talk))
    assert [step.code for step, _held in detail.context["steps"]] == list(SUPERVISED_STEPS)
    assert "a lighter screening applies" in detail.content.decode()
    rows = client.get(url()).context["page"].object_list
    assert [r["opportunity"] for r in rows] == [talk]
    response = client.post(url(talk, "join/"), {"message": "I can talk about bridges."})
    assert response.status_code == 302
    match = Match.objects.get(mentor=newcomer, opportunity=talk)
    assert (match.status, match.source) == (MatchStatus.OFFERED, MatchSource.MENTOR)
    assert match.message == "I can talk about bridges."


def test_a_mentor_asks_to_join_and_the_program_hears(
    setup: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = setup.client("mentor").post(
            url(setup.opportunity, "join/"), {"message": "Hello"}
        )
    assert response.status_code == 302
    assert response["Location"] == url(setup.opportunity)
    match = Match.objects.get(mentor=setup.mentor, opportunity=setup.opportunity)
    assert match.status == MatchStatus.OFFERED
    assert match.mentor_accepted_at is not None
    detail = setup.client("mentor").get(url(setup.opportunity)).content.decode()
    assert "Your match here: Awaiting acceptance" in detail
    again = setup.client("mentor").post(url(setup.opportunity, "join/"), follow=True)
    assert "already has a live match" in again.content.decode()
    assert Match.objects.filter(mentor=setup.mentor).count() == 1
    assert len(mail.outbox) >= 1
    assert "mentor@alpha.test" not in {address for m in mail.outbox for address in m.to}


def test_saving_toggles_and_feeds_the_score(setup: Any) -> None:
    client = setup.client("mentor")
    before = client.get(url()).context["page"].object_list[0]["check"].score
    response = client.post(url(setup.opportunity, "save/"), {"next": url()})
    assert response.status_code == 302
    assert response["Location"] == url()
    assert list(setup.mentor.saved_opportunities.all()) == [setup.opportunity]
    row = client.get(url()).context["page"].object_list[0]
    assert row["saved"]
    assert row["check"].score > before
    client.post(url(setup.opportunity, "save/"), {"next": "https://evil.example/"})
    assert not setup.mentor.saved_opportunities.exists()


# --- programs invite --------------------------------------------------------------------------


def test_program_staff_see_ranked_screened_mentors_without_contact_or_identity(
    setup: Any,
) -> None:
    setup.mentor.phone = "555-0100"
    setup.mentor.shares_identity = True
    setup.mentor.identity_tags = ["woman"]
    setup.mentor.employer_name = "Acme Robotics"
    setup.mentor.save()
    unscreened = make_mentor(setup.alpha, "new@mentor.test", name="Newcomer")
    response = setup.client("partner_a").get(url(setup.opportunity, "mentors/"))
    rows = response.context["rows"]
    assert [r["mentor"] for r in rows] == [setup.mentor]
    assert unscreened not in [r["mentor"] for r in rows]
    page = response.content.decode()
    assert "Software engineer" in page
    assert "Acme Robotics" in page
    assert "Robotics" in page
    for secret in ("mentor@alpha.test", "555-0100", "Woman", "identity"):
        assert secret not in page


def test_program_staff_see_each_mentors_profile_card_before_inviting(setup: Any) -> None:
    setup.mentor.skills = ["engineering"]
    setup.mentor.phone = "555-0100"
    setup.mentor.shares_identity = True
    setup.mentor.identity_tags = ["woman"]
    setup.mentor.save()

    page = setup.client("partner_a").get(url(setup.opportunity, "mentors/")).content.decode()

    assert "Topics: Robotics, Computing and coding" in page
    assert "Skills: Engineering" in page
    assert "Monday 15:00–18:00" in page
    assert "Screening: Cleared for all work with youth" in page
    assert f'href="/e/alpha/mentoring/mentors/{setup.mentor.pk}/"' in page
    for secret in ("mentor@alpha.test", "555-0100", "Woman", "identity"):
        assert secret not in page


def test_program_staff_invite_a_mentor_with_a_message(setup: Any) -> None:
    client = setup.client("partner_a")
    response = client.post(
        url(setup.opportunity, "mentors/"), {"mentor": setup.mentor.pk, "message": "Join us!"}
    )
    assert response.status_code == 302
    match = Match.objects.get(mentor=setup.mentor, opportunity=setup.opportunity)
    assert (match.status, match.source, match.message) == (
        MatchStatus.OFFERED,
        MatchSource.PROGRAM,
        "Join us!",
    )
    assert match.program_accepted_by == setup.users["partner_a"]


def test_backbone_staff_inviting_an_unscreened_mentor_see_why(setup: Any) -> None:
    newcomer = make_mentor(setup.alpha, "new@mentor.test")
    response = setup.client("staff").post(
        url(setup.opportunity, "mentors/"), {"mentor": newcomer.pk}, follow=True
    )
    assert "no current, verified screening" in response.content.decode()
    assert not Match.objects.filter(mentor=newcomer).exists()


def test_partner_staff_inviting_a_mentor_they_may_not_see_is_404(setup: Any) -> None:
    newcomer = make_mentor(setup.alpha, "new@mentor.test")
    response = setup.client("partner_a").post(
        url(setup.opportunity, "mentors/"), {"mentor": newcomer.pk, "message": "Join us!"}
    )
    assert response.status_code == 404
    assert not Match.objects.filter(mentor=newcomer).exists()


def test_inviting_a_mentor_of_another_ecosystem_is_404(setup: Any) -> None:
    stranger = make_mentor(setup.beta, "far@mentor.test")
    response = setup.client("staff").post(
        url(setup.opportunity, "mentors/"), {"mentor": stranger.pk}
    )
    assert response.status_code == 404


def test_the_staff_list_sorts_by_places_open(setup: Any) -> None:
    busy = make_opportunity(setup.program, "Busy need", mentors_needed=1)
    matches.invite(busy, setup.mentor, setup.users["staff"])
    roomy = make_opportunity(setup.program, "Roomy need", mentors_needed=5)
    response = setup.client("staff").get(url(), {"sort": "-open_places"})
    titles = [o.title for o in response.context["page"].object_list]
    assert titles[0] == roomy.title
    assert titles[-1] == busy.title


def test_the_staff_list_query_count_does_not_grow_with_rows(
    setup: Any, django_assert_max_num_queries: Any
) -> None:
    client = setup.client("staff")
    client.get(url())  # warm the session and the roles cache
    for n in range(3):
        make_opportunity(setup.program, f"Need {n}")
    with django_assert_max_num_queries(20) as few:
        client.get(url())
    for n in range(20):
        make_opportunity(make_program(setup.org_b, f"Club {n}"), f"More {n}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(url())


def test_a_partly_screened_mentor_is_told_what_opens_more(setup: Any) -> None:
    make_opportunity(
        setup.program, "Career talk", kind="career_talk", mode="virtual", teacher_present=True
    )
    newcomer = make_mentor(setup.alpha, "new@mentor.test")
    clear(newcomer, setup.users["staff"], only=SUPERVISED_STEPS)
    client = setup.client("mentor")
    client.force_login(newcomer.user)
    page = client.get(url()).content.decode()
    assert "Career talk" in page
    assert "open up for you once you complete" in page
    assert "Background check" in page
