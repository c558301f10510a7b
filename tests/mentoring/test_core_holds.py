"""Youth safety after a match is live: every change that could leave a live match needing
screening its mentor does not hold is refused (an opportunity edit) or puts the match on hold
with notices to the mentor, the program and the backbone (screening revoked, failed or lapsed;
a step setting changed). A match on hold resumes only through the same safety check."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal
from typing import Any

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from ecotone.errors import DomainError
from ecotone.mentoring.models import (
    Match,
    MatchStatus,
    Notice,
    Opportunity,
    ScreeningRecord,
    ScreeningStep,
)
from ecotone.mentoring.services import matches, opportunities, screening
from tests.conftest import World
from tests.mentoring.builders import (
    SUPERVISED_STEPS,
    clear,
    make_mentor,
    make_opportunity,
    make_program,
)

pytestmark = pytest.mark.django_db

TO_DIRECT = {"mode": "in_person", "one_to_one": True, "teacher_present": False}


@pytest.fixture
def holds(world: World) -> World:
    """A mentor cleared for supervised work only, in an active match on a supervised virtual
    career talk of org_a's program; a fully cleared mentor active on an in-person opportunity."""
    world.alpha.contact_email = "hello@alpha.test"
    world.alpha.save()
    partner = world.users["partner_a"]
    world.program = make_program(world.org_a)
    world.supervised = make_mentor(world.alpha, "sam@mentor.test", name="Sam Supervised")
    clear(world.supervised, world.users["staff"], only=SUPERVISED_STEPS)
    world.talk = make_opportunity(
        world.program,
        "Career talk",
        kind="career_talk",
        mode="virtual",
        teacher_present=True,
        location=None,
    )
    world.talk_match = _active(world.talk, world.supervised, partner)
    world.cleared = make_mentor(world.alpha, "cleo@mentor.test", name="Cleo Cleared")
    clear(world.cleared, world.users["staff"])
    world.club = make_opportunity(world.program, "Robotics club mentor")
    world.club_match = _active(world.club, world.cleared, partner)
    mail.outbox.clear()
    return world


def _active(opportunity: Opportunity, mentor: Any, partner: Any) -> Match:
    match = matches.invite(opportunity, mentor, partner)
    match = matches.accept(match, mentor.user, side="mentor")
    return matches.start(
        match, partner, frequency="weekly", duration_weeks=8, start_on=timezone.localdate()
    )


def status_of(match: Match) -> str:
    return Match.objects.get(pk=match.pk).status


def live_matches_are_safe() -> None:
    for match in Match.objects.filter(status__in=["proposed", "offered", "accepted", "active"]):
        match.check_safe()


# --- an opportunity edit that would make a live match unsafe is refused -------------------------


def test_an_edit_into_direct_contact_is_refused_naming_the_match(holds: Any) -> None:
    with pytest.raises(DomainError, match="Sam Supervised") as error:
        opportunities.update_opportunity(holds.talk, holds.users["partner_a"], **TO_DIRECT)
    assert "Background check" in str(error.value)
    talk = Opportunity.objects.get(pk=holds.talk.pk)
    assert (talk.mode, talk.one_to_one, talk.teacher_present) == ("virtual", False, True)
    assert status_of(holds.talk_match) == MatchStatus.ACTIVE
    live_matches_are_safe()


@pytest.mark.parametrize(
    "change",
    [{"teacher_present": False}, {"one_to_one": True}, {"mode": "either"}],
)
def test_each_direct_contact_setting_alone_is_refused(holds: Any, change: dict[str, Any]) -> None:
    with pytest.raises(DomainError, match="Sam Supervised"):
        opportunities.update_opportunity(holds.talk, holds.users["partner_a"], **change)
    assert status_of(holds.talk_match) == MatchStatus.ACTIVE
    live_matches_are_safe()


def test_the_partner_edit_page_shows_the_refusal_and_saves_nothing(holds: Any) -> None:
    client = holds.client("partner_a")
    url = f"/e/alpha/mentoring/opportunities/{holds.talk.pk}/edit/"
    response = client.post(
        url,
        {
            "title": "Career talk",
            "kind": "career_talk",
            "status": "open",
            "mode": "in_person",
            "one_to_one": "on",
            "topics": ["robotics"],
            "grade_bands": ["6-8"],
            "mentors_needed": 1,
            "depth": "medium",
            "duration_weeks": 12,
            "hours_per_month": 4,
            "day1_start": "15:30",
            "day1_end": "17:00",
        },
    )
    assert response.status_code == 200
    assert "Sam Supervised" in response.content.decode()
    talk = Opportunity.objects.get(pk=holds.talk.pk)
    assert (talk.mode, talk.one_to_one, talk.teacher_present) == ("virtual", False, True)
    assert status_of(holds.talk_match) == MatchStatus.ACTIVE


def test_an_edit_that_keeps_every_match_safe_is_saved(holds: Any) -> None:
    opportunities.update_opportunity(holds.club, holds.users["partner_a"], one_to_one=True)
    assert Opportunity.objects.get(pk=holds.club.pk).one_to_one is True
    assert status_of(holds.club_match) == MatchStatus.ACTIVE


# --- screening revoked, failed or lapsed puts matches on hold ------------------------------------


def _hold_mail(match: Match) -> dict[str, str]:
    """Recipient -> subject of the hold notices about `match`."""
    return {m.to[0]: m.subject for m in mail.outbox if "on hold" in m.subject.lower()}


@pytest.mark.parametrize("status", ["failed", "in_progress", "not_started"])
def test_a_revoked_or_failed_step_puts_the_match_on_hold_and_tells_everyone(
    holds: Any, status: str, django_capture_on_commit_callbacks: Any
) -> None:
    step = ScreeningStep.objects.get(ecosystem=holds.alpha, code="background_check")
    with django_capture_on_commit_callbacks(execute=True):
        screening.update_step(holds.cleared, step, holds.users["admin"], status=status)
    match = Match.objects.get(pk=holds.club_match.pk)
    assert (match.status, match.held_from) == (MatchStatus.ON_HOLD, MatchStatus.ACTIVE)
    assert "Background check" in match.hold_reason
    sent = _hold_mail(match)
    assert set(sent) == {"cleo@mentor.test", holds.program.email, "hello@alpha.test"}
    assert all("Robotics club mentor" in subject for subject in sent.values())
    assert Notice.objects.filter(kind="match_on_hold").count() == 3
    # The supervised match does not need a background check: it stays live.
    assert status_of(holds.talk_match) == MatchStatus.ACTIVE
    live_matches_are_safe()


def test_a_pass_dated_so_long_ago_that_it_has_expired_puts_the_match_on_hold(
    holds: Any,
) -> None:
    step = ScreeningStep.objects.get(ecosystem=holds.alpha, code="background_check")
    screening.update_step(
        holds.cleared,
        step,
        holds.users["admin"],
        status="passed",
        completed_on=timezone.localdate() - datetime.timedelta(days=800),
    )
    assert status_of(holds.club_match) == MatchStatus.ON_HOLD


def test_the_daily_command_holds_matches_whose_step_lapsed_and_notices_once(
    holds: Any, django_capture_on_commit_callbacks: Any
) -> None:
    ScreeningRecord.objects.filter(mentor=holds.cleared, step__code="training").update(
        expires_on=timezone.localdate() - datetime.timedelta(days=1)
    )
    with django_capture_on_commit_callbacks(execute=True):
        call_command("mentoring_reminders", stdout=io.StringIO())
    match = Match.objects.get(pk=holds.club_match.pk)
    assert (match.status, match.held_from) == (MatchStatus.ON_HOLD, MatchStatus.ACTIVE)
    assert "Mentor training" in match.hold_reason
    assert set(_hold_mail(match)) == {"cleo@mentor.test", holds.program.email, "hello@alpha.test"}
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("mentoring_reminders", stdout=io.StringIO())
    assert _hold_mail(match) == {}
    assert status_of(holds.talk_match) == MatchStatus.ACTIVE
    live_matches_are_safe()


# --- step settings -----------------------------------------------------------------------------


def test_a_step_made_required_for_supervised_work_holds_supervised_matches(
    holds: Any, django_capture_on_commit_callbacks: Any
) -> None:
    interview = ScreeningStep.objects.get(ecosystem=holds.alpha, code="interview")
    with django_capture_on_commit_callbacks(execute=True):
        screening.change_step(interview, holds.users["admin"], for_supervised=True)
    assert status_of(holds.talk_match) == MatchStatus.ON_HOLD
    assert status_of(holds.club_match) == MatchStatus.ACTIVE
    assert "sam@mentor.test" in _hold_mail(holds.talk_match)
    live_matches_are_safe()


def test_a_new_active_step_for_direct_contact_holds_direct_matches(holds: Any) -> None:
    screening.create_step(
        holds.alpha, holds.users["admin"], code="safeguarding", name="Safeguarding"
    )
    assert status_of(holds.club_match) == MatchStatus.ON_HOLD
    assert status_of(holds.talk_match) == MatchStatus.ACTIVE


def test_a_step_put_back_in_use_holds_the_matches_that_need_it(holds: Any) -> None:
    references = ScreeningStep.objects.get(ecosystem=holds.alpha, code="references")
    screening.change_step(references, holds.users["admin"], is_active=False)
    ScreeningRecord.objects.filter(mentor=holds.cleared, step=references).delete()
    assert status_of(holds.club_match) == MatchStatus.ACTIVE
    screening.change_step(references, holds.users["admin"], is_active=True)
    assert status_of(holds.club_match) == MatchStatus.ON_HOLD


# --- resuming and ending a match on hold ---------------------------------------------------------


def _held(holds: Any) -> Match:
    step = ScreeningStep.objects.get(ecosystem=holds.alpha, code="background_check")
    screening.update_step(holds.cleared, step, holds.users["admin"], status="failed")
    return Match.objects.get(pk=holds.club_match.pk)


def test_a_match_on_hold_resumes_only_once_the_mentor_is_cleared_again(
    holds: Any, django_capture_on_commit_callbacks: Any
) -> None:
    match = _held(holds)
    with pytest.raises(DomainError, match="Background check"):
        matches.resume(match, holds.users["partner_a"])
    assert status_of(match) == MatchStatus.ON_HOLD
    clear(holds.cleared, holds.users["admin"], only=("background_check",))
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        resumed = matches.resume(match, holds.users["partner_a"])
    assert (resumed.status, resumed.held_from) == (MatchStatus.ACTIVE, "")
    assert sorted(m.to[0] for m in mail.outbox) == sorted(["cleo@mentor.test", holds.program.email])
    assert all(m.subject == "Match resumed: Robotics club mentor" for m in mail.outbox)


def test_a_match_on_hold_can_be_closed(holds: Any) -> None:
    match = _held(holds)
    closed = matches.close(match, holds.users["partner_a"], kind="early", reason="Lapsed")
    assert closed.status == MatchStatus.CLOSED


def test_a_held_match_whose_place_was_filled_does_not_resume(holds: Any) -> None:
    match = _held(holds)
    other = make_mentor(holds.alpha, "otto@mentor.test", name="Otto")
    clear(other, holds.users["staff"])
    _active(holds.club, other, holds.users["partner_a"])
    clear(holds.cleared, holds.users["admin"], only=("background_check",))
    with pytest.raises(DomainError, match="all the mentors it needs"):
        matches.resume(match, holds.users["partner_a"])


def test_the_match_page_resumes_for_program_staff_only(holds: Any) -> None:
    match = _held(holds)
    url = f"/e/alpha/mentoring/matches/{match.pk}/resume/"
    page = holds.client("partner_a").get(f"/e/alpha/mentoring/matches/{match.pk}/")
    html = page.content.decode()
    assert "Match on hold" in html
    assert url in html
    assert match.hold_reason not in html  # the program is not told which step
    staff_page = holds.client("staff").get(f"/e/alpha/mentoring/matches/{match.pk}/")
    assert match.hold_reason in staff_page.content.decode()
    clear(holds.cleared, holds.users["admin"], only=("background_check",))
    assert holds.client("partner_b").post(url).status_code == 404
    assert holds.client("mentor").post(url).status_code == 404
    assert holds.client("partner_a").post(url).status_code == 302
    assert status_of(match) == MatchStatus.ACTIVE


def test_saving_a_live_match_rechecks_its_safety(holds: Any) -> None:
    ScreeningRecord.objects.filter(mentor=holds.cleared, step__code="training").update(
        hours=Decimal("0.5")
    )
    match = Match.objects.get(pk=holds.club_match.pk)
    match.message = "Still on?"
    with pytest.raises(Exception, match="Mentor training"):
        match.save()
