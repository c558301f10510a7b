"""The directory's figures on a network's page (`ecotone.network_figures`): programs listed and
the places they happen per ecosystem, programs published month by month, and where each
ecosystem sits on the network's map. Counted for every ecosystem at once."""

from __future__ import annotations

import datetime
from collections.abc import Sequence

from django.db.models import Avg, Count
from django.db.models.functions import TruncMonth

from ecotone.network_figures import Counts, Monthly, month_of

from ..models import Location, Program, ProgramLocation, ProgramQuerySet


def _listed(ecosystem_ids: Sequence[int]) -> ProgramQuerySet:
    return Program.objects.listed().filter(ecosystem_id__in=ecosystem_ids)


def counts(ecosystem_ids: Sequence[int]) -> Counts:
    """Per ecosystem: `programs` listed (not archived, not defunct) and `places`, the
    locations they happen at."""
    found: dict[int, dict[str, float | None]] = {
        pk: {"programs": 0, "places": 0} for pk in ecosystem_ids
    }
    programs = _listed(ecosystem_ids).values_list("ecosystem_id").annotate(n=Count("pk"))
    for ecosystem_id, n in programs.order_by():
        found[ecosystem_id]["programs"] = n
    places = (
        ProgramLocation.objects.filter(program__in=_listed(ecosystem_ids))
        .values_list("program__ecosystem_id")
        .annotate(n=Count("location_id", distinct=True))
    )
    for ecosystem_id, n in places.order_by():
        found[ecosystem_id]["places"] = n
    return found


def monthly(ecosystem_ids: Sequence[int], since: datetime.date) -> Monthly:
    """Programs still listed, by the month they were published (their record created)."""
    rows = (
        _listed(ecosystem_ids)
        .filter(created_at__date__gte=since)
        .annotate(month=TruncMonth("created_at"))
        .values_list("month")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {"programs_published": {month_of(month): n for month, n in rows}}


def centres(ecosystem_ids: Sequence[int]) -> dict[int, tuple[float, float]]:
    """The centre of the located places where each ecosystem's listed programs happen."""
    located = ProgramLocation.objects.filter(program__in=_listed(ecosystem_ids)).values(
        "location_id"
    )
    rows = (
        Location.objects.filter(pk__in=located, latitude__isnull=False, longitude__isnull=False)
        .values_list("ecosystem_id")
        .annotate(lat=Avg("latitude"), lon=Avg("longitude"))
        .order_by()
    )
    return {ecosystem_id: (lat, lon) for ecosystem_id, lat, lon in rows}
