"""The one place that keeps a member record and the role it opens in step: an active member
with an account holds `Role.NETWORK_MEMBER` in the ecosystem (the middleware lets them in, the
rules read it), and nobody else does. Joining, confirming, linking an account and leaving all
end here."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from ecotone.ecosystems import roles
from ecotone.ecosystems.models import Membership, Role
from ecotone.ecosystems.services import grant_role

from .. import hooks
from ..models import Member, MemberStatus


@transaction.atomic
def activate(member: Member, user: Any | None, actor: Any | None = None) -> Member:
    """Put the member on the roll (confirmed now unless already), linked to `user` when one is
    given, with the role their account needs."""
    member.status = MemberStatus.ACTIVE
    if member.confirmed_at is None:
        member.confirmed_at = timezone.now()
    if user is not None:
        member.user = user
    member.save(update_fields=["status", "confirmed_at", "user", "updated_at"])
    if member.user is not None:
        grant_role(member.ecosystem, member.user, Role.NETWORK_MEMBER, actor or member.user)
        hooks.forget(member.user)
    return member


@transaction.atomic
def deactivate(member: Member) -> None:
    """Take the role away from the member's account (the caller changes the record)."""
    if member.user is None:
        return
    Membership.objects.filter(
        user=member.user, ecosystem=member.ecosystem, role=Role.NETWORK_MEMBER
    ).delete()
    roles.forget(member.user)
    hooks.forget(member.user)
