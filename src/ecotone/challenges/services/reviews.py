"""Reviews: a reviewer opens an assignment (only through `access.assignments_of`, so a
conflicted pair is never reachable, even one assigned before the conflict was known), saves
a draft, submits (every criterion scored within the call's scale; the total is
`ranking.weighted_totals` with the criteria's weights), then reads the other submitted
reviews of the application in the round (`access.reviews_of`). Completion per round, and
reminders to reviewers with reviews still unsubmitted (at most one a day per reviewer).
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task

from ecotone.ecosystems.models import Ecosystem
from ecotone.errors import DomainError

from .. import access, notifications, ranking
from ..models import Assignment, Criterion, Review, ReviewStatus, Round

REMIND_EVERY = datetime.timedelta(days=1)


def open_assignment(user: Any, ecosystem: Ecosystem, pk: int) -> Assignment:
    """The person's own assignment (never a conflicted one), or DomainError."""
    found = access.assignments_of(user, ecosystem).filter(reviewer__user=user, pk=pk).first()
    if found is None:
        raise DomainError(_("This review is not yours to open."))
    return found


def review_of(assignment: Assignment) -> Review | None:
    return Review.objects.filter(assignment=assignment).first()


def _levels(assignment: Assignment) -> range:
    call = assignment.round.call
    return range(call.scale_min, call.scale_max + 1)


def _clean_scores(
    criteria: list[Criterion], scores: Mapping[str, Any], levels: range, *, complete: bool
) -> dict[str, int]:
    clean: dict[str, int] = {}
    for criterion in criteria:
        raw = scores.get(criterion.key)
        if raw in (None, ""):
            if complete:
                raise DomainError(
                    _("Score “%(criterion)s” before you submit.") % {"criterion": criterion.name}
                )
            continue
        try:
            value: int | None = int(str(raw))
        except ValueError:
            value = None
        if value is None or value not in levels:
            raise DomainError(
                _("The score of “%(criterion)s” must be between %(low)s and %(high)s.")
                % {"criterion": criterion.name, "low": levels.start, "high": levels.stop - 1}
            )
        clean[criterion.key] = value
    return clean


def save_review(
    user: Any,
    assignment: Assignment,
    *,
    scores: Mapping[str, Any],
    comment_to_applicant: str = "",
    comment_to_panel: str = "",
    submit: bool = False,
) -> Review:
    """Save the reviewer's draft, or submit it. A submitted review is final."""
    if assignment.reviewer.user_id != getattr(user, "pk", None):
        raise DomainError(_("This review is not yours to open."))
    # Checked again here: a conflict declared since the page was opened closes it.
    open_assignment(user, assignment.round.call.ecosystem, assignment.pk)
    criteria = list(assignment.round.call.criteria.all())
    clean = _clean_scores(criteria, scores, _levels(assignment), complete=submit)
    with transaction.atomic():
        review, _created = Review.objects.select_for_update().get_or_create(assignment=assignment)
        if review.status == ReviewStatus.SUBMITTED:
            raise DomainError(_("This review is already submitted."))
        review.scores = clean
        review.comment_to_applicant = comment_to_applicant.strip()
        review.comment_to_panel = comment_to_panel.strip()
        if submit:
            weights = [float(c.weight) for c in criteria]
            row = [[clean[c.key] for c in criteria]]
            review.total = float(ranking.weighted_totals(row, weights)[0]) if criteria else None
            review.status = ReviewStatus.SUBMITTED
            review.submitted_at = timezone.now()
        review.save()
    return review


def peer_reviews(user: Any, assignment: Assignment) -> QuerySet[Review]:
    """The other submitted reviews of the application in the round, once the person's own
    is submitted (`access.reviews_of` decides)."""
    return (
        access.reviews_of(user, assignment.round.call.ecosystem)
        .filter(
            assignment__application_id=assignment.application_id,
            assignment__round_id=assignment.round_id,
            status=ReviewStatus.SUBMITTED,
        )
        .exclude(assignment=assignment)
        .order_by("submitted_at", "pk")
    )


def comment_to_panel(user: Any, assignment: Assignment, text: str) -> Review:
    """After submitting: a further comment to the panel, for the discussion."""
    review = review_of(assignment)
    if review is None or review.status != ReviewStatus.SUBMITTED:
        raise DomainError(_("Submit your review before you join the discussion."))
    open_assignment(user, assignment.round.call.ecosystem, assignment.pk)
    text = text.strip()
    if not text:
        raise DomainError(_("Write a comment first."))
    stamp = timezone.localtime().strftime("%Y-%m-%d %H:%M")
    review.comment_to_panel = (review.comment_to_panel + f"\n\n[{stamp}] {text}").strip()
    review.save(update_fields=["comment_to_panel", "updated_at"])
    return review


# --- the reviewer's queue and completion -----------------------------------------------------


def queue(user: Any, ecosystem: Ecosystem) -> list[Assignment]:
    """The person's assignments, with their reviews, by call, round and application."""
    return list(
        access.assignments_of(user, ecosystem)
        .filter(reviewer__user=user)
        .select_related("review")
        .order_by("-round__call__deadline", "round__position", "application__title", "pk")
    )


def status_of(assignment: Assignment, now: datetime.datetime | None = None) -> str:
    """assigned, draft, submitted or overdue."""
    review = getattr(assignment, "review", None)
    if review is not None and review.status == ReviewStatus.SUBMITTED:
        return "submitted"
    due = assignment.round.due_at
    if due is not None and due < (now or timezone.now()):
        return "overdue"
    return "draft" if review is not None else "assigned"


@dataclass
class Tally:
    assigned: int = 0
    drafted: int = 0
    submitted: int = 0
    overdue: int = 0
    reminded_at: datetime.datetime | None = None
    rows: list[Assignment] = field(default_factory=list)

    @property
    def open(self) -> int:
        return self.assigned - self.submitted


def completion(round_: Round) -> dict[str, Any]:
    """The round's completion by reviewer and by application: assigned, drafted (a draft
    saved), submitted, overdue (past the round's due date, unsubmitted)."""
    now = timezone.now()
    by_reviewer: dict[int, Tally] = {}
    by_application: dict[int, Tally] = {}
    names: dict[int, Any] = {}
    titles: dict[int, Any] = {}
    assignments = (
        Assignment.objects.filter(round=round_)
        .select_related("reviewer__user", "application", "review", "round")
        .order_by("pk")
    )
    for a in assignments:
        state = status_of(a, now)
        names[a.reviewer_id] = a.reviewer
        titles[a.application_id] = a.application
        for tally in (
            by_reviewer.setdefault(a.reviewer_id, Tally()),
            by_application.setdefault(a.application_id, Tally()),
        ):
            tally.assigned += 1
            tally.submitted += state == "submitted"
            tally.overdue += state == "overdue"
            tally.drafted += hasattr(a, "review") and state != "submitted"
        reviewer = by_reviewer[a.reviewer_id]
        if a.reminded_at and (reviewer.reminded_at is None or a.reminded_at > reviewer.reminded_at):
            reviewer.reminded_at = a.reminded_at
    reviewers = sorted(
        ((names[pk], t) for pk, t in by_reviewer.items()),
        key=lambda row: (-row[1].open, str(row[0].user.name or row[0].user.email).casefold()),
    )
    applications = sorted(
        ((titles[pk], t) for pk, t in by_application.items()),
        key=lambda row: (-row[1].open, row[0].title.casefold()),
    )
    total = Tally(
        assigned=sum(t.assigned for t in by_reviewer.values()),
        drafted=sum(t.drafted for t in by_reviewer.values()),
        submitted=sum(t.submitted for t in by_reviewer.values()),
        overdue=sum(t.overdue for t in by_reviewer.values()),
    )
    return {"reviewers": reviewers, "applications": applications, "total": total}


# --- reminders -------------------------------------------------------------------------------


def unsubmitted(round_: Round) -> QuerySet[Assignment]:
    return Assignment.objects.filter(round=round_).exclude(review__status=ReviewStatus.SUBMITTED)


def send_reminders(round_: Round, now: datetime.datetime | None = None) -> int:
    """Remind each reviewer with unsubmitted reviews in the round, unless reminded in the
    last day; returns how many reviewers are emailed (after the commit)."""
    now = now or timezone.now()
    open_ = unsubmitted(round_).filter(reviewer__active=True)
    recent = set(
        open_.filter(reminded_at__gt=now - REMIND_EVERY).values_list("reviewer_id", flat=True)
    )
    due = sorted(set(open_.values_list("reviewer_id", flat=True)) - recent)
    if not due:
        return 0
    with transaction.atomic():
        open_.filter(reviewer_id__in=due).update(reminded_at=now)
        for reviewer_id in due:
            notifications.reviews_waiting(round_, reviewer_id)
    return len(due)


def remind_open_rounds(ecosystem: Ecosystem | None = None) -> int:
    """The daily run: every open reviewed round with a due date (all ecosystems, or one)."""
    from ..models import RoundStatus

    rounds = Round.objects.filter(
        status=RoundStatus.OPEN, due_at__isnull=False, call__ecosystem__is_active=True
    )
    if ecosystem is not None:
        rounds = rounds.filter(call__ecosystem=ecosystem)
    return sum(send_reminders(r) for r in rounds.select_related("call") if r.is_reviewed)


@task()
def remind_reviewers() -> int:
    """The day's reminders of unsubmitted reviews, in every ecosystem (the daily schedule's
    `challenges_reminders` runs the same)."""
    return remind_open_rounds()
