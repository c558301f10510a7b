"""How long encoded participation rosters are kept (issue 17 item 5, docs/privacy.md).

An ecosystem keeps a roster for `Ecosystem.roster_retention_years` after its school year ends;
then the daily `manage.py measures_reminders` (or the task `delete_expired_rosters_task`)
deletes it with its rows. Each deletion is in the ecosystem's audit log, without an actor and
marked as the retention's (`RETENTION`), so the log tells it from a partner withdrawing one.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_noop
from django_tasks import task

from ecotone.ecosystems.models import Ecosystem
from ecotone.ecosystems.services import acting
from ecotone.errors import DomainError

from ..models import LinkageEpoch, Roster
from . import reach

# What the audit log shows as the author of the deletion (translated where it is shown).
RETENTION = gettext_noop("roster retention")


def years_before(day: datetime.date, years: int) -> datetime.date:
    """The same day `years` earlier (29 February becomes the 28th)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def retention_cutoff(ecosystem: Ecosystem, today: datetime.date) -> datetime.date:
    """Rosters of periods that ended before this day are past the ecosystem's retention."""
    return years_before(today, ecosystem.roster_retention_years)


def expired_rosters(ecosystem: Ecosystem, today: datetime.date) -> QuerySet[Roster]:
    return Roster.objects.filter(
        ecosystem=ecosystem, period__end__lt=retention_cutoff(ecosystem, today)
    )


def set_retention_years(ecosystem: Ecosystem, actor: Any, years: int) -> Ecosystem:
    """Change how many years rosters are kept after their school year (1 to 20)."""
    with acting(actor):
        ecosystem.roster_retention_years = years
        try:
            ecosystem.full_clean(validate_unique=False, validate_constraints=False)
        except ValidationError as error:
            ecosystem.refresh_from_db()
            messages = error.message_dict.get("roster_retention_years") or error.messages
            raise DomainError(" ".join(messages)) from None
        ecosystem.save(update_fields=["roster_retention_years", "updated_at"])
    return ecosystem


def delete_expired_rosters(
    now: datetime.datetime | None = None, *, ecosystems: QuerySet[Ecosystem] | None = None
) -> int:
    """Delete the rosters whose school year ended more than their ecosystem's retention ago,
    with their rows, in `ecosystems` (default: every ecosystem, active or not); the number
    deleted. The audit entries have no actor and carry `process: RETENTION`."""
    today = timezone.localdate(now) if now is not None else timezone.localdate()
    deleted = 0
    for ecosystem in (Ecosystem.objects.all() if ecosystems is None else ecosystems).order_by("pk"):
        found = list(expired_rosters(ecosystem, today).values_list("pk", "epoch_id"))
        if not found:
            continue
        expired = [pk for pk, _epoch in found]
        with acting(None, additional_data={"ecosystem_id": ecosystem.pk, "process": RETENTION}):
            Roster.objects.filter(pk__in=expired).delete()
            # the reach figures follow the rosters left, as after a withdrawal
            for epoch in LinkageEpoch.objects.filter(pk__in={e for _pk, e in found}):
                reach.request_linkage(epoch)
        deleted += len(expired)
    return deleted


@task()
def delete_expired_rosters_task() -> int:
    """The day's roster retention, in every ecosystem (`delete_expired_rosters`)."""
    return delete_expired_rosters()


def retention_summary(ecosystem: Ecosystem, today: datetime.date) -> dict[str, Any]:
    """What the steward's page says of the retention: the cutoff and how many rosters are
    past it (deleted at the next daily run)."""
    return {
        "years": ecosystem.roster_retention_years,
        "cutoff": retention_cutoff(ecosystem, today),
        "expired": expired_rosters(ecosystem, today).count(),
    }
