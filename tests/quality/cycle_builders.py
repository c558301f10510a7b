"""Records for the peer review and improvement plan tests: a published rubric of five
attributes on four stages, an assessment of org A started by partner_a, and the same made
complete with given consensus stages."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from ecotone.ecosystems.models import Membership, Role
from ecotone.quality.models import Assessment, Rubric, RubricVersion, VersionStatus
from ecotone.quality.services import assessments
from tests.conftest import make_user

STAGES = ["undeveloped", "developing", "established", "accomplished"]
ATTRIBUTES = ["outreach", "cost", "transport", "belonging", "data"]


def document(title: str = "Five practices") -> dict[str, Any]:
    def attribute(key: str) -> dict[str, Any]:
        return {
            "key": key,
            "title": key.title(),
            "guidance": "",
            "examples": [],
            "descriptors": {s: f"{key.title()} is {s}" for s in STAGES},
        }

    return {
        "schema": "ecotone-rubric/1",
        "key": "five",
        "title": title,
        "description": "",
        "stages": [{"key": s, "name": s.title()} for s in STAGES],
        "sections": [
            {
                "key": "access",
                "title": "Access",
                "guidance": "",
                "attributes": [attribute(k) for k in ATTRIBUTES[:3]],
            },
            {
                "key": "climate",
                "title": "Climate",
                "guidance": "",
                "attributes": [attribute(k) for k in ATTRIBUTES[3:]],
            },
        ],
    }


def version(world: Any, number: int = 1, title: str = "Five practices") -> RubricVersion:
    rubric, _ = Rubric.objects.get_or_create(
        ecosystem=world.alpha, key="five", defaults={"title": "Five practices"}
    )
    found, _ = RubricVersion.objects.get_or_create(
        rubric=rubric,
        number=number,
        defaults={
            "content": document(title),
            "status": VersionStatus.PUBLISHED,
            "published_at": timezone.now(),
        },
    )
    return found


def started(world: Any, title: str = "Spring review") -> Assessment:
    return assessments.start_assessment(
        world.users["partner_a"], world.org_a, version(world), title=title
    )


# outreach and data lowest, then cost; belonging at the top
STAGES_AGREED = {
    "outreach": "undeveloped",
    "cost": "developing",
    "transport": "established",
    "belonging": "accomplished",
    "data": "undeveloped",
}


def completed(
    world: Any, agreed: dict[str, str] | None = None, title: str = "Spring"
) -> Assessment:
    assessment = started(world, title)
    ana = world.users["partner_a"]
    for attribute, stage in (agreed or STAGES_AGREED).items():
        assessments.save_rating(ana, assessment, attribute, stage)
        assessments.save_consensus(ana, assessment, attribute, stage)
    return assessments.complete_assessment(ana, assessment)


def person(world: Any, email: str, role: str, organizations: list[Any] = ()) -> Any:  # type: ignore[assignment]
    user = make_user(email, name=email.split("@")[0].title())
    membership = Membership.objects.create(user=user, ecosystem=world.alpha, role=role)
    membership.organizations.set(organizations)
    return user


def reviewer(world: Any, email: str = "rev@alpha.test") -> Any:
    return person(world, email, Role.REVIEWER)


def reviewed_and_planned(world: Any) -> dict[str, int]:
    """Org A's complete assessment, which the reviewer persona was assigned to (and rated)
    before it was completed, with a plan of one goal and one action owned by partner_a."""
    from ecotone.quality.services import plans, reviews

    assessment = started(world)
    review = reviews.assign_reviewer(world.users["staff"], assessment, world.users["reviewer"])
    assessments.save_rating(world.users["reviewer"], assessment, "cost", "developing")
    ana = world.users["partner_a"]
    for attribute, stage in STAGES_AGREED.items():
        assessments.save_consensus(ana, assessment, attribute, stage)
    assessments.complete_assessment(ana, assessment)
    plan = plans.write_plan(ana, assessment, goals=1)
    goal = plan.goals.get()
    action = plans.save_action(ana, goal, description="Flyers in Spanish", owner=ana)
    return {
        "planned": assessment.pk,
        "plan_review": review.pk,
        "plan_goal": goal.pk,
        "plan_action": action.pk,
    }
