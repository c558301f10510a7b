"""Joining and leaving the network's roll: the public join page's double opt-in, the one-click
join of partners' staff and mentors, profile changes, and leaving (which erases the person).
Every change of status ends in `roll.activate` / `roll.deactivate`."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from allauth.account.models import EmailAddress
from auditlog.models import LogEntry
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ecotone.directory.geocoding import zip_centroid
from ecotone.ecosystems.models import Ecosystem, Membership, Organization, Role
from ecotone.errors import DomainError

from .. import access, hooks, notifications_members
from ..models import (
    Member,
    MemberInterest,
    MemberSource,
    MemberStatus,
    Registration,
    RegistrationStatus,
    Welcome,
    Welcomer,
    WorkgroupMembership,
)
from ..models.core import new_token
from ..profile import INTEREST_CODES
from . import events, roll, surveys, welcomes

# What a member says about themself, as the join and profile forms and the import give it.
PROFILE_FIELDS = (
    "name",
    "organization_name",
    "sector",
    "network_role",
    "region",
    "postal_code",
    "language",
    "bio",
    "email_consent",
    "in_directory",
)


def _place(member: Member) -> None:
    """The member's ZIP code at its centroid (for "members near you"), or nowhere."""
    found = zip_centroid(member.postal_code) if member.postal_code else None
    member.latitude = found.latitude if found else None
    member.longitude = found.longitude if found else None


def _set_interests(member: Member, codes: Iterable[str]) -> None:
    wanted = set(codes) & INTEREST_CODES
    MemberInterest.objects.filter(member=member).exclude(code__in=wanted).delete()
    have = set(MemberInterest.objects.filter(member=member).values_list("code", flat=True))
    MemberInterest.objects.bulk_create(
        MemberInterest(member=member, code=code) for code in sorted(wanted - have)
    )


def _apply_profile(member: Member, profile: dict[str, Any]) -> None:
    consent_before = member.email_consent
    for name in PROFILE_FIELDS:
        if name in profile:
            setattr(member, name, profile[name] if profile[name] is not None else "")
    if member.email_consent and not consent_before:
        member.email_consent_at = timezone.now()
    if not member.email_consent:
        member.email_consent_at = None
    _place(member)


def on_roll(ecosystem: Ecosystem, email: str) -> Member | None:
    return (
        Member.objects.filter(ecosystem=ecosystem, email=email.strip().lower())
        .exclude(status=MemberStatus.LEFT)
        .first()
    )


@transaction.atomic
def join(
    ecosystem: Ecosystem, email: str, profile: dict[str, Any], interests: Iterable[str]
) -> Member | None:
    """Someone joined on the public page: a pending member, mailed the confirmation link.
    Joining again while pending changes the details and mails the link again (never a second
    record); an address already on the roll changes nothing. The caller says the same to
    everyone, so the page never tells whether an address is on the roll."""
    email = email.strip().lower()
    found = on_roll(ecosystem, email)
    if found is not None and found.status != MemberStatus.PENDING:
        if found.user_id is None:
            # on the roll without an account (imported): the link lets them claim it
            notifications_members.confirmation_requested(found)
        return None
    member = found or Member(ecosystem=ecosystem, email=email, source=MemberSource.JOIN_PAGE)
    _apply_profile(member, profile)
    member.save()
    _set_interests(member, interests)
    notifications_members.confirmation_requested(member)
    return member


def pending_by_token(ecosystem: Ecosystem, token: str) -> Member | None:
    if not token:
        return None
    return access.claimable(
        Member.objects.filter(ecosystem=ecosystem, confirmation_token=token)
    ).first()


def account_for(email: str) -> Any | None:
    """The account whose verified address this is, or None."""
    address = (
        EmailAddress.objects.filter(email__iexact=email, verified=True)
        .select_related("user")
        .first()
    )
    return address.user if address is not None else None


def account_exists(email: str) -> bool:
    return get_user_model().objects.filter(email__iexact=email).exists()


@transaction.atomic
def confirm(member: Member, password: str | None = None) -> Any | None:
    """The member followed the confirmation link: they go on the roll, linked to the account
    with that verified address, or to a new one (with `password`, its address verified by
    this very link) when no account has it. Returns the account, if any. The link works
    once."""
    member = Member.objects.select_for_update().get(pk=member.pk)
    if not access.claimable(Member.objects.filter(pk=member.pk)).exists():
        raise DomainError(_("This link has already been used."))
    newcomer = member.status == MemberStatus.PENDING
    user = account_for(member.email)
    if user is None and password and not account_exists(member.email):
        user = get_user_model().objects.create_user(
            email=member.email, password=password, name=member.name
        )
        user.preferred_language = member.language
        user.save(update_fields=["preferred_language"])
        EmailAddress.objects.create(user=user, email=member.email, verified=True, primary=True)
    member.confirmation_token = new_token()
    member.save(update_fields=["confirmation_token", "updated_at"])
    roll.activate(member, user)
    if newcomer:
        welcomes.assign(member)
    return user


# partners' staff and mentors ---------------------------------------------------------------

JOINABLE_ROLES = {Role.PARTNER_STAFF: MemberSource.PARTNER_STAFF, Role.MENTOR: MemberSource.MENTOR}


def staff_source(user: Any, ecosystem: Ecosystem) -> tuple[str, Organization | None] | None:
    """How a signed-in partner's staff member or mentor would join (their source and
    organization), or None for anyone else."""
    if not getattr(user, "is_authenticated", False):
        return None
    for membership in Membership.objects.filter(
        user=user, ecosystem=ecosystem, role__in=list(JOINABLE_ROLES)
    ).order_by("role"):
        organization = membership.organizations.order_by("name").first()
        return JOINABLE_ROLES[Role(membership.role)], organization
    return None


@transaction.atomic
def join_as_staff(
    ecosystem: Ecosystem, user: Any, *, email_consent: bool, in_directory: bool = False
) -> Member:
    """A partner's staff member or a mentor agreed to be a member: on the roll at once (their
    account's address is verified), their details taken from the account and organization."""
    found = staff_source(user, ecosystem)
    if found is None:
        raise DomainError(_("Only partners' staff and mentors join this way."))
    source, organization = found
    member = on_roll(ecosystem, user.email)
    if member is not None and member.status == MemberStatus.ACTIVE:
        if member.user_id not in (None, user.pk):
            raise DomainError(_("Another account holds this address on the roll."))
    else:
        member = member or Member(ecosystem=ecosystem, email=user.email.lower())
        member.source = source
        _apply_profile(
            member,
            {
                "name": user.name or user.email.split("@")[0],
                "organization_name": organization.name if organization else "",
                "sector": organization.sector if organization else "",
                "language": user.preferred_language or ecosystem.default_language,
                "email_consent": email_consent,
                "in_directory": in_directory,
            },
        )
        member.organization = organization
        if organization is not None and not member.postal_code:
            member.postal_code = getattr(organization, "postal_code", "") or ""
            _place(member)
        member.save()
    roll.activate(member, user)
    welcomes.assign(member)
    return member


# the member's own profile ------------------------------------------------------------------


@transaction.atomic
def update_profile(member: Member, profile: dict[str, Any], interests: Iterable[str]) -> Member:
    if member.status != MemberStatus.ACTIVE:
        raise DomainError(_("Only members on the roll change their profile."))
    _apply_profile(member, profile)
    member.save()
    _set_interests(member, interests)
    return member


@transaction.atomic
def leave(member: Member) -> Member:
    """The member leaves: their role goes, they leave every workgroup, upcoming registration
    and waitlist and the welcome rotation, and the record keeps only what the audit and the
    health counts need (status, dates, sector, region, how they joined)."""
    member = Member.objects.select_for_update().get(pk=member.pk)
    if member.status == MemberStatus.LEFT:
        return member
    roll.deactivate(member)
    user = member.user
    WorkgroupMembership.objects.filter(member=member).delete()
    # through the events' one waitlist rule: a freed seat goes to the first waiting
    for registration in Registration.objects.filter(
        member=member,
        event__starts_at__gte=timezone.now(),
        status__in=[RegistrationStatus.REGISTERED, RegistrationStatus.WAITLISTED],
    ):
        events.cancel_registration(registration)
    surveys.forget_member(member)
    welcomer_ids = list(Welcomer.objects.filter(member=member).values_list("pk", flat=True))
    Welcomer.objects.filter(member=member).delete()
    MemberInterest.objects.filter(member=member).delete()
    welcomes.forget_welcomer(member)
    erase(member, left_at=timezone.now())
    member.save()
    _erase_history(member, welcomer_ids)
    if user is not None:
        hooks.forget(user)
    return member


def erase(member: Member, *, left_at: Any) -> None:
    """What is left of a record when its member leaves, set on `member` (not saved): status,
    dates, sector, region and how they joined; nothing that says who they were. The demo's
    members who left are made with it too."""
    member.status = MemberStatus.LEFT
    member.left_at = left_at
    member.user = None
    member.name = ""
    member.email = ""
    member.bio = ""
    member.postal_code = ""
    member.latitude = None
    member.longitude = None
    member.organization_name = ""
    member.organization = None
    member.network_role = ""
    member.email_consent = False
    member.email_consent_at = None
    member.in_directory = False
    member.confirmation_token = new_token()
    member.unsubscribe_token = new_token()


# What a member's change history may not keep once they left: who they were.
PERSONAL = frozenset(
    {
        "name",
        "email",
        "bio",
        "postal_code",
        "latitude",
        "longitude",
        "organization_name",
        "organization",
        "network_role",
        "user",
        "email_consent_at",
        "newcomer",
        "welcomer",
        "member",
    }
)


def _erase_history(member: Member, welcomer_ids: list[int]) -> None:
    """The audit keeps that the record changed, when and by whom, but no longer the person's
    name, address or profile (the old values in its entries), nor their name as each entry's
    label: leaving erases the person from the history too."""
    of = ContentType.objects.get_for_model
    entries = (
        LogEntry.objects.filter(content_type=of(Member), object_pk=str(member.pk))
        | LogEntry.objects.filter(
            content_type=of(Welcome),
            object_pk__in=[
                str(pk)
                for pk in Welcome.objects.filter(newcomer=member).values_list("pk", flat=True)
            ],
        )
        | LogEntry.objects.filter(
            content_type=of(Welcomer), object_pk__in=[str(pk) for pk in welcomer_ids]
        )
    )
    for entry in entries:
        changes = entry.changes if isinstance(entry.changes, dict) else {}
        entry.changes = {k: v for k, v in changes.items() if k not in PERSONAL}
        entry.changes_text = ""
        entry.serialized_data = None
        entry.object_repr = _("Former member")
        entry.save(update_fields=["changes", "changes_text", "serialized_data", "object_repr"])
