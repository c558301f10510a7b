"""Property: the stored screening stage (`Mentor.screening_stage`, written by
`screening.refresh_stages` from the rule) never gives another answer than the rule. After any
sequence of changes through the services (a record passed, failed, revoked or renewed, dated
back or not; a step's settings), of days passing and of the daily `mentoring_reminders` run (or
not), the stages read from the database (`stage_counts`, `with_stage`) equal
`screening.standing` mentor by mentor, and `matches_at_risk`, which skips the matches whose
stored stage covers the work, equals the safety rule asked about every live match
(`services.matches.unsafe_live_matches`, what it did before: a youth-safety rule)."""

from __future__ import annotations

import datetime
import io
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any
from unittest import mock

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ecotone.errors import DomainError
from ecotone.mentoring.models import Match, Mentor, Opportunity, ScreeningStep
from ecotone.mentoring.services import matches, screening
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
MENTORS = ("sam", "cleo", "ines")
real_localdate = timezone.localdate

record = st.tuples(
    st.just("record"),
    st.sampled_from(MENTORS),
    st.sampled_from(STEP_CODES),
    st.sampled_from(["passed", "passed", "failed", "in_progress", "not_started"]),
    st.integers(min_value=0, max_value=800),  # how long ago it was completed
)
step_setting = st.tuples(
    st.just("step"),
    st.sampled_from(STEP_CODES),
    st.sampled_from(["for_supervised", "for_direct_contact", "is_active", "valid_days"]),
    st.booleans(),
)
days_pass = st.tuples(st.just("days"), st.integers(min_value=1, max_value=400), st.booleans())
changes = st.lists(st.one_of(record, step_setting, days_pass), min_size=1, max_size=5)


class Clock:
    """`timezone.localdate()` moved forward by `days` (what time passing is to the rule)."""

    def __init__(self) -> None:
        self.days = 0

    def __call__(self, value: Any = None, timezone: Any = None) -> datetime.date:
        if value is not None:
            return real_localdate(value, timezone)
        return real_localdate() + datetime.timedelta(days=self.days)


@contextmanager
def clock() -> Iterator[Clock]:
    now = Clock()
    with mock.patch("django.utils.timezone.localdate", now):
        yield now


def _active(opportunity: Any, mentor: Any, partner: Any) -> Match:
    match = matches.invite(opportunity, mentor, partner)
    match = matches.accept(match, mentor.user, side="mentor")
    return matches.start(
        match, partner, frequency="weekly", duration_weeks=8, start_on=timezone.localdate()
    )


def _build(world: World) -> dict[str, Any]:
    """Sam cleared for supervised work, active on a virtual talk; Cleo cleared for all work,
    active on an in-person club and offered the talk; Ines with no screening."""
    staff, partner = world.users["staff"], world.users["partner_a"]
    program = make_program(world.org_a)
    talk = make_opportunity(
        program, "Career talk", kind="career_talk", mode="virtual", teacher_present=True
    )
    talk.mentors_needed = 2
    talk.save()
    club = make_opportunity(program, "Robotics club mentor", mentors_needed=2)
    people = {}
    for name in MENTORS:
        people[name] = make_mentor(
            world.alpha, f"{name}@mentor.test", name=name.title(), max_matches=3
        )
    clear(people["sam"], staff, only=SUPERVISED_STEPS)
    clear(people["cleo"], staff)
    _active(talk, people["sam"], partner)
    _active(club, people["cleo"], partner)
    matches.invite(talk, people["cleo"], partner)
    return people


def _apply(world: World, people: dict[str, Any], now: Clock, change: tuple[Any, ...]) -> None:
    admin = world.users["admin"]
    try:
        if change[0] == "record":
            _kind, name, code, status, age = change
            step = ScreeningStep.objects.get(ecosystem=world.alpha, code=code)
            done = timezone.localdate() - datetime.timedelta(days=age)
            hours = Decimal(step.minimum_hours) if step.minimum_hours else None
            screening.update_step(
                people[name],
                step,
                admin,
                status=status,
                completed_on=done if status in ("passed", "failed") else None,
                hours=hours,
            )
        elif change[0] == "step":
            _kind, code, field, value = change
            step = ScreeningStep.objects.get(ecosystem=world.alpha, code=code)
            fields = {field: (30 if value else None) if field == "valid_days" else value}
            screening.change_step(step, admin, **fields)
        else:
            _kind, days, daily = change
            now.days += days
            if daily:
                call_command("mentoring_reminders", stdout=io.StringIO())
    except DomainError:
        pass  # refused: nothing changed


def _assert_stored_stages_equal_the_rule(world: World) -> None:
    steps = screening.steps(world.alpha)
    mentors = Mentor.objects.filter(ecosystem=world.alpha)
    rule = {m.pk: screening.standing(m, ecosystem_steps=steps).stage for m in mentors}
    assert screening.stage_counts(mentors, world.alpha) == dict(Counter(rule.values()))
    for stage in screening.STAGE_LABELS:
        expected = {pk for pk, s in rule.items() if s == stage}
        assert (
            set(screening.with_stage(mentors, world.alpha, stage).values_list("pk", flat=True))
            == expected
        )
    today = timezone.localdate()
    for pk, stage, until in mentors.values_list("pk", "screening_stage", "screening_stage_until"):
        if until >= today:  # the stored stage holds: it is the rule's
            assert stage == rule[pk]
    at_risk = {m.pk for m in screening.matches_at_risk(world.alpha)}
    unsafe = {m.pk for m, _ in matches.unsafe_live_matches(Match.objects.all())}
    assert at_risk == unsafe


@settings(
    # Six sequences of up to five changes each: about 5 s a phase (twelve took 10 s; the
    # suite has a time budget, docs/testing.md).
    max_examples=6,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=changes)
def test_stored_stages_and_matches_at_risk_follow_the_rule(
    world: World, steps: list[tuple[Any, ...]]
) -> None:
    with transaction.atomic(), clock() as now:
        people = _build(world)
        _assert_stored_stages_equal_the_rule(world)
        for change in steps:
            _apply(world, people, now, change)
            _assert_stored_stages_equal_the_rule(world)
        transaction.set_rollback(True)


def test_direct_contact_as_a_filter_equals_the_property(world: World) -> None:
    program = make_program(world.org_a)
    made = [
        make_opportunity(
            program, f"{mode} {one} {teacher}", mode=mode, one_to_one=one, teacher_present=teacher
        )
        for mode in ("in_person", "virtual", "either")
        for one in (False, True)
        for teacher in (False, True)
    ]
    direct = set(
        Opportunity.objects.filter(Opportunity.direct_contact_q()).values_list("pk", flat=True)
    )
    assert direct == {o.pk for o in made if o.direct_contact}
    assert 0 < len(direct) < len(made)
