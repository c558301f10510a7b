"""One query for the member lists (the directory members read, the backbone's roll), used by
the pages, their exports and the API alike."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Q, QuerySet

from ..models import Member
from ..profile import interest_label

SORTS = {
    "name": ("name", "pk"),
    "-joined": ("-joined_at", "-pk"),
    "joined": ("joined_at", "pk"),
    "sector": ("sector", "name", "pk"),
    "region": ("region", "name", "pk"),
}


def narrow(
    found: QuerySet[Member], filters: dict[str, Any], *, search_email: bool = False
) -> QuerySet[Member]:
    """Members matching the filters (q, sector, region, interest, status, source), sorted."""
    q = (filters.get("q") or "").strip()
    if q:
        words = Q(name__icontains=q) | Q(organization_name__icontains=q)
        if search_email:
            words |= Q(email__icontains=q)
        found = found.filter(words)
    for name in ("sector", "status", "source"):
        if filters.get(name):
            found = found.filter(**{name: filters[name]})
    if filters.get("region"):
        found = found.filter(region__iexact=filters["region"].strip())
    if filters.get("interest"):
        found = found.filter(interests__code=filters["interest"])
    return found.order_by(*SORTS.get(filters.get("sort") or "name", SORTS["name"]))


def interests_text(member: Member) -> str:
    return ", ".join(interest_label(i.code) for i in member.interests.all())


def export_rows(found: QuerySet[Member]) -> Iterable[list[Any]]:
    for m in found.prefetch_related("interests").iterator(chunk_size=2000):
        yield [
            m.name,
            m.email,
            m.get_status_display(),
            m.organization_name,
            m.get_sector_display(),
            m.get_network_role_display(),
            m.region,
            m.postal_code,
            interests_text(m),
            m.language,
            "yes" if m.email_consent else "no",
            "yes" if m.in_directory else "no",
            m.get_source_display(),
            m.joined_at,
            m.confirmed_at or "",
        ]
