"""A match's life through the services: who may move it where, capacities, the engine's hard
constraints on every path, and the check-in schedule."""

from __future__ import annotations

import datetime
from itertools import pairwise
from typing import Any

import pytest
from django.core import mail
from hypothesis import given
from hypothesis import strategies as st

from ecotone.directory.models import Program
from ecotone.errors import DomainError
from ecotone.mentoring.models import Match, Mentor
from ecotone.mentoring.services import matches
from tests.conftest import World
from tests.mentoring.builders import clear, make_mentor, make_opportunity, make_program

START = datetime.date(2026, 9, 1)


@pytest.fixture
def program(world: World) -> Program:
    return make_program(world.org_a)


@pytest.fixture
def cleared(world: World) -> Mentor:
    mentor = make_mentor(world.alpha)
    clear(mentor, world.users["staff"])
    return mentor


def test_request_accept_start_close(world: World, program: Program, cleared: Mentor) -> None:
    partner = world.users["partner_a"]
    match = matches.request_to_join(make_opportunity(program), cleared, cleared.user, "Hi!")
    assert (match.status, match.source) == ("offered", "mentor")
    assert match.mentor_accepted_at is not None
    assert match.score == sum(match.score_breakdown.values())
    match = matches.accept(match, partner, side="program")
    assert match.status == "accepted"
    match = matches.start(match, partner, frequency="weekly", duration_weeks=12, start_on=START)
    assert match.status == "active"
    assert match.expected_end_on == START + datetime.timedelta(weeks=12)
    assert match.check_ins.count() == 3
    with pytest.raises(DomainError, match="early"):
        matches.close(match, partner, kind="early")
    match = matches.close(match, partner, kind="planned", rematch=True)
    assert (match.status, match.rematch_requested) == ("closed", True)
    assert not match.check_ins.filter(done_on__isnull=True).exists()


def test_an_invitation_and_the_acceptance_are_emailed(
    world: World, program: Program, cleared: Mentor, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        match = matches.invite(make_opportunity(program), cleared, world.users["partner_a"])
    assert [m.to for m in mail.outbox] == [[cleared.user.email]]
    with django_capture_on_commit_callbacks(execute=True):
        matches.accept(match, cleared.user, side="mentor")
    accepted = mail.outbox[1:]
    assert sorted(m.to[0] for m in accepted) == sorted([cleared.user.email, program.email])
    assert all("accepted" in m.subject.lower() for m in accepted)


def test_a_declined_match_frees_the_place(world: World, program: Program, cleared: Mentor) -> None:
    opportunity = make_opportunity(program)
    match = matches.invite(opportunity, cleared, world.users["partner_a"])
    assert matches.opportunity_room(opportunity) == 0
    matches.decline(match, cleared.user, side="mentor", reason="Schedule changed")
    assert matches.opportunity_room(opportunity) == 1
    again = matches.invite(opportunity, cleared, world.users["partner_a"])
    assert again.pk != match.pk


def test_capacities_hold_on_both_sides(world: World, program: Program, cleared: Mentor) -> None:
    first = make_opportunity(program, "First")
    second = make_opportunity(program, "Second")
    matches.invite(first, cleared, world.users["partner_a"])
    with pytest.raises(DomainError, match="no room"):
        matches.invite(second, cleared, world.users["partner_a"])
    other = make_mentor(world.alpha, "grace@mentor.test")
    clear(other, world.users["staff"])
    with pytest.raises(DomainError, match="all the mentors"):
        matches.invite(first, other, world.users["partner_a"])


def test_the_engine_rules_out_a_mentor_beyond_their_radius(world: World, cleared: Mentor) -> None:
    far = make_program(world.org_a, "Far Lab", north_mi=40)
    with pytest.raises(DomainError, match="do not fit"):
        matches.request_to_join(make_opportunity(far), cleared, cleared.user)


def test_a_paused_mentor_or_closed_opportunity_takes_no_match(
    world: World, program: Program, cleared: Mentor
) -> None:
    opportunity = make_opportunity(program, status="closed")
    with pytest.raises(DomainError, match="not open"):
        matches.invite(opportunity, cleared, world.users["partner_a"])
    Mentor.objects.filter(pk=cleared.pk).update(status="paused")
    with pytest.raises(DomainError, match="not available"):
        matches.invite(make_opportunity(program), cleared, world.users["partner_a"])


def test_only_the_right_status_moves(world: World, program: Program, cleared: Mentor) -> None:
    match = matches.invite(make_opportunity(program), cleared, world.users["partner_a"])
    with pytest.raises(DomainError):
        matches.start(
            match, world.users["staff"], frequency="weekly", duration_weeks=4, start_on=START
        )
    with pytest.raises(DomainError):
        matches.publish(match, world.users["staff"])
    with pytest.raises(DomainError):
        matches.close(match, world.users["staff"], kind="planned")
    matches.withdraw(match, world.users["staff"], "Program paused")
    with pytest.raises(DomainError):
        matches.accept(match, cleared.user, side="mentor")
    assert Match.objects.get(pk=match.pk).status == "withdrawn"


def test_episodic_work_gets_no_check_ins(world: World, program: Program, cleared: Mentor) -> None:
    talk = make_opportunity(program, "Career day", kind="career_talk")
    match = matches.invite(talk, cleared, world.users["partner_a"])
    matches.accept(match, cleared.user, side="mentor")
    match = matches.start(
        match, world.users["staff"], frequency="once", duration_weeks=1, start_on=START
    )
    assert match.check_ins.count() == 0


@given(
    start=st.dates(datetime.date(2020, 1, 1), datetime.date(2030, 1, 1)),
    weeks=st.integers(1, 104),
)
def test_check_ins_are_twice_in_the_first_month_then_monthly(
    start: datetime.date, weeks: int
) -> None:
    end = start + datetime.timedelta(weeks=weeks)
    dates = matches.check_in_dates(start, end)
    assert all(start < d <= end for d in dates)
    assert dates == sorted(dates)
    in_first_month = [d for d in dates if (d - start).days <= 30]
    assert len(in_first_month) == min(2, len([d for d in (14, 28) if d <= (end - start).days]))
    gaps = [(b - a).days for a, b in pairwise(dates[1:])]
    assert all(g == 30 for g in gaps)
    # No month of the match without a check-in (after the first).
    if dates:
        assert (end - dates[-1]).days < 30 or len(dates) < 2
