"""Records of the network for its tests: members on a roll (with or without an account)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from ecotone.ecosystems.models import Ecosystem
from ecotone.network.models import Member, MemberInterest, MemberStatus


def make_member(
    ecosystem: Ecosystem,
    email: str,
    *,
    name: str = "",
    user: Any = None,
    status: str = MemberStatus.ACTIVE,
    interests: tuple[str, ...] = (),
    **fields: Any,
) -> Member:
    """A member on the roll, active (confirmed) unless said otherwise."""
    member = Member.objects.create(
        ecosystem=ecosystem,
        email=email.lower(),
        name=name or email.split("@")[0].title(),
        user=user,
        status=status,
        confirmed_at=timezone.now() if status == MemberStatus.ACTIVE else None,
        **fields,
    )
    MemberInterest.objects.bulk_create(MemberInterest(member=member, code=c) for c in interests)
    return member
