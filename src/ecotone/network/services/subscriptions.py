"""Unsubscribing by a newsletter's link: one POST (RFC 8058 one-click), no sign-in. The member
stays on the roll; only their consent to email is withdrawn."""

from __future__ import annotations

from ecotone.ecosystems.models import Ecosystem

from ..models import Member, MemberStatus


def member_by_token(ecosystem: Ecosystem, token: str) -> Member | None:
    if not token:
        return None
    return (
        Member.objects.filter(ecosystem=ecosystem, unsubscribe_token=token)
        .exclude(status=MemberStatus.LEFT)
        .first()
    )


def unsubscribe(member: Member) -> bool:
    """Withdraw the member's consent to email; False when it was already withdrawn."""
    if not member.email_consent:
        return False
    member.email_consent = False
    member.email_consent_at = None
    member.save(update_fields=["email_consent", "email_consent_at", "updated_at"])
    return True
