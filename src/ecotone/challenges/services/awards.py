"""Awards: the grants decided in a call's last round, their milestones and agreement, the
announcement to the winners and the public page of winners.

- `award` decides an application of the last round as a winner: a `Decision` (award, with
  who decided and the ranks shown) and an `Award` (cash, in-kind support, public citation).
  The cash awarded in a call never goes over `call.total_funds` (when set): `award` and
  `update_award` refuse with the amount left.
- `decline_rest` declines the last round's applications not awarded.
- Milestones: payments and reports due, marked done; `payments_due` lists the payments of an
  ecosystem due soon or late, for staff.
- The signed agreement is checked by `ecotone.attachments` (type from the content, size).
- `announce` emails the winners (lead and co-applicants) once and stamps `announced_at`;
  `publish_winners` opens the call's public winners page (`winners`), which shows only what
  a citation is for: title, organization, place, amounts and the citation.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import IO, Any

from django.db import transaction
from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from ecotone.attachments import check_attachment
from ecotone.ecosystems.models import Ecosystem
from ecotone.errors import DomainError

from .. import notifications
from ..models import (
    Application,
    ApplicationStatus,
    Award,
    AwardMilestone,
    Call,
    Decision,
    MilestoneKind,
    Outcome,
    Round,
)
from .decisions import OPEN_STATUSES, require_backbone
from .ranking import round_ranking

DUE_SOON_DAYS = 30


def last_round(call: Call) -> Round | None:
    return Round.objects.filter(call=call).order_by("-position").first()


def awards_of(call: Call) -> QuerySet[Award]:
    return (
        Award.objects.filter(application__call=call)
        .select_related("application")
        .annotate(
            milestones_total=Count("milestones"),
            milestones_done=Count("milestones", filter=Q(milestones__done_on__isnull=False)),
        )
        .order_by("application__title", "pk")
    )


@dataclass(frozen=True)
class Funds:
    available: Decimal | None
    awarded: Decimal

    @property
    def left(self) -> Decimal | None:
        return None if self.available is None else self.available - self.awarded


def funds(call: Call, *, leaving_out: Award | None = None) -> Funds:
    awarded = Award.objects.filter(application__call=call)
    if leaving_out is not None:
        awarded = awarded.exclude(pk=leaving_out.pk)
    total = awarded.aggregate(total=Sum("amount"))["total"] or Decimal("0")
    return Funds(available=call.total_funds, awarded=total)


def _check_budget(call: Call, amount: Decimal, leaving_out: Award | None = None) -> None:
    if amount < 0:
        raise DomainError(_("An amount cannot be negative."))
    state = funds(call, leaving_out=leaving_out)
    if state.left is not None and amount > state.left:
        raise DomainError(
            _(
                "%(amount)s would take the awards over the call's funds: %(available)s "
                "available, %(awarded)s already awarded, %(left)s left."
            )
            % {
                "amount": f"${amount:,.2f}",
                "available": f"${state.available:,.2f}",
                "awarded": f"${state.awarded:,.2f}",
                "left": f"${state.left:,.2f}",
            }
        )


def candidates(call: Call) -> list[Application]:
    """The applications of the last round that may still be awarded."""
    final = last_round(call)
    if final is None:
        return []
    return list(
        Application.objects.filter(call=call, round=final, status__in=OPEN_STATUSES).order_by(
            "title", "pk"
        )
    )


def award(
    application: Application,
    *,
    by: Any,
    amount: Decimal,
    in_kind: str = "",
    citation: str = "",
    note: str = "",
) -> Award:
    """Make the application a winner (module docstring)."""
    call = application.call
    final = last_round(call)
    if final is None:
        raise DomainError(_("The call has no rounds."))
    require_backbone(by, final)
    with transaction.atomic():
        Call.objects.select_for_update().filter(pk=call.pk).first()  # one award at a time
        fresh = Application.objects.select_for_update().get(pk=application.pk)
        if fresh.round_id != final.pk or fresh.status not in OPEN_STATUSES:
            raise DomainError(
                _("“%(title)s” is not in the call's last round, or was already decided.")
                % {"title": fresh.title}
            )
        _check_budget(call, amount)
        row = round_ranking(final).by_application().get(fresh.pk)
        Decision.objects.create(
            application=fresh,
            round=final,
            outcome=Outcome.AWARD,
            note=note,
            decided_by=by,
            raw_rank=row.raw_rank if row else None,
            adjusted_rank=row.adjusted_rank if row else None,
        )
        granted = Award.objects.create(
            application=fresh, amount=amount, in_kind=in_kind, citation=citation
        )
        fresh.status = ApplicationStatus.AWARDED
        fresh.save(update_fields=["status", "updated_at"])
    return granted


def decline_rest(call: Call, *, by: Any, note: str = "") -> int:
    """Decline the last round's applications that were not awarded; how many."""
    final = last_round(call)
    if final is None:
        raise DomainError(_("The call has no rounds."))
    require_backbone(by, final)
    with transaction.atomic():
        rest = candidates(call)
        if not rest:
            raise DomainError(_("No application of the last round is waiting for a decision."))
        ranks = round_ranking(final).by_application()
        decisions = []
        for application in rest:
            row = ranks.get(application.pk)
            decisions.append(
                Decision.objects.create(
                    application=application,
                    round=final,
                    outcome=Outcome.DECLINE,
                    note=note,
                    decided_by=by,
                    raw_rank=row.raw_rank if row else None,
                    adjusted_rank=row.adjusted_rank if row else None,
                )
            )
            application.status = ApplicationStatus.DECLINED
            application.save(update_fields=["status", "updated_at"])
        notifications.decisions_made([d.pk for d in decisions])
    return len(decisions)


def update_award(granted: Award, *, by: Any, amount: Decimal, in_kind: str, citation: str) -> Award:
    call = granted.application.call
    final = last_round(call)
    if final is not None:
        require_backbone(by, final)
    with transaction.atomic():
        Call.objects.select_for_update().filter(pk=call.pk).first()
        _check_budget(call, amount, leaving_out=granted)
        granted.amount = amount
        granted.in_kind = in_kind
        granted.citation = citation
        granted.save(update_fields=["amount", "in_kind", "citation", "updated_at"])
    return granted


def _require_staff(granted: Award, by: Any) -> None:
    final = last_round(granted.application.call)
    if final is not None:
        require_backbone(by, final)


def add_milestone(
    granted: Award,
    *,
    by: Any,
    kind: str,
    title: str,
    due_on: datetime.date,
    amount: Decimal | None = None,
) -> AwardMilestone:
    _require_staff(granted, by)
    if kind not in MilestoneKind.values:
        raise DomainError(_("Choose a payment or a report."))
    if amount is not None and amount < 0:
        raise DomainError(_("An amount cannot be negative."))
    if kind == MilestoneKind.PAYMENT and amount is not None:
        scheduled = granted.milestones.filter(kind=MilestoneKind.PAYMENT).aggregate(
            total=Sum("amount")
        )["total"] or Decimal("0")
        if scheduled + amount > granted.amount:
            raise DomainError(
                _("The payments would add up to %(total)s, more than the grant of %(grant)s.")
                % {"total": f"${scheduled + amount:,.2f}", "grant": f"${granted.amount:,.2f}"}
            )
    return AwardMilestone.objects.create(
        award=granted, kind=kind, title=title, due_on=due_on, amount=amount
    )


def mark_done(
    milestone: AwardMilestone, *, by: Any, on: datetime.date | None = None
) -> AwardMilestone:
    _require_staff(milestone.award, by)
    if milestone.done_on is not None:
        raise DomainError(_("This milestone is already marked done."))
    milestone.done_on = on or timezone.localdate()
    milestone.save(update_fields=["done_on"])
    return milestone


def attach_agreement(
    granted: Award, *, by: Any, file: IO[bytes] | Any, signed_on: datetime.date | None
) -> Award:
    """Keep the signed agreement, checked like every attached file."""
    _require_staff(granted, by)
    checked = check_attachment(file)
    with transaction.atomic():
        old = granted.agreement.name if granted.agreement else ""
        granted.agreement.save(checked.name, file, save=False)
        granted.agreement_signed_at = signed_on or timezone.localdate()
        granted.save(update_fields=["agreement", "agreement_signed_at", "updated_at"])
        if old:
            storage = granted.agreement.storage
            transaction.on_commit(lambda: storage.delete(old))
    return granted


def announce(call: Call, *, by: Any) -> list[Award]:
    """Email the winners not yet told, and stamp their awards announced."""
    final = last_round(call)
    if final is None:
        raise DomainError(_("The call has no rounds."))
    require_backbone(by, final)
    with transaction.atomic():
        waiting = list(
            Award.objects.select_for_update().filter(
                application__call=call, announced_at__isnull=True
            )
        )
        if not waiting:
            raise DomainError(_("Every award of this call has been announced already."))
        now = timezone.now()
        for granted in waiting:
            granted.announced_at = now
            granted.save(update_fields=["announced_at", "updated_at"])
        notifications.awards_announced([g.pk for g in waiting])
    return waiting


def publish_winners(call: Call, *, by: Any) -> Call:
    """Open the public winners page (announced awards only)."""
    final = last_round(call)
    if final is None:
        raise DomainError(_("The call has no rounds."))
    require_backbone(by, final)
    if not Award.objects.filter(application__call=call, announced_at__isnull=False).exists():
        raise DomainError(_("Announce the awards to the winners before publishing them."))
    if call.winners_published_at is not None:
        raise DomainError(_("The winners of this call are published already."))
    call.winners_published_at = timezone.now()
    call.save(update_fields=["winners_published_at", "updated_at"])
    return call


@dataclass(frozen=True)
class Winner:
    """What the public page shows of an award: nothing about people or reviews."""

    title: str
    organization: str
    city: str
    state: str
    amount: Decimal
    in_kind: str
    citation: str


def winners(call: Call) -> list[Winner]:
    """The announced winners of a published call (empty while unpublished)."""
    if call.winners_published_at is None:
        return []
    rows = (
        Award.objects.filter(application__call=call, announced_at__isnull=False)
        .order_by("application__title", "pk")
        .values_list(
            "application__title",
            "application__organization_name",
            "application__city",
            "application__state",
            "amount",
            "in_kind",
            "citation",
        )
    )
    return [Winner(*row) for row in rows]


def payments_due(ecosystem: Ecosystem, *, within_days: int = DUE_SOON_DAYS) -> Any:
    """Payments not made that are due within the days given, or late, soonest first."""
    until = timezone.localdate() + datetime.timedelta(days=within_days)
    return (
        AwardMilestone.objects.filter(
            award__application__ecosystem=ecosystem,
            kind=MilestoneKind.PAYMENT,
            done_on__isnull=True,
            due_on__lte=until,
        )
        .select_related("award__application__call")
        .order_by("due_on", "pk")
    )
