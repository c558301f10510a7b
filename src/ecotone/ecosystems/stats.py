"""Aggregates across the ecosystems of a network: counts only, never individual records.

The partners and people are counted here; the later domains add their figures (programs,
mentors, hours, deserts), trends and map places through `ecotone.network_figures`. Every
figure is counted for all the network's ecosystems at once: the number of queries does not grow
with the number of ecosystems.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ecotone import network_figures
from ecotone.network_figures import Measure

from .models import Ecosystem, Membership, Network, Organization, Role, Sector

MONTHS = 12

OWN_MEASURES = (
    Measure("organizations", _("Partners")),
    Measure("people", _("People with a role"), chart=False),
)


@dataclass(frozen=True)
class Trend:
    """One figure month by month, summed over the network's ecosystems."""

    measure: Measure
    months: list[tuple[datetime.date, float]]


def measures() -> list[Measure]:
    """Every figure a network's page shows per ecosystem, in order."""
    return [*OWN_MEASURES, *(m for s in network_figures.sources() for m in s.figures)]


def member_ecosystems(network: Network) -> list[Ecosystem]:
    return list(network.ecosystems.filter(is_active=True).order_by("name"))


def network_summary(
    network: Network, ecosystems: list[Ecosystem] | None = None
) -> list[dict[str, Any]]:
    """One row per active ecosystem: partners by sector, people by role, every registered
    figure (`figures`, keyed as `measures()`) and where it sits on a map (`place`: the centre
    of its programs' places, else of its region)."""
    if ecosystems is None:
        ecosystems = member_ecosystems(network)
    ids = [e.pk for e in ecosystems]
    orgs = (
        Organization.objects.filter(ecosystem_id__in=ids, archived_at__isnull=True)
        .values_list("ecosystem_id", "sector")
        .annotate(n=Count("pk"))
        .order_by()
    )
    members = (
        Membership.objects.filter(ecosystem_id__in=ids)
        .values_list("ecosystem_id", "role")
        .annotate(n=Count("user", distinct=True))
        .order_by()
    )
    people = dict(
        Membership.objects.filter(ecosystem_id__in=ids)
        .values_list("ecosystem_id")
        .annotate(n=Count("user", distinct=True))
        .order_by()
    )
    org_counts: dict[tuple[int, str], int] = {(e, s): n for e, s, n in orgs}
    member_counts: dict[tuple[int, str], int] = {(e, r): n for e, r, n in members}
    figures: dict[int, dict[str, float | None]] = {pk: {} for pk in ids}
    if ids:
        for source in network_figures.sources():
            for ecosystem_id, values in source.counts(ids).items():
                figures[ecosystem_id].update(values)
    places: dict[int, tuple[float, float]] = {}
    if ids:
        for placement in network_figures.placements():
            for ecosystem_id, place in placement(ids).items():
                places.setdefault(ecosystem_id, place)
    rows = []
    for ecosystem in ecosystems:
        organizations = sum(org_counts.get((ecosystem.pk, s), 0) for s in Sector.values)
        rows.append(
            {
                "ecosystem": ecosystem,
                "organizations": organizations,
                # (code, label, count): codes for the API, labels for people
                "by_sector": [
                    (value, label, org_counts.get((ecosystem.pk, value), 0))
                    for value, label in Sector.choices
                ],
                "people": people.get(ecosystem.pk, 0),
                "by_role": [
                    (value, label, member_counts.get((ecosystem.pk, value), 0))
                    for value, label in Role.choices
                ],
                "figures": {
                    "organizations": organizations,
                    "people": people.get(ecosystem.pk, 0),
                    **figures[ecosystem.pk],
                },
                "place": places.get(ecosystem.pk) or ecosystem.bounding_box.center,
            }
        )
    return rows


def last_months(today: datetime.date, count: int = MONTHS) -> list[datetime.date]:
    """The first days of the `count` months up to `today`'s, oldest first."""
    index = today.year * 12 + today.month - 1
    return [
        datetime.date((index - back) // 12, (index - back) % 12 + 1, 1)
        for back in range(count - 1, -1, -1)
    ]


def network_trends(
    network: Network,
    ecosystems: list[Ecosystem] | None = None,
    today: datetime.date | None = None,
) -> list[Trend]:
    """Every registered trend over the last 12 months, summed over the network's ecosystems;
    a month without data counts 0."""
    if ecosystems is None:
        ecosystems = member_ecosystems(network)
    ids = [e.pk for e in ecosystems]
    months = last_months(today or timezone.localdate())
    trends = []
    for source in network_figures.sources():
        if source.monthly is None:
            continue
        found = source.monthly(ids, months[0]) if ids else {}
        for measure in source.trends:
            by_month = found.get(measure.key, {})
            trends.append(Trend(measure, [(m, by_month.get(m, 0)) for m in months]))
    return trends
