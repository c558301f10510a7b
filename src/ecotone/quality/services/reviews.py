"""Peer or external review: the backbone assigns a reviewer (someone holding the reviewer role
in the ecosystem) to an assessment; the reviewer rates it under their own name through
`assessments.save_rating` (so the agreement between raters counts them), writes an overall
comment, and submits the review, which freezes it and tells the assessment's raters.

A reviewer must be independent of what they review: never partner staff of the assessed
organization, nor one of the assessment's own raters. `candidates` lists the ecosystem's
reviewers with the reason any of them cannot be assigned, for the assign form.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from ecotone.accounts.models import User
from ecotone.ecosystems import roles
from ecotone.ecosystems.models import Role
from ecotone.ecosystems.services import acting
from ecotone.errors import DomainError

from .. import notifications
from ..models import Assessment, AssessmentStatus, Rating, Review

COMMENT_LENGTH = 8000


@dataclass(frozen=True)
class Candidate:
    """A reviewer of the ecosystem and, when they cannot review this assessment, why."""

    user: User
    conflict: str = ""


def _conflict(assessment: Assessment, user: Any, assigned: set[int], rated: set[int]) -> str:
    if user.pk in assigned:
        return _("Already assigned.")
    if assessment.organization_id in roles.organizations_in(user, assessment.ecosystem_id):
        return _("Partner staff of %(organization)s.") % {
            "organization": assessment.organization.name
        }
    if user.pk in rated:
        return _("One of the assessment's raters.")
    return ""


def reviewers_of(assessment: Assessment) -> list[User]:
    """The active people holding the reviewer role in the assessment's ecosystem."""
    return list(
        User.objects.filter(
            is_active=True,
            memberships__ecosystem_id=assessment.ecosystem_id,
            memberships__role=Role.REVIEWER,
        )
        .distinct()
        .order_by("name", "email")
    )


def candidates(assessment: Assessment) -> list[Candidate]:
    """Every reviewer of the ecosystem, those who may not review this assessment with why."""
    assigned = set(assessment.reviews.values_list("reviewer_id", flat=True))
    rated = set(assessment.ratings.values_list("rater_id", flat=True))
    return [
        Candidate(user, _conflict(assessment, user, assigned, rated))
        for user in reviewers_of(assessment)
    ]


def assign_reviewer(actor: Any, assessment: Assessment, reviewer: User) -> Review:
    """Assign `reviewer` to the assessment and email them the link to it."""
    if not (actor is not None and actor.has_perm("quality.assign_reviewer", assessment)):
        raise DomainError(_("Only the backbone's staff assign reviewers."))
    with acting(actor):
        locked = Assessment.objects.select_for_update().get(pk=assessment.pk)
        if locked.status == AssessmentStatus.COMPLETE:
            raise DomainError(
                _("“%(title)s” is complete: a reviewer could no longer rate it.")
                % {"title": locked.title}
            )
        if Role.REVIEWER not in roles.roles_in(reviewer, locked.ecosystem_id):
            raise DomainError(
                _("%(name)s does not hold the reviewer role in this ecosystem.")
                % {"name": reviewer.name or reviewer.email}
            )
        assigned = set(locked.reviews.values_list("reviewer_id", flat=True))
        rated = set(Rating.objects.filter(assessment=locked).values_list("rater_id", flat=True))
        conflict = _conflict(locked, reviewer, assigned, rated)
        if conflict:
            raise DomainError(
                _("%(name)s cannot review this assessment: %(reason)s")
                % {"name": reviewer.name or reviewer.email, "reason": conflict}
            )
        review = Review.objects.create(assessment=locked, reviewer=reviewer, assigned_by=actor)
        notifications.reviewer_assigned(review)
    return review


def unassign_reviewer(actor: Any, review: Review) -> None:
    """Take a reviewer off an assessment before they submit; their ratings of it go with them,
    so the agreement no longer counts them."""
    if not (actor is not None and actor.has_perm("quality.assign_reviewer", review.assessment)):
        raise DomainError(_("Only the backbone's staff assign reviewers."))
    with acting(actor):
        locked = Review.objects.select_for_update().get(pk=review.pk)
        if locked.submitted_at is not None:
            raise DomainError(_("A submitted review stays: it is part of the assessment's record."))
        Rating.objects.filter(
            assessment_id=locked.assessment_id, rater_id=locked.reviewer_id
        ).delete()
        locked.delete()


def _own(actor: Any, review: Review) -> Review:
    """The actor's own review, locked, still open."""
    if not (
        actor is not None
        and actor.pk == review.reviewer_id
        and actor.has_perm("quality.rate_assessment", review.assessment)
    ):
        raise DomainError(_("Only the assigned reviewer writes their review."))
    locked = Review.objects.select_for_update().get(pk=review.pk)
    if locked.submitted_at is not None:
        raise DomainError(_("This review was submitted: it no longer changes."))
    return locked


def _comment(comment: str) -> str:
    comment = comment.strip()
    if len(comment) > COMMENT_LENGTH:
        raise DomainError(
            _("The comment is longer than %(limit)s characters.") % {"limit": COMMENT_LENGTH}
        )
    return comment


def save_review_comment(actor: Any, review: Review, comment: str) -> Review:
    """The reviewer's overall comment, saved as they go."""
    comment = _comment(comment)
    with acting(actor):
        locked = _own(actor, review)
        locked.comment = comment
        locked.save(update_fields=["comment", "updated_at"])
    return locked


def submit_review(actor: Any, review: Review, comment: str) -> Review:
    """Hand the review in with its comment: it is frozen from then on, and the assessment's
    raters hear of it. It needs at least one stage the reviewer gave."""
    comment = _comment(comment)
    with acting(actor):
        locked = _own(actor, review)
        rated = Rating.objects.filter(
            assessment_id=locked.assessment_id, rater_id=locked.reviewer_id
        ).exclude(stage="")
        if not rated.exists():
            raise DomainError(_("Rate at least one attribute before you submit the review."))
        locked.comment = comment
        locked.submitted_at = timezone.now()
        locked.save(update_fields=["comment", "submitted_at", "updated_at"])
        notifications.review_submitted(locked)
    return locked
