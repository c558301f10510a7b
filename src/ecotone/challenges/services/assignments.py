"""Assigning reviewers to a round's applications: the round's records read into the one
solver, `reviewing.assign` (min-cost flow: k reviewers per application, loads within bounds,
conflicts never), and its answer stored.

- The round's applications: those whose `round` is this round, submitted or in review.
- Its reviewers: active profiles of the people holding the reviewer role, each read by
  `access.core_reviewer` with the round's loads (capped by the reviewer's own maximum).
- Locks: pairs locked by the backbone, and pairs that already have a review (draft or
  submitted), kept by a re-solve unless refused (a conflict, or no room): a refused pair
  without a review is dropped, one with a review is kept unlocked and the report says so.
- The answer is stored in one transaction: pairs the solve dropped (unlocked, without a
  review) are deleted, new ones created with their explanation and fit; `solve_report`
  holds the objective, the loads, the refused locks, or why no assignment exists.

The demo's rounds (90 applications, 20 reviewers) solve in well under a second, in the
request. A round of `SYNC_MAX_PAIRS` reviewer x application pairs or more (the core takes
about 4 s at 5,000 x 600) is solved by the task `solve_round` instead, as mentoring rounds
are: `request_solve` marks it queued and the task writes its stage and progress into
`solve_report` for the page to follow.
"""

from __future__ import annotations

import datetime
from dataclasses import asdict
from typing import Any, cast

from django.db import transaction
from django.db.models import Count, Exists, OuterRef, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task

from ecotone.ecosystems.services import acting
from ecotone.errors import DomainError

from .. import access, reviewing
from ..models import (
    Application,
    ApplicationStatus,
    Assignment,
    Bid,
    Review,
    ReviewerProfile,
    Round,
)
from .reviewers import active_reviewers

IN_ROUND = (ApplicationStatus.SUBMITTED, ApplicationStatus.IN_REVIEW)


def round_applications(round_: Round) -> QuerySet[Application]:
    return Application.objects.filter(round=round_, status__in=IN_ROUND)


def round_assignments(round_: Round) -> QuerySet[Assignment]:
    reviewed = Review.objects.filter(assignment=OuterRef("pk"))
    return (
        Assignment.objects.filter(round=round_)
        .select_related("application", "reviewer__user")
        .annotate(has_review=Exists(reviewed))
    )


def is_decided(round_: Round) -> bool:
    """Whether the round's decisions are taken: its assignment is then history, kept as it
    was (a re-solve would find none of its applications still in it)."""
    return round_.decisions.exists()


def _check_round(round_: Round) -> None:
    if not round_.is_reviewed:
        raise DomainError(_("This round has no reviews to assign."))
    if is_decided(round_):
        raise DomainError(_("This round is decided: its assignment is kept as it was."))


SYNC_MAX_PAIRS = 200_000


def _progress(round_: Round, progress: int, stage: str) -> None:
    round_.solve_report = {**(round_.solve_report or {}), "progress": progress, "stage": stage}
    Round.objects.filter(pk=round_.pk).update(solve_report=round_.solve_report)


# A queued solve not finished by then is taken as lost (its worker stopped): it may be asked
# again rather than leave the round waiting for ever.
QUEUED_FOR_AT_MOST = datetime.timedelta(minutes=30)


def is_queued(round_: Round) -> bool:
    report = round_.solve_report or {}
    if not report.get("queued"):
        return False
    since = datetime.datetime.fromisoformat(report.get("queued_at") or "2000-01-01T00:00:00+00:00")
    return timezone.now() - since < QUEUED_FOR_AT_MOST


def request_solve(round_: Round, actor: Any) -> bool:
    """Solve now, or queue a large round for the task `solve_round`; whether it was queued."""
    _check_round(round_)
    if is_queued(round_):
        raise DomainError(_("This round is being assigned already."))
    pairs = round_applications(round_).count() * active_reviewers(round_.call.ecosystem).count()
    if pairs < SYNC_MAX_PAIRS:
        solve(round_, actor)
        return False
    round_.solve_report = {
        **(round_.solve_report or {}),
        "queued": True,
        "queued_at": timezone.now().isoformat(),
    }
    _progress(round_, 0, "queued")
    round_id, actor_id = round_.pk, getattr(actor, "pk", None)
    transaction.on_commit(lambda: solve_round.enqueue(round_id, actor_id))
    return True


@task()
def solve_round(round_id: int, actor_id: int | None) -> str:
    """Solve a queued round (`request_solve`); "gone" or "not queued" when nothing to do."""
    from ecotone.accounts.models import User

    round_ = Round.objects.select_related("call__ecosystem").filter(pk=round_id).first()
    if round_ is None:
        return "gone"
    if not (round_.solve_report or {}).get("queued"):
        return "not queued"
    actor = User.objects.filter(pk=actor_id).first() if actor_id else None
    try:
        solve(round_, actor)
    except Exception:
        report = {k: v for k, v in round_.solve_report.items() if k not in ("queued", "stage")}
        Round.objects.filter(pk=round_.pk).update(solve_report={**report, "failed": True})
        raise
    return "solved"


def solve(round_: Round, actor: Any) -> Round:
    """Solve (or re-solve) the round's assignment and store it (module docstring)."""
    _check_round(round_)
    _progress(round_, 5, "loading")
    applications = list(access.with_sides_applications(round_applications(round_)))
    profiles = list(access.with_sides_reviewers(active_reviewers(round_.call.ecosystem)))
    reviewers = [
        access.core_reviewer(p, min_load=round_.min_load, max_load=round_.max_load)
        for p in profiles
    ]
    by_user = {str(p.user_id): p for p in profiles}
    by_id = {str(a.pk): a for a in applications}
    bids: dict[tuple[str, str], reviewing.Bid] = {
        (str(user_id), str(application_id)): cast(reviewing.Bid, value)
        for user_id, application_id, value in Bid.objects.filter(
            application__round=round_, reviewer__in=profiles
        ).values_list("reviewer__user_id", "application_id", "value")
    }
    existing = list(round_assignments(round_))
    kept = {(str(a.reviewer.user_id), str(a.application_id)): a for a in existing}
    locks = [key for key, a in kept.items() if a.locked or a.has_review]  # type: ignore[attr-defined]
    _progress(round_, 30, "solving")
    result = reviewing.assign(
        reviewers,
        [access.core_application(a) for a in applications],
        round_.reviews_per_application,
        bids,
        weights=reviewing.Weights(exclude_not_willing=round_.exclude_not_willing),
        locks=locks,
    )
    names = {str(p.user_id): p.user.name or p.user.email for p in profiles}
    for a in existing:
        names.setdefault(str(a.reviewer.user_id), a.reviewer.user.name or a.reviewer.user.email)
    titles = {str(a.pk): a.title for a in applications}
    titles.update({str(a.application_id): a.application.title for a in existing})
    report: dict[str, Any] = {
        "applications": len(applications),
        "reviewers": len(profiles),
        "k": round_.reviews_per_application,
        "refused": [
            {"reviewer": names.get(r, r), "application": titles.get(a, a), "reason": why}
            for r, a, why in result.refused_locks
        ],
    }
    _progress(round_, 80, "saving")
    with acting(actor):
        if result.infeasible is not None:
            report["infeasible"] = {
                "reasons": result.infeasible.reasons,
                "applications": [
                    {"application": titles.get(a, a), "available": n, "k": k}
                    for a, n, k in result.infeasible.applications
                ],
                "reviewers": [names.get(r, r) for r in result.infeasible.reviewers],
            }
        else:
            _store(round_, result, kept, by_user, by_id)
            loads = [result.loads[str(p.user_id)] for p in profiles] or [0]
            report.update(
                objective=result.objective,
                pairs=len(result.pairs),
                loads={
                    "min": min(loads),
                    "max": max(loads),
                    "mean": round(sum(loads) / len(loads), 1),
                },
            )
            round_applications(round_).filter(status=ApplicationStatus.SUBMITTED).update(
                status=ApplicationStatus.IN_REVIEW, updated_at=timezone.now()
            )
        round_.solve_report = report
        round_.solved_at = timezone.now()
        round_.save(update_fields=["solve_report", "solved_at", "updated_at"])
    return round_


def _store(
    round_: Round,
    result: reviewing.Result,
    kept: dict[tuple[str, str], Assignment],
    by_user: dict[str, ReviewerProfile],
    by_id: dict[str, Application],
) -> None:
    chosen = set(result.pairs)
    # Pairs the solve dropped: deleted unless they carry a review (kept, unlocked).
    dropped = [a for key, a in kept.items() if key not in chosen]
    Assignment.objects.filter(
        pk__in=[a.pk for a in dropped if not a.has_review]  # type: ignore[attr-defined]
    ).delete()
    Assignment.objects.filter(
        pk__in=[a.pk for a in dropped if a.has_review]  # type: ignore[attr-defined]
    ).update(locked=False)
    new = []
    changed = []
    for pair in result.pairs:
        explanation = result.explanations[pair]
        parts = asdict(explanation)
        if pair in kept:
            record = kept[pair]
            record.explanation = parts
            record.score = explanation.total
            changed.append(record)
        else:
            new.append(
                Assignment(
                    round=round_,
                    reviewer=by_user[pair[0]],
                    application=by_id[pair[1]],
                    explanation=parts,
                    score=explanation.total,
                )
            )
    Assignment.objects.bulk_update(changed, ["explanation", "score"], batch_size=500)
    # Two solves at once (two staff, or a page and a task) must not fail on the same pair.
    Assignment.objects.bulk_create(new, batch_size=500, ignore_conflicts=True)


def set_locked(assignment: Assignment, actor: Any, locked: bool) -> Assignment:
    with acting(actor):
        assignment.locked = locked
        assignment.save(update_fields=["locked", "updated_at"])
    return assignment


def add_pair(
    round_: Round, profile: ReviewerProfile, application: Application, actor: Any
) -> Assignment:
    """A pair set by hand, locked so that a re-solve keeps it; refused when conflicted."""
    _check_round(round_)
    if application.round_id != round_.pk or application.status not in IN_ROUND:
        raise DomainError(_("This application is not in this round."))
    if profile.ecosystem_id != round_.call.ecosystem_id or not profile.active:
        raise DomainError(_("Choose an active reviewer of this ecosystem."))
    if access.is_conflicted(profile, application):
        raise DomainError(
            _("%(reviewer)s is in conflict with “%(application)s” and cannot review it.")
            % {
                "reviewer": profile.user.name or profile.user.email,
                "application": application.title,
            }
        )
    with acting(actor):
        assignment, created = Assignment.objects.get_or_create(
            round=round_,
            reviewer=profile,
            application=application,
            defaults={"locked": True, "explanation": {"locked": True, "by_hand": True}},
        )
        if not created and not assignment.locked:
            assignment.locked = True
            assignment.save(update_fields=["locked", "updated_at"])
        if application.status == ApplicationStatus.SUBMITTED:
            application.status = ApplicationStatus.IN_REVIEW
            application.save(update_fields=["status", "updated_at"])
    return assignment


def loads(round_: Round) -> dict[int, int]:
    """Assignments per reviewer profile in the round."""
    return dict(
        Assignment.objects.filter(round=round_)
        .values("reviewer_id")
        .annotate(n=Count("pk"))
        .values_list("reviewer_id", "n")
    )
