"""The mentoring home: each persona sees what they have to do next."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone

from ecotone.mentoring.models import CheckIn, MatchStatus, ScreeningStep
from ecotone.mentoring.services import matches, screening
from tests.conftest import World
from tests.mentoring.builders import expire_overnight, make_mentor
from tests.mentoring.dash_builders import MentoringWorld, replayed, world_or_mw

HOME = "/e/alpha/mentoring/"


@pytest.fixture
def mw(db: None) -> MentoringWorld:
    return replayed()


@pytest.fixture
def world(request: pytest.FixtureRequest, db: None) -> World:
    return world_or_mw(request)


def page(client: Any) -> str:
    response = client.get(HOME)
    assert response.status_code == 200, response.status_code
    return str(response.content.decode())


def figure(html: str, name: str) -> str:
    return html.split(f'data-figure="{name}">')[1].split("<")[0].strip()


def test_anonymous_visitors_are_sent_to_sign_in(world: World) -> None:
    response = world.client("anonymous").get(HOME)
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_outsiders_get_404(world: World) -> None:
    assert world.client("outsider").get(HOME).status_code == 404


def test_a_member_without_a_mentoring_role_is_invited_to_become_a_mentor(world: World) -> None:
    html = page(world.client("member"))
    assert "Become a mentor" in html
    assert "For the backbone team" not in html
    assert "Your mentoring" not in html


def test_a_mentor_without_a_profile_is_asked_to_complete_it(world: World) -> None:
    html = page(world.client("mentor"))
    assert "Complete your mentor profile" in html
    assert "Your mentoring" not in html


def test_a_mentor_sees_their_screening_standing_and_the_steps_left(world: World) -> None:
    mentor = make_mentor(world.alpha, user=world.users["mentor"])
    application = ScreeningStep.for_ecosystem(world.alpha).get(code="application")
    screening.update_step(mentor, application, world.users["staff"], status="passed")
    html = page(world.client("mentor"))
    assert 'data-stage="in_progress"' in html
    assert "In screening" in html
    assert "Background check" in html
    assert "Mentor training" in html
    assert "<li>Application</li>" not in html
    assert "No offers are waiting for you." in html
    assert "Become a mentor" not in html


def test_a_mentor_sees_offers_check_ins_due_and_pending_hours(mw: MentoringWorld) -> None:
    offer = matches.invite(mw.opp3, mw.m1, mw.world.users["partner_b"])
    CheckIn.objects.filter(match=mw.x).update(due_on=timezone.localdate())
    html = page(mw.client("mentor"))
    assert "Cleared for all work with youth" in html
    assert "Still to do" not in html
    offers = html.split("Offers awaiting your answer")[1].split("<h3>")[0]
    assert "Homework club mentor" in offers
    assert f"/e/alpha/mentoring/matches/{offer.pk}/" in offers
    due = html.split("Check-ins due")[1].split("<h3>")[0]
    assert "Robotics club mentor" in due
    assert "1 log (1.00 hours) awaits the program's approval." in html


def test_check_ins_far_in_the_future_are_not_due(mw: MentoringWorld) -> None:
    CheckIn.objects.filter(match=mw.x).update(
        due_on=timezone.localdate() + datetime.timedelta(days=20)
    )
    assert "No check-ins are due this week." in page(mw.client("mentor"))


def test_partner_staff_see_their_opportunities_requests_and_hours(mw: MentoringWorld) -> None:
    request = matches.request_to_join(mw.opp3, mw.m1, mw.m1.user)
    html_b = page(mw.client("partner_b"))
    requests = html_b.split("Requests awaiting your answer")[1].split("<h3>")[0]
    assert "Homework club mentor" in requests
    assert f"/matches/{request.pk}/" in requests
    opportunities = html_b.split("Your opportunities")[1]
    assert "Homework club mentor" in opportunities  # open: one place left after the request
    assert "Career talk: what engineers do" in opportunities
    assert "Filled" in opportunities
    assert "1 draft not yet open." in html_b
    assert "No hours are waiting for approval." in html_b  # w's 2 hours are approved
    assert "Robotics club mentor" not in html_b  # org_a's

    html_a = page(mw.client("partner_a"))
    assert "No requests are waiting for you." in html_a
    assert "1 log (1.00 hours) awaits your approval." in html_a
    assert "Homework club mentor" not in html_a
    assert "For the backbone team" not in html_a


def test_backbone_staff_see_counts_that_need_attention(mw: MentoringWorld) -> None:
    html = page(mw.client("staff"))
    assert figure(html, "in_screening") == "1"
    assert figure(html, "not_started") == "1"
    assert figure(html, "expiring") == "0"
    assert figure(html, "at_risk") == "0"
    assert figure(html, "proposals") == "0"
    assert figure(html, "unfilled").startswith("2 ")
    assert "(4 mentors needed)" in html
    assert figure(html, "hours_pending") == "1"
    assert "/e/alpha/mentoring/dashboard/" in html
    assert "Your mentoring" not in html
    assert "Become a mentor" not in html


def test_backbone_staff_see_matches_at_risk_when_screening_lapses(mw: MentoringWorld) -> None:
    # Lapsed by expiry today: at risk until the daily command puts the match on hold.
    expire_overnight(mw.m1, code="background_check")
    assert mw.x.status == MatchStatus.ACTIVE
    html = page(mw.client("staff"))
    assert figure(html, "at_risk") == "1"
    assert figure(html, "on_hold") == "0"


def test_backbone_staff_see_matches_on_hold_when_a_step_fails(mw: MentoringWorld) -> None:
    staff = mw.world.users["staff"]
    background = ScreeningStep.for_ecosystem(mw.world.alpha).get(code="background_check")
    screening.update_step(mw.m1, background, staff, status="failed")
    html = page(mw.client("staff"))
    assert figure(html, "at_risk") == "0"
    assert figure(html, "on_hold") == "1"
    assert "?status=on_hold" in html
