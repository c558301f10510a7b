"""A match's life through its pages and services: request -> accept -> agreement -> check-in ->
closure; who may do what (backbone staff, partner staff of the program's organization and of
another, the mentor, a plain member); proposals invisible before publication; declining;
closing early needs a reason; contact details only for those the rules allow."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import formats, timezone, translation

from ecotone.errors import DomainError
from ecotone.mentoring.models import (
    CheckIn,
    HourLog,
    Match,
    MatchingRound,
    MatchSource,
    MatchStatus,
    RoundStatus,
)
from ecotone.mentoring.services import matches
from tests.mentoring.life_builders import (
    accepted,
    active,
    cleared_mentor,
    offered,
    opportunity_of,
)

pytestmark = pytest.mark.django_db


def url(name: str, match: Match, **kwargs: Any) -> str:
    return reverse(
        f"mentoring:{name}", kwargs={"ecosystem_slug": "alpha", "match_id": match.pk, **kwargs}
    )


def list_url(**query: str) -> str:
    base = reverse("mentoring:matches", kwargs={"ecosystem_slug": "alpha"})
    return base + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


@pytest.fixture
def life(world: Any) -> Any:
    world.mentor = cleared_mentor(world)
    world.opportunity = opportunity_of(world.org_a)
    return world


def proposal(world: Any) -> Match:
    """A matching round's proposal, in review (saved as the rounds service saves them)."""
    round_ = MatchingRound.objects.create(
        ecosystem=world.alpha, name="Spring round", status=RoundStatus.REVIEW
    )
    match = Match(
        ecosystem=world.alpha,
        mentor=world.mentor,
        opportunity=world.opportunity,
        round=round_,
        source=MatchSource.ENGINE,
        status=MatchStatus.PROPOSED,
        score=42,
        score_breakdown={"base": 20, "topics": 12, "distance": 6, "identity": 4},
    )
    match.save()
    return match


# The whole life ------------------------------------------------------------------------------


def test_request_accept_start_check_in_close_through_the_pages(life: Any) -> None:
    match = offered(life, life.mentor, life.opportunity)
    partner, mentor = life.client("partner_a"), life.client("mentor")

    page = partner.get(url("match", match))
    assert page.status_code == 200
    assert "Accept for the program" in page.content.decode()

    response = partner.post(url("match_accept", match), {"side": "program"})
    assert response.status_code == 302
    match.refresh_from_db()
    assert match.status == MatchStatus.ACCEPTED

    start_on = timezone.localdate() - datetime.timedelta(13)  # first check-in due tomorrow
    response = partner.post(
        url("match_start", match),
        {"frequency": "weekly", "duration_weeks": "12", "start_on": start_on.isoformat()},
    )
    assert response.status_code == 302
    match.refresh_from_db()
    assert match.status == MatchStatus.ACTIVE
    assert match.expected_end_on == start_on + datetime.timedelta(weeks=12)
    first = match.check_ins.order_by("due_on").first()
    assert first is not None
    assert first.due_on == timezone.localdate() + datetime.timedelta(1)

    page = mentor.get(url("match", match))
    assert "Record the check-in" in page.content.decode()
    prefix = f"checkin-{first.pk}"
    response = mentor.post(
        url("match_check_in", match, check_in_id=first.pk),
        {f"{prefix}-rating": "4", f"{prefix}-meeting_as_agreed": "yes", f"{prefix}-notes": "Good"},
    )
    assert response.status_code == 302
    first.refresh_from_db()
    assert (first.rating, first.meeting_as_agreed, first.done_by) == (
        4,
        True,
        life.users["mentor"],
    )

    response = partner.post(
        url("match_close", match),
        {"kind": "planned", "goals_met": "yes", "would_again": "yes", "rematch": "on"},
    )
    assert response.status_code == 302
    match.refresh_from_db()
    assert match.status == MatchStatus.CLOSED
    assert match.closure_kind == "planned"
    assert match.closure_survey["goals_met"] == "yes"
    assert match.rematch_requested is True
    assert not CheckIn.objects.filter(match=match, done_on__isnull=True).exists()

    timeline = partner.get(url("match", match)).content.decode()
    for step in ("The mentor asked to join", "The program accepted", "Check-in done", "Closed"):
        assert step in timeline


def test_mentor_accepts_an_invitation_on_the_page(life: Any) -> None:
    match = matches.invite(life.opportunity, life.mentor, life.users["partner_a"], "Join us")
    response = life.client("mentor").post(url("match_accept", match), {"side": "mentor"})
    assert response.status_code == 302
    match.refresh_from_db()
    assert match.status == MatchStatus.ACCEPTED
    assert match.mentor_accepted_at is not None


def test_mentor_declines_with_a_reason(life: Any) -> None:
    match = matches.invite(life.opportunity, life.mentor, life.users["partner_a"])
    response = life.client("mentor").post(
        url("match_decline", match), {"side": "mentor", "reason": "Too far for me"}
    )
    assert response.status_code == 302
    match.refresh_from_db()
    assert match.status == MatchStatus.DECLINED
    assert match.decline_reason == "Too far for me"
    assert match.declined_by == life.users["mentor"]


def test_program_declines_a_request(life: Any) -> None:
    match = offered(life, life.mentor, life.opportunity)
    life.client("partner_a").post(url("match_decline", match), {"side": "program"})
    match.refresh_from_db()
    assert match.status == MatchStatus.DECLINED


# Who may do what -----------------------------------------------------------------------------


def test_mentor_cannot_answer_for_the_program(life: Any) -> None:
    match = offered(life, life.mentor, life.opportunity)
    response = life.client("mentor").post(url("match_accept", match), {"side": "program"})
    assert response.status_code == 403
    match.refresh_from_db()
    assert match.status == MatchStatus.OFFERED


def test_program_staff_cannot_answer_for_the_mentor(life: Any) -> None:
    match = matches.invite(life.opportunity, life.mentor, life.users["partner_a"])
    response = life.client("partner_a").post(url("match_accept", match), {"side": "mentor"})
    assert response.status_code == 403


def test_partner_of_another_organization_gets_404_on_page_and_actions(life: Any) -> None:
    match = offered(life, life.mentor, life.opportunity)
    client = life.client("partner_b")
    assert client.get(url("match", match)).status_code == 404
    assert client.post(url("match_accept", match), {"side": "program"}).status_code == 404
    match.refresh_from_db()
    assert match.status == MatchStatus.OFFERED


@pytest.mark.parametrize("persona", ["member", "reviewer"])
def test_members_outside_the_match_get_404(life: Any, persona: str) -> None:
    match = offered(life, life.mentor, life.opportunity)
    assert life.client(persona).get(url("match", match)).status_code == 404


def test_outsider_and_anonymous_are_kept_out(life: Any) -> None:
    match = offered(life, life.mentor, life.opportunity)
    assert life.client("outsider").get(url("match", match)).status_code == 404
    assert life.client("anonymous").get(url("match", match)).status_code == 302


def test_only_the_program_side_records_the_agreement(life: Any) -> None:
    match = accepted(life, life.mentor, life.opportunity)
    data = {"frequency": "weekly", "duration_weeks": "10", "start_on": "2026-01-05"}
    assert life.client("mentor").post(url("match_start", match), data).status_code == 403
    assert life.client("staff").post(url("match_start", match), data).status_code == 302
    match.refresh_from_db()
    assert match.status == MatchStatus.ACTIVE


def test_agreement_on_a_match_not_yet_accepted_is_refused_with_a_message(life: Any) -> None:
    match = offered(life, life.mentor, life.opportunity)
    data = {"frequency": "weekly", "duration_weeks": "10", "start_on": "2026-01-05"}
    response = life.client("partner_a").post(url("match_start", match), data)
    assert response.status_code == 400
    assert "Only a match accepted by both sides can start." in response.content.decode()


def test_closing_early_needs_a_reason(life: Any) -> None:
    match = active(life, life.mentor, life.opportunity)
    client = life.client("partner_a")
    data = {"kind": "early", "goals_met": "no", "would_again": "unsure"}
    response = client.post(url("match_close", match), data)
    assert response.status_code == 400
    assert "Say why the match is closing early." in response.content.decode()
    match.refresh_from_db()
    assert match.status == MatchStatus.ACTIVE

    client.post(url("match_close", match), {**data, "reason": "The mentor moved away"})
    match.refresh_from_db()
    assert (match.status, match.closure_kind, match.closure_reason) == (
        MatchStatus.CLOSED,
        "early",
        "The mentor moved away",
    )


def test_withdrawing_is_for_backbone_staff_and_needs_confirmation(life: Any) -> None:
    match = offered(life, life.mentor, life.opportunity)
    assert (
        life.client("partner_a").post(url("match_withdraw", match), {"confirm": "on"}).status_code
        == 403
    )
    staff = life.client("staff")
    assert staff.post(url("match_withdraw", match), {"reason": "x"}).status_code == 400
    match.refresh_from_db()
    assert match.status == MatchStatus.OFFERED
    staff.post(url("match_withdraw", match), {"reason": "Program paused", "confirm": "on"})
    match.refresh_from_db()
    assert match.status == MatchStatus.WITHDRAWN


def test_actions_are_post_only(life: Any) -> None:
    match = offered(life, life.mentor, life.opportunity)
    assert life.client("partner_a").get(url("match_accept", match)).status_code == 405


def test_check_in_by_someone_outside_the_match_is_refused(life: Any) -> None:
    match = active(life, life.mentor, life.opportunity, started_days_ago=14)
    check_in = match.check_ins.order_by("due_on").first()
    assert check_in is not None
    prefix = f"checkin-{check_in.pk}"
    response = life.client("partner_b").post(
        url("match_check_in", match, check_in_id=check_in.pk), {f"{prefix}-rating": "5"}
    )
    assert response.status_code == 404
    check_in.refresh_from_db()
    assert check_in.done_on is None


# Proposals in review -------------------------------------------------------------------------


def test_a_proposal_is_invisible_to_mentor_and_program_before_publication(life: Any) -> None:
    match = proposal(life)
    for persona in ("mentor", "partner_a"):
        client = life.client(persona)
        assert client.get(url("match", match)).status_code == 404
        assert client.post(url("match_accept", match), {"side": "mentor"}).status_code == 404
        listing = client.get(list_url()).content.decode()
        assert url("match", match) not in listing
    staff = life.client("staff")
    assert staff.get(url("match", match)).status_code == 200
    assert url("match", match) in staff.get(list_url()).content.decode()

    matches.publish(match, life.users["staff"])
    assert life.client("mentor").get(url("match", match)).status_code == 200
    assert life.client("partner_a").get(url("match", match)).status_code == 200


def test_list_status_filter_offers_proposed_only_to_backbone(life: Any) -> None:
    proposal(life)
    assert 'value="proposed"' in life.client("staff").get(list_url()).content.decode()
    assert 'value="proposed"' not in life.client("partner_a").get(list_url()).content.decode()
    # Asking for them by address shows nothing either.
    page = life.client("mentor").get(list_url(status="proposed"))
    assert page.context["page"].paginator.count == 0


def test_the_why_hides_identity_points_from_program_staff(life: Any) -> None:
    match = proposal(life)
    matches.publish(match, life.users["staff"])
    staff = life.client("staff").get(url("match", match)).content.decode()
    partner = life.client("partner_a").get(url("match", match)).content.decode()
    assert "Topics and skills in common" in staff
    assert "Topics and skills in common" in partner
    assert "Shares identities the program welcomes" in staff
    assert "Shares identities the program welcomes" not in partner


# Contact details -----------------------------------------------------------------------------


def test_mentor_contact_details_only_for_matched_program_staff_and_backbone(life: Any) -> None:
    match = offered(life, life.mentor, life.opportunity)
    email = life.users["mentor"].email
    assert email not in life.client("partner_a").get(url("match", match)).content.decode()
    assert email in life.client("staff").get(url("match", match)).content.decode()
    matches.accept(match, life.users["partner_a"], side="program")
    page = life.client("partner_a").get(url("match", match)).content.decode()
    assert email in page
    assert "555-0101" in page


def test_the_mentor_is_shown_the_programs_contact_not_their_own(life: Any) -> None:
    life.alpha.contact_email = "team@alpha.test"
    life.alpha.save()
    match = accepted(life, life.mentor, life.opportunity)
    program_email = life.opportunity.program.email

    page = life.client("mentor").get(url("match", match)).content.decode()

    assert f'href="mailto:{program_email}"' in page
    assert "team@alpha.test" in page
    assert f"mailto:{life.users['mentor'].email}" not in page
    assert "555-0101" not in page
    # Program staff are shown the mentor's contact, not their own program's.
    partner = life.client("partner_a").get(url("match", match)).content.decode()
    assert f"mailto:{life.users['mentor'].email}" in partner
    assert f"mailto:{program_email}" not in partner


def test_an_offer_puts_accept_and_decline_before_everything_else(life: Any) -> None:
    match = matches.invite(life.opportunity, life.mentor, life.users["partner_a"], "Join us")

    page = life.client("mentor").get(url("match", match)).content.decode()

    first_section = page.index('id="about-heading"')
    assert page.index("Accept as the mentor") < first_section
    assert page.index("Decline this match") < first_section
    assert page.index("Decline as the mentor") < first_section


def test_hours_on_a_match_carry_thousands_separators(life: Any) -> None:
    match = active(life, life.mentor, life.opportunity, started_days_ago=90)
    HourLog.objects.bulk_create(
        HourLog(
            match=match,
            mentor=life.mentor,
            ecosystem=life.alpha,
            date=timezone.localdate() - datetime.timedelta(days),
            hours=Decimal(20),
        )
        for days in range(60)
    )

    page = life.client("partner_a").get(url("match", match)).content.decode()

    assert "1,200 hours given: 0 approved, 1,200 awaiting approval." in page


def test_dates_on_a_match_are_written_out_in_each_language(life: Any) -> None:
    match = active(life, life.mentor, life.opportunity)
    today = timezone.localdate()

    page = life.client("mentor").get(url("match", match)).content.decode()

    assert formats.date_format(today, "j M Y") in page
    assert today.strftime("%m/%d/%Y") not in page
    spanish = life.client("mentor")
    spanish.cookies[settings.LANGUAGE_COOKIE_NAME] = "es"
    page = spanish.get(url("match", match)).content.decode()
    with translation.override("es"):
        assert formats.date_format(today, "j b Y") in page
    assert today.strftime("%d/%m/%Y") not in page
    # The date picker of the hours form keeps ISO: it shows nothing for a Spanish 06/12/2026.
    assert f'type="date" name="date" value="{today.isoformat()}"' in page


# The list ------------------------------------------------------------------------------------


def test_list_is_scoped_per_persona(life: Any) -> None:
    mine = offered(life, life.mentor, life.opportunity)
    other_mentor = cleared_mentor(life, None, "grace@mentor.test")
    library = offered(life, other_mentor, opportunity_of(life.org_b, "Library Makers"))

    def shown(persona: str) -> set[int]:
        response = life.client(persona).get(list_url())
        assert response.status_code == 200
        return {m.pk for m in response.context["page"].object_list}

    assert shown("staff") == {mine.pk, library.pk}
    assert shown("partner_a") == {mine.pk}
    assert shown("partner_b") == {library.pk}
    assert shown("mentor") == {mine.pk}
    assert shown("member") == set()


def test_list_filters_search_and_sorts(life: Any) -> None:
    first = offered(life, life.mentor, life.opportunity)
    other_mentor = cleared_mentor(life, None, "grace@mentor.test")
    second = accepted(life, other_mentor, opportunity_of(life.org_b, "Library Makers"))
    staff = life.client("staff")

    def shown(**query: str) -> list[int]:
        return [m.pk for m in staff.get(list_url(**query)).context["page"].object_list]

    assert shown(status="accepted") == [second.pk]
    assert shown(q="Library") == [second.pk]
    assert shown(source="mentor", sort="created_at") == [first.pk, second.pk]
    assert shown(program=str(first.opportunity.program_id)) == [first.pk]


def test_list_export_for_staff_only(life: Any) -> None:
    offered(life, life.mentor, life.opportunity)
    response = life.client("partner_a").get(list_url(format="csv"))
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8-sig")  # type: ignore[attr-defined]
    assert "Girls Who Build mentor" in text
    assert "Robotics For All" in text
    assert life.client("staff").get(list_url(format="xlsx")).status_code == 200
    assert life.client("mentor").get(list_url(format="csv")).status_code == 404


def test_empty_list_says_so(life: Any) -> None:
    page = life.client("mentor").get(list_url())
    assert "No match yet" in page.content.decode()


def test_services_refuse_what_the_pages_hide(life: Any) -> None:
    match = offered(life, life.mentor, life.opportunity)
    with pytest.raises(DomainError):
        matches.close(match, life.users["staff"], kind="planned")


def test_list_queries_do_not_grow_with_the_matches(life: Any) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert life.client("staff").get(list_url()).status_code == 200
        return len(captured)

    offered(life, life.mentor, life.opportunity)
    few = queries()
    for n in range(3):
        other = cleared_mentor(life, None, f"m{n}@mentor.test")
        offered(life, other, opportunity_of(life.org_b, f"Club {n}"))
    assert queries() == few


# The permission table of the match-life pages --------------------------------------------------

EVERYONE_IN = {"staff": 200, "admin": 200, "partner_a": 200, "partner_b": 200, "mentor": 200}
TABLE = {
    # page: {persona: status} for the members of alpha; outsiders and operators get 404,
    # anonymous visitors the sign-in page
    "matches": {**EVERYONE_IN, "member": 200, "reviewer": 200},
    "match": {**EVERYONE_IN, "partner_b": 404, "member": 404, "reviewer": 404},
    "hours": {**EVERYONE_IN, "mentor": 403, "member": 403, "reviewer": 403},
    "hours_export": {**EVERYONE_IN, "mentor": 403, "member": 403, "reviewer": 403},
}


@pytest.mark.parametrize("page", sorted(TABLE))
@pytest.mark.parametrize(
    "persona",
    [
        "anonymous",
        "outsider",
        "operator",
        "member",
        "mentor",
        "reviewer",
        "partner_a",
        "partner_b",
        "staff",
        "admin",
    ],
)
def test_permission_table(life: Any, page: str, persona: str) -> None:
    match = offered(life, life.mentor, life.opportunity)
    address = {
        "matches": list_url(),
        "match": url("match", match),
        "hours": reverse("mentoring:hours", args=["alpha"]),
        "hours_export": reverse("mentoring:hours_export", args=["alpha", "csv"]),
    }[page]
    expected = {"anonymous": 302, "outsider": 404, "operator": 404, **TABLE[page]}[persona]
    assert life.client(persona).get(address).status_code == expected
