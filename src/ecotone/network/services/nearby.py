"""Members near you with the same interests: the directory's listed members who share at
least one interest with the member, nearest first by their ZIP codes' centroids (the
directory's offline geocoding and its haversine distance); those without a place come after,
most interests in common first."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q

from ecotone.directory.distance import haversine_miles

from .. import access
from ..models import Member


@dataclass(frozen=True)
class Neighbour:
    member: Member
    shared: list[str]
    miles: float | None


def members_near(member: Member, limit: int = 6, candidates: int = 500) -> list[Neighbour]:
    codes = list(member.interests.values_list("code", flat=True))
    if not codes:
        return []
    found = list(
        access.directory(member.ecosystem)
        .exclude(pk=member.pk)
        .filter(interests__code__in=codes)
        .annotate(shared_count=Count("interests", filter=Q(interests__code__in=codes)))
        .order_by("-shared_count", "name", "pk")
        .prefetch_related("interests")[:candidates]
    )
    miles: dict[int, float] = {}
    placed = [m for m in found if m.latitude is not None and m.longitude is not None]
    if member.latitude is not None and member.longitude is not None and placed:
        distances = haversine_miles(
            member.latitude,
            member.longitude,
            [float(m.latitude or 0.0) for m in placed],
            [float(m.longitude or 0.0) for m in placed],
        )
        miles = {m.pk: round(float(d), 1) for m, d in zip(placed, distances, strict=True)}
    ranked = sorted(
        found,
        key=lambda m: (
            m.pk not in miles,
            miles.get(m.pk, 0.0),
            -getattr(m, "shared_count", 0),
            m.name,
        ),
    )
    wanted = set(codes)
    return [
        Neighbour(m, sorted(i.code for i in m.interests.all() if i.code in wanted), miles.get(m.pk))
        for m in ranked[:limit]
    ]
