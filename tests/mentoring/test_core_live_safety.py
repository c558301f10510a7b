"""Property: whatever sequence of changes people make through the services (an opportunity's
mode, one-to-one or teacher present; a screening record revoked, failed, renewed or lapsed by
expiry and the daily command; the step settings; resuming a match on hold), no match is ever
live while its mentor lacks screening the work requires (`Match.check_safe` holds for every
match in a live status after every step)."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal
from typing import Any

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ecotone.errors import DomainError
from ecotone.mentoring.models import LIVE_STATUSES, Match, MatchStatus, ScreeningStep
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

STEP_CODES = ("application", "code_of_conduct", "interview", "background_check", "training")
OPPORTUNITIES = ("talk", "club")
MENTORS = ("sam", "cleo")

edit = st.tuples(
    st.just("edit"),
    st.sampled_from(OPPORTUNITIES),
    st.fixed_dictionaries(
        {},
        optional={
            "mode": st.sampled_from(["in_person", "virtual", "either"]),
            "one_to_one": st.booleans(),
            "teacher_present": st.booleans(),
        },
    ),
)
record = st.tuples(
    st.sampled_from(["revoke", "fail", "renew", "expire"]),
    st.sampled_from(MENTORS),
    st.sampled_from(STEP_CODES),
)
step_setting = st.tuples(
    st.just("step"),
    st.sampled_from(STEP_CODES),
    st.sampled_from(["for_supervised", "for_direct_contact", "is_active"]),
    st.booleans(),
)
resume = st.tuples(st.just("resume"), st.integers(min_value=0, max_value=3))
changes = st.lists(st.one_of(edit, record, step_setting, resume), min_size=1, max_size=6)


def _active(opportunity: Any, mentor: Any, partner: Any) -> Match:
    match = matches.invite(opportunity, mentor, partner)
    match = matches.accept(match, mentor.user, side="mentor")
    return matches.start(
        match, partner, frequency="weekly", duration_weeks=8, start_on=timezone.localdate()
    )


def _build(world: World) -> dict[str, Any]:
    """A supervised-only mentor active on a virtual career talk with a teacher present; a fully
    cleared mentor active on an in-person club and offered the talk too."""
    staff, partner = world.users["staff"], world.users["partner_a"]
    program = make_program(world.org_a)
    talk = make_opportunity(
        program,
        "Career talk",
        kind="career_talk",
        mode="virtual",
        teacher_present=True,
        mentors_needed=2,
    )
    club = make_opportunity(program, "Robotics club mentor", mentors_needed=2)
    sam = make_mentor(world.alpha, "sam@mentor.test", name="Sam", max_matches=3)
    clear(sam, staff, only=SUPERVISED_STEPS)
    cleo = make_mentor(world.alpha, "cleo@mentor.test", name="Cleo", max_matches=3)
    clear(cleo, staff)
    built = [
        _active(talk, sam, partner),
        _active(club, cleo, partner),
        matches.invite(talk, cleo, partner),
    ]
    return {
        "talk": talk,
        "club": club,
        "sam": sam,
        "cleo": cleo,
        "matches": [m.pk for m in built],
    }


def _apply(world: World, built: dict[str, Any], change: tuple[Any, ...]) -> None:
    admin, partner = world.users["admin"], world.users["partner_a"]
    kind = change[0]
    try:
        if kind == "edit":
            opportunities.update_opportunity(built[change[1]], partner, **change[2])
        elif kind == "step":
            step = ScreeningStep.objects.get(ecosystem=world.alpha, code=change[1])
            screening.change_step(step, admin, **{change[2]: change[3]})
        elif kind == "resume":
            ids = built["matches"]
            matches.resume(Match.objects.get(pk=ids[change[1] % len(ids)]), partner)
        else:
            mentor = built[change[1]]
            step = ScreeningStep.objects.get(ecosystem=world.alpha, code=change[2])
            if kind == "revoke":
                screening.update_step(mentor, step, admin, status="not_started")
            elif kind == "fail":
                screening.update_step(mentor, step, admin, status="failed")
            elif kind == "renew":
                hours = Decimal(step.minimum_hours) if step.minimum_hours else None
                screening.update_step(mentor, step, admin, status="passed", hours=hours)
            else:  # time passes: the step lapses without any save; the daily command runs
                mentor.screening_records.filter(step=step, status="passed").update(
                    expires_on=timezone.localdate() - datetime.timedelta(days=1)
                )
                call_command("mentoring_reminders", stdout=io.StringIO())
    except DomainError:
        pass  # refused: nothing changed, which is allowed


def _assert_no_live_match_is_unsafe() -> None:
    live = Match.objects.filter(status__in=LIVE_STATUSES).select_related(
        "mentor__user", "opportunity__ecosystem"
    )
    for match in live:
        match.check_safe()
    for match in Match.objects.filter(status=MatchStatus.ON_HOLD):
        assert match.held_from in LIVE_STATUSES


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=changes)
def test_no_sequence_of_changes_leaves_a_live_match_unsafe(
    world: World, steps: list[tuple[Any, ...]]
) -> None:
    with transaction.atomic():
        built = _build(world)
        _assert_no_live_match_is_unsafe()
        for change in steps:
            _apply(world, built, change)
            _assert_no_live_match_is_unsafe()
        transaction.set_rollback(True)
