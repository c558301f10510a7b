"""A segment of the roll: the members a newsletter or a survey goes to. One definition, read by
the newsletter's audience, a survey's recipients, the segment counts and the API."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet

from ecotone.ecosystems.models import Ecosystem

from ..models import Member


@dataclass(frozen=True)
class Segment:
    """Members who match every part that is given; within a part, any of its values. An empty
    segment is everyone on the roll who may be mailed."""

    sectors: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    interests: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    workgroups: tuple[int, ...] = field(default=())

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> Segment:
        data = data or {}

        def strings(key: str) -> tuple[str, ...]:
            return tuple(sorted({str(v) for v in data.get(key) or ()}))

        return cls(
            sectors=strings("sectors"),
            regions=strings("regions"),
            interests=strings("interests"),
            languages=strings("languages"),
            workgroups=tuple(sorted({int(v) for v in data.get("workgroups") or ()})),
        )

    def as_dict(self) -> dict[str, list[Any]]:
        return {
            "sectors": list(self.sectors),
            "regions": list(self.regions),
            "interests": list(self.interests),
            "languages": list(self.languages),
            "workgroups": list(self.workgroups),
        }

    @property
    def is_everyone(self) -> bool:
        return not any(self.as_dict().values())


def narrow(members: QuerySet[Member], segment: Segment) -> QuerySet[Member]:
    """`members` narrowed to the segment (interests and workgroups by subqueries, so that a
    member matching several values counts once)."""
    if segment.sectors:
        members = members.filter(sector__in=segment.sectors)
    if segment.regions:
        members = members.filter(region__in=segment.regions)
    if segment.languages:
        members = members.filter(language__in=segment.languages)
    if segment.interests:
        members = members.filter(
            pk__in=_ids("interests__code__in", segment.interests, members.model)
        )
    if segment.workgroups:
        members = members.filter(
            pk__in=_ids("workgroups__workgroup_id__in", segment.workgroups, members.model)
        )
    return members


def _ids(lookup: str, values: Iterable[Any], model: type[Member]) -> QuerySet[Member, Any]:
    return model.objects.filter(**{lookup: list(values)}).values("pk")


def mailable_in(ecosystem: Ecosystem, segment: Segment) -> QuerySet[Member]:
    """Who a mailing to the segment reaches: active members who consented to email and whose
    address has not bounced."""
    return narrow(Member.objects.filter(ecosystem=ecosystem).mailable(), segment)
