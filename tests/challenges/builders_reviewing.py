"""Records for the reviewing tests: a call with criteria and a review round, applications in
it, and reviewers (the world's reviewer persona plus more), built straight with the models."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils import timezone

from ecotone.challenges.models import (
    Application,
    ApplicationStatus,
    Call,
    CallStatus,
    Criterion,
    ReviewerProfile,
    Round,
    RoundKind,
    RoundStatus,
)
from ecotone.ecosystems.models import Membership, Role, Sector
from tests.conftest import World, make_user

TOPICS = ("science", "computing", "engineering", "mathematics", "robotics", "environment")
STATES = ("OH", "KY", "IN", "MI")
SECTORS = (Sector.SCHOOL, Sector.MUSEUM, Sector.HIGHER_ED, Sector.BUSINESS, Sector.LIBRARY)


@dataclass
class Reviewing:
    call: Call
    round: Round
    applications: list[Application]
    reviewers: list[ReviewerProfile]  # reviewers[0] is the world's reviewer persona
    applicant: Any


def make_call(world: World, slug: str = "coalition-challenge") -> Call:
    call = Call.objects.create(
        ecosystem=world.alpha,
        slug=slug,
        title="Coalition Challenge",
        status=CallStatus.REVIEWING,
        deadline=timezone.now() - datetime.timedelta(days=10),
    )
    for position, (key, name, weight) in enumerate(
        [
            ("impact", "Impact", "2"),
            ("partnerships", "Effective Partnerships", "1"),
            ("engagement", "Creative Engagement", "1"),
            ("sustainability", "Sustainability", "1"),
        ]
    ):
        Criterion.objects.create(
            call=call,
            key=key,
            name=name,
            weight=Decimal(weight),
            position=position,
            descriptors=[f"{name} level {n}" for n in range(1, 6)],
        )
    return call


def reviewer(world: World, email: str, sector: str, **fields: Any) -> ReviewerProfile:
    user = make_user(email, name=email.split("@")[0].title())
    Membership.objects.create(user=user, ecosystem=world.alpha, role=Role.REVIEWER)
    return ReviewerProfile.objects.create(ecosystem=world.alpha, user=user, sector=sector, **fields)


def build(
    world: World, *, applications: int = 6, reviewers: int = 5, k: int = 2, max_load: int = 4
) -> Reviewing:
    call = make_call(world)
    round_ = Round.objects.create(
        call=call,
        position=1,
        name="Full review",
        kind=RoundKind.REVIEW,
        status=RoundStatus.OPEN,
        reviews_per_application=k,
        min_load=0,
        max_load=max_load,
        due_at=timezone.now() + datetime.timedelta(days=7),
    )
    applicant = make_user("applicant@alpha.test", name="Applicant")
    Membership.objects.create(user=applicant, ecosystem=world.alpha, role=Role.MEMBER)
    made = []
    for n in range(applications):
        made.append(
            Application.objects.create(
                ecosystem=world.alpha,
                call=call,
                round=round_,
                lead=applicant,
                organization=world.org_a if n == 0 else None,
                organization_name=world.org_a.name if n == 0 else f"Community group {n}",
                organization_sector=Sector.YOUTH_NONPROFIT,
                title=f"Project {n:02d}",
                summary=f"What project {n} does.",
                status=ApplicationStatus.SUBMITTED,
                topics=[TOPICS[n % len(TOPICS)]],
                state=STATES[n % len(STATES)],
                submitted_at=timezone.now(),
            )
        )
    persona = ReviewerProfile.objects.create(
        ecosystem=world.alpha,
        user=world.users["reviewer"],
        sector=Sector.HIGHER_ED,
        topics=["science", "computing"],
        regions=["OH"],
    )
    profiles = [persona] + [
        reviewer(
            world,
            f"reviewer{n}@alpha.test",
            SECTORS[n % len(SECTORS)],
            topics=[TOPICS[n % len(TOPICS)]],
            regions=[STATES[n % len(STATES)]],
        )
        for n in range(1, reviewers)
    ]
    return Reviewing(call, round_, made, profiles, applicant)
