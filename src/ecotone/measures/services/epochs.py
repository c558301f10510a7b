"""The linkage secret's epochs (docs/reach.md): the backbone's data steward starts the first,
and rotates the secret by starting the next from a later school year. The server is given only
the secret's check value (`linkage.check_value`), which the steward's page computes in the
browser."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from django.db.models import Count, Max, Sum
from django.utils.translation import gettext as _

from ecotone.ecosystems.models import Ecosystem
from ecotone.ecosystems.services import acting
from ecotone.errors import DomainError

from ..models import LinkageEpoch, Period, PeriodType, Roster

CHECK_VALUE = re.compile(r"[0-9a-f]{64}")
# The dimensions a roster row may carry: the young person's own, never the program's or the
# area's (those come from the program the roster is for).
ROSTER_DIMENSIONS = (
    "sex",
    "race",
    "grade",
    "economic_disadvantage",
    "english_learner",
    "disability",
)
# Rosters are of school years: retention ("reached again the next year") and epochs count them.
ROSTER_PERIOD_TYPE = PeriodType.SCHOOL_YEAR


def _first_year(first_years: Iterable[int], year: int) -> int | None:
    """The one rule of which epoch a school year is in: the latest that started in or before
    it (its first year), None before the first epoch."""
    return max((y for y in first_years if y <= year), default=None)


def epoch_of(ecosystem: Ecosystem, period: Period) -> LinkageEpoch | None:
    """The linkage epoch a period's rosters belong to (`_first_year`)."""
    epochs = LinkageEpoch.objects.filter(ecosystem=ecosystem)
    first = _first_year(epochs.values_list("first_year", flat=True), period.start.year)
    return None if first is None else epochs.filter(first_year=first).order_by("pk").first()


def epoch_periods(epoch: LinkageEpoch) -> list[Period]:
    """The school years an epoch covers, in order: those whose epoch it is (`_first_year`),
    from its first year to the next epoch's."""
    firsts = list(
        LinkageEpoch.objects.filter(ecosystem_id=epoch.ecosystem_id).values_list(
            "first_year", flat=True
        )
    )
    found = Period.objects.filter(
        ecosystem_id=epoch.ecosystem_id, type=ROSTER_PERIOD_TYPE, start__year__gte=epoch.first_year
    ).order_by("start")
    return [p for p in found if _first_year(firsts, p.start.year) == epoch.first_year]


def start_epoch(
    actor: Any, ecosystem: Ecosystem, *, first_year: int, check_value: str
) -> LinkageEpoch:
    """A new epoch from the school year starting in `first_year`: the first, or a rotation.
    Rosters already submitted stay in the epoch they were linked in, so a rotation may not start
    at or before a school year that already has rosters under the secret before it."""
    check_value = check_value.strip().lower()
    if not CHECK_VALUE.fullmatch(check_value):
        raise DomainError(_("A check value is 64 hex digits, as the page computes it."))
    if not 1900 <= first_year <= 2200:
        raise DomainError(_("Give the year the first school year of the secret starts in."))
    latest = LinkageEpoch.objects.filter(ecosystem=ecosystem).order_by("-first_year").first()
    if latest is not None:
        if first_year <= latest.first_year:
            raise DomainError(
                _("A new secret starts after the current one's first school year (%(year)s).")
                % {"year": latest.first_year}
            )
        last = Roster.objects.filter(epoch=latest).aggregate(last=Max("period__start"))["last"]
        if last is not None and last.year >= first_year:
            raise DomainError(
                _(
                    "Rosters of the school year starting in %(year)s were encoded with the"
                    " current secret: start the new one from a later year, or withdraw them"
                    " first."
                )
                % {"year": last.year}
            )
        if LinkageEpoch.objects.filter(ecosystem=ecosystem, check_value=check_value).exists():
            raise DomainError(_("This is a secret the ecosystem already used: generate a new one."))
    number = (latest.number + 1) if latest is not None else 1
    with acting(actor):
        return LinkageEpoch.objects.create(
            ecosystem=ecosystem,
            number=number,
            first_year=first_year,
            check_value=check_value,
            created_by=actor if getattr(actor, "pk", None) else None,
        )


def epochs_with_counts(ecosystem: Ecosystem) -> list[LinkageEpoch]:
    """The ecosystem's epochs, latest first, each with `roster_count`, `row_count` (counts
    only: what the steward's page and the API show of them) and `last_year`, the year the last
    school year it covers starts in (None for the current epoch, which has no end)."""
    found = (
        LinkageEpoch.objects.filter(ecosystem=ecosystem)
        .select_related("created_by")
        .annotate(roster_count=Count("rosters"), row_count=Sum("rosters__row_count"))
        .order_by("-first_year")
    )
    listed: list[LinkageEpoch] = list(found)
    next_first: int | None = None
    for epoch in listed:
        epoch.last_year = None if next_first is None else next_first - 1  # type: ignore[attr-defined]
        epoch.row_count = epoch.row_count or 0  # type: ignore[attr-defined]
        next_first = epoch.first_year
    return listed
