"""Reviewers: their profiles (expertise, organizations, the load they take), the conflicts
they or the backbone declare, the conflicts the data shows (through `access.conflicted_ids`,
the one conflict rule), and their bids on the applications of a round.

A reviewer is a person holding the reviewer role in the ecosystem with an active
`ReviewerProfile`. The backbone adds a person of the ecosystem (`add_reviewer`: the role and
a profile) or invites one by email through the ecosystems app's invitations (`invite_reviewer`:
the profile is made when they first open theirs, `own_profile`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from ecotone.directory import stem_profile
from ecotone.ecosystems import roles
from ecotone.ecosystems import services as ecosystem_services
from ecotone.ecosystems.models import Ecosystem, Invitation, Membership, Organization, Role, Sector
from ecotone.errors import DomainError

from .. import access, places
from ..models import Application, Bid, BidValue, ConflictDeclaration, ReviewerProfile

STEM_FIELD_CODES = frozenset(code for code, _label in stem_profile.STEM_FIELDS.terms)


def holds_reviewer_role(user: Any, ecosystem: Ecosystem) -> bool:
    return Role.REVIEWER in roles.roles_in(user, ecosystem)


def reviewers_of(ecosystem: Ecosystem) -> QuerySet[ReviewerProfile]:
    """The profiles of the people who hold the reviewer role here (active or not)."""
    holders = Membership.objects.filter(ecosystem=ecosystem, role=Role.REVIEWER).values("user_id")
    return ReviewerProfile.objects.filter(ecosystem=ecosystem, user_id__in=holders).select_related(
        "user"
    )


def active_reviewers(ecosystem: Ecosystem) -> QuerySet[ReviewerProfile]:
    return reviewers_of(ecosystem).filter(active=True)


def add_reviewer(
    ecosystem: Ecosystem, user: Any, actor: Any, *, sector: str = ""
) -> ReviewerProfile:
    """Give a person of the ecosystem the reviewer role and a profile (or reactivate it)."""
    if not Membership.objects.filter(ecosystem=ecosystem, user=user).exists():
        raise DomainError(_("Only a person of this ecosystem can become a reviewer."))
    with transaction.atomic():
        ecosystem_services.grant_role(ecosystem, user, Role.REVIEWER, actor)
        profile, created = ReviewerProfile.objects.get_or_create(
            ecosystem=ecosystem,
            user=user,
            defaults={"sector": sector or Sector.COMMUNITY},
        )
        if not created and not profile.active:
            profile.active = True
            profile.save(update_fields=["active", "updated_at"])
    return profile


def invite_reviewer(ecosystem: Ecosystem, actor: Any, email: str, message: str = "") -> Invitation:
    """Invite by email with the reviewer role (the ecosystems app's invitation, mailed by
    its task); the invited person's profile is made when they first open it."""
    return ecosystem_services.invite(
        ecosystem, actor, email=email, role=Role.REVIEWER, message=message
    )


def own_profile(user: Any, ecosystem: Ecosystem) -> ReviewerProfile:
    """The person's reviewer profile here, made on first use; only for the reviewer role."""
    if not holds_reviewer_role(user, ecosystem):
        raise DomainError(_("Only reviewers have a reviewer profile."))
    profile, _created = ReviewerProfile.objects.get_or_create(
        ecosystem=ecosystem, user=user, defaults={"sector": Sector.COMMUNITY}
    )
    return profile


def _codes(values: Iterable[str], allowed: Iterable[str], what: str) -> list[str]:
    allowed_set = set(allowed)
    wrong = sorted({v for v in values if v not in allowed_set})
    if wrong:
        raise DomainError(
            _("Unknown %(what)s: %(values)s.") % {"what": what, "values": ", ".join(wrong)}
        )
    return sorted(set(values))


def _states(values: Iterable[str]) -> list[str]:
    codes = []
    for value in values:
        if not value.strip():
            continue
        code = places.normalize_state(value.strip())
        if code is None:
            raise DomainError(_("“%(value)s” is not a US state.") % {"value": value})
        codes.append(code)
    return sorted(set(codes))


def update_profile(
    profile: ReviewerProfile,
    actor: Any,
    *,
    sector: str,
    expertise: str = "",
    topics: Iterable[str] = (),
    regions: Iterable[str] = (),
    sectors: Iterable[str] = (),
    organizations: Iterable[Organization] = (),
    other_organizations: Iterable[str] = (),
    max_load: int | None = None,
    active: bool | None = None,
) -> ReviewerProfile:
    """Save a reviewer's expertise (the reviewer's own, or the backbone's edit). Organizations
    count as conflicts, so only the ecosystem's partners are taken from the directory."""
    if sector not in Sector.values:
        raise DomainError(_("Choose a background."))
    if max_load is not None and max_load < 0:
        raise DomainError(_("The most applications you can review cannot be negative."))
    orgs = list(organizations)
    if any(o.ecosystem_id != profile.ecosystem_id for o in orgs):
        raise DomainError(_("Choose organizations of this ecosystem."))
    with transaction.atomic(), ecosystem_services.acting(actor):
        profile.sector = sector
        profile.expertise = expertise.strip()
        profile.topics = _codes(topics, STEM_FIELD_CODES, _("STEM fields"))
        profile.regions = _states(regions)
        profile.sectors = _codes(sectors, Sector.values, _("sectors"))
        profile.other_organizations = sorted(
            {" ".join(n.split()) for n in other_organizations if n.strip()}
        )
        profile.max_load = max_load
        if active is not None:
            profile.active = active
        profile.save()
        profile.organizations.set(orgs)
    return profile


# --- conflicts -------------------------------------------------------------------------------


def data_conflicts(profile: ReviewerProfile, applications: Iterable[Application]) -> set[int]:
    """The applications the reviewer is in conflict with, from the data and declared: the
    one rule, `access.conflicted_ids`."""
    fresh = access.with_sides_reviewers(ReviewerProfile.objects.filter(pk=profile.pk)).get()
    ids = [a.pk for a in applications]
    listed = access.with_sides_applications(Application.objects.filter(pk__in=ids))
    return access.conflicted_ids(fresh, listed)


def declare_conflict(
    profile: ReviewerProfile, application: Application, actor: Any, reason: str = ""
) -> ConflictDeclaration:
    """A conflict declared by the reviewer (on an application of a call in review), the
    backbone, or the applicant: the pair is never assigned again, nor reachable."""
    if application.ecosystem_id != profile.ecosystem_id:
        raise DomainError(_("This application is not of this ecosystem."))
    with transaction.atomic():
        declared, _created = ConflictDeclaration.objects.get_or_create(
            reviewer=profile,
            application=application,
            defaults={"reason": reason.strip()[:300], "declared_by": actor},
        )
        # A bid on a conflicted application means nothing any more.
        Bid.objects.filter(reviewer=profile, application=application).delete()
    return declared


def declare_as_reviewer(user: Any, ecosystem: Ecosystem, pk: int, reason: str) -> None:
    """The reviewer's own declaration, on any application of a call in review."""
    profile = access.profile_of(user, ecosystem)
    application = access.reviewable_applications(ecosystem).filter(pk=pk).first()
    if profile is None or application is None:
        raise DomainError(_("You can declare a conflict only on an application in review."))
    declare_conflict(profile, application, user, reason)


def declare_as_applicant(
    user: Any, application: Application, profile: ReviewerProfile, reason: str
) -> ConflictDeclaration:
    """An applicant's declaration about a reviewer, on their own application."""
    if not access.own_applications(user, application.ecosystem).filter(pk=application.pk):
        raise DomainError(_("You can declare conflicts only on your own applications."))
    return declare_conflict(profile, application, user, reason)


def withdraw_conflict(declaration: ConflictDeclaration, actor: Any) -> None:
    declaration.delete()


# --- bids ------------------------------------------------------------------------------------


def save_bids(user: Any, ecosystem: Ecosystem, bids: dict[int, str]) -> int:
    """Save the reviewer's bids (application id -> eager, willing, not willing, or "" to
    withdraw one). Only applications they may bid on (`access.biddable_applications`)."""
    profile = access.profile_of(user, ecosystem)
    if profile is None:
        raise DomainError(_("Only reviewers can bid."))
    allowed = set(
        access.biddable_applications(user, ecosystem)
        .filter(pk__in=list(bids))
        .values_list("pk", flat=True)
    )
    refused = sorted(set(bids) - allowed)
    if refused:
        raise DomainError(_("You cannot bid on some of these applications."))
    changed = 0
    with transaction.atomic():
        for pk, value in bids.items():
            if not value:
                changed += Bid.objects.filter(reviewer=profile, application_id=pk).delete()[0]
                continue
            if value not in BidValue.values:
                raise DomainError(_("Choose eager, willing or not willing."))
            Bid.objects.update_or_create(
                reviewer=profile, application_id=pk, defaults={"value": value}
            )
            changed += 1
    return changed


def bids_of(profile: ReviewerProfile) -> dict[int, str]:
    return dict(Bid.objects.filter(reviewer=profile).values_list("application_id", "value"))
