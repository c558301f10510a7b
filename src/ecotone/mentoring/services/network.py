"""Mentoring's figures on a network's page (`ecotone.network_figures`): mentors available,
active matches and approved hours per ecosystem, and mentors joined, matches started and hours
approved month by month. Counted for every ecosystem at once. No figure here counts young
people (students reached does, and stays on the ecosystem's dashboard, suppressed)."""

from __future__ import annotations

import datetime
from collections.abc import Sequence

from django.db.models import Count, QuerySet, Sum
from django.db.models.functions import TruncMonth

from ecotone.network_figures import Counts, Monthly, month_of

from ..models import HourLog, HourStatus, Match, MatchStatus, Mentor, MentorStatus


def counts(ecosystem_ids: Sequence[int]) -> Counts:
    """Per ecosystem: `mentors` available, `matches` active, `hours` approved."""
    found: dict[int, dict[str, float | None]] = {
        pk: {"mentors": 0, "matches": 0, "hours": 0.0} for pk in ecosystem_ids
    }
    mentors = (
        Mentor.objects.filter(ecosystem_id__in=ecosystem_ids, status=MentorStatus.ACTIVE)
        .values_list("ecosystem_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for ecosystem_id, n in mentors:
        found[ecosystem_id]["mentors"] = n
    matches = (
        Match.objects.filter(ecosystem_id__in=ecosystem_ids, status=MatchStatus.ACTIVE)
        .values_list("ecosystem_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for ecosystem_id, n in matches:
        found[ecosystem_id]["matches"] = n
    for ecosystem_id, hours in (
        _approved(ecosystem_ids).values_list("ecosystem_id").annotate(hours=Sum("hours"))
    ):
        found[ecosystem_id]["hours"] = float(hours or 0)
    return found


def monthly(ecosystem_ids: Sequence[int], since: datetime.date) -> Monthly:
    """From the month of `since` on: mentors by the month they signed up, matches by the month
    they started, approved hours by the month they were given."""
    joined = (
        Mentor.objects.filter(ecosystem_id__in=ecosystem_ids, created_at__date__gte=since)
        .annotate(month=TruncMonth("created_at"))
        .values_list("month")
        .annotate(n=Count("pk"))
        .order_by()
    )
    started = (
        Match.objects.filter(ecosystem_id__in=ecosystem_ids, start_on__gte=since)
        .annotate(month=TruncMonth("start_on"))
        .values_list("month")
        .annotate(n=Count("pk"))
        .order_by()
    )
    hours = (
        _approved(ecosystem_ids)
        .filter(date__gte=since)
        .annotate(month=TruncMonth("date"))
        .values_list("month")
        .annotate(n=Sum("hours"))
        .order_by()
    )
    return {
        "mentors_joined": {month_of(month): n for month, n in joined},
        "matches_started": {month_of(month): n for month, n in started},
        "hours_approved": {month_of(month): float(n or 0) for month, n in hours},
    }


def _approved(ecosystem_ids: Sequence[int]) -> QuerySet[HourLog]:
    return HourLog.objects.filter(ecosystem_id__in=ecosystem_ids, status=HourStatus.APPROVED)
