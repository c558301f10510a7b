"""A self-assessment through the services: partner staff start it on a published rubric version,
colleagues rate each attribute independently (saved one at a time), the agreement between them
is computed, a consensus is agreed per attribute, and the assessment is completed."""

from __future__ import annotations

from typing import Any

import pytest
from auditlog.models import LogEntry
from django.utils import timezone, translation

from ecotone.directory.models import Program
from ecotone.ecosystems.models import Membership, Role
from ecotone.errors import DomainError
from ecotone.quality.models import (
    AssessmentStatus,
    ConsensusRating,
    Rating,
    Rubric,
    RubricVersion,
    VersionStatus,
)
from ecotone.quality.ratings import NotEnoughData
from ecotone.quality.services import assessments as services
from tests.conftest import make_user

STAGES = [
    {"key": "low", "name": "Low"},
    {"key": "mid", "name": "Mid"},
    {"key": "high", "name": "High"},
]


def document(title: str = "Two practices") -> dict[str, Any]:
    def attribute(key: str) -> dict[str, Any]:
        return {
            "key": key,
            "title": key.title(),
            "guidance": "",
            "examples": [],
            "descriptors": {s["key"]: f"{key} at {s['key']}" for s in STAGES},
        }

    return {
        "schema": "ecotone-rubric/1",
        "key": "two",
        "title": title,
        "description": "",
        "stages": STAGES,
        "sections": [
            {
                "key": "access",
                "title": "Access",
                "guidance": "",
                "attributes": [attribute("outreach"), attribute("cost")],
            }
        ],
    }


def version_of(world: Any, *, published: bool = True, number: int = 1) -> RubricVersion:
    rubric, _ = Rubric.objects.get_or_create(
        ecosystem=world.alpha, key="two", defaults={"title": "Two"}
    )
    found, _ = RubricVersion.objects.get_or_create(
        rubric=rubric,
        number=number,
        defaults={
            "content": document(),
            "status": VersionStatus.PUBLISHED if published else VersionStatus.DRAFT,
            "published_at": timezone.now() if published else None,
        },
    )
    return found


def colleague(world: Any, name: str = "colleague") -> Any:
    user = make_user(f"{name}@alpha.test", name=name.title())
    membership = Membership.objects.create(
        user=user, ecosystem=world.alpha, role=Role.PARTNER_STAFF
    )
    membership.organizations.add(world.org_a)
    return user


def started(world: Any, **kwargs: Any) -> Any:
    return services.start_assessment(
        world.users["partner_a"], world.org_a, version_of(world), title="Spring", **kwargs
    )


def test_partner_staff_start_an_assessment_of_their_organization(world: Any) -> None:
    assessment = started(world)
    assert assessment.status == AssessmentStatus.DRAFT
    assert assessment.ecosystem == world.alpha
    assert assessment.created_by == world.users["partner_a"]
    assert assessment.program is None


def test_an_assessment_of_a_program_of_the_organization(world: Any) -> None:
    program = Program.objects.create(
        ecosystem=world.alpha, organization=world.org_a, name="Robots", slug="robots"
    )
    assessment = started(world, program=program)
    assert assessment.program == program
    other = Program.objects.create(
        ecosystem=world.alpha, organization=world.org_b, name="Books", slug="books"
    )
    with pytest.raises(DomainError, match="not a program of"):
        started(world, program=other)


@pytest.mark.parametrize("persona", ["partner_b", "member", "reviewer", "mentor", "outsider"])
def test_others_may_not_start_an_assessment(world: Any, persona: str) -> None:
    with pytest.raises(DomainError, match="partner staff"):
        services.start_assessment(world.users[persona], world.org_a, version_of(world))


def test_backbone_staff_may_start_and_rate(world: Any) -> None:
    assessment = services.start_assessment(world.users["staff"], world.org_a, version_of(world))
    services.save_rating(world.users["admin"], assessment, "outreach", "mid")
    assert assessment.title == "Two"  # the rubric's title when none is given


def test_a_draft_version_cannot_be_used(world: Any) -> None:
    with pytest.raises(DomainError, match="published"):
        services.start_assessment(
            world.users["partner_a"], world.org_a, version_of(world, published=False)
        )


def test_the_assessment_keeps_its_version_when_a_newer_one_is_published(world: Any) -> None:
    assessment = started(world)
    newer = version_of(world, number=2)
    services.save_rating(world.users["partner_a"], assessment, "outreach", "low")
    assessment.refresh_from_db()
    assert assessment.version.number == 1
    assert newer.rubric == assessment.version.rubric


def test_ratings_are_saved_one_attribute_at_a_time(world: Any) -> None:
    assessment = started(world)
    rater = world.users["partner_a"]
    services.save_rating(rater, assessment, "outreach", "low", note="Only flyers")
    services.save_rating(rater, assessment, "cost", "")  # undecided, still kept
    services.save_rating(rater, assessment, "outreach", "mid")
    saved = {r.attribute: (r.stage, r.note) for r in Rating.objects.filter(rater=rater)}
    assert saved == {"outreach": ("mid", ""), "cost": ("", "")}
    assessment.refresh_from_db()
    assert assessment.status == AssessmentStatus.RATING


def test_an_attribute_or_stage_not_of_the_version_is_refused(world: Any) -> None:
    assessment = started(world)
    rater = world.users["partner_a"]
    with pytest.raises(DomainError, match="no attribute “mentors”"):
        services.save_rating(rater, assessment, "mentors", "low")
    with pytest.raises(DomainError, match="no stage “excellent”"):
        services.save_rating(rater, assessment, "outreach", "excellent")
    assert not Rating.objects.exists()


def test_others_may_not_rate(world: Any) -> None:
    assessment = started(world)
    for persona in ("partner_b", "member", "outsider"):
        with pytest.raises(DomainError):
            services.save_rating(world.users[persona], assessment, "outreach", "low")
    assert not Rating.objects.exists()


def test_agreement_between_colleagues(world: Any) -> None:
    assessment = started(world)
    ana, ben = world.users["partner_a"], colleague(world)
    assert isinstance(services.agreement(assessment).alpha, NotEnoughData)
    services.save_rating(ana, assessment, "outreach", "low")
    services.save_rating(ben, assessment, "outreach", "low")
    services.save_rating(ana, assessment, "cost", "mid")
    services.save_rating(ben, assessment, "cost", "high")
    result = services.agreement(assessment)
    outreach, cost = result.attributes
    assert outreach.agree
    assert (cost.agree, cost.spread, cost.consensus) == (False, 1, "mid")
    assert cost.ratings == {str(ana.pk): "mid", str(ben.pk): "high"}
    assert result.percent_agreement == 0.5
    assert isinstance(result.alpha, float)


def test_consensus_then_completion(world: Any) -> None:
    assessment = started(world)
    ana = world.users["partner_a"]
    services.save_consensus(
        ana,
        assessment,
        "outreach",
        "mid",
        note="We agreed",
        evidence="Flyers in two languages",
        links=["https://example.org/flyer.pdf"],
    )
    assessment.refresh_from_db()
    assert assessment.status == AssessmentStatus.CONSENSUS
    with pytest.raises(DomainError, match="Cost"):
        services.complete_assessment(ana, assessment)
    services.save_consensus(ana, assessment, "cost", "low")
    services.save_consensus(ana, assessment, "cost", "high")  # changed while agreeing
    done = services.complete_assessment(ana, assessment)
    assert done.status == AssessmentStatus.COMPLETE
    assert done.completed_at is not None
    assert dict(ConsensusRating.objects.values_list("attribute", "stage")) == {
        "outreach": "mid",
        "cost": "high",
    }
    with pytest.raises(DomainError, match="complete"):
        services.save_rating(ana, assessment, "cost", "low")
    with pytest.raises(DomainError, match="complete"):
        services.save_consensus(ana, assessment, "cost", "low")


def test_a_consensus_needs_a_stage_and_web_links(world: Any) -> None:
    assessment = started(world)
    ana = world.users["partner_a"]
    with pytest.raises(DomainError, match="stage"):
        services.save_consensus(ana, assessment, "outreach", "")
    with pytest.raises(DomainError, match="link"):
        services.save_consensus(ana, assessment, "outreach", "low", links=["javascript:alert(1)"])
    assert not ConsensusRating.objects.exists()


def test_the_audit_log_names_who_started_and_agreed(world: Any) -> None:
    assessment = started(world)
    services.save_rating(world.users["partner_a"], assessment, "outreach", "low")
    consensus = services.save_consensus(world.users["staff"], assessment, "outreach", "low")
    started_entry = LogEntry.objects.get_for_object(assessment).order_by("pk").first()
    assert started_entry is not None
    assert started_entry.actor == world.users["partner_a"]
    assert started_entry.additional_data == {"ecosystem_id": world.alpha.pk}
    assert [e.actor for e in LogEntry.objects.get_for_object(consensus)] == [world.users["staff"]]


def test_another_ecosystems_or_an_archived_rubric_is_refused(world: Any) -> None:
    version = version_of(world)
    with pytest.raises(DomainError, match="another ecosystem"):
        services.start_assessment(world.users["outsider"], world.org_beta, version)
    Rubric.objects.filter(pk=version.rubric_id).update(archived_at=timezone.now())
    version.refresh_from_db()
    with pytest.raises(DomainError, match="archived"):
        services.start_assessment(world.users["partner_a"], world.org_a, version)


def test_a_refusal_is_explained_in_spanish(world: Any) -> None:
    assessment = started(world)
    with translation.override("es"), pytest.raises(DomainError) as caught:
        services.save_rating(world.users["partner_a"], assessment, "mentors", "low")
    assert str(caught.value) == "La rúbrica “Two practices” no tiene el atributo “mentors”."


def test_an_assigned_reviewer_sees_and_rates_but_does_not_agree_the_consensus(world: Any) -> None:
    from ecotone.quality.access import assessments_of
    from ecotone.quality.models import Review

    assessment = started(world)
    reviewer = world.users["reviewer"]
    assert not assessments_of(reviewer, world.alpha).exists()
    with pytest.raises(DomainError):
        services.save_rating(reviewer, assessment, "outreach", "mid")
    Review.objects.create(assessment=assessment, reviewer=reviewer)
    assert list(assessments_of(reviewer, world.alpha)) == [assessment]
    assert reviewer.has_perm("quality.view_assessment", assessment)
    services.save_rating(reviewer, assessment, "outreach", "mid")
    with pytest.raises(DomainError, match="partner staff"):
        services.save_consensus(reviewer, assessment, "outreach", "mid")


def test_a_reviewer_who_loses_the_role_no_longer_sees_the_assessment(world: Any) -> None:
    from ecotone.quality.access import assessments_of
    from ecotone.quality.models import Review

    assessment = started(world)
    reviewer = world.users["reviewer"]
    Review.objects.create(assessment=assessment, reviewer=reviewer)
    Membership.objects.filter(user=reviewer, ecosystem=world.alpha).delete()
    reviewer = type(reviewer).objects.get(pk=reviewer.pk)  # roles are cached per user object
    assert not assessments_of(reviewer, world.alpha).exists()
    assert not reviewer.has_perm("quality.view_assessment", assessment)


def test_partner_staff_see_only_their_organizations_assessments(world: Any) -> None:
    from ecotone.quality.access import assessments_of

    assessment = started(world)
    assert list(assessments_of(world.users["partner_a"], world.alpha)) == [assessment]
    assert list(assessments_of(world.users["staff"], world.alpha)) == [assessment]
    for persona in ("partner_b", "member", "mentor", "outsider"):
        assert not assessments_of(world.users[persona], world.alpha).exists()
        assert not world.users[persona].has_perm("quality.view_assessment", assessment)
