"""Operations on ecosystems, partners and memberships.

Views, API endpoints, management commands and tasks all call these. Each takes the acting user,
runs in one transaction, records its audit trail (django-auditlog, with the actor set here so
commands and tasks are attributed too) and raises `DomainError` with a message a person can read.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from auditlog.context import auditlog_value, set_actor, set_extra_data
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from ecotone import concurrency
from ecotone.accounts.addresses import validate_address_length
from ecotone.errors import DomainError

from . import roles
from .models import (
    BACKBONE_ROLES,
    JOINED_ROLES,
    Contact,
    Ecosystem,
    Invitation,
    Membership,
    Organization,
    Role,
)
from .tasks import send_invitation


@contextmanager
def acting(actor: Any, *, additional_data: dict[str, Any] | None = None) -> Iterator[None]:
    """One transaction whose audit entries name `actor`; with `additional_data`, every entry
    written inside carries it instead of its record's own (it must then hold the records'
    `ecosystem_id`): a scheduled deletion, which has no actor, says so this way.

    Services call services, and every request already runs inside the audit middleware's
    context, so this context is nearly always nested. django-auditlog (3.4) does not nest: its
    context sets a context variable and never puts the previous value back, so on leaving an
    outer context it disconnects the inner one's signal receiver a second time and its own
    stays connected for the life of the process (upstream issue #846), and the outer context's
    later entries lost their actor. Putting the variable back when ours ends makes nesting
    exact: each receiver is disconnected by the context that connected it."""
    outer = auditlog_value.set(auditlog_value.get(None))
    try:
        who = actor if getattr(actor, "pk", None) else None
        context = (
            set_actor(who)
            if additional_data is None
            else set_extra_data(
                {
                    "actor": who,
                    "remote_addr": None,
                    "remote_port": None,
                    "additional_data": additional_data,
                }
            )
        )
        with transaction.atomic(), context:
            yield
    finally:
        auditlog_value.reset(outer)


def _clean_or_restore(instance: Any) -> None:
    """Validate; when refused, put the in-memory object back as the database holds it."""
    try:
        instance.full_clean()
    except ValidationError:
        instance.refresh_from_db()
        raise


def unique_slug(queryset: Any, name: str, *, exclude_pk: int | None = None) -> str:
    base = slugify(name)[:70] or "organization"
    candidate, n = base, 2
    existing = queryset.exclude(pk=exclude_pk) if exclude_pk else queryset
    while existing.filter(slug=candidate).exists():
        candidate, n = f"{base}-{n}", n + 1
    return candidate


# Organizations ---------------------------------------------------------------------------------

ORGANIZATION_FIELDS = (
    "name",
    "alternate_name",
    "description",
    "sector",
    "coalition_role",
    "website",
    "email",
    "phone",
    "address",
    "city",
    "state",
    "postal_code",
)


def create_organization(
    ecosystem: Ecosystem,
    actor: Any,
    *,
    contacts: list[dict[str, Any]] | None = None,
    **fields: Any,
) -> Organization:
    unknown = set(fields) - set(ORGANIZATION_FIELDS)
    if unknown:
        raise TypeError(f"Unknown organization fields: {sorted(unknown)}")
    with acting(actor):
        organization = Organization(ecosystem=ecosystem, **fields)
        organization.slug = unique_slug(ecosystem.organizations.all(), organization.name)
        organization.full_clean()
        organization.save()
        if contacts:
            _replace_contacts(organization, contacts)
    return organization


CONTACT_FIELDS = ("name", "title", "email", "phone", "is_primary")


def update_organization(
    organization: Organization,
    actor: Any,
    *,
    contacts: list[dict[str, Any]] | None = None,
    expected_version: str | None = None,
    **fields: Any,
) -> Organization:
    """Change a partner's profile and, when `contacts` is given, its whole list of contacts.

    `contacts` is the list as it should be afterwards: an entry with the `id` of an existing
    contact updates it, one without creates a contact, and contacts left out are removed.
    `expected_version` is the version the editor loaded (`concurrency`): another one stored
    raises `EditConflictError`.
    """
    unknown = set(fields) - set(ORGANIZATION_FIELDS)
    if unknown:
        raise TypeError(f"Unknown organization fields: {sorted(unknown)}")
    if organization.is_archived:
        raise DomainError(_("An archived organization cannot be changed. Restore it first."))
    with acting(actor):
        concurrency.require(expected_version, concurrency.locked_version(organization))
        for name, value in fields.items():
            setattr(organization, name, value)
        _clean_or_restore(organization)
        organization.save()
        if contacts is not None:
            _replace_contacts(organization, contacts)
    return organization


def _replace_contacts(organization: Organization, wanted: list[dict[str, Any]]) -> None:
    if sum(bool(c.get("is_primary")) for c in wanted) > 1:
        raise DomainError(_("Only one contact can be the primary contact."))
    existing = {c.pk: c for c in organization.contacts.all()}
    keep = set()
    for entry in wanted:
        data = {k: v for k, v in entry.items() if k in CONTACT_FIELDS}
        contact_id = entry.get("id")
        if contact_id is not None:
            if contact_id not in existing:
                raise DomainError(_("A contact to update does not belong to this organization."))
            contact = existing[contact_id]
            for name, value in data.items():
                setattr(contact, name, value)
        else:
            contact = Contact(organization=organization, **data)
        contact.full_clean()
        contact.save()
        keep.add(contact.pk)
    for contact_id, contact in existing.items():
        if contact_id not in keep:
            contact.delete()


def archive_organization(organization: Organization, actor: Any) -> Organization:
    """Archive instead of delete: history and links stay, the partner leaves public lists."""
    if organization.is_archived:
        raise DomainError(_("This organization is already archived."))
    with acting(actor):
        organization.archived_at = timezone.now()
        organization.save(update_fields=["archived_at", "updated_at"])
    return organization


def restore_organization(organization: Organization, actor: Any) -> Organization:
    if not organization.is_archived:
        raise DomainError(_("This organization is not archived."))
    with acting(actor):
        organization.archived_at = None
        organization.save(update_fields=["archived_at", "updated_at"])
    return organization


# Memberships -----------------------------------------------------------------------------------


def _check_organizations(
    ecosystem: Ecosystem, role: str, organizations: Iterable[Organization]
) -> list[Organization]:
    organizations = list(organizations)
    if any(org.ecosystem_id != ecosystem.pk for org in organizations):
        raise DomainError(_("Every organization must belong to this ecosystem."))
    if role == Role.PARTNER_STAFF and not organizations:
        raise DomainError(_("Partner staff need at least one organization."))
    if role != Role.PARTNER_STAFF and organizations:
        raise DomainError(_("Only partner staff are tied to organizations."))
    return organizations


def grant_role(
    ecosystem: Ecosystem,
    user: Any,
    role: str,
    actor: Any,
    organizations: Iterable[Organization] = (),
) -> Membership:
    """Give `user` the `role` in `ecosystem` (or add organizations to an existing one)."""
    if role not in Role.values:
        raise DomainError(_("Unknown role."))
    orgs = _check_organizations(ecosystem, role, organizations)
    with acting(actor):
        membership, _created = Membership.objects.get_or_create(
            user=user,
            ecosystem=ecosystem,
            role=role,
            defaults={"created_by": actor if getattr(actor, "pk", None) else None},
        )
        if orgs:
            membership.organizations.add(*orgs)
    roles.forget(user)
    return membership


def _other_admins(membership: Membership) -> bool:
    return (
        Membership.objects.filter(ecosystem_id=membership.ecosystem_id, role=Role.BACKBONE_ADMIN)
        .exclude(pk=membership.pk)
        .exists()
    )


def change_membership(
    membership: Membership,
    actor: Any,
    *,
    role: str,
    organizations: Iterable[Organization] = (),
    expected_version: str | None = None,
) -> Membership:
    if role not in Role.values:
        raise DomainError(_("Unknown role."))
    if role in JOINED_ROLES or membership.role in JOINED_ROLES:
        raise DomainError(_("People join the network themselves, and leave it from its pages."))
    orgs = _check_organizations(membership.ecosystem, role, organizations)
    if (
        membership.role == Role.BACKBONE_ADMIN
        and role != Role.BACKBONE_ADMIN
        and not _other_admins(membership)
    ):
        raise DomainError(_("Every ecosystem needs at least one backbone admin."))
    if (
        role != membership.role
        and Membership.objects.filter(
            user_id=membership.user_id, ecosystem_id=membership.ecosystem_id, role=role
        ).exists()
    ):
        raise DomainError(_("This person already holds that role here."))
    with acting(actor):
        concurrency.require(expected_version, concurrency.locked_version(membership))
        membership.role = role
        membership.save(update_fields=["role", "updated_at"])
        membership.organizations.set(orgs)
    roles.forget(membership.user)
    return membership


def remove_membership(membership: Membership, actor: Any) -> None:
    if membership.role in JOINED_ROLES:
        raise DomainError(_("People join the network themselves, and leave it from its pages."))
    if membership.role == Role.BACKBONE_ADMIN and not _other_admins(membership):
        raise DomainError(_("Every ecosystem needs at least one backbone admin."))
    with acting(actor):
        membership.delete()
    roles.forget(membership.user)


# Invitations -----------------------------------------------------------------------------------


def invite(
    ecosystem: Ecosystem,
    actor: Any,
    *,
    email: str,
    role: str,
    organizations: Iterable[Organization] = (),
    message: str = "",
) -> Invitation:
    """Invite a person by email. Only backbone admins may invite to backbone roles."""
    email = _invited_address(email)
    if role not in Role.values:
        raise DomainError(_("Unknown role."))
    if role in JOINED_ROLES:
        raise DomainError(_("People join the network themselves, and leave it from its pages."))
    if role in BACKBONE_ROLES and not actor.has_perm("ecosystems.change_membership", ecosystem):
        raise DomainError(_("Only a backbone admin can invite someone to a backbone role."))
    orgs = _check_organizations(ecosystem, role, organizations)
    if ecosystem.invitations.pending().filter(email__iexact=email, role=role).exists():
        raise DomainError(
            _("%(email)s already has a pending invitation for this role.") % {"email": email}
        )
    if ecosystem.memberships.filter(user__email__iexact=email, role=role).exists():
        raise DomainError(_("%(email)s already holds this role here.") % {"email": email})
    with acting(actor):
        invitation = Invitation.objects.create(
            ecosystem=ecosystem, email=email, role=role, message=message, invited_by=actor
        )
        invitation.organizations.set(orgs)
        transaction.on_commit(lambda: send_invitation.enqueue(invitation.pk))
    return invitation


def _invited_address(email: str) -> str:
    """The address as stored; refused when mail could not reach it, as sign-up refuses it."""
    email = email.strip().lower()
    try:
        validate_address_length(email)
    except ValidationError as error:
        raise DomainError(error.messages[0]) from error
    return email


def invite_first_admin(ecosystem: Ecosystem, email: str) -> Invitation:
    """The deployment operator's invitation to a new ecosystem's first backbone admin."""
    if ecosystem.memberships.filter(role=Role.BACKBONE_ADMIN).exists():
        raise DomainError(_("This ecosystem already has a backbone admin."))
    email = _invited_address(email)
    with acting(None):
        invitation = Invitation.objects.create(
            ecosystem=ecosystem, email=email, role=Role.BACKBONE_ADMIN
        )
        transaction.on_commit(lambda: send_invitation.enqueue(invitation.pk))
    return invitation


def revoke_invitation(invitation: Invitation, actor: Any) -> Invitation:
    if invitation.status != "pending":
        raise DomainError(_("Only a pending invitation can be revoked."))
    with acting(actor):
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at", "updated_at"])
    return invitation


def accept_invitation(invitation: Invitation, user: Any) -> Membership:
    """The invited person, signed in with the invited (verified) address, takes the role."""
    from allauth.account.models import EmailAddress

    if invitation.status != "pending":
        raise DomainError(
            _("This invitation is %(status)s and can no longer be accepted.")
            % {"status": invitation.get_status_display().lower()}
        )
    verified = EmailAddress.objects.filter(
        user=user, email__iexact=invitation.email, verified=True
    ).exists()
    if not verified:
        raise DomainError(
            _("This invitation was sent to %(email)s. Sign in with that address to accept it.")
            % {"email": invitation.email}
        )
    with acting(user):
        membership = grant_role(
            invitation.ecosystem,
            user,
            invitation.role,
            actor=invitation.invited_by or user,
            organizations=invitation.organizations.all(),
        )
        invitation.accepted_at = timezone.now()
        invitation.accepted_by = user
        invitation.save(update_fields=["accepted_at", "accepted_by", "updated_at"])
    return membership


# Ecosystem settings ----------------------------------------------------------------------------

ECOSYSTEM_SETTINGS_FIELDS = (
    "name",
    "description",
    "contact_email",
    "timezone",
    "default_language",
    "suppression_threshold",
    "reverify_after_days",
    "region_south",
    "region_west",
    "region_north",
    "region_east",
    "region_geojson",
)


def update_ecosystem(
    ecosystem: Ecosystem, actor: Any, *, expected_version: str | None = None, **fields: Any
) -> Ecosystem:
    unknown = set(fields) - set(ECOSYSTEM_SETTINGS_FIELDS)
    if unknown:
        raise TypeError(f"Unknown ecosystem fields: {sorted(unknown)}")
    with acting(actor):
        concurrency.require(expected_version, concurrency.locked_version(ecosystem))
        for name, value in fields.items():
            setattr(ecosystem, name, value)
        _clean_or_restore(ecosystem)
        ecosystem.save()
    return ecosystem
