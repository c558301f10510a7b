"""Periods kept by backbone staff (the pages and the API call these; `facts.school_year` makes
the school years the demo and imports need).

A partner's file names a period by its label, so labels are unique in an ecosystem (compared
as the files are read, `cells.fold`); two periods of one type never start the same day (the
database says so too); a period ends on or after its start. A period values, a data collection
or a public file use is never deleted, and keeps its type while values use it: the indicators
they count are of that type.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.utils.formats import date_format
from django.utils.translation import gettext as _

from ecotone.cells import fold
from ecotone.ecosystems.models import Ecosystem
from ecotone.ecosystems.services import acting
from ecotone.errors import DomainError

from ..models import Period, PeriodType, PublicSource, Value


@dataclass(frozen=True)
class Uses:
    values: int
    collections: int
    public_files: int

    @property
    def any(self) -> bool:
        return bool(self.values or self.collections or self.public_files)


def uses(period: Period) -> Uses:
    """What keeps a period: values counted over it, collections and public files naming it."""
    return Uses(
        values=Value.objects.filter(ecosystem_id=period.ecosystem_id, period=period).count(),
        collections=period.collections.count(),
        public_files=PublicSource.objects.filter(period=period).count(),
    )


def save_period(
    ecosystem: Ecosystem,
    actor: Any,
    *,
    type: str,
    start: datetime.date,
    end: datetime.date,
    label: str,
    period: Period | None = None,
) -> Period:
    """Add a period, or change `period`."""
    if type not in PeriodType.values:
        raise DomainError(_("Choose the type of period."))
    label = " ".join(label.split())
    if not label:
        raise DomainError(_("Give the period a label, as partners' files name it."))
    if end < start:
        raise DomainError(_("The period ends before it starts."))
    if period is not None and period.ecosystem_id != ecosystem.pk:
        raise DomainError(_("This period is another ecosystem's."))
    with acting(actor):
        others = Period.objects.select_for_update().filter(ecosystem=ecosystem)
        if period is not None:
            others = others.exclude(pk=period.pk)
        same_start = others.filter(type=type, start=start).first()
        if same_start is not None:
            raise DomainError(
                _("A %(type)s already starts on %(date)s: %(label)s.")
                % {
                    "type": PeriodType(type).label.lower(),
                    "date": date_format(start),
                    "label": same_start.label,
                }
            )
        if any(fold(p.label) == fold(label) for p in others.only("label")):
            raise DomainError(
                _(
                    "Another period is already called “%(label)s”: partners' files name "
                    "periods by their label."
                )
                % {"label": label}
            )
        if period is not None and period.type != type and uses(period).values:
            raise DomainError(
                _("Values are counted over this period: it keeps its type (%(type)s).")
                % {"type": period.get_type_display()}
            )
        period = period or Period(ecosystem=ecosystem)
        period.type, period.start, period.end, period.label = type, start, end, label
        period.save()
    return period


def delete_period(period: Period, actor: Any) -> None:
    """Delete a period nothing uses; refused, with what uses it, otherwise."""
    with acting(actor):
        found = uses(Period.objects.select_for_update().get(pk=period.pk))
        if found.any:
            raise DomainError(refusal(found))
        period.delete()


def refusal(found: Uses) -> str:
    return _(
        "This period cannot be deleted: %(values)s values are counted over it, "
        "%(collections)s data collections and %(files)s public files name it."
    ) % {"values": found.values, "collections": found.collections, "files": found.public_files}
