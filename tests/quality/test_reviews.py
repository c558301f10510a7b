"""Peer or external review through the services: the backbone assigns someone holding the
reviewer role (never partner staff of the assessed organization nor one of its raters, never
twice), who is emailed the link; the reviewer rates, comments and submits, after which the
review is frozen and the assessment's raters are emailed."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail

from ecotone.ecosystems.models import Membership, Role
from ecotone.errors import DomainError
from ecotone.quality.models import Rating, Review
from ecotone.quality.services import assessments, reviews

from .cycle_builders import person, reviewer, started


def test_the_backbone_assigns_a_reviewer_who_is_emailed_the_link(
    world: Any, django_capture_on_commit_callbacks: Any
) -> None:
    assessment = started(world)
    rev = world.users["reviewer"]
    with django_capture_on_commit_callbacks(execute=True):
        review = reviews.assign_reviewer(world.users["staff"], assessment, rev)
    assert (review.reviewer, review.assigned_by) == (rev, world.users["staff"])
    assert [m.to for m in mail.outbox] == [[rev.email]]
    message = mail.outbox[0]
    assert "Spring review" in message.subject
    assert f"/e/alpha/quality/assessments/{assessment.pk}/review/" in message.body
    html, kind = message.alternatives[0]
    assert kind == "text/html"
    assert f"/e/alpha/quality/assessments/{assessment.pk}/review/" in html


@pytest.mark.parametrize("persona", ["partner_a", "partner_b", "reviewer", "member"])
def test_only_the_backbone_assigns_reviewers(world: Any, persona: str) -> None:
    with pytest.raises(DomainError, match="backbone"):
        reviews.assign_reviewer(world.users[persona], started(world), world.users["reviewer"])
    assert not Review.objects.exists()


def test_a_reviewer_must_hold_the_reviewer_role_here(world: Any) -> None:
    assessment = started(world)
    with pytest.raises(DomainError, match="reviewer role"):
        reviews.assign_reviewer(world.users["staff"], assessment, world.users["member"])
    with pytest.raises(DomainError, match="reviewer role"):
        reviews.assign_reviewer(world.users["staff"], assessment, world.users["outsider"])


def test_conflicts_of_interest_and_a_second_assignment_are_refused_with_the_reason(
    world: Any,
) -> None:
    assessment = started(world)
    staff = world.users["staff"]
    insider = reviewer(world, "insider@alpha.test")
    Membership.objects.create(
        user=insider, ecosystem=world.alpha, role=Role.PARTNER_STAFF
    ).organizations.add(world.org_a)
    rater = person(world, "rater@alpha.test", Role.BACKBONE_STAFF)
    Membership.objects.create(user=rater, ecosystem=world.alpha, role=Role.REVIEWER)
    assessments.save_rating(rater, assessment, "cost", "developing")
    fresh = world.users["reviewer"]
    reviews.assign_reviewer(staff, assessment, fresh)

    reasons = {c.user.email: c.conflict for c in reviews.candidates(assessment)}
    assert reasons == {
        "insider@alpha.test": "Partner staff of Robotics For All.",
        "rater@alpha.test": "One of the assessment's raters.",
        "reviewer@alpha.test": "Already assigned.",
    }
    with pytest.raises(DomainError, match="Partner staff of Robotics For All"):
        reviews.assign_reviewer(staff, assessment, insider)
    with pytest.raises(DomainError, match="raters"):
        reviews.assign_reviewer(staff, assessment, rater)
    with pytest.raises(DomainError, match="Already assigned"):
        reviews.assign_reviewer(staff, assessment, fresh)
    assert Review.objects.count() == 1


def test_the_reviewer_rates_comments_and_submits_and_the_raters_hear_of_it(
    world: Any, django_capture_on_commit_callbacks: Any
) -> None:
    assessment = started(world)
    ana = world.users["partner_a"]
    ben = person(world, "ben@alpha.test", Role.PARTNER_STAFF, [world.org_a])
    assessments.save_rating(ana, assessment, "cost", "developing")
    assessments.save_rating(ben, assessment, "cost", "established")
    rev = world.users["reviewer"]
    review = reviews.assign_reviewer(world.users["staff"], assessment, rev)
    assessments.save_rating(rev, assessment, "cost", "undeveloped")
    reviews.save_review_comment(rev, review, "  A draft  ")
    review.refresh_from_db()
    assert (review.comment, review.submitted_at) == ("A draft", None)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        reviews.submit_review(rev, review, "Cost keeps families away.")
    review.refresh_from_db()
    assert review.submitted_at is not None
    assert review.comment == "Cost keeps families away."
    assert sorted(m.to[0] for m in mail.outbox) == sorted([ana.email, ben.email])
    assert "Cost keeps families away." in mail.outbox[0].body
    assert "Cost keeps families away." in mail.outbox[0].alternatives[0][0]
    # frozen from now on
    with pytest.raises(DomainError, match="submitted"):
        reviews.save_review_comment(rev, review, "Changed my mind")
    with pytest.raises(DomainError, match="submitted"):
        reviews.submit_review(rev, review, "Again")
    with pytest.raises(DomainError, match="stays"):
        reviews.unassign_reviewer(world.users["staff"], review)


def test_a_review_needs_a_rating_of_the_reviewers_own(world: Any) -> None:
    assessment = started(world)
    rev = world.users["reviewer"]
    review = reviews.assign_reviewer(world.users["staff"], assessment, rev)
    assessments.save_rating(world.users["partner_a"], assessment, "cost", "developing")
    assessments.save_rating(rev, assessment, "cost", "")  # undecided counts for nothing
    with pytest.raises(DomainError, match="at least one attribute"):
        reviews.submit_review(rev, review, "Looks fine")
    assert Review.objects.get().submitted_at is None


@pytest.mark.parametrize("persona", ["partner_a", "staff", "member"])
def test_only_the_assigned_reviewer_writes_their_review(world: Any, persona: str) -> None:
    review = reviews.assign_reviewer(world.users["staff"], started(world), world.users["reviewer"])
    with pytest.raises(DomainError, match="assigned reviewer"):
        reviews.save_review_comment(world.users[persona], review, "Mine")


def test_unassigning_before_submission_takes_the_reviewers_ratings_away(world: Any) -> None:
    assessment = started(world)
    rev = world.users["reviewer"]
    review = reviews.assign_reviewer(world.users["staff"], assessment, rev)
    assessments.save_rating(rev, assessment, "cost", "undeveloped")
    assessments.save_rating(world.users["partner_a"], assessment, "cost", "developing")
    with pytest.raises(DomainError, match="backbone"):
        reviews.unassign_reviewer(world.users["partner_a"], review)
    reviews.unassign_reviewer(world.users["staff"], review)
    assert not Review.objects.exists()
    assert list(Rating.objects.values_list("rater", flat=True)) == [world.users["partner_a"].pk]
    assert not rev.has_perm("quality.view_assessment", assessment)


def test_a_complete_assessment_takes_no_reviewer(world: Any) -> None:
    from .cycle_builders import completed

    assessment = completed(world)
    with pytest.raises(DomainError, match="complete"):
        reviews.assign_reviewer(world.users["staff"], assessment, world.users["reviewer"])
