"""Every permission in Ecotone is decided here (django-rules).

A permission is checked against an object that belongs to an ecosystem: the Ecosystem itself,
or any record with an `ecosystem` (or `organization.ecosystem`). Views and API endpoints ask
`user.has_perm("ecosystems.<name>", obj)` and nothing else. Superusers (the deployment's
operators) pass every check, as Django's own `has_perm` decides for them.
"""

from __future__ import annotations

from typing import Any

import rules

from . import roles
from .models import Ecosystem, Network, Organization, Role


def ecosystem_of(obj: Any) -> Ecosystem | None:
    if obj is None:
        return None
    if isinstance(obj, Ecosystem):
        return obj
    if hasattr(obj, "ecosystem"):
        return obj.ecosystem
    if hasattr(obj, "organization"):
        return obj.organization.ecosystem
    raise TypeError(f"Cannot find the ecosystem of {obj!r}")


def _has_role(*wanted: str) -> rules.Predicate:
    wanted_set = frozenset(wanted)

    @rules.predicate(name=f"has_role({', '.join(wanted)})")
    def predicate(user: Any, obj: Any) -> bool:
        return bool(roles.roles_in(user, ecosystem_of(obj)) & wanted_set)

    return predicate


is_backbone_admin = _has_role(Role.BACKBONE_ADMIN)
is_backbone = _has_role(Role.BACKBONE_ADMIN, Role.BACKBONE_STAFF)
is_partner_staff = _has_role(Role.PARTNER_STAFF)
is_mentor = _has_role(Role.MENTOR)
is_reviewer = _has_role(Role.REVIEWER)
is_member = _has_role(*Role.values)
# Anyone may give themself the mentor role (the public sign-up): it opens that role's own pages,
# never member-only data, which needs a role the backbone grants.
SELF_SERVICE_ROLES = frozenset({Role.MENTOR})
is_granted_member = _has_role(*(role for role in Role.values if role not in SELF_SERVICE_ROLES))


@rules.predicate
def is_staff_of_organization(user: Any, obj: Any) -> bool:
    """The user keeps this organization's records (partner staff assigned to it)."""
    organization = obj if isinstance(obj, Organization) else getattr(obj, "organization", None)
    if organization is None:
        return False
    return organization.pk in roles.organizations_in(user, organization.ecosystem_id)


@rules.predicate
def operates_network(user: Any, network: Network | None) -> bool:
    if network is None:
        return False
    return network.pk in roles.operated_network_ids(user)


@rules.predicate
def is_the_mentor(user: Any, obj: Any) -> bool:
    """The record is this user's own mentoring: their Mentor profile, or a match or hour log
    of theirs."""
    mentor = obj if hasattr(obj, "screening_records") else getattr(obj, "mentor", None)
    return bool(user.is_authenticated and mentor is not None and mentor.user_id == user.pk)


@rules.predicate
def staffs_a_matched_program(user: Any, mentor: Any) -> bool:
    """Partner staff of a program this mentor is matched with (accepted, active or closed):
    the only people besides backbone staff who see a mentor's contact details."""
    if mentor is None or not user.is_authenticated:
        return False
    organizations = roles.organizations_in(user, mentor.ecosystem_id)
    return (
        bool(organizations)
        and mentor.matches.filter(
            status__in=("accepted", "active", "closed"),
            opportunity__program__organization_id__in=organizations,
        ).exists()
    )


@rules.predicate
def programs_see_mentor(user: Any, mentor: Any) -> bool:
    """Partner staff see a mentor available to programs (active, screened at least for
    supervised work) or matched with one of their programs; the mentor's app decides which
    (`Mentor.is_seen_by_programs`, the same rule as its pages' and API's querysets)."""
    if mentor is None or not hasattr(mentor, "is_seen_by_programs"):
        return False
    organizations = roles.organizations_in(user, mentor.ecosystem_id)
    return bool(organizations) and bool(mentor.is_seen_by_programs(organizations))


everyone = rules.always_allow

PERMISSIONS: dict[str, rules.Predicate] = {
    # the ecosystem
    "ecosystems.view_ecosystem": everyone,
    "ecosystems.enter_member_area": is_member,
    "ecosystems.change_ecosystem": is_backbone_admin,
    "ecosystems.view_audit_log": is_backbone_admin,
    # people
    "ecosystems.view_members": is_backbone,
    "ecosystems.export_members": is_backbone,
    "ecosystems.invite_members": is_backbone,
    "ecosystems.change_membership": is_backbone_admin,
    # partner organizations
    "ecosystems.view_organization": everyone,
    "ecosystems.view_organization_contacts": is_backbone | is_partner_staff,
    "ecosystems.add_organization": is_backbone,
    "ecosystems.change_organization": is_backbone | is_staff_of_organization,
    "ecosystems.archive_organization": is_backbone,
    "ecosystems.export_organizations": is_backbone,
    # the program directory (ecotone.directory)
    "directory.view_program": everyone,
    # the flat spreadsheet: its template and column guide; exports of the whole directory, or
    # of one partner's programs (checked against the organization)
    "directory.use_program_spreadsheet": is_backbone | is_partner_staff,
    "directory.export_programs": is_backbone,
    "directory.import_programs": is_backbone,
    "directory.export_organization_programs": is_backbone | is_staff_of_organization,
    # partner self-service and moderation: ecosystem-wide pages, then per listing
    "directory.manage_listings": is_backbone | is_partner_staff,
    "directory.change_listing": is_backbone | is_staff_of_organization,
    "directory.moderate_listings": is_backbone,
    # the access atlas (ecotone.atlas): members the backbone admitted read it (not a mentor who
    # signed up); backbone staff load areas, configure analyses and save scenarios
    "atlas.view_atlas": is_granted_member,
    "atlas.export_atlas": is_granted_member,
    "atlas.manage_areas": is_backbone,
    "atlas.change_analysis": is_backbone,
    # mentor matching (ecotone.mentoring): anyone may sign up; mentors browse and respond;
    # partner staff post needs, invite screened mentors and approve their programs' hours;
    # backbone staff screen, run matching rounds and see everything. Object checks take a
    # Mentor, Opportunity, Match or HourLog (partner staff by the program's organization).
    "mentoring.view_mentoring": is_member,
    "mentoring.sign_up": everyone,
    "mentoring.manage_mentors": is_backbone,
    "mentoring.view_mentors": is_backbone | is_partner_staff | is_mentor,
    "mentoring.view_mentor": is_backbone | is_the_mentor | programs_see_mentor,
    "mentoring.view_mentor_contact": is_backbone | is_the_mentor | staffs_a_matched_program,
    "mentoring.change_mentor": is_backbone | is_the_mentor,
    "mentoring.verify_screening": is_backbone,
    "mentoring.configure_screening": is_backbone_admin,
    "mentoring.run_matching": is_backbone,
    "mentoring.post_opportunities": is_backbone | is_partner_staff,
    "mentoring.change_opportunity": is_backbone | is_staff_of_organization,
    "mentoring.browse_opportunities": is_mentor,
    "mentoring.browse_mentors": is_backbone | is_partner_staff,
    "mentoring.view_match": is_backbone | is_the_mentor | is_staff_of_organization,
    "mentoring.respond_as_mentor": is_the_mentor,
    "mentoring.respond_as_program": is_backbone | is_staff_of_organization,
    "mentoring.log_hours": is_the_mentor,
    "mentoring.review_hours": is_backbone | is_partner_staff,
    "mentoring.approve_hours": is_backbone | is_staff_of_organization,
    "mentoring.export_hours": is_backbone | is_partner_staff,
    "mentoring.view_employer_roster": is_backbone | is_staff_of_organization,
    "mentoring.view_dashboard": is_backbone,
    # networks of ecosystems
    "ecosystems.view_network": operates_network,
}

for name, predicate in PERMISSIONS.items():
    rules.add_perm(name, predicate)
