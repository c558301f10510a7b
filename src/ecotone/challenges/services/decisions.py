"""Shortlisting at the end of a round, and releasing the reviewers' feedback.

`shortlist` decides every application of a round at once: those staff pick (or the top N by
adjusted rank) advance to the next round, the others are declined. Each gets a `Decision`
with who decided, the note and the raw and adjusted ranks shown when it was decided, so the
record says what the panel saw. Advanced applications move to the next round (invited to
revise when that round is a revision round, else in review); declined ones are out of the
running. A round is decided once; a round with no next round ends in awards
(`services.awards`), not here. Applicants hear of the decision by email after the commit.

`release_feedback` lets the applicants of a round read what reviewers wrote to them
(`feedback_for`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ecotone.errors import DomainError

from .. import access, notifications
from ..models import (
    Application,
    ApplicationStatus,
    Decision,
    Outcome,
    Review,
    ReviewStatus,
    Round,
    RoundKind,
    RoundStatus,
)
from .ranking import RankedApplication, round_ranking

# Applications still in the running, which a shortlist decides.
OPEN_STATUSES = (
    ApplicationStatus.SUBMITTED,
    ApplicationStatus.IN_REVIEW,
    ApplicationStatus.REVISING,
)


def require_backbone(user: Any, round_: Round) -> None:
    if not access.is_backbone(user, round_.call.ecosystem):
        raise PermissionDenied


def next_round(round_: Round) -> Round | None:
    return (
        Round.objects.filter(call_id=round_.call_id, position__gt=round_.position)
        .order_by("position")
        .first()
    )


def undecided(round_: Round) -> list[RankedApplication]:
    """The rows of the round's ranking a shortlist would decide, best adjusted rank first."""
    return [
        row
        for row in round_ranking(round_).rows
        if row.application.round_id == round_.pk
        and row.application.status in OPEN_STATUSES
        and row.decision is None
    ]


def top_ids(rows: list[RankedApplication], n: int) -> set[int]:
    """The first n by adjusted rank (unranked ones last, raw rank breaking ties)."""
    ordered = sorted(
        rows,
        key=lambda r: (
            r.adjusted_rank is None,
            r.adjusted_rank or 0,
            r.raw_rank is None,
            r.raw_rank or 0,
        ),
    )
    return {r.application.pk for r in ordered[: max(n, 0)]}


def shortlist(
    round_: Round,
    *,
    by: Any,
    advance: Iterable[int] = (),
    top: int | None = None,
    note: str = "",
) -> list[Decision]:
    """Decide every open application of the round (module docstring); the decisions made."""
    require_backbone(by, round_)
    following = next_round(round_)
    if following is None:
        raise DomainError(
            _(
                "“%(round)s” is the call's last round: its applications are awarded or declined "
                "on the awards page."
            )
            % {"round": round_.name}
        )
    with transaction.atomic():
        locked = Round.objects.select_for_update().get(pk=round_.pk)
        if Decision.objects.filter(round=locked).exists():
            raise DomainError(_("“%(round)s” has already been decided.") % {"round": round_.name})
        rows = undecided(round_)
        if not rows:
            raise DomainError(_("No application of this round is waiting for a decision."))
        known = {r.application.pk for r in rows}
        chosen = top_ids(rows, top) if top is not None else set(advance)
        unknown = chosen - known
        if unknown:
            raise DomainError(
                _(
                    "Some chosen applications are not waiting for a decision in this round "
                    "(%(ids)s)."
                )
                % {"ids": ", ".join(str(i) for i in sorted(unknown))}
            )
        if not chosen:
            raise DomainError(_("Choose at least one application to advance."))
        advanced_status = (
            ApplicationStatus.REVISING
            if following.kind == RoundKind.REVISION
            else ApplicationStatus.IN_REVIEW
        )
        decisions = []
        for row in rows:
            application = row.application
            advancing = application.pk in chosen
            decisions.append(
                Decision.objects.create(
                    application=application,
                    round=locked,
                    outcome=Outcome.ADVANCE if advancing else Outcome.DECLINE,
                    note=note,
                    decided_by=by,
                    raw_rank=row.raw_rank,
                    adjusted_rank=row.adjusted_rank,
                )
            )
            if advancing:
                application.round = following
                application.status = advanced_status
            else:
                application.status = ApplicationStatus.DECLINED
            application.save(update_fields=["round", "status", "updated_at"])
        locked.status = RoundStatus.CLOSED
        locked.save(update_fields=["status", "updated_at"])
        if following.status == RoundStatus.PENDING:
            following.status = RoundStatus.OPEN
            following.save(update_fields=["status", "updated_at"])
        notifications.decisions_made([d.pk for d in decisions])
    return decisions


def decisions_of(round_: Round) -> Any:
    return (
        Decision.objects.filter(round=round_)
        .select_related("application", "decided_by")
        .order_by("adjusted_rank", "raw_rank", "application__title")
    )


def release_feedback(round_: Round, *, by: Any) -> Round:
    """Let the round's applicants read the reviewers' comments to them."""
    require_backbone(by, round_)
    with transaction.atomic():
        locked = Round.objects.select_for_update().get(pk=round_.pk)
        if locked.feedback_released_at is not None:
            raise DomainError(_("The feedback of this round was already released."))
        locked.feedback_released_at = timezone.now()
        locked.save(update_fields=["feedback_released_at", "updated_at"])
    round_.feedback_released_at = locked.feedback_released_at
    return locked


def feedback_for(application: Application) -> list[tuple[Round, list[str]]]:
    """The reviewers' comments to the applicant, per round whose feedback is released (not
    who wrote them, nor their scores or comments to the panel)."""
    reviews = (
        Review.objects.filter(
            assignment__application=application,
            assignment__round__feedback_released_at__isnull=False,
            status=ReviewStatus.SUBMITTED,
        )
        .exclude(comment_to_applicant="")
        .select_related("assignment__round")
        .order_by("assignment__round__position", "pk")
    )
    found: dict[int, tuple[Round, list[str]]] = {}
    for review in reviews:
        round_ = review.assignment.round
        found.setdefault(round_.pk, (round_, []))[1].append(review.comment_to_applicant)
    return list(found.values())
