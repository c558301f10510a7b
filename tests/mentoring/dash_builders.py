"""A small mentoring world for the dashboard, home and API tests (area "dash"): five mentors
in every screening state, three opportunities of two partners, active, closed and offered
matches, approved and pending hours. Every figure the dashboard shows is known by hand."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils import timezone

from ecotone.mentoring.models import (
    HourLog,
    HourStatus,
    Match,
    Mentor,
    Opportunity,
    ScreeningStep,
)
from ecotone.mentoring.services import matches, screening
from tests.conftest import World, build_world
from tests.mentoring.builders import clear, make_mentor, make_opportunity, make_program
from tests.replay import Replay


@dataclass
class MentoringWorld:
    world: World
    m1: Mentor  # the "mentor" persona: cleared, Acme Corp
    m2: Mentor  # cleared, employed by org_b (a partner)
    m3: Mentor  # in screening
    m4: Mentor  # paused
    m5: Mentor  # not started
    opp1: Opportunity  # org_a, relationship, deep, 3 mentors, 12 students
    opp2: Opportunity  # org_b, career talk (virtual, teacher present), light, 4 students
    opp3: Opportunity  # org_b, relationship, medium, 2 mentors, no match
    x: Match  # m1 - opp1, active
    y: Match  # m2 - opp1, closed as planned
    z: Match  # m2 - opp1, closed early ("Moved away")
    w: Match  # m2 - opp2, active

    def client(self, persona: str) -> Any:
        return self.world.client(persona)


def activate(
    match: Match, actor: Any, program_actor: Any, *, weeks: int = 8, ago: int = 9
) -> Match:
    """Both sides accept, and the match started `ago` weeks ago for `weeks` weeks."""
    if not match.mentor_accepted_at:
        match = matches.accept(match, match.mentor.user, side="mentor")
    if not match.program_accepted_at:
        match = matches.accept(match, program_actor, side="program")
    return matches.start(
        match,
        actor,
        frequency="weekly",
        duration_weeks=weeks,
        start_on=timezone.localdate() - datetime.timedelta(weeks=ago),
    )


def build(world: World) -> MentoringWorld:
    staff = world.users["staff"]
    partner_a = world.users["partner_a"]
    partner_b = world.users["partner_b"]
    now = timezone.now()
    m1 = make_mentor(
        world.alpha, user=world.users["mentor"], employer_name="Acme Corp", max_matches=3
    )
    m2 = make_mentor(world.alpha, "grace@mentor.test", employer=world.org_b, max_matches=3)
    m3 = make_mentor(world.alpha, "katherine@mentor.test")
    m4 = make_mentor(world.alpha, "mary@mentor.test", status="paused")
    m5 = make_mentor(world.alpha, "dorothy@mentor.test")
    clear(m1, staff)
    clear(m2, staff)
    application = ScreeningStep.for_ecosystem(world.alpha).get(code="application")
    screening.update_step(m3, application, staff, status="in_progress")
    Mentor.objects.filter(pk=m1.pk).update(created_at=now - datetime.timedelta(days=20))

    program_a = make_program(world.org_a, "Girls Who Build")
    program_b = make_program(world.org_b, "Library Coders", north_mi=2)
    opp1 = make_opportunity(
        program_a, "Robotics club mentor", mentors_needed=3, students_expected=12, depth="deep"
    )
    opp2 = make_opportunity(
        program_b,
        "Career talk: what engineers do",
        kind="career_talk",
        mode="virtual",
        teacher_present=True,
        students_expected=4,
        depth="light",
    )
    opp3 = make_opportunity(
        program_b, "Homework club mentor", mentors_needed=2, students_expected=20, depth="medium"
    )
    make_opportunity(program_b, "Draft need", status="draft")
    Opportunity.objects.filter(pk=opp1.pk).update(created_at=now - datetime.timedelta(days=10))
    Opportunity.objects.filter(pk=opp2.pk).update(created_at=now - datetime.timedelta(days=3))

    x = matches.invite(opp1, m1, partner_a)
    x = activate(x, staff, partner_a)
    # X was accepted 4 days ago (the mentor 6 days ago): 6 days after opp1 was posted, 16 days
    # after m1 signed up. Only timestamps change here, never a status.
    Match.objects.filter(pk=x.pk).update(
        mentor_accepted_at=now - datetime.timedelta(days=6),
        program_accepted_at=now - datetime.timedelta(days=4),
    )
    y = activate(matches.request_to_join(opp1, m2, m2.user), staff, partner_a)
    y = matches.close(y, staff, kind="planned")
    z = activate(matches.request_to_join(opp1, m2, m2.user), staff, partner_a, weeks=20, ago=4)
    z = matches.close(z, staff, kind="early", reason="Moved away ")
    w = activate(matches.request_to_join(opp2, m2, m2.user), staff, partner_b)

    for match, hours, status in (
        (x, "3", HourStatus.APPROVED),
        (x, "1", HourStatus.PENDING),
        (w, "2", HourStatus.APPROVED),
    ):
        HourLog.objects.create(
            match=match,
            mentor=match.mentor,
            ecosystem=world.alpha,
            date=timezone.localdate(),
            hours=Decimal(hours),
            status=status,
        )
    return MentoringWorld(world, m1, m2, m3, m4, m5, opp1, opp2, opp3, x, y, z, w)


# raw: the mentors' and opportunities' creation times lie in the past, as the figures need.
_replayed = Replay(lambda: build(build_world()), raw=True)


def replayed() -> MentoringWorld:
    """`build` on a world of its own: through the ORM the first time a worker needs it (about
    0.3 s on PostgreSQL, 0.2 s on SQLite), its rows written again for every later test
    (tests/replay.py). A module's tests that take it take its `world` too (`world_or_mw`)."""
    return _replayed()


def world_or_mw(request: Any) -> World:
    """The `world` fixture of a module whose `mw` fixture is `replayed()`: the mentoring world's
    own world for a test that takes `mw`, else the shared one (a test cannot take both: each
    writes the same ecosystems and people)."""
    from tests.conftest import _world

    if "mw" in request.fixturenames:
        return request.getfixturevalue("mw").world
    return _world()
