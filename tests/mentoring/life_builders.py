"""Matches at each point of their life, for the match-life tests (matches, hours, reminders):
the world's mentor persona cleared by backbone staff, a program of org_a, an opportunity that
fits, and services moving the match along as people would."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

from ecotone.ecosystems.models import Organization
from ecotone.mentoring.models import Match, Mentor, Opportunity
from ecotone.mentoring.services import matches
from tests.mentoring.builders import clear, make_mentor, make_opportunity, make_program


def cleared_mentor(world: Any, persona: str | None = "mentor", email: str = "") -> Mentor:
    """A screened mentor: the world's `persona`, or a new person with `email`."""
    if persona is not None:
        mentor = make_mentor(world.alpha, user=world.users[persona], phone="555-0101")
    else:
        mentor = make_mentor(world.alpha, email, phone="555-0199")
    clear(mentor, world.users["staff"])
    return mentor


def opportunity_of(organization: Organization, name: str = "Girls Who Build") -> Opportunity:
    return make_opportunity(make_program(organization, name), f"{name} mentor")


def offered(world: Any, mentor: Mentor, opportunity: Opportunity) -> Match:
    """The mentor asked to join (so has accepted); the program has not answered."""
    return matches.request_to_join(opportunity, mentor, mentor.user, "I'd love to help.")


def accepted(world: Any, mentor: Mentor, opportunity: Opportunity) -> Match:
    match = offered(world, mentor, opportunity)
    return matches.accept(match, world.users["staff"], side="program")


def active(
    world: Any,
    mentor: Mentor,
    opportunity: Opportunity,
    *,
    started_days_ago: int = 0,
    weeks: int = 12,
) -> Match:
    match = accepted(world, mentor, opportunity)
    start_on = timezone.localdate() - datetime.timedelta(started_days_ago)
    return matches.start(
        match, world.users["staff"], frequency="weekly", duration_weeks=weeks, start_on=start_on
    )
