"""Records of gatherings for their tests: workgroups with members, events."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

from ecotone.ecosystems.models import Ecosystem
from ecotone.network.models import (
    Event,
    EventKind,
    Member,
    Workgroup,
    WorkgroupMembership,
    WorkgroupRole,
)


def make_workgroup(
    ecosystem: Ecosystem,
    name: str,
    *,
    chairs: tuple[Member, ...] = (),
    members: tuple[Member, ...] = (),
    **fields: Any,
) -> Workgroup:
    from django.utils.text import slugify

    workgroup = Workgroup.objects.create(
        ecosystem=ecosystem, name=name, slug=slugify(name), **fields
    )
    for member in chairs:
        WorkgroupMembership.objects.create(
            workgroup=workgroup, member=member, role=WorkgroupRole.CHAIR
        )
    for member in members:
        WorkgroupMembership.objects.create(workgroup=workgroup, member=member)
    return workgroup


def make_event(
    ecosystem: Ecosystem,
    title: str = "Quarterly network meeting",
    *,
    in_days: float = 7,
    published: bool = True,
    **fields: Any,
) -> Event:
    starts = timezone.now() + datetime.timedelta(days=in_days)
    fields.setdefault("kind", EventKind.NETWORK_MEETING)
    return Event.objects.create(
        ecosystem=ecosystem,
        title=title,
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=2),
        published_at=timezone.now() if published else None,
        **fields,
    )
