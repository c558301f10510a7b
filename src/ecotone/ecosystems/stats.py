"""Aggregates across the ecosystems of a network: counts only, never individual records."""

from __future__ import annotations

from typing import Any

from django.db.models import Count

from .models import Membership, Network, Organization, Role, Sector


def network_summary(network: Network) -> list[dict[str, Any]]:
    ecosystems = list(network.ecosystems.filter(is_active=True).order_by("name"))
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
    rows = []
    for ecosystem in ecosystems:
        rows.append(
            {
                "ecosystem": ecosystem,
                "organizations": sum(org_counts.get((ecosystem.pk, s), 0) for s in Sector.values),
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
            }
        )
    return rows
