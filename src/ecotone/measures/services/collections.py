"""Data collections: the backbone asks partners for indicators over periods by a due date,
follows who has submitted what, and reminds the partners that have not.

`save_collection` opens or changes one, `close_collection` closes it (a closed collection takes
no more files). `progress` is the status grid, partner x indicator x period, read from what
already exists: the partner's current values (approved) and the submissions that name the
collection or came after it opened (submitted, returned). `send_reminders` emails the partner
staff of each partner still behind, N days before the due date and once overdue, each stage
once (`CollectionReminder`); schedule `manage.py measures_reminders` daily.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_tasks import task

from ecotone.ecosystems.models import Ecosystem, Organization
from ecotone.ecosystems.services import acting
from ecotone.errors import DomainError

from .. import notifications
from ..models import (
    CollectionReminder,
    DataCollection,
    Indicator,
    Period,
    ReminderStage,
    Review,
    Submission,
    Value,
)

APPROVED, SUBMITTED, RETURNED, MISSING, OVERDUE = (
    "approved",
    "submitted",
    "returned",
    "missing",
    "overdue",
)
STATUS_LABELS = {
    APPROVED: gettext_lazy("Approved"),
    SUBMITTED: gettext_lazy("Submitted"),
    RETURNED: gettext_lazy("Returned"),
    MISSING: gettext_lazy("Missing"),
    OVERDUE: gettext_lazy("Overdue"),
}
# What a partner still owes: a reminder goes to partners with any cell in these.
BEHIND = frozenset({RETURNED, MISSING, OVERDUE})


def save_collection(
    ecosystem: Ecosystem,
    actor: Any,
    *,
    name: str,
    indicators: Iterable[str],
    periods: Iterable[int],
    organizations: Iterable[int],
    due_on: datetime.date,
    remind_days_before: int = 7,
    remind_when_overdue: bool = True,
    collection: DataCollection | None = None,
) -> DataCollection:
    """Open a data collection (or change `collection`): the keys of the published indicators
    asked for, the ids of the periods and of the partners, the due date and the reminders."""
    name = " ".join(name.split())
    if not name:
        raise DomainError(_("Give the collection a name."))
    keys = sorted(set(indicators))
    found = list(ecosystem.indicators.published().filter(key__in=keys))
    if not keys:
        raise DomainError(_("Choose the indicators to collect."))
    if len(found) != len(keys):
        unknown = sorted(set(keys) - {i.key for i in found})
        raise DomainError(
            _("Not published indicators of this ecosystem: %(names)s.")
            % {"names": ", ".join(unknown)}
        )
    period_ids = set(periods)
    chosen_periods = list(ecosystem.periods.filter(pk__in=period_ids))
    if not period_ids or len(chosen_periods) != len(period_ids):
        raise DomainError(_("Choose the periods to collect, among the ecosystem's periods."))
    types = {p.type for p in chosen_periods}
    for indicator in found:
        if indicator.period_type not in types:
            raise DomainError(
                _("“%(name)s” is counted by %(type)s: choose at least one period of that type.")
                % {"name": indicator.name, "type": indicator.get_period_type_display().lower()}
            )
    organization_ids = set(organizations)
    partners = list(
        Organization.objects.filter(
            ecosystem=ecosystem, archived_at__isnull=True, pk__in=organization_ids
        )
    )
    if not organization_ids or len(partners) != len(organization_ids):
        raise DomainError(_("Choose the partners asked for values, among the ecosystem's."))
    if remind_days_before < 0 or remind_days_before > 365:
        raise DomainError(_("Remind between 0 and 365 days before the due date."))
    if collection is not None and collection.ecosystem_id != ecosystem.pk:
        raise DomainError(_("This collection is another ecosystem's."))
    if collection is not None and not collection.is_open:
        raise DomainError(_("This collection is closed."))
    with acting(actor):
        collection = collection or DataCollection(ecosystem=ecosystem)
        collection.name = name
        collection.due_on = due_on
        collection.remind_days_before = remind_days_before
        collection.remind_when_overdue = remind_when_overdue
        collection.save()
        collection.indicators.set(found)
        collection.periods.set(chosen_periods)
        collection.organizations.set(partners)
    return collection


def close_collection(collection: DataCollection, actor: Any) -> DataCollection:
    """Close a collection: it takes no more files and sends no more reminders; its
    submissions and values stay."""
    if not collection.is_open:
        raise DomainError(_("This collection is already closed."))
    with acting(actor):
        collection.closed_at = timezone.now()
        collection.save(update_fields=["closed_at", "updated_at"])
    return collection


def open_for(organization: Organization) -> Any:
    """The open collections that ask this partner for values."""
    return DataCollection.objects.filter(
        ecosystem_id=organization.ecosystem_id, organizations=organization, closed_at__isnull=True
    )


@dataclass
class Cell:
    status: str
    submission: Submission | None = None

    @property
    def label(self) -> str:
        return str(STATUS_LABELS[self.status])


@dataclass
class PartnerProgress:
    organization: Organization
    cells: list[Cell]

    @property
    def is_behind(self) -> bool:
        return any(c.status in BEHIND for c in self.cells)

    @property
    def counts(self) -> dict[str, int]:
        found = dict.fromkeys(STATUS_LABELS, 0)
        for cell in self.cells:
            found[cell.status] += 1
        return found


@dataclass
class Progress:
    """The status grid: one row per partner, one column per (indicator, period) asked."""

    columns: list[tuple[Indicator, Period]]
    rows: list[PartnerProgress]
    totals: dict[str, int] = field(default_factory=dict)


# Which status wins when a cell has several: approved values stand whatever a later file says
# until that file is approved; a file waiting for review beats an earlier returned one.
_RANK = {APPROVED: 3, SUBMITTED: 2, RETURNED: 1}


def progress(collection: DataCollection, today: datetime.date | None = None) -> Progress:
    """Who has submitted what: for each partner and each indicator x period the collection
    asks (periods of the indicator's type), approved (the partner has current values),
    submitted (a file waits for review), returned, missing, or overdue past the due date."""
    today = today or timezone.localdate()
    indicators = list(collection.indicators.order_by("name", "pk"))
    periods = list(collection.periods.order_by("start", "pk"))
    columns = [(i, p) for i in indicators for p in periods if p.type == i.period_type]
    partners = list(collection.organizations.order_by("name", "pk"))
    best: dict[tuple[int, int, int], Cell] = {}
    approved = (
        Value.objects.filter(
            ecosystem_id=collection.ecosystem_id,
            indicator__in=indicators,
            period__in=periods,
            organization__in=partners,
        )
        .values_list("organization_id", "indicator_id", "period_id")
        .distinct()
    )
    for key in approved:
        best[key] = Cell(APPROVED)
    by_key = {i.key: i.pk for i in indicators}
    files = (
        Submission.objects.filter(
            Q(collection=collection) | Q(collection=None, created_at__gte=collection.created_at),
            ecosystem_id=collection.ecosystem_id,
            organization__in=partners,
            review__in=(Review.SUBMITTED, Review.RETURNED),
        )
        .select_related("ecosystem")
        .order_by("created_at", "pk")
    )
    for run in files:
        status = SUBMITTED if run.review == Review.SUBMITTED else RETURNED
        for indicator_key, period_id in run.report.get("cells") or []:
            if indicator_key not in by_key:
                continue
            key = (run.organization_id, by_key[indicator_key], period_id)
            held = best.get(key)
            # later files replace earlier ones of the same rank
            if held is None or _RANK[status] >= _RANK[held.status]:
                best[key] = Cell(status, run)
    late = today > collection.due_on
    rows = []
    totals = dict.fromkeys(STATUS_LABELS, 0)
    for partner in partners:
        cells = []
        for indicator, period in columns:
            cell = best.get((partner.pk, indicator.pk, period.pk)) or Cell(
                OVERDUE if late else MISSING
            )
            cells.append(cell)
            totals[cell.status] += 1
        rows.append(PartnerProgress(partner, cells))
    return Progress(columns, rows, totals)


def _stage(collection: DataCollection, today: datetime.date) -> str | None:
    if today > collection.due_on:
        return ReminderStage.OVERDUE if collection.remind_when_overdue else None
    days = collection.remind_days_before
    if days and today >= collection.due_on - datetime.timedelta(days=days):
        return ReminderStage.BEFORE_DUE
    return None


def send_reminders(ecosystem: Ecosystem, today: datetime.date | None = None) -> int:
    """Remind the partners of each open collection still behind, at the stage the day is in
    (N days before the due date, or overdue); each stage once per partner and due date.
    Returns how many partners were reminded."""
    today = today or timezone.localdate()
    reminded = 0
    for collection in ecosystem.data_collections.filter(closed_at__isnull=True).order_by("pk"):
        stage = _stage(collection, today)
        if stage is None:
            continue
        sent = set(
            collection.reminders.filter(stage=stage, due_on=collection.due_on).values_list(
                "organization_id", flat=True
            )
        )
        for row in progress(collection, today).rows:
            if not row.is_behind or row.organization.pk in sent:
                continue
            if not notifications.partner_staff(row.organization):
                continue  # nobody to read it yet: it is sent once the partner has staff
            try:
                with transaction.atomic():
                    reminder = CollectionReminder.objects.create(
                        collection=collection,
                        organization=row.organization,
                        stage=stage,
                        due_on=collection.due_on,
                    )
                    notifications.remind_collection(reminder)
            except IntegrityError:  # another run reminded them just now
                continue
            reminded += 1
    return reminded


@task()
def remind_collections(ecosystem_id: int | None = None) -> int:
    """The day's collection reminders of one ecosystem, or of every active one."""
    ecosystems = Ecosystem.objects.filter(is_active=True)
    if ecosystem_id is not None:
        ecosystems = ecosystems.filter(pk=ecosystem_id)
    return sum(send_reminders(ecosystem) for ecosystem in ecosystems)
