"""Mentors, programs and opportunities for the mentoring tests, placed in miles from a point in
Ohio (the same origin as the atlas builders), and screening cleared as staff would clear it."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.utils import timezone
from django.utils.text import slugify

from ecotone.directory.models import Location, Program, ProgramLocation
from ecotone.ecosystems.models import Ecosystem, Membership, Organization, Role
from ecotone.mentoring.models import Mentor, Opportunity, ScreeningStep
from ecotone.mentoring.services import screening
from tests.atlas.builders import at
from tests.conftest import make_user

# Weekday afternoons, 15:00-18:00, Monday to Friday.
AFTERNOONS = [[day, 15 * 60, 18 * 60] for day in range(5)]


def make_mentor(
    ecosystem: Ecosystem,
    email: str = "ada@mentor.test",
    *,
    user: Any = None,
    north_mi: float = 0.0,
    east_mi: float = 0.0,
    **fields: Any,
) -> Mentor:
    """An available mentor (in person and virtual, 10-mile radius, grades 6-12, robotics and
    computing, weekday afternoons), with the MENTOR role in the ecosystem."""
    if user is None:
        user = make_user(email, name=fields.pop("name", email.split("@")[0].title()))
    Membership.objects.get_or_create(user=user, ecosystem=ecosystem, role=Role.MENTOR)
    lat, lon = at(north_mi, east_mi)
    defaults: dict[str, Any] = {
        "modes": ["in_person", "virtual"],
        "grade_bands": ["6-8", "9-12"],
        "topics": ["robotics", "computing"],
        "languages": ["en"],
        "availability": AFTERNOONS,
        "travel_radius_mi": 10,
        "latitude": lat,
        "longitude": lon,
        "occupation": "Software engineer",
        "stem_field": "computing",
    }
    defaults.update(fields)
    return Mentor.objects.create(ecosystem=ecosystem, user=user, **defaults)


def make_program(
    organization: Organization,
    name: str = "Girls Who Build",
    *,
    north_mi: float = 1.0,
    east_mi: float = 0.0,
) -> Program:
    lat, lon = at(north_mi, east_mi)
    program = Program.objects.create(
        ecosystem=organization.ecosystem,
        organization=organization,
        name=name,
        slug=slugify(name),
        email=f"{slugify(name)}@program.test",
    )
    location = Location.objects.create(
        ecosystem=organization.ecosystem,
        organization=organization,
        name=f"{name} site",
        latitude=lat,
        longitude=lon,
    )
    ProgramLocation.objects.create(program=program, location=location)
    return program


def make_opportunity(
    program: Program, title: str = "Robotics club mentor", **fields: Any
) -> Opportunity:
    """An open, in-person relationship opportunity at the program's location (direct contact:
    the full screening applies), grades 6-8, robotics, weekday afternoons, one mentor."""
    defaults: dict[str, Any] = {
        "kind": "relationship",
        "mode": "in_person",
        "topics": ["robotics"],
        "grade_bands": ["6-8"],
        "schedule": [[1, 15 * 60 + 30, 17 * 60]],
        "mentors_needed": 1,
        "location": program.program_locations.first().location,  # type: ignore[union-attr]
    }
    defaults.update(fields)
    return Opportunity.objects.create(
        ecosystem=program.ecosystem, program=program, title=title, **defaults
    )


def clear(mentor: Mentor, verifier: Any, *, only: tuple[str, ...] | None = None) -> None:
    """Pass the mentor's screening steps (all active ones, or the codes in `only`), verified by
    `verifier` today; training gets its minimum hours."""
    for step in ScreeningStep.for_ecosystem(mentor.ecosystem).active():
        if only is not None and step.code not in only:
            continue
        hours = step.minimum_hours or None
        screening.update_step(
            mentor,
            step,
            verifier,
            status="passed",
            hours=Decimal(hours) if hours is not None else None,
            completed_on=timezone.localdate(),
        )


SUPERVISED_STEPS = ("application", "code_of_conduct")


def expire_overnight(mentor: Mentor, **step: Any) -> None:
    """The mentor's passed records on the steps matching `step` (e.g. code="training") expired
    yesterday: written past the services (time passes without a save), with the stored stage
    as the last refresh, made yesterday, left it (it runs out today; the daily command has not
    run yet)."""
    from ecotone.mentoring.models import ScreeningRecord

    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    step_filter = {f"step__{name}": value for name, value in step.items()}
    ScreeningRecord.objects.filter(mentor=mentor, **step_filter).update(expires_on=yesterday)
    screening.refresh_stages(mentor.ecosystem, Mentor.objects.filter(pk=mentor.pk), on=yesterday)
