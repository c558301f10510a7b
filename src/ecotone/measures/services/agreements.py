"""Data sharing agreements: what each partner agreed to share, and for how long.

A partner's submission is checked against its agreements current on the day (`covered`): a row
of an indicator outside them is refused with `outside_agreement`, and a partner with no current
agreement cannot submit at all.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import IO, Any

from django.core.files import File
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from ecotone.attachments import check_attachment
from ecotone.ecosystems.models import Organization
from ecotone.ecosystems.services import acting
from ecotone.errors import DomainError

from ..models import DataSharingAgreement


def save_agreement(
    organization: Organization,
    actor: Any,
    *,
    indicators: Iterable[str],
    signatories: str,
    starts_on: datetime.date,
    ends_on: datetime.date | None = None,
    file: IO[bytes] | File[Any] | None = None,
    agreement: DataSharingAgreement | None = None,
) -> DataSharingAgreement:
    """Record a partner's agreement (or change `agreement`): the keys of the indicators it
    covers, who signed it, its dates and, when given, the signed file (checked as every
    attachment is, `ecotone.attachments`)."""
    ecosystem = organization.ecosystem
    keys = sorted(set(indicators))
    found = list(ecosystem.indicators.active().filter(key__in=keys))
    if len(found) != len(keys) or not keys:
        unknown = sorted(set(keys) - {i.key for i in found})
        if not keys:
            raise DomainError(_("Choose the indicators the agreement covers."))
        raise DomainError(_("Unknown indicators: %(names)s.") % {"names": ", ".join(unknown)})
    signed = "\n".join(line.strip() for line in signatories.splitlines() if line.strip())
    if not signed:
        raise DomainError(_("Say who signed the agreement."))
    if ends_on is not None and ends_on < starts_on:
        raise DomainError(_("The agreement cannot end before it starts."))
    if agreement is not None and agreement.organization_id != organization.pk:
        raise DomainError(_("This agreement is another partner's."))
    if file is not None:
        check_attachment(file)
    with acting(actor):
        agreement = agreement or DataSharingAgreement(
            ecosystem=ecosystem, organization=organization
        )
        agreement.signatories = signed
        agreement.starts_on, agreement.ends_on = starts_on, ends_on
        if file is not None:
            name = getattr(file, "name", "") or "agreement.pdf"
            agreement.file.save(
                name.rsplit("/", 1)[-1], file if isinstance(file, File) else File(file), save=False
            )
        agreement.save()
        agreement.indicators.set(found)
    return agreement


def end_agreement(
    agreement: DataSharingAgreement, actor: Any, *, ends_on: datetime.date | None = None
) -> DataSharingAgreement:
    """End an agreement on `ends_on` (today): from the next day the partner's files are
    checked without it."""
    day = ends_on or timezone.localdate()
    if day < agreement.starts_on:
        raise DomainError(_("The agreement cannot end before it starts."))
    if agreement.ends_on is not None and agreement.ends_on <= day:
        raise DomainError(_("The agreement already ends on %(day)s.") % {"day": agreement.ends_on})
    with acting(actor):
        agreement.ends_on = day
        agreement.save(update_fields=["ends_on", "updated_at"])
    return agreement


def current(organization: Organization, on: datetime.date | None = None) -> Any:
    """The partner's agreements in force on `on` (today)."""
    day = on or timezone.localdate()
    return DataSharingAgreement.objects.filter(
        Q(ends_on__isnull=True) | Q(ends_on__gte=day),
        organization=organization,
        starts_on__lte=day,
    )


def covered(organization: Organization, on: datetime.date | None = None) -> set[str]:
    """The keys of the indicators the partner's current agreements cover (empty: none)."""
    return set(
        current(organization, on)
        .values_list("indicators__key", flat=True)
        .exclude(indicators__key=None)
    )
