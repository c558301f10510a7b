"""Hours: mentors log the time they give on a match; program staff (or backbone staff) approve
or reject it, many logs at once; totals for pages and exports.

Only the match's mentor logs, only on an active or closed match, only for days within the
match (from its start to its closure, never in the future), in quarter-hours, and never more
than 24 hours on one day across all their matches. Approval is all-or-nothing: one log the
reviewer may not approve, or one already reviewed, refuses the whole batch and names it.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from ecotone.ecosystems.services import acting
from ecotone.errors import DomainError

from ..models import HourLog, HourStatus, Match, MatchStatus, Mentor

QUARTER = Decimal("0.25")
MINIMUM = Decimal("0.25")
MAXIMUM_PER_DAY = Decimal("24")
LOGGABLE_STATUSES = (MatchStatus.ACTIVE, MatchStatus.CLOSED)


def _as_hours(value: Any) -> Decimal:
    try:
        hours = Decimal(str(value))
    except (InvalidOperation, ValueError) as error:
        raise DomainError(_("Give the hours as a number, such as 1.5.")) from error
    if not hours.is_finite():
        raise DomainError(_("Give the hours as a number, such as 1.5."))
    return hours


def hours_label(hours: Decimal) -> str:
    """1.50 -> "1.5", 20.00 -> "20", 1234 -> "1,234" (localized), never "2E+1"."""
    plain = Decimal(f"{hours.normalize():f}")
    return str(formats.number_format(plain, use_l10n=True, force_grouping=True))


def _day_label(day: datetime.date) -> str:
    return str(formats.date_format(day, "DATE_FORMAT"))


def log_hours(
    match: Match, actor: Any, *, date: datetime.date, hours: Any, activity: str = ""
) -> HourLog:
    """The mentor records `hours` given on `date`; the log awaits approval."""
    hours = _as_hours(hours)
    if hours < MINIMUM or hours > MAXIMUM_PER_DAY:
        raise DomainError(_("Log between a quarter of an hour and 24 hours."))
    if hours % QUARTER:
        raise DomainError(_("Log hours in quarter-hour steps (0.25, 0.5, 0.75, ...)."))
    today = timezone.localdate()
    with acting(actor):
        match = Match.objects.select_related("mentor").get(pk=match.pk)
        if not getattr(actor, "is_authenticated", False) or match.mentor.user_id != actor.pk:
            raise DomainError(_("Only the match's mentor can log hours on it."))
        if match.status not in LOGGABLE_STATUSES:
            raise DomainError(_("Hours can be logged on active or closed matches only."))
        if date > today:
            raise DomainError(_("Log hours for today or an earlier day."))
        if match.start_on is not None and date < match.start_on:
            raise DomainError(
                _("The match started on %(day)s; log hours from that day on.")
                % {"day": _day_label(match.start_on)}
            )
        if match.closed_on is not None and date > match.closed_on:
            raise DomainError(
                _("The match closed on %(day)s; log hours up to that day.")
                % {"day": _day_label(match.closed_on)}
            )
        # One mentor's logs are written one at a time, so two at once cannot pass 24 together.
        Mentor.objects.select_for_update().filter(pk=match.mentor_id).first()
        already = HourLog.objects.filter(mentor_id=match.mentor_id, date=date).exclude(
            status=HourStatus.REJECTED
        ).aggregate(total=Sum("hours"))["total"] or Decimal(0)
        if already + hours > MAXIMUM_PER_DAY:
            raise DomainError(
                _(
                    "You have already logged %(already)s hours on %(day)s; a day has no more "
                    "than 24."
                )
                % {"already": hours_label(already), "day": _day_label(date)}
            )
        log = HourLog(
            match=match,
            mentor_id=match.mentor_id,
            ecosystem_id=match.ecosystem_id,
            date=date,
            hours=hours,
            activity=activity.strip()[:300],
        )
        log.full_clean()
        log.save()
    return log


def _describe(log: HourLog) -> str:
    return _("%(mentor)s's %(hours)s hours on %(day)s") % {
        "mentor": log.mentor.display_name,
        "hours": hours_label(log.hours),
        "day": _day_label(log.date),
    }


def _review(logs: Iterable[HourLog], actor: Any, status: str, note: str) -> list[HourLog]:
    pks = [log.pk for log in logs]
    if not pks:
        raise DomainError(_("Choose at least one log of hours."))
    with acting(actor):
        locked = list(
            HourLog.objects.select_for_update()
            .filter(pk__in=pks)
            .select_related(
                "mentor__user", "match__opportunity__program__organization", "ecosystem"
            )
            .order_by("date", "pk")
        )
        if len(locked) != len(set(pks)):
            raise DomainError(_("Some of these hours no longer exist."))
        for log in locked:
            if not actor.has_perm("mentoring.approve_hours", log):
                raise DomainError(
                    _("You may not review %(log)s; nothing was changed.") % {"log": _describe(log)}
                )
            if log.mentor.user_id == actor.pk:
                raise DomainError(
                    _("You cannot review your own hours (%(log)s); nothing was changed.")
                    % {"log": _describe(log)}
                )
            if log.status != HourStatus.PENDING:
                raise DomainError(
                    _("%(log)s were already reviewed (%(status)s); nothing was changed.")
                    % {"log": _describe(log), "status": log.get_status_display()}
                )
        now = timezone.now()
        for log in locked:
            log.status = status
            log.reviewed_by = actor
            log.reviewed_at = now
            log.review_note = note.strip()[:300]
            # One save per log, so each review has its own entry in the audit log.
            log.save(update_fields=["status", "reviewed_by", "reviewed_at", "review_note"])
    return locked


def approve(logs: Iterable[HourLog], actor: Any, note: str = "") -> list[HourLog]:
    """Approve pending logs, all or none."""
    return _review(logs, actor, HourStatus.APPROVED, note)


def reject(logs: Iterable[HourLog], actor: Any, note: str) -> list[HourLog]:
    """Reject pending logs, all or none; the mentor is told why (`note` is required)."""
    if not note.strip():
        raise DomainError(_("Say why the hours are not approved."))
    return _review(logs, actor, HourStatus.REJECTED, note)


@dataclass(frozen=True)
class HoursSummary:
    """`total` counts the hours given: pending and approved (rejected ones are not)."""

    logs: int
    total: Decimal
    pending: Decimal
    approved: Decimal
    rejected: Decimal


def summary(queryset: QuerySet[HourLog]) -> HoursSummary:
    """Totals of the given logs, by status."""
    zero = Decimal(0)
    figures = queryset.order_by().aggregate(
        logs=Count("pk"),
        pending=Sum("hours", filter=Q(status=HourStatus.PENDING)),
        approved=Sum("hours", filter=Q(status=HourStatus.APPROVED)),
        rejected=Sum("hours", filter=Q(status=HourStatus.REJECTED)),
    )
    pending = figures["pending"] or zero
    approved = figures["approved"] or zero
    return HoursSummary(
        logs=figures["logs"] or 0,
        total=pending + approved,
        pending=pending,
        approved=approved,
        rejected=figures["rejected"] or zero,
    )
