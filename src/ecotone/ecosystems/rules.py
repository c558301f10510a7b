"""Every permission in Ecotone is decided here (django-rules).

A permission is checked against an object that belongs to an ecosystem: the Ecosystem itself,
or any record with an `ecosystem` (or `organization.ecosystem`). Views and API endpoints ask
`user.has_perm("ecosystems.<name>", obj)` and nothing else. Superusers (the deployment's
operators) pass every check, as Django's own `has_perm` decides for them.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
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
# The same holds for the network's roll, which anyone may join (double opt-in).
SELF_SERVICE_ROLES = frozenset({Role.MENTOR, Role.NETWORK_MEMBER})
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


@dataclass(frozen=True)
class PersonalRecord:
    """How the rules read a record that a later app keeps for one person (a mentor's profile,
    matches, hours): this module sits left of that app in the import order and cannot know its
    models, so the app registers each of them here in its `AppConfig.ready()`."""

    # The user whose own record it is.
    holder_id: Callable[[Any], int | None]
    # Whether the staff of these organizations see the record.
    seen_by_organizations: Callable[[Any, Collection[int]], bool] | None = None
    # Whether the record is matched with these organizations' programs (contact details).
    matched_with_organizations: Callable[[Any, Collection[int]], bool] | None = None


_PERSONAL_RECORDS: dict[type, PersonalRecord] = {}


def register_personal_record(model: type, record: PersonalRecord) -> None:
    """Tell the rules how to read a model's records (idempotent: ready() may run twice)."""
    _PERSONAL_RECORDS[model] = record


def _personal(obj: Any) -> PersonalRecord | None:
    return _PERSONAL_RECORDS.get(type(obj))


@rules.predicate
def is_the_mentor(user: Any, obj: Any) -> bool:
    """The record is this user's own mentoring: their Mentor profile, or a match or hour log
    of theirs."""
    record = _personal(obj)
    return bool(user.is_authenticated and record is not None and record.holder_id(obj) == user.pk)


@rules.predicate
def staffs_a_matched_program(user: Any, mentor: Any) -> bool:
    """Partner staff of a program this mentor is matched with (accepted, active or closed):
    the only people besides backbone staff who see a mentor's contact details."""
    record = _personal(mentor)
    if record is None or record.matched_with_organizations is None:
        return False
    if not user.is_authenticated:
        return False
    organizations = roles.organizations_in(user, mentor.ecosystem_id)
    return bool(organizations) and record.matched_with_organizations(mentor, organizations)


@rules.predicate
def programs_see_mentor(user: Any, mentor: Any) -> bool:
    """Partner staff see a mentor available to programs (active, screened at least for
    supervised work) or matched with one of their programs; the mentor's app decides which
    (the same rule as its pages' and API's querysets)."""
    record = _personal(mentor)
    if record is None or record.seen_by_organizations is None:
        return False
    organizations = roles.organizations_in(user, mentor.ecosystem_id)
    return bool(organizations) and record.seen_by_organizations(mentor, organizations)


_ASSIGNED_REVIEWERS: dict[type, Callable[[Any, Any], bool]] = {}


def register_reviewed_record(model: type, is_assigned: Callable[[Any, Any], bool]) -> None:
    """Tell the rules how to read who was assigned to review a later app's record (a quality
    assessment; later a challenge's application): `is_assigned(user, record)`."""
    _ASSIGNED_REVIEWERS[model] = is_assigned


@rules.predicate
def is_assigned_reviewer(user: Any, obj: Any) -> bool:
    """A reviewer the backbone assigned to this record, while they keep the reviewer role."""
    check = _ASSIGNED_REVIEWERS.get(type(obj))
    return bool(
        user.is_authenticated and check is not None and is_reviewer(user, obj) and check(user, obj)
    )


_REGISTERED_CHECKS: dict[str, Callable[[Any, Any], bool]] = {}


def register_check(name: str, check: Callable[[Any, Any], bool]) -> None:
    """Tell the rules how a later app answers a question about its own records
    (`check(user, obj)`): the network's "on the roll of this ecosystem", "chairs this
    workgroup", "welcomes for the network" (idempotent: ready() may run twice)."""
    _REGISTERED_CHECKS[name] = check


def registered(name: str) -> rules.Predicate:
    """A predicate answered by the check an app registered under `name` (False without one,
    and for anonymous visitors)."""

    @rules.predicate(name=name)
    def predicate(user: Any, obj: Any) -> bool:
        check = _REGISTERED_CHECKS.get(name)
        return bool(user.is_authenticated and check is not None and check(user, obj))

    return predicate


# The network (ecotone.network): a person on the roll of the ecosystem's network (an active
# Member with their account: the role its services keep with the record); a chair of the
# workgroup a record belongs to; a member of it; a welcomer of the rotation.
is_network_member = _has_role(Role.NETWORK_MEMBER)
chairs_workgroup = registered("network.chairs_workgroup")
in_workgroup = registered("network.in_workgroup")
is_welcomer = registered("network.is_welcomer")


@rules.predicate
def is_published_indicator(user: Any, indicator: Any) -> bool:
    """A shared-measurement indicator the backbone published and has not archived."""
    return bool(getattr(indicator, "is_published", False)) and not getattr(
        indicator, "archived_at", None
    )


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
    # shared measurement (ecotone.measures): backbone staff define the common indicators;
    # members the backbone admitted read the published ones and the standard code tables.
    # `view_indicator` is checked against the Indicator.
    "measures.view_indicators": is_backbone | is_granted_member,
    "measures.view_indicator": is_backbone | (is_granted_member & is_published_indicator),
    "measures.manage_indicators": is_backbone,
    # partners' submissions of values: partner staff submit and follow their own
    # organization's (checked against the Organization or the Submission); backbone staff see
    # and review every submission of the ecosystem
    "measures.submit_data": is_backbone | is_partner_staff,
    "measures.submit_for_organization": is_backbone | is_staff_of_organization,
    "measures.view_submission": is_backbone | is_staff_of_organization,
    "measures.review_submissions": is_backbone,
    # data sharing agreements: backbone staff record them; partner staff read their own
    "measures.manage_agreements": is_backbone,
    "measures.view_agreement": is_backbone | is_staff_of_organization,
    # data collections: backbone staff open, change and close them; partner staff read those
    # that ask their organizations (access.collections_of) and answer them
    "measures.manage_collections": is_backbone,
    # a partner's own codes (the crosswalk): backbone staff keep it
    "measures.manage_crosswalk": is_backbone,
    # dashboards: anyone, the public included, reads a published indicator's dashboard (its
    # figures summed over partners and suppressed; `view_dashboard` is checked against the
    # Indicator, drafts are the backbone's); one partner's own figures are the backbone's and
    # that partner's staff's (checked against the ecosystem for "all partners", else the
    # Organization)
    "measures.view_dashboards": everyone,
    "measures.view_dashboard": is_backbone | is_published_indicator,
    "measures.view_partner_figures": is_backbone | is_staff_of_organization,
    # a network's operators read the indicators its ecosystems publish, summed across them and
    # suppressed after summing (checked against the Network)
    "measures.view_network_figures": operates_network,
    # public files (CCD membership, a state's Perkins file): backbone staff import them
    "measures.import_public_data": is_backbone,
    # periods (school years, terms, quarters, months): backbone staff keep them
    "measures.manage_periods": is_backbone,
    # unduplicated reach (docs/reach.md): only partner staff submit their own organization's
    # encoded rosters (checked against the Organization or the Roster); backbone staff keep the
    # linkage secret's epochs and the retention, and read the linkage's quality figures;
    # everyone reads the suppressed aggregates. Nobody downloads hashes or CLKs back.
    "measures.submit_rosters": is_partner_staff,
    # the rosters pages (checked against the Ecosystem): partner staff list their own
    # organizations' (access.rosters_of), backbone staff every one
    "measures.view_rosters": is_backbone | is_partner_staff,
    "measures.submit_roster_for_organization": is_staff_of_organization,
    "measures.view_roster": is_backbone | is_staff_of_organization,
    "measures.manage_linkage": is_backbone,
    "measures.view_reach": everyone,
    # program quality (ecotone.quality): backbone admins and staff install, import, publish
    # and export the ecosystem's rubrics (checked against the Ecosystem)
    "quality.manage_rubrics": is_backbone,
    # partner staff assess their own organization (and its programs), with the backbone's
    # staff; starting is checked against the Organization, the rest against the Assessment.
    # A reviewer the backbone assigned sees the assessment and rates it under their own name;
    # only the organization's staff (and the backbone) agree the consensus, complete it,
    # add evidence and write its improvement plan.
    "quality.start_assessment": is_backbone | is_staff_of_organization,
    # the assessments page (checked against the Ecosystem): the backbone, partner staff and
    # reviewers, each listing only the assessments they see (`access.assessments_of`)
    "quality.view_assessments": is_backbone | is_partner_staff | is_reviewer,
    "quality.view_assessment": is_backbone | is_staff_of_organization | is_assigned_reviewer,
    "quality.rate_assessment": is_backbone | is_staff_of_organization | is_assigned_reviewer,
    "quality.agree_consensus": is_backbone | is_staff_of_organization,
    "quality.plan_improvement": is_backbone | is_staff_of_organization,
    "quality.assign_reviewer": is_backbone,
    # a reviewer's own queue of the assessments they were assigned (checked against the Ecosystem)
    "quality.review_assessments": is_reviewer,
    # the ecosystem's roll-up (checked against the Ecosystem): the backbone's in full; the
    # members the backbone admitted see it only where at least the ecosystem's small-cell
    # threshold of programs stand behind each figure (the roll-up service suppresses)
    "quality.view_rollup": is_backbone | is_granted_member,
    # ... and who reads its exact figures, every count however small (the backbone)
    "quality.view_rollup_exact": is_backbone,
    # challenges (ecotone.challenges, docs/challenges.md): everyone reads a call once it is
    # open and its published winners; any signed-in person applies, on behalf of an
    # organization, and reaches only their own applications (access.applications_of);
    # reviewers keep a profile, bid, declare conflicts and review what they are assigned,
    # never an application they are in conflict with (checked in access, for pages, API and
    # services alike); backbone staff run the calls.
    "challenges.view_calls": everyone,
    "challenges.apply": rules.is_authenticated,
    "challenges.manage_calls": is_backbone,
    "challenges.review": is_reviewer,
    "challenges.view_application": is_backbone | is_assigned_reviewer,
    # ... (area api) the reviewing records through the API: the backbone all of them, a
    # reviewer their own profile, assignments and reviews (access.assignments_of, reviews_of)
    "challenges.view_reviewing": is_backbone | is_reviewer,
    # pathways and badges (ecotone.pathways, docs/pathways.md, docs/badges.md): everyone reads
    # the published pathways (families' pages); the backbone curates any pathway, partner staff
    # their organization's (checked against the Pathway; the backbone's own, with no
    # organization, are the backbone's alone). Partner staff define their organization's
    # achievements and award, list and revoke its badges (checked against the Achievement or
    # the Award); the backbone does so for every partner and keeps the issuer keys. Verifying
    # a credential and a learner's own page need no role (views of their own).
    "pathways.view_pathways": everyone,
    "pathways.manage_pathways": is_backbone | is_partner_staff,
    "pathways.change_pathway": is_backbone | is_staff_of_organization,
    "pathways.manage_badges": is_backbone | is_partner_staff,
    "pathways.award_badges": is_backbone | is_staff_of_organization,
    "pathways.manage_issuer_keys": is_backbone_admin,
    # counts of badges and pathway progress: the admitted members read them suppressed
    "pathways.view_badge_counts": is_backbone | is_granted_member,
    # the network (ecotone.network, docs/network.md): anyone joins (double opt-in) and reads
    # the workgroups' charters, the events and the newsletters' archive; the people on the
    # roll (and the backbone) reach the member area, the member directory and the resource
    # library, share resources, suggest newsletter items, join open workgroups and register
    # for events; a workgroup's space (tasks, files, discussion) is its members'; its chairs
    # write its progress notes and keep its tasks; the welcomers the backbone names welcome
    # newcomers; backbone staff run the roll, the rotation, events and check-in, newsletters,
    # surveys and the health dashboard.
    "network.join": everyone,
    "network.view_network": is_backbone | is_network_member,
    "network.manage_members": is_backbone,
    "network.view_member_directory": is_backbone | is_network_member,
    "network.view_resources": is_backbone | is_network_member,
    "network.share_resources": is_backbone | is_network_member,
    "network.welcome_members": is_backbone | is_welcomer,
    "network.view_workgroups": everyone,
    "network.join_workgroup": is_network_member,
    "network.view_workgroup_space": is_backbone | in_workgroup,
    "network.chair_workgroup": is_backbone | chairs_workgroup,
    "network.manage_workgroups": is_backbone,
    "network.view_events": everyone,
    "network.register_for_events": is_backbone | is_network_member,
    "network.manage_events": is_backbone,
    "network.view_newsletters": everyone,
    "network.suggest_items": is_backbone | is_network_member,
    "network.manage_newsletters": is_backbone,
    "network.manage_surveys": is_backbone,
    # a survey's respondent holds its invitation's link (the token), not an account
    "network.answer_surveys": everyone,
    "network.view_health": is_backbone,
    # networks of ecosystems
    "ecosystems.view_network": operates_network,
}

for name, predicate in PERMISSIONS.items():
    rules.add_perm(name, predicate)
