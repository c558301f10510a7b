"""Calls with reviewed rounds for the ranking, decisions, awards and pool tests, built directly
with the models (bulk inserts: a round of 90 applications and 270 reviews in well under a
second). Reviews are noise-free when asked: total = quality(application) +
leniency(reviewer), so a test knows the true order."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils import timezone

from ecotone.accounts.models import User
from ecotone.challenges.models import (
    Application,
    ApplicationStatus,
    Assignment,
    Call,
    CallStatus,
    CoApplicant,
    Criterion,
    Review,
    ReviewerProfile,
    ReviewStatus,
    Round,
    RoundKind,
    RoundStatus,
)
from ecotone.ecosystems.models import Ecosystem, Sector

CRITERIA = (
    ("impact", "Impact", Decimal("2")),
    ("partnerships", "Effective Partnerships", Decimal("1")),
    ("engagement", "Creative Engagement", Decimal("1")),
    ("sustainability", "Sustainability", Decimal("1")),
)
SECTORS = (Sector.YOUTH_NONPROFIT, Sector.SCHOOL, Sector.MUSEUM, Sector.LIBRARY)


@dataclass
class Built:
    call: Call
    rounds: list[Round]
    applications: list[Application]
    profiles: list[ReviewerProfile]
    leads: list[User] = field(default_factory=list)

    @property
    def first(self) -> Round:
        return self.rounds[0]


def build_call(
    ecosystem: Ecosystem,
    *,
    slug: str = "coalition",
    kinds: tuple[str, ...] = (RoundKind.REVIEW, RoundKind.REVISION, RoundKind.PANEL),
    total_funds: Decimal | None = Decimal("1000000"),
) -> tuple[Call, list[Round]]:
    call = Call.objects.create(
        ecosystem=ecosystem,
        slug=slug,
        title=f"Coalition Challenge {slug}",
        status=CallStatus.REVIEWING,
        deadline=timezone.now() - datetime.timedelta(days=30),
        total_funds=total_funds,
    )
    Criterion.objects.bulk_create(
        Criterion(call=call, key=key, name=name, weight=weight, position=i)
        for i, (key, name, weight) in enumerate(CRITERIA)
    )
    rounds = [
        Round.objects.create(
            call=call,
            position=i + 1,
            name=f"Round {i + 1} ({kind})",
            kind=kind,
            status=RoundStatus.OPEN if i == 0 else RoundStatus.PENDING,
        )
        for i, kind in enumerate(kinds)
    ]
    return call, rounds


def build_round(
    ecosystem: Ecosystem,
    *,
    qualities: list[float],
    leniencies: list[float],
    pairs: list[tuple[int, int]] | None = None,
    k: int = 3,
    slug: str = "coalition",
    total_funds: Decimal | None = Decimal("1000000"),
    kinds: tuple[str, ...] = (RoundKind.REVIEW, RoundKind.REVISION, RoundKind.PANEL),
    places: list[dict[str, Any]] | None = None,
) -> Built:
    """A call whose first round has one application per quality and one reviewer per
    leniency; `pairs` (application, reviewer) are reviewed, by default reviewer
    (i + j) % reviewers for j < k (connected). Each review scores every criterion at
    quality + leniency, so its weighted total is that too."""
    call, rounds = build_call(ecosystem, slug=slug, total_funds=total_funds, kinds=kinds)
    n_a, n_r = len(qualities), len(leniencies)
    users = User.objects.bulk_create(
        [User(email=f"lead{i}@{slug}.test", name=f"Lead {i}") for i in range(n_a)]
        + [User(email=f"reviewer{j}@{slug}.test", name=f"Reviewer {j}") for j in range(n_r)]
    )
    leads, reviewer_users = users[:n_a], users[n_a:]
    now = timezone.now()
    places = places or [{} for _ in range(n_a)]
    applications = Application.objects.bulk_create(
        Application(
            ecosystem=ecosystem,
            call=call,
            round=rounds[0],
            lead=leads[i],
            organization_name=f"Organization {i}",
            organization_sector=SECTORS[i % len(SECTORS)],
            title=f"Project {i:03d}",
            status=ApplicationStatus.IN_REVIEW,
            submitted_at=now,
            **{"city": f"Town {i}", "state": "OH", **places[i]},
        )
        for i in range(n_a)
    )
    profiles = ReviewerProfile.objects.bulk_create(
        ReviewerProfile(ecosystem=ecosystem, user=u, sector=SECTORS[j % len(SECTORS)])
        for j, u in enumerate(reviewer_users)
    )
    if pairs is None:
        pairs = [(i, (i + j) % n_r) for i in range(n_a) for j in range(min(k, n_r))]
    assignments = Assignment.objects.bulk_create(
        Assignment(round=rounds[0], reviewer=profiles[r], application=applications[a])
        for a, r in pairs
    )
    reviews = []
    for (a, r), assignment in zip(pairs, assignments, strict=True):
        total = qualities[a] + leniencies[r]
        reviews.append(
            Review(
                assignment=assignment,
                status=ReviewStatus.SUBMITTED,
                scores={key: total for key, _n, _w in CRITERIA},
                total=total,
                comment_to_applicant=f"Advice to project {a} from reviewer {r}",
                comment_to_panel=f"Panel note on {a} by {r}",
                submitted_at=now,
            )
        )
    Review.objects.bulk_create(reviews)
    return Built(call, rounds, applications, profiles, leads)


def add_co_applicant(application: Application, email: str) -> CoApplicant:
    return CoApplicant.objects.create(application=application, email=email, token=email)
