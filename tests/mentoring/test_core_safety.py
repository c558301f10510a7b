"""Youth safety at the model layer (design.md section 4): no path puts a mentor without a
current, verified screening into a match that requires it."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from ecotone.directory.models import Program
from ecotone.errors import DomainError
from ecotone.mentoring.models import (
    Match,
    MatchSafetyError,
    ScreeningRecord,
    ScreeningStep,
)
from ecotone.mentoring.services import matches, screening
from tests.conftest import World
from tests.mentoring.builders import (
    SUPERVISED_STEPS,
    clear,
    expire_overnight,
    make_mentor,
    make_opportunity,
    make_program,
)


@pytest.fixture
def program(world: World) -> Program:
    return make_program(world.org_a)


def test_a_match_cannot_be_created_for_an_unscreened_mentor_even_directly(
    world: World, program: Program
) -> None:
    mentor = make_mentor(world.alpha)
    opportunity = make_opportunity(program)
    with pytest.raises(MatchSafetyError):
        Match.objects.create(
            ecosystem=world.alpha, mentor=mentor, opportunity=opportunity, source="staff"
        )
    assert not Match.objects.exists()


def test_the_service_names_the_missing_steps(world: World, program: Program) -> None:
    mentor = make_mentor(world.alpha)
    clear(mentor, world.users["staff"], only=SUPERVISED_STEPS)
    with pytest.raises(DomainError, match="Background check") as error:
        matches.invite(make_opportunity(program), mentor, world.users["partner_a"])
    assert "Mentor training" in str(error.value)
    assert "Application" not in str(error.value)


def test_supervised_virtual_work_needs_only_the_supervised_steps(
    world: World, program: Program
) -> None:
    mentor = make_mentor(world.alpha)
    clear(mentor, world.users["staff"], only=SUPERVISED_STEPS)
    talk = make_opportunity(
        program, "Career talk", kind="career_talk", mode="virtual", teacher_present=True
    )
    match = matches.invite(talk, mentor, world.users["partner_a"])
    assert match.status == "offered"


@pytest.mark.parametrize(
    "fields",
    [
        {"mode": "virtual", "teacher_present": False},
        {"mode": "virtual", "teacher_present": True, "one_to_one": True},
        {"mode": "either"},
    ],
)
def test_direct_contact_in_any_form_needs_the_full_screening(
    world: World, program: Program, fields: dict[str, Any]
) -> None:
    mentor = make_mentor(world.alpha)
    clear(mentor, world.users["staff"], only=SUPERVISED_STEPS)
    opportunity = make_opportunity(program, **fields)
    assert opportunity.direct_contact
    with pytest.raises(DomainError):
        matches.invite(opportunity, mentor, world.users["partner_a"])


def test_the_floor_holds_even_when_the_ecosystem_unticks_background_checks(
    world: World, program: Program
) -> None:
    steps = ScreeningStep.for_ecosystem(world.alpha)
    steps.filter(kind__in=["background_check", "training"]).update(for_direct_contact=False)
    opportunity = make_opportunity(program)
    assert {s.kind for s in opportunity.required_steps()} >= {"background_check", "training"}


def test_without_any_background_check_step_direct_contact_cannot_be_matched(
    world: World, program: Program
) -> None:
    mentor = make_mentor(world.alpha)
    clear(mentor, world.users["staff"])
    ScreeningStep.for_ecosystem(world.alpha).filter(kind="background_check").update(is_active=False)
    with pytest.raises(DomainError, match="no active screening step"):
        matches.invite(make_opportunity(program), mentor, world.users["partner_a"])


def test_an_expired_background_check_stops_new_matches(world: World, program: Program) -> None:
    mentor = make_mentor(world.alpha)
    clear(mentor, world.users["staff"])
    ScreeningRecord.objects.filter(mentor=mentor, step__kind="background_check").update(
        expires_on=timezone.localdate() - datetime.timedelta(days=1)
    )
    with pytest.raises(DomainError, match="Background check"):
        matches.invite(make_opportunity(program), mentor, world.users["partner_a"])


def test_screening_is_checked_again_when_a_match_moves_to_a_new_live_status(
    world: World, program: Program
) -> None:
    staff = world.users["staff"]
    mentor = make_mentor(world.alpha)
    clear(mentor, staff)
    match = matches.invite(make_opportunity(program), mentor, world.users["partner_a"])
    ScreeningRecord.objects.filter(mentor=mentor, step__kind="training").update(
        status="in_progress", verified_by=None, verified_at=None, completed_on=None
    )
    with pytest.raises(DomainError, match="Mentor training"):
        matches.accept(match, mentor.user, side="mentor")
    match.refresh_from_db()
    assert match.status == "offered"


def test_a_record_not_verified_is_not_current(world: World) -> None:
    mentor = make_mentor(world.alpha)
    step = ScreeningStep.for_ecosystem(world.alpha).get(code="background_check")
    record = ScreeningRecord(
        mentor=mentor, step=step, status="passed", completed_on=timezone.localdate()
    )
    assert not record.is_current()
    with pytest.raises(IntegrityError), transaction.atomic():
        record.save()


def test_training_needs_its_minimum_hours(world: World) -> None:
    mentor = make_mentor(world.alpha)
    training = ScreeningStep.for_ecosystem(world.alpha).get(code="training")
    with pytest.raises(DomainError, match="at least 2"):
        screening.update_step(
            mentor, training, world.users["staff"], status="passed", hours=Decimal("1.5")
        )
    record = screening.update_step(
        mentor, training, world.users["staff"], status="passed", hours=Decimal("2")
    )
    assert record.is_current()
    assert record.expires_on == timezone.localdate() + datetime.timedelta(days=730)
    assert record.verified_by == world.users["staff"]


def test_a_pass_cannot_be_dated_in_the_future(world: World) -> None:
    mentor = make_mentor(world.alpha)
    step = ScreeningStep.for_ecosystem(world.alpha).get(code="application")
    with pytest.raises(DomainError):
        screening.update_step(
            mentor,
            step,
            world.users["staff"],
            status="passed",
            completed_on=timezone.localdate() + datetime.timedelta(days=1),
        )


def test_standing_moves_from_not_started_to_cleared(world: World) -> None:
    staff = world.users["staff"]
    mentor = make_mentor(world.alpha)
    assert screening.standing(mentor).stage == screening.Stage.NOT_STARTED
    step = ScreeningStep.for_ecosystem(world.alpha).get(code="interview")
    screening.update_step(mentor, step, staff, status="in_progress")
    assert screening.standing(mentor).stage == screening.Stage.IN_PROGRESS
    clear(mentor, staff, only=SUPERVISED_STEPS)
    assert screening.standing(mentor).stage == screening.Stage.SUPERVISED
    clear(mentor, staff)
    assert screening.standing(mentor).stage == screening.Stage.CLEARED
    ScreeningRecord.objects.filter(mentor=mentor, step__code="background_check").update(
        expires_on=timezone.localdate() - datetime.timedelta(days=1)
    )
    assert screening.standing(mentor).stage == screening.Stage.SUPERVISED


def test_matches_at_risk_lists_live_matches_whose_screening_lapsed(
    world: World, program: Program
) -> None:
    mentor = make_mentor(world.alpha)
    clear(mentor, world.users["staff"])
    match = matches.invite(make_opportunity(program), mentor, world.users["partner_a"])
    assert screening.matches_at_risk(world.alpha) == []
    expire_overnight(mentor, kind="background_check")
    assert screening.matches_at_risk(world.alpha) == [match]


def test_the_admin_cannot_add_or_change_matches_screening_or_hours(world: World) -> None:
    from django.test import Client

    from tests.conftest import make_user

    operator = make_user("root@ops.test", totp=True)
    operator.is_staff = operator.is_superuser = True
    operator.save()
    client = Client()
    client.force_login(operator)
    for model in ("match", "screeningrecord", "hourlog"):
        assert client.get(f"/admin/mentoring/{model}/add/").status_code == 403
    assert client.get("/admin/mentoring/match/").status_code == 200


def test_nobody_verifies_their_own_screening(world: World) -> None:
    staff = world.users["staff"]
    mentor = make_mentor(world.alpha, user=staff)
    step = ScreeningStep.for_ecosystem(world.alpha).get(code="background_check")
    with pytest.raises(DomainError, match="own screening"):
        screening.update_step(mentor, step, staff, status="passed")
    record = screening.update_step(mentor, step, world.users["admin"], status="passed")
    assert record.verified_by == world.users["admin"]


def test_a_step_with_records_is_kept_but_the_ecosystem_can_be_deleted(world: World) -> None:
    from django.db.models import RestrictedError

    mentor = make_mentor(world.alpha)
    clear(mentor, world.users["staff"])
    step = ScreeningStep.for_ecosystem(world.alpha).get(code="background_check")
    with pytest.raises(RestrictedError), transaction.atomic():
        step.delete()
    world.alpha.delete()
    assert not ScreeningRecord.objects.exists()


def test_a_mentor_without_a_name_is_never_shown_by_their_email(world: World) -> None:
    mentor = make_mentor(world.alpha, "nameless@mentor.test", name="")
    mentor.user.name = ""
    mentor.user.save()
    assert "nameless" not in mentor.display_name
    assert str(mentor.pk) in mentor.display_name
    assert str(mentor) == mentor.display_name
